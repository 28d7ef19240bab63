#ifndef CF_REPORT_INT_H
#define CF_REPORT_INT_H

/*
 * Inside the report module (common/report*.c, see cf/report.h): the table
 * helpers its text renderers share.  Not for use elsewhere.
 */

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "cf/buf.h"

/* An element of an array ranked by a number: most first, then by position. */
struct rp_rank {
	uint32_t pos;
	double key;
};

int rp_rank_cmp(const void *a, const void *b);

/* Spaces from column cols to column width. */
void rp_pad_to(struct cf_buf *out, size_t cols, size_t width);
/* The string key of map (or "?"), fitted into width columns, padded when pad is set. */
void rp_fit_field(struct cf_buf *out, const msgpack_object *map, const char *key,
		  size_t width, int pad);
/* Ends a row: trailing spaces cut, then a newline. */
void rp_end_row(struct cf_buf *out);
/* "  ... N more" when n > shown. */
void rp_more_line(struct cf_buf *out, size_t n, size_t shown);

#endif
