#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/blobcache.h"
#include "cf/quickdiff.h"

/*
 * Two blocks of many lines nearly always share one (a blank line, a
 * brace): looking for it would be time lost before xdiff runs anyway.
 */
#define QUICK_MAX_LINES 64

/* One side's view: its bytes and the changed block [from, to) in them. */
struct side {
	const char *p;
	size_t len, from, to;
};

static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	uint64_t x, y;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* The length of the common tail of a[0, alen) and b[0, blen), at most n. */
static size_t common_suffix(const char *a, size_t alen, const char *b, size_t blen, size_t n)
{
	size_t i = 0;
	uint64_t x, y;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + alen - i - 8, 8);
		memcpy(&y, b + blen - i - 8, 8);
		if (x != y)
			break;
	}
	while (i < n && a[alen - i - 1] == b[blen - i - 1])
		i++;
	return i;
}

static size_t line_end(const char *p, size_t from, size_t to)
{
	const char *nl = memchr(p + from, '\n', to - from);
	return nl ? (size_t)(nl - p) + 1 : to;
}

static size_t line_start(const char *p, size_t floor, size_t end)
{
	const char *nl = end - floor > 1 ? memrchr(p + floor, '\n', end - floor - 1) : NULL;
	return nl ? (size_t)(nl - p) + 1 : floor;
}

static int same(const char *p, size_t s1, size_t e1, size_t s2, size_t e2)
{
	return e1 - s1 == e2 - s2 && !memcmp(p + s1, p + s2, e1 - s1);
}

/*
 * Whether xdiff would slide the block: its last line equals the line
 * before it, or its first line the line after it.
 */
static int may_slide(const struct side *s)
{
	size_t first_end, last_start;

	if (s->from == s->to)
		return 0;
	first_end = line_end(s->p, s->from, s->to);
	last_start = line_start(s->p, s->from, s->to);
	if (s->from && same(s->p, line_start(s->p, 0, s->from), s->from, last_start, s->to))
		return 1;
	return s->to < s->len &&
	       same(s->p, s->from, first_end, s->to, line_end(s->p, s->to, s->len));
}

static uint32_t line_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3u;
	return (uint32_t)(h ^ h >> 32);
}

/* Line starts of the block, and its end after the last one. */
static size_t split_lines(struct cf_quickdiff *q, const struct side *s)
{
	size_t n = 0;

	for (size_t at = s->from; at < s->to; at = line_end(s->p, at, s->to)) {
		CF_ALLOC_GROW(q->lines, n + 2, q->lines_alloc);
		q->lines[n++] = (uint32_t)(at - s->from);
	}
	CF_ALLOC_GROW(q->lines, n + 1, q->lines_alloc);
	q->lines[n] = (uint32_t)(s->to - s->from);
	return n;
}

/* Whether a line of block t is also a line of block s (s should be the smaller). */
static int share_a_line(struct cf_quickdiff *q, const struct side *s, const struct side *t)
{
	const char *base = s->p + s->from;
	size_t n = split_lines(q, s), size = 64, mask;

	while (size < 2 * n)
		size *= 2;
	CF_ALLOC_GROW(q->set, size, q->cap);
	memset(q->set, 0, size * sizeof(*q->set));
	mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t h = line_hash(base + q->lines[i], q->lines[i + 1] - q->lines[i]);
		size_t k = h & mask;
		while (q->set[k])
			k = (k + 1) & mask;
		q->set[k] = (uint64_t)h << 32 | (i + 1);
	}
	for (size_t at = t->from, end; at < t->to; at = end) {
		uint32_t h;
		end = line_end(t->p, at, t->to);
		h = line_hash(t->p + at, end - at);
		for (size_t k = h & mask; q->set[k]; k = (k + 1) & mask) {
			size_t i = (uint32_t)q->set[k] - 1;
			if (q->set[k] >> 32 == h && q->lines[i + 1] - q->lines[i] == end - at &&
			    !memcmp(base + q->lines[i], t->p + at, end - at))
				return 1;
		}
	}
	return 0;
}

void cf_common_lines(const char *a, size_t alen, const char *b, size_t blen,
		     size_t *head, size_t *tail)
{
	size_t d = common_prefix(a, b, alen < blen ? alen : blen);
	const char *nl = d ? memrchr(a, '\n', d) : NULL;
	size_t h = nl ? (size_t)(nl - a) + 1 : 0, ra = alen - h, rb = blen - h;
	size_t k = common_suffix(a + h, ra, b + h, rb, ra < rb ? ra : rb);
	size_t sa = alen - k, sb = blen - k, t = k;

	if (k && !((sa == h || a[sa - 1] == '\n') && (sb == h || b[sb - 1] == '\n'))) {
		nl = memchr(a + sa, '\n', k);
		t = nl ? alen - (size_t)(nl - a) - 1 : 0;
	}
	*head = h;
	*tail = t;
}

int cf_quickdiff(struct cf_quickdiff *q, const char *a, size_t alen,
		 const char *b, size_t blen, enum cf_quickdiff_need need,
		 uint32_t hunk[4], size_t *nhunk)
{
	size_t head, tail;

	cf_common_lines(a, alen, b, blen, &head, &tail);
	return cf_quickdiff_common(q, a, alen, b, blen, head, tail, need, hunk, nhunk);
}

int cf_quickdiff_common(struct cf_quickdiff *q, const char *a, size_t alen,
			const char *b, size_t blen, size_t head, size_t tail,
			enum cf_quickdiff_need need, uint32_t hunk[4], size_t *nhunk)
{
	struct side x = { a, alen, head, alen - tail }, y = { b, blen, head, blen - tail };
	uint64_t na, nb, before;

	if (alen >= UINT32_MAX || blen >= UINT32_MAX)
		return 0;
	if (x.from == x.to && y.from == y.to) {
		*nhunk = 0;	/* nothing left between head and tail: the same bytes */
		return 1;
	}
	na = cf_count_lines(a + x.from, x.to - x.from);
	nb = cf_count_lines(b + y.from, y.to - y.from);
	if (na && nb && (na < nb ? na : nb) > QUICK_MAX_LINES)
		return 0;
	if (na && nb && (na <= nb ? share_a_line(q, &x, &y) : share_a_line(q, &y, &x)))
		return 0;
	if (need == CF_QUICKDIFF_HUNKS && (may_slide(&x) || may_slide(&y)))
		return 0;
	before = need == CF_QUICKDIFF_HUNKS ? cf_count_lines(a, x.from) : 0;
	hunk[0] = (uint32_t)(before + (na != 0));
	hunk[1] = (uint32_t)na;
	hunk[2] = (uint32_t)(before + (nb != 0));
	hunk[3] = (uint32_t)nb;
	*nhunk = 4;
	return 1;
}

void cf_quickdiff_release(struct cf_quickdiff *q)
{
	free(q->set);
	free(q->lines);
	*q = (struct cf_quickdiff)CF_QUICKDIFF_INIT;
}
