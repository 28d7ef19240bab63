/*
 * The merge rules of the per-file analyzers, couples and file-history
 * (schema 1 each, see cf-couples(1) and cf-file-history(1)): files
 * qualified by repository and kept whole, people unified by identity, and
 * the rankings (top pairs, hotspots) derived again from the merged data.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/writer.h"
#include "merge-int.h"

static void pack_qpath(msgpack_packer *pk, const struct mg_path *p)
{
	cf_pack_strn(pk, p->s, p->len);
}

/* ---- couples ---- */

struct pair {
	uint64_t a, b, co;
	double strength;
};

static int pair_pos_cmp(const void *a_, const void *b_)
{
	const struct pair *a = a_, *b = b_;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

/* As cf-couples ranks: most co-changes, then the strongest, then by position. */
static int pair_rank_cmp(const void *a_, const void *b_)
{
	const struct pair *a = a_, *b = b_;

	if (a->co != b->co)
		return a->co > b->co ? -1 : 1;
	if (a->strength != b->strength)
		return a->strength > b->strength ? -1 : 1;
	return pair_pos_cmp(a_, b_);
}

static uint64_t *couples_revisions(const struct mg_ctx *c, const struct mg_paths *ps)
{
	uint64_t *rev = xcalloc(ps->nr + 1, sizeof(*rev));

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *r = mg_arr(c, i, c->in[i].data, "revisions");
		uint32_t nf = mg_arr(c, i, c->in[i].data, "files")->via.array.size;
		if (r->via.array.size != nf)
			mg_die(c, i, "'revisions' and 'files' differ in length");
		for (uint32_t k = 0; k < nf; k++)
			rev[ps->remap[i][k]] = mg_item_u64(c, i, r, k);
	}
	return rev;
}

/* Reads [x, y, n] triples of key, remapping x and y with the two maps. */
static struct mg_triple *read_triples(const struct mg_ctx *c, const char *key,
				   uint32_t **map_x, uint32_t **map_y, const char *what_x,
				   const uint32_t *count_x, const uint32_t *count_y, size_t *nr)
{
	struct mg_triple *v = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *m = mg_arr(c, i, c->in[i].data, key);
		for (uint32_t k = 0; k < m->via.array.size; k++) {
			const msgpack_object *t = &m->via.array.ptr[k];
			uint64_t x = mg_item_u64(c, i, t, 0), y = mg_item_u64(c, i, t, 1);
			if (x >= count_x[i] || y >= count_y[i])
				mg_die(c, i, "'%s' names a %s or file that is not there", key, what_x);
			CF_ALLOC_GROW(v, n + 1, alloc);
			v[n].v[0] = map_x[i][x];
			v[n].v[1] = map_y[i][y];
			v[n].v[2] = mg_item_u64(c, i, t, 2);
			n++;
		}
	}
	*nr = n;
	return v;
}

static void pack_top(msgpack_packer *pk, const struct mg_ctx *c, const struct mg_paths *ps,
		     const struct mg_triple *m, size_t nr, const uint64_t *rev)
{
	struct pair *v = xcalloc(nr + 1, sizeof(*v));
	size_t n = c->top && c->top < nr ? c->top : nr;

	for (size_t k = 0; k < nr; k++) {
		double mean = ((double)rev[m[k].v[0]] + (double)rev[m[k].v[1]]) / 2;
		v[k].a = m[k].v[0];
		v[k].b = m[k].v[1];
		v[k].co = m[k].v[2];
		v[k].strength = mean > 0 && v[k].co < mean ? (double)v[k].co / mean : 1.0;
	}
	mg_sort(v, nr, sizeof(*v), pair_rank_cmp);
	cf_pack_str(pk, "top");
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < n; k++) {
		msgpack_pack_map(pk, 4);
		cf_pack_kv_u64(pk, "co_changes", v[k].co);
		cf_pack_str(pk, "file1");
		pack_qpath(pk, &ps->v[v[k].a]);
		cf_pack_str(pk, "file2");
		pack_qpath(pk, &ps->v[v[k].b]);
		cf_pack_kv_f64(pk, "strength", v[k].strength);
	}
	free(v);
}

static uint32_t *file_counts(const struct mg_ctx *c)
{
	uint32_t *n = xcalloc(c->nr, sizeof(*n));

	for (size_t i = 0; i < c->nr; i++)
		n[i] = mg_arr(c, i, c->in[i].data, "files")->via.array.size;
	return n;
}

void mg_merge_couples(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct mg_paths ps = { 0 };
	struct mg_people p = { 0 };
	uint64_t max_changes = mg_same_u64(c, "max_changes"), *rev;
	uint32_t *nf = file_counts(c);
	struct mg_triple *m, *pf;
	size_t nr_m, nr_pf;

	mg_paths_collect(c, &ps, "files", NULL);
	mg_people_build(c, &p, "people");
	rev = couples_revisions(c, &ps);
	m = read_triples(c, "matrix", ps.remap, ps.remap, "file", nf, nf, &nr_m);
	for (size_t k = 0; k < nr_m; k++)
		if (m[k].v[0] > m[k].v[1]) {
			uint64_t t = m[k].v[0];
			m[k].v[0] = m[k].v[1];
			m[k].v[1] = t;
		}
	mg_sort(m, nr_m, sizeof(*m), mg_triple_cmp);
	pf = read_triples(c, "people_files", p.remap, ps.remap, "person", p.count, nf, &nr_pf);
	mg_sort(pf, nr_pf, sizeof(*pf), mg_triple_cmp);

	msgpack_pack_map(pk, 9);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, ps.nr);
	for (size_t k = 0; k < ps.nr; k++)
		pack_qpath(pk, &ps.v[k]);
	cf_pack_str(pk, "matrix");
	mg_pack_triples(pk, m, nr_m);
	cf_pack_kv_u64(pk, "max_changes", max_changes);
	cf_pack_str(pk, "people");
	mg_people_pack(pk, &p, 1);
	cf_pack_str(pk, "people_files");
	mg_pack_triples(pk, pf, nr_pf);
	cf_pack_str(pk, "revisions");
	msgpack_pack_array(pk, ps.nr);
	for (size_t k = 0; k < ps.nr; k++)
		cf_pack_u64(pk, rev[k]);
	cf_pack_kv_u64(pk, "skipped_commits", mg_sum_u64(c, "skipped_commits"));
	pack_top(pk, c, &ps, m, nr_m, rev);

	free(m);
	free(pf);
	free(rev);
	free(nf);
	mg_people_release(&p, c->nr);
	mg_paths_release(&ps, c->nr);
}

/* ---- file-history ---- */

struct touch {
	uint64_t who;
	const msgpack_object *o;
};

static int touch_cmp(const void *a_, const void *b_)
{
	const struct touch *a = a_, *b = b_;
	return a->who < b->who ? -1 : a->who > b->who;
}

/* A file's people: {added, changed, commits, person, removed}, person remapped. */
static void pack_file_people(msgpack_packer *pk, const struct mg_ctx *c, size_t i,
			     const struct mg_people *p, const msgpack_object *people)
{
	static const char *const keys[] = { "added", "changed", "commits" };
	struct touch *v = xcalloc(people->via.array.size + 1, sizeof(*v));
	uint32_t n = people->via.array.size;

	for (uint32_t k = 0; k < n; k++) {
		v[k].o = &people->via.array.ptr[k];
		v[k].who = mg_person(c, p, i, mg_u64(c, i, v[k].o, "person"));
	}
	mg_sort(v, n, sizeof(*v), touch_cmp);
	msgpack_pack_array(pk, n);
	for (uint32_t k = 0; k < n; k++) {
		msgpack_pack_map(pk, 5);
		for (int f = 0; f < 3; f++)
			cf_pack_kv_u64(pk, keys[f], mg_u64(c, i, v[k].o, keys[f]));
		cf_pack_kv_u64(pk, "person", v[k].who);
		cf_pack_kv_u64(pk, "removed", mg_u64(c, i, v[k].o, "removed"));
	}
	free(v);
}

static const msgpack_object *file_entry(const struct mg_ctx *c, const struct mg_path *q)
{
	return mg_path_entry(c, q, "files");
}

static void pack_file(msgpack_packer *pk, const struct mg_ctx *c, const struct mg_people *p,
		      const struct mg_path *q)
{
	const msgpack_object *f = file_entry(c, q);
	size_t i = q->in;

	msgpack_pack_map(pk, 7);
	cf_pack_kv_u64(pk, "added", mg_u64(c, i, f, "added"));
	cf_pack_kv_u64(pk, "changed", mg_u64(c, i, f, "changed"));
	cf_pack_kv_u64(pk, "churn", mg_u64(c, i, f, "churn"));
	cf_pack_str(pk, "commits");
	msgpack_pack_object(pk, *mg_arr(c, i, f, "commits"));
	cf_pack_str(pk, "path");
	pack_qpath(pk, q);
	cf_pack_str(pk, "people");
	pack_file_people(pk, c, i, p, mg_arr(c, i, f, "people"));
	cf_pack_kv_u64(pk, "removed", mg_u64(c, i, f, "removed"));
}

struct hot {
	uint64_t commits, churn, pos;
};

static int hot_cmp(const void *a_, const void *b_)
{
	const struct hot *a = a_, *b = b_;

	if (a->commits != b->commits)
		return a->commits > b->commits ? -1 : 1;
	if (a->churn != b->churn)
		return a->churn > b->churn ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void pack_hotspots(msgpack_packer *pk, const struct mg_ctx *c, const struct mg_paths *ps)
{
	struct hot *v = xcalloc(ps->nr + 1, sizeof(*v));
	size_t n = c->top && c->top < ps->nr ? c->top : ps->nr;

	for (size_t k = 0; k < ps->nr; k++) {
		const msgpack_object *f = file_entry(c, &ps->v[k]);
		v[k].commits = mg_arr(c, ps->v[k].in, f, "commits")->via.array.size;
		v[k].churn = mg_u64(c, ps->v[k].in, f, "churn");
		v[k].pos = k;
	}
	mg_sort(v, ps->nr, sizeof(*v), hot_cmp);
	cf_pack_str(pk, "hotspots");
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < n; k++) {
		msgpack_pack_map(pk, 3);
		cf_pack_kv_u64(pk, "churn", v[k].churn);
		cf_pack_kv_u64(pk, "commits", v[k].commits);
		cf_pack_str(pk, "path");
		pack_qpath(pk, &ps->v[v[k].pos]);
	}
	free(v);
}

void mg_merge_file_history(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct mg_paths ps = { 0 };
	struct mg_people p = { 0 };

	mg_paths_collect(c, &ps, "files", "path");
	mg_people_build(c, &p, "people");
	msgpack_pack_map(pk, 4);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, ps.nr);
	for (size_t k = 0; k < ps.nr; k++)
		pack_file(pk, c, &p, &ps.v[k]);
	pack_hotspots(pk, c, &ps);
	cf_pack_str(pk, "people");
	mg_people_pack(pk, &p, 1);

	mg_people_release(&p, c->nr);
	mg_paths_release(&ps, c->nr);
}
