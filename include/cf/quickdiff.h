#ifndef CF_QUICKDIFF_H
#define CF_QUICKDIFF_H

/*
 * The diffs that need no diff algorithm: most changes to a file replace
 * one block of lines with another.  Then xdiff (git's and libgit2's)
 * trims the common head and tail lines, finds no line shared by what is
 * left of the two sides, and makes one hunk of it, which it then slides
 * only if the line before the hunk equals its last line, or the line after
 * it its first.  cf_quickdiff() proves exactly that with byte compares and
 * one small hash set over the changed block, and leaves every other case
 * to xdiff: it never gives a hunk xdiff would not give.
 *
 * The hunk is four uint32 as cf-records(5)'s "hunks": old start, old
 * lines, new start, new lines; a start is the line before the hunk when
 * that side has no lines, as in git's hunk headers.
 *
 * Not thread-safe: each thread keeps its own struct cf_quickdiff, which
 * owns the set's memory (reused from call to call) until
 * cf_quickdiff_release().
 */

#include <stddef.h>
#include <stdint.h>

struct cf_quickdiff {
	uint64_t *set;		/* line hash << 32 | 1 + line index; 0 is empty */
	size_t cap;
	uint32_t *lines;	/* line starts of the side in the set */
	size_t lines_alloc;
};

#define CF_QUICKDIFF_INIT { NULL, 0, NULL, 0 }

enum cf_quickdiff_need {
	CF_QUICKDIFF_HUNKS,	/* the hunks, where they are */
	CF_QUICKDIFF_COUNTS	/* only the number of lines added and removed */
};

/*
 * The common head and tail lines of a and b as xdiff trims them: *head
 * bytes of whole lines, and *tail bytes of whole lines, which do not
 * overlap the head in either side.
 */
void cf_common_lines(const char *a, size_t alen, const char *b, size_t blen,
		     size_t *head, size_t *tail);

/*
 * Diffs a against b line by line if one block replaces another.  Returns
 * 1 with *nhunk set to the uint32 written to hunk (0 when the sides are
 * equal, else 4), or 0 when xdiff must decide.  With CF_QUICKDIFF_COUNTS
 * only the counts of the hunk are meaningful, and the slides, which do not
 * change them, are not checked.
 */
int cf_quickdiff(struct cf_quickdiff *q, const char *a, size_t alen,
		 const char *b, size_t blen, enum cf_quickdiff_need need,
		 uint32_t hunk[4], size_t *nhunk);

/* The same, given cf_common_lines()'s head and tail of a and b. */
int cf_quickdiff_common(struct cf_quickdiff *q, const char *a, size_t alen,
			const char *b, size_t blen, size_t head, size_t tail,
			enum cf_quickdiff_need need, uint32_t hunk[4], size_t *nhunk);

void cf_quickdiff_release(struct cf_quickdiff *q);

#endif
