#ifndef CF_BUF_H
#define CF_BUF_H

/*
 * A growable, binary-safe byte buffer in the manner of git's strbuf.
 *
 * buf is never NULL and always NUL-terminated at buf[len] (the NUL is not
 * counted), so a cf_buf can be handed to functions that want a C string.
 * Ownership: the buffer owns its bytes; cf_buf_detach() hands them to you
 * (free them yourself) and leaves the buffer empty and reusable.
 */

#include <stdarg.h>
#include <stddef.h>

struct cf_buf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char cf_buf_empty[];
#define CF_BUF_INIT { 0, 0, cf_buf_empty }

void cf_buf_init(struct cf_buf *b, size_t hint);
void cf_buf_release(struct cf_buf *b);
char *cf_buf_detach(struct cf_buf *b, size_t *len);

/* Makes room for extra more bytes (beyond len) without changing len. */
void cf_buf_grow(struct cf_buf *b, size_t extra);
void cf_buf_setlen(struct cf_buf *b, size_t len);
static inline void cf_buf_reset(struct cf_buf *b) { cf_buf_setlen(b, 0); }

void cf_buf_add(struct cf_buf *b, const void *data, size_t len);
void cf_buf_addstr(struct cf_buf *b, const char *s);
void cf_buf_addch(struct cf_buf *b, int c);
void cf_buf_addf(struct cf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cf_buf_vaddf(struct cf_buf *b, const char *fmt, va_list ap);

/* Reads the whole file (or fd 0 for "-"); returns -1 with errno set. */
int cf_buf_read_file(struct cf_buf *b, const char *path);

#endif
