/*
 * Writing finished documents (cf/output.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cf/buf.h"
#include "cf/output.h"
#include "cf/usage.h"

static void write_all(int fd, const char *p, size_t len, const char *what)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && fd == 1)
			die_errno("write failure on standard output");
		if (n < 0)
			die_errno("cannot write '%s'", what);
		p += n;
		len -= n;
	}
}

/* The temporary file of -o, removed on die() and on a terminating signal. */
static char *tmp_path;

static void remove_tmp(void)
{
	if (tmp_path)
		unlink(tmp_path);
}

static void remove_tmp_on_signal(int sig)
{
	remove_tmp();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void write_file(const char *path, const char *data, size_t len)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct cf_buf tmp = CF_BUF_INIT;
	mode_t mask;
	int fd;

	cf_buf_addf(&tmp, "%s.tmp-XXXXXX", path);
	tmp_path = tmp.buf;
	cf_atexit_die(remove_tmp);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		signal(sigs[i], remove_tmp_on_signal);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		tmp_path = NULL;
		die_errno("cannot create a temporary file beside '%s'", path);
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0)
		die_errno("cannot set the mode of '%s'", tmp.buf);
	write_all(fd, data, len, tmp.buf);
	if (fsync(fd) < 0 && errno != EINVAL)
		die_errno("cannot write '%s'", tmp.buf);
	if (close(fd) < 0)
		die_errno("cannot write '%s'", tmp.buf);
	if (rename(tmp.buf, path) < 0)
		die_errno("cannot rename '%s' to '%s'", tmp.buf, path);
	tmp_path = NULL;
	cf_buf_release(&tmp);
}

void cf_output_document(const char *path, const char *data, size_t len)
{
	if (path)
		write_file(path, data, len);
	else
		write_all(1, data, len, "standard output");
}
