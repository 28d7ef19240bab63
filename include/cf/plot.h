#ifndef CF_PLOT_H
#define CF_PLOT_H

/*
 * The plot format of cf-reduce: the reduced document (a map of "codefang",
 * the header, then one entry per analyzer) as one self-contained HTML page
 * of inline SVG charts and CSS.  The page loads nothing (no script, style,
 * font or image from anywhere), so it works offline; tooltips are SVG
 * <title> elements.  The same document gives the same bytes.  An analyzer
 * without charts of its own gets its fields listed; fields that are missing
 * or of an unexpected type are skipped, never trusted.
 *
 * Ownership: the caller owns out and doc; nothing is kept.
 */

#include <msgpack.h>
#include "cf/buf.h"

void cf_plot_html(struct cf_buf *out, const msgpack_object *doc);

#endif
