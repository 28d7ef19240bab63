#ifndef CF_STATE_H
#define CF_STATE_H

/*
 * Analyzer state on disk, for checkpoints in streaming mode.
 *
 * The protocol (documented for users in cf-run(1) and cf-records(5)):
 * cf-revlist --chunk-size N writes a "barrier" record after every N commits.
 * Every stage passes barriers on in order.  An analyzer started with
 * --state-dir DIR, on a barrier, first compacts its state ("hibernates"),
 * then saves its WHOLE state with cf_state_save(), and only then passes the
 * barrier on; so when a barrier reaches the end of the pipeline, every
 * analyzer has saved that chunk.  An analyzer started with --resume FILE
 * loads FILE with cf_state_load() before reading its input, and its result
 * must then be byte-identical to that of an uninterrupted run: state must
 * capture everything the result depends on, and results must not depend on
 * the order of hash tables.
 *
 * A state file is one record {t: "state", v: 1, analyzer, schema, chunk,
 * commits, data}, written to DIR/chunk-<C>.state through a temporary file,
 * fsync and rename, so a file of that name is always complete.  Older chunk
 * files are left for the driver to remove once its own checkpoint.json
 * names the newer chunk.
 *
 * Ownership: cf_state_save() borrows everything; the objects a loaded
 * state points to live until cf_state_release().
 */

#include <msgpack.h>
#include <stdint.h>
#include "cf/reader.h"

/* Packs exactly one msgpack object (the analyzer's state, usually a map). */
typedef void (*cf_state_pack_fn)(msgpack_packer *pk, void *data);

/*
 * Writes DIR/chunk-<chunk>.state atomically.  commits is the number of
 * commits the state covers.  Dies (exit 1) naming the file when the
 * directory cannot be written (read-only, full disk); a half-written file is
 * never left under the final name.
 */
void cf_state_save(const char *dir, const char *analyzer, unsigned schema,
		   uint64_t chunk, uint64_t commits, cf_state_pack_fn pack, void *data);

struct cf_state {
	struct cf_reader r;
	struct cf_record rec;
	int fd;
	uint64_t chunk;
	uint64_t commits;
	unsigned schema;
	const msgpack_object *data;
	char *path;		/* for messages */
};

/*
 * Loads a state file written for analyzer (another analyzer's or another
 * schema's file is an error, exit 3, naming the file).
 */
void cf_state_load(struct cf_state *st, const char *path, const char *analyzer,
		   unsigned schema);
void cf_state_release(struct cf_state *st);

/*
 * Reading a loaded state's data: a missing key or a wrong type is an error
 * (exit 3) that names the state file and the key.
 */
_Noreturn void cf_state_die(const struct cf_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const msgpack_object *cf_state_get(const struct cf_state *st, const msgpack_object *map,
				   const char *key, msgpack_object_type type);
uint64_t cf_state_u64(const struct cf_state *st, const msgpack_object *map, const char *key);
int64_t cf_state_i64(const struct cf_state *st, const msgpack_object *map, const char *key);
/* An array's items; *n is its size. */
const msgpack_object *cf_state_array(const struct cf_state *st, const msgpack_object *map,
				     const char *key, uint32_t *n);
/* The bytes of a str or bin value, not NUL-terminated. */
const char *cf_state_bytes(const struct cf_state *st, const msgpack_object *o,
			   const char *what, size_t *len);

#endif
