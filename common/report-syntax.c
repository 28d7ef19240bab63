/*
 * The text of the structure-aware analyzers' results (see cf/report.h):
 * shotness, typos, sentiment, imports, quality and anomaly.  Each table is
 * laid out in fixed columns that add up to at most 100; names and paths are
 * fitted into their column (paths keep their end).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/report.h"
#include "report-int.h"

#define TOP 20
#define TOP_TICKS 40	/* per-tick tables show the latest ticks */
#define TOP_LOW 5	/* most negative ticks and comments */

static const msgpack_object *array_of(const msgpack_object *map, const char *key)
{
	return cf_doc_get(map, key, MSGPACK_OBJECT_ARRAY);
}

static size_t array_size(const msgpack_object *a)
{
	return a ? a->via.array.size : 0;
}

static double num_or(const msgpack_object *map, const char *key, double dflt)
{
	double v;
	return cf_doc_f64(map, key, &v) ? v : dflt;
}

/* A tick as a date (the header's t0 and tick size), else "tick N". */
static size_t tick_text(struct cf_buf *out, const msgpack_object *h, uint64_t tick)
{
	size_t start = out->len;
	int64_t t;

	if (cf_doc_tick_time(h, tick, &t))
		cf_report_date(out, t);
	else
		cf_buf_addf(out, "tick %llu", (unsigned long long)tick);
	return out->len - start;
}

/* The tick of map m in width columns, left-aligned; blank when it has none. */
static void tick_cell(struct cf_buf *out, const msgpack_object *h, const msgpack_object *m,
		      size_t width)
{
	uint64_t tick;
	size_t cols = cf_doc_u64(m, "tick", &tick) ? tick_text(out, h, tick) : 0;

	rp_pad_to(out, cols, width);
}

/*
 * A number right-aligned in width columns with prec decimals; one too wide
 * for its column is shown in thousands, millions, ... (1.5M), and past
 * those in exponent form (2e+21).
 */
static void fit_number(struct cf_buf *out, double v, int width, int prec)
{
	static const char units[] = "kMGTPE";
	char s[400];
	int n = snprintf(s, sizeof(s), "%.*f", prec, v);

	for (int u = 0; n > width && u < 6; u++)
		if (fabs(v) / pow(1000, u + 1) < 999.95 || u == 5)
			n = snprintf(s, sizeof(s), "%.1f%c", v / pow(1000, u + 1), units[u]);
	if (n > width)
		n = snprintf(s, sizeof(s), "%.0e", v);
	cf_buf_addf(out, "%*s", width, s);
}

/* The number key of m in a cell (fit_number), blank when absent. */
static void num_cell(struct cf_buf *out, const msgpack_object *m, const char *key, int width,
		     int prec)
{
	double v;

	if (cf_doc_f64(m, key, &v))
		fit_number(out, v, width, prec);
	else
		cf_buf_addf(out, "%*s", width, "");
}

/* Ends the line that starts at start, cut to 100 columns first. */
static void end_fitted(struct cf_buf *out, size_t start)
{
	char *line = xmemdupz(out->buf + start, out->len - start);
	size_t len = out->len - start;

	cf_buf_setlen(out, start);
	cf_report_fit(out, line, len, 100);
	rp_end_row(out);
	free(line);
}

/*
 * "  label N, label N": for each key, a number or the size of an array;
 * keys that d lacks are left out.
 */
static void totals(struct cf_buf *out, const msgpack_object *d, const char *const *keys,
		   const char *const *labels)
{
	size_t start = out->len;
	int any = 0;

	cf_buf_addstr(out, "  ");
	for (int i = 0; keys[i]; i++) {
		const msgpack_object *a = array_of(d, keys[i]);
		double v;
		if (a)
			v = a->via.array.size;
		else if (!cf_doc_f64(d, keys[i], &v))
			continue;
		cf_buf_addf(out, "%s%s %.*f", any ? ", " : "", labels[i], v == floor(v) ? 0 : 3, v);
		any = 1;
	}
	if (any)
		end_fitted(out, start);
	else
		cf_buf_setlen(out, start);
}

/*
 * The maps of an array ranked by a number field times sign (1: most first,
 * -1: least first), ties by position; n maps kept.
 */
static struct rp_rank *rank_by(const msgpack_object *arr, const char *key, double sign,
			       size_t *n)
{
	struct rp_rank *r = xcalloc(array_size(arr) + 1, sizeof(*r));

	*n = 0;
	for (uint32_t i = 0; i < array_size(arr); i++) {
		const msgpack_object *e = &arr->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_MAP)
			continue;
		r[*n].pos = i;
		r[(*n)++].key = sign * num_or(e, key, 0);
	}
	qsort(r, *n, sizeof(*r), rp_rank_cmp);
	return r;
}

/* ---- shotness ---- */

static const msgpack_object *unit_at(const msgpack_object *units, const msgpack_object *m,
				     const char *key)
{
	uint64_t i;

	if (!cf_doc_u64(m, key, &i) || i >= array_size(units))
		return NULL;
	return &units->via.array.ptr[i];
}

/* "file:name" of a unit, in width columns, keeping the end (the name). */
static void unit_cell(struct cf_buf *out, const msgpack_object *u, size_t width, int pad)
{
	struct cf_buf s = CF_BUF_INIT, name = CF_BUF_INIT;
	size_t cols;

	if (cf_doc_str(u, "file", &s))
		cf_buf_addch(&s, ':');
	if (cf_doc_str(u, "name", &name))
		cf_buf_add(&s, name.buf, name.len);
	else
		cf_buf_addch(&s, '?');
	cols = cf_report_fit_tail(out, s.buf, s.len, width);
	if (pad)
		rp_pad_to(out, cols, width);
	cf_buf_release(&s);
	cf_buf_release(&name);
}

static void shotness_units(struct cf_buf *out, const msgpack_object *units)
{
	size_t n = 0;
	struct rp_rank *r = rank_by(units, "changes", 1, &n);

	if (!n) {
		free(r);
		return;
	}
	cf_buf_addf(out, "\n  hot functions\n  %4s  %7s  %7s  %7s  %-8s  %s\n",
		    "#", "changes", "coupled", "hotness", "kind", "file:name");
	for (size_t i = 0; i < n && i < TOP; i++) {
		const msgpack_object *u = &units->via.array.ptr[r[i].pos];
		cf_buf_addf(out, "  %4zu  ", i + 1);
		num_cell(out, u, "changes", 7, 0);
		cf_buf_addstr(out, "  ");
		num_cell(out, u, "coupled", 7, 0);
		cf_buf_addstr(out, "  ");
		num_cell(out, u, "hotness", 7, 3);
		cf_buf_addstr(out, "  ");
		rp_fit_field(out, u, "kind", 8, 1);
		cf_buf_addstr(out, "  ");
		unit_cell(out, u, 55, 0);
		rp_end_row(out);
	}
	rp_more_line(out, n, TOP);
	free(r);
}

static void shotness_pairs(struct cf_buf *out, const msgpack_object *units,
			   const msgpack_object *pairs)
{
	size_t shown = 0;

	if (!array_size(pairs))
		return;
	cf_buf_addf(out, "\n  most coupled pairs\n  %4s  %10s  %8s  %-34s  %s\n",
		    "#", "co-changes", "strength", "function a", "function b");
	for (uint32_t i = 0; i < array_size(pairs) && shown < TOP; i++) {
		const msgpack_object *c = &pairs->via.array.ptr[i];
		const msgpack_object *a = unit_at(units, c, "a"), *b = unit_at(units, c, "b");
		if (!a || !b)
			continue;
		cf_buf_addf(out, "  %4zu  ", ++shown);
		num_cell(out, c, "co_changes", 10, 0);
		cf_buf_addstr(out, "  ");
		num_cell(out, c, "strength", 8, 3);
		cf_buf_addstr(out, "  ");
		unit_cell(out, a, 34, 1);
		cf_buf_addstr(out, "  ");
		unit_cell(out, b, 34, 0);
		rp_end_row(out);
	}
	rp_more_line(out, array_size(pairs), shown);
}

static void text_shotness(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = {
		"commits", "units", "total_couplings", "skipped_commits", "max_units", NULL
	};
	static const char *const labels[] = {
		"commits", "units", "coupled pairs", "skipped commits", "max units", NULL
	};
	const msgpack_object *units = array_of(d, "units");

	(void)h;
	totals(out, d, keys, labels);
	shotness_units(out, units);
	shotness_pairs(out, units, array_of(d, "couplings"));
}

/* ---- typos ---- */

/* "wrong -> correct", each in width columns. */
static void fix_cells(struct cf_buf *out, const msgpack_object *m, size_t width)
{
	rp_fit_field(out, m, "wrong", width, 1);
	cf_buf_addstr(out, " -> ");
	rp_fit_field(out, m, "correct", width, 1);
}

/* "path:line" in width columns: the line number whole, the path fitted before it. */
static void where_cell(struct cf_buf *out, const msgpack_object *m, size_t width)
{
	const msgpack_object *p = cf_doc_get(m, "file", MSGPACK_OBJECT_STR);
	char line[24] = "";
	uint64_t l;
	size_t n, cols = 0;

	if (cf_doc_u64(m, "line", &l))
		snprintf(line, sizeof(line), ":%llu", (unsigned long long)l);
	n = strlen(line);
	if (p)
		cols = cf_report_fit_tail(out, p->via.str.ptr, p->via.str.size, width - n);
	cf_buf_addstr(out, line);
	rp_pad_to(out, cols + n, width);
}

static void typos_fixes(struct cf_buf *out, const msgpack_object *typos)
{
	size_t n = array_size(typos);

	if (!n)
		return;
	cf_buf_addf(out, "\n  fixes\n  %4s  %-22s    %-22s  %-28s  %s\n",
		    "#", "wrong", "correct", "where", "commit");
	for (size_t i = 0; i < n && i < TOP; i++) {
		const msgpack_object *t = &typos->via.array.ptr[i];
		const msgpack_object *c = cf_doc_get(t, "commit", MSGPACK_OBJECT_STR);
		cf_buf_addf(out, "  %4zu  ", i + 1);
		fix_cells(out, t, 22);
		cf_buf_addstr(out, "  ");
		where_cell(out, t, 28);
		cf_buf_addstr(out, "  ");
		if (c)	/* a short id, as git shows it */
			cf_report_fit(out, c->via.str.ptr, c->via.str.size < 7 ? c->via.str.size : 7, 7);
		rp_end_row(out);
	}
	rp_more_line(out, n, TOP);
}

static void typos_patterns(struct cf_buf *out, const msgpack_object *patterns)
{
	size_t n = array_size(patterns);

	if (!n)
		return;
	cf_buf_addf(out, "\n  repeated fixes\n  %4s  %5s  %-30s    %s\n", "#", "count", "wrong",
		    "correct");
	for (size_t i = 0; i < n && i < TOP; i++) {
		const msgpack_object *p = &patterns->via.array.ptr[i];
		cf_buf_addf(out, "  %4zu  ", i + 1);
		num_cell(out, p, "count", 5, 0);
		cf_buf_addstr(out, "  ");
		fix_cells(out, p, 30);
		rp_end_row(out);
	}
	rp_more_line(out, n, TOP);
}

static void text_typos(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = {
		"total_typos", "unique_patterns", "patterns", "affected_files", "max_distance", NULL
	};
	static const char *const labels[] = {
		"fixes", "distinct", "repeated", "files", "max distance", NULL
	};

	(void)h;
	totals(out, d, keys, labels);
	typos_fixes(out, array_of(d, "typos"));
	typos_patterns(out, array_of(d, "patterns"));
}

/* ---- sentiment ---- */

static void sentiment_row(struct cf_buf *out, const msgpack_object *h, const msgpack_object *t)
{
	cf_buf_addstr(out, "  ");
	tick_cell(out, h, t, 16);
	num_cell(out, t, "comments", 8, 0);
	num_cell(out, t, "mean", 9, 3);
	num_cell(out, t, "positive", 10, 0);
	num_cell(out, t, "negative", 10, 0);
	num_cell(out, t, "neutral", 9, 0);
	rp_end_row(out);
}

static const char sentiment_head[] =
	"  date            comments     mean  positive  negative  neutral\n";

static void sentiment_ticks(struct cf_buf *out, const msgpack_object *h,
			    const msgpack_object *ticks)
{
	size_t n = array_size(ticks), from = n > TOP_TICKS ? n - TOP_TICKS : 0;

	if (!n)
		return;
	if (from)
		cf_buf_addf(out, "\n  per tick (the latest %d of %zu)\n", TOP_TICKS, n);
	else
		cf_buf_addstr(out, "\n  per tick\n");
	cf_buf_addstr(out, sentiment_head);
	for (size_t i = from; i < n; i++)
		sentiment_row(out, h, &ticks->via.array.ptr[i]);
}

/* The ticks of negative mean, lowest first (ties: earliest first). */
static void sentiment_lows(struct cf_buf *out, const msgpack_object *h,
			   const msgpack_object *ticks)
{
	size_t n = 0;
	struct rp_rank *r = rank_by(ticks, "mean", -1, &n);

	if (n && r[0].key > 0)
		cf_buf_addf(out, "\n  most negative ticks\n%s", sentiment_head);
	for (size_t i = 0; i < n && i < TOP_LOW && r[i].key > 0; i++)
		sentiment_row(out, h, &ticks->via.array.ptr[r[i].pos]);
	free(r);
}

static void sentiment_comments(struct cf_buf *out, const msgpack_object *h,
			       const msgpack_object *lows)
{
	size_t n = 0;

	while (n < array_size(lows) && num_or(&lows->via.array.ptr[n], "compound", 0) < 0)
		n++;	/* lowest first: the negative ones */
	if (!n)
		return;
	cf_buf_addf(out, "\n  most negative comments\n  %6s  %-16s  %-24s  %s\n", "score", "date",
		    "where", "comment");
	for (size_t i = 0; i < n && i < TOP_LOW; i++) {
		const msgpack_object *c = &lows->via.array.ptr[i];
		cf_buf_addstr(out, "  ");
		num_cell(out, c, "compound", 6, 3);
		cf_buf_addstr(out, "  ");
		tick_cell(out, h, c, 16);
		cf_buf_addstr(out, "  ");
		where_cell(out, c, 24);
		cf_buf_addstr(out, "  ");
		rp_fit_field(out, c, "text", 100 - 54, 0);
		rp_end_row(out);
	}
	rp_more_line(out, n, TOP_LOW);
}

static void text_sentiment(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = {
		"comments", "ticks", "positive", "negative", "neutral", "mean", NULL
	};
	static const char *const labels[] = {
		"comments", "ticks", "positive", "negative", "neutral", "mean", NULL
	};
	const msgpack_object *agg = cf_doc_get(d, "aggregate", MSGPACK_OBJECT_MAP);
	const msgpack_object *ticks = array_of(d, "ticks");

	totals(out, agg, keys, labels);
	sentiment_ticks(out, h, ticks);
	sentiment_lows(out, h, ticks);
	sentiment_comments(out, h, array_of(d, "most_negative"));
}

/* ---- imports ---- */

struct imp {
	uint64_t person;
	const msgpack_object *lang, *module;
	double count;
};

static int str_cmp(const msgpack_object *a, const msgpack_object *b)
{
	size_t n = a->via.str.size < b->via.str.size ? a->via.str.size : b->via.str.size;
	int c = memcmp(a->via.str.ptr, b->via.str.ptr, n);

	return c ? c : (a->via.str.size > b->via.str.size) - (a->via.str.size < b->via.str.size);
}

static int imp_module_cmp(const void *a, const void *b)
{
	const struct imp *x = a, *y = b;
	int c = str_cmp(x->lang, y->lang);

	return c ? c : str_cmp(x->module, y->module);
}

/* By language and module, then person: the entries of a module are adjacent. */
static int imp_sort_cmp(const void *a, const void *b)
{
	const struct imp *x = a, *y = b;
	int c = imp_module_cmp(a, b);

	return c ? c : (x->person > y->person) - (x->person < y->person);
}

/* The well-formed entries of imports: a person of people, a language and a module. */
static struct imp *imports_collect(const msgpack_object *d, size_t nr_people, size_t *n)
{
	const msgpack_object *all = array_of(d, "imports");
	struct imp *v = xcalloc(array_size(all) + 1, sizeof(*v));

	*n = 0;
	for (uint32_t i = 0; i < array_size(all); i++) {
		const msgpack_object *e = &all->via.array.ptr[i];
		struct imp *x = &v[*n];
		x->lang = cf_doc_get(e, "lang", MSGPACK_OBJECT_STR);
		x->module = cf_doc_get(e, "module", MSGPACK_OBJECT_STR);
		if (!x->lang || !x->module || !cf_doc_u64(e, "person", &x->person) ||
		    x->person >= nr_people)
			continue;
		x->count = num_or(e, "count", 0);
		(*n)++;
	}
	return v;
}

static int module_cmp(const void *a, const void *b)
{
	const struct cf_doc_module *x = a, *y = b;
	int c;

	if (x->files != y->files)
		return x->files < y->files ? 1 : -1;
	c = str_cmp(x->lang, y->lang);
	return c ? c : str_cmp(x->module, y->module);
}

struct cf_doc_module *cf_doc_import_modules(const msgpack_object *d, size_t *nr)
{
	size_t n;
	struct imp *s = imports_collect(d, array_size(array_of(d, "people")), &n);
	struct cf_doc_module *m = xcalloc(n + 1, sizeof(*m));

	qsort(s, n, sizeof(*s), imp_sort_cmp);
	*nr = 0;
	for (size_t i = 0; i < n; i++) {
		if (!i || imp_module_cmp(&s[i], &s[i - 1])) {
			m[*nr].module = s[i].module;
			m[(*nr)++].lang = s[i].lang;
		}
		m[*nr - 1].files += s[i].count;
		m[*nr - 1].people += !i || imp_sort_cmp(&s[i], &s[i - 1]);
	}
	qsort(m, *nr, sizeof(*m), module_cmp);
	free(s);
	return m;
}

/* Modules over all developers: files, and the developers using each. */
static void imports_modules(struct cf_buf *out, const msgpack_object *d)
{
	size_t nr;
	struct cf_doc_module *m = cf_doc_import_modules(d, &nr);

	if (nr)
		cf_buf_addf(out, "\n  top modules\n  %4s  %-40s  %-16s  %7s  %10s\n", "#",
			    "module", "language", "files", "developers");
	for (size_t i = 0; i < nr && i < TOP; i++) {
		size_t cols;
		cf_buf_addf(out, "  %4zu  ", i + 1);
		cols = cf_report_fit(out, m[i].module->via.str.ptr, m[i].module->via.str.size, 40);
		rp_pad_to(out, cols, 42);
		cols = cf_report_fit(out, m[i].lang->via.str.ptr, m[i].lang->via.str.size, 16);
		rp_pad_to(out, cols, 16);
		cf_buf_addstr(out, "  ");
		fit_number(out, m[i].files, 7, 0);
		cf_buf_addstr(out, "  ");
		fit_number(out, (double)m[i].people, 10, 0);
		cf_buf_addch(out, '\n');
	}
	rp_more_line(out, nr, TOP);
	free(m);
}

#define TOP_DEVS 10
#define TOP_LANGS 6

/* By language, then most files, then module. */
static int imp_lang_cmp(const void *a, const void *b)
{
	const struct imp *x = a, *y = b;
	int c = str_cmp(x->lang, y->lang);

	if (c)
		return c;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return str_cmp(x->module, y->module);
}

/* "    python          os 2, sys 1, …": one language of one developer, modules by files. */
static void imports_language(struct cf_buf *out, const struct imp *e, size_t n)
{
	struct cf_buf cell = CF_BUF_INIT;
	size_t cols;

	cf_buf_addstr(out, "    ");
	cols = cf_report_fit(out, e->lang->via.str.ptr, e->lang->via.str.size, 14);
	rp_pad_to(out, cols, 16);
	for (size_t i = 0; i < n; i++) {
		cf_buf_addstr(&cell, i ? ", " : "");
		cf_buf_add(&cell, e[i].module->via.str.ptr, e[i].module->via.str.size);
		cf_buf_addf(&cell, " %.0f", e[i].count);
	}
	cf_report_fit(out, cell.buf, cell.len, 100 - 20);
	rp_end_row(out);
	cf_buf_release(&cell);
}

/* One developer's languages, most files first, and their modules. */
static void imports_person(struct cf_buf *out, const struct imp *v, size_t n, uint64_t who)
{
	struct imp *s = xcalloc(n + 1, sizeof(*s));
	struct rp_rank *r = xcalloc(n + 1, sizeof(*r));
	size_t k = 0, langs = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].person == who)
			s[k++] = v[i];
	qsort(s, k, sizeof(*s), imp_lang_cmp);
	for (size_t i = 0; i < k; i++) {
		if (!i || str_cmp(s[i].lang, s[i - 1].lang))
			r[langs++].pos = (uint32_t)i;
		r[langs - 1].key += s[i].count;
	}
	qsort(r, langs, sizeof(*r), rp_rank_cmp);
	for (size_t l = 0; l < langs && l < TOP_LANGS; l++) {
		size_t end = r[l].pos + 1;
		while (end < k && !str_cmp(s[end].lang, s[r[l].pos].lang))
			end++;
		imports_language(out, &s[r[l].pos], end - r[l].pos);
	}
	if (langs > TOP_LANGS)
		cf_buf_addf(out, "    \xe2\x80\xa6 %zu more languages\n", langs - TOP_LANGS);
	free(r);
	free(s);
}

static void imports_people(struct cf_buf *out, const msgpack_object *people,
			   const struct imp *v, size_t n)
{
	size_t np = array_size(people), shown = 0;
	struct rp_rank *r = xcalloc(np + 1, sizeof(*r));

	for (size_t p = 0; p < np; p++)
		r[p].pos = (uint32_t)p;
	for (size_t i = 0; i < n; i++)
		r[v[i].person].key += v[i].count;
	qsort(r, np, sizeof(*r), rp_rank_cmp);
	if (n)
		cf_buf_addstr(out, "\n  per developer and language: the modules of most files\n");
	for (size_t i = 0; i < np && r[i].key > 0 && shown < TOP_DEVS; i++, shown++) {
		const msgpack_object *p = &people->via.array.ptr[r[i].pos];
		struct cf_buf who = CF_BUF_INIT, email = CF_BUF_INIT;
		if (!cf_doc_str(p, "name", &who))
			cf_buf_addch(&who, '?');
		if (cf_doc_str(p, "email", &email)) {
			cf_buf_addstr(&who, " <");
			cf_buf_add(&who, email.buf, email.len);
			cf_buf_addch(&who, '>');
		}
		cf_buf_addstr(out, "  ");
		rp_pad_to(out, cf_report_fit(out, who.buf, who.len, 80), 80);
		fit_number(out, r[i].key, 8, 0);
		cf_buf_addstr(out, " files\n");
		imports_person(out, v, n, r[i].pos);
		cf_buf_release(&who);
		cf_buf_release(&email);
	}
	while (shown < np && r[shown].key > 0)
		shown++;
	rp_more_line(out, shown, TOP_DEVS);
	free(r);
}

static void text_imports(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	const msgpack_object *people = array_of(d, "people");
	size_t n;
	struct imp *v = imports_collect(d, array_size(people), &n);
	double files = 0;
	size_t start = out->len;

	(void)h;
	for (size_t i = 0; i < n; i++)
		files += v[i].count;
	cf_buf_addf(out, "  developers %zu, entries %zu (developer, language, module), "
		    "files %.0f", array_size(people), n, files);
	end_fitted(out, start);
	imports_modules(out, d);
	imports_people(out, people, v, n);
	free(v);
}

/* ---- quality ---- */

#define MAX_METRICS 16

/* The metrics of the ticks (maps with a mean), in the order they first appear. */
static size_t quality_metrics(const msgpack_object *ticks, const msgpack_object **names)
{
	size_t n = 0;

	for (uint32_t i = 0; i < array_size(ticks); i++) {
		const msgpack_object *t = &ticks->via.array.ptr[i];
		for (uint32_t k = 0; t->type == MSGPACK_OBJECT_MAP && k < t->via.map.size; k++) {
			const msgpack_object_kv *kv = &t->via.map.ptr[k];
			size_t j = 0;
			if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_MAP)
				continue;
			while (j < n && str_cmp(names[j], &kv->key))
				j++;
			if (j == n && n < MAX_METRICS)
				names[n++] = &kv->key;
		}
	}
	return n;
}

static const msgpack_object *metric_of(const msgpack_object *t, const msgpack_object *name)
{
	for (uint32_t k = 0; t->type == MSGPACK_OBJECT_MAP && k < t->via.map.size; k++)
		if (t->via.map.ptr[k].key.type == MSGPACK_OBJECT_STR &&
		    !str_cmp(&t->via.map.ptr[k].key, name) &&
		    t->via.map.ptr[k].val.type == MSGPACK_OBJECT_MAP)
			return &t->via.map.ptr[k].val;
	return NULL;
}

static void metric_name(struct cf_buf *out, const msgpack_object *name, size_t width)
{
	rp_pad_to(out, cf_report_fit(out, name->via.str.ptr, name->via.str.size, width), width);
}

/* Over all ticks: values, their mean (the ticks' means weighted by n) and the maximum. */
static void quality_overall(struct cf_buf *out, const msgpack_object *ticks,
			    const msgpack_object **names, size_t nm)
{
	if (nm)
		cf_buf_addf(out, "\n  over all ticks\n  %-16s  %7s  %10s  %10s\n", "metric", "n",
			    "mean", "max");
	for (size_t m = 0; m < nm; m++) {
		double n = 0, sum = 0, max = -INFINITY;
		for (uint32_t i = 0; i < array_size(ticks); i++) {
			const msgpack_object *s = metric_of(&ticks->via.array.ptr[i], names[m]);
			double k = num_or(s, "n", 0), v;
			if (!s || !(k > 0))
				continue;
			n += k;
			sum += k * num_or(s, "mean", 0);
			if (cf_doc_f64(s, "max", &v) && v > max)
				max = v;
		}
		cf_buf_addstr(out, "  ");
		metric_name(out, names[m], 16);
		cf_buf_addstr(out, "  ");
		fit_number(out, n, 7, 0);
		cf_buf_addstr(out, "  ");
		fit_number(out, n > 0 ? sum / n : 0.0, 10, 2);
		cf_buf_addstr(out, "  ");
		fit_number(out, max > -INFINITY ? max : 0.0, 10, 2);
		cf_buf_addch(out, '\n');
	}
}

#define QUALITY_TICKS 10	/* each tick takes a line per metric */

/* The latest ticks, a line per metric: n, mean, median, p95, max. */
static void quality_ticks(struct cf_buf *out, const msgpack_object *h,
			  const msgpack_object *ticks, const msgpack_object **names, size_t nm)
{
	static const char *const stats[] = { "mean", "median", "p95", "max" };
	size_t n = array_size(ticks), from = n > QUALITY_TICKS ? n - QUALITY_TICKS : 0;

	if (!n || !nm)
		return;
	if (from)
		cf_buf_addf(out, "\n  per tick (the latest %d of %zu)\n", QUALITY_TICKS, n);
	else
		cf_buf_addstr(out, "\n  per tick\n");
	cf_buf_addf(out, "  %-16s  %6s  %-15s  %6s  %10s  %10s  %10s  %10s\n", "date", "files",
		    "metric", "n", "mean", "median", "p95", "max");
	for (size_t i = from; i < n; i++) {
		const msgpack_object *t = &ticks->via.array.ptr[i];
		int first = 1;
		for (size_t m = 0; m < nm; m++) {
			const msgpack_object *s = metric_of(t, names[m]);
			if (!s)
				continue;
			cf_buf_addstr(out, "  ");
			if (first) {
				tick_cell(out, h, t, 16);
				cf_buf_addstr(out, "  ");
				num_cell(out, t, "files", 6, 0);
			} else {
				rp_pad_to(out, 0, 24);
			}
			first = 0;
			cf_buf_addstr(out, "  ");
			metric_name(out, names[m], 15);
			cf_buf_addstr(out, "  ");
			num_cell(out, s, "n", 6, 0);
			for (size_t k = 0; k < sizeof(stats) / sizeof(*stats); k++) {
				cf_buf_addstr(out, "  ");
				num_cell(out, s, stats[k], 10, 2);
			}
			rp_end_row(out);
		}
	}
}

static void text_quality(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = { "total_files", "ticks", NULL };
	static const char *const labels[] = { "file changes", "ticks", NULL };
	const msgpack_object *ticks = array_of(d, "ticks");
	const msgpack_object *names[MAX_METRICS];
	size_t nm = quality_metrics(ticks, names);

	totals(out, d, keys, labels);
	quality_overall(out, ticks, names, nm);
	quality_ticks(out, h, ticks, names, nm);
}

/* ---- anomaly ---- */

#define TOP_FLAGGED 40

/* The z of series name in tick t: a number, "inf" when flagged without one, else blank. */
static void z_cell(struct cf_buf *out, const msgpack_object *t, const msgpack_object *name)
{
	const msgpack_object *z = cf_doc_get(t, "z", MSGPACK_OBJECT_MAP);
	char key[128];
	double v;

	snprintf(key, sizeof(key), "%.*s", (int)name->via.str.size, name->via.str.ptr);
	if (cf_doc_f64(z, key, &v))
		fit_number(out, v, 10, 3);
	else
		cf_buf_addf(out, "%10s", "inf");
}

/* A line of a flagged series of tick t: the series, its value and z (the date on the first). */
static void anomaly_line(struct cf_buf *out, const msgpack_object *h, const msgpack_object *t,
			 const msgpack_object *name, int *first)
{
	char key[128];

	if (name->type != MSGPACK_OBJECT_STR || name->via.str.size >= sizeof(key))
		return;
	snprintf(key, sizeof(key), "%.*s", (int)name->via.str.size, name->via.str.ptr);
	cf_buf_addstr(out, "  ");
	if (*first)
		tick_cell(out, h, t, 16);
	else
		rp_pad_to(out, 0, 16);
	*first = 0;
	cf_buf_addstr(out, "  ");
	metric_name(out, name, 30);
	cf_buf_addstr(out, "  ");
	num_cell(out, t, key, 12, fmod(num_or(t, key, 0), 1) ? 4 : 0);
	cf_buf_addstr(out, "  ");
	z_cell(out, t, name);
	rp_end_row(out);
}

/*
 * The flagged series of tick t: its "flagged" list (schema 2), else the
 * series of its z map beyond the threshold (schema 1 has no list).
 */
static void anomaly_tick(struct cf_buf *out, const msgpack_object *h, const msgpack_object *t,
			 double threshold)
{
	const msgpack_object *flagged = array_of(t, "flagged");
	const msgpack_object *z = cf_doc_get(t, "z", MSGPACK_OBJECT_MAP);
	int first = 1;
	double v;

	for (uint32_t i = 0; i < array_size(flagged); i++)
		anomaly_line(out, h, t, &flagged->via.array.ptr[i], &first);
	for (uint32_t i = 0; !flagged && z && i < z->via.map.size; i++)
		if (cf_doc_num(&z->via.map.ptr[i].val, &v) && fabs(v) > threshold)
			anomaly_line(out, h, t, &z->via.map.ptr[i].key, &first);
	if (first) {	/* an infinite z, which schema 1 left as nil */
		cf_buf_addstr(out, "  ");
		tick_cell(out, h, t, 16);
		rp_end_row(out);
	}
}

static void anomaly_flagged(struct cf_buf *out, const msgpack_object *h,
			    const msgpack_object *ticks, double threshold)
{
	size_t shown = 0, total = 0;

	for (uint32_t i = 0; i < array_size(ticks); i++) {
		const msgpack_object *t = &ticks->via.array.ptr[i];
		const msgpack_object *a = cf_doc_get(t, "anomaly", MSGPACK_OBJECT_BOOLEAN);
		if (!a || !a->via.boolean)
			continue;
		if (!total++)
			cf_buf_addf(out, "\n  flagged ticks\n  %-16s  %-30s  %12s  %10s\n", "date",
				    "series", "value", "z");
		if (shown < TOP_FLAGGED) {
			anomaly_tick(out, h, t, threshold);
			shown++;
		}
	}
	rp_more_line(out, total, shown);
}

static void text_anomaly(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h)
{
	static const char *const keys[] = { "ticks", "anomalies", "window", "threshold", NULL };
	static const char *const labels[] = { "ticks", "anomalies", "window", "threshold", NULL };
	const msgpack_object *series = array_of(d, "series");
	size_t col = 0;

	totals(out, d, keys, labels);
	/* the series' names, wrapped at 100 columns */
	for (uint32_t i = 0; i < array_size(series); i++) {
		const msgpack_object *name = &series->via.array.ptr[i];
		size_t len = name->type == MSGPACK_OBJECT_STR ? name->via.str.size : 0;
		if (!len)
			continue;
		len = len > 80 ? 80 : len;
		if (!col) {
			cf_buf_addstr(out, "  series ");
			col = 9;
		} else if (col + 2 + len > 99) {	/* room for the comma */
			cf_buf_addstr(out, ",\n         ");
			col = 9;
		} else {
			cf_buf_addstr(out, ", ");
			col += 2;
		}
		col += cf_report_fit(out, name->via.str.ptr, name->via.str.size, len);
	}
	if (col)
		cf_buf_addch(out, '\n');
	anomaly_flagged(out, h, array_of(d, "ticks"), num_or(d, "threshold", 2.0));
}

int cf_report_syntax(struct cf_buf *out, const msgpack_object *name, const msgpack_object *d,
		     const msgpack_object *h)
{
	static const struct {
		const char *name;
		void (*text)(struct cf_buf *out, const msgpack_object *d, const msgpack_object *h);
	} analyzers[] = {
		{ "shotness", text_shotness }, { "typos", text_typos },
		{ "sentiment", text_sentiment }, { "imports", text_imports },
		{ "quality", text_quality }, { "anomaly", text_anomaly },
	};

	int64_t t;

	/* A result's own t0 and tick size (schema 2, and merges) over the stream's */
	if (cf_doc_tick_time(d, 0, &t))
		h = d;
	for (size_t i = 0; i < sizeof(analyzers) / sizeof(*analyzers); i++)
		if (cf_doc_key_is(name, analyzers[i].name)) {
			analyzers[i].text(out, d, h);
			return 1;
		}
	return 0;
}
