/*
 * The merge rules of the per-tick analyzers, their ticks aligned on
 * calendar time (the earliest t0, as devs): sentiment (schema 2, see
 * cf-sentiment(1)): counts and integer sums of a tick summed, its mean
 * computed again, the most negative comments of all ranked again; quality
 * (schema 2, cf-quality(1)): the values of a tick's files put together and
 * their statistics computed again (cf/stats.h, as cf-quality does); anomaly
 * (schema 2, cf-anomaly(1)): churn and files summed, the distinct languages
 * and authors (unified by identity) counted again, and every tick scored
 * again against the merged ticks before it, with the same window and
 * threshold.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/anomaly.h"
#include "cf/stats.h"
#include "cf/writer.h"
#include "merge-int.h"

/* A tick of an input: where it is in the merge, and its map. */
struct tref {
	uint64_t tick;
	uint32_t in;
	const msgpack_object *o;
};

static int tref_cmp(const void *a_, const void *b_)
{
	const struct tref *a = a_, *b = b_;

	if (a->tick != b->tick)
		return a->tick < b->tick ? -1 : 1;
	return a->in < b->in ? -1 : a->in > b->in;
}

/* Every input's ticks (the array field "ticks"), shifted onto the merge's t0, sorted. */
static struct tref *collect_ticks(const struct mg_ctx *c, const uint64_t *shift, size_t *nr,
				  size_t *distinct)
{
	size_t n = 0;
	struct tref *v;

	for (size_t i = 0; i < c->nr; i++)
		n += mg_arr(c, i, c->in[i].data, "ticks")->via.array.size;
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = mg_arr(c, i, c->in[i].data, "ticks");
		for (uint32_t k = 0; k < a->via.array.size; k++) {
			const msgpack_object *o = &a->via.array.ptr[k];
			v[n].tick = mg_add(c, i, mg_u64(c, i, o, "tick"), shift[i]);
			v[n].in = i;
			v[n++].o = o;
		}
	}
	mg_sort(v, n, sizeof(*v), tref_cmp);
	*distinct = 0;
	for (size_t k = 0; k < n; k++)
		*distinct += !k || v[k].tick != v[k - 1].tick;
	*nr = n;
	return v;
}

/* The end of the group of ticks equal to v[k].tick. */
static size_t group_end(const struct tref *v, size_t n, size_t k)
{
	size_t j = k;

	while (j < n && v[j].tick == v[k].tick)
		j++;
	return j;
}

/* ---- sentiment ---- */

struct low {
	double compound;
	uint64_t tick, line;
	char *file;		/* qualified, owned */
	size_t file_len;
	const msgpack_object *text, *commit;
};

static int str_cmp(const msgpack_object *a, const msgpack_object *b)
{
	return mg_bytes_cmp(a->via.str.ptr, a->via.str.size, b->via.str.ptr, b->via.str.size);
}

/* As cf-sentiment ranks comments: lowest compound, then tick, file, line and text. */
static int low_cmp(const void *a_, const void *b_)
{
	const struct low *a = a_, *b = b_;
	int r;

	if (a->compound != b->compound)
		return a->compound < b->compound ? -1 : 1;
	if (a->tick != b->tick)
		return a->tick < b->tick ? -1 : 1;
	if ((r = mg_bytes_cmp(a->file, a->file_len, b->file, b->file_len)))
		return r;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return (r = str_cmp(a->text, b->text)) ? r : str_cmp(a->commit, b->commit);
}

static void pack_lows(msgpack_packer *pk, const struct mg_ctx *c, const uint64_t *shift,
		      uint64_t top)
{
	struct low *v = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = mg_arr(c, i, c->in[i].data, "most_negative");
		for (uint32_t k = 0; k < a->via.array.size; k++) {
			const msgpack_object *e = &a->via.array.ptr[k];
			CF_ALLOC_GROW(v, n + 1, alloc);
			v[n].compound = mg_f64(c, i, e, "compound");
			v[n].tick = mg_add(c, i, mg_u64(c, i, e, "tick"), shift[i]);
			v[n].line = mg_u64(c, i, e, "line");
			v[n].file = mg_qualify(c, i, mg_get(c, i, e, "file", MSGPACK_OBJECT_STR),
					       &v[n].file_len);
			v[n].text = mg_get(c, i, e, "text", MSGPACK_OBJECT_STR);
			v[n++].commit = mg_get(c, i, e, "commit", MSGPACK_OBJECT_STR);
		}
	}
	mg_sort(v, n, sizeof(*v), low_cmp);
	cf_pack_str(pk, "most_negative");
	msgpack_pack_array(pk, n < top ? n : top);
	for (size_t k = 0; k < n && k < top; k++) {
		msgpack_pack_map(pk, 6);
		cf_pack_str(pk, "commit");
		msgpack_pack_object(pk, *v[k].commit);
		cf_pack_kv_f64(pk, "compound", v[k].compound);
		cf_pack_str(pk, "file");
		cf_pack_strn(pk, v[k].file, v[k].file_len);
		cf_pack_kv_u64(pk, "line", v[k].line);
		cf_pack_str(pk, "text");
		msgpack_pack_object(pk, *v[k].text);
		cf_pack_kv_u64(pk, "tick", v[k].tick);
	}
	for (size_t k = 0; k < n; k++)
		free(v[k].file);
	free(v);
}

static const char *const mood_keys[] = { "comments", "negative", "neutral", "positive" };

struct mood {
	uint64_t n[4];
	int64_t sum;		/* units of 1e-9 */
};

static void add_mood(const struct mg_ctx *c, size_t i, struct mood *m, const msgpack_object *o)
{
	int64_t s = mg_i64(c, i, o, "sum_nano");

	for (int k = 0; k < 4; k++)
		m->n[k] = mg_add(c, i, m->n[k], mg_u64(c, i, o, mood_keys[k]));
	if ((s > 0 && m->sum > INT64_MAX - s) || (s < 0 && m->sum < INT64_MIN - s))
		mg_die(c, i, "a sum overflows");
	m->sum += s;
}

/* comments, the mean as cf-sentiment computes it (nil without comments), negative, neutral, positive */
static void pack_mood(msgpack_packer *pk, const struct mood *m)
{
	cf_pack_kv_u64(pk, "comments", m->n[0]);
	cf_pack_str(pk, "mean");
	if (m->n[0])
		cf_pack_f64(pk, cf_round4(m->sum / 1e9 / m->n[0]));
	else
		msgpack_pack_nil(pk);
	for (int k = 1; k < 4; k++)
		cf_pack_kv_u64(pk, mood_keys[k], m->n[k]);
}

static void pack_mood_ticks(msgpack_packer *pk, const struct mg_ctx *c, const struct tref *v,
			    size_t n, size_t distinct)
{
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, distinct);
	for (size_t k = 0, j; k < n; k = j) {
		struct mood m = { { 0 }, 0 };
		j = group_end(v, n, k);
		for (size_t t = k; t < j; t++)
			add_mood(c, v[t].in, &m, v[t].o);
		msgpack_pack_map(pk, 7);
		pack_mood(pk, &m);
		cf_pack_kv_i64(pk, "sum_nano", m.sum);
		cf_pack_kv_u64(pk, "tick", v[k].tick);
	}
}

void mg_merge_sentiment(const struct mg_ctx *c, msgpack_packer *pk)
{
	uint64_t min_length = mg_same_u64(c, "min_length"), top = mg_same_u64(c, "top");
	uint64_t tick_size, *shift;
	struct mood all = { { 0 }, 0 };
	size_t n, distinct;
	struct tref *v;
	int64_t t0;

	shift = mg_ticks(c, &t0, &tick_size);
	v = collect_ticks(c, shift, &n, &distinct);
	for (size_t k = 0; k < n; k++)
		add_mood(c, v[k].in, &all, v[k].o);
	msgpack_pack_map(pk, 8);
	cf_pack_str(pk, "aggregate");
	msgpack_pack_map(pk, 6);
	pack_mood(pk, &all);
	cf_pack_kv_u64(pk, "ticks", distinct);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	cf_pack_kv_u64(pk, "min_length", min_length);
	pack_lows(pk, c, shift, top);
	mg_pack_ticks(pk, t0, tick_size);
	pack_mood_ticks(pk, c, v, n, distinct);
	cf_pack_kv_u64(pk, "top", top);
	free(v);
	free(shift);
}

/* ---- quality ---- */

struct vals {
	double *v;
	size_t nr, alloc;
};

/* The values of metric m in the input ticks of a group, together and sorted. */
static void gather_values(const struct mg_ctx *c, const struct tref *v, size_t k, size_t j,
			  const char *metric, struct vals *out)
{
	out->nr = 0;
	for (size_t t = k; t < j; t++) {
		const msgpack_object *s = mg_opt(c, v[t].in, v[t].o, metric, MSGPACK_OBJECT_MAP);
		const msgpack_object *a = s ? mg_arr(c, v[t].in, s, "values") : NULL;
		if (a && a->via.array.size != mg_u64(c, v[t].in, s, "n"))
			mg_die(c, v[t].in, "'%s' of tick %llu does not have its n values", metric,
			       (unsigned long long)mg_u64(c, v[t].in, v[t].o, "tick"));
		for (uint32_t x = 0; a && x < a->via.array.size; x++) {
			const msgpack_object *e = &a->via.array.ptr[x];
			if (e->type != MSGPACK_OBJECT_FLOAT64 && e->type != MSGPACK_OBJECT_FLOAT32)
				mg_die(c, v[t].in, "a value of '%s' is not a number", metric);
			CF_ALLOC_GROW(out->v, out->nr + 1, out->alloc);
			out->v[out->nr++] = e->via.f64;
		}
	}
	mg_sort(out->v, out->nr, sizeof(*out->v), cf_stats_cmp);
}

static void pack_quality_tick(msgpack_packer *pk, const struct mg_ctx *c, const struct tref *v,
			      size_t k, size_t j, uint64_t *files)
{
	struct vals vals[CF_QUALITY_METRICS] = { { 0 } };
	uint32_t present = 0;
	uint64_t f = 0;

	for (size_t t = k; t < j; t++)
		f = mg_add(c, v[t].in, f, mg_u64(c, v[t].in, v[t].o, "files"));
	*files = mg_add(c, 0, *files, f);
	for (int m = 0; m < CF_QUALITY_METRICS; m++) {
		gather_values(c, v, k, j, cf_quality_metrics[m], &vals[m]);
		present += !!vals[m].nr;
	}
	msgpack_pack_map(pk, 2 + present);
	cf_pack_kv_u64(pk, "files", f);
	for (int m = 0; m < CF_QUALITY_METRICS; m++) {
		if (vals[m].nr) {
			cf_pack_str(pk, cf_quality_metrics[m]);
			cf_stats_pack(pk, vals[m].v, vals[m].nr);
		}
		free(vals[m].v);
	}
	cf_pack_kv_u64(pk, "tick", v[k].tick);
}

void mg_merge_quality(const struct mg_ctx *c, msgpack_packer *pk)
{
	uint64_t tick_size, *shift, files = 0;
	size_t n, distinct;
	struct tref *v;
	int64_t t0;

	shift = mg_ticks(c, &t0, &tick_size);
	v = collect_ticks(c, shift, &n, &distinct);
	msgpack_pack_map(pk, 5);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	mg_pack_ticks(pk, t0, tick_size);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, distinct);
	for (size_t k = 0, j; k < n; k = j) {
		j = group_end(v, n, k);
		pack_quality_tick(pk, c, v, k, j, &files);
	}
	cf_pack_kv_u64(pk, "total_files", files);
	free(v);
	free(shift);
}

/* ---- anomaly ---- */

struct atick {
	uint64_t tick, v[CF_AN_OWN];
	const msgpack_object **lang;	/* distinct names, sorted */
	uint64_t *who;			/* distinct merged people, sorted */
};

static int name_cmp(const void *a_, const void *b_)
{
	return str_cmp(*(const msgpack_object *const *)a_, *(const msgpack_object *const *)b_);
}

/* The distinct items of a sorted array; returns how many. */
static size_t uniq(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *p = v;
	size_t out = 0;

	for (size_t k = 0; k < n; k++)
		if (!out || cmp(p + (out - 1) * size, p + k * size))
			memmove(p + out++ * size, p + k * size, size);
	return out;
}

/* A merged tick from the input ticks v[k..j): sums, and the sets put together. */
static void merge_atick(const struct mg_ctx *c, const struct mg_people *p, const struct tref *v,
			size_t k, size_t j, struct atick *t)
{
	size_t nl = 0, nw = 0;

	t->tick = v[k].tick;
	for (size_t x = k; x < j; x++) {
		nl += mg_arr(c, v[x].in, v[x].o, "language_names")->via.array.size;
		nw += mg_arr(c, v[x].in, v[x].o, "people")->via.array.size;
	}
	t->lang = xcalloc(nl + 1, sizeof(*t->lang));
	t->who = xcalloc(nw + 1, sizeof(*t->who));
	nl = nw = 0;
	for (size_t x = k; x < j; x++) {
		size_t i = v[x].in;
		const msgpack_object *l = mg_arr(c, i, v[x].o, "language_names");
		const msgpack_object *w = mg_arr(c, i, v[x].o, "people");
		t->v[CF_AN_CHURN] = mg_add(c, i, t->v[CF_AN_CHURN], mg_u64(c, i, v[x].o, "churn"));
		t->v[CF_AN_FILES] = mg_add(c, i, t->v[CF_AN_FILES], mg_u64(c, i, v[x].o, "files"));
		for (uint32_t y = 0; y < l->via.array.size; y++) {
			if (l->via.array.ptr[y].type != MSGPACK_OBJECT_STR)
				mg_die(c, i, "a language name is not a string");
			t->lang[nl++] = &l->via.array.ptr[y];
		}
		for (uint32_t y = 0; y < w->via.array.size; y++)
			t->who[nw++] = mg_person(c, p, i, mg_item_u64(c, i, w, y));
	}
	mg_sort(t->lang, nl, sizeof(*t->lang), name_cmp);
	mg_sort(t->who, nw, sizeof(*t->who), mg_cmp_u64);
	t->v[CF_AN_LANGUAGES] = uniq(t->lang, nl, sizeof(*t->lang), name_cmp);
	t->v[CF_AN_AUTHORS] = uniq(t->who, nw, sizeof(*t->who), mg_cmp_u64);
}

struct scoring {
	const struct atick *t;
	uint64_t window;
	double threshold;
};

static uint64_t merged_at(const void *ticks, size_t k, int s)
{
	return ((const struct atick *)ticks)[k].v[s];
}

/* Tick i scored exactly as cf-anomaly scores it; returns whether it is an anomaly. */
static int score(const struct scoring *sc, size_t i, struct cf_own_z *z)
{
	cf_anomaly_score(merged_at, sc->t, i, sc->window, sc->threshold, z);
	return z->flagged;
}

static void pack_atick(msgpack_packer *pk, const struct scoring *sc, size_t i)
{
	const struct atick *t = &sc->t[i];
	struct cf_own_z z;

	score(sc, i, &z);
	msgpack_pack_map(pk, 3 + CF_AN_OWN + 3);
	cf_anomaly_pack_tick_head(pk, t->v, &z);
	cf_pack_str(pk, "language_names");
	msgpack_pack_array(pk, t->v[CF_AN_LANGUAGES]);
	for (uint64_t k = 0; k < t->v[CF_AN_LANGUAGES]; k++)
		msgpack_pack_object(pk, *t->lang[k]);
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, t->v[CF_AN_AUTHORS]);
	for (uint64_t k = 0; k < t->v[CF_AN_AUTHORS]; k++)
		cf_pack_u64(pk, t->who[k]);
	cf_pack_kv_u64(pk, "tick", t->tick);
	cf_anomaly_pack_tick_z(pk, &z);
}

/* Every input's --anomaly-window and --anomaly-threshold must be the first's. */
static void same_scoring(const struct mg_ctx *c, struct scoring *sc)
{
	sc->window = mg_u64(c, 0, c->in[0].data, "window");
	sc->threshold = mg_f64(c, 0, c->in[0].data, "threshold");
	for (size_t i = 1; i < c->nr; i++) {
		uint64_t w = mg_u64(c, i, c->in[i].data, "window");
		double th = mg_f64(c, i, c->in[i].data, "threshold");
		if (w != sc->window)
			mg_die(c, i, "its --anomaly-window %llu differs from the %llu of record %llu"
			       " (run every cf-anomaly with the same window)", (unsigned long long)w,
			       (unsigned long long)sc->window, (unsigned long long)c->in[0].record);
		if (th != sc->threshold)
			mg_die(c, i, "its --anomaly-threshold %g differs from the %g of record %llu"
			       " (run every cf-anomaly with the same threshold)", th, sc->threshold,
			       (unsigned long long)c->in[0].record);
	}
}

void mg_merge_anomaly(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct scoring sc;
	struct mg_people p = { 0 };
	uint64_t tick_size, *shift;
	size_t n, distinct, nr = 0, anomalies = 0;
	struct tref *v;
	struct atick *t;
	int64_t t0;

	same_scoring(c, &sc);
	shift = mg_ticks(c, &t0, &tick_size);
	mg_people_build(c, &p, "people");
	v = collect_ticks(c, shift, &n, &distinct);
	t = xcalloc(distinct + 1, sizeof(*t));
	for (size_t k = 0, j; k < n; k = j) {
		j = group_end(v, n, k);
		merge_atick(c, &p, v, k, j, &t[nr++]);
	}
	sc.t = t;
	for (size_t i = 0; i < nr; i++) {
		struct cf_own_z z;
		anomalies += score(&sc, i, &z);
	}
	msgpack_pack_map(pk, 8);
	cf_pack_str(pk, "anomalies");
	msgpack_pack_array(pk, anomalies);
	for (size_t i = 0; i < nr; i++) {
		struct cf_own_z z;
		if (score(&sc, i, &z))
			cf_pack_u64(pk, t[i].tick);
	}
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	cf_pack_str(pk, "people");
	mg_people_pack(pk, &p, 1);
	mg_pack_ticks(pk, t0, tick_size);
	cf_pack_kv_f64(pk, "threshold", sc.threshold);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, nr);
	for (size_t i = 0; i < nr; i++)
		pack_atick(pk, &sc, i);
	cf_pack_kv_u64(pk, "window", sc.window);
	for (size_t i = 0; i < nr; i++) {
		free(t[i].lang);
		free(t[i].who);
	}
	free(t);
	free(v);
	free(shift);
	mg_people_release(&p, c->nr);
}
