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

struct cf_record {
	const msgpack_object *map;	/* the whole record, a map */
	const char *type;		/* the "t" value, not NUL-terminated */
	size_t type_len;
	uint64_t version;		/* the "v" value */
	const char *raw;		/* the encoded record, for passing it on */
	size_t raw_len;
	uint64_t number;		/* 1-based position in the stream */
	uint64_t offset;		/* byte offset of its first byte */
};

struct cf_reader {
	int fd;
	unsigned char *buf;
	size_t alloc, start, end;	/* unparsed bytes are buf[start..end) */
	uint64_t base;			/* stream offset of buf[0] */
	uint64_t records;
	int eof;
	msgpack_unpacked res;
	struct cf_reader_limits limits;
	const char *name;		/* a file to name in errors; NULL: stdin */
};

void cf_reader_init(struct cf_reader *r, int fd);
void cf_reader_release(struct cf_reader *r);

/* Returns 1 with *rec filled, or 0 at a clean end of the stream. */
int cf_reader_next(struct cf_reader *r, struct cf_record *rec);

/*
 * Whether cf_reader_next() would return without waiting for the producer:
 * a whole record is buffered, or input (or EOF) is ready on the fd.  Stages
 * that batch work use it to process what they hold before blocking, which
 * also keeps a producer waiting on shared memory from deadlocking.
 */
int cf_reader_ready(struct cf_reader *r);

#endif
