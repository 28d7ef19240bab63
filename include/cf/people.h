#ifndef CF_PEOPLE_H
#define CF_PEOPLE_H

/*
 * A people dictionary: who is who when one person commits under several
 * names and addresses, applied after the mailmap (cf/mailmap.h), so that
 * both work together.
 *
 * One person per line, aliases separated by '|'; each alias is a name, an
 * email (it has an '@' and no blank) or "Name <email>"; blank lines and
 * lines starting with '#' are ignored, blanks around aliases too.  An
 * identity matches an alias case-insensitively (ASCII): "Name <email>"
 * when both match, then an email alias by email, then a name alias by
 * name; the first line with a matching alias wins.  The person's canonical
 * identity is the first alias's name (a bare email alias is its own name)
 * and the first email the line gives ("" when it gives none).
 *
 * Ownership: the dictionary owns its strings; the pointers
 * cf_people_resolve() stores live as long as the dictionary.
 */

#include <stddef.h>

struct cf_people;

/* Reads the dictionary at path; dies naming the file when it cannot. */
struct cf_people *cf_people_load(const char *path);
/* The same from text, for tests and callers that hold the bytes. */
struct cf_people *cf_people_parse(const char *text, size_t len);
/* Replaces *name and *email with the canonical identity when one matches. */
void cf_people_resolve(struct cf_people *p, const char **name, const char **email);
void cf_people_free(struct cf_people *p);

#endif
