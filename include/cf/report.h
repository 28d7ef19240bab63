#ifndef CF_REPORT_H
#define CF_REPORT_H

/*
 * Reading the reduced document (cf-reduce's map of analyzer results) for
 * people: getters that never trust the data (a missing field or one of an
 * unexpected type reads as absent), dates, and text fitted to columns.
 *
 * Ownership: the presentation layer owns this module (with cf/svg.h and
 * cf/plot.h); returned objects borrow from the document.
 */

#include <stdint.h>
#include <msgpack.h>
#include "cf/buf.h"

/* The value of key in map when it has the given type, else NULL (map may be NULL). */
const msgpack_object *cf_doc_get(const msgpack_object *map, const char *key,
				 msgpack_object_type type);
int cf_doc_u64(const msgpack_object *map, const char *key, uint64_t *v);
int cf_doc_i64(const msgpack_object *map, const char *key, int64_t *v);
/* Any number (integer or float) as a double. */
int cf_doc_num(const msgpack_object *o, double *v);
/* The number of key in map (map may be NULL or not a map). */
int cf_doc_f64(const msgpack_object *map, const char *key, double *v);
/* The string of key, NUL-terminated copy in out (reset first); 0 when absent. */
int cf_doc_str(const msgpack_object *map, const char *key, struct cf_buf *out);
int cf_doc_key_is(const msgpack_object *k, const char *s);

/* The time of a tick, t0 + tick * tick_size, when the data has both; else 0. */
int cf_doc_tick_time(const msgpack_object *data, uint64_t tick, int64_t *t);
/* "2024-03-01" in UTC (with the time when it is not midnight: "2024-03-01 12:00"). */
void cf_report_date(struct cf_buf *out, int64_t t);

/*
 * Appends at most width columns of s (cut with an ellipsis), control
 * characters and invalid UTF-8 shown as '?'; returns the columns written.
 */
size_t cf_report_fit(struct cf_buf *out, const char *s, size_t len, size_t width);

/*
 * The same for paths: when s is too long its end is kept, after an
 * ellipsis ("…/src/lib/file.c"), since the end names the file.
 */
size_t cf_report_fit_tail(struct cf_buf *out, const char *s, size_t len, size_t width);

/*
 * The sum of the counts of a sparse row (a flat array of (index, count)
 * pairs, as cf-burndown writes them); negative or non-number counts read 0.
 */
double cf_doc_sparse_sum(const msgpack_object *row);

/*
 * The text tables of cf-burndown's per-file and per-person parts (schema
 * 2): files and people by lines alive, the top owners of each file and the
 * overwrites among the top people; every line fits 100 columns.
 */
void cf_report_burndown_parts(struct cf_buf *out, const msgpack_object *d);

/* A module of cf-imports' result, over all developers. */
struct cf_doc_module {
	const msgpack_object *module, *lang;	/* strings of the document */
	double files;		/* the files importing it, summed */
	size_t people;		/* the developers of those files */
};

/* The modules of an imports result, most files first (then language, module); free() it. */
struct cf_doc_module *cf_doc_import_modules(const msgpack_object *d, size_t *n);

/*
 * The text of the structure-aware analyzers' results (shotness, typos,
 * sentiment, imports, quality, anomaly): totals, then compact top-N tables,
 * every line at most 100 columns; ticks are dates when the header h (the
 * document's "codefang" map) has t0 and tick_size.  Returns 0, writing
 * nothing, for any other analyzer.
 */
int cf_report_syntax(struct cf_buf *out, const msgpack_object *name, const msgpack_object *d,
		     const msgpack_object *h);

#endif
