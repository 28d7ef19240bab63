#ifndef CF_WRITER_H
#define CF_WRITER_H

/*
 * The record writer: every tool's stdout stream goes through one of these.
 *
 * Records are packed with msgpack-c's packer into a buffer that is written
 * out in large blocks.  Errors are sticky: a write failure is remembered and
 * reported once, by cf_writer_flush(), which dies with "write failure on
 * standard output" (ENOSPC on /dev/full included) and, when a downstream
 * consumer has gone away (EPIPE), ends the process quietly by SIGPIPE, as a
 * Unix filter should.
 *
 * Ownership: the writer owns its buffer; strings passed to the pack helpers
 * are copied at once.
 */

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"
#include "cf/oid.h"

struct cf_writer {
	int fd;
	struct cf_buf buf;
	msgpack_packer pk;
	uint64_t records;	/* records ended so far */
	uint64_t bytes;		/* bytes handed to write(2) so far */
	unsigned unbuffered:1;	/* flush after every record */
	unsigned hold:1;	/* write only when cf_writer_flush() is called */
};

void cf_writer_init(struct cf_writer *w, int fd);
/* Flushes and frees the buffer. */
void cf_writer_release(struct cf_writer *w);

/*
 * Starts a record: a map of nfields user fields plus the "t" (type) and "v"
 * (schema version) keys, which are packed here.  Pack exactly nfields
 * key/value pairs next, then call cf_writer_end().
 */
msgpack_packer *cf_writer_begin(struct cf_writer *w, const char *type,
				unsigned version, uint32_t nfields);
/* Marks the end of a record; writes the buffer out when it is large. */
void cf_writer_end(struct cf_writer *w);

/* Copies an already-encoded record (as cf_reader returned it) unchanged. */
void cf_writer_raw(struct cf_writer *w, const void *data, size_t len);

/* Writes out everything buffered. */
void cf_writer_flush(struct cf_writer *w);

/* Packing helpers for the common value shapes. */
void cf_pack_str(msgpack_packer *pk, const char *s);
void cf_pack_strn(msgpack_packer *pk, const char *s, size_t len);
void cf_pack_bin(msgpack_packer *pk, const void *data, size_t len);
void cf_pack_oid(msgpack_packer *pk, const struct cf_oid *oid);
void cf_pack_u64(msgpack_packer *pk, uint64_t v);
void cf_pack_i64(msgpack_packer *pk, int64_t v);
void cf_pack_bool(msgpack_packer *pk, int v);
void cf_pack_f64(msgpack_packer *pk, double v);
/* A key and its value in one call. */
void cf_pack_kv_str(msgpack_packer *pk, const char *key, const char *s);
void cf_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t v);
void cf_pack_kv_i64(msgpack_packer *pk, const char *key, int64_t v);
void cf_pack_kv_oid(msgpack_packer *pk, const char *key, const struct cf_oid *oid);
void cf_pack_kv_bool(msgpack_packer *pk, const char *key, int v);
void cf_pack_kv_f64(msgpack_packer *pk, const char *key, double v);

#endif
