/*
 * The diff cache: a chained hash table over a fixed array of slots, with the
 * LRU order kept as a doubly linked list of slot indices.  Indices instead of
 * pointers keep the slots one allocation and the links half the size.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/diffcache.h"

#define NIL UINT32_MAX

/*
 * A diff with more hunks than this is rare and, if repeated, cheap enough to
 * redo compared with pinning megabytes in a slot for the rest of the run.
 */
#define MAX_ENTRY_U32 (4 * 16384)

struct slot {
	struct cf_oid old, new;
	uint32_t next;		/* hash chain */
	uint32_t prev_lru, next_lru;
	uint32_t *hunks;
	size_t nr, alloc;
};

static const uint32_t no_hunks[1];

struct cf_diffcache {
	struct slot *slots;
	uint32_t *buckets;
	size_t cap, used, mask;
	uint32_t head, tail;	/* most and least recently used */
	struct cf_diffcache_stats st;
};

struct cf_diffcache *cf_diffcache_new(size_t entries)
{
	struct cf_diffcache *c = xcalloc(1, sizeof(*c));
	size_t nb = 1;

	if (entries >= NIL)
		entries = NIL - 1;
	c->cap = entries;
	c->head = c->tail = NIL;
	if (!entries)
		return c;
	while (nb < entries * 2)
		nb <<= 1;
	c->mask = nb - 1;
	c->slots = xcalloc(entries, sizeof(*c->slots));
	c->buckets = xmalloc(st_mult(nb, sizeof(*c->buckets)));
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	return c;
}

void cf_diffcache_free(struct cf_diffcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->used; i++)
		free(c->slots[i].hunks);
	free(c->slots);
	free(c->buckets);
	free(c);
}

static size_t bucket_of(const struct cf_diffcache *c, const struct cf_oid *old,
			const struct cf_oid *new)
{
	uint64_t h = cf_oid_hash(old) ^ (cf_oid_hash(new) * 0x9e3779b97f4a7c15ull);
	return (size_t)(h ^ (h >> 29)) & c->mask;
}

static uint32_t *find(struct cf_diffcache *c, const struct cf_oid *old,
		      const struct cf_oid *new)
{
	uint32_t *link = &c->buckets[bucket_of(c, old, new)];

	while (*link != NIL) {
		struct slot *s = &c->slots[*link];
		if (!cf_oid_cmp(&s->old, old) && !cf_oid_cmp(&s->new, new))
			return link;
		link = &s->next;
	}
	return link;
}

static void lru_unlink(struct cf_diffcache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];

	if (s->prev_lru != NIL)
		c->slots[s->prev_lru].next_lru = s->next_lru;
	else
		c->head = s->next_lru;
	if (s->next_lru != NIL)
		c->slots[s->next_lru].prev_lru = s->prev_lru;
	else
		c->tail = s->prev_lru;
}

static void lru_push_front(struct cf_diffcache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];

	s->prev_lru = NIL;
	s->next_lru = c->head;
	if (c->head != NIL)
		c->slots[c->head].prev_lru = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

const uint32_t *cf_diffcache_get(struct cf_diffcache *c, const struct cf_oid *old,
				 const struct cf_oid *new, size_t *nr)
{
	uint32_t i;

	if (!c->cap || (i = *find(c, old, new)) == NIL) {
		c->st.misses++;
		return NULL;
	}
	c->st.hits++;
	if (c->head != i) {
		lru_unlink(c, i);
		lru_push_front(c, i);
	}
	*nr = c->slots[i].nr;
	return c->slots[i].hunks ? c->slots[i].hunks : no_hunks;
}

/* Takes the least recently used slot out of its chain and the LRU list. */
static uint32_t evict(struct cf_diffcache *c)
{
	uint32_t i = c->tail;
	struct slot *s = &c->slots[i];

	*find(c, &s->old, &s->new) = s->next;
	lru_unlink(c, i);
	c->st.evictions++;
	return i;
}

void cf_diffcache_put(struct cf_diffcache *c, const struct cf_oid *old,
		      const struct cf_oid *new, const uint32_t *hunks, size_t nr)
{
	uint32_t *link, i;
	struct slot *s;

	if (!c->cap || nr > MAX_ENTRY_U32)
		return;
	link = find(c, old, new);
	if (*link != NIL) {
		i = *link;
		lru_unlink(c, i);
	} else {
		i = c->used < c->cap ? (uint32_t)c->used++ : evict(c);
		s = &c->slots[i];
		s->old = *old;
		s->new = *new;
		link = find(c, old, new);	/* eviction may have changed the chain */
		s->next = NIL;
		*link = i;
	}
	s = &c->slots[i];
	CF_ALLOC_GROW(s->hunks, nr, s->alloc);
	if (nr)
		memcpy(s->hunks, hunks, nr * sizeof(*hunks));
	s->nr = nr;
	lru_push_front(c, i);
	c->st.stores++;
}

void cf_diffcache_stats(const struct cf_diffcache *c, struct cf_diffcache_stats *st)
{
	*st = c->st;
}
