/*
 * libFuzzer harness for cf_basecache: the input is a program of cache
 * operations (add an absent key, look one up with or without refresh, add
 * one while reading a pinned entry, set the leaf) on a ring of a few KiB,
 * checked against a model of what each key last held.  A hit must give the
 * bytes last stored under its key; a pinned entry must stay readable, in the
 * ring or as the copy handed back; the cache must never hold more than its
 * budget.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/basecache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEYS 64

struct model {
	size_t len[KEYS];
	unsigned version[KEYS];
};

static unsigned char byte_of(unsigned key, unsigned version, size_t i)
{
	return (unsigned char)(key * 31u + version * 7u + i);
}

static void fill(unsigned char *p, unsigned key, unsigned version, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = byte_of(key, version, i);
}

static void check(const struct model *m, unsigned key, const unsigned char *p, size_t len)
{
	if (len != m->len[key])
		abort();
	for (size_t i = 0; i < len; i++)
		if (p[i] != byte_of(key, m->version[key], i))
			abort();
	if (p[len] != '\0')
		abort();
}

/* Codefang's object database adds only what a lookup missed, the leaf included. */
static int present(struct cf_basecache *c, unsigned key)
{
	return cf_basecache_get(c, 0, key, 0) || (c->leaf.data && c->leaf.off == key);
}

static void add(struct cf_basecache *c, struct model *m, unsigned key, size_t len,
		const struct cf_base *pin, unsigned pin_key)
{
	unsigned char *moved, *dst;

	if (present(c, key) || !cf_basecache_fits(c, len))
		return;
	dst = cf_basecache_reserve(c, len, pin, &moved);
	/* Written before the pin is read, as a delta's result is written while its base is read. */
	fill(dst, key, m->version[key] + 1, len);
	if (pin)
		check(m, pin_key, moved ? moved : pin->data, m->len[pin_key]);
	free(moved);
	m->version[key]++;
	m->len[key] = len;
	if (cf_basecache_commit(c, 0, key, 1, len)->data != dst)
		abort();
}

static void set_leaf(struct cf_basecache *c, struct model *m, unsigned key, size_t len)
{
	unsigned char *p;

	if (cf_basecache_get(c, 0, key, 0) || !cf_basecache_fits(c, len))
		return;
	p = malloc(len + 1);
	m->version[key]++;
	m->len[key] = len;
	fill(p, key, m->version[key], len);
	p[len] = '\0';
	cf_basecache_leaf(c, 0, key, 1, p, len);
}

/* The ring's records, oldest to newest, account for every byte and entry it counts. */
static void check_ring(struct cf_basecache *c)
{
	size_t pos = c->tail, bytes = 0, live = 0;

	if (c->used > c->cap)
		abort();
	while (bytes < c->used) {
		const struct cf_base *b = (const struct cf_base *)(c->ring + pos);
		if (b->size < sizeof(*b) || pos + b->size > c->cap)
			abort();
		if (b->type != -1) {
			live++;
			if (cf_basecache_get(c, b->pack, b->off, 0) != b)
				abort();
		}
		bytes += b->size;
		pos += b->size;
		if (pos == c->lap_end)
			pos = 0;
	}
	if (bytes != c->used || live != c->nr || (c->used && pos != c->head))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_basecache c;
	struct model m = { { 0 }, { 0 } };

	if (size < 1)
		return 0;
	cf_basecache_init(&c, 1024 + (size_t)data[0] * 32);
	for (size_t i = 1; i + 2 < size; i += 3) {
		unsigned op = data[i] >> 6, key = data[i] & (KEYS - 1);
		size_t len = (size_t)data[i + 1] * 4 + data[i + 2] % 4;
		const struct cf_base *b;

		switch (op) {
		case 0:
			add(&c, &m, key, len, NULL, 0);
			break;
		case 1:
		case 2:
			if ((b = cf_basecache_get(&c, 0, key, op == 1)))
				check(&m, key, b->data, b->len);
			if (b && op == 1)
				add(&c, &m, data[i + 2] & (KEYS - 1), len, b, key);
			break;
		default:
			set_leaf(&c, &m, key, len);
			break;
		}
		check_ring(&c);
	}
	cf_basecache_release(&c);
	return 0;
}
