/*
 * The ring: records [tail, head) when head > tail; [tail, lap_end) and then
 * [0, head) when the newest records have wrapped round (head <= tail, and
 * nr > 0); the free space is what is left.  A record is a struct cf_base and
 * its data, 16-byte aligned.  An entry moved to the newest end leaves a dead
 * record behind, which only waits to be passed by the tail.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "cf/alloc.h"
#include "cf/basecache.h"
#include "cf/usage.h"

#define DEAD (-1)

static size_t record_size(size_t len)
{
	return (offsetof(struct cf_base, data) + len + 1 + 15) & ~(size_t)15;
}

static struct cf_base *at(const struct cf_basecache *c, size_t pos)
{
	return (struct cf_base *)(c->ring + pos);
}

static struct cf_base **bucket(const struct cf_basecache *c, uint32_t pack, uint64_t off)
{
	uint64_t h = (off ^ (uint64_t)pack << 48) * 0x9e3779b97f4a7c15ull;
	return &c->buckets[(size_t)(h >> 32) & (c->nr_buckets - 1)];
}

void cf_basecache_init(struct cf_basecache *c, size_t budget)
{
	memset(c, 0, sizeof(*c));
	c->cap = budget & ~(size_t)15;
	c->lap_end = SIZE_MAX;
}

void cf_basecache_release(struct cf_basecache *c)
{
	if (c->ring)
		munmap(c->ring, c->cap);
	free(c->buckets);
	free(c->leaf.data);
	cf_basecache_init(c, c->cap);
}

int cf_basecache_fits(const struct cf_basecache *c, size_t len)
{
	return len < c->cap && record_size(len) <= c->cap / 4;
}

size_t cf_basecache_bytes(const struct cf_basecache *c)
{
	return c->used + (c->leaf.data ? c->leaf.len + 1 : 0);
}

static void unlink_entry(struct cf_basecache *c, struct cf_base *b)
{
	struct cf_base **pp = bucket(c, b->pack, b->off);

	while (*pp != b)
		pp = &(*pp)->chain;
	*pp = b->chain;
	b->type = DEAD;
	c->nr--;
}

/* Drops the oldest record; a copy of pin's data goes to *moved. */
static void evict_oldest(struct cf_basecache *c, const struct cf_base *pin,
			 unsigned char **moved)
{
	struct cf_base *b = at(c, c->tail);

	if (b == pin)
		*moved = (unsigned char *)xmemdupz(b->data, b->len);
	if (b->type != DEAD)
		unlink_entry(c, b);
	c->tail += b->size;
	c->used -= b->size;
	if (c->tail == c->lap_end) {
		c->tail = 0;
		c->lap_end = SIZE_MAX;
	}
	if (!c->used) {
		c->head = c->tail = 0;
		c->lap_end = SIZE_MAX;
	}
}

static void map_ring(struct cf_basecache *c)
{
	/* Pages are touched only as records reach them: a small history costs little. */
	void *p = mmap(NULL, c->cap, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die_errno("cannot map a delta-base cache of %zu bytes", c->cap);
	c->ring = p;
}

unsigned char *cf_basecache_reserve(struct cf_basecache *c, size_t len,
				    const struct cf_base *pin, unsigned char **moved)
{
	size_t need = record_size(len);

	*moved = NULL;
	if (!cf_basecache_fits(c, len))
		BUG("delta-base cache: %zu bytes do not fit in %zu", len, c->cap);
	if (!c->ring)
		map_ring(c);
	/* An empty ring has head = tail = 0, where any record that fits fits. */
	for (;;) {
		if (c->used && c->head <= c->tail) {
			if (c->tail - c->head >= need)
				break;
			evict_oldest(c, pin, moved);
		} else if (c->cap - c->head >= need) {
			break;
		} else {
			c->lap_end = c->head;
			c->head = 0;
		}
	}
	c->reserved = need;
	return at(c, c->head)->data;
}

static void grow_buckets(struct cf_basecache *c)
{
	struct cf_base **old = c->buckets;
	size_t old_nr = c->nr_buckets;

	c->nr_buckets = old_nr ? old_nr * 2 : 1024;
	c->buckets = xcalloc(c->nr_buckets, sizeof(*c->buckets));
	for (size_t i = 0; i < old_nr; i++) {
		struct cf_base *b = old[i], *next;
		for (; b; b = next) {
			struct cf_base **pp = bucket(c, b->pack, b->off);
			next = b->chain;
			b->chain = *pp;
			*pp = b;
		}
	}
	free(old);
}

struct cf_base *cf_basecache_commit(struct cf_basecache *c, uint32_t pack, uint64_t off,
				    int type, size_t len)
{
	struct cf_base *b = at(c, c->head), **pp;

	if (c->reserved != record_size(len))
		BUG("delta-base cache: commit of %zu bytes without their reservation", len);
	if (c->nr >= c->nr_buckets)
		grow_buckets(c);
	b->off = off;
	b->pack = pack;
	b->size = c->reserved;
	b->len = len;
	b->type = type;
	b->data[len] = '\0';
	pp = bucket(c, pack, off);
	b->chain = *pp;
	*pp = b;
	c->head += c->reserved;
	c->used += c->reserved;
	c->nr++;
	c->reserved = 0;
	return b;
}

/* How far b is from being evicted, in bytes of records older than it. */
static size_t age_room(const struct cf_basecache *c, const struct cf_base *b)
{
	size_t pos = (size_t)((const unsigned char *)b - c->ring);

	return pos >= c->tail ? pos - c->tail : c->lap_end - c->tail + pos;
}

/* Copies b's entry to the newest end; b becomes dead. */
static struct cf_base *refresh(struct cf_basecache *c, struct cf_base *b)
{
	uint32_t pack = b->pack;
	uint64_t off = b->off;
	int type = b->type;
	size_t len = b->len;
	unsigned char *moved, *dst = cf_basecache_reserve(c, len, b, &moved);

	if (moved) {
		memcpy(dst, moved, len);
		free(moved);
	} else {
		memcpy(dst, b->data, len);
		unlink_entry(c, b);
	}
	return cf_basecache_commit(c, pack, off, type, len);
}

static struct cf_base *promote_leaf(struct cf_basecache *c)
{
	unsigned char *moved, *dst = cf_basecache_reserve(c, c->leaf.len, NULL, &moved);
	struct cf_base *b;

	memcpy(dst, c->leaf.data, c->leaf.len);
	b = cf_basecache_commit(c, c->leaf.pack, c->leaf.off, c->leaf.type, c->leaf.len);
	free(c->leaf.data);
	c->leaf.data = NULL;
	return b;
}

struct cf_base *cf_basecache_get(struct cf_basecache *c, uint32_t pack, uint64_t off,
				 int refresh_it)
{
	struct cf_base *b = NULL;

	if (c->nr)
		for (b = *bucket(c, pack, off); b; b = b->chain)
			if (b->off == off && b->pack == pack)
				break;
	if (b) {
		if (refresh_it && age_room(c, b) < c->cap / 4)
			b = refresh(c, b);
		return b;
	}
	if (c->leaf.data && c->leaf.off == off && c->leaf.pack == pack)
		return refresh_it ? promote_leaf(c) : NULL;
	return NULL;
}

void cf_basecache_leaf(struct cf_basecache *c, uint32_t pack, uint64_t off, int type,
		       unsigned char *data, size_t len)
{
	free(c->leaf.data);
	c->leaf.pack = pack;
	c->leaf.off = off;
	c->leaf.type = type;
	c->leaf.data = data;
	c->leaf.len = len;
}
