#ifndef CF_REPO_H
#define CF_REPO_H

/*
 * Opening a repository with libgit2, for every tool that takes a REPO
 * argument: a work tree, any directory inside one, or a bare repository.
 * Failures are fatal with the messages all tools share:
 *
 *	cf-revlist: fatal: not a git repository: 'PATH'
 *
 * libgit2 is initialised on the first open and never shut down (the process
 * ends soon after).  Ownership: the caller owns the returned repository and
 * frees it with cf_repo_close(); strings returned here borrow from it.
 */

#include <git2.h>
#include <string.h>
#include "cf/oid.h"

/* Opens the repository at or above path, or dies. */
git_repository *cf_repo_open(const char *path);
void cf_repo_close(git_repository *repo);

/* The git directory (holding "objects/"), absolute, with a final slash. */
const char *cf_repo_gitdir(git_repository *repo);

/* libgit2's message for its last error, or "unknown error". */
const char *cf_git_error(void);

static inline void cf_oid_from_git(struct cf_oid *dst, const git_oid *src)
{
	memcpy(dst->id, src->id, CF_OID_RAWSZ);
}

static inline void cf_oid_to_git(git_oid *dst, const struct cf_oid *src)
{
	memcpy(dst->id, src->id, CF_OID_RAWSZ);
}

#endif
