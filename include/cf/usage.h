#ifndef CF_USAGE_H
#define CF_USAGE_H

/*
 * The one error vocabulary of Codefang.
 *
 * Every message is one line on stderr, formatted whole and written with a
 * single write(2) so that the stages of a pipeline never interleave:
 *
 *	cf-diff: fatal: record 12 (byte 4711): 'hunks' is not an array
 *
 * Messages are lowercase, without a final full stop, and name what failed
 * first, then where.  Exit codes stay below 126 so that a driver can report
 * "killed by signal N" as 128+N without ambiguity.
 */

#include <stdarg.h>

#define CF_EXIT_OK	0	/* success */
#define CF_EXIT_FAIL	1	/* runtime failure: repository, I/O, a failed stage */
#define CF_EXIT_USAGE	2	/* bad command line */
#define CF_EXIT_DATA	3	/* malformed, truncated or oversized input stream */

/* Set by common/main.c from argv[0] before cmd_main() runs. */
extern const char *cf_progname;

_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die_data(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void cf_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define BUG(...) cf_bug(__FILE__, __LINE__, __VA_ARGS__)

/* Prints "prog: error: ..." and returns -1, for "return error(...)". */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Informational line ("prog: msg"), used for -v output and progress. */
void cf_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Called before exiting on die(): tools that own resources outside the
 * process (shared memory, temporary files) register a cleanup here.
 * At most a few handlers; they run in reverse order of registration.
 */
void cf_atexit_die(void (*fn)(void));

#endif
