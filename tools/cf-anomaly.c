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
 * scored the same way over their own ticks (cf/anomaly.h).  Passes every
 * record through and appends one "anomaly" result (schema 2, or 3 with the
 * series of other results, cf-anomaly(1)).
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/anomaly.h"
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

struct tick_a {
	uint64_t tick;
	uint64_t v[CF_AN_OWN];
	uint32_t *who;			/* its authors (v[CF_AN_AUTHORS] of them) */
	unsigned *lang;			/* its language ids (v[CF_AN_LANGUAGES]) */
	size_t alloc_who, alloc_lang;
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
	struct cf_xseries *others;	/* the series of results passing through */
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
	CF_ALLOC_GROW(t->who, t->v[CF_AN_AUTHORS] + 1, t->alloc_who);
	t->who[t->v[CF_AN_AUTHORS]++] = who;
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
	if (add > UINT64_MAX / 4 || del > UINT64_MAX / 4 || t->v[CF_AN_CHURN] > UINT64_MAX / 2)
		cf_rec_die(rec, "line counts overflow");
	t->v[CF_AN_CHURN] += add + del;
	t->v[CF_AN_FILES]++;
	if (!an->langs[lang]) {
		an->langs[lang] = 1;
		CF_ALLOC_GROW(t->lang, t->v[CF_AN_LANGUAGES] + 1, t->alloc_lang);
		t->lang[t->v[CF_AN_LANGUAGES]++] = lang;
	}
}

static uint64_t own_at(const void *ticks, size_t k, int s)
{
	return ((const struct tick_a *)ticks)[k].v[s];
}

static void score(const struct anomaly *an, size_t i, struct cf_own_z *z)
{
	cf_anomaly_score(own_at, an->ticks, i, an->window, an->threshold, z);
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
	uint64_t *who = xcalloc(t->v[CF_AN_AUTHORS] + 1, sizeof(*who));
	const char **lang = xcalloc(t->v[CF_AN_LANGUAGES] + 1, sizeof(*lang));

	for (uint64_t k = 0; k < t->v[CF_AN_AUTHORS]; k++)
		who[k] = person_index[t->who[k]];
	for (uint64_t k = 0; k < t->v[CF_AN_LANGUAGES]; k++)
		lang[k] = cf_lang_name(t->lang[k]);
	qsort(who, t->v[CF_AN_AUTHORS], sizeof(*who), cmp_u64);
	qsort(lang, t->v[CF_AN_LANGUAGES], sizeof(*lang), cmp_str);
	cf_pack_str(pk, "language_names");
	msgpack_pack_array(pk, t->v[CF_AN_LANGUAGES]);
	for (uint64_t k = 0; k < t->v[CF_AN_LANGUAGES]; k++)
		cf_pack_str(pk, lang[k]);
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, t->v[CF_AN_AUTHORS]);
	for (uint64_t k = 0; k < t->v[CF_AN_AUTHORS]; k++)
		cf_pack_u64(pk, who[k]);
	free(who);
	free(lang);
}

static void pack_tick(msgpack_packer *pk, const struct anomaly *an, size_t i,
		      const uint32_t *person_index)
{
	const struct tick_a *t = &an->ticks[i];
	struct cf_own_z z;

	score(an, i, &z);
	msgpack_pack_map(pk, 3 + CF_AN_OWN + 3);
	cf_anomaly_pack_tick_head(pk, t->v, &z);
	pack_sets(pk, t, person_index);
	cf_pack_kv_u64(pk, "tick", t->tick);
	cf_anomaly_pack_tick_z(pk, &z);
}

static int is_anomaly(const struct anomaly *an, size_t i)
{
	struct cf_own_z z;

	score(an, i, &z);
	return z.flagged;
}

static void pack_own(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct anomaly *an = (struct anomaly *)a;
	uint32_t *index, *people = cf_fileset_people(&a->fs, &index);
	size_t nr = 0;

	for (size_t i = 0; i < an->nr_ticks; i++)
		nr += is_anomaly(an, i);
	msgpack_pack_map(pk, 8);
	cf_pack_str(pk, "anomalies");
	msgpack_pack_array(pk, nr);
	for (size_t i = 0; i < an->nr_ticks; i++)
		if (is_anomaly(an, i))
			cf_pack_u64(pk, an->ticks[i].tick);
	cf_pack_kv_u64(pk, "commits", a->fs.commits);
	cf_pack_str(pk, "people");
	cf_fileset_pack_people(pk, &a->fs, people);
	cf_fs_pack_ticks(pk, &a->fs);
	cf_pack_kv_f64(pk, "threshold", an->threshold);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, an->nr_ticks);
	for (size_t i = 0; i < an->nr_ticks; i++)
		pack_tick(pk, an, i, index);
	cf_pack_kv_u64(pk, "window", an->window);
	free(people);
	free(index);
}

/*
 * The result of cf-quality or cf-sentiment, passing through before ours:
 * its per-tick means become series of their own, and the result schema 3.
 * Results come after every barrier, so the states keep schema 2.
 */
static void on_record(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct anomaly *an = (struct anomaly *)a;
	const char *name, *why;
	size_t len;

	if (!cf_rec_is(rec, CF_REC_RESULT))
		return;
	name = cf_rec_str(rec, "analyzer", &len);
	if (cf_xseries_add(an->others, name, len, cf_rec_get(rec, "data"), &why) < 0)
		cf_rec_die(rec, "%.*s: %s", (int)len, name, why);
	if (cf_xseries_count(an->others))
		a->schema = 3;
}

/* Schema 2 as it is, or that scored again with the other series (schema 3). */
static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct anomaly *an = (struct anomaly *)a;
	msgpack_sbuffer sb;
	msgpack_packer own;
	msgpack_unpacked u;

	if (!cf_xseries_count(an->others)) {
		pack_own(pk, a);
		return;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&own, &sb, msgpack_sbuffer_write);
	pack_own(&own, a);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, sb.data, sb.size, NULL) != MSGPACK_UNPACK_SUCCESS)
		BUG("the anomaly result does not decode");
	cf_anomaly_pack_scored(pk, &u.data, an->others);
	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&sb);
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
		msgpack_pack_array(pk, 1 + CF_AN_OWN);
		cf_pack_u64(pk, t->tick);
		cf_pack_u64(pk, t->v[CF_AN_CHURN]);
		cf_pack_u64(pk, t->v[CF_AN_FILES]);
		msgpack_pack_array(pk, t->v[CF_AN_LANGUAGES]);
		for (uint64_t k = 0; k < t->v[CF_AN_LANGUAGES]; k++)
			cf_pack_str(pk, cf_lang_name(t->lang[k]));
		msgpack_pack_array(pk, t->v[CF_AN_AUTHORS]);
		for (uint64_t k = 0; k < t->v[CF_AN_AUTHORS]; k++)
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
	t->v[CF_AN_CHURN] = cf_fs_state_u64(st, &e[1], UINT64_MAX / 4);
	t->v[CF_AN_FILES] = cf_fs_state_u64(st, &e[2], UINT64_MAX / 4);
	l = state_list(st, &e[3], &n);
	t->lang = xcalloc(n + 1, sizeof(*t->lang));
	t->alloc_lang = n + 1;
	for (t->v[CF_AN_LANGUAGES] = 0; t->v[CF_AN_LANGUAGES] < n; t->v[CF_AN_LANGUAGES]++)
		t->lang[t->v[CF_AN_LANGUAGES]] = state_lang(st, &l[t->v[CF_AN_LANGUAGES]]);
	l = state_list(st, &e[4], &n);
	t->who = xcalloc(n + 1, sizeof(*t->who));
	t->alloc_who = n + 1;
	for (t->v[CF_AN_AUTHORS] = 0; t->v[CF_AN_AUTHORS] < n; t->v[CF_AN_AUTHORS]++) {
		uint64_t who = cf_fs_state_u64(st, &l[t->v[CF_AN_AUTHORS]], UINT32_MAX);
		if (who >= an->a.fs.people.nr)
			cf_state_die(st, "tick %llu names an author who is not there",
				     (unsigned long long)t->tick);
		t->who[t->v[CF_AN_AUTHORS]] = who;
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
		if (v[i].type != MSGPACK_OBJECT_ARRAY || v[i].via.array.size != 1 + CF_AN_OWN)
			cf_state_die(st, "a tick must be an array of %d", 1 + CF_AN_OWN);
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
	an.others = cf_xseries_new();
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
	free(an.ticks);
	free(an.authors);
	free(an.langs);
	cf_xseries_free(an.others);
	cf_fileset_release(&an.a.fs);
	return 0;
}
