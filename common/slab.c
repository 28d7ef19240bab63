#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "cf/alloc.h"
#include "cf/slab.h"
#include "cf/usage.h"

/*
 * Chunks are mapped directly, never from malloc's heap, so that they
 * cannot pin the heap's free space and are returned to the system whole.
 */
#define CHUNK ((size_t)1 << 20)
/*
 * What a reset keeps mapped for the next batch: enough for a typical batch
 * not to fault its pages in again, so that a large batch's chunks do not
 * stay resident for the rest of the run.
 */
#define KEEP (4 * CHUNK)

struct cf_slab_chunk {
	char *mem;
	size_t size, used;
};

static struct cf_slab_chunk *add_chunk(struct cf_slab *s, size_t size)
{
	struct cf_slab_chunk *c;

	CF_ALLOC_GROW(s->chunks, s->nr + 1, s->alloc);
	c = &s->chunks[s->nr++];
	c->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->mem == MAP_FAILED)
		die_errno("cannot map %zu bytes for blobs", size);
	c->size = size;
	c->used = 0;
	s->bytes += size;
	return c;
}

char *cf_slab_alloc(struct cf_slab *s, size_t len)
{
	size_t need = st_add(len, 1);
	struct cf_slab_chunk *c;
	char *p;

	while (s->cur < s->nr && s->chunks[s->cur].size - s->chunks[s->cur].used < need)
		s->cur++;
	if (s->cur < s->nr)
		c = &s->chunks[s->cur];
	else
		c = add_chunk(s, need > CHUNK ? need : CHUNK);
	p = c->mem + c->used;
	c->used += need;
	p[len] = '\0';
	return p;
}

char *cf_slab_dup(struct cf_slab *s, const void *data, size_t len)
{
	char *p = cf_slab_alloc(s, len);

	if (len)
		memcpy(p, data, len);
	return p;
}

void cf_slab_reset(struct cf_slab *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nr; i++) {
		if (s->chunks[i].size > CHUNK || kept * CHUNK >= KEEP) {
			s->bytes -= s->chunks[i].size;
			munmap(s->chunks[i].mem, s->chunks[i].size);
			continue;
		}
		s->chunks[i].used = 0;
		s->chunks[kept++] = s->chunks[i];
	}
	s->nr = kept;
	s->cur = 0;
}

void cf_slab_release(struct cf_slab *s)
{
	for (size_t i = 0; i < s->nr; i++)
		munmap(s->chunks[i].mem, s->chunks[i].size);
	free(s->chunks);
	memset(s, 0, sizeof(*s));
}
