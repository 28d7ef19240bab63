/*
 * The plot pages of the structure-aware analyzers (see plot-int.h):
 * shotness and imports as bars, typos' repeated fixes as bars beside a
 * table of fixes, sentiment and quality as lines over time that break
 * where a tick has no value, anomaly as the churn of each tick with the
 * anomalous ticks marked.  Ticks are dates from the header's t0 and tick
 * size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/report.h"
#include "cf/svg.h"
#include "plot-int.h"

#define FLAG_COLOR "#e15759"
#define LINE_COLOR "#4e79a7"
#define P95_COLOR "#f28e2b"
#define TOP_FIXES 20

static const msgpack_object *array_of(const msgpack_object *map, const char *key)
{
	return cf_doc_get(map, key, MSGPACK_OBJECT_ARRAY);
}

/* The bars' labels and notes, owned here until the chart is drawn. */
struct labels {
	struct cf_buf *name, *note;
	size_t n;
};

static void labels_init(struct labels *l, size_t n)
{
	l->name = xcalloc(n + 1, sizeof(*l->name));
	l->note = xcalloc(n + 1, sizeof(*l->note));
	l->n = n + 1;
	for (size_t i = 0; i < l->n; i++) {
		cf_buf_init(&l->name[i], 0);
		cf_buf_init(&l->note[i], 0);
	}
}

static void labels_release(struct labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		cf_buf_release(&l->name[i]);
		cf_buf_release(&l->note[i]);
	}
	free(l->name);
	free(l->note);
}

static void bar_of(struct pl_hbar *b, struct labels *l, size_t i, double value)
{
	b->name = l->name[i].buf ? l->name[i].buf : "";
	b->len = l->name[i].len;
	b->note = l->note[i].len ? l->note[i].buf : NULL;
	b->value = value;
}

/* ---- shotness ---- */

static size_t unit_slot(const struct pl_hbar *v, size_t n, const msgpack_object *c,
			const char *key)
{
	uint64_t u;

	if (!cf_doc_u64(c, key, &u))
		return n;
	for (size_t k = 0; k < n; k++)
		if (v[k].index == u)
			return k;
	return n;
}

/*
 * Co-changes among the functions changed most (v, ranked, index: the
 * unit), from the couplings reported: their changes on the diagonal.
 */
static void shotness_heatmap(struct cf_buf *out, const msgpack_object *d,
			     const struct pl_hbar *v, size_t n)
{
	const msgpack_object *pairs = array_of(d, "couplings");
	struct pl_name names[PL_HEAT_TOP];
	double *cells;
	size_t pairs_shown = 0;

	n = n > PL_HEAT_TOP ? PL_HEAT_TOP : n;
	cells = xcalloc(n * n + 1, sizeof(double));
	for (size_t k = 0; k < n; k++) {
		names[k].name = v[k].name;
		names[k].len = v[k].len;
		cells[k * n + k] = v[k].value > 0 ? v[k].value : 0;
	}
	for (uint32_t i = 0; pairs && i < pairs->via.array.size; i++) {
		const msgpack_object *c = &pairs->via.array.ptr[i];
		size_t a = unit_slot(v, n, c, "a"), b = unit_slot(v, n, c, "b");
		double co;
		if (a == n || b == n || a == b || !cf_doc_f64(c, "co_changes", &co) || !(co > 0))
			continue;
		cells[a * n + b] = cells[b * n + a] = co;
		pairs_shown++;
	}
	if (pairs_shown) {
		cf_buf_addf(out, "<h3>Co-changes among the %zu functions changed most</h3>\n"
			    "<p class=\"note\">The diagonal is each function's commits; pairs "
			    "beyond the reported couplings are not shown.</p>\n", n);
		pl_heatmap(out, "shotness-heatmap", "co-changes between functions", names, n,
			   cells);
	}
	free(cells);
}

static void plot_shotness(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = {
		"commits", "units", "total_couplings", "skipped_commits", NULL
	};
	static const char *const fmts[] = {
		"%llu commits", ", %llu functions", ", %llu coupled pairs", ", %llu commits skipped"
	};
	const msgpack_object *units = array_of(d, "units");
	size_t n = 0, all = units ? units->via.array.size : 0;
	struct pl_hbar *v = xcalloc(all + 1, sizeof(*v));
	struct labels l;

	(void)h;
	pl_params_line(out, d, keys, fmts);
	labels_init(&l, all);
	for (uint32_t i = 0; i < all; i++) {
		const msgpack_object *u = &units->via.array.ptr[i];
		struct cf_buf file = CF_BUF_INIT;
		double changes;
		if (!cf_doc_str(u, "name", &l.name[n]) || !cf_doc_f64(u, "changes", &changes))
			continue;
		if (cf_doc_str(u, "file", &file)) {
			cf_buf_addstr(&l.name[n], " (");
			cf_buf_add(&l.name[n], file.buf, file.len);
			cf_buf_addch(&l.name[n], ')');
		}
		cf_buf_addf(&l.note[n], "coupled with %llu",
			    (unsigned long long)pl_u64_or(u, "coupled", 0));
		bar_of(&v[n], &l, n, changes);
		v[n++].index = i;
		cf_buf_release(&file);
	}
	qsort(v, n, sizeof(*v), pl_hbar_cmp);
	if (n) {
		cf_buf_addstr(out, "<h3>Hot functions: commits that changed them</h3>\n");
		pl_hbar_chart(out, "shotness", "changes of the functions changed most", v, n,
			      "changes");
		shotness_heatmap(out, d, v, n);
	}
	labels_release(&l);
	free(v);
}

/* ---- imports ---- */

static void plot_imports(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	size_t n;
	struct cf_doc_module *m = cf_doc_import_modules(d, &n);
	struct pl_hbar *v = xcalloc(n + 1, sizeof(*v));
	const msgpack_object *people = array_of(d, "people");
	struct labels l;

	(void)h;
	cf_buf_addf(out, "<p class=\"params\">%u developers, %zu modules</p>\n",
		    people ? people->via.array.size : 0, n);
	labels_init(&l, n);
	for (size_t i = 0; i < n; i++) {
		cf_buf_add(&l.name[i], m[i].module->via.str.ptr, m[i].module->via.str.size);
		cf_buf_addstr(&l.name[i], " (");
		cf_buf_add(&l.name[i], m[i].lang->via.str.ptr, m[i].lang->via.str.size);
		cf_buf_addch(&l.name[i], ')');
		cf_buf_addf(&l.note[i], "%zu developer%s", m[i].people, m[i].people == 1 ? "" : "s");
		bar_of(&v[i], &l, i, m[i].files);
	}
	if (n) {
		cf_buf_addstr(out, "<h3>Top modules: changed files that import them</h3>\n");
		pl_hbar_chart(out, "imports", "files importing the modules imported most", v, n,
			      "files");
	}
	labels_release(&l);
	free(v);
	free(m);
}

/* ---- typos ---- */

static void fix_text(struct cf_buf *out, const msgpack_object *m)
{
	struct cf_buf s = CF_BUF_INIT;

	if (cf_doc_str(m, "wrong", &s))
		cf_buf_add(out, s.buf, s.len);
	cf_buf_addstr(out, " \xe2\x86\x92 ");
	if (cf_doc_str(m, "correct", &s))
		cf_buf_add(out, s.buf, s.len);
	cf_buf_release(&s);
}

static void typos_patterns(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *pats = array_of(d, "patterns");
	size_t n = 0, all = pats ? pats->via.array.size : 0;
	struct pl_hbar *v = xcalloc(all + 1, sizeof(*v));
	struct labels l;

	labels_init(&l, all);
	for (uint32_t i = 0; i < all; i++) {
		double count;
		if (!cf_doc_f64(&pats->via.array.ptr[i], "count", &count))
			continue;
		fix_text(&l.name[n], &pats->via.array.ptr[i]);
		bar_of(&v[n], &l, n, count);
		n++;
	}
	if (n) {
		cf_buf_addstr(out, "<h3>Repeated fixes: the same typo fixed in several places</h3>\n");
		pl_hbar_chart(out, "typos", "fixes made more than once", v, n, "fixes");
	}
	labels_release(&l);
	free(v);
}

static void cell_text(struct cf_buf *out, const msgpack_object *m, const char *key, size_t max)
{
	struct cf_buf s = CF_BUF_INIT;

	if (cf_doc_str(m, key, &s))
		cf_html_text(out, s.buf, s.len < max ? s.len : max);
	cf_buf_release(&s);
}

static void typos_table(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *fixes = array_of(d, "typos");
	size_t n = fixes ? fixes->via.array.size : 0;

	if (!n)
		return;
	cf_buf_addf(out, "<h3>Fixes</h3>\n<table class=\"fields\" data-table=\"typos\" "
		    "data-count=\"%zu\">\n<tr><td>wrong</td><td>correct</td><td>where</td>"
		    "<td>commit</td></tr>\n", n < TOP_FIXES ? n : TOP_FIXES);
	for (size_t i = 0; i < n && i < TOP_FIXES; i++) {
		const msgpack_object *t = &fixes->via.array.ptr[i];
		cf_buf_addstr(out, "<tr><td>");
		cell_text(out, t, "wrong", 200);
		cf_buf_addstr(out, "</td><td>");
		cell_text(out, t, "correct", 200);
		cf_buf_addstr(out, "</td><td>");
		cell_text(out, t, "file", 200);
		cf_buf_addf(out, ":%llu</td><td>", (unsigned long long)pl_u64_or(t, "line", 0));
		cell_text(out, t, "commit", 7);
		cf_buf_addstr(out, "</td></tr>\n");
	}
	cf_buf_addstr(out, "</table>\n");
	if (n > TOP_FIXES)
		cf_buf_addf(out, "<p class=\"note\">The first %d of %zu fixes.</p>\n", TOP_FIXES, n);
}

static void plot_typos(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = {
		"total_typos", "unique_patterns", "affected_files", NULL
	};
	static const char *const fmts[] = {
		"%llu fixes", ", %llu distinct", " in %llu files"
	};

	(void)h;
	pl_params_line(out, d, keys, fmts);
	typos_patterns(out, d);
	typos_table(out, d);
}

/* ---- series over time: sentiment, quality, anomaly ---- */

/*
 * The points of a per-tick series: the x of each tick, its values (up to
 * two series), and where a line breaks (the tick before has no value).
 */
struct points {
	double *x, *y[2];
	uint64_t *tick;
	unsigned char *gap;
	size_t n;
	double lo, hi;		/* of all values */
};

static void points_init(struct points *p, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->x = xcalloc(n + 1, sizeof(double));
	p->y[0] = xcalloc(n + 1, sizeof(double));
	p->y[1] = xcalloc(n + 1, sizeof(double));
	p->tick = xcalloc(n + 1, sizeof(uint64_t));
	p->gap = xcalloc(n + 1, 1);
	p->lo = INFINITY;
	p->hi = -INFINITY;
}

static void points_add(struct points *p, const msgpack_object *h, uint64_t tick,
		       double y0, double y1)
{
	if (p->n && tick <= p->tick[p->n - 1])
		return;		/* ticks ascend; anything else is not drawn */
	p->gap[p->n] = p->n && tick != p->tick[p->n - 1] + 1;
	p->tick[p->n] = tick;
	p->x[p->n] = pl_tick_x(h, tick);
	p->y[0][p->n] = y0;
	p->y[1][p->n] = y1;
	p->lo = fmin(p->lo, fmin(y0, y1));
	p->hi = fmax(p->hi, fmax(y0, y1));
	p->n++;
}

/*
 * The points of the tick maps of ticks: for each, the values k0 and k1 (k1
 * NULL: k0 again) of its map sub (NULL: of the tick map itself).
 */
static void points_of(struct points *p, const msgpack_object *h, const msgpack_object *ticks,
		      const char *sub, const char *k0, const char *k1)
{
	uint32_t all = ticks ? ticks->via.array.size : 0;

	points_init(p, all);
	for (uint32_t i = 0; i < all; i++) {
		const msgpack_object *t = &ticks->via.array.ptr[i];
		const msgpack_object *m = sub ? cf_doc_get(t, sub, MSGPACK_OBJECT_MAP) : t;
		uint64_t tick;
		double y0, y1;
		if (cf_doc_u64(t, "tick", &tick) && cf_doc_f64(m, k0, &y0) &&
		    cf_doc_f64(m, k1 ? k1 : k0, &y1))
			points_add(p, h, tick, y0, y1);
	}
}

static void points_release(struct points *p)
{
	free(p->x);
	free(p->y[0]);
	free(p->y[1]);
	free(p->tick);
	free(p->gap);
}

/*
 * A time chart over the points' ticks, y from lo to hi: to the last tick,
 * or to its end when it has bars (and a single point gets a tick of room).
 */
static void time_chart(struct cf_svg *c, struct cf_buf *out, const msgpack_object *h,
		       const struct points *p, int bars, double lo, double hi)
{
	uint64_t last = p->tick[p->n - 1];

	pl_chart_init(c, out, PL_CHART_W, PL_CHART_H, h);
	c->right = 40;	/* the last date label is centred on the edge */
	c->x0 = p->x[0];
	c->x1 = pl_tick_x(h, bars || p->n == 1 ? last + 1 : last);
	c->y0 = lo;
	c->y1 = hi > lo ? hi : lo + 1;
}

/* The dots of series s, each with its date and value (and a note) as tooltip. */
static void series_dots(struct cf_svg *c, const msgpack_object *h, const struct points *p,
			int s, const char *color, const char *what)
{
	struct cf_buf tip = CF_BUF_INIT;

	for (size_t i = 0; i < p->n; i++) {
		cf_buf_reset(&tip);
		pl_tick_label(&tip, h, p->tick[i]);
		cf_buf_addf(&tip, ": %s %.4g", what, p->y[s][i]);
		cf_svg_dot(c, p->x[i], p->y[s][i], color, tip.buf);
	}
	cf_buf_release(&tip);
}

static void legend(struct cf_buf *out, const char *const *names, const char *const *colors,
		   size_t n)
{
	cf_buf_addstr(out, "<ul class=\"legend\">");
	for (size_t i = 0; i < n; i++)
		cf_buf_addf(out, "<li><i style=\"background:%s\"></i>%s</li>", colors[i], names[i]);
	cf_buf_addstr(out, "</ul>\n");
}

static const char gap_note[] =
	"<p class=\"note\">The line breaks where a tick has no value; each dot is a tick.</p>\n";

static void plot_sentiment(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	const msgpack_object *ticks = array_of(d, "ticks");
	const msgpack_object *agg = cf_doc_get(d, "aggregate", MSGPACK_OBJECT_MAP);
	struct points p;
	struct cf_svg c;
	double mean;

	cf_buf_addf(out, "<p class=\"params\">%llu comments in %llu ticks",
		    (unsigned long long)pl_u64_or(agg, "comments", 0),
		    (unsigned long long)pl_u64_or(agg, "ticks", 0));
	if (cf_doc_f64(agg, "mean", &mean))
		cf_buf_addf(out, ", mean score %.3f", mean);
	cf_buf_addstr(out, "</p>\n");
	points_of(&p, h, ticks, NULL, "mean", NULL);
	if (p.n) {
		cf_buf_addstr(out, "<h3>Sentiment: the mean score of the comments added or "
			      "changed per tick</h3>\n");
		time_chart(&c, out, h, &p, 0, -1, 1);
		cf_svg_begin(&c, "sentiment", 1, "mean sentiment score per tick");
		cf_svg_axes(&c, "mean score");
		cf_svg_rule(&c, 0, "zero");
		cf_svg_line_gaps(&c, p.x, p.y[0], p.gap, p.n, LINE_COLOR, "mean score");
		series_dots(&c, h, &p, 0, LINE_COLOR, "mean score");
		cf_svg_end(&c);
		cf_buf_addstr(out, gap_note);
	}
	points_release(&p);
}

#define QUALITY_METRIC "cyclomatic"

static void plot_quality(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const names[] = { "mean", "p95" };
	static const char *const colors[] = { LINE_COLOR, P95_COLOR };
	const msgpack_object *ticks = array_of(d, "ticks");
	size_t all = ticks ? ticks->via.array.size : 0;
	struct points p;
	struct cf_svg c;

	cf_buf_addf(out, "<p class=\"params\">%llu file changes in %zu ticks</p>\n",
		    (unsigned long long)pl_u64_or(d, "total_files", 0), all);
	points_of(&p, h, ticks, QUALITY_METRIC, "mean", "p95");
	if (p.n) {
		cf_buf_addstr(out, "<h3>Complexity: cyclomatic complexity of the changed files "
			      "per tick, mean and 95th percentile</h3>\n");
		time_chart(&c, out, h, &p, 0, 0, p.hi > 0 ? p.hi * 1.05 : 1);
		cf_svg_begin(&c, "quality", 2, "cyclomatic complexity per tick, mean and p95");
		cf_svg_axes(&c, "cyclomatic complexity");
		for (int s = 0; s < 2; s++) {
			cf_svg_line_gaps(&c, p.x, p.y[s], p.gap, p.n, colors[s], names[s]);
			series_dots(&c, h, &p, s, colors[s], names[s]);
		}
		cf_svg_end(&c);
		legend(out, names, colors, 2);
		cf_buf_addstr(out, gap_note);
	}
	points_release(&p);
}

/* The tooltip of an anomaly bar: date, churn, and the series that stand out. */
static void anomaly_tip(struct cf_buf *tip, const msgpack_object *h, const msgpack_object *t,
			uint64_t tick, double churn)
{
	const msgpack_object *flagged = array_of(t, "flagged");

	cf_buf_reset(tip);
	pl_tick_label(tip, h, tick);
	cf_buf_addf(tip, ": churn %.0f", churn);
	for (uint32_t i = 0; flagged && i < flagged->via.array.size; i++)
		if (flagged->via.array.ptr[i].type == MSGPACK_OBJECT_STR) {
			cf_buf_addstr(tip, i ? ", " : "; anomaly in ");
			cf_buf_add(tip, flagged->via.array.ptr[i].via.str.ptr,
				   flagged->via.array.ptr[i].via.str.size);
		}
}

static int is_anomaly(const msgpack_object *t)
{
	const msgpack_object *a = cf_doc_get(t, "anomaly", MSGPACK_OBJECT_BOOLEAN);
	return a && a->via.boolean;
}

static void anomaly_bars(struct cf_svg *c, const msgpack_object *h, const msgpack_object *ticks,
			 const struct points *p)
{
	struct cf_buf tip = CF_BUF_INIT;
	size_t k = 0;

	for (uint32_t i = 0; i < ticks->via.array.size && k < p->n; i++) {
		const msgpack_object *t = &ticks->via.array.ptr[i];
		uint64_t tick;
		if (!cf_doc_u64(t, "tick", &tick) || tick != p->tick[k])
			continue;
		anomaly_tip(&tip, h, t, tick, p->y[0][k]);
		cf_svg_bar(c, p->x[k], pl_tick_x(h, tick + 1) - p->x[k], 0, p->y[0][k],
			   is_anomaly(t) ? FLAG_COLOR : LINE_COLOR, tip.buf);
		k++;
	}
	cf_buf_release(&tip);
}

static void plot_anomaly(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = { "ticks", "anomalies", "window", NULL };
	static const char *const fmts[] = {
		"%llu ticks with commits", ", %llu anomalous", ", each against the %llu before"
	};
	static const char *const names[] = { "churn", "anomalous tick" };
	static const char *const colors[] = { LINE_COLOR, FLAG_COLOR };
	const msgpack_object *ticks = array_of(d, "ticks");
	struct points p;
	struct cf_svg c;

	pl_params_line(out, d, keys, fmts);
	points_of(&p, h, ticks, NULL, "churn", NULL);
	if (p.n) {
		cf_buf_addstr(out, "<h3>Churn per tick: lines added and removed, anomalous ticks "
			      "marked</h3>\n");
		time_chart(&c, out, h, &p, 1, 0, p.hi > 0 ? p.hi * 1.05 : 1);
		cf_svg_begin(&c, "anomaly", p.n, "churn per tick, anomalous ticks marked");
		cf_svg_axes(&c, "churn");
		anomaly_bars(&c, h, ticks, &p);
		cf_svg_end(&c);
		legend(out, names, colors, 2);
	}
	points_release(&p);
}

int pl_plot_syntax(struct cf_buf *out, const msgpack_object *name, const msgpack_object *d,
		   const msgpack_object *h)
{
	static const struct {
		const char *name;
		void (*plot)(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h);
	} analyzers[] = {
		{ "shotness", plot_shotness }, { "typos", plot_typos },
		{ "sentiment", plot_sentiment }, { "imports", plot_imports },
		{ "quality", plot_quality }, { "anomaly", plot_anomaly },
	};

	int64_t t;

	/* A result's own t0 and tick size (schema 2, and merges) over the stream's */
	if (cf_doc_tick_time(d, 0, &t))
		h = d;
	for (size_t i = 0; i < sizeof(analyzers) / sizeof(*analyzers); i++)
		if (cf_doc_key_is(name, analyzers[i].name)) {
			analyzers[i].plot(out, d, h);
			return 1;
		}
	return 0;
}
