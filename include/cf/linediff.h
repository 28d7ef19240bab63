#ifndef CF_LINEDIFF_H
#define CF_LINEDIFF_H

/*
 * Line diffs as git's xdiff makes them with git's defaults: the Myers
 * algorithm with xdiff's cost limits and its discarding of lines without
 * a match or with too many, the compaction of groups of changes with the
 * indent heuristic, no context.  The hunks are those of libgit2's and
 * git's xdiff, line for line; cf-diff's --libgit2-diff and the fuzz
 * harness fuzz/linediff.c compare the two.
 *
 * Why not libgit2's own: git's numstat diffs whole blobs and git blame
 * the blobs less a common tail, so cf-diff needs both diffs of many
 * pairs.  Here the lines of the whole pair are read and classed once, and
 * the second diff redoes only what the dropped tail can change: the class
 * counts, and the Myers pass when a line of the middle changes class.
 *
 * Not thread-safe: each thread keeps its own struct cf_linediff, which
 * owns its arrays (reused from call to call) until cf_linediff_release().
 * The prepared bytes are the caller's and must stay until the last run.
 */

#include <stddef.h>
#include <stdint.h>

struct cf_linediff_class;

struct cf_linediff_side {
	const char *p;
	size_t len;
	uint32_t *start;	/* n + 1 line starts, the last one len */
	uint32_t *cls;		/* each line's class: equal lines, equal class */
	size_t n, alloc, cls_alloc;
	/* One run's state, over the first nrec lines: */
	size_t nrec;
	long dstart, dend;	/* xdiff's middle, between the common head and tail */
	long pstart, pend;	/* the last run's */
	char *dis, *pdis;	/* per line: 0 no match, 1 keep, 2 too many matches;
				   pdis: the last run's */
	char *rchg;		/* per line and a 0 on either side: changed */
	char *myers;		/* rchg of the middle after the Myers pass */
	long *ha, *rindex;	/* the kept lines' classes and indexes */
	size_t nreff, run_alloc;
	uint32_t *count;	/* occurrences of each class in this run's lines */
	size_t count_alloc;
};

struct cf_linediff {
	struct cf_linediff_side s[2];
	struct cf_linediff_class *cl;
	size_t ncl, cl_alloc;
	uint32_t *slot;		/* the class table: 1 + class, 0 empty */
	size_t nslot, slot_alloc;
	uint32_t *total[2];	/* occurrences of each class in all lines of a side */
	size_t total_alloc;
	long *kvd;
	size_t kvd_alloc;
	int ran;		/* a run's Myers pass is in s[].myers */
	size_t ran_drop;
};

#define CF_LINEDIFF_INIT { 0 }

enum {
	CF_LINEDIFF_MINIMAL = 1	/* no cost limits: the smallest diff (--minimal) */
};

/* Called for each hunk in order: old start, old lines, new start, new lines. */
typedef int cf_linediff_hunk_fn(void *data, const uint32_t hunk[4]);

/*
 * Splits a and b into lines and classes them.  Returns 0, or -1 if either
 * has 2^32 bytes or more.
 */
int cf_linediff_prepare(struct cf_linediff *d, const char *a, size_t alen,
			const char *b, size_t blen);

/*
 * The same, given that the first head and the last tail bytes of a and b
 * are the same whole lines (cf_common_lines() of cf/quickdiff.h, or less):
 * b's lines there are not read again.
 */
int cf_linediff_prepare_common(struct cf_linediff *d, const char *a, size_t alen,
			       const char *b, size_t blen, size_t head, size_t tail);

/*
 * Diffs the prepared sides less their last drop bytes, which must be whole
 * lines common to both (git's trimmed tail), and calls fn for each hunk,
 * whose starts are those of git's hunk headers: the line before the hunk
 * on a side without lines.  Returns 0, or fn's first non-zero result.
 */
int cf_linediff_run(struct cf_linediff *d, size_t drop, unsigned flags,
		    cf_linediff_hunk_fn *fn, void *data);

void cf_linediff_release(struct cf_linediff *d);

#endif
