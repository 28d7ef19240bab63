/*
 * Inline SVG charts for the HTML report (see cf/svg.h).  Coordinates are
 * printed with one decimal: enough for a screen, and the same bytes on
 * every machine for the same input.
 */
#include <math.h>
#include <string.h>
#include <time.h>
#include "cf/json.h"
#include "cf/svg.h"

void cf_html_text(struct cf_buf *out, const char *s, size_t len)
{
	size_t n;

	for (size_t i = 0; i < len; i += n) {
		n = cf_utf8_len(s + i, len - i);
		if (!n) {
			cf_buf_addstr(out, "\xef\xbf\xbd");
			n = 1;
			continue;
		}
		switch (s[i]) {
		case '&': cf_buf_addstr(out, "&amp;"); break;
		case '<': cf_buf_addstr(out, "&lt;"); break;
		case '>': cf_buf_addstr(out, "&gt;"); break;
		case '"': cf_buf_addstr(out, "&quot;"); break;
		case '\'': cf_buf_addstr(out, "&#39;"); break;
		default:
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				cf_buf_addch(out, '?');
			else
				cf_buf_add(out, s + i, n);
		}
	}
}

void cf_html_str(struct cf_buf *out, const char *s)
{
	cf_html_text(out, s, strlen(s));
}

void cf_svg_ramp(struct cf_buf *out, size_t i, size_t n)
{
	double f = n > 1 ? (double)i / (double)(n - 1) : 0.0;

	/* viridis-like: deep blue-violet for the oldest band, yellow-green for the newest */
	cf_buf_addf(out, "hsl(%.0f,%.0f%%,%.0f%%)", 265.0 - 200.0 * f, 55.0 + 15.0 * f,
		    28.0 + 32.0 * f);
}

void cf_svg_color(struct cf_buf *out, size_t i)
{
	static const char *const palette[] = {
		"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
		"#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b",
	};
	cf_buf_addstr(out, palette[i % (sizeof(palette) / sizeof(*palette))]);
}

double cf_svg_x(const struct cf_svg *c, double x)
{
	double w = c->width - c->left - c->right;
	double span = c->x1 - c->x0;
	return c->left + (span > 0 ? (x - c->x0) / span * w : w / 2);
}

double cf_svg_y(const struct cf_svg *c, double y)
{
	double h = c->height - c->top - c->bottom;
	double span = c->y1 - c->y0;
	return c->top + h - (span > 0 ? (y - c->y0) / span * h : 0);
}

void cf_svg_begin(struct cf_svg *c, const char *kind, size_t count, const char *label)
{
	cf_buf_addf(c->out, "<svg class=\"chart\" data-chart=\"%s\" data-count=\"%zu\" "
		    "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		    "aria-label=\"", kind, count, c->width, c->height, c->width, c->height);
	cf_html_str(c->out, label);
	cf_buf_addstr(c->out, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
}

void cf_svg_end(struct cf_svg *c)
{
	cf_buf_addstr(c->out, "</svg>\n");
}

void cf_svg_si(struct cf_buf *out, double v)
{
	static const char suffix[] = " kMGTP";
	double a = fabs(v);
	int k = 0;

	while (a >= 1000 && k < 5) {
		a /= 1000;
		v /= 1000;
		k++;
	}
	if (!k)
		cf_buf_addf(out, a < 10 && a != floor(a) ? "%.1f" : "%.0f", v);
	else
		cf_buf_addf(out, a < 10 ? "%.1f%c" : "%.0f%c", v, suffix[k]);
}

/* The step of a linear axis: 1, 2 or 5 times a power of ten, about n steps. */
static double nice_step(double span, int n)
{
	double raw = span / n, p, f;

	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void hline(struct cf_svg *c, double y, const char *cls)
{
	cf_buf_addf(c->out, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
		    cls, c->left, c->width - c->right, y, y);
}

static void vline(struct cf_svg *c, double x, const char *cls)
{
	cf_buf_addf(c->out, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
		    cls, x, x, c->top, c->height - c->bottom);
}

void cf_svg_label(struct cf_svg *c, double x, double y, const char *anchor,
		  const char *s, size_t len)
{
	cf_buf_addf(c->out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
	cf_html_text(c->out, s, len);
	cf_buf_addstr(c->out, "</text>\n");
}

static void y_axis(struct cf_svg *c, const char *ylabel)
{
	double step = nice_step(c->y1 - c->y0, 5);
	struct cf_buf s = CF_BUF_INIT;

	for (double v = ceil(c->y0 / step) * step; v <= c->y1 + step * 1e-9; v += step) {
		double y = cf_svg_y(c, v);
		cf_buf_reset(&s);
		if (c->y_percent)
			cf_buf_addf(&s, "%.0f%%", v * 100);
		else
			cf_svg_si(&s, fabs(v) < step * 1e-9 ? 0 : v);
		hline(c, y, "grid");
		cf_svg_label(c, c->left - 6, y + 4, "end", s.buf, s.len);
	}
	if (ylabel && *ylabel) {
		cf_buf_addf(c->out, "<text class=\"axis-title\" transform=\"translate(14 %.1f) "
			    "rotate(-90)\" text-anchor=\"middle\">",
			    c->top + (c->height - c->top - c->bottom) / 2);
		cf_html_str(c->out, ylabel);
		cf_buf_addstr(c->out, "</text>\n");
	}
	cf_buf_release(&s);
}

/* Date steps: days, months or years, chosen so that about six labels fit. */
struct date_step {
	int hours, days, months, years;
	const char *fmt;
};

static const struct date_step date_steps[] = {
	{ 1, 0, 0, 0, "%m-%d %H:%M" }, { 3, 0, 0, 0, "%m-%d %H:%M" }, { 6, 0, 0, 0, "%m-%d %H:%M" },
	{ 12, 0, 0, 0, "%m-%d %H:%M" },
	{ 0, 1, 0, 0, "%Y-%m-%d" }, { 0, 2, 0, 0, "%Y-%m-%d" }, { 0, 7, 0, 0, "%Y-%m-%d" },
	{ 0, 14, 0, 0, "%Y-%m-%d" }, { 0, 0, 1, 0, "%Y-%m" }, { 0, 0, 3, 0, "%Y-%m" },
	{ 0, 0, 6, 0, "%Y-%m" }, { 0, 0, 0, 1, "%Y" }, { 0, 0, 0, 2, "%Y" }, { 0, 0, 0, 5, "%Y" },
	{ 0, 0, 0, 10, "%Y" }, { 0, 0, 0, 20, "%Y" }, { 0, 0, 0, 50, "%Y" }, { 0, 0, 0, 100, "%Y" },
};

static double step_seconds(const struct date_step *s)
{
	return s->hours * 3600.0 + s->days * 86400.0 + s->months * 2629746.0 + s->years * 31556952.0;
}

/* The first tick at or after t, aligned on the step (UTC). */
static time_t first_date_tick(const struct date_step *s, time_t t)
{
	struct tm tm;
	time_t r;

	if (!gmtime_r(&t, &tm))
		return t;
	tm.tm_min = tm.tm_sec = 0;
	if (s->hours) {
		r = timegm(&tm);
		while (r < t || tm.tm_hour % s->hours) {
			r += 3600;
			gmtime_r(&r, &tm);
		}
		return r;
	}
	tm.tm_hour = 0;
	if (s->days) {
		r = timegm(&tm);
		while (r < t)
			r += 86400;
		return r;
	}
	tm.tm_mday = 1;
	if (s->years)
		tm.tm_mon = 0;
	tm.tm_mon -= s->months ? tm.tm_mon % s->months : 0;
	if (s->years)
		tm.tm_year -= (tm.tm_year + 1900) % s->years;
	while ((r = timegm(&tm)) < t) {
		tm.tm_mon += s->months;
		tm.tm_year += s->years;
	}
	return r;
}

static time_t next_date_tick(const struct date_step *s, time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return t + 86400;
	tm.tm_hour += s->hours;
	tm.tm_mday += s->days;
	tm.tm_mon += s->months;
	tm.tm_year += s->years;
	return timegm(&tm);
}

static void x_time_axis(struct cf_svg *c)
{
	const struct date_step *s = &date_steps[0];
	size_t n = sizeof(date_steps) / sizeof(*date_steps);
	char label[32];
	struct tm tm;

	for (size_t i = 0; i < n; i++) {
		s = &date_steps[i];
		if ((c->x1 - c->x0) / step_seconds(s) <= 7)
			break;
	}
	if (!(c->x0 > -1e12 && c->x1 < 1e12))
		return;
	for (time_t t = first_date_tick(s, (time_t)ceil(c->x0)); t <= c->x1;
	     t = next_date_tick(s, t)) {
		double x = cf_svg_x(c, (double)t);
		if (!gmtime_r(&t, &tm) || !strftime(label, sizeof(label), s->fmt, &tm))
			break;
		vline(c, x, "grid");
		cf_svg_label(c, x, c->height - c->bottom + 16, "middle", label, strlen(label));
	}
}

static void x_linear_axis(struct cf_svg *c)
{
	double step = nice_step(c->x1 - c->x0, 6);
	struct cf_buf s = CF_BUF_INIT;

	for (double v = ceil(c->x0 / step) * step; v <= c->x1 + step * 1e-9; v += step) {
		double x = cf_svg_x(c, v);
		cf_buf_reset(&s);
		cf_svg_si(&s, v);
		vline(c, x, "grid");
		cf_svg_label(c, x, c->height - c->bottom + 16, "middle", s.buf, s.len);
	}
	cf_buf_release(&s);
}

void cf_svg_axes(struct cf_svg *c, const char *ylabel)
{
	y_axis(c, ylabel);
	if (c->x_time)
		x_time_axis(c);
	else
		x_linear_axis(c);
	cf_buf_addf(c->out, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
		    c->left, c->width - c->right, c->height - c->bottom, c->height - c->bottom);
}

static void tooltip(struct cf_svg *c, const char *tip)
{
	if (!tip)
		return;
	cf_buf_addstr(c->out, "<title>");
	cf_html_str(c->out, tip);
	cf_buf_addstr(c->out, "</title>");
}

void cf_svg_area(struct cf_svg *c, const double *xs, const double *lo, const double *hi,
		 size_t n, const char *fill, const char *tip)
{
	if (!n)
		return;
	cf_buf_addstr(c->out, "<path class=\"series\" d=\"");
	for (size_t i = 0; i < n; i++)
		cf_buf_addf(c->out, "%c%.1f %.1f", i ? 'L' : 'M', cf_svg_x(c, xs[i]),
			    cf_svg_y(c, hi[i]));
	for (size_t i = n; i-- > 0;)
		cf_buf_addf(c->out, "L%.1f %.1f", cf_svg_x(c, xs[i]), cf_svg_y(c, lo[i]));
	cf_buf_addf(c->out, "Z\" fill=\"%s\">", fill);
	tooltip(c, tip);
	cf_buf_addstr(c->out, "</path>\n");
}

void cf_svg_line_gaps(struct cf_svg *c, const double *xs, const double *ys,
		      const unsigned char *gap, size_t n, const char *stroke, const char *tip)
{
	if (!n)
		return;
	cf_buf_addstr(c->out, "<path class=\"series line\" d=\"");
	for (size_t i = 0; i < n; i++)
		cf_buf_addf(c->out, "%c%.1f %.1f", !i || (gap && gap[i]) ? 'M' : 'L',
			    cf_svg_x(c, xs[i]), cf_svg_y(c, ys[i]));
	cf_buf_addf(c->out, "\" fill=\"none\" stroke=\"%s\">", stroke);
	tooltip(c, tip);
	cf_buf_addstr(c->out, "</path>\n");
}

void cf_svg_line(struct cf_svg *c, const double *xs, const double *ys, size_t n,
		 const char *stroke, const char *tip)
{
	cf_svg_line_gaps(c, xs, ys, NULL, n, stroke, tip);
}

void cf_svg_dot(struct cf_svg *c, double x, double y, const char *fill, const char *tip)
{
	cf_buf_addf(c->out, "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">",
		    cf_svg_x(c, x), cf_svg_y(c, y), fill);
	tooltip(c, tip);
	cf_buf_addstr(c->out, "</circle>\n");
}

void cf_svg_rule(struct cf_svg *c, double y, const char *cls)
{
	hline(c, cf_svg_y(c, y), cls);
}

void cf_svg_rect(struct cf_svg *c, const char *cls, double x, double y, double w, double h,
		 const char *fill, const char *tip)
{
	cf_buf_addf(c->out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"%s\">", cls, x, y, w > 0 ? w : 0, h > 0 ? h : 0, fill);
	tooltip(c, tip);
	cf_buf_addstr(c->out, "</rect>\n");
}

void cf_svg_bar(struct cf_svg *c, double x, double w, double ylo, double yhi,
		const char *fill, const char *tip)
{
	double px = cf_svg_x(c, x), pw = cf_svg_x(c, x + w) - px;
	double ptop = cf_svg_y(c, ylo > yhi ? ylo : yhi), pbot = cf_svg_y(c, ylo > yhi ? yhi : ylo);

	cf_svg_rect(c, "bar", px, ptop, pw > 1.5 ? pw - 0.5 : pw, pbot - ptop, fill, tip);
}
