#ifndef CF_CHILD_H
#define CF_CHILD_H

/*
 * Running a command as a child process, for drivers such as cf-run.
 *
 *	struct cf_child c = CF_CHILD_INIT;
 *	c.argv = argv;		(NULL-terminated; argv[0] is a path or a name on PATH)
 *	c.in = fd;		(0: inherit stdin; > 0: that fd becomes the child's stdin)
 *	c.out = fd;		(0: inherit stdout; > 0: that fd becomes its stdout)
 *	if (cf_child_start(&c) < 0)
 *		die_errno("cannot run '%s'", argv[0]);
 *	status = cf_child_finish(&c);	(exit code, or 128 + signal)
 *
 * The program is looked up on PATH before fork(), and nothing is allocated
 * between fork() and exec(), so a driver may start children from a process
 * that has signal handlers.  In the child every signal disposition goes back
 * to its default and the signal mask is emptied, whatever the driver had set
 * (a stage must die of SIGPIPE when its reader goes away).  An exec failure
 * is reported back through a close-on-exec pipe, so cf_child_start() returns
 * -1 with errno set (ENOENT, EACCES, ...) instead of a child exiting 127.
 *
 * Ownership: the child structure borrows argv, which must live until
 * cf_child_start() returns.  The fds given as in and out (when > 0) belong to
 * the child from then on: cf_child_start() closes the parent's copies, on
 * success and on failure, since a pipe end left open in the parent means its
 * reader never sees EOF.  Every other fd the caller creates for a pipeline
 * should be close-on-exec (pipe2(O_CLOEXEC)) so that no child inherits it.
 */

#include <sys/types.h>
#include "cf/buf.h"

struct cf_child {
	const char *const *argv;
	int in, out;
	pid_t pid;		/* set by cf_child_start(), 0 before */
};

#define CF_CHILD_INIT { NULL, 0, 0, 0 }

/*
 * Resolves name as execvp() would (a name with a slash is used as is) and
 * appends the path to out; returns 0, or -1 with errno set when no
 * executable file of that name is on PATH.
 */
int cf_child_lookup(const char *name, struct cf_buf *out);

/* Returns 0 with c->pid set, or -1 with errno set (nothing left running). */
int cf_child_start(struct cf_child *c);

/*
 * Waits for the child (retrying on EINTR) and returns its exit code, or
 * 128 + N when it was killed by signal N; -1 with errno set if waitpid fails.
 */
int cf_child_finish(struct cf_child *c);

/* Turns a waitpid() status into the same code: exit code or 128 + signal. */
int cf_child_code(int wstatus);

#endif
