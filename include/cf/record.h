#ifndef CF_RECORD_H
#define CF_RECORD_H

/*
 * Typed access to the fields of a record, with errors that name the record.
 *
 * The record types and their fields are the stream format, documented in
 * man/cf-records.5.  Required-field getters die with CF_EXIT_DATA when the
 * field is absent or has the wrong type:
 *
 *	cf-diff: fatal: record 12 (byte 4711): 'change': 'path' must be a string
 *
 * Optional getters return 0 when the field is absent and 1 when present, and
 * still die on a wrong type.  Unknown fields are ignored, so streams from
 * newer producers stay readable.  Returned pointers borrow from the record
 * (see cf/reader.h for its lifetime).
 */

#include <stdint.h>
#include <msgpack.h>
#include "cf/oid.h"
#include "cf/reader.h"

/* Record types of stream format version 1. */
#define CF_REC_STREAM	"stream"	/* cf-revlist: what the stream describes */
#define CF_REC_COMMIT	"commit"	/* one commit */
#define CF_REC_CHANGE	"change"	/* one changed file of the preceding commit */
#define CF_REC_ARENA	"arena"		/* a shared-memory region announced by cf-blobload */
#define CF_REC_BLOB	"blob"		/* blob bytes, in an arena or inline */
#define CF_REC_BARRIER	"barrier"	/* end of a streaming chunk */
#define CF_REC_RESULT	"result"	/* an analyzer's result */

/*
 * The blob records before one change are its old and new blob: a consumer
 * refuses more rather than hold the bytes of a stream without changes.
 */
#define CF_MAX_CHANGE_BLOBS 2

int cf_rec_is(const struct cf_record *rec, const char *type);

_Noreturn void cf_rec_die(const struct cf_record *rec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* NULL when absent. */
const msgpack_object *cf_rec_get(const struct cf_record *rec, const char *key);
const msgpack_object *cf_obj_get(const msgpack_object *map, const char *key);

uint64_t cf_rec_u64(const struct cf_record *rec, const char *key);
int cf_rec_u64_opt(const struct cf_record *rec, const char *key, uint64_t *out);
int64_t cf_rec_i64(const struct cf_record *rec, const char *key);
int cf_rec_i64_opt(const struct cf_record *rec, const char *key, int64_t *out);
int cf_rec_bool(const struct cf_record *rec, const char *key);	/* absent: 0 */
const char *cf_rec_str(const struct cf_record *rec, const char *key, size_t *len);
int cf_rec_str_opt(const struct cf_record *rec, const char *key,
		   const char **s, size_t *len);
void cf_rec_oid(const struct cf_record *rec, const char *key, struct cf_oid *oid);
int cf_rec_oid_opt(const struct cf_record *rec, const char *key, struct cf_oid *oid);
/* The bytes of a required bin field. */
const char *cf_rec_bin(const struct cf_record *rec, const char *key, size_t *len);
/* A required array; *n is its size. */
const msgpack_object *cf_rec_array(const struct cf_record *rec, const char *key, uint32_t *n);
int cf_rec_array_opt(const struct cf_record *rec, const char *key,
		     const msgpack_object **items, uint32_t *n);

#endif
