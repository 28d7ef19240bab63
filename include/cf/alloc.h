#ifndef CF_ALLOC_H
#define CF_ALLOC_H

/*
 * Allocators that die instead of returning NULL, and size arithmetic that
 * dies on overflow.  The fatal message names the requested size.
 *
 * CF_ALLOC_LIMIT (environment, a size such as "64MiB") caps any single
 * allocation, so that tests can prove a stage stays under a ceiling.
 */

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
/* Copies len bytes and adds a NUL; the result is yours to free. */
char *xmemdupz(const void *data, size_t len);

size_t st_add(size_t a, size_t b);
size_t st_mult(size_t a, size_t b);

/*
 * Grows an array so that it holds at least nr elements:
 *	CF_ALLOC_GROW(items, n + 1, alloc);
 */
#define CF_ALLOC_GROW(x, nr, alloc) do { \
		if ((size_t)(nr) > (alloc)) { \
			size_t cf_grow_ = (alloc) < 8 ? 16 : st_add((alloc), (alloc) / 2); \
			if (cf_grow_ < (size_t)(nr)) \
				cf_grow_ = (nr); \
			(x) = xrealloc((x), st_mult(sizeof(*(x)), cf_grow_)); \
			(alloc) = cf_grow_; \
		} \
	} while (0)

#endif
