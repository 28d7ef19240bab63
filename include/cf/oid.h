#ifndef CF_OID_H
#define CF_OID_H

/*
 * Object ids.  Codefang reads SHA-1 repositories; an object id is 20 raw
 * bytes everywhere in memory and in the record stream (msgpack bin 20),
 * and 40 lowercase hex digits only when shown to people.
 */

#include <stdint.h>
#include <string.h>

#define CF_OID_RAWSZ 20
#define CF_OID_HEXSZ 40

struct cf_oid {
	unsigned char id[CF_OID_RAWSZ];
};

/* Writes 40 hex digits and a NUL into hex; returns hex. */
char *cf_oid_to_hex(const struct cf_oid *oid, char hex[CF_OID_HEXSZ + 1]);
/* Parses exactly 40 hex digits; returns 0, or -1 when s is not an id. */
int cf_oid_from_hex(struct cf_oid *oid, const char *s);

static inline int cf_oid_cmp(const struct cf_oid *a, const struct cf_oid *b)
{
	return memcmp(a->id, b->id, CF_OID_RAWSZ);
}

static inline int cf_oid_is_zero(const struct cf_oid *oid)
{
	static const unsigned char zero[CF_OID_RAWSZ];
	return !memcmp(oid->id, zero, CF_OID_RAWSZ);
}

/* The ids are uniformly distributed already: their first bytes are a hash. */
static inline uint64_t cf_oid_hash(const struct cf_oid *oid)
{
	uint64_t h;
	memcpy(&h, oid->id, sizeof(h));
	return h;
}

#endif
