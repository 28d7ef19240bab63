#ifndef CF_MAILMAP_H
#define CF_MAILMAP_H

/*
 * Identities resolved through a repository's mailmap, exactly as git does
 * it (libgit2's parser reads some of git's own .mailmap lines differently).
 *
 * Sources, later ones winning, as in git: the work tree's .mailmap (not
 * followed when it is a symlink), the blob named by mailmap.blob (default
 * "HEAD:.mailmap" in a bare repository), the file named by mailmap.file.
 * A line is "Proper Name <proper@email> [Commit Name] [<commit@email>]";
 * anything after the last pair it understands is ignored; lines starting
 * with '#' are comments.  Emails and names match case-insensitively (ASCII).
 *
 * Ownership: the map owns its strings; the pointers cf_mailmap_resolve()
 * returns live as long as the map or the strings passed in.
 */

#include <stddef.h>
#include <git2.h>

struct cf_mailmap;

struct cf_mailmap *cf_mailmap_new(void);
/* Reads every source of repo's mailmap; missing sources are not errors. */
struct cf_mailmap *cf_mailmap_load(git_repository *repo);
/* Adds the lines of one mailmap text. */
void cf_mailmap_add(struct cf_mailmap *mm, const char *text, size_t len);
/* Replaces *name and/or *email when the map has an entry for them. */
void cf_mailmap_resolve(const struct cf_mailmap *mm, const char **name, const char **email);
void cf_mailmap_free(struct cf_mailmap *mm);

#endif
