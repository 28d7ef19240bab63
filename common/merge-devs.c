/*
 * The merge rule of devs (schema 1, see cf-devs(1)): developers unified by
 * identity, counts summed, tick series aligned on the earliest t0 and
 * summed tick by tick, then the order of people, the contributors and the
 * bus factors derived again as cf-devs derives them.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/usage.h"
#include "cf/writer.h"
#include "merge-int.h"

/* files, added, removed, changed */
struct lang_sum {
	uint64_t n[4];
};

/* tick, commits, added, removed, changed */
struct tick_sum {
	uint64_t v[5];
};

struct stats {
	uint64_t commits, merges, files, added, removed, changed;
	struct tick_sum *ticks;
	size_t nr_ticks, alloc_ticks;
	struct lang_sum *langs;		/* one per language name of the merge */
};

struct dev {
	const struct mg_person *id;
	struct stats st;
};

struct devs {
	const struct mg_ctx *c;
	const char **langs;		/* names, sorted */
	size_t nr_langs;
	uint64_t *shift;		/* ticks from the merge's t0 to each input's */
	struct stats total;
	struct dev *devs;
	size_t nr;
};

static int cstr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_lang_names(const struct mg_ctx *c, size_t i, const msgpack_object *langs,
			   const char ***v, size_t *n, size_t *alloc)
{
	for (uint32_t k = 0; k < langs->via.map.size; k++) {
		const msgpack_object *key = &langs->via.map.ptr[k].key;
		if (key->type != MSGPACK_OBJECT_STR || memchr(key->via.str.ptr, 0, key->via.str.size))
			mg_die(c, i, "a language name is not a string");
		CF_ALLOC_GROW(*v, *n + 1, *alloc);
		(*v)[(*n)++] = xmemdupz(key->via.str.ptr, key->via.str.size);
	}
}

/* The language names of every input, sorted and unique. */
static void collect_langs(struct devs *d)
{
	const struct mg_ctx *c = d->c;
	const char **v = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *people = mg_arr(c, i, c->in[i].data, "people");
		add_lang_names(c, i, mg_get(c, i, c->in[i].data, "languages", MSGPACK_OBJECT_MAP),
			       &v, &n, &alloc);
		for (uint32_t k = 0; k < people->via.array.size; k++)
			add_lang_names(c, i, mg_get(c, i, &people->via.array.ptr[k], "languages",
						    MSGPACK_OBJECT_MAP), &v, &n, &alloc);
	}
	mg_sort(v, n, sizeof(*v), cstr_cmp);
	d->nr_langs = 0;
	for (size_t k = 0; k < n; k++) {
		if (d->nr_langs && !strcmp(v[d->nr_langs - 1], v[k])) {
			free((char *)v[k]);
			continue;
		}
		v[d->nr_langs++] = v[k];
	}
	d->langs = v;
}

static size_t lang_index(const struct devs *d, const msgpack_object *key)
{
	char *s = xmemdupz(key->via.str.ptr, key->via.str.size);
	const char **hit = bsearch(&s, d->langs, d->nr_langs, sizeof(*d->langs), cstr_cmp);

	free(s);
	if (!hit)
		BUG("a language name that was collected is missing");
	return hit - d->langs;
}

static void add_counts(const struct devs *d, size_t i, struct stats *st,
		       const msgpack_object *m)
{
	const struct mg_ctx *c = d->c;

	st->commits = mg_add(c, i, st->commits, mg_u64(c, i, m, "commits"));
	st->merges = mg_add(c, i, st->merges, mg_u64(c, i, m, "merges"));
	st->files = mg_add(c, i, st->files, mg_u64(c, i, m, "files"));
	st->added = mg_add(c, i, st->added, mg_u64(c, i, m, "added"));
	st->removed = mg_add(c, i, st->removed, mg_u64(c, i, m, "removed"));
	st->changed = mg_add(c, i, st->changed, mg_u64(c, i, m, "changed"));
}

static void add_langs(const struct devs *d, size_t i, struct stats *st,
		      const msgpack_object *m)
{
	static const char *const keys[] = { "files", "added", "removed", "changed" };
	const struct mg_ctx *c = d->c;
	const msgpack_object *langs = mg_get(c, i, m, "languages", MSGPACK_OBJECT_MAP);

	if (!st->langs)
		st->langs = xcalloc(d->nr_langs + 1, sizeof(*st->langs));
	for (uint32_t k = 0; k < langs->via.map.size; k++) {
		struct lang_sum *ls = &st->langs[lang_index(d, &langs->via.map.ptr[k].key)];
		for (int f = 0; f < 4; f++)
			ls->n[f] = mg_add(c, i, ls->n[f],
					  mg_u64(c, i, &langs->via.map.ptr[k].val, keys[f]));
	}
}

static void add_ticks(const struct devs *d, size_t i, struct stats *st,
		      const msgpack_object *m)
{
	const struct mg_ctx *c = d->c;
	const msgpack_object *ticks = mg_arr(c, i, m, "ticks");

	for (uint32_t k = 0; k < ticks->via.array.size; k++) {
		const msgpack_object *t = &ticks->via.array.ptr[k];
		struct tick_sum *ts;

		CF_ALLOC_GROW(st->ticks, st->nr_ticks + 1, st->alloc_ticks);
		ts = &st->ticks[st->nr_ticks++];
		for (uint32_t f = 0; f < 5; f++)
			ts->v[f] = mg_item_u64(c, i, t, f);
		ts->v[0] = mg_add(c, i, ts->v[0], d->shift[i]);
	}
}

static int tick_cmp(const void *a, const void *b)
{
	return mg_cmp_u64(((const struct tick_sum *)a)->v, ((const struct tick_sum *)b)->v);
}

/* Sorts the series and sums the entries of the same tick. */
static void settle_ticks(struct stats *st)
{
	size_t n = 0;

	mg_sort(st->ticks, st->nr_ticks, sizeof(*st->ticks), tick_cmp);
	for (size_t k = 0; k < st->nr_ticks; k++) {
		if (n && st->ticks[n - 1].v[0] == st->ticks[k].v[0]) {
			for (int f = 1; f < 5; f++)
				st->ticks[n - 1].v[f] += st->ticks[k].v[f];
			continue;
		}
		st->ticks[n++] = st->ticks[k];
	}
	st->nr_ticks = n;
}

static void read_inputs(struct devs *d, const struct mg_people *p)
{
	const struct mg_ctx *c = d->c;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *data = c->in[i].data;
		const msgpack_object *people = mg_arr(c, i, data, "people");

		add_counts(d, i, &d->total, data);
		add_langs(d, i, &d->total, data);
		add_ticks(d, i, &d->total, data);
		for (uint32_t k = 0; k < people->via.array.size; k++) {
			const msgpack_object *pm = &people->via.array.ptr[k];
			struct stats *st = &d->devs[mg_person(c, p, i, k)].st;
			add_counts(d, i, st, pm);
			add_langs(d, i, st, pm);
			add_ticks(d, i, st, pm);
		}
	}
	settle_ticks(&d->total);
	for (size_t k = 0; k < d->nr; k++)
		settle_ticks(&d->devs[k].st);
}

/* cf-devs' order: most commits first, then name, then email. */
static int dev_cmp(const void *a_, const void *b_)
{
	const struct dev *a = a_, *b = b_;

	if (a->st.commits != b->st.commits)
		return a->st.commits > b->st.commits ? -1 : 1;
	return mg_person_cmp(a->id, b->id);
}

struct share {
	uint64_t lines;
	size_t who;
};

static int share_cmp(const void *a_, const void *b_)
{
	const struct share *a = a_, *b = b_;

	if (a->lines != b->lines)
		return a->lines > b->lines ? -1 : 1;
	return a->who < b->who ? -1 : a->who > b->who;
}

/* Packs bus_factor and bus_factor_people of a language (or all, lang < 0); returns the contributors. */
static size_t pack_bus(msgpack_packer *pk, const struct devs *d, long lang, struct share *sh)
{
	size_t k = 0, bf = 0;
	uint64_t total = 0, cum = 0;

	for (size_t i = 0; i < d->nr; i++) {
		const struct stats *st = &d->devs[i].st;
		uint64_t lines = lang < 0 ? st->added + st->removed :
			st->langs[lang].n[1] + st->langs[lang].n[2];
		if (lines) {
			sh[k].lines = lines;
			sh[k++].who = i;
		}
	}
	mg_sort(sh, k, sizeof(*sh), share_cmp);
	for (size_t i = 0; i < k; i++)
		total += sh[i].lines;
	while (bf < k && cum < total - cum)
		cum += sh[bf++].lines;
	cf_pack_kv_u64(pk, "bus_factor", bf);
	cf_pack_str(pk, "bus_factor_people");
	msgpack_pack_array(pk, bf);
	for (size_t i = 0; i < bf; i++)
		cf_pack_u64(pk, sh[i].who);
	return k;
}

static void pack_langs(msgpack_packer *pk, const struct devs *d, const struct stats *st,
		       struct share *sh)
{
	uint32_t n = 0;

	for (size_t l = 0; l < d->nr_langs; l++)
		n += !!st->langs[l].n[0];
	msgpack_pack_map(pk, n);
	for (size_t l = 0; l < d->nr_langs; l++) {
		const struct lang_sum *ls = &st->langs[l];
		size_t contributors = 0;
		if (!ls->n[0])
			continue;
		cf_pack_str(pk, d->langs[l]);
		msgpack_pack_map(pk, sh ? 7 : 4);
		cf_pack_kv_u64(pk, "added", ls->n[1]);
		if (sh)
			contributors = pack_bus(pk, d, (long)l, sh);
		cf_pack_kv_u64(pk, "changed", ls->n[3]);
		if (sh)
			cf_pack_kv_u64(pk, "contributors", contributors);
		cf_pack_kv_u64(pk, "files", ls->n[0]);
		cf_pack_kv_u64(pk, "removed", ls->n[2]);
	}
}

static void pack_ticks(msgpack_packer *pk, const struct stats *st)
{
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, st->nr_ticks);
	for (size_t k = 0; k < st->nr_ticks; k++) {
		msgpack_pack_array(pk, 5);
		for (int f = 0; f < 5; f++)
			cf_pack_u64(pk, st->ticks[k].v[f]);
	}
}

static uint64_t first_tick(const struct stats *st)
{
	return st->nr_ticks ? st->ticks[0].v[0] : 0;
}

static uint64_t last_tick(const struct stats *st)
{
	return st->nr_ticks ? st->ticks[st->nr_ticks - 1].v[0] : 0;
}

static void pack_dev(msgpack_packer *pk, const struct devs *d, const struct dev *dv)
{
	const struct stats *st = &dv->st;

	msgpack_pack_map(pk, 13);
	cf_pack_kv_u64(pk, "active_ticks", st->nr_ticks);
	cf_pack_kv_u64(pk, "added", st->added);
	cf_pack_kv_u64(pk, "changed", st->changed);
	cf_pack_kv_u64(pk, "commits", st->commits);
	cf_pack_str(pk, "email");
	cf_pack_strn(pk, dv->id->email, dv->id->email_len);
	cf_pack_kv_u64(pk, "files", st->files);
	cf_pack_kv_u64(pk, "first_tick", first_tick(st));
	cf_pack_str(pk, "languages");
	pack_langs(pk, d, st, NULL);
	cf_pack_kv_u64(pk, "last_tick", last_tick(st));
	cf_pack_kv_u64(pk, "merges", st->merges);
	cf_pack_str(pk, "name");
	cf_pack_strn(pk, dv->id->name, dv->id->name_len);
	cf_pack_kv_u64(pk, "removed", st->removed);
	pack_ticks(pk, st);
}

static void pack_devs(msgpack_packer *pk, const struct devs *d, int64_t t0, uint64_t tick_size)
{
	const struct stats *st = &d->total;
	struct share *sh = xcalloc(d->nr + 1, sizeof(*sh));
	size_t contributors;

	msgpack_pack_map(pk, 17);
	cf_pack_kv_u64(pk, "active_ticks", st->nr_ticks);
	cf_pack_kv_u64(pk, "added", st->added);
	contributors = pack_bus(pk, d, -1, sh);
	cf_pack_kv_u64(pk, "changed", st->changed);
	cf_pack_kv_u64(pk, "commits", st->commits);
	cf_pack_kv_u64(pk, "contributors", contributors);
	cf_pack_kv_u64(pk, "files", st->files);
	cf_pack_kv_u64(pk, "first_tick", first_tick(st));
	cf_pack_str(pk, "languages");
	pack_langs(pk, d, st, sh);
	cf_pack_kv_u64(pk, "last_tick", last_tick(st));
	cf_pack_kv_u64(pk, "merges", st->merges);
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, d->nr);
	for (size_t k = 0; k < d->nr; k++)
		pack_dev(pk, d, &d->devs[k]);
	cf_pack_kv_u64(pk, "removed", st->removed);
	cf_pack_kv_i64(pk, "t0", t0);
	cf_pack_kv_u64(pk, "tick_size", tick_size);
	pack_ticks(pk, st);
	free(sh);
}

static void release_stats(struct stats *st)
{
	free(st->ticks);
	free(st->langs);
}

void mg_merge_devs(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct devs d = { .c = c };
	struct mg_people p = { 0 };
	uint64_t tick_size = mg_same_u64(c, "tick_size");
	int64_t t0;

	d.shift = xcalloc(c->nr, sizeof(*d.shift));
	t0 = mg_origin(c, tick_size, "ticks", d.shift);
	collect_langs(&d);
	mg_people_build(c, &p, "people");
	d.nr = p.nr;
	d.devs = xcalloc(p.nr + 1, sizeof(*d.devs));
	for (size_t k = 0; k < p.nr; k++)
		d.devs[k].id = &p.v[k];
	d.total.langs = xcalloc(d.nr_langs + 1, sizeof(*d.total.langs));
	for (size_t k = 0; k < p.nr; k++)
		d.devs[k].st.langs = xcalloc(d.nr_langs + 1, sizeof(*d.total.langs));
	read_inputs(&d, &p);
	mg_sort(d.devs, d.nr, sizeof(*d.devs), dev_cmp);
	pack_devs(pk, &d, t0, tick_size);

	for (size_t k = 0; k < d.nr; k++)
		release_stats(&d.devs[k].st);
	release_stats(&d.total);
	for (size_t l = 0; l < d.nr_langs; l++)
		free((char *)d.langs[l]);
	free(d.langs);
	free(d.devs);
	free(d.shift);
	mg_people_release(&p, c->nr);
}
