#ifndef CF_OBJECT_H
#define CF_OBJECT_H

/*
 * Parsers for raw commit and tree objects, and a tree differ that skips
 * subtrees whose ids are equal.  They borrow the bytes they parse: the
 * strings in a cf_commit point into the object buffer and live as long as it.
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/oid.h"

struct cf_odb;

struct cf_ident {
	const char *name;	/* not NUL-terminated: use name_len */
	size_t name_len;
	const char *email;
	size_t email_len;
	int64_t time;		/* seconds since the epoch */
	int tz;			/* minutes east of UTC, e.g. +0130 -> 90 */
};

#define CF_COMMIT_MAX_PARENTS 64

struct cf_commit {
	struct cf_oid tree;
	struct cf_oid parents[CF_COMMIT_MAX_PARENTS];
	size_t nr_parents;	/* parents beyond the array are counted, not kept */
	struct cf_ident author;
	struct cf_ident committer;
	const char *message;	/* after the blank line; message_len bytes */
	size_t message_len;
};

/* Returns 0, or -1 when buf is not a well-formed commit object. */
int cf_commit_parse(struct cf_commit *c, const char *buf, size_t len);

/* Git's file modes, as they appear in trees. */
#define CF_MODE_TREE	0040000
#define CF_MODE_BLOB	0100644
#define CF_MODE_EXEC	0100755
#define CF_MODE_LINK	0120000
#define CF_MODE_GITLINK	0160000

struct cf_tree_change {
	char status;		/* 'A' added, 'D' deleted, 'M' modified */
	const char *path;	/* full path, NUL-terminated, valid during the callback */
	size_t path_len;
	struct cf_oid old_oid;	/* zero for 'A' */
	struct cf_oid new_oid;	/* zero for 'D' */
	uint32_t old_mode;	/* 0 for 'A' */
	uint32_t new_mode;	/* 0 for 'D' */
};

/* Return non-zero to stop the walk; cf_tree_diff then returns that value. */
typedef int (*cf_tree_change_fn)(const struct cf_tree_change *ch, void *data);

/*
 * Reports every file (blob or symlink) that differs between two trees, in
 * git's path order, recursing only into subtrees whose ids differ.  old may
 * be NULL (everything is added).  Submodules (gitlinks) are skipped; a path
 * that turns from a file into a directory or back is a deletion plus
 * additions.  Returns 0, -1 after an error naming the broken object, or the
 * callback's non-zero value.
 */
int cf_tree_diff(struct cf_odb *odb, const struct cf_oid *old, const struct cf_oid *new,
		 cf_tree_change_fn fn, void *data);
/*
 * The same, adding to *gitlinks (when not NULL) one for every submodule
 * entry that differs between the trees and is left out.
 */
int cf_tree_diff_counted(struct cf_odb *odb, const struct cf_oid *old, const struct cf_oid *new,
			 cf_tree_change_fn fn, void *data, uint64_t *gitlinks);

#endif
