/*
 * libFuzzer harness for cf_quickdiff: wherever it decides a diff, its hunk
 * must be the one libgit2's xdiff gives (myers, indent heuristic, no
 * context), and its counts the sums of xdiff's hunks.  Input bytes are
 * mapped to lines of a small alphabet, so that blocks share lines and
 * slide as real code does: byte 0 splits the rest into the two sides.
 */
#include <git2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cf/buf.h"
#include "cf/quickdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const alphabet[] = {
	"a\n", "b\n", "\n", "}\n", "\tx;\n", "  y\n", "z", "a", "{\n", "c\n",
	"\treturn 0;\n", "int f(void)\n", "d\n", "e\n", "\t}\n", "f\n",
};

struct hunks {
	uint32_t v[64];
	size_t nr;
	int overflow;
};

static int on_hunk(const git_diff_delta *d, const git_diff_hunk *h, void *data)
{
	struct hunks *hs = data;

	(void)d;
	if (hs->nr + 4 > 64) {
		hs->overflow = 1;
		return 0;
	}
	hs->v[hs->nr++] = (uint32_t)h->old_start;
	hs->v[hs->nr++] = (uint32_t)h->old_lines;
	hs->v[hs->nr++] = (uint32_t)h->new_start;
	hs->v[hs->nr++] = (uint32_t)h->new_lines;
	return 0;
}

static void lines(struct cf_buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cf_buf_addstr(b, alphabet[p[i] % 16]);
}

static void check(struct cf_quickdiff *q, const struct cf_buf *a, const struct cf_buf *b,
		  const struct hunks *x)
{
	uint32_t h[4];
	size_t nr;
	uint64_t add = 0, del = 0;

	if (cf_quickdiff(q, a->buf, a->len, b->buf, b->len, CF_QUICKDIFF_HUNKS, h, &nr) &&
	    (nr != x->nr || memcmp(h, x->v, nr * sizeof(*h))))
		abort();	/* a hunk xdiff does not give */
	for (size_t i = 0; i < x->nr; i += 4) {
		del += x->v[i + 1];
		add += x->v[i + 3];
	}
	if (cf_quickdiff(q, a->buf, a->len, b->buf, b->len, CF_QUICKDIFF_COUNTS, h, &nr) &&
	    (nr ? h[1] != del || h[3] != add : add || del))
		abort();	/* counts xdiff does not give */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cf_quickdiff q = CF_QUICKDIFF_INIT;
	static git_diff_options opts;
	struct cf_buf a = CF_BUF_INIT, b = CF_BUF_INIT;
	struct hunks x = { { 0 }, 0, 0 };
	size_t split;

	if (!opts.version) {
		git_libgit2_init();
		git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
		opts.context_lines = 0;
		opts.interhunk_lines = 0;
		opts.flags = GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT;
	}
	if (size < 1 || size > 4096)
		return 0;
	split = data[0] % size;
	lines(&a, data + 1, split);
	lines(&b, data + 1 + split, size - 1 - split);
	if (git_diff_buffers(a.buf, a.len, NULL, b.buf, b.len, NULL, &opts,
			     NULL, NULL, on_hunk, NULL, &x) < 0)
		abort();
	if (!x.overflow)
		check(&q, &a, &b, &x);
	cf_buf_release(&a);
	cf_buf_release(&b);
	return 0;
}
