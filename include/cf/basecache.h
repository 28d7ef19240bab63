#ifndef CF_BASECACHE_H
#define CF_BASECACHE_H

/*
 * The delta-base cache of an object database: resolved objects keyed by
 * (pack, offset), laid one after the other in a ring of exactly the budget's
 * bytes and evicted oldest first when the ring comes round to them.
 *
 * A cache of malloc'd objects of every size, evicted in LRU order, leaves
 * the heap full of holes: on git/git's history each of cf-blobload's 48 MiB
 * caches held 83 MiB resident.  The ring holds its budget and no more.  Its
 * order is insertion, not use; what LRU's promotion kept alive is kept here
 * by copying an object hit near the ring's oldest end to its newest.
 *
 * The object a read asked for (a leaf of its delta chain) is kept aside in
 * one slot instead of in the ring: its deltas often come next in pack order,
 * but most leaves are never read again and would push out the bases of long
 * chains.  A leaf that is read again moves into the ring.
 *
 * Not thread-safe: one cache per thread.  Ownership: the cache owns its ring
 * and the leaf's bytes; the data of an entry it returns is valid until the
 * next call that adds to the cache (cf_basecache_reserve(), or a
 * cf_basecache_get() that moves an entry).
 */

#include <stddef.h>
#include <stdint.h>

struct cf_base {
	struct cf_base *chain;		/* hash bucket */
	uint64_t off;
	uint32_t pack;
	int type;
	size_t size;			/* bytes of the ring it takes */
	size_t len;
	unsigned char data[];		/* len bytes and a NUL */
};

struct cf_basecache {
	unsigned char *ring;		/* mapped at the first reservation */
	size_t cap;
	size_t head, tail;		/* next record, oldest record */
	size_t lap_end;			/* where the records before the wrap end */
	size_t used, nr;
	size_t reserved;		/* record bytes cf_basecache_reserve() made room for */
	struct cf_base **buckets;
	size_t nr_buckets;
	struct {
		uint64_t off;
		uint32_t pack;
		int type;
		unsigned char *data;	/* NULL: none */
		size_t len;
	} leaf;
};

void cf_basecache_init(struct cf_basecache *c, size_t budget);
void cf_basecache_release(struct cf_basecache *c);

/* Whether an object of len bytes is cached at all: a quarter of the budget at most. */
int cf_basecache_fits(const struct cf_basecache *c, size_t len);

/*
 * The entry for (pack, off), or NULL.  With refresh, a hit near the oldest
 * end, or in the leaf slot, is moved to the newest end first; without it
 * the leaf slot is not looked at and nothing moves.
 */
struct cf_base *cf_basecache_get(struct cf_basecache *c, uint32_t pack, uint64_t off,
				 int refresh);

/*
 * Room for an object of len bytes (cf_basecache_fits()), returned to be
 * written, then entered by cf_basecache_commit() before any other call.
 * Making room evicts the oldest entries; if pin (an entry whose data the
 * caller still reads, or NULL) is one of them, *moved is set to a malloc'd
 * copy of its data (len + 1 bytes) that the caller frees, else to NULL.
 */
unsigned char *cf_basecache_reserve(struct cf_basecache *c, size_t len,
				    const struct cf_base *pin, unsigned char **moved);
struct cf_base *cf_basecache_commit(struct cf_basecache *c, uint32_t pack, uint64_t off,
				    int type, size_t len);

/* Takes data (malloc'd, len + 1 bytes) as the leaf slot's object. */
void cf_basecache_leaf(struct cf_basecache *c, uint32_t pack, uint64_t off, int type,
		       unsigned char *data, size_t len);

/* Bytes held: the ring's records and the leaf. */
size_t cf_basecache_bytes(const struct cf_basecache *c);

#endif
