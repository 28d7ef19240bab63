#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/usage.h"

char cf_buf_empty[1];

void cf_buf_init(struct cf_buf *b, size_t hint)
{
	b->alloc = b->len = 0;
	b->buf = cf_buf_empty;
	if (hint)
		cf_buf_grow(b, hint);
}

void cf_buf_release(struct cf_buf *b)
{
	if (b->alloc)
		free(b->buf);
	cf_buf_init(b, 0);
}

char *cf_buf_detach(struct cf_buf *b, size_t *len)
{
	char *p;
	if (!b->alloc)
		cf_buf_grow(b, 0);
	p = b->buf;
	if (len)
		*len = b->len;
	cf_buf_init(b, 0);
	return p;
}

void cf_buf_grow(struct cf_buf *b, size_t extra)
{
	size_t want = st_add(st_add(b->len, extra), 1);
	int fresh = !b->alloc;
	if (want <= b->alloc)
		return;
	if (fresh)
		b->buf = NULL;
	CF_ALLOC_GROW(b->buf, want, b->alloc);
	if (fresh)
		b->buf[0] = '\0';
}

void cf_buf_setlen(struct cf_buf *b, size_t len)
{
	if (len > (b->alloc ? b->alloc - 1 : 0))
		BUG("cf_buf_setlen beyond allocation (%zu)", len);
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

void cf_buf_add(struct cf_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	cf_buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	cf_buf_setlen(b, b->len + len);
}

void cf_buf_addstr(struct cf_buf *b, const char *s)
{
	cf_buf_add(b, s, strlen(s));
}

void cf_buf_addch(struct cf_buf *b, int c)
{
	cf_buf_grow(b, 1);
	b->buf[b->len] = (char)c;
	cf_buf_setlen(b, b->len + 1);
}

void cf_buf_vaddf(struct cf_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	cf_buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("vsnprintf failed for '%s'", fmt);
	if ((size_t)n >= b->alloc - b->len) {
		cf_buf_grow(b, n);
		n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	cf_buf_setlen(b, b->len + n);
}

void cf_buf_addf(struct cf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cf_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

int cf_buf_read_file(struct cf_buf *b, const char *path)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n;
		cf_buf_grow(b, 65536);
		n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			if (fd)
				close(fd);
			errno = e;
			return -1;
		}
		if (!n)
			break;
		cf_buf_setlen(b, b->len + n);
	}
	if (fd)
		close(fd);
	return 0;
}
