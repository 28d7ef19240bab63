/*
 * libFuzzer harness for cf_linediff: its hunks must be libgit2's xdiff's
 * (Myers, indent heuristic, no context; with --minimal's flag when the
 * input asks), for the whole sides, for the sides less a common tail, and
 * for the whole sides again after the tail's run (the reuse of the Myers
 * pass).  The input is read as two middles and a common tail, each byte
 * one line of a small alphabet (repeated lines, blank lines, braces,
 * indentation), the middles possibly repeated, so that lines are frequent
 * and the cost limits are passed.
 */
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/buf.h"
#include "cf/linediff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const alphabet[] = {
	"a\n", "b\n", "\n", "}\n", "\tx;\n", "  y\n", "{\n", "c\n",
	"\treturn 0;\n", "int f(void)\n", "\t}\n", "\t\tz();\n", "\n", "}\n", "  \n", "\tx;\n",
};

static void lines(struct cf_buf *b, const uint8_t *p, size_t n, size_t times)
{
	while (times--)
		for (size_t i = 0; i < n; i++) {
			if (p[i] < 64)
				cf_buf_addf(b, "\tline %u;\n", p[i]);
			else
				cf_buf_addstr(b, alphabet[p[i] % 16]);
		}
}

static int on_git_hunk(const git_diff_delta *d, const git_diff_hunk *h, void *data)
{
	(void)d;
	cf_buf_addf(data, "%d %d %d %d\n", h->old_start, h->old_lines, h->new_start, h->new_lines);
	return 0;
}

static int on_hunk(void *data, const uint32_t h[4])
{
	cf_buf_addf(data, "%u %u %u %u\n", h[0], h[1], h[2], h[3]);
	return 0;
}

static void xdiff(const char *a, size_t alen, const char *b, size_t blen, int minimal,
		     struct cf_buf *out)
{
	git_diff_options opts;

	git_libgit2_init();
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 0;
	opts.interhunk_lines = 0;
	opts.flags = GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT |
		     (minimal ? GIT_DIFF_MINIMAL : 0);
	if (git_diff_buffers(a, alen, NULL, b, blen, NULL, &opts, NULL, NULL,
			     on_git_hunk, NULL, out) < 0)
		abort();
}

static void check(const char *what, const struct cf_buf *want, const struct cf_buf *got)
{
	if (want->len == got->len && !memcmp(want->buf, got->buf, want->len))
		return;
	fprintf(stderr, "%s: libgit2:\n%.*scf_linediff:\n%.*s", what, (int)want->len,
		want->buf ? want->buf : "", (int)got->len, got->buf ? got->buf : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cf_linediff d = CF_LINEDIFF_INIT;
	struct cf_buf a = CF_BUF_INIT, b = CF_BUF_INIT;
	struct cf_buf want = CF_BUF_INIT, got = CF_BUF_INIT;
	size_t cut[2], rest, rep, tail;
	int minimal;

	if (size < 4 || size > 8192)
		return 0;
	rep = 1 + data[0] % 4;
	minimal = data[0] >> 7;
	rest = size - 3;
	cut[0] = data[1] * rest / 256;
	cut[1] = cut[0] + (size_t)data[2] * (rest - cut[0]) / 256;
	data += 3;
	/* a's middle [0, c0), b's [c0, c1), the tail [c1, rest) */
	lines(&a, data, cut[0], rep);
	lines(&b, data + cut[0], cut[1] - cut[0], rep);
	tail = a.len;
	lines(&a, data + cut[1], rest - cut[1], 1);
	tail = a.len - tail;
	lines(&b, data + cut[1], rest - cut[1], 1);
	if (data[-3] & 16 && tail) {
		a.len--;	/* no newline at the end */
		b.len--;
		tail--;
	}

	xdiff(a.buf, a.len, b.buf, b.len, minimal, &want);
	if (cf_linediff_prepare(&d, a.buf, a.len, b.buf, b.len) < 0 ||
	    cf_linediff_run(&d, 0, minimal ? CF_LINEDIFF_MINIMAL : 0, on_hunk, &got) < 0)
		abort();
	check("whole", &want, &got);

	cf_buf_reset(&want);
	cf_buf_reset(&got);
	xdiff(a.buf, a.len - tail, b.buf, b.len - tail, minimal, &want);
	if (cf_linediff_prepare(&d, a.buf, a.len, b.buf, b.len) < 0 ||
	    cf_linediff_run(&d, tail, minimal ? CF_LINEDIFF_MINIMAL : 0, on_hunk, &got) < 0)
		abort();
	check("less the tail", &want, &got);

	cf_buf_reset(&want);
	cf_buf_reset(&got);
	xdiff(a.buf, a.len, b.buf, b.len, minimal, &want);
	if (cf_linediff_run(&d, 0, minimal ? CF_LINEDIFF_MINIMAL : 0, on_hunk, &got) < 0)
		abort();
	check("whole after the tail", &want, &got);

	cf_buf_release(&a);
	cf_buf_release(&b);
	cf_buf_release(&want);
	cf_buf_release(&got);
	return 0;
}
