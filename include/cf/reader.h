#ifndef CF_READER_H
#define CF_READER_H

/*
 * The record reader: every tool's stdin stream comes through one of these.
 *
 * A record is one msgpack map with a string "t" (type) and an unsigned "v"
 * (schema version).  The reader first frames a record with its own scanner,
 * which enforces explicit limits before anything is allocated (record size,
 * string and bin length, element counts, nesting depth, fields of the
 * record map), then hands exactly those bytes to msgpack-c.  Every problem
 * is fatal with exit code CF_EXIT_DATA and names the record number and
 * the byte offset in the stream:
 *
 *	cf-burndown: fatal: record 7 (byte 812): truncated: the stream ends inside the record
 *
 * Lifetime: the msgpack objects and the raw bytes of a record point into the
 * reader's buffer and live until the next cf_reader_next() call.  Copy what
 * must live longer.
 *
 * The scanner alone checks a record and finds its "t" and "v".  A lazy
 * reader has msgpack-c decode a record only when a field is first asked for
 * (cf_rec_map; map stays NULL), because a stage that merely passes a record
 * on would otherwise hold a decoded copy of it: an analyzer's result of
 * 80 MB (cf-couples on git/git) cost each later stage 140 MiB that way.
 */

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

struct cf_reader_limits {
	size_t max_record;	/* bytes in one record */
	uint32_t max_fields;	/* keys in the record map itself */
	uint32_t max_elements;	/* entries of any nested array or map */
	uint32_t max_depth;	/* nesting of containers, the record map is 1 */
};

/*
 * Defaults: 256 MiB records (a blob larger than the arena travels inline;
 * CF_MAX_RECORD in the environment changes it), 256 fields, 16 Mi elements,
 * depth 24.
 */
extern const struct cf_reader_limits cf_reader_default_limits;

struct cf_reader;

struct cf_record {
	const msgpack_object *map;	/* the whole record; NULL until decoded (lazy) */
	struct cf_reader *reader;	/* decodes the map on demand; NULL: none */
	const char *type;		/* the "t" value, not NUL-terminated */
	size_t type_len;
	uint64_t version;		/* the "v" value */
	const char *raw;		/* the encoded record, for passing it on */
	size_t raw_len;
	uint64_t number;		/* 1-based position in the stream */
	uint64_t offset;		/* byte offset of its first byte */
};

/*
 * Where the scan of a record that has not fully arrived stopped: a record
 * that comes through a pipe 64 KiB at a time is scanned once, not again
 * from its start after every read (cf-couples' 8 MB result on git/git cost
 * each later stage 2.4 s that way).
 */
struct cf_reader_scan {
	size_t pos;		/* bytes of the record scanned, 0: none */
	int depth;		/* containers open */
	uint64_t left[64];	/* children still expected, per open container */
	/* The record's "t" and "v", found on the way: */
	char key;		/* the record map's key just scanned, 't', 'v' or 0 */
	int have_t, have_v;
	size_t type_off, type_len;	/* from the record's first byte */
	uint64_t version;
};

struct cf_reader {
	int fd;
	unsigned char *buf;
	size_t alloc, start, end;	/* unparsed bytes are buf[start..end) */
	uint64_t base;			/* stream offset of buf[0] */
	uint64_t records;
	int eof;
	msgpack_unpacked res;
	uint64_t decoded;		/* the record res holds, by number; 0: none */
	int lazy;			/* decode on demand only (see above) */
	struct cf_reader_limits limits;
	const char *name;		/* a file to name in errors; NULL: stdin */
	struct cf_reader_scan scan;	/* of the record at buf + start */
};

void cf_reader_init(struct cf_reader *r, int fd);
void cf_reader_release(struct cf_reader *r);

/* Returns 1 with *rec filled, or 0 at a clean end of the stream. */
int cf_reader_next(struct cf_reader *r, struct cf_record *rec);

/*
 * The whole record as a msgpack map, decoded on the first call for it
 * (cf/record.h's getters call it); NULL for a record with neither a map
 * nor a reader.
 */
const msgpack_object *cf_rec_map(const struct cf_record *rec);

/*
 * The encoded value of one field of the record map (the last, if the key
 * repeats), without decoding anything; NULL when it is missing or the
 * record came from no reader.
 */
const char *cf_rec_field_raw(const struct cf_record *rec, const char *key, size_t *len);

/*
 * The same for any encoded map a reader passed (a kept record, a field of
 * one): the fields one by one, as the bytes of each key and value, or the
 * value of one key (the last, if it repeats; NULL when it is missing).
 * cf_map_iter_init returns 0 when the bytes are not a map.
 */
struct cf_map_iter {
	const char *p;
	size_t len, pos;
	uint64_t left;
};

int cf_map_iter_init(struct cf_map_iter *it, const char *map, size_t len);
int cf_map_iter_next(struct cf_map_iter *it, const char **key, size_t *key_len,
		     const char **val, size_t *val_len);
const char *cf_map_field_raw(const char *map, size_t len, const char *key, size_t *val_len);
/* Whether the bytes at p are the msgpack string want. */
int cf_msgpack_str_is(const char *p, const char *want);
/* The length of the one msgpack object at p, or 0 when it is not whole in len. */
size_t cf_msgpack_skip(const char *p, size_t len);

/*
 * Whether cf_reader_next() would return without waiting for the producer:
 * a whole record is buffered, or input (or EOF) is ready on the fd.  Stages
 * that batch work use it to process what they hold before blocking, which
 * also keeps a producer waiting on shared memory from deadlocking.
 */
int cf_reader_ready(struct cf_reader *r);

#endif
