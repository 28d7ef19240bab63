/*
 * The merge rules of the analyzers of syntax records: shotness (schema 2,
 * see cf-shotness(1)): units qualified by their file's repository, their
 * changes and the co-changes of every pair summed, the ranking and the
 * derived numbers (coupled, hotness, strength) computed again; typos
 * (schema 1, cf-typos(1)): the fixes of every repository, files qualified,
 * in one order, the patterns counted again; imports (schema 2,
 * cf-imports(1)): developers unified by identity, ticks aligned on
 * calendar time, the files of each developer, language, module and tick
 * summed.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/writer.h"
#include "merge-int.h"

/* A string of an input: bytes and length, borrowed. */
struct mg_s {
	const char *s;
	uint32_t len;
};

static int s_cmp(const struct mg_s *a, const struct mg_s *b)
{
	return mg_bytes_cmp(a->s, a->len, b->s, b->len);
}

static void pack_s(msgpack_packer *pk, const struct mg_s *s)
{
	cf_pack_strn(pk, s->s, s->len);
}

static struct mg_s get_s(const struct mg_ctx *c, size_t i, const msgpack_object *map,
			 const char *key)
{
	struct mg_s s;

	s.s = mg_str(c, i, map, key, &s.len);
	return s;
}

/* ---- shotness ---- */

struct unit {
	char *file;		/* qualified, owned */
	size_t file_len;
	struct mg_s kind, name;
	uint64_t changes;
	uint32_t in, idx;	/* input and position there; after merging: rank */
};

static int unit_id_cmp(const void *a_, const void *b_)
{
	const struct unit *a = a_, *b = b_;
	int r = mg_bytes_cmp(a->file, a->file_len, b->file, b->file_len);

	if (!r)
		r = s_cmp(&a->kind, &b->kind);
	return r ? r : s_cmp(&a->name, &b->name);
}

/* As cf-shotness ranks units: most changed first, then by file, kind and name. */
static int unit_rank_cmp(const void *a_, const void *b_)
{
	const struct unit *a = a_, *b = b_;

	if (a->changes != b->changes)
		return a->changes > b->changes ? -1 : 1;
	return unit_id_cmp(a_, b_);
}

struct units {
	struct unit *v;
	size_t nr;
	uint32_t **remap;	/* remap[input][position] = rank in v */
	uint32_t *count;	/* units of each input */
};

/* The units of every input, the same unit of two inputs summed, ranked. */
static void collect_units(const struct mg_ctx *c, struct units *u)
{
	size_t total = 0, n = 0;
	uint32_t *rank;

	u->count = xcalloc(c->nr, sizeof(*u->count));
	u->remap = xcalloc(c->nr, sizeof(*u->remap));
	for (size_t i = 0; i < c->nr; i++)
		total += u->count[i] = mg_arr(c, i, c->in[i].data, "units")->via.array.size;
	u->v = xcalloc(total + 1, sizeof(*u->v));
	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = mg_arr(c, i, c->in[i].data, "units");
		u->remap[i] = xcalloc(u->count[i] + 1, sizeof(**u->remap));
		for (uint32_t k = 0; k < a->via.array.size; k++) {
			const msgpack_object *e = &a->via.array.ptr[k];
			struct unit *x = &u->v[n++];
			x->file = mg_qualify(c, i, mg_get(c, i, e, "file", MSGPACK_OBJECT_STR),
					     &x->file_len);
			x->kind = get_s(c, i, e, "kind");
			x->name = get_s(c, i, e, "name");
			x->changes = mg_u64(c, i, e, "changes");
			x->in = i;
			x->idx = k;
		}
	}
	mg_sort(u->v, n, sizeof(*u->v), unit_id_cmp);
	u->nr = 0;
	for (size_t k = 0; k < n; k++) {
		struct unit *last = u->nr ? &u->v[u->nr - 1] : NULL;
		if (last && !unit_id_cmp(last, &u->v[k])) {
			last->changes = mg_add(c, u->v[k].in, last->changes, u->v[k].changes);
			u->remap[u->v[k].in][u->v[k].idx] = u->nr - 1;
			free(u->v[k].file);
			continue;
		}
		u->remap[u->v[k].in][u->v[k].idx] = u->nr;
		u->v[u->nr++] = u->v[k];
		u->v[u->nr - 1].idx = u->nr - 1;	/* its identity position, for now */
	}
	mg_sort(u->v, u->nr, sizeof(*u->v), unit_rank_cmp);
	rank = xcalloc(u->nr + 1, sizeof(*rank));
	for (size_t k = 0; k < u->nr; k++)
		rank[u->v[k].idx] = k;
	for (size_t i = 0; i < c->nr; i++)
		for (uint32_t k = 0; k < u->count[i]; k++)
			u->remap[i][k] = rank[u->remap[i][k]];
	free(rank);
}

static void release_units(struct units *u, size_t nr_in)
{
	for (size_t k = 0; k < u->nr; k++)
		free(u->v[k].file);
	for (size_t i = 0; i < nr_in; i++)
		free(u->remap[i]);
	free(u->remap);
	free(u->count);
	free(u->v);
}

/* Couplings are [a, b, co] triples: unit ranks a < b and their co-changes. */
enum { P_A, P_B, P_CO };

/* As cf-shotness ranks couplings: most co-changes first, then by position. */
static int pair_rank_cmp(const void *a_, const void *b_)
{
	const struct mg_triple *a = a_, *b = b_;

	if (a->v[P_CO] != b->v[P_CO])
		return a->v[P_CO] > b->v[P_CO] ? -1 : 1;
	return mg_triple_cmp(a_, b_);
}

/* Every input's matrix in merged ranks, a pair of two inputs summed, by position. */
static struct mg_triple *collect_pairs(const struct mg_ctx *c, const struct units *u,
				       size_t *nr)
{
	struct mg_triple *v = NULL;
	size_t n = 0, alloc = 0, out = 0;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *m = mg_arr(c, i, c->in[i].data, "matrix");
		for (uint32_t k = 0; k < m->via.array.size; k++) {
			const msgpack_object *t = &m->via.array.ptr[k];
			uint64_t a = mg_item_u64(c, i, t, 0), b = mg_item_u64(c, i, t, 1);
			if (a >= u->count[i] || b >= u->count[i] || a == b)
				mg_die(c, i, "'matrix' names a unit that is not there");
			a = u->remap[i][a];
			b = u->remap[i][b];
			CF_ALLOC_GROW(v, n + 1, alloc);
			v[n].v[P_A] = a < b ? a : b;
			v[n].v[P_B] = a < b ? b : a;
			v[n++].v[P_CO] = mg_item_u64(c, i, t, 2);
		}
	}
	mg_sort(v, n, sizeof(*v), mg_triple_cmp);
	for (size_t k = 0; k < n; k++) {
		if (out && v[out - 1].v[P_A] == v[k].v[P_A] && v[out - 1].v[P_B] == v[k].v[P_B])
			v[out - 1].v[P_CO] = mg_add(c, 0, v[out - 1].v[P_CO], v[k].v[P_CO]);
		else
			v[out++] = v[k];
	}
	*nr = out;
	return v;
}

static void pack_couplings(msgpack_packer *pk, const struct mg_ctx *c, const struct units *u,
			   const struct mg_triple *m, size_t nr)
{
	struct mg_triple *v = xcalloc(nr + 1, sizeof(*v));
	size_t n = c->top && c->top < nr ? c->top : nr;

	if (nr)
		memcpy(v, m, nr * sizeof(*v));
	mg_sort(v, nr, sizeof(*v), pair_rank_cmp);
	cf_pack_str(pk, "couplings");
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < n; k++) {
		uint64_t co = v[k].v[P_CO], max = co;
		for (int e = P_A; e <= P_B; e++)
			if (u->v[v[k].v[e]].changes > max)
				max = u->v[v[k].v[e]].changes;
		msgpack_pack_map(pk, 4);
		cf_pack_kv_u64(pk, "a", v[k].v[P_A]);
		cf_pack_kv_u64(pk, "b", v[k].v[P_B]);
		cf_pack_kv_u64(pk, "co_changes", co);
		cf_pack_kv_f64(pk, "strength", max ? (double)co / max : 0);
	}
	free(v);
}

static void pack_units(msgpack_packer *pk, const struct units *u, const struct mg_triple *m,
		       size_t nr)
{
	uint64_t *coupled = xcalloc(u->nr + 1, sizeof(*coupled)), max = 0;

	for (size_t k = 0; k < nr; k++) {
		coupled[m[k].v[P_A]]++;
		coupled[m[k].v[P_B]]++;
	}
	for (size_t k = 0; k < u->nr; k++)
		if (u->v[k].changes > max)
			max = u->v[k].changes;
	cf_pack_str(pk, "units");
	msgpack_pack_array(pk, u->nr);
	for (size_t k = 0; k < u->nr; k++) {
		const struct unit *x = &u->v[k];
		msgpack_pack_map(pk, 6);
		cf_pack_kv_u64(pk, "changes", x->changes);
		cf_pack_kv_u64(pk, "coupled", coupled[k]);
		cf_pack_str(pk, "file");
		cf_pack_strn(pk, x->file, x->file_len);
		cf_pack_kv_f64(pk, "hotness", max ? (double)x->changes / max : 0);
		cf_pack_str(pk, "kind");
		pack_s(pk, &x->kind);
		cf_pack_str(pk, "name");
		pack_s(pk, &x->name);
	}
	free(coupled);
}

void mg_merge_shotness(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct units u = { 0 };
	uint64_t max_units = mg_same_u64(c, "max_units");
	struct mg_triple *m;
	size_t nr;

	collect_units(c, &u);
	m = collect_pairs(c, &u, &nr);
	msgpack_pack_map(pk, 7);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	pack_couplings(pk, c, &u, m, nr);
	cf_pack_str(pk, "matrix");
	mg_pack_triples(pk, m, nr);
	cf_pack_kv_u64(pk, "max_units", max_units);
	cf_pack_kv_u64(pk, "skipped_commits", mg_sum_u64(c, "skipped_commits"));
	cf_pack_kv_u64(pk, "total_couplings", nr);
	pack_units(pk, &u, m, nr);
	free(m);
	release_units(&u, c->nr);
}

/* ---- typos ---- */

struct typo {
	char *file;		/* qualified, owned */
	size_t file_len;
	struct mg_s wrong, correct, commit;
	uint64_t line;
};

/* By file, line, commit, then the words: the merge's one order. */
static int typo_cmp(const void *a_, const void *b_)
{
	const struct typo *a = a_, *b = b_;
	int r = mg_bytes_cmp(a->file, a->file_len, b->file, b->file_len);

	if (r)
		return r;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if ((r = s_cmp(&a->commit, &b->commit)) || (r = s_cmp(&a->wrong, &b->wrong)))
		return r;
	return s_cmp(&a->correct, &b->correct);
}

struct pattern {
	const struct typo *t;
	uint64_t count;
};

static int pattern_word_cmp(const void *a_, const void *b_)
{
	const struct pattern *a = a_, *b = b_;
	int r = s_cmp(&a->t->wrong, &b->t->wrong);

	return r ? r : s_cmp(&a->t->correct, &b->t->correct);
}

/* As cf-typos ranks patterns: most fixed first, then by wrong and correct word. */
static int pattern_rank_cmp(const void *a_, const void *b_)
{
	const struct pattern *a = a_, *b = b_;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return pattern_word_cmp(a_, b_);
}

static struct typo *collect_typos(const struct mg_ctx *c, size_t *nr)
{
	size_t n = 0;
	struct typo *v;

	for (size_t i = 0; i < c->nr; i++)
		n += mg_arr(c, i, c->in[i].data, "typos")->via.array.size;
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = mg_arr(c, i, c->in[i].data, "typos");
		for (uint32_t k = 0; k < a->via.array.size; k++) {
			const msgpack_object *e = &a->via.array.ptr[k];
			struct typo *t = &v[n++];
			t->file = mg_qualify(c, i, mg_get(c, i, e, "file", MSGPACK_OBJECT_STR),
					     &t->file_len);
			t->wrong = get_s(c, i, e, "wrong");
			t->correct = get_s(c, i, e, "correct");
			t->commit = get_s(c, i, e, "commit");
			t->line = mg_u64(c, i, e, "line");
		}
	}
	mg_sort(v, n, sizeof(*v), typo_cmp);
	*nr = n;
	return v;
}

/* The distinct (wrong, correct) pairs and their counts, ranked; *nr of them. */
static struct pattern *count_patterns(const struct typo *v, size_t n, size_t *nr)
{
	struct pattern *p = xcalloc(n + 1, sizeof(*p));
	size_t out = 0;

	for (size_t k = 0; k < n; k++)
		p[k] = (struct pattern){ &v[k], 1 };
	mg_sort(p, n, sizeof(*p), pattern_word_cmp);
	for (size_t k = 0; k < n; k++) {
		if (out && !pattern_word_cmp(&p[out - 1], &p[k]))
			p[out - 1].count++;
		else
			p[out++] = p[k];
	}
	mg_sort(p, out, sizeof(*p), pattern_rank_cmp);
	*nr = out;
	return p;
}

static void pack_typos(msgpack_packer *pk, const struct typo *v, size_t n)
{
	cf_pack_str(pk, "typos");
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < n; k++) {
		msgpack_pack_map(pk, 5);
		cf_pack_str(pk, "commit");
		pack_s(pk, &v[k].commit);
		cf_pack_str(pk, "correct");
		pack_s(pk, &v[k].correct);
		cf_pack_str(pk, "file");
		cf_pack_strn(pk, v[k].file, v[k].file_len);
		cf_pack_kv_u64(pk, "line", v[k].line);
		cf_pack_str(pk, "wrong");
		pack_s(pk, &v[k].wrong);
	}
}

void mg_merge_typos(const struct mg_ctx *c, msgpack_packer *pk)
{
	uint64_t max_distance = mg_same_u64(c, "max_distance");
	size_t n, nr_p, files = 0, repeated = 0;
	struct typo *v = collect_typos(c, &n);
	struct pattern *p = count_patterns(v, n, &nr_p);

	for (size_t k = 0; k < n; k++)
		files += !k || mg_bytes_cmp(v[k - 1].file, v[k - 1].file_len, v[k].file,
					    v[k].file_len);
	while (repeated < nr_p && p[repeated].count > 1)
		repeated++;
	msgpack_pack_map(pk, 6);
	cf_pack_kv_u64(pk, "affected_files", files);
	cf_pack_kv_u64(pk, "max_distance", max_distance);
	cf_pack_str(pk, "patterns");
	msgpack_pack_array(pk, repeated);
	for (size_t k = 0; k < repeated; k++) {
		msgpack_pack_map(pk, 3);
		cf_pack_str(pk, "correct");
		pack_s(pk, &p[k].t->correct);
		cf_pack_kv_u64(pk, "count", p[k].count);
		cf_pack_str(pk, "wrong");
		pack_s(pk, &p[k].t->wrong);
	}
	cf_pack_kv_u64(pk, "total_typos", n);
	pack_typos(pk, v, n);
	cf_pack_kv_u64(pk, "unique_patterns", nr_p);
	for (size_t k = 0; k < n; k++)
		free(v[k].file);
	free(v);
	free(p);
}

/* ---- imports ---- */

struct import {
	uint64_t person, tick, count;
	struct mg_s lang, module;
};

/* As cf-imports orders its counts: person, language, module, tick. */
static int import_cmp(const void *a_, const void *b_)
{
	const struct import *a = a_, *b = b_;
	int r;

	if (a->person != b->person)
		return a->person < b->person ? -1 : 1;
	if ((r = s_cmp(&a->lang, &b->lang)) || (r = s_cmp(&a->module, &b->module)))
		return r;
	return a->tick < b->tick ? -1 : a->tick > b->tick;
}

static int same_module(const struct import *a, const struct import *b)
{
	return a->person == b->person && !s_cmp(&a->lang, &b->lang) &&
	       !s_cmp(&a->module, &b->module);
}

/* Every input's counts, people remapped and ticks shifted, one per (person, lang, module, tick). */
static struct import *collect_imports(const struct mg_ctx *c, const struct mg_people *p,
				      const uint64_t *shift, size_t *nr)
{
	struct import *v = NULL;
	size_t n = 0, alloc = 0, out = 0;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = mg_arr(c, i, c->in[i].data, "imports");
		for (uint32_t k = 0; k < a->via.array.size; k++) {
			const msgpack_object *e = &a->via.array.ptr[k];
			const msgpack_object *ticks = mg_arr(c, i, e, "ticks");
			struct import x = {
				mg_person(c, p, i, mg_u64(c, i, e, "person")), 0, 0,
				get_s(c, i, e, "lang"), get_s(c, i, e, "module"),
			};
			for (uint32_t t = 0; t < ticks->via.array.size; t++) {
				const msgpack_object *tc = &ticks->via.array.ptr[t];
				x.tick = mg_add(c, i, mg_item_u64(c, i, tc, 0), shift[i]);
				x.count = mg_item_u64(c, i, tc, 1);
				CF_ALLOC_GROW(v, n + 1, alloc);
				v[n++] = x;
			}
		}
	}
	mg_sort(v, n, sizeof(*v), import_cmp);
	for (size_t k = 0; k < n; k++) {
		if (out && !import_cmp(&v[out - 1], &v[k]))
			v[out - 1].count = mg_add(c, 0, v[out - 1].count, v[k].count);
		else
			v[out++] = v[k];
	}
	*nr = out;
	return v;
}

static void pack_imports(msgpack_packer *pk, const struct mg_ctx *c, const struct import *v,
			 size_t n)
{
	size_t groups = 0;

	for (size_t k = 0; k < n; k++)
		groups += !k || !same_module(&v[k - 1], &v[k]);
	cf_pack_str(pk, "imports");
	msgpack_pack_array(pk, groups);
	for (size_t k = 0, j; k < n; k = j) {
		uint64_t total = 0;
		for (j = k; j < n && same_module(&v[k], &v[j]); j++)
			total = mg_add(c, 0, total, v[j].count);
		msgpack_pack_map(pk, 5);
		cf_pack_kv_u64(pk, "count", total);
		cf_pack_str(pk, "lang");
		pack_s(pk, &v[k].lang);
		cf_pack_str(pk, "module");
		pack_s(pk, &v[k].module);
		cf_pack_kv_u64(pk, "person", v[k].person);
		cf_pack_str(pk, "ticks");
		msgpack_pack_array(pk, j - k);
		for (size_t t = k; t < j; t++) {
			msgpack_pack_array(pk, 2);
			cf_pack_u64(pk, v[t].tick);
			cf_pack_u64(pk, v[t].count);
		}
	}
}

void mg_merge_imports(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct mg_people p = { 0 };
	uint64_t tick_size, *shift;
	int64_t t0;
	struct import *v;
	size_t n;

	shift = mg_ticks(c, &t0, &tick_size);
	mg_people_build(c, &p, "people");
	v = collect_imports(c, &p, shift, &n);
	msgpack_pack_map(pk, 5);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	pack_imports(pk, c, v, n);
	cf_pack_str(pk, "people");
	mg_people_pack(pk, &p, 1);
	mg_pack_ticks(pk, t0, tick_size);
	free(v);
	free(shift);
	mg_people_release(&p, c->nr);
}
