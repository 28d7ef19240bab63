#ifndef CF_LANG_H
#define CF_LANG_H

/*
 * The language of a file, guessed from its path alone: first well-known
 * file names ("Makefile", "CMakeLists.txt", "Dockerfile", ...), then the
 * extension (".c" is "C", ".h" is "C" too, ".hpp" is "C++", ...), matched
 * exactly and then case-insensitively.  Anything else is "Other".  The
 * content is never looked at, so the answer is cheap, stable across the
 * history of a file and the same in every stage that asks.
 *
 * Languages are also numbered: ids run from 0 to cf_lang_count() - 1 in
 * byte order of their names, so iterating by id lists them sorted.
 * Ownership: every string returned is static; nothing is allocated.
 */

#include <stddef.h>

/* The number of distinct languages, "Other" included. */
unsigned cf_lang_count(void);
/* The name of language id (id < cf_lang_count()). */
const char *cf_lang_name(unsigned id);
/* The id of the language of path (len bytes, need not be NUL-terminated). */
unsigned cf_lang_id(const char *path, size_t len);
/* cf_lang_name(cf_lang_id(path, len)). */
const char *cf_lang_of(const char *path, size_t len);

#endif
