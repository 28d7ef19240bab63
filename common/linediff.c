#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/linediff.h"
#include "cf/linehash.h"

/*
 * xdiff's constants: the limit of matches past which a line is "too
 * frequent", the window and ratio that decide whether such a line is
 * discarded, the least cost limit, the cost past which long snakes are
 * taken, a long snake's length and the weight of a diagonal's progress.
 */
#define MAX_EQLIMIT 1024
#define SIMSCAN_WINDOW 100
#define KPDIS_RUN 4
#define MAX_COST_MIN 256
#define HEUR_MIN_COST 256
#define SNAKE_CNT 20
#define K_HEUR 4

/* The indent heuristic's limits and weights (git's xdiffi.c). */
#define MAX_INDENT 200
#define MAX_BLANKS 20
#define MAX_SLIDING 100
#define INDENT_WEIGHT 60
#define START_OF_FILE_PENALTY 1
#define END_OF_FILE_PENALTY 21
#define TOTAL_BLANK_WEIGHT (-30)
#define POST_BLANK_WEIGHT 6
#define RELATIVE_INDENT_PENALTY (-4)
#define RELATIVE_INDENT_WITH_BLANK_PENALTY 10
#define RELATIVE_OUTDENT_PENALTY 24
#define RELATIVE_OUTDENT_WITH_BLANK_PENALTY 17
#define RELATIVE_DEDENT_PENALTY 23
#define RELATIVE_DEDENT_WITH_BLANK_PENALTY 17

struct cf_linediff_class {
	uint64_t h;
	uint32_t side, line;	/* where its first line is */
};

static const char *line_at(const struct cf_linediff_side *s, size_t i, size_t *len)
{
	*len = s->start[i + 1] - s->start[i];
	return s->p + s->start[i];
}

/* The lines of p[at, to) from line n on; returns the lines then. */
static size_t split_from(struct cf_linediff_side *s, size_t n, size_t at, size_t to)
{
	while (at < to) {
		const char *nl = memchr(s->p + at, '\n', to - at);

		CF_ALLOC_GROW(s->start, n + 2, s->alloc);
		s->start[n++] = (uint32_t)at;
		at = nl ? (size_t)(nl - s->p) + 1 : to;
	}
	return n;
}

static void split_end(struct cf_linediff_side *s, size_t n)
{
	CF_ALLOC_GROW(s->start, n + 1, s->alloc);
	s->start[n] = (uint32_t)s->len;
	s->n = n;
	CF_ALLOC_GROW(s->cls, n + 1, s->cls_alloc);
}

/* The first line of s that starts at or after byte at. */
static size_t line_from(const struct cf_linediff_side *s, size_t at)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->start[mid] < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Side b's lines, given that its first head and last tail bytes are whole
 * lines equal to a's: their starts are a's, moved by the length difference
 * in the tail.  Returns where b's tail lines begin.
 */
static size_t split_like(struct cf_linediff_side *b, const struct cf_linediff_side *a,
			 size_t head, size_t tail)
{
	size_t h = line_from(a, head), t = line_from(a, a->len - tail), n, mid;

	CF_ALLOC_GROW(b->start, h + 1, b->alloc);
	memcpy(b->start, a->start, h * sizeof(*b->start));
	n = mid = split_from(b, h, head, b->len - tail);
	CF_ALLOC_GROW(b->start, n + (a->n - t) + 1, b->alloc);
	for (size_t i = t; i < a->n; i++)
		b->start[n++] = (uint32_t)(a->start[i] + (b->len - a->len));
	split_end(b, n);
	return mid;
}

/* Classes lines [from, to) of a side. */
static void classify(struct cf_linediff *d, unsigned side, size_t from, size_t to)
{
	struct cf_linediff_side *s = &d->s[side];
	size_t mask = d->nslot - 1;

	for (size_t i = from; i < to; i++) {
		size_t len, k, olen;
		const char *p = line_at(s, i, &len);
		uint64_t h = cf_line_hash(p, len);
		uint32_t c;

		for (k = h & mask; (c = d->slot[k]); k = (k + 1) & mask) {
			const struct cf_linediff_class *cl = &d->cl[c - 1];
			const char *o;

			if (cl->h != h)
				continue;
			o = line_at(&d->s[cl->side], cl->line, &olen);
			if (olen == len && !memcmp(o, p, len))
				break;
		}
		if (!c) {
			d->cl[d->ncl] = (struct cf_linediff_class){ h, side, (uint32_t)i };
			d->total[0][d->ncl] = d->total[1][d->ncl] = 0;
			c = (uint32_t)++d->ncl;
			d->slot[k] = c;
		}
		s->cls[i] = c - 1;
		d->total[side][c - 1]++;
	}
}

/* b's lines equal to a's, line for line in the head, from the end in the tail. */
static void copy_classes(struct cf_linediff *d, size_t h, size_t t)
{
	struct cf_linediff_side *a = &d->s[0], *b = &d->s[1];

	for (size_t i = 0; i < h; i++)
		d->total[1][b->cls[i] = a->cls[i]]++;
	for (size_t i = t; i < b->n; i++)
		d->total[1][b->cls[i] = a->cls[i + a->n - b->n]]++;
}

int cf_linediff_prepare(struct cf_linediff *d, const char *a, size_t alen,
			const char *b, size_t blen)
{
	return cf_linediff_prepare_common(d, a, alen, b, blen, 0, 0);
}

int cf_linediff_prepare_common(struct cf_linediff *d, const char *a, size_t alen,
			       const char *b, size_t blen, size_t head, size_t tail)
{
	struct cf_linediff_side *x = &d->s[0], *y = &d->s[1];
	size_t lines, want = 64, old, h, t;

	if (alen >= UINT32_MAX || blen >= UINT32_MAX || head + tail > alen || head + tail > blen)
		return -1;
	x->p = a;
	x->len = alen;
	split_end(x, split_from(x, 0, 0, alen));
	y->p = b;
	y->len = blen;
	t = split_like(y, x, head, tail);
	h = line_from(y, head);
	lines = x->n + y->n;
	while (want < 2 * lines)
		want *= 2;
	if (want > d->slot_alloc) {
		free(d->slot);
		d->slot = xmalloc(st_mult(want, sizeof(*d->slot)));
		d->slot_alloc = want;
	}
	d->nslot = want;
	memset(d->slot, 0, want * sizeof(*d->slot));
	CF_ALLOC_GROW(d->cl, lines + 1, d->cl_alloc);
	old = d->total_alloc;
	CF_ALLOC_GROW(d->total[0], lines + 1, d->total_alloc);
	if (d->total_alloc != old)
		d->total[1] = xrealloc(d->total[1], st_mult(d->total_alloc, sizeof(*d->total[1])));
	d->ncl = 0;
	classify(d, 0, 0, x->n);
	copy_classes(d, h, t);
	classify(d, 1, h, t);
	d->ran = 0;
	return 0;
}

static void grow_run(struct cf_linediff_side *s, size_t n)
{
	if (n + 2 <= s->run_alloc)
		return;
	s->run_alloc = n + 2 > 2 * s->run_alloc ? n + 2 : 2 * s->run_alloc;
	s->dis = xrealloc(s->dis, s->run_alloc);
	s->pdis = xrealloc(s->pdis, s->run_alloc);
	s->rchg = xrealloc(s->rchg, s->run_alloc);
	s->myers = xrealloc(s->myers, s->run_alloc);
	s->ha = xrealloc(s->ha, st_mult(s->run_alloc, sizeof(*s->ha)));
	s->rindex = xrealloc(s->rindex, st_mult(s->run_alloc, sizeof(*s->rindex)));
}

/* The first line of the last drop bytes, or -1 if they are no whole lines. */
static long lines_before(const struct cf_linediff_side *s, size_t drop)
{
	size_t i = s->n;

	if (drop > s->len)
		return -1;
	while (i && s->start[i - 1] >= s->len - drop)
		i--;
	return s->start[i] == s->len - drop ? (long)i : -1;
}

/* Each class's occurrences in the run's lines: the whole side's, less the dropped. */
static void count_run(struct cf_linediff *d, unsigned side)
{
	struct cf_linediff_side *s = &d->s[side];

	CF_ALLOC_GROW(s->count, d->ncl + 1, s->count_alloc);
	memcpy(s->count, d->total[side], d->ncl * sizeof(*s->count));
	for (size_t i = s->nrec; i < s->n; i++)
		s->count[s->cls[i]]--;
}

/* xdiff's limit of matches: 2 to the number of base-4 digits of n. */
static long bogosqrt(long n)
{
	long i;

	for (i = 1; n > 0; n >>= 2)
		i <<= 1;
	return i;
}

static void trim_ends(struct cf_linediff *d)
{
	struct cf_linediff_side *x = &d->s[0], *y = &d->s[1];
	size_t lim = x->nrec < y->nrec ? x->nrec : y->nrec, i, j;

	for (i = 0; i < lim && x->cls[i] == y->cls[i]; i++)
		;
	x->dstart = y->dstart = (long)i;
	lim -= i;
	for (j = 0; j < lim && x->cls[x->nrec - 1 - j] == y->cls[y->nrec - 1 - j]; j++)
		;
	x->dend = (long)(x->nrec - j) - 1;
	y->dend = (long)(y->nrec - j) - 1;
}

/*
 * Whether a line with too many matches goes: when it sits in a run of
 * lines without a match (some before and after it) in which such frequent
 * lines are few.
 */
static int clean_mmatch(const char *dis, long i, long s, long e)
{
	long r, rdis0, rpdis0, rdis1, rpdis1;

	if (i - s > SIMSCAN_WINDOW)
		s = i - SIMSCAN_WINDOW;
	if (e - i > SIMSCAN_WINDOW)
		e = i + SIMSCAN_WINDOW;
	for (r = 1, rdis0 = 0, rpdis0 = 1; i - r >= s; r++) {
		if (!dis[i - r])
			rdis0++;
		else if (dis[i - r] == 2)
			rpdis0++;
		else
			break;
	}
	if (!rdis0)
		return 0;
	for (r = 1, rdis1 = 0, rpdis1 = 1; i + r <= e; r++) {
		if (!dis[i + r])
			rdis1++;
		else if (dis[i + r] == 2)
			rpdis1++;
		else
			break;
	}
	if (!rdis1)
		return 0;
	rdis1 += rdis0;
	rpdis1 += rpdis0;
	return rpdis1 * KPDIS_RUN < rpdis1 + rdis1;
}

/* Classes the middle's lines of side by their matches in the other side. */
static void classes(struct cf_linediff *d, unsigned side)
{
	struct cf_linediff_side *s = &d->s[side];
	const uint32_t *other = d->s[!side].count;
	long mlim = bogosqrt((long)s->nrec);

	if (mlim > MAX_EQLIMIT)
		mlim = MAX_EQLIMIT;
	for (long i = s->dstart; i <= s->dend; i++) {
		long nm = other[s->cls[i]];
		s->dis[i] = !nm ? 0 : nm >= mlim ? 2 : 1;
	}
}

/* The lines the Myers pass diffs; the others of the middle are changed. */
static void keep(struct cf_linediff_side *s)
{
	size_t nreff = 0;

	for (long i = s->dstart; i <= s->dend; i++) {
		if (s->dis[i] == 1 ||
		    (s->dis[i] == 2 && !clean_mmatch(s->dis, i, s->dstart, s->dend))) {
			s->rindex[nreff] = i;
			s->ha[nreff++] = s->cls[i];
		} else {
			s->rchg[i] = 1;
		}
	}
	s->nreff = nreff;
}

struct split {
	long i1, i2;
	int min_lo, min_hi;
};

struct env {
	const long *ha1, *ha2;
	long *kvdf, *kvdb;
	long mxcost;
};

/* A snake of SNAKE_CNT equal lines ends at (i1, i2) going forward, or starts there. */
static int snake_before(const struct env *e, long i1, long i2)
{
	for (long k = 1; e->ha1[i1 - k] == e->ha2[i2 - k]; k++)
		if (k == SNAKE_CNT)
			return 1;
	return 0;
}

static int snake_after(const struct env *e, long i1, long i2)
{
	for (long k = 0; e->ha1[i1 + k] == e->ha2[i2 + k]; k++)
		if (k == SNAKE_CNT - 1)
			return 1;
	return 0;
}

/* Past HEUR_MIN_COST: the furthest diagonal that ends (or starts) in a long snake. */
static int good_snake(const struct env *e, long off1, long lim1, long off2, long lim2,
		      long ec, long fmin, long fmax, long fmid, long bmin, long bmax,
		      long bmid, struct split *spl)
{
	long best = 0, d, dd, i1, i2, v;

	for (d = fmax; d >= fmin; d -= 2) {
		dd = d > fmid ? d - fmid : fmid - d;
		i1 = e->kvdf[d];
		i2 = i1 - d;
		v = (i1 - off1) + (i2 - off2) - dd;
		if (v > K_HEUR * ec && v > best && off1 + SNAKE_CNT <= i1 && i1 < lim1 &&
		    off2 + SNAKE_CNT <= i2 && i2 < lim2 && snake_before(e, i1, i2)) {
			best = v;
			spl->i1 = i1;
			spl->i2 = i2;
		}
	}
	if (best > 0) {
		spl->min_lo = 1;
		spl->min_hi = 0;
		return 1;
	}
	for (d = bmax; d >= bmin; d -= 2) {
		dd = d > bmid ? d - bmid : bmid - d;
		i1 = e->kvdb[d];
		i2 = i1 - d;
		v = (lim1 - i1) + (lim2 - i2) - dd;
		if (v > K_HEUR * ec && v > best && off1 < i1 && i1 <= lim1 - SNAKE_CNT &&
		    off2 < i2 && i2 <= lim2 - SNAKE_CNT && snake_after(e, i1, i2)) {
			best = v;
			spl->i1 = i1;
			spl->i2 = i2;
		}
	}
	if (best > 0) {
		spl->min_lo = 0;
		spl->min_hi = 1;
		return 1;
	}
	return 0;
}

/* Past the cost limit: the path that reaches furthest, forward or backward. */
static void furthest(const struct env *e, long off1, long lim1, long off2, long lim2,
		     long fmin, long fmax, long bmin, long bmax, struct split *spl)
{
	long fbest = -1, fbest1 = -1, bbest = LONG_MAX, bbest1 = LONG_MAX, d, i1, i2;

	for (d = fmax; d >= fmin; d -= 2) {
		i1 = e->kvdf[d] < lim1 ? e->kvdf[d] : lim1;
		i2 = i1 - d;
		if (lim2 < i2) {
			i1 = lim2 + d;
			i2 = lim2;
		}
		if (fbest < i1 + i2) {
			fbest = i1 + i2;
			fbest1 = i1;
		}
	}
	for (d = bmax; d >= bmin; d -= 2) {
		i1 = e->kvdb[d] > off1 ? e->kvdb[d] : off1;
		i2 = i1 - d;
		if (i2 < off2) {
			i1 = off2 + d;
			i2 = off2;
		}
		if (i1 + i2 < bbest) {
			bbest = i1 + i2;
			bbest1 = i1;
		}
	}
	if ((lim1 + lim2) - bbest < fbest - (off1 + off2)) {
		spl->i1 = fbest1;
		spl->i2 = fbest - fbest1;
		spl->min_lo = 1;
		spl->min_hi = 0;
	} else {
		spl->i1 = bbest1;
		spl->i2 = bbest - bbest1;
		spl->min_lo = 0;
		spl->min_hi = 1;
	}
}

/*
 * Where the middle snake of the box [off1, lim1) x [off2, lim2) is, by
 * searching forward and backward at once; past the cost limits, a good
 * enough place instead (xdiff's xdl_split).
 */
static void split_box(const struct env *e, long off1, long lim1, long off2, long lim2,
		      int need_min, struct split *spl)
{
	const long *ha1 = e->ha1, *ha2 = e->ha2;
	long *kvdf = e->kvdf, *kvdb = e->kvdb;
	long dmin = off1 - lim2, dmax = lim1 - off2;
	long fmid = off1 - off2, bmid = lim1 - lim2;
	long odd = (fmid - bmid) & 1;
	long fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
	long ec, d, i1, i2, prev1;

	kvdf[fmid] = off1;
	kvdb[bmid] = lim1;
	for (ec = 1;; ec++) {
		int got_snake = 0;

		if (fmin > dmin)
			kvdf[--fmin - 1] = -1;
		else
			++fmin;
		if (fmax < dmax)
			kvdf[++fmax + 1] = -1;
		else
			--fmax;
		for (d = fmax; d >= fmin; d -= 2) {
			i1 = kvdf[d - 1] >= kvdf[d + 1] ? kvdf[d - 1] + 1 : kvdf[d + 1];
			prev1 = i1;
			i2 = i1 - d;
			for (; i1 < lim1 && i2 < lim2 && ha1[i1] == ha2[i2]; i1++, i2++)
				;
			if (i1 - prev1 > SNAKE_CNT)
				got_snake = 1;
			kvdf[d] = i1;
			if (odd && bmin <= d && d <= bmax && kvdb[d] <= i1) {
				*spl = (struct split){ i1, i2, 1, 1 };
				return;
			}
		}
		if (bmin > dmin)
			kvdb[--bmin - 1] = LONG_MAX;
		else
			++bmin;
		if (bmax < dmax)
			kvdb[++bmax + 1] = LONG_MAX;
		else
			--bmax;
		for (d = bmax; d >= bmin; d -= 2) {
			i1 = kvdb[d - 1] < kvdb[d + 1] ? kvdb[d - 1] : kvdb[d + 1] - 1;
			prev1 = i1;
			i2 = i1 - d;
			for (; i1 > off1 && i2 > off2 && ha1[i1 - 1] == ha2[i2 - 1]; i1--, i2--)
				;
			if (prev1 - i1 > SNAKE_CNT)
				got_snake = 1;
			kvdb[d] = i1;
			if (!odd && fmin <= d && d <= fmax && i1 <= kvdf[d]) {
				*spl = (struct split){ i1, i2, 1, 1 };
				return;
			}
		}
		if (need_min)
			continue;
		if (got_snake && ec > HEUR_MIN_COST &&
		    good_snake(e, off1, lim1, off2, lim2, ec, fmin, fmax, fmid, bmin, bmax, bmid, spl))
			return;
		if (ec >= e->mxcost) {
			furthest(e, off1, lim1, off2, lim2, fmin, fmax, bmin, bmax, spl);
			return;
		}
	}
}

struct box {
	long off1, lim1, off2, lim2;
	int need_min;
};

/*
 * Marks the lines of the kept sequences that are not in the common
 * subsequence found, box by box (a stack instead of xdiff's recursion, in
 * which the boxes are independent).
 */
static void myers(struct cf_linediff *d, int need_min)
{
	struct cf_linediff_side *x = &d->s[0], *y = &d->s[1];
	long ndiags = (long)(x->nreff + y->nreff + 3);
	struct env e;
	struct box *stack = NULL;
	size_t nr = 0, alloc = 0;

	CF_ALLOC_GROW(d->kvd, (size_t)(2 * ndiags + 2), d->kvd_alloc);
	e.ha1 = x->ha;
	e.ha2 = y->ha;
	e.kvdf = d->kvd + y->nreff + 1;
	e.kvdb = e.kvdf + ndiags;
	e.mxcost = bogosqrt(ndiags) < MAX_COST_MIN ? MAX_COST_MIN : bogosqrt(ndiags);
	CF_ALLOC_GROW(stack, 1, alloc);
	stack[nr++] = (struct box){ 0, (long)x->nreff, 0, (long)y->nreff, need_min };
	while (nr) {
		struct box b = stack[--nr];
		struct split spl;

		for (; b.off1 < b.lim1 && b.off2 < b.lim2 && x->ha[b.off1] == y->ha[b.off2];
		     b.off1++, b.off2++)
			;
		for (; b.off1 < b.lim1 && b.off2 < b.lim2 &&
		       x->ha[b.lim1 - 1] == y->ha[b.lim2 - 1]; b.lim1--, b.lim2--)
			;
		if (b.off1 == b.lim1) {
			for (; b.off2 < b.lim2; b.off2++)
				y->rchg[y->rindex[b.off2]] = 1;
			continue;
		}
		if (b.off2 == b.lim2) {
			for (; b.off1 < b.lim1; b.off1++)
				x->rchg[x->rindex[b.off1]] = 1;
			continue;
		}
		split_box(&e, b.off1, b.lim1, b.off2, b.lim2, b.need_min, &spl);
		CF_ALLOC_GROW(stack, nr + 2, alloc);
		stack[nr++] = (struct box){ spl.i1, b.lim1, spl.i2, b.lim2, spl.min_hi };
		stack[nr++] = (struct box){ b.off1, spl.i1, b.off2, spl.i2, spl.min_lo };
	}
	free(stack);
}

/* A group of changed lines [start, end) of a side, possibly empty. */
struct group {
	long start, end;
};

static void group_init(const struct cf_linediff_side *s, struct group *g)
{
	g->start = g->end = 0;
	while (s->rchg[g->end])
		g->end++;
}

static int group_next(const struct cf_linediff_side *s, struct group *g)
{
	if (g->end == (long)s->nrec)
		return -1;
	g->start = g->end + 1;
	for (g->end = g->start; s->rchg[g->end]; g->end++)
		;
	return 0;
}

static int group_previous(const struct cf_linediff_side *s, struct group *g)
{
	if (g->start == 0)
		return -1;
	g->end = g->start - 1;
	for (g->start = g->end; s->rchg[g->start - 1]; g->start--)
		;
	return 0;
}

static int slide_down(struct cf_linediff_side *s, struct group *g)
{
	if (g->end >= (long)s->nrec || s->cls[g->start] != s->cls[g->end])
		return -1;
	s->rchg[g->start++] = 0;
	s->rchg[g->end++] = 1;
	while (s->rchg[g->end])
		g->end++;
	return 0;
}

static int slide_up(struct cf_linediff_side *s, struct group *g)
{
	if (g->start <= 0 || s->cls[g->start - 1] != s->cls[g->end - 1])
		return -1;
	s->rchg[--g->start] = 1;
	s->rchg[--g->end] = 0;
	while (s->rchg[g->start - 1])
		g->start--;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A line's indentation, tabs to multiples of 8; -1 if it is blank. */
static int indent_of(const struct cf_linediff_side *s, long i)
{
	size_t len;
	const char *p = line_at(s, (size_t)i, &len);
	int ret = 0;

	for (size_t k = 0; k < len; k++) {
		if (!is_space(p[k]))
			return ret;
		if (p[k] == ' ')
			ret += 1;
		else if (p[k] == '\t')
			ret += 8 - ret % 8;
		if (ret >= MAX_INDENT)
			return MAX_INDENT;
	}
	return -1;
}

struct measure {
	int end_of_file, indent, pre_blank, pre_indent, post_blank, post_indent;
};

static void measure_split(const struct cf_linediff_side *s, long split, struct measure *m)
{
	long nrec = (long)s->nrec;

	m->end_of_file = split >= nrec;
	m->indent = split >= nrec ? -1 : indent_of(s, split);
	m->pre_blank = 0;
	m->pre_indent = -1;
	for (long i = split - 1; i >= 0; i--) {
		if ((m->pre_indent = indent_of(s, i)) != -1)
			break;
		if (++m->pre_blank == MAX_BLANKS) {
			m->pre_indent = 0;
			break;
		}
	}
	m->post_blank = 0;
	m->post_indent = -1;
	for (long i = split + 1; i < nrec; i++) {
		if ((m->post_indent = indent_of(s, i)) != -1)
			break;
		if (++m->post_blank == MAX_BLANKS) {
			m->post_indent = 0;
			break;
		}
	}
}

struct score {
	int effective_indent, penalty;
};

static void score_add(const struct measure *m, struct score *s)
{
	int post_blank, total_blank, indent, any_blanks;

	if (m->pre_indent == -1 && m->pre_blank == 0)
		s->penalty += START_OF_FILE_PENALTY;
	if (m->end_of_file)
		s->penalty += END_OF_FILE_PENALTY;
	post_blank = m->indent == -1 ? 1 + m->post_blank : 0;
	total_blank = m->pre_blank + post_blank;
	s->penalty += TOTAL_BLANK_WEIGHT * total_blank;
	s->penalty += POST_BLANK_WEIGHT * post_blank;
	indent = m->indent != -1 ? m->indent : m->post_indent;
	any_blanks = total_blank != 0;
	s->effective_indent += indent;
	if (indent == -1 || m->pre_indent == -1 || indent == m->pre_indent)
		return;
	if (indent > m->pre_indent)
		s->penalty += any_blanks ? RELATIVE_INDENT_WITH_BLANK_PENALTY : RELATIVE_INDENT_PENALTY;
	else if (m->post_indent != -1 && m->post_indent > indent)
		s->penalty += any_blanks ? RELATIVE_OUTDENT_WITH_BLANK_PENALTY : RELATIVE_OUTDENT_PENALTY;
	else
		s->penalty += any_blanks ? RELATIVE_DEDENT_WITH_BLANK_PENALTY : RELATIVE_DEDENT_PENALTY;
}

static int score_cmp(const struct score *a, const struct score *b)
{
	int cmp = (a->effective_indent > b->effective_indent) -
		  (a->effective_indent < b->effective_indent);

	return INDENT_WEIGHT * cmp + (a->penalty - b->penalty);
}

/* The end, among those the group can slide to, that the indent heuristic likes best. */
static long best_shift(const struct cf_linediff_side *s, const struct group *g,
		       long earliest_end, long groupsize)
{
	long shift = earliest_end, best = -1;
	struct score best_score = { 0, 0 };

	if (g->end - groupsize - 1 > shift)
		shift = g->end - groupsize - 1;
	if (g->end - MAX_SLIDING > shift)
		shift = g->end - MAX_SLIDING;
	for (; shift <= g->end; shift++) {
		struct measure m;
		struct score score = { 0, 0 };

		measure_split(s, shift, &m);
		score_add(&m, &score);
		measure_split(s, shift - groupsize, &m);
		score_add(&m, &score);
		if (best == -1 || score_cmp(&score, &best_score) <= 0) {
			best_score = score;
			best = shift;
		}
	}
	return best;
}

/*
 * Slides each group of s's changes as far up and down as equal lines let
 * it, merging groups it meets, then puts it back in line with a group of
 * the other side o, or else where the indent heuristic puts it (xdiff's
 * xdl_change_compact).  Returns -1 if the two sides' groups lose step.
 */
static int compact(struct cf_linediff_side *s, const struct cf_linediff_side *o)
{
	struct group g, go;
	long earliest_end, end_matching_other, groupsize, shift;

	group_init(s, &g);
	group_init(o, &go);
	for (;;) {
		if (g.end != g.start) {
			do {
				groupsize = g.end - g.start;
				end_matching_other = -1;
				while (!slide_up(s, &g))
					if (group_previous(o, &go))
						return -1;
				earliest_end = g.end;
				if (go.end > go.start)
					end_matching_other = g.end;
				while (!slide_down(s, &g)) {
					if (group_next(o, &go))
						return -1;
					if (go.end > go.start)
						end_matching_other = g.end;
				}
			} while (groupsize != g.end - g.start);
			if (g.end == earliest_end) {
				/* it cannot move */
			} else if (end_matching_other != -1) {
				while (go.end == go.start)
					if (slide_up(s, &g) || group_previous(o, &go))
						return -1;
			} else {
				shift = best_shift(s, &g, earliest_end, groupsize);
				while (g.end > shift)
					if (slide_up(s, &g) || group_previous(o, &go))
						return -1;
			}
		}
		if (group_next(s, &g))
			break;
		if (group_next(o, &go))
			return -1;
	}
	return 0;
}

static int emit(const struct cf_linediff *d, cf_linediff_hunk_fn *fn, void *data)
{
	const struct cf_linediff_side *x = &d->s[0], *y = &d->s[1];
	size_t i1 = 0, i2 = 0;

	while (i1 < x->nrec || i2 < y->nrec) {
		size_t s1 = i1, s2 = i2;
		uint32_t h[4];
		int rc;

		if (!x->rchg[i1] && !y->rchg[i2]) {
			if (i1 >= x->nrec || i2 >= y->nrec)
				return -1;	/* the sides' unchanged lines must pair */
			i1++;
			i2++;
			continue;
		}
		while (x->rchg[i1])
			i1++;
		while (y->rchg[i2])
			i2++;
		h[0] = (uint32_t)(i1 > s1 ? s1 + 1 : s1);
		h[1] = (uint32_t)(i1 - s1);
		h[2] = (uint32_t)(i2 > s2 ? s2 + 1 : s2);
		h[3] = (uint32_t)(i2 - s2);
		if ((rc = fn(data, h)))
			return rc;
	}
	return 0;
}

/* Whether this run's middle and its classes are the last run's: then so is the Myers pass. */
static int same_as_last(const struct cf_linediff *d)
{
	for (unsigned k = 0; k < 2; k++) {
		const struct cf_linediff_side *s = &d->s[k];

		if (s->dstart != s->pstart || s->dend != s->pend ||
		    memcmp(s->dis + s->dstart, s->pdis + s->dstart, (size_t)(s->dend + 1 - s->dstart)))
			return 0;
	}
	return 1;
}

static void middle_pass(struct cf_linediff *d, unsigned flags)
{
	int reuse = d->ran && same_as_last(d);

	for (unsigned k = 0; k < 2; k++) {
		struct cf_linediff_side *s = &d->s[k];
		size_t mid = (size_t)(s->dend + 1 - s->dstart);

		if (reuse && mid)
			memcpy(s->rchg + s->dstart, s->myers + s->dstart, mid);
		else if (!reuse)
			keep(s);
	}
	if (!reuse) {
		myers(d, flags & CF_LINEDIFF_MINIMAL);
		for (unsigned k = 0; k < 2; k++) {
			struct cf_linediff_side *s = &d->s[k];
			if (s->dend >= s->dstart)
				memcpy(s->myers + s->dstart, s->rchg + s->dstart,
				       (size_t)(s->dend + 1 - s->dstart));
		}
	}
	for (unsigned k = 0; k < 2; k++) {
		struct cf_linediff_side *s = &d->s[k];
		char *t = s->dis;

		s->dis = s->pdis;
		s->pdis = t;
		s->pstart = s->dstart;
		s->pend = s->dend;
	}
	d->ran = 1;
}

int cf_linediff_run(struct cf_linediff *d, size_t drop, unsigned flags,
		    cf_linediff_hunk_fn *fn, void *data)
{
	for (unsigned k = 0; k < 2; k++) {
		struct cf_linediff_side *s = &d->s[k];
		long nrec = lines_before(s, drop);

		if (nrec < 0)
			return -1;
		s->nrec = (size_t)nrec;
		grow_run(s, s->nrec);
		memset(s->rchg, 0, s->nrec + 2);
		s->rchg++;	/* a 0 before the first line, and after the last */
	}
	if (d->s[0].n - d->s[0].nrec != d->s[1].n - d->s[1].nrec) {
		d->s[0].rchg--;
		d->s[1].rchg--;
		return -1;
	}
	count_run(d, 0);
	count_run(d, 1);
	trim_ends(d);
	classes(d, 0);
	classes(d, 1);
	middle_pass(d, flags);
	int rc = compact(&d->s[0], &d->s[1]) || compact(&d->s[1], &d->s[0]) ? -1 :
		 emit(d, fn, data);
	d->s[0].rchg--;
	d->s[1].rchg--;
	return rc;
}

static void release_side(struct cf_linediff_side *s)
{
	free(s->start);
	free(s->cls);
	free(s->dis);
	free(s->pdis);
	free(s->rchg);
	free(s->myers);
	free(s->ha);
	free(s->rindex);
	free(s->count);
}

void cf_linediff_release(struct cf_linediff *d)
{
	release_side(&d->s[0]);
	release_side(&d->s[1]);
	free(d->cl);
	free(d->slot);
	free(d->total[0]);
	free(d->total[1]);
	free(d->kvd);
	*d = (struct cf_linediff)CF_LINEDIFF_INIT;
}
