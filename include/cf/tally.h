#ifndef CF_TALLY_H
#define CF_TALLY_H

/*
 * Counters keyed by byte strings, for the analyzers that count named things
 * (functions, imports, typo patterns): a hash table from a key to
 * CF_TALLY_VALUES unsigned counters, entries numbered in insertion order
 * (the number of an entry never changes), sorted listings for
 * deterministic output, and the table packed into and loaded from an
 * analyzer's checkpoint (cf/state.h).  Keys may hold any bytes; composite
 * keys join their parts with NUL bytes.
 *
 * Ownership: the table owns copies of its keys; a key pointer it returns
 * is valid until the next insertion.  Owned by the author of cf-shotness.
 */

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"
#include "cf/state.h"

#define CF_TALLY_VALUES 4

struct cf_tally_entry {
	size_t key;		/* offset into keys */
	size_t len;
	uint64_t hash;
	uint64_t v[CF_TALLY_VALUES];
};

struct cf_tally {
	struct cf_tally_entry *e;
	size_t nr, alloc;
	uint32_t *slots;	/* entry index + 1, 0 empty */
	size_t nr_slots;
	struct cf_buf keys;
};

#define CF_TALLY_INIT { NULL, 0, 0, NULL, 0, CF_BUF_INIT }

/* The entry of key, created with zero counters when missing; its index. */
size_t cf_tally_add(struct cf_tally *t, const void *key, size_t len);
/* The entry's index, or SIZE_MAX when absent. */
size_t cf_tally_find(const struct cf_tally *t, const void *key, size_t len);
static inline const char *cf_tally_key(const struct cf_tally *t, size_t i)
{
	return t->keys.buf + t->e[i].key;
}

/* Entry indexes ordered by cmp (NULL: key bytes); the caller frees them. */
typedef int (*cf_tally_cmp_fn)(const struct cf_tally *t, size_t a, size_t b, void *data);
size_t *cf_tally_sorted(const struct cf_tally *t, cf_tally_cmp_fn cmp, void *data);

/* [[key (bin), v0, v1, v2, v3], ...] in insertion order, and back (exit 3 on a bad state). */
void cf_tally_pack(msgpack_packer *pk, const struct cf_tally *t);
void cf_tally_load(struct cf_tally *t, const struct cf_state *st, const msgpack_object *o);

void cf_tally_release(struct cf_tally *t);

#endif
