#ifndef CF_SVG_H
#define CF_SVG_H

/*
 * Inline SVG charts for the HTML report: a plot area with linear scales,
 * axes with "nice" ticks (dates when x is Unix time), and the marks
 * (stacked areas, lines, bars, heatmap cells).  Every mark carries a class
 * ("series", "bar", "cell") and a <title> tooltip, and the <svg> element
 * says what it shows (data-chart) and how many series or bars it has, which
 * is what the tests count.  Output is deterministic: fixed-precision
 * numbers, no clock, no randomness.
 *
 * Ownership: the caller owns the cf_buf the chart writes into; a chart
 * holds no memory of its own.
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"

struct cf_svg {
	struct cf_buf *out;
	double width, height;		/* the whole picture */
	double left, right, top, bottom;	/* margins around the plot area */
	double x0, x1, y0, y1;		/* the data domain */
	int x_time;			/* x is Unix time: date ticks */
	int y_percent;			/* y labels as percentages (y in 0..1) */
};

/* Text for HTML or SVG content and attributes: escaped, valid UTF-8. */
void cf_html_text(struct cf_buf *out, const char *s, size_t len);
void cf_html_str(struct cf_buf *out, const char *s);

/* The fill of series i of n: a perceptual ramp from old (dark) to new (light). */
void cf_svg_ramp(struct cf_buf *out, size_t i, size_t n);
/* The fill of category i: a fixed qualitative palette, repeated. */
void cf_svg_color(struct cf_buf *out, size_t i);

/*
 * Starts an <svg> of the given kind (data-chart) with a count of its marks
 * (data-count) and a label for assistive technology.
 */
void cf_svg_begin(struct cf_svg *c, const char *kind, size_t count, const char *label);
/* Grid lines, ticks and labels of both axes; ylabel beside the y axis. */
void cf_svg_axes(struct cf_svg *c, const char *ylabel);
void cf_svg_end(struct cf_svg *c);

double cf_svg_x(const struct cf_svg *c, double x);
double cf_svg_y(const struct cf_svg *c, double y);

/* The marks; tip is the tooltip text (may be NULL), fill the color text. */
void cf_svg_area(struct cf_svg *c, const double *xs, const double *lo, const double *hi,
		 size_t n, const char *fill, const char *tip);
void cf_svg_line(struct cf_svg *c, const double *xs, const double *ys, size_t n,
		 const char *stroke, const char *tip);
/* A line broken before every point i with gap[i] set (gap may be NULL): one series. */
void cf_svg_line_gaps(struct cf_svg *c, const double *xs, const double *ys,
		      const unsigned char *gap, size_t n, const char *stroke, const char *tip);
/* A point of a line (class "dot", not a mark the chart counts). */
void cf_svg_dot(struct cf_svg *c, double x, double y, const char *fill, const char *tip);
/* A horizontal line at data y across the plot area, of class cls (e.g. "zero"). */
void cf_svg_rule(struct cf_svg *c, double y, const char *cls);
void cf_svg_bar(struct cf_svg *c, double x, double w, double ylo, double yhi,
		const char *fill, const char *tip);
/* A bar in pixels (for horizontal bar charts and heatmaps), with its class. */
void cf_svg_rect(struct cf_svg *c, const char *cls, double x, double y, double w, double h,
		 const char *fill, const char *tip);
/* Text at a pixel position: anchor "start", "middle" or "end". */
void cf_svg_label(struct cf_svg *c, double x, double y, const char *anchor,
		  const char *s, size_t len);

/* A number in at most 4 significant characters: 950, 1.2k, 35M. */
void cf_svg_si(struct cf_buf *out, double v);

#endif
