/*
 * The merge of analyzers' results (see cf/merge.h): parts and their names,
 * the merged stream record, and the helpers the rules share.  The rules are
 * in merge-devs.c, merge-files.c (couples, file-history), merge-burndown.c,
 * merge-syntax.c (shotness, typos, imports) and merge-ticks.c (sentiment,
 * quality, anomaly); the shards of one history (cf_merge_shards) are
 * chained and combined in merge-shards.c first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/merge.h"
#include "cf/record.h"
#include "cf/usage.h"
#include "cf/writer.h"
#include "merge-int.h"

struct group {
	char *analyzer;
	uint64_t schema;
	struct mg_in *in;
	size_t nr, alloc;
};

struct cf_merge {
	uint64_t top;
	int shards;
	struct owned {			/* combined shards' records the inputs point into */
		msgpack_unpacked u;	/* whose strings point into raw */
		char *raw;
	} **owned;
	size_t nr_owned, alloc_owned;
	struct mg_part *parts;
	size_t nr_parts, alloc_parts;
	struct group *groups;
	size_t nr_groups, alloc_groups;
};

static const struct rule {
	const char *analyzer;
	uint64_t schema;
	void (*merge)(const struct mg_ctx *c, msgpack_packer *pk);
} rules[] = {
	{ "anomaly", 2, mg_merge_anomaly },
	{ "burndown", 2, mg_merge_burndown },
	{ "couples", 1, mg_merge_couples },
	{ "devs", 1, mg_merge_devs },
	{ "file-history", 1, mg_merge_file_history },
	{ "imports", 2, mg_merge_imports },
	{ "quality", 2, mg_merge_quality },
	{ "sentiment", 2, mg_merge_sentiment },
	{ "shotness", 2, mg_merge_shotness },
	{ "typos", 1, mg_merge_typos },
};

/* ---- helpers of the rules ---- */

void mg_die(const struct mg_ctx *c, size_t i, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die_data("record %llu: cannot merge the '%s' result: %s",
		 (unsigned long long)c->in[i].record, c->analyzer, msg);
}

static const char *type_name(msgpack_object_type t)
{
	switch (t) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: return "an unsigned integer";
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
	case MSGPACK_OBJECT_STR: return "a string";
	case MSGPACK_OBJECT_ARRAY: return "an array";
	case MSGPACK_OBJECT_MAP: return "a map";
	case MSGPACK_OBJECT_BIN: return "an id";
	default: return "of another type";
	}
}

const msgpack_object *mg_opt(const struct mg_ctx *c, size_t i, const msgpack_object *map,
			     const char *key, msgpack_object_type type)
{
	const msgpack_object *o = cf_obj_get(map, key);

	if (!o)
		return NULL;
	if (o->type != type)
		mg_die(c, i, "'%s' must be %s", key, type_name(type));
	return o;
}

const msgpack_object *mg_get(const struct mg_ctx *c, size_t i, const msgpack_object *map,
			     const char *key, msgpack_object_type type)
{
	const msgpack_object *o;

	if (map->type != MSGPACK_OBJECT_MAP)
		mg_die(c, i, "an entry holding '%s' is not a map", key);
	o = mg_opt(c, i, map, key, type);
	if (!o)
		mg_die(c, i, "no '%s'", key);
	return o;
}

uint64_t mg_u64(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key)
{
	return mg_get(c, i, map, key, MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64;
}

int64_t mg_i64(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key)
{
	const msgpack_object *o = cf_obj_get(map, key);

	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return o->via.i64;
	o = mg_get(c, i, map, key, MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (o->via.u64 > INT64_MAX)
		mg_die(c, i, "'%s' is out of range", key);
	return (int64_t)o->via.u64;
}

const msgpack_object *mg_arr(const struct mg_ctx *c, size_t i, const msgpack_object *map,
			     const char *key)
{
	return mg_get(c, i, map, key, MSGPACK_OBJECT_ARRAY);
}

uint64_t mg_item_u64(const struct mg_ctx *c, size_t i, const msgpack_object *arr, uint32_t k)
{
	if (arr->type != MSGPACK_OBJECT_ARRAY || k >= arr->via.array.size ||
	    arr->via.array.ptr[k].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		mg_die(c, i, "an array of unsigned integers is too short or holds something else");
	return arr->via.array.ptr[k].via.u64;
}

double mg_f64(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key)
{
	const msgpack_object *o = cf_obj_get(map, key);

	if (o && o->type == MSGPACK_OBJECT_FLOAT32)
		return o->via.f64;
	return mg_get(c, i, map, key, MSGPACK_OBJECT_FLOAT64)->via.f64;
}

const char *mg_str(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key,
		   uint32_t *len)
{
	const msgpack_object *o = mg_get(c, i, map, key, MSGPACK_OBJECT_STR);

	*len = o->via.str.size;
	return o->via.str.ptr;
}

uint64_t mg_sum_u64(const struct mg_ctx *c, const char *key)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->nr; i++)
		n = mg_add(c, i, n, mg_u64(c, i, c->in[i].data, key));
	return n;
}

uint64_t mg_same_u64(const struct mg_ctx *c, const char *key)
{
	uint64_t v = mg_u64(c, 0, c->in[0].data, key);

	for (size_t i = 1; i < c->nr; i++) {
		uint64_t w = mg_u64(c, i, c->in[i].data, key);
		if (w != v)
			mg_die(c, i, "its %s %llu differs from the %llu of record %llu", key,
			       (unsigned long long)w, (unsigned long long)v,
			       (unsigned long long)c->in[0].record);
	}
	return v;
}

uint64_t mg_add(const struct mg_ctx *c, size_t i, uint64_t a, uint64_t b)
{
	if (a > UINT64_MAX - b)
		mg_die(c, i, "a sum overflows");
	return a + b;
}

uint64_t *mg_ticks(const struct mg_ctx *c, int64_t *t0, uint64_t *tick_size)
{
	uint64_t *shift = xcalloc(c->nr, sizeof(*shift));

	*tick_size = mg_same_u64(c, "tick_size");
	*t0 = mg_origin(c, *tick_size, "ticks", shift);
	return shift;
}

void mg_pack_ticks(msgpack_packer *pk, int64_t t0, uint64_t tick_size)
{
	cf_pack_kv_i64(pk, "t0", t0);
	cf_pack_kv_u64(pk, "tick_size", tick_size);
}

int mg_triple_cmp(const void *a_, const void *b_)
{
	const struct mg_triple *a = a_, *b = b_;

	for (int k = 0; k < 3; k++)
		if (a->v[k] != b->v[k])
			return a->v[k] < b->v[k] ? -1 : 1;
	return 0;
}

void mg_pack_triples(msgpack_packer *pk, const struct mg_triple *t, size_t n)
{
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < n; k++) {
		msgpack_pack_array(pk, 3);
		for (int f = 0; f < 3; f++)
			cf_pack_u64(pk, t[k].v[f]);
	}
}

int mg_cmp_u64(const void *a_, const void *b_)
{
	uint64_t a = *(const uint64_t *)a_, b = *(const uint64_t *)b_;
	return a < b ? -1 : a > b;
}

void mg_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

int64_t mg_origin(const struct mg_ctx *c, uint64_t unit, const char *what, uint64_t *shift)
{
	int64_t t0 = INT64_MAX, any = INT64_MAX;

	for (size_t i = 0; i < c->nr; i++) {
		int64_t t = mg_i64(c, i, c->in[i].data, "t0");
		if (t < any)
			any = t;
		if (mg_u64(c, i, c->in[i].data, "commits") && t < t0)
			t0 = t;
	}
	if (t0 == INT64_MAX)
		t0 = any;
	for (size_t i = 0; i < c->nr; i++) {
		int64_t t = mg_i64(c, i, c->in[i].data, "t0");
		uint64_t d;

		if (t < t0) {	/* an input without commits before the others */
			shift[i] = 0;
			continue;
		}
		d = (uint64_t)t - (uint64_t)t0;
		if (unit ? d % unit : d)
			mg_die(c, i, "its t0 %lld is not a whole number of %s from %lld: %s",
			       (long long)t, what, (long long)t0,
			       strcmp(c->analyzer, "burndown") ? "other tick sizes?" :
			       "run cf-burndown with --calendar");
		shift[i] = unit ? d / unit : 0;
	}
	return t0;
}

/* ---- people ---- */

int mg_bytes_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int r = memcmp(a, b, na < nb ? na : nb);
	if (r)
		return r;
	return na < nb ? -1 : na > nb;
}

int mg_person_cmp(const struct mg_person *a, const struct mg_person *b)
{
	int r = mg_bytes_cmp(a->name, a->name_len, b->name, b->name_len);
	return r ? r : mg_bytes_cmp(a->email, a->email_len, b->email, b->email_len);
}

static int person_qcmp(const void *a, const void *b)
{
	return mg_person_cmp(a, b);
}

static void read_person(const struct mg_ctx *c, size_t i, const msgpack_object *o,
			struct mg_person *p)
{
	const msgpack_object *name = mg_get(c, i, o, "name", MSGPACK_OBJECT_STR);
	const msgpack_object *email = mg_get(c, i, o, "email", MSGPACK_OBJECT_STR);

	p->name = name->via.str.ptr;
	p->name_len = name->via.str.size;
	p->email = email->via.str.ptr;
	p->email_len = email->via.str.size;
}

void mg_people_build(const struct mg_ctx *c, struct mg_people *p, const char *key)
{
	size_t total = 0, n = 0;

	p->remap = xcalloc(c->nr, sizeof(*p->remap));
	p->count = xcalloc(c->nr, sizeof(*p->count));
	for (size_t i = 0; i < c->nr; i++) {
		p->count[i] = mg_arr(c, i, c->in[i].data, key)->via.array.size;
		total += p->count[i];
	}
	p->v = xcalloc(total + 1, sizeof(*p->v));
	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = mg_arr(c, i, c->in[i].data, key);
		for (uint32_t k = 0; k < a->via.array.size; k++)
			read_person(c, i, &a->via.array.ptr[k], &p->v[n++]);
	}
	mg_sort(p->v, n, sizeof(*p->v), person_qcmp);
	p->nr = 0;
	for (size_t k = 0; k < n; k++)
		if (!p->nr || mg_person_cmp(&p->v[p->nr - 1], &p->v[k]))
			p->v[p->nr++] = p->v[k];
	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = mg_arr(c, i, c->in[i].data, key);
		p->remap[i] = xcalloc(a->via.array.size + 1, sizeof(**p->remap));
		for (uint32_t k = 0; k < a->via.array.size; k++) {
			struct mg_person q;
			const struct mg_person *hit;
			read_person(c, i, &a->via.array.ptr[k], &q);
			hit = bsearch(&q, p->v, p->nr, sizeof(*p->v), person_qcmp);
			p->remap[i][k] = (uint32_t)(hit - p->v);
		}
	}
}

uint32_t mg_person(const struct mg_ctx *c, const struct mg_people *p, size_t i, uint64_t idx)
{
	if (idx >= p->count[i])
		mg_die(c, i, "person %llu is not in its people", (unsigned long long)idx);
	return p->remap[i][idx];
}

void mg_people_release(struct mg_people *p, size_t nr_in)
{
	for (size_t i = 0; p->remap && i < nr_in; i++)
		free(p->remap[i]);
	free(p->remap);
	free(p->count);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void mg_people_pack(msgpack_packer *pk, const struct mg_people *p, int email_first)
{
	msgpack_pack_array(pk, p->nr);
	for (size_t k = 0; k < p->nr; k++) {
		msgpack_pack_map(pk, 2);
		if (email_first) {
			cf_pack_str(pk, "email");
			cf_pack_strn(pk, p->v[k].email, p->v[k].email_len);
		}
		cf_pack_str(pk, "name");
		cf_pack_strn(pk, p->v[k].name, p->v[k].name_len);
		if (!email_first) {
			cf_pack_str(pk, "email");
			cf_pack_strn(pk, p->v[k].email, p->v[k].email_len);
		}
	}
}

/* ---- paths ---- */

char *mg_qualify(const struct mg_ctx *c, size_t i, const msgpack_object *path, size_t *len)
{
	const struct mg_part *part = &c->parts[c->in[i].part];
	struct cf_buf b = CF_BUF_INIT;

	if (path->type != MSGPACK_OBJECT_STR)
		mg_die(c, i, "a path is not a string");
	if (part->name && !part->merged) {
		cf_buf_addstr(&b, part->name);
		cf_buf_addch(&b, ':');
	}
	cf_buf_add(&b, path->via.str.ptr, path->via.str.size);
	return cf_buf_detach(&b, len);
}

void mg_paths_add(const struct mg_ctx *c, struct mg_paths *ps, size_t i, uint32_t idx,
		  const msgpack_object *path)
{
	struct mg_path *p;

	CF_ALLOC_GROW(ps->v, ps->nr + 1, ps->alloc);
	p = &ps->v[ps->nr++];
	p->s = mg_qualify(c, i, path, &p->len);
	p->in = i;
	p->idx = idx;
}

static int path_qcmp(const void *a_, const void *b_)
{
	const struct mg_path *a = a_, *b = b_;
	return mg_bytes_cmp(a->s, a->len, b->s, b->len);
}

void mg_paths_sort(const struct mg_ctx *c, struct mg_paths *ps, const uint32_t *counts)
{
	mg_sort(ps->v, ps->nr, sizeof(*ps->v), path_qcmp);
	ps->remap = xcalloc(c->nr, sizeof(*ps->remap));
	for (size_t i = 0; i < c->nr; i++)
		ps->remap[i] = xcalloc(counts[i] + 1, sizeof(**ps->remap));
	for (size_t k = 0; k < ps->nr; k++) {
		if (k && !path_qcmp(&ps->v[k - 1], &ps->v[k]))
			mg_die(c, ps->v[k].in, "the path '%s' is in the result of record %llu too"
			       " (name the repositories apart: cf-reduce --name)", ps->v[k].s,
			       (unsigned long long)c->in[ps->v[k - 1].in].record);
		ps->remap[ps->v[k].in][ps->v[k].idx] = (uint32_t)k;
	}
}

/* The paths of array in every input, qualified; key names the path inside a map entry. */
void mg_paths_collect(const struct mg_ctx *c, struct mg_paths *ps, const char *array,
		      const char *key)
{
	uint32_t *counts = xcalloc(c->nr, sizeof(*counts));

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *files = mg_arr(c, i, c->in[i].data, array);
		counts[i] = files->via.array.size;
		for (uint32_t k = 0; k < files->via.array.size; k++) {
			const msgpack_object *f = &files->via.array.ptr[k];
			mg_paths_add(c, ps, i, k, key ? mg_get(c, i, f, key, MSGPACK_OBJECT_STR) : f);
		}
	}
	mg_paths_sort(c, ps, counts);
	free(counts);
}

const msgpack_object *mg_path_entry(const struct mg_ctx *c, const struct mg_path *q,
				    const char *array)
{
	return &mg_arr(c, q->in, c->in[q->in].data, array)->via.array.ptr[q->idx];
}

void mg_paths_release(struct mg_paths *ps, size_t nr_in)
{
	for (size_t k = 0; k < ps->nr; k++)
		free(ps->v[k].s);
	for (size_t i = 0; ps->remap && i < nr_in; i++)
		free(ps->remap[i]);
	free(ps->remap);
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

/* ---- parts and the merged stream record ---- */

struct cf_merge *cf_merge_new(uint64_t top)
{
	struct cf_merge *m = xcalloc(1, sizeof(*m));
	m->top = top;
	return m;
}

void cf_merge_shards(struct cf_merge *m)
{
	m->shards = 1;
}

void cf_merge_free(struct cf_merge *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr_owned; i++) {
		msgpack_unpacked_destroy(&m->owned[i]->u);
		free(m->owned[i]->raw);
		free(m->owned[i]);
	}
	free(m->owned);
	for (size_t i = 0; i < m->nr_parts; i++)
		free(m->parts[i].name);
	for (size_t g = 0; g < m->nr_groups; g++) {
		free(m->groups[g].analyzer);
		free(m->groups[g].in);
	}
	free(m->parts);
	free(m->groups);
	free(m);
}

int mg_str_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       !memcmp(o->via.str.ptr, s, n);
}

int cf_merge_is_merged(const msgpack_object *stream)
{
	const msgpack_object *o = cf_obj_get(stream, "merged");
	return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

/* "/src/jq.git" and "/src/jq/.git/" are "jq". */
static char *repo_name(const char *p, size_t len, uint64_t record)
{
	size_t start;

	while (len > 1 && p[len - 1] == '/')
		len--;
	if (len >= 5 && !memcmp(p + len - 5, "/.git", 5))
		len -= 5;
	else if (len > 4 && !memcmp(p + len - 4, ".git", 4))
		len -= 4;
	while (len > 1 && p[len - 1] == '/')
		len--;
	start = len;
	while (start && p[start - 1] != '/')
		start--;
	if (start == len)
		die_data("record %llu: the stream record's repo '%.*s' has no directory name"
			 " to qualify paths with (give one with cf-reduce --name)",
			 (unsigned long long)record, (int)len, p);
	return xmemdupz(p + start, len - start);
}

void cf_merge_part(struct cf_merge *m, const msgpack_object *stream, uint64_t record)
{
	struct mg_part *part;

	CF_ALLOC_GROW(m->parts, m->nr_parts + 1, m->alloc_parts);
	part = &m->parts[m->nr_parts++];
	memset(part, 0, sizeof(*part));
	part->stream = stream;
	part->record = record;
	part->lead = m->nr_parts - 1;
	part->nr_shards = 1;
	if (!stream)
		return;
	if (cf_merge_is_merged(stream)) {
		part->merged = 1;
		return;
	}
	const msgpack_object *name = cf_obj_get(stream, "name");
	const msgpack_object *repo = cf_obj_get(stream, "repo");
	if (name && name->type == MSGPACK_OBJECT_STR && name->via.str.size &&
	    !memchr(name->via.str.ptr, 0, name->via.str.size))
		part->name = xmemdupz(name->via.str.ptr, name->via.str.size);
	else if (name)
		die_data("record %llu: the stream record's 'name' must be a non-empty string",
			 (unsigned long long)record);
	else if (repo && repo->type == MSGPACK_OBJECT_STR)
		part->name = repo_name(repo->via.str.ptr, repo->via.str.size, record);
	else
		die_data("record %llu: the stream record has neither 'name' nor 'repo'",
			 (unsigned long long)record);
}

void cf_merge_result(struct cf_merge *m, const msgpack_object *result, uint64_t record)
{
	const msgpack_object *name = cf_obj_get(result, "analyzer");
	const msgpack_object *schema = cf_obj_get(result, "schema");
	const msgpack_object *data = cf_obj_get(result, "data");
	struct group *g = NULL;

	if (!name || name->type != MSGPACK_OBJECT_STR || !schema ||
	    schema->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !data ||
	    data->type != MSGPACK_OBJECT_MAP)
		BUG("record %llu: a result that cf-reduce did not check", (unsigned long long)record);
	if (!m->nr_parts)
		cf_merge_part(m, NULL, record);
	for (size_t k = 0; k < m->nr_groups && !g; k++)
		if (strlen(m->groups[k].analyzer) == name->via.str.size &&
		    !memcmp(m->groups[k].analyzer, name->via.str.ptr, name->via.str.size))
			g = &m->groups[k];
	if (!g) {
		CF_ALLOC_GROW(m->groups, m->nr_groups + 1, m->alloc_groups);
		g = &m->groups[m->nr_groups++];
		memset(g, 0, sizeof(*g));
		g->analyzer = xmemdupz(name->via.str.ptr, name->via.str.size);
		g->schema = schema->via.u64;
	}
	if (schema->via.u64 != g->schema)
		die_data("record %llu: cannot merge schema %llu of the '%s' result with schema %llu"
			 " (record %llu)", (unsigned long long)record,
			 (unsigned long long)schema->via.u64, g->analyzer,
			 (unsigned long long)g->schema, (unsigned long long)g->in[0].record);
	CF_ALLOC_GROW(g->in, g->nr + 1, g->alloc);
	g->in[g->nr].data = data;
	g->in[g->nr].record = record;
	g->in[g->nr].part = m->nr_parts - 1;
	g->nr++;
}

/* A repository of the merge: its name and the stream record (or earlier entry) describing it. */
struct repo_entry {
	const char *name;
	size_t name_len;
	const msgpack_object *map;	/* stream record, or entry of a merge's repositories */
	int from_merge;
	uint64_t record;
};

static int entry_cmp(const void *a_, const void *b_)
{
	const struct repo_entry *a = a_, *b = b_;
	return mg_bytes_cmp(a->name, a->name_len, b->name, b->name_len);
}

static struct repo_entry *collect_repos(const struct cf_merge *m, size_t *nr)
{
	struct repo_entry *v = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < m->nr_parts; i++) {
		const struct mg_part *p = &m->parts[i];
		const msgpack_object *list;

		if (p->name && p->lead != i)
			continue;	/* a shard after the first: the first stands for the chain */
		if (p->name) {
			CF_ALLOC_GROW(v, n + 1, alloc);
			v[n++] = (struct repo_entry){ p->name, strlen(p->name),
						      p->chain_stream ? p->chain_stream : p->stream,
						      0, p->record };
			continue;
		}
		if (!p->merged)
			continue;
		list = cf_obj_get(p->stream, "repositories");
		if (!list || list->type != MSGPACK_OBJECT_ARRAY)
			die_data("record %llu: a merged stream record without 'repositories'",
				 (unsigned long long)p->record);
		for (uint32_t k = 0; k < list->via.array.size; k++) {
			const msgpack_object *e = &list->via.array.ptr[k];
			const msgpack_object *name = e->type == MSGPACK_OBJECT_MAP ?
				cf_obj_get(e, "name") : NULL;
			if (!name || name->type != MSGPACK_OBJECT_STR)
				die_data("record %llu: an entry of 'repositories' without a name",
					 (unsigned long long)p->record);
			CF_ALLOC_GROW(v, n + 1, alloc);
			v[n++] = (struct repo_entry){ name->via.str.ptr, name->via.str.size, e, 1,
						      p->record };
		}
	}
	mg_sort(v, n, sizeof(*v), entry_cmp);
	for (size_t k = 1; k < n; k++)
		if (!entry_cmp(&v[k - 1], &v[k]))
			die_data("the repository '%.*s' is in two inputs (records %llu and %llu):"
				 " give one another name with cf-reduce --name",
				 (int)v[k].name_len, v[k].name,
				 (unsigned long long)v[k - 1].record, (unsigned long long)v[k].record);
	*nr = n;
	return v;
}

/* A repository's entry: name first, then the stream record's fields but t, v and name. */
static void pack_entry(msgpack_packer *pk, const struct repo_entry *e)
{
	const msgpack_object *s = e->map;
	uint32_t n = 1;

	if (e->from_merge) {
		msgpack_pack_object(pk, *s);
		return;
	}
	for (uint32_t k = 0; k < s->via.map.size; k++) {
		const msgpack_object *key = &s->via.map.ptr[k].key;
		n += !mg_str_is(key, "t") && !mg_str_is(key, "v") && !mg_str_is(key, "name");
	}
	msgpack_pack_map(pk, n);
	cf_pack_str(pk, "name");
	cf_pack_strn(pk, e->name, e->name_len);
	for (uint32_t k = 0; k < s->via.map.size; k++) {
		const msgpack_object_kv *kv = &s->via.map.ptr[k];
		if (mg_str_is(&kv->key, "t") || mg_str_is(&kv->key, "v") || mg_str_is(&kv->key, "name"))
			continue;
		msgpack_pack_object(pk, kv->key);
		msgpack_pack_object(pk, kv->val);
	}
}

static int buf_write(void *data, const char *p, size_t len)
{
	cf_buf_add(data, p, len);
	return 0;
}

static void pack_stream(const struct cf_merge *m, msgpack_packer *pk)
{
	size_t nr;
	struct repo_entry *v = collect_repos(m, &nr);
	uint64_t commits = 0;

	for (size_t k = 0; k < nr; k++) {
		const msgpack_object *c = cf_obj_get(v[k].map, "commits");
		if (c && c->type == MSGPACK_OBJECT_POSITIVE_INTEGER && c->via.u64 <= UINT64_MAX - commits)
			commits += c->via.u64;
	}
	msgpack_pack_map(pk, 5);
	cf_pack_kv_str(pk, "t", CF_REC_STREAM);
	cf_pack_kv_u64(pk, "v", 1);
	cf_pack_kv_bool(pk, "merged", 1);
	cf_pack_kv_u64(pk, "commits", commits);
	cf_pack_str(pk, "repositories");
	msgpack_pack_array(pk, nr);
	for (size_t k = 0; k < nr; k++)
		pack_entry(pk, &v[k]);
	free(v);
}

static int group_cmp(const void *a_, const void *b_)
{
	const struct group *a = a_, *b = b_;
	return strcmp(a->analyzer, b->analyzer);
}

/* Keeps the record packed in b (taken, b emptied) for as long as m lives. */
static const msgpack_object *own(struct cf_merge *m, struct cf_buf *b)
{
	struct owned *o = xcalloc(1, sizeof(*o));
	size_t off = 0, len;

	o->raw = cf_buf_detach(b, &len);
	msgpack_unpacked_init(&o->u);
	if (msgpack_unpack_next(&o->u, o->raw, len, &off) != MSGPACK_UNPACK_SUCCESS)
		BUG("a combined record does not decode");
	CF_ALLOC_GROW(m->owned, m->nr_owned + 1, m->alloc_owned);
	m->owned[m->nr_owned++] = o;
	return &o->u.data;
}

static int in_pos_cmp(const void *a, const void *b, const struct mg_part *parts)
{
	size_t pa = parts[((const struct mg_in *)a)->part].pos;
	size_t pb = parts[((const struct mg_in *)b)->part].pos;
	return pa < pb ? -1 : pa > pb;
}

/* Replaces the results of the chain led by part lead by the whole range's. */
static void combine_chain(struct cf_merge *m, struct group *g, size_t lead, struct cf_buf *b)
{
	const struct mg_part *parts = m->parts;
	struct mg_in *v = xcalloc(g->nr + 1, sizeof(*v));
	size_t n = 0, rest = 0;
	msgpack_packer pk;

	for (size_t i = 0; i < g->nr; i++) {
		if (parts[g->in[i].part].lead == lead)
			v[n++] = g->in[i];
		else
			g->in[rest++] = g->in[i];
	}
	if (n && n != parts[lead].nr_shards)
		die("record %llu: the '%s' result is in %zu of the %zu shards of '%s'",
		    (unsigned long long)v[0].record, g->analyzer, n, parts[lead].nr_shards,
		    parts[lead].name);
	for (size_t i = 1; i < n; i++)	/* a handful of shards: insertion sort */
		for (size_t k = i; k > 0 && in_pos_cmp(&v[k - 1], &v[k], parts) > 0; k--) {
			struct mg_in t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	if (n) {
		struct mg_ctx c = { g->analyzer, v, n, m->parts, m->top };
		msgpack_packer_init(&pk, b, buf_write);
		mg_shards_combine(&c, m->nr_parts, &pk);
		g->in[rest] = (struct mg_in){ own(m, b), v[0].record, lead };
		g->nr = rest + 1;
	}
	free(v);
}

/* --shards: the chains, their stream records, and each group's results of a chain combined. */
static void prepare_shards(struct cf_merge *m)
{
	struct cf_buf b = CF_BUF_INIT;
	msgpack_packer pk;

	mg_shards_chain(m->parts, m->nr_parts);
	msgpack_packer_init(&pk, &b, buf_write);
	for (size_t i = 0; i < m->nr_parts; i++) {
		if (m->parts[i].lead != i || m->parts[i].nr_shards < 2)
			continue;
		mg_shards_stream(m->parts, m->nr_parts, i, &pk);
		m->parts[i].chain_stream = own(m, &b);
		for (size_t g = 0; g < m->nr_groups; g++)
			combine_chain(m, &m->groups[g], i, &b);
	}
	cf_buf_release(&b);
}

static void merge_group(const struct cf_merge *m, const struct group *g, msgpack_packer *pk)
{
	const struct rule *r = NULL;
	struct mg_ctx c = { g->analyzer, g->in, g->nr, m->parts, m->top };

	for (size_t k = 0; k < sizeof(rules) / sizeof(*rules); k++)
		if (!strcmp(rules[k].analyzer, g->analyzer))
			r = &rules[k];
	if (!r)
		die("cannot merge the results of analyzer '%s' (record %llu): it has no merge rule",
		    g->analyzer, (unsigned long long)g->in[0].record);
	if (r->schema != g->schema)
		die("cannot merge the results of analyzer '%s' (record %llu): schema %llu,"
		    " the merge knows schema %llu", g->analyzer, (unsigned long long)g->in[0].record,
		    (unsigned long long)g->schema, (unsigned long long)r->schema);
	msgpack_pack_map(pk, 5);
	cf_pack_kv_str(pk, "t", CF_REC_RESULT);
	cf_pack_kv_u64(pk, "v", 1);
	cf_pack_kv_str(pk, "analyzer", g->analyzer);
	cf_pack_kv_u64(pk, "schema", g->schema);
	cf_pack_str(pk, "data");
	r->merge(&c, pk);
}

void cf_merge_finish(struct cf_merge *m, struct cf_buf *out)
{
	msgpack_packer pk;

	if (m->shards)
		prepare_shards(m);
	msgpack_packer_init(&pk, out, buf_write);
	pack_stream(m, &pk);
	mg_sort(m->groups, m->nr_groups, sizeof(*m->groups), group_cmp);
	for (size_t g = 0; g < m->nr_groups; g++)
		merge_group(m, &m->groups[g], &pk);
}

void cf_merge_name_stream(const msgpack_object *stream, const char *name, struct cf_buf *out)
{
	msgpack_packer pk;
	uint32_t n = 1;

	msgpack_packer_init(&pk, out, buf_write);
	for (uint32_t k = 0; k < stream->via.map.size; k++)
		n += !mg_str_is(&stream->via.map.ptr[k].key, "name");
	msgpack_pack_map(&pk, n);
	for (uint32_t k = 0; k < stream->via.map.size; k++) {
		const msgpack_object_kv *kv = &stream->via.map.ptr[k];
		if (mg_str_is(&kv->key, "name"))
			continue;
		msgpack_pack_object(&pk, kv->key);
		msgpack_pack_object(&pk, kv->val);
	}
	cf_pack_kv_str(&pk, "name", name);
}
