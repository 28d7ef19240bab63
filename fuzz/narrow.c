/*
 * libFuzzer harness for cf_narrow: wherever it narrows a pair, libgit2's
 * xdiff (myers, indent heuristic, no context) must give the narrowed sides
 * the hunks of the whole sides, moved by the shift.  The input is read as
 * a common head, two middles and a common tail, each byte one line of a
 * small alphabet (repeated lines, blank lines, braces, indentation), so
 * that the cut holds middle lines and groups can slide into the margins.
 */
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/buf.h"
#include "cf/narrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static const char *const alphabet[] = {
	"a\n", "b\n", "\n", "}\n", "\tx;\n", "  y\n", "{\n", "c\n",
	"\treturn 0;\n", "int f(void)\n", "\t}\n", "\t\tz();\n", "\n", "}\n", "\n", "\tx;\n",
};

struct hunks {
	struct cf_buf v;
	long shift;
};

static int on_hunk(const git_diff_delta *d, const git_diff_hunk *h, void *data)
{
	struct hunks *hs = data;

	(void)d;
	cf_buf_addf(&hs->v, "%ld %d %ld %d\n", h->old_start + hs->shift, h->old_lines,
		    h->new_start + hs->shift, h->new_lines);
	return 0;
}

/* Byte c as a line: the alphabet, or below 64 a line of its own. */
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

static void diff(const struct cf_buf *a, const struct cf_buf *b, struct hunks *x)
{
	static git_diff_options opts;

	if (!opts.version) {
		git_libgit2_init();
		git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
		opts.context_lines = 0;
		opts.interhunk_lines = 0;
		opts.flags = GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT;
	}
	if (git_diff_buffers(a->buf, a->len, NULL, b->buf, b->len, NULL, &opts,
			     NULL, NULL, on_hunk, NULL, x) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cf_narrow n = CF_NARROW_INIT;
	struct cf_buf a = CF_BUF_INIT, b = CF_BUF_INIT;
	struct hunks whole = { CF_BUF_INIT, 0 }, narrowed = { CF_BUF_INIT, 0 };
	size_t cut[3], rep, rest;

	if (size < 5 || size > 4096)
		return 0;
	rep = 1 + data[0] % 8;	/* the head and tail repeated: long, and periodic */
	rest = size - 4;
	for (int i = 0; i < 3; i++)
		cut[i] = data[1 + i] % (rest + 1);
	if (cut[0] > cut[1]) { size_t t = cut[0]; cut[0] = cut[1]; cut[1] = t; }
	if (cut[1] > cut[2]) { size_t t = cut[1]; cut[1] = cut[2]; cut[2] = t; }
	if (cut[0] > cut[1]) { size_t t = cut[0]; cut[0] = cut[1]; cut[1] = t; }
	data += 4;
	/* head [0, c0), a's middle [c0, c1), b's [c1, c2), tail [c2, rest) */
	lines(&a, data, cut[0], rep);
	lines(&b, data, cut[0], rep);
	lines(&a, data + cut[0], cut[1] - cut[0], 1);
	lines(&b, data + cut[1], cut[2] - cut[1], 1);
	lines(&a, data + cut[2], rest - cut[2], rep);
	lines(&b, data + cut[2], rest - cut[2], rep);
	if (data[-4] & 8 && a.len)
		a.len--;	/* no newline at the end */
	if (data[-4] & 16 && b.len)
		b.len--;
	if (cf_narrow(&n, a.buf, a.len, b.buf, b.len, 1)) {
		diff(&a, &b, &whole);
		narrowed.shift = n.shift;
		diff(&n.a, &n.b, &narrowed);
		if (whole.v.len != narrowed.v.len || memcmp(whole.v.buf, narrowed.v.buf, whole.v.len)) {
			fprintf(stderr, "whole:\n%snarrowed (shift %ld):\n%s", whole.v.buf,
				n.shift, narrowed.v.buf);
			abort();	/* narrowing changed xdiff's hunks */
		}
	}
	cf_buf_release(&a);
	cf_buf_release(&b);
	cf_buf_release(&whole.v);
	cf_buf_release(&narrowed.v);
	return 0;
}
