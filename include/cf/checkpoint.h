#ifndef CF_CHECKPOINT_H
#define CF_CHECKPOINT_H

/*
 * cf-run's checkpoints in streaming mode: the directory of one repository's
 * checkpoint and its checkpoint.json, the human-readable record of how far
 * the analysis got.
 *
 *	<base>/<repo-hash>/checkpoint.json
 *	<base>/<repo-hash>/analyzer_<N>/chunk-<C>.state	(see cf/state.h)
 *
 * <repo-hash> is 16 hex digits of a 64-bit FNV-1a hash of the repository's
 * absolute git directory.  checkpoint.json is written through a temporary
 * file, fsync and rename: it always names a chunk whose state files are all
 * complete (the driver writes it only after the barrier of that chunk
 * reached the end of the pipeline).  Resuming compares the repository, the
 * head commit, the analyzer set and the options that change results; any
 * difference makes the checkpoint stale, never mixed in.
 *
 * Ownership: struct cf_checkpoint owns its strings (free with
 * cf_checkpoint_release()); the functions that take const char * borrow.
 */

#include <stdint.h>
#include "cf/buf.h"

#define CF_CHECKPOINT_FORMAT 1

struct cf_checkpoint {
	struct cf_buf dir;		/* <base>/<repo-hash> */
	/* What the run is; a resume needs all of it equal. */
	char *repo;			/* absolute git directory */
	char *head;			/* hex id of the range's end */
	char *analyzers;		/* "burndown,devs" */
	char *options;			/* result-changing options, as one line */
	uint64_t total;			/* commits of the walk */
	uint64_t chunk_size;
	int64_t created;
	/* How far it got: chunk and done are valid when saved is set. */
	int saved;
	uint64_t chunk, done;
	char *last;			/* hex id of the chunk's last commit */
};

/* Sets dir from base and repo; the other fields are the caller's to fill. */
void cf_checkpoint_init(struct cf_checkpoint *cp, const char *base, const char *repo);
void cf_checkpoint_release(struct cf_checkpoint *cp);

/*
 * Creates the directories (base, dir, analyzer_0..n-1) and proves that dir
 * takes a file; returns 0, or -1 with errno set and *what naming the path.
 */
int cf_checkpoint_prepare(const struct cf_checkpoint *cp, int nr_analyzers, struct cf_buf *what);

/*
 * Reads dir/checkpoint.json into saved (whose dir must be set): 1 when
 * there is none, 0 when read, -1 when it cannot be read or parsed (why
 * says what is wrong).
 */
int cf_checkpoint_read(struct cf_checkpoint *saved, struct cf_buf *why);

/* NULL when saved can be resumed by cur, else a reason such as "analyzer set differs (a vs b)". */
const char *cf_checkpoint_mismatch(const struct cf_checkpoint *saved,
				   const struct cf_checkpoint *cur, struct cf_buf *why);

/* Writes dir/checkpoint.json atomically; 0, or -1 with errno set (nothing half-written). */
int cf_checkpoint_write(const struct cf_checkpoint *cp);

/* dir/analyzer_<i>/chunk-<chunk>.state */
void cf_checkpoint_state_path(const struct cf_checkpoint *cp, int i, uint64_t chunk,
			      struct cf_buf *out);
void cf_checkpoint_analyzer_dir(const struct cf_checkpoint *cp, int i, struct cf_buf *out);

/* Removes the state files of the chunks before keep. */
void cf_checkpoint_prune(const struct cf_checkpoint *cp, uint64_t keep);

/* Removes the checkpoint: its files and directories (only those it made). */
void cf_checkpoint_clear(const struct cf_checkpoint *cp);

#endif
