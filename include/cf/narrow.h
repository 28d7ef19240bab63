#ifndef CF_NARROW_H
#define CF_NARROW_H

/*
 * Narrowing a pair of texts before xdiff diffs them.
 *
 * xdiff hashes and classifies every line of both sides, though a change
 * to a large file usually leaves all but a few lines in the middle alone:
 * most of cf-diff's time went there.  It reads the lines outside the
 * changed middle for three things only:
 *
 *  - how often each middle line occurs in the other side, which decides
 *    whether xdiff discards it before the diff (no match, or too many);
 *  - each side's number of lines, through the limit of "too many" (a
 *    power of two from the number of base-4 digits of the count);
 *  - where a group of changes can slide to, and the indentation of the
 *    lines around each place, for git's indent heuristic.
 *
 * Only the class each count falls in matters: none, fewer than the limit,
 * or at least the limit.  cf_narrow() cuts the common head and tail of
 * both sides beyond a margin of lines, and puts in the place of the cut,
 * once at the head or at the tail of both sides, lines that keep every
 * middle line in its class: copies of middle lines, and filler lines that
 * equal no middle line, enough for a line count whose limit gives those
 * classes (the smallest such limit, or else the whole files' own).  It
 * narrows only where it proves that no group can slide near the cut or the
 * lines put in: for every size a group can have, some pair of lines that
 * group would have to pass differs within the margin.  xdiff then gives
 * the same hunks, moved by a whole number of lines.
 *
 * Not thread-safe: each thread keeps its own struct cf_narrow, which owns
 * the narrowed sides and its scratch arrays (reused from call to call)
 * until cf_narrow_release().
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"

struct cf_narrow_line;
struct cf_narrow_slot;

struct cf_narrow {
	struct cf_buf a, b;	/* the narrowed sides, until the next call */
	long shift;		/* line n of a narrowed side is line n + shift */
	struct cf_narrow_line *la, *lb;
	size_t alloc_a, alloc_b;
	struct cf_narrow_slot *set;
	size_t cap;
	size_t nset;		/* slots in use of cap */
	uint64_t *sieve;	/* bits of cheap keys of the middle lines */
};

#define CF_NARROW_INIT { CF_BUF_INIT, CF_BUF_INIT, 0, NULL, NULL, 0, 0, NULL, 0, 0, NULL }

/*
 * Narrows a and b for xdiff (myers, indent heuristic, no whitespace
 * options), if at least min_cut lines can be cut.  Returns 1 with n->a,
 * n->b and n->shift set, or 0 when a and b should be diffed as they are.
 */
int cf_narrow(struct cf_narrow *n, const char *a, size_t alen, const char *b, size_t blen,
	      size_t min_cut);

/* The same, given cf_common_lines()'s head and tail of a and b (cf/quickdiff.h). */
int cf_narrow_common(struct cf_narrow *n, const char *a, size_t alen, const char *b, size_t blen,
		     size_t head, size_t tail, size_t min_cut);

void cf_narrow_release(struct cf_narrow *n);

#endif
