/*
 * cf-anomaly: ticks that stand out from the ones before them.  Per tick
 * with commits it computes its own series from the commit and change
 * records (churn = lines added + removed, files changed, languages touched,
 * authors) and scores each value against the trailing window of the
 * previous --anomaly-window ticks: z = (x - mean) / sigma, population sigma,
 * the current tick excluded.  A tick is an anomaly when some |z| exceeds
 * --anomaly-threshold.  A tick keeps which languages and authors it had,
 * and the result carries them, so that cf-reduce can count them again over
 * several repositories.  The per-tick means of cf-quality's and
 * cf-sentiment's results, when they come before it in the stream, are
 * scored the same way over their own ticks.  Passes every record through
 * and appends one "anomaly" result (schema 2, or 3 with the series of other
 * results, cf-anomaly(1)).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/lang.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-anomaly [--anomaly-window N] [--anomaly-threshold Z]\n"
"                  [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a stream with line counts (after cf-diff), passes it through and\n"
"appends an \"anomaly\" result: per tick churn, files, languages and authors\n"
"(and the means of the quality and sentiment results before it in the stream),\n"
"their z-scores against the preceding ticks, and the ticks that stand out.\n"
"\n"
"      --anomaly-window N     ticks before each one it is compared with (20)\n"
"      --anomaly-threshold Z  |z| above which a tick is an anomaly (2.0)\n"
"      --state-dir DIR        save the state there at every barrier\n"
"      --resume FILE          start from a saved state\n"
"  -h, --help                 show this help\n";

enum { S_CHURN, S_FILES, S_LANGUAGES, S_AUTHORS, NR_SERIES };

static const char *const series_names[NR_SERIES] = {
	"churn", "files", "languages", "authors",
};

struct tick_a {
	uint64_t tick;
	uint64_t v[NR_SERIES];
	uint32_t *who;			/* its authors (v[S_AUTHORS] of them) */
	unsigned *lang;			/* its language ids (v[S_LANGUAGES]) */
	size_t alloc_who, alloc_lang;
};

/*
 * A series read from another analyzer's result: "sentiment" (the mean
 * score) or "quality.METRIC" (the mean of the metric), one value per tick
 * that has one, ascending.
 */
#define MAX_EXTRA 16
#define EXTRA_NAME 48

struct extra {
	char name[EXTRA_NAME];
	uint64_t *tick;
	double *v;
	size_t n, alloc, alloc_v;
};

/* A series as it is scored: its values in tick order, and those ticks. */
struct series {
	const char *name;
	const uint64_t *tick;	/* NULL: one value per tick of the analyzer */
	const double *v;
	size_t n;
	size_t at;		/* the position of the tick being packed, or n */
	size_t next;		/* the first position not before that tick */
};

struct anomaly {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t window;
	double threshold;
	struct tick_a *ticks;		/* the last is the open tick */
	size_t nr_ticks, alloc_ticks;
	uint32_t *authors;		/* the open tick's, distinct */
	size_t nr_authors, alloc_authors;
	unsigned char *langs;		/* per language id: touched in the open tick */
	struct extra extra[MAX_EXTRA];	/* from results in the stream */
	int nr_extra;
};

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct anomaly *an = (struct anomaly *)a;
	uint64_t tick = cf_rec_u64(rec, "tick");
	struct tick_a *t = an->nr_ticks ? &an->ticks[an->nr_ticks - 1] : NULL;
	uint32_t who = a->fs.cur_person;

	if (t && tick < t->tick)
		cf_rec_die(rec, "tick %llu after tick %llu", (unsigned long long)tick,
			   (unsigned long long)t->tick);
	if (!t || tick != t->tick) {
		CF_ALLOC_GROW(an->ticks, an->nr_ticks + 1, an->alloc_ticks);
		t = &an->ticks[an->nr_ticks++];
		memset(t, 0, sizeof(*t));
		t->tick = tick;
		an->nr_authors = 0;
		memset(an->langs, 0, cf_lang_count());
	}
	for (size_t i = 0; i < an->nr_authors; i++)
		if (an->authors[i] == who)
			return;
	CF_ALLOC_GROW(an->authors, an->nr_authors + 1, an->alloc_authors);
	an->authors[an->nr_authors++] = who;
	CF_ALLOC_GROW(t->who, t->v[S_AUTHORS] + 1, t->alloc_who);
	t->who[t->v[S_AUTHORS]++] = who;
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *ch,
		      const struct cf_record *rec)
{
	struct anomaly *an = (struct anomaly *)a;
	struct tick_a *t;
	uint64_t add, del, changed;
	size_t len;
	const char *path = cf_rec_str(rec, "path", &len);
	unsigned lang = cf_lang_id(path, len);

	(void)ch;
	if (!an->nr_ticks)
		cf_rec_die(rec, "change before any commit");
	t = &an->ticks[an->nr_ticks - 1];
	cf_fs_lines(rec, &add, &del, &changed);
	if (add > UINT64_MAX / 4 || del > UINT64_MAX / 4 || t->v[S_CHURN] > UINT64_MAX / 2)
		cf_rec_die(rec, "line counts overflow");
	t->v[S_CHURN] += add + del;
	t->v[S_FILES]++;
	if (!an->langs[lang]) {
		an->langs[lang] = 1;
		CF_ALLOC_GROW(t->lang, t->v[S_LANGUAGES] + 1, t->alloc_lang);
		t->lang[t->v[S_LANGUAGES]++] = lang;
	}
}

/* The z-score of value i of v; 0 when it cannot be told, *z infinite when sigma is 0. */
static int zscore(const double *v, size_t i, uint64_t window, double *z)
{
	size_t from = i > window ? i - window : 0, n = i - from;
	double mean = 0, var = 0, x = v[i];

	if (n < 2)
		return 0;
	for (size_t k = from; k < i; k++)
		mean += v[k];
	mean /= n;
	for (size_t k = from; k < i; k++)
		var += (v[k] - mean) * (v[k] - mean);
	var /= n;
	if (var == 0) {
		*z = x == mean ? 0 : x > mean ? INFINITY : -INFINITY;
		return 1;
	}
	*z = (x - mean) / sqrt(var);
	return 1;
}

static double round4(double v)
{
	return round(v * 10000) / 10000;
}

static void pack_z(msgpack_packer *pk, int ok, double z)
{
	if (!ok || isinf(z))
		msgpack_pack_nil(pk);
	else
		cf_pack_f64(pk, round4(z));
}

static int cmp_u64(const void *a_, const void *b_)
{
	uint64_t a = *(const uint64_t *)a_, b = *(const uint64_t *)b_;
	return a < b ? -1 : a > b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The tick's authors as positions in the sorted people, and its languages by name, sorted. */
static void pack_sets(msgpack_packer *pk, const struct tick_a *t, const uint32_t *person_index)
{
	uint64_t *who = xcalloc(t->v[S_AUTHORS] + 1, sizeof(*who));
	const char **lang = xcalloc(t->v[S_LANGUAGES] + 1, sizeof(*lang));

	for (uint64_t k = 0; k < t->v[S_AUTHORS]; k++)
		who[k] = person_index[t->who[k]];
	for (uint64_t k = 0; k < t->v[S_LANGUAGES]; k++)
		lang[k] = cf_lang_name(t->lang[k]);
	qsort(who, t->v[S_AUTHORS], sizeof(*who), cmp_u64);
	qsort(lang, t->v[S_LANGUAGES], sizeof(*lang), cmp_str);
	cf_pack_str(pk, "language_names");
	msgpack_pack_array(pk, t->v[S_LANGUAGES]);
	for (uint64_t k = 0; k < t->v[S_LANGUAGES]; k++)
		cf_pack_str(pk, lang[k]);
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, t->v[S_AUTHORS]);
	for (uint64_t k = 0; k < t->v[S_AUTHORS]; k++)
		cf_pack_u64(pk, who[k]);
	free(who);
	free(lang);
}

static struct extra *extra_series(struct anomaly *an, const char *name,
				   const struct cf_record *rec)
{
	struct extra *x;

	for (int i = 0; i < an->nr_extra; i++)
		if (!strcmp(an->extra[i].name, name))
			return &an->extra[i];
	if (an->nr_extra == MAX_EXTRA)
		cf_rec_die(rec, "more than %d series in the results", MAX_EXTRA);
	x = &an->extra[an->nr_extra++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name);
	return x;
}

static void extra_add(struct extra *x, uint64_t tick, double v, const struct cf_record *rec)
{
	if (x->n && tick <= x->tick[x->n - 1])
		cf_rec_die(rec, "%s: tick %llu after tick %llu", x->name,
			   (unsigned long long)tick, (unsigned long long)x->tick[x->n - 1]);
	CF_ALLOC_GROW(x->tick, x->n + 1, x->alloc);
	CF_ALLOC_GROW(x->v, x->n + 1, x->alloc_v);
	x->tick[x->n] = tick;
	x->v[x->n++] = v;
}

static int number(const msgpack_object *o, double *v)
{
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		*v = (double)o->via.u64;
	else if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*v = (double)o->via.i64;
	else if (o && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32))
		*v = o->via.f64;
	else
		return 0;
	return isfinite(*v);
}

/* One tick map of a quality result: every metric map with a mean is a series. */
static void quality_tick(struct anomaly *an, uint64_t tick, const msgpack_object *t,
			 const struct cf_record *rec)
{
	char name[EXTRA_NAME];
	double v;

	for (uint32_t i = 0; i < t->via.map.size; i++) {
		const msgpack_object_kv *kv = &t->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_MAP ||
		    !number(cf_obj_get(&kv->val, "mean"), &v))
			continue;
		if (kv->key.via.str.size > EXTRA_NAME - 9 ||
		    memchr(kv->key.via.str.ptr, 0, kv->key.via.str.size))
			cf_rec_die(rec, "quality: a metric name that is not a name");
		snprintf(name, sizeof(name), "quality.%.*s", (int)kv->key.via.str.size,
			 kv->key.via.str.ptr);
		extra_add(extra_series(an, name, rec), tick, v, rec);
	}
}

/*
 * The result of cf-quality or cf-sentiment, passing through before ours:
 * the per-tick means become series of their own (cf-quality(1),
 * cf-sentiment(1) give their shapes).
 */
static void on_record(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct anomaly *an = (struct anomaly *)a;
	const msgpack_object *data, *ticks;
	size_t len;
	const char *name;
	int quality;

	if (!cf_rec_is(rec, CF_REC_RESULT))
		return;
	name = cf_rec_str(rec, "analyzer", &len);
	quality = len == 7 && !memcmp(name, "quality", 7);
	if (!quality && !(len == 9 && !memcmp(name, "sentiment", 9)))
		return;
	/* The shape grows (cf-anomaly(1)); results come after every barrier's state. */
	a->schema = 3;
	data = cf_rec_get(rec, "data");
	ticks = data && data->type == MSGPACK_OBJECT_MAP ? cf_obj_get(data, "ticks") : NULL;
	if (!ticks || ticks->type != MSGPACK_OBJECT_ARRAY)
		cf_rec_die(rec, "%.*s: 'data' must be a map with 'ticks', an array", (int)len, name);
	for (uint32_t i = 0; i < ticks->via.array.size; i++) {
		const msgpack_object *t = &ticks->via.array.ptr[i];
		const msgpack_object *tick = t->type == MSGPACK_OBJECT_MAP ? cf_obj_get(t, "tick") : NULL;
		double v;
		if (!tick || tick->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			cf_rec_die(rec, "%.*s: a tick must be a map with 'tick', an unsigned integer",
				   (int)len, name);
		if (quality)
			quality_tick(an, tick->via.u64, t, rec);
		else if (number(cf_obj_get(t, "mean"), &v))
			extra_add(extra_series(an, "sentiment", rec), tick->via.u64, v, rec);
	}
}

static int extra_cmp(const void *a, const void *b)
{
	return strcmp(((const struct extra *)a)->name, ((const struct extra *)b)->name);
}

/* Every series scored: the four own ones (values of all ticks), then the others by name. */
static struct series *all_series(struct anomaly *an, double **own, size_t *nr)
{
	struct series *s = xcalloc(NR_SERIES + an->nr_extra, sizeof(*s));

	*own = xcalloc(NR_SERIES * (an->nr_ticks ? an->nr_ticks : 1), sizeof(double));
	for (int k = 0; k < NR_SERIES; k++) {
		for (size_t i = 0; i < an->nr_ticks; i++)
			(*own)[k * an->nr_ticks + i] = (double)an->ticks[i].v[k];
		s[k].name = series_names[k];
		s[k].v = *own + k * an->nr_ticks;
		s[k].n = an->nr_ticks;
	}
	qsort(an->extra, an->nr_extra, sizeof(*an->extra), extra_cmp);
	for (int k = 0; k < an->nr_extra; k++) {
		s[NR_SERIES + k].name = an->extra[k].name;
		s[NR_SERIES + k].tick = an->extra[k].tick;
		s[NR_SERIES + k].v = an->extra[k].v;
		s[NR_SERIES + k].n = an->extra[k].n;
	}
	*nr = NR_SERIES + an->nr_extra;
	return s;
}

/*
 * Moves each series' position to tick i of the analyzer (n: it has no
 * value there); i ascends from 0, the ticks of every series too.
 */
static void seek_tick(struct series *s, size_t nr, const struct anomaly *an, size_t i)
{
	uint64_t tick = an->ticks[i].tick;

	for (size_t k = 0; k < nr; k++) {
		if (!s[k].tick) {
			s[k].at = i;
			continue;
		}
		if (!i)
			s[k].next = 0;
		while (s[k].next < s[k].n && s[k].tick[s[k].next] < tick)
			s[k].next++;
		s[k].at = s[k].next < s[k].n && s[k].tick[s[k].next] == tick ? s[k].next : s[k].n;
	}
}

struct scored {
	double z;
	int ok;		/* there is a z-score */
	int flagged;
};

static void score_tick(const struct anomaly *an, const struct series *s, size_t nr,
		       struct scored *sc)
{
	for (size_t k = 0; k < nr; k++) {
		sc[k].z = 0;
		sc[k].ok = s[k].at < s[k].n && zscore(s[k].v, s[k].at, an->window, &sc[k].z);
		sc[k].flagged = sc[k].ok && fabs(sc[k].z) > an->threshold;
	}
}

static int any_flagged(const struct scored *sc, size_t nr)
{
	for (size_t k = 0; k < nr; k++)
		if (sc[k].flagged)
			return 1;
	return 0;
}

/* Schema 3: the tick's value of each series read from other results, or nil. */
static void pack_extra_values(msgpack_packer *pk, const struct series *s, size_t nr)
{
	for (size_t k = NR_SERIES; k < nr; k++) {
		cf_pack_str(pk, s[k].name);
		if (s[k].at < s[k].n)
			cf_pack_f64(pk, s[k].v[s[k].at]);
		else
			msgpack_pack_nil(pk);
	}
}

static void pack_flagged(msgpack_packer *pk, const struct series *s, size_t nr,
			 const struct scored *sc)
{
	uint32_t n = 0;

	for (size_t k = 0; k < nr; k++)
		n += sc[k].flagged;
	cf_pack_str(pk, "flagged");
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < nr; k++)
		if (sc[k].flagged)
			cf_pack_str(pk, s[k].name);
}

static void pack_tick(msgpack_packer *pk, const struct anomaly *an, size_t i,
		      const uint32_t *person_index, const struct series *s, size_t nr,
		      const struct scored *sc)
{
	const struct tick_a *t = &an->ticks[i];
	int extra = nr > NR_SERIES;
	double max = 0;

	for (size_t k = 0; k < nr; k++)
		if (sc[k].ok && fabs(sc[k].z) > max)
			max = fabs(sc[k].z);
	msgpack_pack_map(pk, 3 + NR_SERIES + 3 + (extra ? 1 + nr - NR_SERIES : 0));
	cf_pack_kv_bool(pk, "anomaly", any_flagged(sc, nr));
	for (int k = 0; k < NR_SERIES; k++)
		cf_pack_kv_u64(pk, series_names[k], t->v[k]);
	if (extra)
		pack_flagged(pk, s, nr, sc);
	cf_pack_str(pk, "max_abs_z");
	pack_z(pk, 1, max);
	pack_sets(pk, t, person_index);
	pack_extra_values(pk, s, nr);
	cf_pack_kv_u64(pk, "tick", t->tick);
	cf_pack_str(pk, "z");
	msgpack_pack_map(pk, nr);
	for (size_t k = 0; k < nr; k++) {
		cf_pack_str(pk, s[k].name);
		pack_z(pk, sc[k].ok, sc[k].z);
	}
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct anomaly *an = (struct anomaly *)a;
	uint32_t *index, *people = cf_fileset_people(&a->fs, &index);
	double *own;
	size_t nr, nr_anomalies = 0;
	struct series *s = all_series(an, &own, &nr);
	struct scored *sc = xcalloc(nr * (an->nr_ticks ? an->nr_ticks : 1), sizeof(*sc));

	for (size_t i = 0; i < an->nr_ticks; i++) {
		seek_tick(s, nr, an, i);
		score_tick(an, s, nr, sc + i * nr);
		nr_anomalies += any_flagged(sc + i * nr, nr);
	}
	msgpack_pack_map(pk, 8 + (nr > NR_SERIES));
	cf_pack_str(pk, "anomalies");
	msgpack_pack_array(pk, nr_anomalies);
	for (size_t i = 0; i < an->nr_ticks; i++)
		if (any_flagged(sc + i * nr, nr))
			cf_pack_u64(pk, an->ticks[i].tick);
	cf_pack_kv_u64(pk, "commits", a->fs.commits);
	cf_pack_str(pk, "people");
	cf_fileset_pack_people(pk, &a->fs, people);
	if (nr > NR_SERIES) {
		cf_pack_str(pk, "series");
		msgpack_pack_array(pk, nr);
		for (size_t k = 0; k < nr; k++)
			cf_pack_str(pk, s[k].name);
	}
	cf_fs_pack_ticks(pk, &a->fs);
	cf_pack_kv_f64(pk, "threshold", an->threshold);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, an->nr_ticks);
	for (size_t i = 0; i < an->nr_ticks; i++) {
		seek_tick(s, nr, an, i);
		pack_tick(pk, an, i, index, s, nr, sc + i * nr);
	}
	cf_pack_kv_u64(pk, "window", an->window);
	free(sc);
	free(s);
	free(own);
	free(people);
	free(index);
}

/*
 * ---- checkpoints: {ticks: [[tick, churn, files, [language], [author id]]],
 * authors, langs} (the open tick's authors and languages) ----
 */

static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct anomaly *an = (struct anomaly *)a;
	uint32_t nl = 0;

	for (unsigned l = 0; l < cf_lang_count(); l++)
		nl += an->langs[l];
	msgpack_pack_map(pk, 3);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, an->nr_ticks);
	for (size_t i = 0; i < an->nr_ticks; i++) {
		const struct tick_a *t = &an->ticks[i];
		msgpack_pack_array(pk, 1 + NR_SERIES);
		cf_pack_u64(pk, t->tick);
		cf_pack_u64(pk, t->v[S_CHURN]);
		cf_pack_u64(pk, t->v[S_FILES]);
		msgpack_pack_array(pk, t->v[S_LANGUAGES]);
		for (uint64_t k = 0; k < t->v[S_LANGUAGES]; k++)
			cf_pack_str(pk, cf_lang_name(t->lang[k]));
		msgpack_pack_array(pk, t->v[S_AUTHORS]);
		for (uint64_t k = 0; k < t->v[S_AUTHORS]; k++)
			cf_pack_u64(pk, t->who[k]);
	}
	cf_pack_str(pk, "authors");
	msgpack_pack_array(pk, an->nr_authors);
	for (size_t i = 0; i < an->nr_authors; i++)
		cf_pack_u64(pk, an->authors[i]);
	cf_pack_str(pk, "langs");
	msgpack_pack_array(pk, nl);
	for (unsigned l = 0; l < cf_lang_count(); l++)
		if (an->langs[l])
			cf_pack_str(pk, cf_lang_name(l));
}

static unsigned state_lang(const struct cf_state *st, const msgpack_object *o)
{
	size_t len;
	const char *name = cf_state_bytes(st, o, "a language", &len);

	for (unsigned l = 0; l < cf_lang_count(); l++)
		if (strlen(cf_lang_name(l)) == len && !memcmp(cf_lang_name(l), name, len))
			return l;
	cf_state_die(st, "unknown language '%.*s'", (int)(len > 64 ? 64 : len), name);
}

static const msgpack_object *state_list(const struct cf_state *st, const msgpack_object *o,
					uint32_t *n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		cf_state_die(st, "a tick's languages and authors must be arrays");
	*n = o->via.array.size;
	return o->via.array.ptr;
}

static void unpack_tick(struct anomaly *an, const struct cf_state *st, const msgpack_object *e)
{
	struct tick_a *t;
	const msgpack_object *l;
	uint32_t n;

	CF_ALLOC_GROW(an->ticks, an->nr_ticks + 1, an->alloc_ticks);
	t = &an->ticks[an->nr_ticks++];
	memset(t, 0, sizeof(*t));
	t->tick = cf_fs_state_u64(st, &e[0], UINT64_MAX);
	t->v[S_CHURN] = cf_fs_state_u64(st, &e[1], UINT64_MAX / 4);
	t->v[S_FILES] = cf_fs_state_u64(st, &e[2], UINT64_MAX / 4);
	l = state_list(st, &e[3], &n);
	t->lang = xcalloc(n + 1, sizeof(*t->lang));
	t->alloc_lang = n + 1;
	for (t->v[S_LANGUAGES] = 0; t->v[S_LANGUAGES] < n; t->v[S_LANGUAGES]++)
		t->lang[t->v[S_LANGUAGES]] = state_lang(st, &l[t->v[S_LANGUAGES]]);
	l = state_list(st, &e[4], &n);
	t->who = xcalloc(n + 1, sizeof(*t->who));
	t->alloc_who = n + 1;
	for (t->v[S_AUTHORS] = 0; t->v[S_AUTHORS] < n; t->v[S_AUTHORS]++) {
		uint64_t who = cf_fs_state_u64(st, &l[t->v[S_AUTHORS]], UINT32_MAX);
		if (who >= an->a.fs.people.nr)
			cf_state_die(st, "tick %llu names an author who is not there",
				     (unsigned long long)t->tick);
		t->who[t->v[S_AUTHORS]] = who;
	}
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct anomaly *an = (struct anomaly *)a;
	const msgpack_object *v;
	uint32_t n;

	v = cf_state_array(st, o, "ticks", &n);
	for (uint32_t i = 0; i < n; i++) {
		if (v[i].type != MSGPACK_OBJECT_ARRAY || v[i].via.array.size != 1 + NR_SERIES)
			cf_state_die(st, "a tick must be an array of %d", 1 + NR_SERIES);
		unpack_tick(an, st, v[i].via.array.ptr);
	}
	v = cf_state_array(st, o, "authors", &n);
	if (n && !an->nr_ticks)
		cf_state_die(st, "authors without a tick");
	for (uint32_t i = 0; i < n; i++) {
		CF_ALLOC_GROW(an->authors, an->nr_authors + 1, an->alloc_authors);
		an->authors[an->nr_authors++] = cf_fs_state_u64(st, &v[i], UINT32_MAX);
	}
	v = cf_state_array(st, o, "langs", &n);
	for (uint32_t i = 0; i < n; i++)
		an->langs[state_lang(st, &v[i])] = 1;
}

enum { OPT_WINDOW = 256, OPT_THRESHOLD };

static double parse_threshold(const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (!*arg || *end || !(v >= 0.1 && v <= 1000))
		usage_error("--anomaly-threshold: '%s' is not a number from 0.1 to 1000", arg);
	return v;
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "anomaly-window", required_argument, NULL, OPT_WINDOW },
		{ "anomaly-threshold", required_argument, NULL, OPT_THRESHOLD },
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct anomaly an = { 0 };
	int opt;

	an.window = 20;
	an.threshold = 2.0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_WINDOW:
			an.window = cf_opt_uint("--anomaly-window", optarg, 2, 100000);
			break;
		case OPT_THRESHOLD:
			an.threshold = parse_threshold(optarg);
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			if (!cf_fs_option(&an.a, opt, optarg))
				cf_usage_bad(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	an.langs = xcalloc(cf_lang_count(), 1);
	an.a.name = "anomaly";
	an.a.schema = 2;
	an.a.commit = on_commit;
	an.a.change = on_change;
	an.a.record = on_record;
	an.a.pack_state = pack_state;
	an.a.unpack_state = unpack_state;
	an.a.pack_result = pack_result;
	cf_fs_main(&an.a);
	for (size_t i = 0; i < an.nr_ticks; i++) {
		free(an.ticks[i].who);
		free(an.ticks[i].lang);
	}
	for (int i = 0; i < an.nr_extra; i++) {
		free(an.extra[i].tick);
		free(an.extra[i].v);
	}
	free(an.ticks);
	free(an.authors);
	free(an.langs);
	cf_fileset_release(&an.a.fs);
	return 0;
}
