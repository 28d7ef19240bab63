#ifndef CF_SCOPE_H
#define CF_SCOPE_H

/*
 * Which paths an analysis looks at: include and exclude globs, the
 * vendored-files preset and a set of languages, as cf-treediff applies
 * them to change records.
 *
 * Globs are git's pathspec globs (":(glob)"), matched on the whole path:
 * "*" and "?" never match a '/', "[...]" is a class ("[!...]" negated),
 * "\" quotes the next character, "**" as a whole component matches any
 * number of directories ("**" + "/x", "a/" + "**", "a/" + "**" + "/b").  As
 * in git, a pattern that matches a leading part of a path made of whole
 * components matches everything under it: "vendor" matches "vendor/a/b.js",
 * and "src" followed by "/" and "*" matches "src/a/b.c".
 *
 * The counts of what was left out travel as "scope" records (cf-records(5));
 * struct cf_scope_sums adds them up for cf-reduce: group ("skipped",
 * "renames") -> counter -> sum.
 *
 * Ownership: a scope owns copies of its patterns; cf_scope_release()
 * frees them.  Sums own their names.
 */

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "cf/reader.h"

struct cf_scope {
	char **include, **exclude;
	size_t nr_include, nr_exclude, alloc_include, alloc_exclude;
	int vendored;			/* the preset is on */
	unsigned char *languages;	/* NULL: any; else one flag per language id */
};

enum cf_scope_verdict {
	CF_SCOPE_KEEP,
	CF_SCOPE_EXCLUDED,	/* by --include / --exclude */
	CF_SCOPE_VENDORED,	/* by the preset */
	CF_SCOPE_LANGUAGE,	/* not one of the languages */
};

void cf_scope_init(struct cf_scope *s);
void cf_scope_release(struct cf_scope *s);
void cf_scope_include(struct cf_scope *s, const char *glob);
void cf_scope_exclude(struct cf_scope *s, const char *glob);
/*
 * Adds the comma-separated language names of list (as cf/lang.h names
 * them, any case).  Returns 0, or -1 with *bad pointing at the first
 * unknown name (list is modified: names are cut at their commas).
 */
int cf_scope_languages(struct cf_scope *s, char *list, const char **bad);
/* Whether any filter is set: without one every change is kept. */
int cf_scope_active(const struct cf_scope *s);

/*
 * The verdict on a change with one path (old == NULL) or two (a rename).
 * A change is kept when either path matches the includes (if any) and
 * neither an exclude, neither path is vendored, and either path is of one
 * of the languages (if any); the first test that fails is the verdict.
 */
enum cf_scope_verdict cf_scope_check(const struct cf_scope *s,
				     const char *path, size_t len,
				     const char *old, size_t old_len);

/* A glob (NUL-terminated) against len bytes of path, with the rules above. */
int cf_glob_match(const char *glob, const char *path, size_t len);

/* Whether path is vendored, minified, a lock file or generated, by name. */
int cf_path_vendored(const char *path, size_t len);

#define CF_REC_SCOPE "scope"

struct cf_scope_sums {
	struct cf_scope_sum *items;	/* sorted by group, then counter */
	size_t nr, alloc;
	int seen;			/* a scope record was added */
};

/* Adds a scope record's counts; a malformed one dies with exit 3. */
void cf_scope_sums_add(struct cf_scope_sums *s, const struct cf_record *rec);
/* Packs the sums as one map of maps, or (record) as one scope record. */
void cf_scope_sums_pack(const struct cf_scope_sums *s, msgpack_packer *pk, int record);
void cf_scope_sums_release(struct cf_scope_sums *s);

#endif
