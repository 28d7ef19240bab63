#ifndef CF_SLAB_H
#define CF_SLAB_H

/*
 * A bump allocator for bytes that die together: a batch's blobs are
 * allocated one after the other from a few large chunks and released all
 * at once by cf_slab_reset(), which keeps the chunks for the next batch.
 * Freeing thousands of blobs of every size one by one, in another thread
 * than the one that allocated them, leaves malloc's arenas full of holes
 * that stay resident; a slab leaves none.
 *
 * Not thread-safe: one slab per thread.  Ownership: the slab owns its
 * chunks; the bytes it hands out are valid until the next cf_slab_reset()
 * or cf_slab_release().
 */

#include <stddef.h>

struct cf_slab {
	struct cf_slab_chunk *chunks;
	size_t nr, alloc;
	size_t cur;		/* the chunk allocations come from */
	size_t bytes;		/* of all chunks */
	size_t recent;		/* chunks recent batches used, decaying */
};

#define CF_SLAB_INIT { NULL, 0, 0, 0, 0, 0 }

/* len bytes and a NUL after them (so len + 1 in all), never NULL. */
char *cf_slab_alloc(struct cf_slab *s, size_t len);
/* Copies len bytes into the slab and adds a NUL. */
char *cf_slab_dup(struct cf_slab *s, const void *data, size_t len);
/*
 * Forgets every allocation.  As many chunks of the standard size as recent
 * batches used are kept for reuse; the others, and those made for one
 * large blob, are freed.
 */
void cf_slab_reset(struct cf_slab *s);
void cf_slab_release(struct cf_slab *s);

#endif
