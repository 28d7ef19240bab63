/*
 * The plot format: the reduced document as one HTML page of inline SVG
 * (see cf/plot.h).  Each analyzer gets a <section>; each chart is one
 * <svg class="chart" data-chart=KIND data-count=N> built with cf/svg.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/plot.h"
#include "cf/report.h"
#include "cf/svg.h"
#include "plot-int.h"

#define CHART_W PL_CHART_W
#define CHART_H PL_CHART_H
#define SMALL_W 470
#define SMALL_H 190
#define MAX_CELLS (1u << 22)	/* a matrix larger than this is not drawn */
#define TOP_PEOPLE 8
#define TOP_BARS PL_TOP_BARS
#define TOP_SMALL 12

static const char css[] =
"body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;"
"margin:0 auto;max-width:1000px;padding:16px}\n"
"h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 4px;border-bottom:1px solid #ddd}"
"h3{font-size:15px;margin:18px 0 4px}\n"
".params{color:#555;margin:2px 0}.note{color:#666;font-size:12px}\n"
"svg.chart{display:block;max-width:100%;height:auto;background:#fff}\n"
"svg.chart text{font-size:11px;fill:#444}svg.chart .axis-title{font-size:12px;fill:#222}\n"
"svg.chart .grid{stroke:#e6e6e6;stroke-width:1}svg.chart .axis{stroke:#888}\n"
"svg.chart .zero{stroke:#555;stroke-dasharray:4 3}\n"
"svg.chart .line{stroke-width:1.5}svg.chart .series:hover,svg.chart .bar:hover,"
"svg.chart .cell:hover{opacity:.75}\n"
".small{display:flex;flex-wrap:wrap;gap:8px}.small figure{margin:0}"
".small figcaption{font-size:12px;color:#333;max-width:470px;overflow:hidden;"
"text-overflow:ellipsis;white-space:nowrap}\n"
"ul.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 14px;"
"font-size:12px}\n"
"ul.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;"
"vertical-align:-2px;border-radius:2px}\n"
"table.fields{border-collapse:collapse;font-size:13px}table.fields td{padding:1px 10px 1px 0}\n";

struct matrix {
	size_t rows, cols;
	double *v;		/* rows * cols, row-major */
};

static double cell(const struct matrix *m, size_t r, size_t c)
{
	return m->v[r * m->cols + c];
}

/* An array of arrays of numbers; a missing or non-number cell reads 0. */
static int read_matrix(const msgpack_object *o, struct matrix *m)
{
	size_t cols = 0;

	memset(m, 0, sizeof(*m));
	if (!o || o->type != MSGPACK_OBJECT_ARRAY || !o->via.array.size)
		return 0;
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *row = &o->via.array.ptr[i];
		if (row->type != MSGPACK_OBJECT_ARRAY)
			return 0;
		if (row->via.array.size > cols)
			cols = row->via.array.size;
	}
	if (!cols || cols > MAX_CELLS / o->via.array.size)
		return 0;
	m->rows = o->via.array.size;
	m->cols = cols;
	m->v = xcalloc(m->rows * cols, sizeof(double));
	for (size_t i = 0; i < m->rows; i++) {
		const msgpack_object *row = &o->via.array.ptr[i];
		for (size_t j = 0; j < row->via.array.size; j++)
			if (!cf_doc_num(&row->via.array.ptr[j], &m->v[i * cols + j]) ||
			    !(m->v[i * cols + j] >= 0))
				m->v[i * cols + j] = 0;
	}
	return 1;
}

static double row_sum(const struct matrix *m, size_t r)
{
	double s = 0;
	for (size_t c = 0; c < m->cols; c++)
		s += cell(m, r, c);
	return s;
}

/* x of a tick: its Unix time when the data has t0 and tick_size, else the tick. */
double pl_tick_x(const msgpack_object *d, uint64_t tick)
{
	int64_t t;
	return cf_doc_tick_time(d, tick, &t) ? (double)t : (double)tick;
}

static int has_time(const msgpack_object *d)
{
	int64_t t;
	return cf_doc_tick_time(d, 0, &t);
}

uint64_t pl_u64_or(const msgpack_object *map, const char *key, uint64_t dflt)
{
	uint64_t v;
	return cf_doc_u64(map, key, &v) ? v : dflt;
}

/* "tick 30" or its date. */
void pl_tick_label(struct cf_buf *out, const msgpack_object *d, uint64_t tick)
{
	int64_t t;
	if (cf_doc_tick_time(d, tick, &t))
		cf_report_date(out, t);
	else
		cf_buf_addf(out, "tick %llu", (unsigned long long)tick);
}

static uint64_t band_first_tick(const msgpack_object *d, size_t b)
{
	const msgpack_object *starts = cf_doc_get(d, "band_start", MSGPACK_OBJECT_ARRAY);
	uint64_t g = pl_u64_or(d, "granularity", 1);

	if (starts && b < starts->via.array.size &&
	    starts->via.array.ptr[b].type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return starts->via.array.ptr[b].via.u64;
	return g && b > UINT64_MAX / g ? UINT64_MAX : b * g;
}

/*
 * The x of each burndown row: the end of its sample, the last one cut at
 * the last commit's tick; xs[0] is tick 0, where no line is alive yet.
 */
static double *row_xs(const msgpack_object *d, size_t rows)
{
	uint64_t s = pl_u64_or(d, "sampling", 1), last = pl_u64_or(d, "last_tick", UINT64_MAX - 1);
	double *xs = xcalloc(rows + 1, sizeof(double));

	if (!s)
		s = 1;
	xs[0] = pl_tick_x(d, 0);
	for (size_t i = 0; i < rows; i++) {
		uint64_t t = i + 1 > UINT64_MAX / s ? UINT64_MAX : (i + 1) * s;
		xs[i + 1] = pl_tick_x(d, t > last + 1 ? last + 1 : t);
	}
	return xs;
}

void pl_chart_init(struct cf_svg *c, struct cf_buf *out, double w, double h,
		       const msgpack_object *d)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->width = w;
	c->height = h;
	c->left = 56;
	c->right = 16;
	c->top = 12;
	c->bottom = 28;
	c->x_time = d && has_time(d);
}

static void band_tip(struct cf_buf *tip, const msgpack_object *d, size_t b, double last)
{
	cf_buf_reset(tip);
	cf_buf_addstr(tip, "lines written from ");
	pl_tick_label(tip, d, band_first_tick(d, b));
	cf_buf_addf(tip, ": %.0f alive at the end", last);
}

static int band_used(const struct matrix *m, size_t b)
{
	for (size_t i = 0; i < m->rows; i++)
		if (cell(m, i, b) > 0)
			return 1;
	return 0;
}

static size_t bands_used(const struct matrix *m)
{
	size_t n = 0;
	for (size_t b = 0; b < m->cols; b++)
		n += band_used(m, b);
	return n;
}

/* The stacked areas of a burndown matrix: band 0 at the bottom, empty bands left out. */
static void burndown_areas(struct cf_svg *c, const msgpack_object *d, const struct matrix *m,
			   const double *xs)
{
	double *lo = xcalloc(m->rows + 1, sizeof(double));
	double *hi = xcalloc(m->rows + 1, sizeof(double));
	struct cf_buf fill = CF_BUF_INIT, tip = CF_BUF_INIT;

	for (size_t b = 0; b < m->cols; b++) {
		if (!band_used(m, b))
			continue;
		for (size_t i = 0; i < m->rows; i++) {
			lo[i + 1] = hi[i + 1];
			hi[i + 1] = lo[i + 1] + cell(m, i, b);
		}
		cf_buf_reset(&fill);
		cf_svg_ramp(&fill, b, m->cols);
		band_tip(&tip, d, b, cell(m, m->rows - 1, b));
		cf_svg_area(c, xs, lo, hi, m->rows + 1, fill.buf, tip.buf);
	}
	cf_buf_release(&fill);
	cf_buf_release(&tip);
	free(lo);
	free(hi);
}

static void burndown_chart(struct cf_buf *out, const char *kind, const msgpack_object *d,
			   const struct matrix *m, double w, double h)
{
	struct cf_svg c;
	double *xs = row_xs(d, m->rows), top = 0;

	for (size_t i = 0; i < m->rows; i++)
		if (row_sum(m, i) > top)
			top = row_sum(m, i);
	pl_chart_init(&c, out, w, h, d);
	c.x0 = xs[0];
	c.x1 = xs[m->rows];
	c.y1 = top > 0 ? top * 1.05 : 1;
	cf_svg_begin(&c, kind, bands_used(m), "lines alive by the period they were written in");
	cf_svg_axes(&c, "lines alive");
	burndown_areas(&c, d, m, xs);
	cf_svg_end(&c);
	free(xs);
}

/* The bands that legends and survival curves show: all, or every k-th of many. */
static size_t band_every(size_t bands)
{
	return bands > 24 ? (bands + 23) / 24 : 1;
}

static void band_legend(struct cf_buf *out, const msgpack_object *d, size_t bands)
{
	size_t every = band_every(bands), shown = 0;

	for (size_t b = 0; b < bands; b += every)
		shown++;
	cf_buf_addf(out, "<ul class=\"legend\" data-legend=\"bands\" data-count=\"%zu\">", shown);
	for (size_t b = 0; b < bands; b += every) {
		cf_buf_addstr(out, "<li><i style=\"background:");
		cf_svg_ramp(out, b, bands);
		cf_buf_addstr(out, "\"></i>");
		pl_tick_label(out, d, band_first_tick(d, b));
		cf_buf_addstr(out, "</li>");
	}
	cf_buf_addstr(out, "</ul>\n");
	if (every > 1)
		cf_buf_addf(out, "<p class=\"note\">%zu bands; every %zu%s labelled.</p>\n",
			    bands, every, every == 2 ? "nd" : every == 3 ? "rd" : "th");
}

/*
 * Survival: for each band, the share of its lines still alive, from the
 * sample where the band had the most lines (its lines are all written by
 * then, or most of them) to the end; the bands of the legend only.
 */
static void survival_chart(struct cf_buf *out, const msgpack_object *d, const struct matrix *m)
{
	double *xs = row_xs(d, m->rows), *ys = xcalloc(m->rows, sizeof(double));
	struct cf_buf col = CF_BUF_INIT, tip = CF_BUF_INIT;
	size_t drawn = 0, every = band_every(m->cols);
	struct cf_svg c;

	for (size_t b = 0; b < m->cols; b += every)
		drawn += band_used(m, b);
	pl_chart_init(&c, out, CHART_W, CHART_H, d);
	c.x0 = xs[0];
	c.x1 = xs[m->rows];
	c.y1 = 1.0;
	c.y_percent = 1;
	cf_svg_begin(&c, "survival", drawn, "share of each band's lines still alive");
	cf_svg_axes(&c, "share alive");
	for (size_t b = 0; b < m->cols; b += every) {
		size_t peak = 0;
		for (size_t i = 1; i < m->rows; i++)
			if (cell(m, i, b) > cell(m, peak, b))
				peak = i;
		if (!(cell(m, peak, b) > 0))
			continue;
		for (size_t i = peak; i < m->rows; i++)
			ys[i] = cell(m, i, b) / cell(m, peak, b);
		cf_buf_reset(&col);
		cf_svg_ramp(&col, b, m->cols);
		band_tip(&tip, d, b, cell(m, m->rows - 1, b));
		cf_buf_addf(&tip, " of %.0f (%.0f%%)", cell(m, peak, b), 100 * ys[m->rows - 1]);
		cf_svg_line(&c, xs + peak + 1, ys + peak, m->rows - peak, col.buf, tip.buf);
	}
	cf_svg_end(&c);
	cf_buf_release(&col);
	cf_buf_release(&tip);
	free(ys);
	free(xs);
}

/*
 * Per-file and per-person burndowns (cf-burndown --burndown-files and
 * --burndown-people): sparse matrices, each row [band, lines, band, lines,
 * ...] for the bands with lines.
 */
static size_t data_bands(const msgpack_object *d)
{
	const msgpack_object *starts = cf_doc_get(d, "band_start", MSGPACK_OBJECT_ARRAY);
	uint64_t b = pl_u64_or(d, "bands", starts ? starts->via.array.size : 0);

	return b > 65536 ? 65536 : (size_t)b;
}

static int read_sparse(const msgpack_object *o, size_t bands, struct matrix *m)
{
	memset(m, 0, sizeof(*m));
	if (!o || o->type != MSGPACK_OBJECT_ARRAY || !o->via.array.size || !bands ||
	    bands > MAX_CELLS / o->via.array.size)
		return 0;
	m->rows = o->via.array.size;
	m->cols = bands;
	m->v = xcalloc(m->rows * bands, sizeof(double));
	for (size_t i = 0; i < m->rows; i++) {
		const msgpack_object *row = &o->via.array.ptr[i];
		for (uint32_t j = 0; row->type == MSGPACK_OBJECT_ARRAY &&
				     j + 1 < row->via.array.size; j += 2) {
			const msgpack_object *b = &row->via.array.ptr[j];
			double v;
			if (b->type == MSGPACK_OBJECT_POSITIVE_INTEGER && b->via.u64 < bands &&
			    cf_doc_num(&row->via.array.ptr[j + 1], &v) && v > 0)
				m->v[i * bands + b->via.u64] += v;
		}
	}
	return 1;
}

struct named {
	const char *name;
	size_t len;
	const msgpack_object *matrix;
	double total;		/* lines of its last row */
};

static double sparse_last_sum(const msgpack_object *mat)
{
	if (!mat || mat->type != MSGPACK_OBJECT_ARRAY || !mat->via.array.size)
		return 0;
	return cf_doc_sparse_sum(&mat->via.array.ptr[mat->via.array.size - 1]);
}

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	c = memcmp(x->name, y->name, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The files of file_burndown, largest first; NULL when there are none. */
static struct named *collect_files(const msgpack_object *d, size_t *n)
{
	const msgpack_object *files = cf_doc_get(d, "file_burndown", MSGPACK_OBJECT_ARRAY);
	struct named *v;

	*n = 0;
	if (!files || !files->via.array.size)
		return NULL;
	v = xcalloc(files->via.array.size, sizeof(*v));
	for (uint32_t i = 0; i < files->via.array.size; i++) {
		const msgpack_object *f = &files->via.array.ptr[i];
		const msgpack_object *path = cf_doc_get(f, "path", MSGPACK_OBJECT_STR);
		const msgpack_object *mat = cf_doc_get(f, "sparse", MSGPACK_OBJECT_ARRAY);
		if (!path || !mat)
			continue;
		v[*n].name = path->via.str.ptr;
		v[*n].len = path->via.str.size;
		v[*n].matrix = mat;
		v[(*n)++].total = sparse_last_sum(mat);
	}
	qsort(v, *n, sizeof(*v), named_cmp);
	return v;
}

/* The people of people_burndown, named from people, largest first. */
static struct named *collect_people(const msgpack_object *d, size_t *n)
{
	const msgpack_object *mats = cf_doc_get(d, "people_burndown", MSGPACK_OBJECT_ARRAY);
	const msgpack_object *people = cf_doc_get(d, "people", MSGPACK_OBJECT_ARRAY);
	static const char unknown[] = "?";
	struct named *v;

	*n = 0;
	if (!mats || !mats->via.array.size)
		return NULL;
	v = xcalloc(mats->via.array.size, sizeof(*v));
	for (uint32_t i = 0; i < mats->via.array.size; i++) {
		const msgpack_object *name = people && i < people->via.array.size ?
			cf_doc_get(&people->via.array.ptr[i], "name", MSGPACK_OBJECT_STR) : NULL;
		if (mats->via.array.ptr[i].type != MSGPACK_OBJECT_ARRAY)
			continue;
		v[*n].name = name ? name->via.str.ptr : unknown;
		v[*n].len = name ? name->via.str.size : 1;
		v[*n].matrix = &mats->via.array.ptr[i];
		v[(*n)++].total = sparse_last_sum(&mats->via.array.ptr[i]);
	}
	qsort(v, *n, sizeof(*v), named_cmp);
	return v;
}

/* Small multiples: the burndown of each of the largest. */
static void named_burndowns(struct cf_buf *out, const msgpack_object *d, const char *kind,
			    const char *what, const struct named *v, size_t n)
{
	size_t shown = n < TOP_SMALL ? n : TOP_SMALL;

	cf_buf_addf(out, "<h3>Burndown by %s</h3>\n<p class=\"note\">The %zu largest of %zu, by "
		    "lines alive at the end.</p>\n<div class=\"small\" data-small=\"%s\" "
		    "data-count=\"%zu\">\n", what, shown, n, kind, shown);
	for (size_t i = 0; i < shown; i++) {
		struct matrix m;
		if (!read_sparse(v[i].matrix, data_bands(d), &m))
			continue;
		cf_buf_addstr(out, "<figure><figcaption>");
		cf_html_text(out, v[i].name, v[i].len);
		cf_buf_addf(out, " \xe2\x80\x94 %.0f lines</figcaption>\n", v[i].total);
		burndown_chart(out, kind, d, &m, SMALL_W, SMALL_H);
		cf_buf_addstr(out, "</figure>\n");
		free(m.v);
	}
	cf_buf_addstr(out, "</div>\n");
}

/* Sums of the rows of each person's matrix: series[p][i], rows long. */
static double *owner_rows(const msgpack_object *d, const struct named *v, size_t n,
			  size_t *rows)
{
	double *sums;

	*rows = 0;
	for (size_t p = 0; p < n; p++)
		if (v[p].matrix->via.array.size > *rows)
			*rows = v[p].matrix->via.array.size;
	if (!*rows || *rows > MAX_CELLS / n)
		return NULL;
	sums = xcalloc(n * *rows, sizeof(double));
	for (size_t p = 0; p < n; p++) {
		struct matrix m;
		if (!read_sparse(v[p].matrix, data_bands(d), &m))
			continue;
		for (size_t i = 0; i < m.rows; i++)
			sums[p * *rows + i] = row_sum(&m, i);
		free(m.v);
	}
	return sums;
}

static void owners_legend(struct cf_buf *out, const struct named *v, size_t n, size_t shown)
{
	size_t series = shown + (n > shown);

	cf_buf_addf(out, "<ul class=\"legend\" data-legend=\"owners\" data-count=\"%zu\">", series);
	for (size_t s = 0; s < series; s++) {
		cf_buf_addstr(out, "<li><i style=\"background:");
		cf_svg_color(out, s);
		cf_buf_addstr(out, "\"></i>");
		if (s < shown)
			cf_html_text(out, v[s].name, v[s].len);
		else
			cf_buf_addf(out, "%zu others", n - shown);
		cf_buf_addstr(out, "</li>");
	}
	cf_buf_addstr(out, "</ul>\n");
}

/* Ownership: the lines alive of each of the largest owners over time, stacked. */
static void ownership_chart(struct cf_buf *out, const msgpack_object *d,
			    const struct named *v, size_t n)
{
	size_t shown = n > TOP_PEOPLE + 1 ? TOP_PEOPLE : n, rows, series = shown + (n > shown);
	double *sums = owner_rows(d, v, n, &rows), *lo, *hi, *xs, top = 0;
	struct cf_buf col = CF_BUF_INIT, tip = CF_BUF_INIT;
	struct cf_svg c;

	if (!sums)
		return;
	lo = xcalloc(rows + 1, sizeof(double));
	hi = xcalloc(rows + 1, sizeof(double));
	for (size_t i = 0; i < rows; i++) {
		double t = 0;
		for (size_t p = 0; p < n; p++)
			t += sums[p * rows + i];
		top = t > top ? t : top;
	}
	xs = row_xs(d, rows);
	pl_chart_init(&c, out, CHART_W, CHART_H, d);
	c.x0 = xs[0];
	c.x1 = xs[rows];
	c.y1 = top > 0 ? top * 1.05 : 1;
	cf_buf_addstr(out, "<h3>Ownership: lines alive by their author</h3>\n");
	cf_svg_begin(&c, "ownership", series, "lines alive by their author");
	cf_svg_axes(&c, "lines alive");
	for (size_t s = 0; s < series; s++) {
		for (size_t i = 0; i < rows; i++) {
			lo[i + 1] = hi[i + 1];
			for (size_t p = s; p < (s < shown ? s + 1 : n); p++)
				hi[i + 1] += sums[p * rows + i];
		}
		cf_buf_reset(&col);
		cf_svg_color(&col, s);
		cf_buf_reset(&tip);
		if (s < shown)
			cf_buf_add(&tip, v[s].name, v[s].len);
		else
			cf_buf_addf(&tip, "%zu others", n - shown);
		cf_buf_addf(&tip, ": %.0f lines at the end", hi[rows] - lo[rows]);
		cf_svg_area(&c, xs, lo, hi, rows + 1, col.buf, tip.buf);
	}
	cf_svg_end(&c);
	owners_legend(out, v, n, shown);
	free(sums);
	free(xs);
	free(lo);
	free(hi);
	cf_buf_release(&col);
	cf_buf_release(&tip);
}

static void burndown_groups(struct cf_buf *out, const msgpack_object *d)
{
	size_t n;
	struct named *v = collect_people(d, &n);

	if (v) {
		ownership_chart(out, d, v, n);
		named_burndowns(out, d, "burndown-people", "developer", v, n);
		free(v);
	}
	v = collect_files(d, &n);
	if (v) {
		named_burndowns(out, d, "burndown-files", "file", v, n);
		free(v);
	}
}

static void burndown_params(struct cf_buf *out, const msgpack_object *d)
{
	uint64_t g, s, size, v;

	cf_buf_addstr(out, "<p class=\"params\">");
	if (cf_doc_u64(d, "granularity", &g))
		cf_buf_addf(out, "bands of %llu ticks, ", (unsigned long long)g);
	if (cf_doc_u64(d, "sampling", &s))
		cf_buf_addf(out, "a sample every %llu ticks, ", (unsigned long long)s);
	if (cf_doc_u64(d, "tick_size", &size) && size)
		cf_buf_addf(out, "a tick is %llu s, ", (unsigned long long)size);
	if (cf_doc_u64(d, "lines", &v))
		cf_buf_addf(out, "%llu lines alive at the end", (unsigned long long)v);
	if (cf_doc_u64(d, "files", &v))
		cf_buf_addf(out, " in %llu files", (unsigned long long)v);
	cf_buf_addstr(out, "</p>\n");
}

static void plot_burndown(struct cf_buf *out, const msgpack_object *d)
{
	struct matrix m;

	burndown_params(out, d);
	if (read_matrix(cf_doc_get(d, "matrix", MSGPACK_OBJECT_ARRAY), &m)) {
		cf_buf_addstr(out, "<h3>Lines alive, by when they were written</h3>\n");
		burndown_chart(out, "burndown", d, &m, CHART_W, CHART_H);
		band_legend(out, d, m.cols);
		cf_buf_addstr(out, "<h3>Survival: the share of each band's lines still alive</h3>\n");
		survival_chart(out, d, &m);
		free(m.v);
	}
	burndown_groups(out, d);
}

/* The bins of the devs series: at most MAX_BINS of `width` ticks from `first`. */
#define MAX_BINS 100

struct bins {
	uint64_t first, width;
	size_t n;
};

static void make_bins(struct bins *b, const msgpack_object *d)
{
	uint64_t first = pl_u64_or(d, "first_tick", 0), last = pl_u64_or(d, "last_tick", 0), span;

	if (last < first)
		last = first;
	span = last - first >= UINT64_MAX - MAX_BINS ? UINT64_MAX - MAX_BINS : last - first + 1;
	b->first = first;
	b->width = (span + MAX_BINS - 1) / MAX_BINS;
	b->n = (size_t)((span + b->width - 1) / b->width);
}

/* Adds a series' column col (1 commits, 2 added, 3 removed) into per-bin sums. */
static void bin_series(const struct bins *b, const msgpack_object *series, int col, double *sums)
{
	if (!series || series->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (uint32_t i = 0; i < series->via.array.size; i++) {
		const msgpack_object *e = &series->via.array.ptr[i];
		double v;
		uint64_t tick;
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size <= (uint32_t)col ||
		    e->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    !cf_doc_num(&e->via.array.ptr[col], &v))
			continue;
		tick = e->via.array.ptr[0].via.u64;
		if (tick < b->first || (tick - b->first) / b->width >= b->n)
			continue;
		sums[(tick - b->first) / b->width] += v;
	}
}

static double bin_x(const msgpack_object *d, const struct bins *b, size_t i)
{
	return pl_tick_x(d, b->first + i * b->width);
}

static void bins_chart(struct cf_svg *c, struct cf_buf *out, const msgpack_object *d,
		       const struct bins *b, double lo, double hi)
{
	pl_chart_init(c, out, CHART_W, CHART_H, d);
	c->x0 = bin_x(d, b, 0);
	c->x1 = bin_x(d, b, b->n);
	c->y0 = lo;
	c->y1 = hi > lo ? hi : lo + 1;
}

static void bin_tip(struct cf_buf *tip, const msgpack_object *d, const struct bins *b, size_t i)
{
	cf_buf_reset(tip);
	pl_tick_label(tip, d, b->first + i * b->width);
	if (b->width > 1) {
		cf_buf_addstr(tip, " to ");
		pl_tick_label(tip, d, b->first + (i + 1) * b->width - 1);
	}
	cf_buf_addstr(tip, ": ");
}

static size_t count_nonzero(const double *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += v[i] != 0;
	return k;
}

/* Commits per bin, stacked by the developers with most commits, then the others. */
static void activity_chart(struct cf_buf *out, const msgpack_object *d, const struct bins *b)
{
	const msgpack_object *people = cf_doc_get(d, "people", MSGPACK_OBJECT_ARRAY);
	size_t np = people ? people->via.array.size : 0, shown = np > TOP_PEOPLE ? TOP_PEOPLE : np;
	double *v = xcalloc((shown + 2) * b->n, sizeof(double)), *base, top = 0;
	struct cf_buf col = CF_BUF_INIT, tip = CF_BUF_INIT, name = CF_BUF_INIT;
	size_t bars = 0;
	struct cf_svg c;

	base = v + (shown + 1) * b->n;
	bin_series(b, cf_doc_get(d, "ticks", MSGPACK_OBJECT_ARRAY), 1, base);	/* all */
	for (size_t p = 0; p < shown; p++)
		bin_series(b, cf_doc_get(&people->via.array.ptr[p], "ticks", MSGPACK_OBJECT_ARRAY),
			   1, v + p * b->n);
	for (size_t i = 0; i < b->n; i++) {
		double rest = base[i];
		for (size_t p = 0; p < shown; p++)
			rest -= v[p * b->n + i];
		v[shown * b->n + i] = rest > 0 ? rest : 0;
		top = base[i] > top ? base[i] : top;
	}
	for (size_t p = 0; p <= shown; p++)
		bars += count_nonzero(v + p * b->n, b->n);
	bins_chart(&c, out, d, b, 0, top * 1.05);
	cf_svg_begin(&c, "activity", bars, "commits over time by developer");
	cf_svg_axes(&c, "commits");
	memset(base, 0, b->n * sizeof(double));
	for (size_t p = 0; p <= shown; p++) {
		cf_buf_reset(&col);
		cf_svg_color(&col, p);
		if (p < shown)
			cf_doc_str(&people->via.array.ptr[p], "name", &name);
		else
			cf_buf_addstr(&name, "others");
		for (size_t i = 0; i < b->n; i++) {
			double y = v[p * b->n + i];
			if (!y)
				continue;
			bin_tip(&tip, d, b, i);
			cf_buf_addf(&tip, "%s, %.0f commit%s", name.buf, y, y == 1 ? "" : "s");
			cf_svg_bar(&c, bin_x(d, b, i), bin_x(d, b, i + 1) - bin_x(d, b, i),
				   base[i], base[i] + y, col.buf, tip.buf);
			base[i] += y;
		}
		cf_buf_reset(&name);
	}
	cf_svg_end(&c);
	cf_buf_addf(out, "<ul class=\"legend\" data-legend=\"developers\" data-count=\"%zu\">",
		    shown + (np > shown));
	for (size_t p = 0; p < shown + (np > shown); p++) {
		cf_buf_addstr(out, "<li><i style=\"background:");
		cf_svg_color(out, p);
		cf_buf_addstr(out, "\"></i>");
		if (p < shown && cf_doc_str(&people->via.array.ptr[p], "name", &name))
			cf_html_text(out, name.buf, name.len);
		else if (p == shown)
			cf_buf_addf(out, "%zu others", np - shown);
		cf_buf_addstr(out, "</li>");
	}
	cf_buf_addstr(out, "</ul>\n");
	cf_buf_release(&col);
	cf_buf_release(&tip);
	cf_buf_release(&name);
	free(v);
}

/* Lines added (up) and removed (down) per bin. */
static void churn_chart(struct cf_buf *out, const msgpack_object *d, const struct bins *b)
{
	const msgpack_object *ticks = cf_doc_get(d, "ticks", MSGPACK_OBJECT_ARRAY);
	double *add = xcalloc(2 * b->n, sizeof(double)), *del = add + b->n, hi = 0, lo = 0;
	struct cf_buf tip = CF_BUF_INIT;
	struct cf_svg c;

	bin_series(b, ticks, 2, add);
	bin_series(b, ticks, 3, del);
	for (size_t i = 0; i < b->n; i++) {
		hi = add[i] > hi ? add[i] : hi;
		lo = -del[i] < lo ? -del[i] : lo;
	}
	bins_chart(&c, out, d, b, lo * 1.05, hi * 1.05);
	cf_svg_begin(&c, "churn", count_nonzero(add, 2 * b->n),
		     "lines added and removed over time");
	cf_svg_axes(&c, "lines added / removed");
	for (size_t i = 0; i < b->n; i++) {
		double x = bin_x(d, b, i), w = bin_x(d, b, i + 1) - x;
		if (add[i]) {
			bin_tip(&tip, d, b, i);
			cf_buf_addf(&tip, "%.0f lines added", add[i]);
			cf_svg_bar(&c, x, w, 0, add[i], "#59a14f", tip.buf);
		}
		if (del[i]) {
			bin_tip(&tip, d, b, i);
			cf_buf_addf(&tip, "%.0f lines removed", del[i]);
			cf_svg_bar(&c, x, w, -del[i], 0, "#e15759", tip.buf);
		}
	}
	cf_svg_end(&c);
	cf_buf_addstr(out, "<ul class=\"legend\"><li><i style=\"background:#59a14f\"></i>added</li>"
		      "<li><i style=\"background:#e15759\"></i>removed</li></ul>\n");
	cf_buf_release(&tip);
	free(add);
}


int pl_hbar_cmp(const void *a, const void *b)
{
	const struct pl_hbar *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->value != y->value)
		return x->value < y->value ? 1 : -1;
	c = memcmp(x->name, y->name, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

void pl_hbar_chart(struct cf_buf *out, const char *kind, const char *label,
		       const struct pl_hbar *v, size_t n, const char *unit)
{
	double total = 0, top = 0, row = 18, lw = 220, w = CHART_W - lw - 90;
	struct cf_buf col = CF_BUF_INIT, tip = CF_BUF_INIT, s = CF_BUF_INIT;
	struct cf_svg c;

	n = n > TOP_BARS ? TOP_BARS : n;
	for (size_t i = 0; i < n; i++) {
		if (v[i].note)
			w = CHART_W - lw - 200;	/* room for the note after the value */
		total += v[i].value;
		top = v[i].value > top ? v[i].value : top;
	}
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.width = CHART_W;
	c.height = row * n + 8;
	cf_svg_begin(&c, kind, n, label);
	for (size_t i = 0; i < n; i++) {
		double y = 4 + row * i, bw = top > 0 ? v[i].value / top * w : 0;
		cf_buf_reset(&s);
		cf_report_fit(&s, v[i].name, v[i].len, 34);
		cf_svg_label(&c, lw - 6, y + 12, "end", s.buf, s.len);
		cf_buf_reset(&col);
		cf_svg_color(&col, i);
		cf_buf_reset(&tip);
		cf_buf_add(&tip, v[i].name, v[i].len);
		cf_buf_addf(&tip, ": %.0f %s", v[i].value, unit);
		cf_svg_rect(&c, "bar", lw, y + 1, bw, row - 3, col.buf, tip.buf);
		cf_buf_reset(&s);
		cf_svg_si(&s, v[i].value);
		if (v[i].note)
			cf_buf_addf(&s, " %s, %s", unit, v[i].note);
		else if (total > 0)
			cf_buf_addf(&s, " (%.1f%%)", 100 * v[i].value / total);
		cf_svg_label(&c, lw + bw + 4, y + 12, "start", s.buf, s.len);
	}
	cf_svg_end(&c);
	cf_buf_release(&col);
	cf_buf_release(&tip);
	cf_buf_release(&s);
}

static void languages_chart(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *langs = cf_doc_get(d, "languages", MSGPACK_OBJECT_MAP);
	struct pl_hbar *v;
	size_t n = 0;

	if (!langs || !langs->via.map.size)
		return;
	v = xcalloc(langs->via.map.size, sizeof(*v));
	for (uint32_t i = 0; i < langs->via.map.size; i++) {
		const msgpack_object_kv *kv = &langs->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_MAP)
			continue;
		v[n].name = kv->key.via.str.ptr;
		v[n].len = kv->key.via.str.size;
		v[n++].value = (double)pl_u64_or(&kv->val, "added", 0) +
			       (double)pl_u64_or(&kv->val, "removed", 0);
	}
	qsort(v, n, sizeof(*v), pl_hbar_cmp);
	cf_buf_addstr(out, "<h3>Languages: lines added and removed</h3>\n");
	pl_hbar_chart(out, "languages", "lines added and removed per language", v, n, "lines");
	free(v);
}

static void people_chart(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *people = cf_doc_get(d, "people", MSGPACK_OBJECT_ARRAY);
	struct pl_hbar *v;
	size_t n = 0;

	if (!people || !people->via.array.size)
		return;
	v = xcalloc(people->via.array.size, sizeof(*v));
	for (uint32_t i = 0; i < people->via.array.size; i++) {
		const msgpack_object *p = &people->via.array.ptr[i];
		const msgpack_object *name = cf_doc_get(p, "name", MSGPACK_OBJECT_STR);
		if (!name)
			continue;
		v[n].name = name->via.str.ptr;
		v[n].len = name->via.str.size;
		v[n++].value = (double)pl_u64_or(p, "commits", 0);
	}
	qsort(v, n, sizeof(*v), pl_hbar_cmp);
	cf_buf_addstr(out, "<h3>Developers: commits</h3>\n");
	pl_hbar_chart(out, "developers", "commits per developer", v, n, "commits");
	free(v);
}

/*
 * A line of parameters: for each key of d that is a number or an array,
 * its format (one %llu) with the number or the array's size.
 */
void pl_params_line(struct cf_buf *out, const msgpack_object *d,
			const char *const *keys, const char *const *fmts)
{
	cf_buf_addstr(out, "<p class=\"params\">");
	for (size_t i = 0; keys[i]; i++) {
		const msgpack_object *a = cf_doc_get(d, keys[i], MSGPACK_OBJECT_ARRAY);
		uint64_t v;
		if (a)
			v = a->via.array.size;
		else if (!cf_doc_u64(d, keys[i], &v))
			continue;
		cf_buf_addf(out, fmts[i], (unsigned long long)v);
	}
	cf_buf_addstr(out, "</p>\n");
}

static void devs_params(struct cf_buf *out, const msgpack_object *d)
{
	static const char *const keys[] = {
		"commits", "contributors", "added", "removed", "bus_factor", NULL
	};
	static const char *const fmts[] = {
		"%llu commits", ", %llu contributors", ", %llu lines added", ", %llu removed",
		", bus factor %llu"
	};

	pl_params_line(out, d, keys, fmts);
}

static void plot_devs(struct cf_buf *out, const msgpack_object *d)
{
	struct bins b;

	devs_params(out, d);
	make_bins(&b, d);
	if (cf_doc_get(d, "ticks", MSGPACK_OBJECT_ARRAY)) {
		cf_buf_addf(out, "<h3>Activity: commits per %llu tick%s</h3>\n",
			    (unsigned long long)b.width, b.width == 1 ? "" : "s");
		activity_chart(out, d, &b);
		cf_buf_addf(out, "<h3>Churn: lines added and removed per %llu tick%s</h3>\n",
			    (unsigned long long)b.width, b.width == 1 ? "" : "s");
		churn_chart(out, d, &b);
	}
	people_chart(out, d);
	languages_chart(out, d);
}

/* The most coupled pairs: co-changes, with the strength beside the bar. */
static void couples_top(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *top = cf_doc_get(d, "top", MSGPACK_OBJECT_ARRAY);
	struct cf_buf *names, *notes;
	struct pl_hbar *v;
	size_t n = 0;

	if (!top || !top->via.array.size)
		return;
	v = xcalloc(top->via.array.size, sizeof(*v));
	names = xcalloc(top->via.array.size, sizeof(*names));
	notes = xcalloc(top->via.array.size, sizeof(*notes));
	for (uint32_t i = 0; i < top->via.array.size && n < TOP_BARS; i++) {
		const msgpack_object *t = &top->via.array.ptr[i];
		const msgpack_object *st = cf_doc_get(t, "strength", MSGPACK_OBJECT_FLOAT64);
		struct cf_buf f1 = CF_BUF_INIT, f2 = CF_BUF_INIT;
		if (!cf_doc_str(t, "file1", &f1) || !cf_doc_str(t, "file2", &f2)) {
			cf_buf_release(&f1);
			cf_buf_release(&f2);
			continue;
		}
		cf_buf_init(&names[n], 0);
		cf_buf_init(&notes[n], 0);
		cf_report_fit(&names[n], f1.buf, f1.len, 16);
		cf_buf_addstr(&names[n], " \xe2\x86\x94 ");
		cf_report_fit(&names[n], f2.buf, f2.len, 16);
		if (st)
			cf_buf_addf(&notes[n], "strength %.2f", st->via.f64);
		v[n].name = names[n].buf;
		v[n].len = names[n].len;
		v[n].note = st ? notes[n].buf : NULL;
		v[n++].value = (double)pl_u64_or(t, "co_changes", 0);
		cf_buf_release(&f1);
		cf_buf_release(&f2);
	}
	cf_buf_addstr(out, "<h3>Most coupled pairs: commits that changed both</h3>\n");
	pl_hbar_chart(out, "couples", "co-changes of the most coupled pairs", v, n, "co-changes");
	for (size_t i = 0; i < n; i++) {
		cf_buf_release(&names[i]);
		cf_buf_release(&notes[i]);
	}
	free(names);
	free(notes);
	free(v);
}

#define HEAT_TOP PL_HEAT_TOP

/* The files of couples with most revisions, at most HEAT_TOP, as indexes. */
static size_t heat_files(const msgpack_object *files, const msgpack_object *revs, uint32_t *idx)
{
	struct pl_hbar *v = xcalloc(files->via.array.size, sizeof(*v));
	size_t n = 0;

	for (uint32_t i = 0; i < files->via.array.size; i++) {
		const msgpack_object *f = &files->via.array.ptr[i];
		if (f->type != MSGPACK_OBJECT_STR)
			continue;
		v[n].name = f->via.str.ptr;
		v[n].len = f->via.str.size;
		v[n].index = i;
		if (!revs || i >= revs->via.array.size ||
		    !cf_doc_num(&revs->via.array.ptr[i], &v[n].value))
			v[n].value = 0;
		n++;
	}
	qsort(v, n, sizeof(*v), pl_hbar_cmp);
	n = n > HEAT_TOP ? HEAT_TOP : n;
	for (size_t k = 0; k < n; k++)
		idx[k] = (uint32_t)v[k].index;
	free(v);
	return n;
}

static size_t heat_slot(const uint32_t *idx, size_t n, uint64_t file)
{
	for (size_t k = 0; k < n; k++)
		if (idx[k] == file)
			return k;
	return n;
}

/* The co-change matrix of those files, both halves, revisions on the diagonal. */
static double *heat_cells(const msgpack_object *d, const uint32_t *idx, size_t n)
{
	const msgpack_object *m = cf_doc_get(d, "matrix", MSGPACK_OBJECT_ARRAY);
	const msgpack_object *revs = cf_doc_get(d, "revisions", MSGPACK_OBJECT_ARRAY);
	double *v = xcalloc(n * n, sizeof(double));

	for (size_t k = 0; k < n; k++)
		if (revs && idx[k] < revs->via.array.size &&
		    (!cf_doc_num(&revs->via.array.ptr[idx[k]], &v[k * n + k]) ||
		     !(v[k * n + k] > 0)))
			v[k * n + k] = 0;
	for (uint32_t e = 0; m && e < m->via.array.size; e++) {
		const msgpack_object *t = &m->via.array.ptr[e];
		size_t a, b;
		double co;
		if (t->type != MSGPACK_OBJECT_ARRAY || t->via.array.size < 3 ||
		    t->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    t->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    !cf_doc_num(&t->via.array.ptr[2], &co) || !(co > 0))
			continue;
		a = heat_slot(idx, n, t->via.array.ptr[0].via.u64);
		b = heat_slot(idx, n, t->via.array.ptr[1].via.u64);
		if (a < n && b < n && a != b)
			v[a * n + b] = v[b * n + a] = co;
	}
	return v;
}

static void heat_fill(struct cf_buf *out, double share)
{
	/* white to a deep blue, by the square root so that small counts show */
	double t = sqrt(share > 1 ? 1 : share);
	cf_buf_addf(out, "rgb(%d,%d,%d)", (int)(240 - 200 * t), (int)(244 - 160 * t),
		    (int)(250 - 90 * t));
}

static void heat_labels(struct cf_svg *c, const struct pl_name *names, size_t n, double lw,
			double cw)
{
	struct cf_buf s = CF_BUF_INIT;

	for (size_t k = 0; k < n; k++) {
		cf_buf_reset(&s);
		cf_buf_addf(&s, "%zu ", k + 1);
		cf_report_fit(&s, names[k].name, names[k].len, 30);
		cf_svg_label(c, lw - 6, 24 + cw * k + cw / 2 + 4, "end", s.buf, s.len);
		cf_buf_reset(&s);
		cf_buf_addf(&s, "%zu", k + 1);
		cf_svg_label(c, lw + cw * k + cw / 2, 16, "middle", s.buf, s.len);
	}
	cf_buf_release(&s);
}

void pl_heatmap(struct cf_buf *out, const char *kind, const char *label,
		const struct pl_name *names, size_t n, const double *v)
{
	double top = 0, lw = 260, cw = 26;
	struct cf_buf col = CF_BUF_INIT, tip = CF_BUF_INIT;
	struct cf_svg c;

	for (size_t k = 0; k < n * n; k++)
		top = v[k] > top ? v[k] : top;
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.width = lw + cw * n + 16;
	c.height = 24 + cw * n + 8;
	cf_svg_begin(&c, kind, count_nonzero(v, n * n), label);
	heat_labels(&c, names, n, lw, cw);
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			if (!v[a * n + b])
				continue;
			cf_buf_reset(&col);
			heat_fill(&col, top > 0 ? v[a * n + b] / top : 0);
			cf_buf_reset(&tip);
			cf_buf_add(&tip, names[a].name, names[a].len);
			if (a != b) {
				cf_buf_addstr(&tip, " and ");
				cf_buf_add(&tip, names[b].name, names[b].len);
			}
			cf_buf_addf(&tip, ": %.0f commit%s", v[a * n + b],
				    v[a * n + b] == 1 ? "" : "s");
			cf_svg_rect(&c, "cell", lw + cw * b + 1, 24 + cw * a + 1, cw - 2, cw - 2,
				    col.buf, tip.buf);
		}
	cf_svg_end(&c);
	cf_buf_release(&col);
	cf_buf_release(&tip);
}

/* The heatmap of co-changes among the files changed most often. */
static void couples_heatmap(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *files = cf_doc_get(d, "files", MSGPACK_OBJECT_ARRAY);
	uint32_t idx[HEAT_TOP];
	struct pl_name names[HEAT_TOP];
	double *v;
	size_t n;

	if (!files || !(n = heat_files(files, cf_doc_get(d, "revisions", MSGPACK_OBJECT_ARRAY),
					 idx)))
		return;
	v = heat_cells(d, idx, n);
	for (size_t k = 0; k < n; k++) {
		names[k].name = files->via.array.ptr[idx[k]].via.str.ptr;
		names[k].len = files->via.array.ptr[idx[k]].via.str.size;
	}
	cf_buf_addf(out, "<h3>Co-changes among the %zu files changed most often</h3>\n"
		    "<p class=\"note\">The diagonal is each file's commits.</p>\n", n);
	pl_heatmap(out, "couples-heatmap", "co-changes between files", names, n, v);
	free(v);
}

static void plot_couples(struct cf_buf *out, const msgpack_object *d)
{
	static const char *const keys[] = {
		"commits", "skipped_commits", "max_changes", "files", "matrix", NULL
	};
	static const char *const fmts[] = {
		"%llu commits", ", %llu skipped", " (more than %llu files)", ", %llu files",
		", %llu coupled pairs"
	};

	pl_params_line(out, d, keys, fmts);
	couples_top(out, d);
	couples_heatmap(out, d);
}

/* Hotspots: the files with most commits, their churn beside the bar. */
static void plot_file_history(struct cf_buf *out, const msgpack_object *d)
{
	static const char *const keys[] = { "commits", "files", NULL };
	static const char *const fmts[] = { "%llu commits", ", %llu files" };
	const msgpack_object *hot = cf_doc_get(d, "hotspots", MSGPACK_OBJECT_ARRAY);
	struct cf_buf *notes;
	struct pl_hbar *v;
	size_t n = 0;

	pl_params_line(out, d, keys, fmts);
	if (!hot || !hot->via.array.size)
		return;
	v = xcalloc(hot->via.array.size, sizeof(*v));
	notes = xcalloc(hot->via.array.size, sizeof(*notes));
	for (uint32_t i = 0; i < hot->via.array.size && n < TOP_BARS; i++) {
		const msgpack_object *h = &hot->via.array.ptr[i];
		const msgpack_object *path = cf_doc_get(h, "path", MSGPACK_OBJECT_STR);
		if (!path)
			continue;
		cf_buf_init(&notes[n], 0);
		cf_buf_addf(&notes[n], "churn %llu", (unsigned long long)pl_u64_or(h, "churn", 0));
		v[n].name = path->via.str.ptr;
		v[n].len = path->via.str.size;
		v[n].note = notes[n].buf;
		v[n++].value = (double)pl_u64_or(h, "commits", 0);
	}
	cf_buf_addstr(out, "<h3>Hotspots: the files changed in most commits</h3>\n");
	pl_hbar_chart(out, "hotspots", "commits per file, with its churn", v, n, "commits");
	for (size_t i = 0; i < n; i++)
		cf_buf_release(&notes[i]);
	free(notes);
	free(v);
}

/* An analyzer without charts: its scalar fields, and the size of the others. */
static void plot_fields(struct cf_buf *out, const msgpack_object *d)
{
	cf_buf_addstr(out, "<table class=\"fields\">\n");
	for (uint32_t i = 0; i < d->via.map.size; i++) {
		const msgpack_object_kv *kv = &d->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			continue;
		cf_buf_addstr(out, "<tr><td>");
		cf_html_text(out, kv->key.via.str.ptr, kv->key.via.str.size);
		cf_buf_addstr(out, "</td><td>");
		if (kv->val.type == MSGPACK_OBJECT_STR)
			cf_html_text(out, kv->val.via.str.ptr,
				     kv->val.via.str.size > 200 ? 200 : kv->val.via.str.size);
		else if (kv->val.type == MSGPACK_OBJECT_ARRAY)
			cf_buf_addf(out, "%u items", kv->val.via.array.size);
		else if (kv->val.type == MSGPACK_OBJECT_MAP)
			cf_buf_addf(out, "%u entries", kv->val.via.map.size);
		else if (kv->val.type == MSGPACK_OBJECT_BOOLEAN)
			cf_buf_addstr(out, kv->val.via.boolean ? "true" : "false");
		else if (kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			cf_buf_addf(out, "%llu", (unsigned long long)kv->val.via.u64);
		else if (kv->val.type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			cf_buf_addf(out, "%lld", (long long)kv->val.via.i64);
		else if (kv->val.type == MSGPACK_OBJECT_FLOAT32 ||
			 kv->val.type == MSGPACK_OBJECT_FLOAT64)
			cf_buf_addf(out, "%.6g", kv->val.via.f64);
		cf_buf_addstr(out, "</td></tr>\n");
	}
	cf_buf_addstr(out, "</table>\n");
}

/* The title: the repository (its work tree when repo is a .git directory). */
static void page_title(struct cf_buf *out, const msgpack_object *h)
{
	struct cf_buf repo = CF_BUF_INIT;

	if (cf_doc_str(h, "repository", &repo)) {
		if (repo.len > 5 && !strcmp(repo.buf + repo.len - 5, "/.git"))
			cf_buf_setlen(&repo, repo.len - 5);
	} else if (!cf_doc_str(h, "paths", &repo)) {
		cf_buf_addstr(&repo, "a stream without a repository");
	}
	cf_buf_addstr(out, "<title>Codefang: ");
	cf_html_text(out, repo.buf, repo.len);
	cf_buf_addf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>Codefang: ", css);
	cf_html_text(out, repo.buf, repo.len);
	cf_buf_addstr(out, "</h1>\n");
	cf_buf_release(&repo);
}

static void page_params(struct cf_buf *out, const msgpack_object *h)
{
	const msgpack_object *head = cf_doc_get(h, "head", MSGPACK_OBJECT_BIN);
	const msgpack_object *fp = cf_doc_get(h, "first_parent", MSGPACK_OBJECT_BOOLEAN);
	struct cf_buf s = CF_BUF_INIT;
	uint64_t v, size;
	int64_t t0;

	cf_buf_addstr(out, "<p class=\"params\">");
	if (cf_doc_str(h, "range", &s))
		cf_html_text(out, s.buf, s.len);
	if (head) {
		cf_buf_addstr(out, " at ");
		for (uint32_t i = 0; i < head->via.bin.size && i < 6; i++)
			cf_buf_addf(out, "%02x", (unsigned char)head->via.bin.ptr[i]);
	}
	if (fp)
		cf_buf_addstr(out, fp->via.boolean ? ", first parents" : ", full history");
	if (cf_doc_u64(h, "commits", &v))
		cf_buf_addf(out, ", %llu commit%s", (unsigned long long)v, v == 1 ? "" : "s");
	if (cf_doc_u64(h, "tick_size", &size) && size)
		cf_buf_addf(out, ", a tick is %llu hours", (unsigned long long)(size / 3600));
	if (cf_doc_i64(h, "t0", &t0)) {
		cf_buf_addstr(out, ", from ");
		cf_report_date(out, t0);
	}
	cf_buf_addstr(out, "</p>\n");
	cf_buf_release(&s);
}

void cf_plot_html(struct cf_buf *out, const msgpack_object *doc)
{
	const msgpack_object *h = doc->type == MSGPACK_OBJECT_MAP ?
				  cf_doc_get(doc, "codefang", MSGPACK_OBJECT_MAP) : NULL;

	cf_buf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	page_title(out, h);
	page_params(out, h);
	for (uint32_t i = 0; doc->type == MSGPACK_OBJECT_MAP && i < doc->via.map.size; i++) {
		const msgpack_object *k = &doc->via.map.ptr[i].key, *v = &doc->via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR || cf_doc_key_is(k, "codefang") ||
		    v->type != MSGPACK_OBJECT_MAP)
			continue;
		cf_buf_addstr(out, "<section class=\"analyzer\" data-analyzer=\"");
		cf_html_text(out, k->via.str.ptr, k->via.str.size);
		cf_buf_addstr(out, "\">\n<h2>");
		cf_html_text(out, k->via.str.ptr, k->via.str.size);
		cf_buf_addstr(out, "</h2>\n");
		if (cf_doc_key_is(k, "burndown"))
			plot_burndown(out, v);
		else if (cf_doc_key_is(k, "devs"))
			plot_devs(out, v);
		else if (cf_doc_key_is(k, "couples"))
			plot_couples(out, v);
		else if (cf_doc_key_is(k, "file-history"))
			plot_file_history(out, v);
		else if (cf_doc_key_is(k, "static"))
			pl_plot_static(out, v);
		else if (!pl_plot_syntax(out, k, v, h))
			plot_fields(out, v);
		cf_buf_addstr(out, "</section>\n");
	}
	cf_buf_addstr(out, "<p class=\"note\">Made by cf-reduce -f plot. Hover over a mark for "
		      "its numbers.</p>\n</body>\n</html>\n");
}
