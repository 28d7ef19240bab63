#ifndef CF_DIFFCACHE_H
#define CF_DIFFCACHE_H

/*
 * A bounded LRU cache of line diffs keyed by (old blob id, new blob id), so
 * that a revert, a cherry-pick or a file copied with its history costs a
 * lookup instead of a diff.  A value is the hunk array of cf-records(5)
 * ("hunks": four uint32 per hunk); added and removed line counts follow from
 * it.
 *
 * Not thread-safe: one thread looks up and inserts.  Slots are allocated
 * once and their hunk buffers are reused when an entry is evicted, so a warm
 * cache does not allocate.  Ownership: the cache owns copies of the hunks it
 * stores; a pointer returned by cf_diffcache_get() is valid until the next
 * cf_diffcache_put().
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/oid.h"

struct cf_diffcache;

/* A cache of at most entries diffs; 0 gives a cache that stores nothing. */
struct cf_diffcache *cf_diffcache_new(size_t entries);
void cf_diffcache_free(struct cf_diffcache *c);

/*
 * The hunks stored for (old, new) and their number of uint32 in *nr (a
 * multiple of 4; the pointer may be non-NULL with *nr == 0 for a diff without
 * hunks), or NULL when the pair is not cached.  A hit becomes the most
 * recently used entry.
 */
const uint32_t *cf_diffcache_get(struct cf_diffcache *c, const struct cf_oid *old,
				 const struct cf_oid *new, size_t *nr);

/*
 * Stores a copy of nr uint32 of hunks for (old, new), evicting the least
 * recently used entry when full.  Diffs larger than the cache's per-entry cap
 * are not stored.  Storing a pair already present replaces its hunks.
 */
void cf_diffcache_put(struct cf_diffcache *c, const struct cf_oid *old,
		      const struct cf_oid *new, const uint32_t *hunks, size_t nr);

struct cf_diffcache_stats {
	uint64_t hits, misses, stores, evictions;
};
void cf_diffcache_stats(const struct cf_diffcache *c, struct cf_diffcache_stats *st);

#endif
