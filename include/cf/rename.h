#ifndef CF_RENAME_H
#define CF_RENAME_H

/*
 * Rename detection among the deleted and the added files of one commit,
 * with the rules of `git log -M` (git 2.39's diffcore-rename), so that the
 * pairs agree with git's:
 *
 *  1. exact renames: an added file whose blob id is that of a deleted file
 *     (symbolic links and other non-regular files only with the same mode);
 *     among several sources, an unused one with the same base name first,
 *     then the first in path order;
 *  2. base names: a source and a destination whose base name is unique on
 *     both sides are paired when their similarity reaches
 *     min + (100% - min) / 2 (75% for git's default 50%);
 *  3. the rest, unless (destinations left) x (sources left) exceeds
 *     limit^2: every pair is scored, the four best sources of each
 *     destination are kept, and pairs are taken best first (equal scores:
 *     same base name first, then destination and source order) while they
 *     reach min.
 *
 * Similarity is git's estimate: both blobs are cut into chunks that end at
 * a newline or after 64 bytes (a CR before LF is ignored in text), chunks
 * are hashed, and the score is (bytes of the source's chunks found in the
 * destination) / (the larger size); pairs whose sizes differ too much to
 * reach the threshold are never read.  Only regular files are scored.
 *
 * Ownership: the detector owns its result arrays and scratch, reused from
 * call to call; the file arrays passed in are borrowed for the call only.
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/oid.h"

struct cf_odb;

/* git's scale: a score is a fraction of CF_RENAME_MAX_SCORE. */
#define CF_RENAME_MAX_SCORE 60000

struct cf_rename_file {
	const char *path;	/* NUL-terminated */
	size_t path_len;
	struct cf_oid oid;
	uint32_t mode;
};

struct cf_rename_opts {
	unsigned min_percent;	/* similarity threshold, 0..100 (git: 50) */
	uint64_t limit;		/* git's rename limit; 0: no limit */
};

struct cf_renames {
	/* Results of the last call, one entry per destination. */
	size_t *src;		/* the source renamed to it, or SIZE_MAX */
	unsigned *score;	/* 0..100 */
	unsigned char *exact;	/* found by blob id */
	size_t nr_exact, nr_similar;
	int limited;		/* step 3 was skipped for the limit */

	size_t alloc;
	struct cf_rename_scratch *s;
};

void cf_renames_init(struct cf_renames *r);
void cf_renames_release(struct cf_renames *r);

/*
 * Pairs src (deleted) with dst (added) files.  Returns 0, or -1 when a blob
 * cannot be read (an error naming it has been printed).
 */
int cf_renames_find(struct cf_renames *r, struct cf_odb *odb,
		    const struct cf_rename_opts *opt,
		    const struct cf_rename_file *src, size_t nr_src,
		    const struct cf_rename_file *dst, size_t nr_dst);

#endif
