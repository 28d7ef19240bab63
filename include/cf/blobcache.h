#ifndef CF_BLOBCACHE_H
#define CF_BLOBCACHE_H

/*
 * What cf-blobload remembers of blobs between batches.
 *
 * struct cf_blobinfo_map keeps, for every blob ever read, its size, line
 * count and binary flag (16 bytes a blob, so it is never evicted): a file
 * added, deleted or modified again needs no read for its numbers.
 *
 * struct cf_blobcache keeps blob bytes, least recently used first out,
 * within a byte budget: the new side of a modification is the old side of
 * the next modification of the same path, which is the main reuse.  Once a
 * blob has served as an old side its path has moved on, so the stage drops
 * it (cf_blobcache_drop()) instead of letting dead blobs fill the budget.
 *
 * Neither is thread-safe: the stage's main thread owns them.  Ownership:
 * cf_blobcache_put() takes the malloc'd buffer it is given (and frees it at
 * once when it does not fit); pointers returned by cf_blobcache_get() stay
 * valid until the next cf_blobcache_put() or cf_blobcache_release().
 *
 * A stage that still writes out bytes it got from the cache while it plans
 * the next batch sets defer: bytes that leave the cache (evicted, dropped)
 * are then only retired, and stay valid until cf_blobcache_reap(), which the
 * stage calls once nothing it got before they left is in use any more.
 * Retired bytes are not counted in bytes: they are over the budget for as
 * long as a batch is being written.
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/oid.h"

struct cf_blobinfo {
	uint64_t size;
	uint64_t lines:62;
	uint64_t binary:1;
	uint64_t skipped:1;	/* over the size limit: not read, lines unknown (0) */
};

struct cf_blobinfo_map {
	struct cf_blobinfo_slot *slots;
	size_t nr, alloc;	/* alloc is 0 or a power of two */
};

void cf_blobinfo_init(struct cf_blobinfo_map *m);
void cf_blobinfo_release(struct cf_blobinfo_map *m);
/* NULL when the blob was never recorded (the zero id never is). */
const struct cf_blobinfo *cf_blobinfo_get(const struct cf_blobinfo_map *m,
					  const struct cf_oid *oid);
void cf_blobinfo_put(struct cf_blobinfo_map *m, const struct cf_oid *oid,
		     const struct cf_blobinfo *info);

struct cf_blobcache {
	struct cf_blobcache_node **buckets;
	size_t nr_buckets;	/* a power of two */
	size_t nr;
	struct cf_blobcache_node *mru, *lru;
	uint64_t bytes, budget;
	uint64_t evicted;	/* blobs dropped to stay within the budget */
	uint64_t dropped;	/* blobs dropped by cf_blobcache_drop() */
	int defer;		/* retire bytes that leave instead of freeing them */
	char **retired;
	size_t nr_retired, alloc_retired;
	uint64_t retired_bytes;
};

/* A budget of 0 keeps nothing. */
void cf_blobcache_init(struct cf_blobcache *c, uint64_t budget);
void cf_blobcache_release(struct cf_blobcache *c);
/* The cached bytes (made most recently used), or NULL. */
const char *cf_blobcache_get(struct cf_blobcache *c, const struct cf_oid *oid, size_t *len);
void cf_blobcache_put(struct cf_blobcache *c, const struct cf_oid *oid, char *data, size_t len);
/* Forgets oid's bytes, if cached: no path is expected to need them again. */
void cf_blobcache_drop(struct cf_blobcache *c, const struct cf_oid *oid);
/* Frees the bytes retired since the last call (see defer above). */
void cf_blobcache_reap(struct cf_blobcache *c);

/* Line count as cf-records(5) defines it: newlines, plus a last line without one. */
uint64_t cf_count_lines(const char *data, size_t len);
/* Git's rule: a NUL byte in the first 8000 bytes. */
int cf_is_binary(const char *data, size_t len);

#endif
