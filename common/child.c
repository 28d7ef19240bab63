#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cf/buf.h"
#include "cf/child.h"

static int is_executable(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int cf_child_lookup(const char *name, struct cf_buf *out)
{
	const char *path = getenv("PATH"), *p, *end;
	size_t start = out->len;

	if (!*name) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(name, '/')) {
		cf_buf_addstr(out, name);
		return 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		cf_buf_setlen(out, start);
		/* An empty PATH entry means the current directory. */
		if (end == p)
			cf_buf_addch(out, '.');
		else
			cf_buf_add(out, p, end - p);
		cf_buf_addch(out, '/');
		cf_buf_addstr(out, name);
		if (is_executable(out->buf + start))
			return 0;
		if (!*end)
			break;
	}
	cf_buf_setlen(out, start);
	errno = ENOENT;
	return -1;
}

/* Between fork() and exec(): async-signal-safe calls only. */
static void child_setup(const struct cf_child *c, const char *path, int notify)
{
	struct sigaction sa;
	sigset_t none;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);	/* fails harmlessly for reserved numbers */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (c->in > 0 && (dup2(c->in, 0) < 0 || (c->in != 0 && close(c->in) < 0)))
		goto fail;
	if (c->out > 0 && c->out != 1 && (dup2(c->out, 1) < 0 || close(c->out) < 0))
		goto fail;
	execv(path, (char *const *)c->argv);
fail:
	err = errno;
	while (write(notify, &err, sizeof(err)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* The child's report: 0 when exec succeeded (EOF), else its errno. */
static int read_notify(int fd)
{
	int err = 0;
	ssize_t n;
	do {
		n = read(fd, &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(err) ? err : 0;
}

static void close_given(struct cf_child *c)
{
	if (c->in > 0)
		close(c->in);
	if (c->out > 0)
		close(c->out);
}

int cf_child_start(struct cf_child *c)
{
	struct cf_buf path = CF_BUF_INIT;
	int notify[2], err;
	pid_t pid;

	c->pid = 0;
	if (!c->argv || !c->argv[0] || cf_child_lookup(c->argv[0], &path) < 0)
		goto fail_early;
	if (pipe2(notify, O_CLOEXEC) < 0)
		goto fail_early;
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(notify[0]);
		close(notify[1]);
		errno = err;
		goto fail_early;
	}
	if (!pid) {
		close(notify[0]);
		child_setup(c, path.buf, notify[1]);
	}
	close(notify[1]);
	close_given(c);
	cf_buf_release(&path);
	err = read_notify(notify[0]);
	close(notify[0]);
	c->pid = pid;
	if (err) {
		cf_child_finish(c);	/* reap the child that exited 127 */
		errno = err;
		return -1;
	}
	return 0;

fail_early:
	err = errno;
	close_given(c);
	cf_buf_release(&path);
	errno = err;
	return -1;
}

int cf_child_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

int cf_child_finish(struct cf_child *c)
{
	int status;
	pid_t got;

	if (c->pid <= 0) {
		errno = ECHILD;
		return -1;
	}
	do {
		got = waitpid(c->pid, &status, 0);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return -1;
	c->pid = 0;
	return cf_child_code(status);
}
