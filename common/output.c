/*
 * Writing finished documents (cf/output.h).
 */
#include <errno.h>
#include <fcntl.h>
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

int cf_output_in_place(const char *path)
{
	struct stat st;

	return path && !stat(path, &st) && !S_ISREG(st.st_mode);
}

void cf_output_begin(struct cf_output *o, const char *path)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct cf_buf tmp = CF_BUF_INIT;
	mode_t mask;

	o->tmp = NULL;
	o->path = path;
	o->fd = 1;
	if (!path)
		return;
	if (cf_output_in_place(path)) {
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0)
			die_errno("cannot open '%s'", path);
		return;
	}
	cf_buf_addf(&tmp, "%s.tmp-XXXXXX", path);
	o->tmp = cf_buf_detach(&tmp, NULL);
	tmp_path = o->tmp;
	cf_atexit_die(remove_tmp);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		signal(sigs[i], remove_tmp_on_signal);
	o->fd = mkstemp(o->tmp);
	if (o->fd < 0) {
		tmp_path = NULL;
		die_errno("cannot create a temporary file beside '%s'", path);
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) < 0)
		die_errno("cannot set the mode of '%s'", o->tmp);
}

void cf_output_add(struct cf_output *o, const char *data, size_t len)
{
	write_all(o->fd, data, len, o->tmp ? o->tmp : o->path ? o->path : "standard output");
}

void cf_output_end(struct cf_output *o)
{
	if (!o->tmp) {
		if (o->path && close(o->fd) < 0)
			die_errno("cannot write '%s'", o->path);
		return;
	}
	if (fsync(o->fd) < 0 && errno != EINVAL)
		die_errno("cannot write '%s'", o->tmp);
	if (close(o->fd) < 0)
		die_errno("cannot write '%s'", o->tmp);
	if (rename(o->tmp, o->path) < 0)
		die_errno("cannot rename '%s' to '%s'", o->tmp, o->path);
	tmp_path = NULL;
	free(o->tmp);
	o->tmp = NULL;
}

void cf_output_document(const char *path, const char *data, size_t len)
{
	struct cf_output o;

	cf_output_begin(&o, path);
	cf_output_add(&o, data, len);
	cf_output_end(&o);
}
