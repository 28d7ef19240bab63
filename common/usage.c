/*
 * The error vocabulary.  Each message is built in a local buffer and written
 * with one write(2): several stages share the terminal, and a line written in
 * pieces could be cut by another stage's line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cf/usage.h"

const char *cf_progname = "codefang";

static void (*die_handlers[8])(void);
static int nr_die_handlers;

void cf_atexit_die(void (*fn)(void))
{
	if (nr_die_handlers < (int)(sizeof(die_handlers) / sizeof(*die_handlers)))
		die_handlers[nr_die_handlers++] = fn;
}

static void run_die_handlers(void)
{
	while (nr_die_handlers > 0)
		die_handlers[--nr_die_handlers]();
}

/* Control characters from paths or names must not reach the terminal raw. */
static size_t sanitize(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	return len;
}

static void report(const char *severity, const char *fmt, va_list ap, int errnum)
{
	char msg[4096];
	int n, m;

	if (severity)
		n = snprintf(msg, sizeof(msg), "%s: %s: ", cf_progname, severity);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", cf_progname);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	m = vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) >= sizeof(msg) - 2)
		m = sizeof(msg) - 2 - n;
	sanitize(msg + n, m);
	n += m;
	if (errnum) {
		m = snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
		if (m > 0 && (size_t)(n + m) < sizeof(msg) - 2)
			n += m;
	}
	msg[n++] = '\n';
	while (write(2, msg, n) < 0 && errno == EINTR)
		;
}

#define REPORT(severity, errnum) do { \
		va_list ap; \
		va_start(ap, fmt); \
		report(severity, fmt, ap, errnum); \
		va_end(ap); \
	} while (0)

void die(const char *fmt, ...)
{
	REPORT("fatal", 0);
	run_die_handlers();
	exit(CF_EXIT_FAIL);
}

void die_errno(const char *fmt, ...)
{
	int e = errno;
	REPORT("fatal", e);
	run_die_handlers();
	exit(CF_EXIT_FAIL);
}

void die_data(const char *fmt, ...)
{
	REPORT("fatal", 0);
	run_die_handlers();
	exit(CF_EXIT_DATA);
}

void usage_error(const char *fmt, ...)
{
	REPORT("usage", 0);
	fprintf(stderr, "Try '%s -h' for more information.\n", cf_progname);
	run_die_handlers();
	exit(CF_EXIT_USAGE);
}

void cf_bug(const char *file, int line, const char *fmt, ...)
{
	char where[512];
	snprintf(where, sizeof(where), "BUG %s:%d", file, line);
	REPORT(where, 0);
	run_die_handlers();
	abort();
}

int error(const char *fmt, ...)
{
	REPORT("error", 0);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int e = errno;
	REPORT("error", e);
	return -1;
}

void warning(const char *fmt, ...)
{
	REPORT("warning", 0);
}

void cf_note(const char *fmt, ...)
{
	REPORT(NULL, 0);
}
