#ifndef CF_BURNDOWN_H
#define CF_BURNDOWN_H

/*
 * The line-age state of cf-burndown: for every tracked file, the tick at
 * which each of its lines was last written (and by whom), kept as runs of
 * lines, plus the history of how many lines were born and died when.
 *
 * A file is an array of runs (length, birth tick, author) whose lengths add
 * up to the file's line count.  A modification is applied in one pass that
 * merges the old runs with the diff's hunks: no per-line work, no trees.  The
 * hunks are checked against the tracked state before anything changes, so a
 * change either applies exactly or the file is resynchronised (reset to the
 * new content, born now) and the caller is told why.
 *
 * Accounting follows hercules's sparse history (lines born at tick b that die
 * at tick t count -n in cell [t][b], lines born at t count +n in [t][t]), but
 * cells are summed straight into (sample, band) pairs, since granularity and
 * sampling are known from the start.  Memory is the runs of the live files
 * plus one entry per non-zero (sample, band) pair; the dense matrix exists
 * only one row at a time, while it is written out.
 *
 * Ticks are 32-bit (136 years of seconds), run lengths 32-bit (longer runs
 * are split), line counts and sums 64-bit.
 *
 * Ownership: a struct cf_burndown owns every file, path and run in it;
 * release it with cf_burndown_release().  Paths and hunks passed in are
 * copied or only read during the call.
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"
#include "cf/writer.h"

/* The matrix written at the end is capped at this many cells. */
#define CF_BURNDOWN_MAX_CELLS (UINT64_C(1) << 26)
/* Line counts beyond this are refused by the caller (no file is that long). */
#define CF_BURNDOWN_MAX_LINES (UINT64_C(1) << 40)

struct cf_bd_run {
	uint32_t len;
	uint32_t tick;		/* birth */
	uint32_t author;	/* index from cf_burndown_author() */
};

/* One hunk of a -U0 diff, numbered from 1 as in its "@@" header. */
struct cf_bd_hunk {
	uint64_t old_start, old_count, new_start, new_count;
};

struct cf_bd_change {
	char status;		/* 'A', 'D' or 'M' */
	int binary;		/* either side is binary */
	uint64_t old_lines, new_lines;
	const struct cf_bd_hunk *hunks;	/* 'M' only, in old-file order */
	size_t nr_hunks;
};

struct cf_bd_file;
struct cf_bd_cell;

/* A set of strings, each given a dense index from 0 (paths, identities). */
struct cf_bd_strset {
	struct cf_buf pool;	/* the strings, back to back */
	size_t *off;		/* index -> start in pool; off[nr] is the end */
	uint32_t *hash;		/* index -> hash */
	uint32_t *slot;		/* open addressing: index + 1, or 0 */
	size_t nr, alloc, nr_slots;
};

struct cf_burndown {
	uint32_t granularity, sampling;
	uint32_t tick, author;		/* of the current commit */
	int started;			/* a commit has been seen */

	struct cf_bd_strset paths;
	struct cf_bd_file *files;	/* indexed like paths */
	size_t files_alloc;
	struct cf_bd_strset authors;
	struct cf_buf key;		/* scratch for identity keys */

	struct cf_bd_run *scratch;	/* the merge pass writes here */
	size_t scratch_nr, scratch_alloc;

	uint64_t row;			/* the sample of the current tick */
	int64_t *acc;			/* deltas of that sample, per band */
	size_t acc_nr, acc_alloc;
	struct cf_bd_cell *cells;	/* finished samples, in (row, band) order */
	size_t cells_nr, cells_alloc;

	uint64_t lines;			/* alive in tracked files */
	uint64_t tracked;		/* files tracked (text) */
	uint64_t resyncs;
};

void cf_burndown_init(struct cf_burndown *bd, uint32_t granularity, uint32_t sampling);
void cf_burndown_release(struct cf_burndown *bd);

/* The index of an identity; the same name and email give the same index. */
uint32_t cf_burndown_author(struct cf_burndown *bd, const char *name, size_t name_len,
			    const char *email, size_t email_len);

/*
 * Starts a commit: every change until the next call happens at tick, by
 * author.  Returns -1 (and changes nothing) when tick is smaller than the
 * previous commit's.  Dies when the matrix up to tick would exceed
 * CF_BURNDOWN_MAX_CELLS.
 */
int cf_burndown_commit(struct cf_burndown *bd, uint32_t tick, uint32_t author);

/*
 * Applies one change of the current commit to the file at path.  Returns 0
 * when the change agreed with the tracked state.  Otherwise the file has been
 * resynchronised (all its tracked lines died, new_lines were born now) and
 * the return value is 1 with the reason, one line, appended to why, the first
 * time this happens to the path, and 2 without a reason after that.
 */
int cf_burndown_change(struct cf_burndown *bd, const char *path, size_t path_len,
		       const struct cf_bd_change *ch, struct cf_buf *why);

/* The shape of the matrix up to the current (last) commit's tick. */
uint64_t cf_burndown_samples(const struct cf_burndown *bd);
uint64_t cf_burndown_bands(const struct cf_burndown *bd);

/*
 * Packs the samples x bands matrix as an array of rows, flushing w as it
 * goes, so that a large matrix never sits whole in memory.  Row i counts the
 * lines alive after the last commit whose tick is below (i + 1) * sampling,
 * by the band (birth tick / granularity) they were born in.  Call it once,
 * after the last change.
 */
void cf_burndown_pack_matrix(struct cf_burndown *bd, struct cf_writer *w);

#endif
