/*
 * cf-quality: how the code people touch measures, tick by tick.  Every file
 * a commit adds, modifies or renames with edits brings the static metrics
 * of its new version (cf-uastdiff's "metrics", as cf-static counts them);
 * per tick, each metric's mean, median, 95th percentile and maximum over
 * those files.  A tick keeps its values, sorted, and the result carries
 * them: cf-reduce merges ticks of several repositories exactly from them.
 * Passes every record through and appends one "quality" result (schema 2,
 * cf-quality(1)).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/record.h"
#include "cf/stats.h"
#include "cf/syntax.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-quality [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a stream with syntax records (after cf-uastdiff), passes it through and\n"
"appends a \"quality\" result: per tick, statistics of the static metrics\n"
"(complexity, Halstead volume, comments, documentation, cohesion) of the files\n"
"changed.\n"
"\n"
"      --state-dir DIR  save the state there at every barrier\n"
"      --resume FILE    start from a saved state\n"
"  -h, --help           show this help\n";

enum { M_CYCLOMATIC, M_COGNITIVE, M_MAX_CYCLOMATIC, M_VOLUME, M_COMMENT_DENSITY,
       M_DOC_COVERAGE, M_COHESION, NR_METRICS };

_Static_assert(NR_METRICS == CF_QUALITY_METRICS, "cf_quality_metrics names every metric");

struct values {
	double *v;
	size_t nr, alloc;
};

struct tick_q {
	uint64_t tick, files;
	struct values vals[NR_METRICS];	/* sorted */
};

struct quality {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t tick;
	struct tick_q *ticks;		/* finished ticks */
	size_t nr_ticks, alloc_ticks;
	int open;			/* the current tick has files */
	uint64_t open_tick, open_files;
	struct values cur[NR_METRICS];	/* the current tick's values */
};

static void finish_tick(struct quality *q)
{
	struct tick_q *t;

	if (!q->open)
		return;
	CF_ALLOC_GROW(q->ticks, q->nr_ticks + 1, q->alloc_ticks);
	t = &q->ticks[q->nr_ticks++];
	memset(t, 0, sizeof(*t));
	t->tick = q->open_tick;
	t->files = q->open_files;
	for (int m = 0; m < NR_METRICS; m++) {
		struct values *vs = &q->cur[m];
		if (vs->nr > 1)
			qsort(vs->v, vs->nr, sizeof(*vs->v), cf_stats_cmp);
		t->vals[m] = *vs;	/* the tick takes the buffer */
		memset(vs, 0, sizeof(*vs));
	}
	q->open = 0;
	q->open_files = 0;
}

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct quality *q = (struct quality *)a;

	q->tick = cf_rec_u64(rec, "tick");
	if (q->open && q->tick < q->open_tick)
		cf_rec_die(rec, "tick %llu after tick %llu", (unsigned long long)q->tick,
			   (unsigned long long)q->open_tick);
	if (q->open && q->tick != q->open_tick)
		finish_tick(q);
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *ch,
		      const struct cf_record *rec)
{
	(void)a;
	(void)ch;
	(void)rec;
}

static void add_value(struct quality *q, int m, double v)
{
	struct values *vs = &q->cur[m];

	CF_ALLOC_GROW(vs->v, vs->nr + 1, vs->alloc);
	vs->v[vs->nr++] = v;
}

static void on_record(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct quality *q = (struct quality *)a;
	const msgpack_object *side, *m;
	double code, comments, funcs, classes;

	if (!cf_rec_is(rec, CF_REC_SYNTAX))
		return;
	side = cf_syntax_side(rec, "new");
	m = side ? cf_obj_get(side, "metrics") : NULL;
	if (!m)
		return;
	if (m->type != MSGPACK_OBJECT_MAP)
		cf_rec_die(rec, "'metrics' must be a map");
	if (!q->open) {
		q->open = 1;
		q->open_tick = q->tick;
	}
	q->open_files++;
	add_value(q, M_CYCLOMATIC, cf_syntax_num(rec, m, "cyclomatic"));
	add_value(q, M_COGNITIVE, cf_syntax_num(rec, m, "cognitive"));
	add_value(q, M_MAX_CYCLOMATIC, cf_syntax_num(rec, m, "max_cyclomatic"));
	add_value(q, M_VOLUME, cf_syntax_num(rec, m, "volume"));
	code = cf_syntax_num(rec, m, "code_lines");
	comments = cf_syntax_num(rec, m, "comment_lines");
	if (code + comments > 0)
		add_value(q, M_COMMENT_DENSITY, comments / (code + comments));
	funcs = cf_syntax_num(rec, m, "functions");
	if (funcs > 0)
		add_value(q, M_DOC_COVERAGE, cf_syntax_num(rec, m, "documented") / funcs);
	classes = cf_syntax_num(rec, m, "classes");
	if (classes > 0)
		add_value(q, M_COHESION, cf_syntax_num(rec, m, "cohesive_classes") / classes);
}

static void pack_tick(msgpack_packer *pk, const struct tick_q *t)
{
	uint32_t present = 0;

	for (int m = 0; m < NR_METRICS; m++)
		present += !!t->vals[m].nr;
	msgpack_pack_map(pk, 2 + present);
	cf_pack_kv_u64(pk, "files", t->files);
	for (int m = 0; m < NR_METRICS; m++) {
		if (!t->vals[m].nr)
			continue;
		cf_pack_str(pk, cf_quality_metrics[m]);
		cf_stats_pack(pk, t->vals[m].v, t->vals[m].nr);
	}
	cf_pack_kv_u64(pk, "tick", t->tick);
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct quality *q = (struct quality *)a;
	uint64_t files = 0;

	finish_tick(q);
	for (size_t i = 0; i < q->nr_ticks; i++)
		files += q->ticks[i].files;
	msgpack_pack_map(pk, 5);
	cf_pack_kv_u64(pk, "commits", a->fs.commits);
	cf_fs_pack_ticks(pk, &a->fs);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, q->nr_ticks);
	for (size_t i = 0; i < q->nr_ticks; i++)
		pack_tick(pk, &q->ticks[i]);
	cf_pack_kv_u64(pk, "total_files", files);
}

/* ---- checkpoints: ticks as [tick, files, values of each metric], the open one's unsorted ---- */

static void pack_tick_state(msgpack_packer *pk, uint64_t tick, uint64_t files,
			    const struct values *vals)
{
	msgpack_pack_array(pk, 2 + NR_METRICS);
	cf_pack_u64(pk, tick);
	cf_pack_u64(pk, files);
	for (int m = 0; m < NR_METRICS; m++) {
		msgpack_pack_array(pk, vals[m].nr);
		for (size_t i = 0; i < vals[m].nr; i++)
			cf_pack_f64(pk, vals[m].v[i]);
	}
}

static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct quality *q = (struct quality *)a;

	msgpack_pack_map(pk, 2);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, q->nr_ticks);
	for (size_t i = 0; i < q->nr_ticks; i++)
		pack_tick_state(pk, q->ticks[i].tick, q->ticks[i].files, q->ticks[i].vals);
	cf_pack_str(pk, "open");
	if (q->open)
		pack_tick_state(pk, q->open_tick, q->open_files, q->cur);
	else
		msgpack_pack_nil(pk);
}

static double state_f64(const struct cf_state *st, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_FLOAT64 && o->type != MSGPACK_OBJECT_FLOAT32)
		cf_state_die(st, "a value must be a float");
	return o->via.f64;
}

static const msgpack_object *state_tuple(const struct cf_state *st, const msgpack_object *o,
					 uint32_t n, const char *what)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != n)
		cf_state_die(st, "%s must be an array of %u", what, n);
	return o->via.array.ptr;
}

/* A tick of the state: its tick and files, and its values read into vals. */
static void unpack_tick(const struct cf_state *st, const msgpack_object *o, uint64_t *tick,
			uint64_t *files, struct values *vals)
{
	const msgpack_object *v = state_tuple(st, o, 2 + NR_METRICS, "a tick");

	*tick = cf_fs_state_u64(st, &v[0], UINT64_MAX);
	*files = cf_fs_state_u64(st, &v[1], UINT64_MAX);
	for (int m = 0; m < NR_METRICS; m++) {
		const msgpack_object *a = &v[2 + m];
		if (a->type != MSGPACK_OBJECT_ARRAY)
			cf_state_die(st, "values must be an array");
		for (uint32_t i = 0; i < a->via.array.size; i++) {
			CF_ALLOC_GROW(vals[m].v, vals[m].nr + 1, vals[m].alloc);
			vals[m].v[vals[m].nr++] = state_f64(st, &a->via.array.ptr[i]);
		}
	}
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct quality *q = (struct quality *)a;
	const msgpack_object *v, *open;
	uint32_t n;

	v = cf_state_array(st, o, "ticks", &n);
	for (uint32_t i = 0; i < n; i++) {
		struct tick_q *t;
		CF_ALLOC_GROW(q->ticks, q->nr_ticks + 1, q->alloc_ticks);
		t = &q->ticks[q->nr_ticks++];
		memset(t, 0, sizeof(*t));
		unpack_tick(st, &v[i], &t->tick, &t->files, t->vals);
		for (int m = 0; m < NR_METRICS; m++)
			for (size_t k = 1; k < t->vals[m].nr; k++)
				if (t->vals[m].v[k - 1] > t->vals[m].v[k])
					cf_state_die(st, "the values of a tick are not sorted");
	}
	open = cf_obj_get(o, "open");
	if (!open || open->type == MSGPACK_OBJECT_NIL)
		return;
	q->open = 1;
	unpack_tick(st, open, &q->open_tick, &q->open_files, q->cur);
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct quality q = { 0 };
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			cf_usage_exit(usage);
		if (!cf_fs_option(&q.a, opt, optarg))
			cf_usage_bad(usage);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	q.a.name = "quality";
	q.a.schema = 2;
	q.a.commit = on_commit;
	q.a.change = on_change;
	q.a.record = on_record;
	q.a.pack_state = pack_state;
	q.a.unpack_state = unpack_state;
	q.a.pack_result = pack_result;
	cf_fs_main(&q.a);
	for (int m = 0; m < NR_METRICS; m++)
		free(q.cur[m].v);
	for (size_t i = 0; i < q.nr_ticks; i++)
		for (int m = 0; m < NR_METRICS; m++)
			free(q.ticks[i].vals[m].v);
	free(q.ticks);
	cf_fileset_release(&q.a.fs);
	return 0;
}
