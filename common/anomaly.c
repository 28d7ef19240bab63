/*
 * The series of other results that cf-anomaly scores, and the schema 3
 * anomaly result (see cf/anomaly.h).  The z-scores are computed exactly as
 * cf-anomaly computes those of its own series: z = (x - mean) / sigma over
 * the previous window values, population sigma, rounded to 4 decimals.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/anomaly.h"
#include "cf/record.h"
#include "cf/writer.h"

#define MAX_EXTRA 16
#define NAME_MAX_LEN 48

const char *const cf_anomaly_own_names[CF_AN_OWN] = { "churn", "files", "languages", "authors" };

/* One series: its values in tick order, and those ticks (NULL: every tick of the result). */
struct series {
	char name[NAME_MAX_LEN];
	uint64_t *tick;
	double *v;
	size_t n, alloc, alloc_v;
	size_t at, next;	/* the position of the tick being packed (n: none), the next */
};

struct cf_xseries {
	struct series s[MAX_EXTRA];
	size_t n;
};

struct cf_xseries *cf_xseries_new(void)
{
	return xcalloc(1, sizeof(struct cf_xseries));
}

void cf_xseries_free(struct cf_xseries *x)
{
	for (size_t i = 0; x && i < x->n; i++) {
		free(x->s[i].tick);
		free(x->s[i].v);
	}
	free(x);
}

size_t cf_xseries_count(const struct cf_xseries *x)
{
	return x ? x->n : 0;
}

static int str_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       !memcmp(o->via.str.ptr, s, n);
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

static struct series *series_named(struct cf_xseries *x, const char *name, const char **why)
{
	for (size_t i = 0; i < x->n; i++)
		if (!strcmp(x->s[i].name, name))
			return &x->s[i];
	if (x->n == MAX_EXTRA) {
		*why = "more than 16 series in the quality and sentiment results";
		return NULL;
	}
	memset(&x->s[x->n], 0, sizeof(x->s[x->n]));
	snprintf(x->s[x->n].name, NAME_MAX_LEN, "%s", name);
	return &x->s[x->n++];
}

static int series_add(struct series *s, uint64_t tick, double v, const char **why)
{
	if (s->n && tick <= s->tick[s->n - 1]) {
		*why = "the ticks of a quality or sentiment result do not ascend";
		return -1;
	}
	CF_ALLOC_GROW(s->tick, s->n + 1, s->alloc);
	CF_ALLOC_GROW(s->v, s->n + 1, s->alloc_v);
	s->tick[s->n] = tick;
	s->v[s->n++] = v;
	return 0;
}

/* One tick map of a quality result: every metric map with a mean is a series. */
static int quality_tick(struct cf_xseries *x, uint64_t tick, const msgpack_object *t,
			const char **why)
{
	char name[NAME_MAX_LEN];
	struct series *s;
	double v;

	for (uint32_t i = 0; i < t->via.map.size; i++) {
		const msgpack_object_kv *kv = &t->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_MAP ||
		    !number(cf_obj_get(&kv->val, "mean"), &v))
			continue;
		if (kv->key.via.str.size > NAME_MAX_LEN - 9 ||
		    memchr(kv->key.via.str.ptr, 0, kv->key.via.str.size)) {
			*why = "a quality metric's name is not a name";
			return -1;
		}
		snprintf(name, sizeof(name), "quality.%.*s", (int)kv->key.via.str.size,
			 kv->key.via.str.ptr);
		if (!(s = series_named(x, name, why)) || series_add(s, tick, v, why) < 0)
			return -1;
	}
	return 0;
}

int cf_xseries_add(struct cf_xseries *x, const char *analyzer, size_t len,
		   const msgpack_object *data, const char **why)
{
	int quality = len == 7 && !memcmp(analyzer, "quality", 7);
	const msgpack_object *ticks;

	if (!quality && !(len == 9 && !memcmp(analyzer, "sentiment", 9)))
		return 0;
	ticks = data && data->type == MSGPACK_OBJECT_MAP ? cf_obj_get(data, "ticks") : NULL;
	if (!ticks || ticks->type != MSGPACK_OBJECT_ARRAY) {
		*why = "'data' must be a map with 'ticks', an array";
		return -1;
	}
	for (uint32_t i = 0; i < ticks->via.array.size; i++) {
		const msgpack_object *t = &ticks->via.array.ptr[i];
		const msgpack_object *tick = t->type == MSGPACK_OBJECT_MAP ? cf_obj_get(t, "tick") : NULL;
		struct series *s;
		double v;
		if (!tick || tick->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
			*why = "a tick must be a map with 'tick', an unsigned integer";
			return -1;
		}
		if (quality && quality_tick(x, tick->via.u64, t, why) < 0)
			return -1;
		if (!quality && number(cf_obj_get(t, "mean"), &v) &&
		    (!(s = series_named(x, "sentiment", why)) ||
		     series_add(s, tick->via.u64, v, why) < 0))
			return -1;
	}
	return 1;
}

/* ---- scoring ---- */

int cf_zscore(cf_series_at at, const void *series, size_t i, uint64_t window, double *z)
{
	size_t from = i > window ? i - window : 0, n = i - from;
	double mean = 0, var = 0, x = at(series, i);

	if (n < 2)
		return 0;
	for (size_t k = from; k < i; k++)
		mean += at(series, k);
	mean /= n;
	for (size_t k = from; k < i; k++)
		var += (at(series, k) - mean) * (at(series, k) - mean);
	var /= n;
	if (var == 0) {
		*z = x == mean ? 0 : x > mean ? INFINITY : -INFINITY;
		return 1;
	}
	*z = (x - mean) / sqrt(var);
	return 1;
}

struct own_series {
	cf_own_at at;
	const void *ticks;
	int s;
};

static double own_at(const void *series, size_t k)
{
	const struct own_series *o = series;

	return (double)o->at(o->ticks, k, o->s);
}

void cf_anomaly_score(cf_own_at at, const void *ticks, size_t i, uint64_t window,
		      double threshold, struct cf_own_z *out)
{
	out->max = 0;
	out->flagged = 0;
	for (int s = 0; s < CF_AN_OWN; s++) {
		struct own_series o = { at, ticks, s };
		out->z[s] = 0;
		out->ok[s] = cf_zscore(own_at, &o, i, window, &out->z[s]);
		if (!out->ok[s])
			continue;
		if (fabs(out->z[s]) > threshold)
			out->flagged = 1;
		if (fabs(out->z[s]) > out->max)
			out->max = fabs(out->z[s]);
	}
}

static double double_at(const void *series, size_t k)
{
	return ((const double *)series)[k];
}

struct scored {
	double z;
	int ok, flagged;
};

/* What is scored: the result's ticks, their own series, the others, their scores. */
struct scoring {
	const msgpack_object *ticks;
	size_t n;			/* ticks */
	uint64_t window;
	double threshold;
	struct series *s;		/* the own ones first */
	size_t nr;
	struct scored *sc;		/* n * nr */
};

static int series_cmp(const void *a, const void *b)
{
	return strcmp(((const struct series *)a)->name, ((const struct series *)b)->name);
}

static uint64_t u64_of(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = map->type == MSGPACK_OBJECT_MAP ? cf_obj_get(map, key) : NULL;
	return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
}

static uint64_t tick_of(const struct scoring *c, size_t i)
{
	return u64_of(&c->ticks->via.array.ptr[i], "tick");
}

/* Moves each other series to tick i of the result (n: no value there); i ascends from 0. */
static void seek(struct scoring *c, size_t i)
{
	uint64_t tick = tick_of(c, i);

	for (size_t k = 0; k < c->nr; k++) {
		struct series *s = &c->s[k];
		if (!s->tick) {
			s->at = i;
			continue;
		}
		if (!i)
			s->next = 0;
		while (s->next < s->n && s->tick[s->next] < tick)
			s->next++;
		s->at = s->next < s->n && s->tick[s->next] == tick ? s->next : s->n;
	}
}

static void score(struct scoring *c, const msgpack_object *data, const struct cf_xseries *x)
{
	const msgpack_object *w = cf_obj_get(data, "window"), *th = cf_obj_get(data, "threshold");

	c->ticks = cf_obj_get(data, "ticks");
	c->n = c->ticks && c->ticks->type == MSGPACK_OBJECT_ARRAY ? c->ticks->via.array.size : 0;
	c->window = w && w->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? w->via.u64 : 20;
	if (!number(th, &c->threshold))
		c->threshold = 2.0;
	c->nr = CF_AN_OWN + cf_xseries_count(x);
	c->s = xcalloc(c->nr, sizeof(*c->s));
	for (int k = 0; k < CF_AN_OWN; k++) {
		snprintf(c->s[k].name, NAME_MAX_LEN, "%s", cf_anomaly_own_names[k]);
		c->s[k].v = xcalloc(c->n + 1, sizeof(double));
		c->s[k].n = c->n;
		for (size_t i = 0; i < c->n; i++)
			c->s[k].v[i] = (double)u64_of(&c->ticks->via.array.ptr[i],
						      cf_anomaly_own_names[k]);
	}
	for (size_t k = CF_AN_OWN; k < c->nr; k++)
		c->s[k] = x->s[k - CF_AN_OWN];	/* borrowed: not freed here */
	qsort(c->s + CF_AN_OWN, c->nr - CF_AN_OWN, sizeof(*c->s), series_cmp);
	c->sc = xcalloc(c->n * c->nr + 1, sizeof(*c->sc));
	for (size_t i = 0; i < c->n; i++) {
		seek(c, i);
		for (size_t k = 0; k < c->nr; k++) {
			struct scored *sc = &c->sc[i * c->nr + k];
			sc->ok = c->s[k].at < c->s[k].n && cf_zscore(double_at, c->s[k].v, c->s[k].at, c->window,
								   &sc->z);
			sc->flagged = sc->ok && fabs(sc->z) > c->threshold;
		}
	}
}

static void scoring_release(struct scoring *c)
{
	for (int k = 0; k < CF_AN_OWN && c->s; k++)
		free(c->s[k].v);
	free(c->s);
	free(c->sc);
}

static int anomalous(const struct scoring *c, size_t i)
{
	for (size_t k = 0; k < c->nr; k++)
		if (c->sc[i * c->nr + k].flagged)
			return 1;
	return 0;
}

/* ---- packing ---- */

void cf_anomaly_pack_z(msgpack_packer *pk, int ok, double z)
{
	if (!ok || isinf(z))
		msgpack_pack_nil(pk);
	else
		cf_pack_f64(pk, round(z * 10000) / 10000);
}

void cf_anomaly_pack_tick_head(msgpack_packer *pk, const uint64_t *v, const struct cf_own_z *z)
{
	cf_pack_kv_bool(pk, "anomaly", z->flagged);
	for (int s = 0; s < CF_AN_OWN; s++)
		cf_pack_kv_u64(pk, cf_anomaly_own_names[s], v[s]);
	cf_pack_str(pk, "max_abs_z");
	cf_anomaly_pack_z(pk, 1, z->max);
}

void cf_anomaly_pack_tick_z(msgpack_packer *pk, const struct cf_own_z *z)
{
	cf_pack_str(pk, "z");
	msgpack_pack_map(pk, CF_AN_OWN);
	for (int s = 0; s < CF_AN_OWN; s++) {
		cf_pack_str(pk, cf_anomaly_own_names[s]);
		cf_anomaly_pack_z(pk, z->ok[s], z->z[s]);
	}
}

/* The keys of a tick that scoring writes again; the others are copied. */
static int rescored_key(const msgpack_object *k)
{
	return str_is(k, "anomaly") || str_is(k, "max_abs_z") || str_is(k, "z") ||
	       str_is(k, "flagged") || str_is(k, "sentiment") ||
	       (k->type == MSGPACK_OBJECT_STR && k->via.str.size > 8 &&
		!memcmp(k->via.str.ptr, "quality.", 8));
}

static void pack_tick(msgpack_packer *pk, const struct scoring *c, size_t i)
{
	const msgpack_object *t = &c->ticks->via.array.ptr[i];
	const struct scored *sc = &c->sc[i * c->nr];
	uint32_t kept = 0, flagged = 0, extra = c->nr > CF_AN_OWN;
	double max = 0;

	for (uint32_t j = 0; t->type == MSGPACK_OBJECT_MAP && j < t->via.map.size; j++)
		kept += !rescored_key(&t->via.map.ptr[j].key);
	for (size_t k = 0; k < c->nr; k++) {
		flagged += sc[k].flagged;
		if (sc[k].ok && fabs(sc[k].z) > max)
			max = fabs(sc[k].z);
	}
	msgpack_pack_map(pk, kept + 3 + (extra ? 1 + c->nr - CF_AN_OWN : 0));
	for (uint32_t j = 0; t->type == MSGPACK_OBJECT_MAP && j < t->via.map.size; j++)
		if (!rescored_key(&t->via.map.ptr[j].key)) {
			msgpack_pack_object(pk, t->via.map.ptr[j].key);
			msgpack_pack_object(pk, t->via.map.ptr[j].val);
		}
	cf_pack_kv_bool(pk, "anomaly", flagged > 0);
	cf_pack_str(pk, "max_abs_z");
	cf_anomaly_pack_z(pk, 1, max);
	if (extra) {
		cf_pack_str(pk, "flagged");
		msgpack_pack_array(pk, flagged);
		for (size_t k = 0; k < c->nr; k++)
			if (sc[k].flagged)
				cf_pack_str(pk, c->s[k].name);
	}
	for (size_t k = CF_AN_OWN; k < c->nr; k++) {
		cf_pack_str(pk, c->s[k].name);
		if (c->s[k].at < c->s[k].n)
			cf_pack_f64(pk, c->s[k].v[c->s[k].at]);
		else
			msgpack_pack_nil(pk);
	}
	cf_pack_str(pk, "z");
	msgpack_pack_map(pk, c->nr);
	for (size_t k = 0; k < c->nr; k++) {
		cf_pack_str(pk, c->s[k].name);
		cf_anomaly_pack_z(pk, sc[k].ok, sc[k].z);
	}
}

static int data_rescored_key(const msgpack_object *k)
{
	return str_is(k, "anomalies") || str_is(k, "ticks") || str_is(k, "series");
}

static void pack_data(msgpack_packer *pk, const msgpack_object *data, const struct cf_xseries *x)
{
	struct scoring c;
	uint32_t kept = 0;
	size_t nr_anomalies = 0;

	memset(&c, 0, sizeof(c));
	score(&c, data, x);
	for (uint32_t j = 0; j < data->via.map.size; j++)
		kept += !data_rescored_key(&data->via.map.ptr[j].key);
	for (size_t i = 0; i < c.n; i++)
		nr_anomalies += anomalous(&c, i);
	msgpack_pack_map(pk, kept + 2 + (c.nr > CF_AN_OWN));
	for (uint32_t j = 0; j < data->via.map.size; j++)
		if (!data_rescored_key(&data->via.map.ptr[j].key)) {
			msgpack_pack_object(pk, data->via.map.ptr[j].key);
			msgpack_pack_object(pk, data->via.map.ptr[j].val);
		}
	cf_pack_str(pk, "anomalies");
	msgpack_pack_array(pk, nr_anomalies);
	for (size_t i = 0; i < c.n; i++)
		if (anomalous(&c, i))
			cf_pack_u64(pk, tick_of(&c, i));
	if (c.nr > CF_AN_OWN) {
		cf_pack_str(pk, "series");
		msgpack_pack_array(pk, c.nr);
		for (size_t k = 0; k < c.nr; k++)
			cf_pack_str(pk, c.s[k].name);
	}
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, c.n);
	for (size_t i = 0; i < c.n; i++) {
		seek(&c, i);
		pack_tick(pk, &c, i);
	}
	scoring_release(&c);
}

void cf_anomaly_pack_scored(msgpack_packer *pk, const msgpack_object *data,
			    const struct cf_xseries *x)
{
	pack_data(pk, data, x);
}

void cf_anomaly_pack_plain(msgpack_packer *pk, const msgpack_object *data)
{
	pack_data(pk, data, NULL);
}

void cf_anomaly_record(struct cf_buf *out, const msgpack_object *record,
		       const struct cf_xseries *x)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int extra = cf_xseries_count(x) > 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, record->via.map.size);
	for (uint32_t j = 0; j < record->via.map.size; j++) {
		const msgpack_object_kv *kv = &record->via.map.ptr[j];
		msgpack_pack_object(&pk, kv->key);
		if (str_is(&kv->key, "schema"))
			cf_pack_u64(&pk, extra ? 3 : 2);
		else if (str_is(&kv->key, "data") && kv->val.type == MSGPACK_OBJECT_MAP)
			pack_data(&pk, &kv->val, extra ? x : NULL);
		else
			msgpack_pack_object(&pk, kv->val);
	}
	cf_buf_add(out, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}
