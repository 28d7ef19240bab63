/*
 * Byte-string keyed counters (cf/tally.h): open addressing over an entry
 * array that never reorders, so entry numbers can be stored elsewhere.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/tally.h"
#include "cf/usage.h"
#include "cf/writer.h"

static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static void rehash(struct cf_tally *t)
{
	size_t n = t->nr_slots ? t->nr_slots * 2 : 64;

	free(t->slots);
	t->slots = xcalloc(n, sizeof(*t->slots));
	t->nr_slots = n;
	for (size_t i = 0; i < t->nr; i++) {
		size_t s = t->e[i].hash & (n - 1);
		while (t->slots[s])
			s = (s + 1) & (n - 1);
		t->slots[s] = i + 1;
	}
}

static size_t lookup(const struct cf_tally *t, const void *key, size_t len, uint64_t h,
		     size_t *slot)
{
	size_t s;

	for (s = h & (t->nr_slots - 1); t->slots[s]; s = (s + 1) & (t->nr_slots - 1)) {
		const struct cf_tally_entry *e = &t->e[t->slots[s] - 1];
		if (e->hash == h && e->len == len && !memcmp(t->keys.buf + e->key, key, len))
			return t->slots[s] - 1;
	}
	*slot = s;
	return SIZE_MAX;
}

size_t cf_tally_find(const struct cf_tally *t, const void *key, size_t len)
{
	size_t slot;

	if (!t->nr_slots)
		return SIZE_MAX;
	return lookup(t, key, len, hash_bytes(key, len), &slot);
}

size_t cf_tally_add(struct cf_tally *t, const void *key, size_t len)
{
	uint64_t h = hash_bytes(key, len);
	struct cf_tally_entry *e;
	size_t slot, i;

	if (2 * (t->nr + 1) > t->nr_slots)
		rehash(t);
	i = lookup(t, key, len, h, &slot);
	if (i != SIZE_MAX)
		return i;
	if (t->nr >= UINT32_MAX - 1)
		die("too many counters (%zu)", t->nr);
	CF_ALLOC_GROW(t->e, t->nr + 1, t->alloc);
	e = &t->e[t->nr];
	memset(e, 0, sizeof(*e));
	e->key = t->keys.len;
	e->len = len;
	e->hash = h;
	cf_buf_add(&t->keys, key, len);
	cf_buf_addch(&t->keys, '\0');
	t->slots[slot] = ++t->nr;
	return t->nr - 1;
}

static const struct cf_tally *sorting;
static cf_tally_cmp_fn sorting_cmp;
static void *sorting_data;

static int cmp_index(const void *a_, const void *b_)
{
	size_t a = *(const size_t *)a_, b = *(const size_t *)b_;
	const struct cf_tally_entry *x = &sorting->e[a], *y = &sorting->e[b];
	int c;

	if (sorting_cmp && (c = sorting_cmp(sorting, a, b, sorting_data)))
		return c;
	c = memcmp(sorting->keys.buf + x->key, sorting->keys.buf + y->key,
		   x->len < y->len ? x->len : y->len);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

size_t *cf_tally_sorted(const struct cf_tally *t, cf_tally_cmp_fn cmp, void *data)
{
	size_t *order = xcalloc(t->nr ? t->nr : 1, sizeof(*order));

	for (size_t i = 0; i < t->nr; i++)
		order[i] = i;
	sorting = t;
	sorting_cmp = cmp;
	sorting_data = data;
	qsort(order, t->nr, sizeof(*order), cmp_index);
	sorting = NULL;
	return order;
}

void cf_tally_pack(msgpack_packer *pk, const struct cf_tally *t)
{
	msgpack_pack_array(pk, t->nr);
	for (size_t i = 0; i < t->nr; i++) {
		msgpack_pack_array(pk, 1 + CF_TALLY_VALUES);
		cf_pack_bin(pk, cf_tally_key(t, i), t->e[i].len);
		for (int k = 0; k < CF_TALLY_VALUES; k++)
			cf_pack_u64(pk, t->e[i].v[k]);
	}
}

void cf_tally_load(struct cf_tally *t, const struct cf_state *st, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		cf_state_die(st, "a counter table must be an array");
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		const char *key;
		size_t len, k;
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 1 + CF_TALLY_VALUES)
			cf_state_die(st, "a counter must be an array of %d", 1 + CF_TALLY_VALUES);
		key = cf_state_bytes(st, &e->via.array.ptr[0], "a counter's key", &len);
		k = cf_tally_add(t, key, len);
		if (k != t->nr - 1)
			cf_state_die(st, "counter %u is listed twice", i);
		for (int j = 0; j < CF_TALLY_VALUES; j++) {
			const msgpack_object *v = &e->via.array.ptr[1 + j];
			if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
				cf_state_die(st, "a counter's value must be an unsigned integer");
			t->e[k].v[j] = v->via.u64;
		}
	}
}

void cf_tally_release(struct cf_tally *t)
{
	free(t->e);
	free(t->slots);
	cf_buf_release(&t->keys);
	memset(t, 0, sizeof(*t));
}
