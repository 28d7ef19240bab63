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
 * With CF_BD_FILES every file also keeps its own sparse history, a list of
 * (sample, band, delta) cells, and with CF_BD_PEOPLE every author does, keyed
 * by the author of the lines, beside the overwrites (whose lines died in
 * whose commits) in a sparse table.  The dense matrices of the files alive at
 * the end and of the people are made from those cells only while they are
 * written out.  A file's history moves with it on a rename; a file that
 * stops being tracked hands its history to one "deleted" history, so that
 * the per-file matrices plus that one add up to the global matrix.
 *
 * Ticks are 32-bit (136 years of seconds), run lengths 32-bit (longer runs
 * are split), line counts and sums 64-bit.
 *
 * Ownership: a struct cf_burndown owns every file, path and run in it;
 * release it with cf_burndown_release().  Paths and hunks passed in are
 * copied or only read during the call.
 */

#include <msgpack.h>
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
	char status;		/* 'A', 'D', 'M' or 'R' (renamed from old_path) */
	const char *old_path;	/* 'R' only */
	size_t old_path_len;
	int binary;		/* either side is binary */
	int new_text;		/* with binary: the new side is text (binary -> text) */
	uint64_t old_lines, new_lines;
	const struct cf_bd_hunk *hunks;	/* 'M' and 'R', in old-file order */
	size_t nr_hunks;
};

struct cf_bd_file;
struct cf_bd_cell;

/* A cell of a sparse per-file or per-person history. */
struct cf_bd_hcell {
	uint32_t row, band;
	int32_t delta;		/* larger sums are split over several cells */
};

/*
 * A sparse history, cells in ascending order of row: cells[0..row_start)
 * have been merged (equal (row, band) cells summed, zeros dropped); the ones
 * after them all belong to the last row and are merged when the row ends or
 * when they pile up.  Readers sum the cells of a row, whatever their order.
 */
struct cf_bd_hist {
	struct cf_bd_hcell *cells;
	uint32_t nr, alloc, row_start, tail_mark;
};

enum cf_bd_flags {
	CF_BD_FILES = 1 << 0,	/* a history per file */
	CF_BD_PEOPLE = 1 << 1,	/* a history per author, overwrites, ownership */
};

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
	unsigned flags;			/* enum cf_bd_flags */
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
	uint64_t renames;		/* 'R' changes applied */

	struct cf_bd_hist deleted;	/* CF_BD_FILES: files no longer tracked */
	struct cf_bd_hist *people;	/* CF_BD_PEOPLE: indexed like authors */
	uint64_t *written;		/* lines born per author */
	size_t people_alloc;
	uint64_t *ow_keys;		/* overwrites: (owner << 32 | remover), or UINT64_MAX */
	uint64_t *ow_counts;
	size_t ow_nr, ow_slots;
};

void cf_burndown_init(struct cf_burndown *bd, uint32_t granularity, uint32_t sampling,
		      unsigned flags);
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
 * Applies one change of the current commit to the file at path.  An 'R'
 * change first moves the state of old_path (runs, history) to path, then
 * applies its hunks as a modification; the target must not be tracked.
 * Returns 0
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

/*
 * The per-file and per-person parts of the result, each one msgpack value,
 * after cf_burndown_pack_matrix().  Sparse matrices are arrays of rows, each
 * row a flat array of (band, count) pairs for its non-zero cells, ascending.
 *   files: [{path, lines, sparse}] of the tracked files, by path
 *   deleted: the sparse matrix of the lines of files not tracked at the end
 *   people: [{name, email}] in index order
 *   people_matrices: one sparse matrix per person
 *   written: lines born per person
 *   overwrites: one sparse row per owner: (remover, lines) pairs
 *   ownership: [{path, owners}], owners (person, lines) pairs, by path
 */
void cf_burndown_pack_files(struct cf_burndown *bd, struct cf_writer *w);
void cf_burndown_pack_deleted(struct cf_burndown *bd, struct cf_writer *w);
void cf_burndown_pack_people(struct cf_burndown *bd, msgpack_packer *pk);
void cf_burndown_pack_people_matrices(struct cf_burndown *bd, struct cf_writer *w);
void cf_burndown_pack_written(struct cf_burndown *bd, msgpack_packer *pk);
void cf_burndown_pack_overwrites(struct cf_burndown *bd, struct cf_writer *w);
void cf_burndown_pack_ownership(struct cf_burndown *bd, struct cf_writer *w);

/*
 * Checkpoints.  cf_burndown_hibernate() merges every history's pending cells
 * and gives back the slack of every array; the state is unchanged.
 * cf_burndown_pack_state() packs the whole state as one map, and
 * cf_burndown_unpack_state() restores it into a freshly initialised struct
 * with the same granularity, sampling and flags, dying (exit 3) with a
 * message that names what when the state is malformed.
 */
void cf_burndown_hibernate(struct cf_burndown *bd);
void cf_burndown_pack_state(struct cf_burndown *bd, msgpack_packer *pk);
void cf_burndown_unpack_state(struct cf_burndown *bd, const msgpack_object *map,
			      const char *what);

#endif
