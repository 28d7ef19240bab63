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
 * A reset keeps as many chunks as recent batches used, and at least this
 * many: mapping fresh pages costs a fault and zeroing for each (on redis's
 * history, keeping only 4 chunks doubled cf-blobload's system time).  What
 * recent batches used decays by an eighth at each reset, so that one large
 * batch's chunks do not stay resident for the rest of the run.
 */
#define KEEP_MIN 4

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
	size_t kept = 0, used = s->nr ? s->cur + 1 : 0;
	size_t decayed = s->recent - s->recent / 8 - (s->recent > 0);
	size_t keep;

	s->recent = used > decayed ? used : decayed;
	keep = s->recent > KEEP_MIN ? s->recent : KEEP_MIN;
	for (size_t i = 0; i < s->nr; i++) {
		if (s->chunks[i].size > CHUNK || kept >= keep) {
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
