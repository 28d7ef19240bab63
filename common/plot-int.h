#ifndef CF_PLOT_INT_H
#define CF_PLOT_INT_H

/*
 * Inside the plot module (common/plot*.c, see cf/plot.h): the chart
 * helpers its analyzers' pages share.  Not for use elsewhere.
 */

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "cf/buf.h"
#include "cf/svg.h"

#define PL_CHART_W 960
#define PL_CHART_H 360
#define PL_TOP_BARS 20

/* x of a tick: its Unix time when d has t0 and tick_size, else the tick. */
double pl_tick_x(const msgpack_object *d, uint64_t tick);
uint64_t pl_u64_or(const msgpack_object *map, const char *key, uint64_t dflt);
/* "tick 30", or its date when d has t0 and tick_size. */
void pl_tick_label(struct cf_buf *out, const msgpack_object *d, uint64_t tick);
/* A chart of w x h with the usual margins; x is time when d has t0 and tick_size. */
void pl_chart_init(struct cf_svg *c, struct cf_buf *out, double w, double h,
		   const msgpack_object *d);

/* One labelled bar per entry; value text at the bar's end. */
struct pl_hbar {
	const char *name;
	size_t len;
	double value;
	const char *note;	/* text after the value, may be NULL */
	size_t index;		/* the caller's, carried through sorting */
};

/* Most first, then by name. */
int pl_hbar_cmp(const void *a, const void *b);
/* Horizontal bars of the first PL_TOP_BARS of v, in their order. */
void pl_hbar_chart(struct cf_buf *out, const char *kind, const char *label,
		   const struct pl_hbar *v, size_t n, const char *unit);

/* A name of a heatmap's row and column. */
struct pl_name {
	const char *name;
	size_t len;
};

#define PL_HEAT_TOP 16

/*
 * A heatmap of co-changes: n rows and columns named names, v[a * n + b]
 * the commits of a and b (the diagonal: of a alone); a cell per non-zero
 * count (data-count), darker for more.
 */
void pl_heatmap(struct cf_buf *out, const char *kind, const char *label,
		const struct pl_name *names, size_t n, const double *v);

/*
 * A line of parameters: for each key of d that is a number or an array,
 * its format (one %llu) with the number or the array's size.
 */
void pl_params_line(struct cf_buf *out, const msgpack_object *d,
		    const char *const *keys, const char *const *fmts);

/*
 * The pages of the structure-aware analyzers (shotness, typos, sentiment,
 * imports, quality, anomaly); h is the document's header, for dates.
 * Returns 0, writing nothing, for any other analyzer.
 */
int pl_plot_syntax(struct cf_buf *out, const msgpack_object *name, const msgpack_object *d,
		   const msgpack_object *h);

/* The page of cf-static's report (its document, schema "static"). */
void pl_plot_static(struct cf_buf *out, const msgpack_object *d);

#endif
