#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/size.h"
#include "cf/usage.h"

/* Read once: the limit is a property of the whole run. */
static size_t alloc_limit(void)
{
	static int done;
	static size_t limit;
	if (!done) {
		const char *env = getenv("CF_ALLOC_LIMIT");
		uint64_t v;
		done = 1;
		if (env && *env) {
			if (cf_parse_size(env, &v) < 0)
				die("CF_ALLOC_LIMIT: not a size: '%s'", env);
			limit = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
		}
	}
	return limit;
}

static void check_limit(size_t size)
{
	size_t limit = alloc_limit();
	if (limit && size > limit)
		die("attempting to allocate %zu bytes over limit %zu", size, limit);
}

void *xmalloc(size_t size)
{
	void *p;
	check_limit(size);
	p = malloc(size ? size : 1);
	if (!p)
		die("out of memory, malloc failed (tried to allocate %zu bytes)", size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p;
	check_limit(st_mult(nmemb, size));
	p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die("out of memory, calloc failed (tried to allocate %zu bytes)",
		    st_mult(nmemb, size));
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p;
	check_limit(size);
	p = realloc(ptr, size ? size : 1);
	if (!p)
		die("out of memory, realloc failed (tried to allocate %zu bytes)", size);
	return p;
}

char *xmemdupz(const void *data, size_t len)
{
	char *p = xmalloc(st_add(len, 1));
	if (len)
		memcpy(p, data, len);
	p[len] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xmemdupz(s, strlen(s));
}

size_t st_add(size_t a, size_t b)
{
	if (SIZE_MAX - a < b)
		die("size overflow: %zu + %zu", a, b);
	return a + b;
}

size_t st_mult(size_t a, size_t b)
{
	if (a && SIZE_MAX / a < b)
		die("size overflow: %zu * %zu", a, b);
	return a * b;
}
