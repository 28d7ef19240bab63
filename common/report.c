/*
 * The reduced document for people: defensive getters, dates, fitted text
 * (see cf/report.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cf/alloc.h"
#include "cf/json.h"
#include "cf/record.h"
#include "cf/report.h"
#include "report-int.h"

const msgpack_object *cf_doc_get(const msgpack_object *map, const char *key,
				 msgpack_object_type type)
{
	const msgpack_object *o;

	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	o = cf_obj_get(map, key);
	return o && o->type == type ? o : NULL;
}

int cf_doc_u64(const msgpack_object *map, const char *key, uint64_t *v)
{
	const msgpack_object *o = cf_doc_get(map, key, MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (!o)
		return 0;
	*v = o->via.u64;
	return 1;
}

int cf_doc_i64(const msgpack_object *map, const char *key, int64_t *v)
{
	const msgpack_object *o = map && map->type == MSGPACK_OBJECT_MAP ?
				  cf_obj_get(map, key) : NULL;

	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return 1;
	}
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*v = (int64_t)o->via.u64;
		return 1;
	}
	return 0;
}

int cf_doc_num(const msgpack_object *o, double *v)
{
	if (!o)
		return 0;
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*v = (double)o->via.u64;
		return 1;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*v = (double)o->via.i64;
		return 1;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*v = o->via.f64;
		return *v == *v;	/* not NaN */
	default:
		return 0;
	}
}

int cf_doc_f64(const msgpack_object *map, const char *key, double *v)
{
	return map && map->type == MSGPACK_OBJECT_MAP && cf_doc_num(cf_obj_get(map, key), v);
}

int cf_doc_str(const msgpack_object *map, const char *key, struct cf_buf *out)
{
	const msgpack_object *o = cf_doc_get(map, key, MSGPACK_OBJECT_STR);

	cf_buf_reset(out);
	if (!o)
		return 0;
	cf_buf_add(out, o->via.str.ptr, o->via.str.size);
	return 1;
}

int cf_doc_key_is(const msgpack_object *k, const char *s)
{
	size_t n = strlen(s);
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       !memcmp(k->via.str.ptr, s, n);
}

int cf_doc_tick_time(const msgpack_object *data, uint64_t tick, int64_t *t)
{
	uint64_t size;
	int64_t t0;

	if (!cf_doc_i64(data, "t0", &t0) || !cf_doc_u64(data, "tick_size", &size) || !size ||
	    tick > (uint64_t)INT64_MAX / size || t0 > INT64_MAX - (int64_t)(tick * size))
		return 0;
	*t = t0 + (int64_t)(tick * size);
	return 1;
}

void cf_report_date(struct cf_buf *out, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];
	const char *fmt = t % 86400 ? "%Y-%m-%d %H:%M" : "%Y-%m-%d";

	if (gmtime_r(&tt, &tm) && strftime(s, sizeof(s), fmt, &tm))
		cf_buf_addstr(out, s);
	else
		cf_buf_addf(out, "@%lld", (long long)t);
}

size_t cf_report_fit(struct cf_buf *out, const char *s, size_t len, size_t width)
{
	size_t cols = 0, i = 0, n, total = 0;

	for (size_t j = 0; j < len; j += n, total++)
		n = cf_utf8_len(s + j, len - j) ? cf_utf8_len(s + j, len - j) : 1;
	if (total > width && width)
		width--;	/* room for the ellipsis */
	for (; i < len && cols < width; i += n, cols++) {
		n = cf_utf8_len(s + i, len - i);
		if (!n || (unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			cf_buf_addch(out, '?');
			n = 1;
		} else {
			cf_buf_add(out, s + i, n);
		}
	}
	if (i < len && total > cols) {
		cf_buf_addstr(out, "\xe2\x80\xa6");
		cols++;
	}
	return cols;
}

size_t cf_report_fit_tail(struct cf_buf *out, const char *s, size_t len, size_t width)
{
	size_t total = 0, skip, i = 0, n;

	for (size_t j = 0; j < len; j += n, total++)
		n = cf_utf8_len(s + j, len - j) ? cf_utf8_len(s + j, len - j) : 1;
	if (total <= width || width < 2)
		return cf_report_fit(out, s, len, width);
	for (skip = total - (width - 1); skip; skip--, i += n)
		n = cf_utf8_len(s + i, len - i) ? cf_utf8_len(s + i, len - i) : 1;
	cf_buf_addstr(out, "\xe2\x80\xa6");
	return 1 + cf_report_fit(out, s + i, len - i, width - 1);
}

double cf_doc_sparse_sum(const msgpack_object *row)
{
	double s = 0, v;

	for (uint32_t j = 1; row && row->type == MSGPACK_OBJECT_ARRAY &&
			     j < row->via.array.size; j += 2)
		if (cf_doc_num(&row->via.array.ptr[j], &v) && v > 0)
			s += v;
	return s;
}

/* The count of index i in a sparse row, 0 when it has none. */
static double sparse_at(const msgpack_object *row, uint64_t i)
{
	double v;

	for (uint32_t j = 0; row && row->type == MSGPACK_OBJECT_ARRAY &&
			     j + 1 < row->via.array.size; j += 2) {
		const msgpack_object *k = &row->via.array.ptr[j];
		if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER && k->via.u64 == i &&
		    cf_doc_num(&row->via.array.ptr[j + 1], &v) && v > 0)
			return v;
	}
	return 0;
}

static const msgpack_object *last_row(const msgpack_object *mat)
{
	if (!mat || mat->type != MSGPACK_OBJECT_ARRAY || !mat->via.array.size)
		return NULL;
	return &mat->via.array.ptr[mat->via.array.size - 1];
}

#define PART_TOP 20
#define OVERWRITE_TOP 6

int rp_rank_cmp(const void *a, const void *b)
{
	const struct rp_rank *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

void rp_pad_to(struct cf_buf *out, size_t cols, size_t width)
{
	while (cols++ < width)
		cf_buf_addch(out, ' ');
}

void rp_fit_field(struct cf_buf *out, const msgpack_object *map, const char *key,
		      size_t width, int pad)
{
	const msgpack_object *o = cf_doc_get(map, key, MSGPACK_OBJECT_STR);
	size_t cols = o ? cf_report_fit(out, o->via.str.ptr, o->via.str.size, width) :
		      cf_report_fit(out, "?", 1, width);

	if (pad)
		rp_pad_to(out, cols, width);
}

void rp_end_row(struct cf_buf *out)
{
	while (out->len && out->buf[out->len - 1] == ' ')
		out->len--;
	cf_buf_setlen(out, out->len);
	cf_buf_addch(out, '\n');
}

void rp_more_line(struct cf_buf *out, size_t n, size_t shown)
{
	if (n > shown)
		cf_buf_addf(out, "  \xe2\x80\xa6 %zu more\n", n - shown);
}

/* rank[] of the elements of arr, by the sum of the last row of their sparse matrix. */
static struct rp_rank *rank_last_rows(const msgpack_object *arr, const char *key, size_t *n)
{
	struct rp_rank *r = xcalloc(arr->via.array.size, sizeof(*r));

	*n = 0;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *e = &arr->via.array.ptr[i];
		const msgpack_object *m = key ? cf_doc_get(e, key, MSGPACK_OBJECT_ARRAY) : e;
		if (!m || m->type != MSGPACK_OBJECT_ARRAY)
			continue;
		r[*n].pos = i;
		r[(*n)++].key = cf_doc_sparse_sum(last_row(m));
	}
	qsort(r, *n, sizeof(*r), rp_rank_cmp);
	return r;
}

static void burndown_files(struct cf_buf *out, const msgpack_object *d, double total)
{
	const msgpack_object *files = cf_doc_get(d, "file_burndown", MSGPACK_OBJECT_ARRAY);
	struct rp_rank *r;
	size_t n;

	if (!files || !files->via.array.size)
		return;
	r = rank_last_rows(files, "sparse", &n);
	cf_buf_addf(out, "\n  files by lines alive\n  %4s%10s  %6s  path\n", "#", "lines", "share");
	for (size_t i = 0; i < n && i < PART_TOP; i++) {
		cf_buf_addf(out, "  %4zu%10.0f  %5.1f%%  ", i + 1, r[i].key,
			    total > 0 ? 100 * r[i].key / total : 0.0);
		rp_fit_field(out, &files->via.array.ptr[r[i].pos], "path", 70, 0);
		rp_end_row(out);
	}
	rp_more_line(out, n, PART_TOP);
	free(r);
}

static const msgpack_object *person(const msgpack_object *people, uint64_t i)
{
	return people && i < people->via.array.size ? &people->via.array.ptr[i] : NULL;
}

static void burndown_people(struct cf_buf *out, const msgpack_object *d, double total)
{
	const msgpack_object *mats = cf_doc_get(d, "people_burndown", MSGPACK_OBJECT_ARRAY);
	const msgpack_object *people = cf_doc_get(d, "people", MSGPACK_OBJECT_ARRAY);
	const msgpack_object *written = cf_doc_get(d, "written", MSGPACK_OBJECT_ARRAY);
	struct rp_rank *r;
	size_t n;

	if (!mats || !mats->via.array.size)
		return;
	r = rank_last_rows(mats, NULL, &n);
	cf_buf_addf(out, "\n  people by lines alive\n  %4s  %-24s  %-26s%10s  %6s%11s\n",
		    "#", "name", "email", "alive", "share", "written");
	for (size_t i = 0; i < n && i < PART_TOP; i++) {
		const msgpack_object *p = person(people, r[i].pos);
		double w;
		cf_buf_addf(out, "  %4zu  ", i + 1);
		rp_fit_field(out, p, "name", 24, 1);
		cf_buf_addstr(out, "  ");
		rp_fit_field(out, p, "email", 26, 1);
		cf_buf_addf(out, "%10.0f  %5.1f%%", r[i].key,
			    total > 0 ? 100 * r[i].key / total : 0.0);
		if (written && r[i].pos < written->via.array.size &&
		    cf_doc_num(&written->via.array.ptr[r[i].pos], &w))
			cf_buf_addf(out, "%11.0f", w);
		rp_end_row(out);
	}
	rp_more_line(out, n, PART_TOP);
	free(r);
}

/* "Alice 80%, Bob 20%": the largest owners of one file, within width columns. */
static void owners_cell(struct cf_buf *out, const msgpack_object *owners,
			const msgpack_object *people, double lines, size_t width)
{
	size_t n = owners && owners->type == MSGPACK_OBJECT_ARRAY ? owners->via.array.size / 2 : 0;
	struct rp_rank *r = xcalloc(n ? n : 1, sizeof(*r));
	struct cf_buf cell = CF_BUF_INIT;
	size_t k = 0, shown = 0;

	for (size_t i = 0; i < n; i++) {
		const msgpack_object *who = &owners->via.array.ptr[2 * i];
		double v;
		if (who->type != MSGPACK_OBJECT_POSITIVE_INTEGER || who->via.u64 > UINT32_MAX ||
		    !cf_doc_num(&owners->via.array.ptr[2 * i + 1], &v) || !(v > 0))
			continue;
		r[k].pos = (uint32_t)who->via.u64;
		r[k++].key = v;
	}
	qsort(r, k, sizeof(*r), rp_rank_cmp);
	while (shown < k && shown < 3 && (!shown || 200 * r[shown].key >= lines))
		shown++;	/* owners under 0.5% would read "0%" */
	for (size_t i = 0; i < shown; i++) {
		const msgpack_object *name = cf_doc_get(person(people, r[i].pos), "name",
							MSGPACK_OBJECT_STR);
		if (i)
			cf_buf_addstr(&cell, ", ");
		if (name)
			cf_report_fit(&cell, name->via.str.ptr, name->via.str.size, 16);
		else
			cf_buf_addf(&cell, "#%u", r[i].pos);
		cf_buf_addf(&cell, " %.0f%%", lines > 0 ? 100 * r[i].key / lines : 0.0);
	}
	if (k > shown)
		cf_buf_addf(&cell, ", %zu more", k - shown);
	cf_report_fit(out, cell.buf ? cell.buf : "", cell.len, width);
	cf_buf_release(&cell);
	free(r);
}

/* The largest files and their top owners, by the share of the file's lines. */
static void burndown_ownership(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *own = cf_doc_get(d, "ownership", MSGPACK_OBJECT_ARRAY);
	const msgpack_object *people = cf_doc_get(d, "people", MSGPACK_OBJECT_ARRAY);
	struct rp_rank *r;
	size_t n;

	if (!own || !own->via.array.size)
		return;
	r = xcalloc(own->via.array.size, sizeof(*r));
	n = 0;
	for (uint32_t i = 0; i < own->via.array.size; i++) {
		const msgpack_object *o = cf_doc_get(&own->via.array.ptr[i], "owners",
						     MSGPACK_OBJECT_ARRAY);
		if (!o)
			continue;
		r[n].pos = i;
		r[n++].key = cf_doc_sparse_sum(o);
	}
	qsort(r, n, sizeof(*r), rp_rank_cmp);
	cf_buf_addf(out, "\n  ownership of the largest files\n  %4s%10s  %-38s  top owners\n",
		    "#", "lines", "path");
	for (size_t i = 0; i < n && i < PART_TOP; i++) {
		const msgpack_object *f = &own->via.array.ptr[r[i].pos];
		cf_buf_addf(out, "  %4zu%10.0f  ", i + 1, r[i].key);
		rp_fit_field(out, f, "path", 38, 1);
		cf_buf_addstr(out, "  ");
		owners_cell(out, cf_doc_get(f, "owners", MSGPACK_OBJECT_ARRAY), people,
			    r[i].key, 100 - 58);
		rp_end_row(out);
	}
	rp_more_line(out, n, PART_TOP);
	free(r);
}

/*
 * Overwrites among the people who wrote most: row i, column j is the lines
 * of i that died in commits of j; "others" sums the remaining columns.
 */
static void burndown_overwrites(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *ow = cf_doc_get(d, "overwrites", MSGPACK_OBJECT_ARRAY);
	const msgpack_object *people = cf_doc_get(d, "people", MSGPACK_OBJECT_ARRAY);
	struct rp_rank *r;
	size_t n, shown;

	if (!ow || !ow->via.array.size)
		return;
	r = xcalloc(ow->via.array.size, sizeof(*r));
	n = ow->via.array.size;
	for (uint32_t i = 0; i < n; i++) {
		r[i].pos = i;
		r[i].key = cf_doc_sparse_sum(&ow->via.array.ptr[i]);
	}
	qsort(r, n, sizeof(*r), rp_rank_cmp);
	shown = n < OVERWRITE_TOP ? n : OVERWRITE_TOP;
	cf_buf_addstr(out, "\n  overwrites: lines of (row) removed by (column)\n  ");
	rp_pad_to(out, 0, 20);
	for (size_t j = 0; j < shown; j++) {
		const msgpack_object *name = cf_doc_get(person(people, r[j].pos), "name",
							MSGPACK_OBJECT_STR);
		struct cf_buf cell = CF_BUF_INIT;
		size_t cols = name ? cf_report_fit(&cell, name->via.str.ptr, name->via.str.size, 9) :
			      cf_report_fit(&cell, "?", 1, 9);
		rp_pad_to(out, cols, 11);
		cf_buf_add(out, cell.buf, cell.len);
		cf_buf_release(&cell);
	}
	cf_buf_addstr(out, "     others");	/* right-aligned over 11 columns */
	rp_end_row(out);
	for (size_t i = 0; i < shown; i++) {
		const msgpack_object *row = &ow->via.array.ptr[r[i].pos];
		double rest = cf_doc_sparse_sum(row);
		cf_buf_addstr(out, "  ");
		rp_fit_field(out, person(people, r[i].pos), "name", 20, 1);
		for (size_t j = 0; j < shown; j++) {
			double v = sparse_at(row, r[j].pos);
			cf_buf_addf(out, "%11.0f", v);
			rest -= v;
		}
		cf_buf_addf(out, "%11.0f", rest > 0 ? rest : 0.0);
		rp_end_row(out);
	}
	rp_more_line(out, n, shown);
	free(r);
}

void cf_report_burndown_parts(struct cf_buf *out, const msgpack_object *d)
{
	uint64_t lines = 0;

	cf_doc_u64(d, "lines", &lines);
	burndown_files(out, d, (double)lines);
	burndown_people(out, d, (double)lines);
	burndown_ownership(out, d);
	burndown_overwrites(out, d);
}
