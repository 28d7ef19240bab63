#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/blobcache.h"
#include "cf/narrow.h"
#include "cf/linehash.h"
#include "cf/quickdiff.h"

/*
 * MARGIN common lines stay on each side of the middle.  A group's slide
 * must stop REACH lines short of the far end of what is kept: the indent
 * heuristic looks at up to 20 blank lines beyond each place it weighs.
 */
#define MARGIN 64
#define REACH 32
/* Lines compared, per line of the middle, before giving up on a proof. */
#define CHECK_BUDGET 64
#define SIEVE_BITS 16
/* xdiff's limit of "too many" matches stops at 1024, 2 to the 10th. */
#define MAX_DIGITS 10

struct cf_narrow_line {
	const char *p;
	size_t len;
	uint64_t h;
};

/*
 * A distinct middle line: how often the cut holds it, how often each side
 * keeps it, in which sides' middles it is (bit 0: a, bit 1: b), and the
 * copies of it put in place of the cut.  p NULL: an empty slot.
 */
struct cf_narrow_slot {
	const char *p;
	size_t len;
	uint64_t h, cut, kept[2], put;
	unsigned mid;
};

/* One side: the kept bytes [from, to), their lines, the middle [mid, end) of them. */
struct side {
	const char *p;
	size_t len, from, to;
	struct cf_narrow_line *l;
	size_t n, mid, end;
	uint64_t lines;		/* all it keeps, also outside [from, to) */
};

/* A key of the length and the first and last bytes, to rule most lines out cheaply. */
static size_t sieve_key(const char *p, size_t len)
{
	uint64_t f = 0, l = 0;

	memcpy(&f, p, len < 8 ? len : 8);
	memcpy(&l, p + (len < 8 ? 0 : len - 8), len < 8 ? len : 8);
	return (size_t)(cf_hash_mix(cf_hash_mix(len, f), l) >> (64 - SIEVE_BITS));
}

static size_t line_end(const char *p, size_t at, size_t end)
{
	const char *nl = memchr(p + at, '\n', end - at);
	return nl ? (size_t)(nl - p) + 1 : end;
}

/* The start of the k-th line before the line start at (or 0). */
static size_t back_lines(const char *p, size_t at, size_t k)
{
	while (k-- && at) {
		const char *nl = at > 1 ? memrchr(p, '\n', at - 1) : NULL;
		at = nl ? (size_t)(nl - p) + 1 : 0;
	}
	return at;
}

static size_t fwd_lines(const char *p, size_t at, size_t end, size_t k)
{
	while (k-- && at < end)
		at = line_end(p, at, end);
	return at;
}

/* Splits the kept bytes into lines; the middle is between head and tail. */
static void split(struct side *s, struct cf_narrow_line **l, size_t *alloc,
		  size_t head, size_t tail)
{
	size_t n = 0;

	s->mid = s->end = SIZE_MAX;
	for (size_t at = s->from, e; at < s->to; at = e) {
		e = line_end(s->p, at, s->to);
		CF_ALLOC_GROW(*l, n + 1, *alloc);
		(*l)[n] = (struct cf_narrow_line){ s->p + at, e - at, cf_line_hash(s->p + at, e - at) };
		if (s->mid == SIZE_MAX && at >= head)
			s->mid = n;
		if (s->end == SIZE_MAX && at >= s->len - tail)
			s->end = n;
		n++;
	}
	s->l = *l;
	s->lines = s->n = n;
	if (s->mid == SIZE_MAX)
		s->mid = n;
	if (s->end == SIZE_MAX)
		s->end = n;
}

/*
 * Whether no group of this side's changed lines (at most its middle's
 * lines) can slide up to within REACH lines of the first kept line: a
 * group of g lines moves up past line i only if line i equals line i + g.
 */
static int stops_below_head(const struct side *s)
{
	size_t lines = s->end - s->mid, budget = CHECK_BUDGET * lines + 4096;

	if (!lines)
		return 1;
	if (s->mid <= REACH)
		return 0;
	for (size_t g = 1; g <= lines; g++)
		for (size_t i = s->mid - 1; s->l[i].h == s->l[i + g].h; i--)
			if (i == REACH || !--budget)
				return 0;
	return 1;
}

/* The same downwards: a group's end passes line j only if it equals line j - g. */
static int stops_above_tail(const struct side *s)
{
	size_t lines = s->end - s->mid, budget = CHECK_BUDGET * lines + 4096;

	if (!lines)
		return 1;
	if (s->n - s->end <= REACH)
		return 0;
	for (size_t g = 1; g <= lines; g++)
		for (size_t j = s->end; s->l[j].h == s->l[j - g].h; j++)
			if (j + 1 >= s->n - REACH || !--budget)
				return 0;
	return 1;
}

static struct cf_narrow_slot *find(struct cf_narrow *n, const char *p, size_t len, uint64_t h)
{
	size_t mask = n->nset - 1;

	for (size_t k = h & mask; n->set[k].p; k = (k + 1) & mask)
		if (n->set[k].h == h && n->set[k].len == len && !memcmp(n->set[k].p, p, len))
			return &n->set[k];
	return NULL;
}

static void add_middle(struct cf_narrow *n, const struct side *s, unsigned side)
{
	size_t mask = n->nset - 1;

	for (size_t i = s->mid; i < s->end; i++) {
		const struct cf_narrow_line *l = &s->l[i];
		struct cf_narrow_slot *slot = find(n, l->p, l->len, l->h);
		size_t k = l->h & mask, key;

		if (!slot) {
			while (n->set[k].p)
				k = (k + 1) & mask;
			slot = &n->set[k];
			*slot = (struct cf_narrow_slot){ l->p, l->len, l->h, 0, { 0, 0 }, 0, 0 };
			key = sieve_key(l->p, l->len);
			n->sieve[key >> 6] |= 1ull << (key & 63);
		}
		slot->mid |= 1u << side;
		slot->kept[side]++;
	}
}

static void build_set(struct cf_narrow *n, const struct side *x, const struct side *y)
{
	size_t want = 2 * (x->end - x->mid + y->end - y->mid) + 16, size = 64;

	while (size < want)
		size *= 2;
	CF_ALLOC_GROW(n->set, size, n->cap);
	n->nset = size;
	memset(n->set, 0, size * sizeof(*n->set));
	if (!n->sieve)
		n->sieve = xmalloc((1u << SIEVE_BITS) / 8);
	memset(n->sieve, 0, (1u << SIEVE_BITS) / 8);
	add_middle(n, x, 0);
	add_middle(n, y, 1);
}

/* How often each side's margins keep each middle line (add_middle() counted the middle). */
static void tally_kept(struct cf_narrow *n, const struct side *s, unsigned side)
{
	for (size_t i = 0; i < s->n; i++) {
		struct cf_narrow_slot *slot;

		if (i == s->mid)
			i = s->end;
		if (i < s->n && (slot = find(n, s->l[i].p, s->l[i].len, s->l[i].h)))
			slot->kept[side]++;
	}
}

enum tally { CUT, KEPT_BY_BOTH };

/* Counts the middle lines in p[0, len), common to both sides; returns its lines. */
static uint64_t tally_common(struct cf_narrow *n, const char *p, size_t len, enum tally t)
{
	uint64_t lines = 0;

	for (size_t at = 0, e; at < len; at = e, lines++) {
		struct cf_narrow_slot *slot;
		size_t key;

		e = line_end(p, at, len);
		key = sieve_key(p + at, e - at);
		if (!(n->sieve[key >> 6] >> (key & 63) & 1))
			continue;
		if (!(slot = find(n, p + at, e - at, cf_line_hash(p + at, e - at))))
			continue;
		if (t == CUT) {
			slot->cut++;
		} else {
			slot->kept[0]++;
			slot->kept[1]++;
		}
	}
	return lines;
}

/* xdiff's limit of "too many" matches for a side of nrec lines. */
static uint64_t limit_of(uint64_t nrec)
{
	unsigned d = 0;

	for (; nrec; nrec >>= 2)
		d++;
	return 1ull << (d < MAX_DIGITS ? d : MAX_DIGITS);
}

static int class_of(uint64_t n, uint64_t limit)
{
	return !n ? 0 : n >= limit ? 2 : 1;
}

/*
 * The fewest copies of a slot that keep its classes, with full[] the
 * whole sides' limits and lim the narrowed sides' one; UINT64_MAX: none do.
 */
static uint64_t copies_for(const struct cf_narrow_slot *s, const uint64_t full[2], uint64_t lim)
{
	uint64_t lo = 0, hi = UINT64_MAX;

	for (unsigned side = 0; side < 2; side++) {
		uint64_t other = s->kept[!side];	/* xdiff counts it in the other side */

		if (!(s->mid >> side & 1))
			continue;
		switch (class_of(other + s->cut, full[side])) {
		case 0:
			hi = 0;
			break;
		case 1:
			if (other >= lim)
				return UINT64_MAX;
			if (!other && lo < 1)
				lo = 1;
			if (hi > lim - 1 - other)
				hi = lim - 1 - other;
			break;
		default:
			if (other < lim && lo < lim - other)
				lo = lim - other;
		}
	}
	return lo <= hi ? lo : UINT64_MAX;
}

/*
 * Plans the copies for a limit of 2^d on both narrowed sides; returns the
 * fillers, or -1, with *put the copies.
 */
static int64_t plan(struct cf_narrow *n, const struct side *x, const struct side *y,
		    const uint64_t full[2], unsigned d, uint64_t *put)
{
	uint64_t lim = 1ull << d, low, high, fill;
	uint64_t fewer = x->lines < y->lines ? x->lines : y->lines;
	uint64_t more = x->lines < y->lines ? y->lines : x->lines;

	*put = 0;
	for (size_t k = 0; k < n->nset; k++) {
		struct cf_narrow_slot *s = &n->set[k];
		if (!s->p)
			continue;
		if ((s->put = copies_for(s, full, lim)) == UINT64_MAX)
			return -1;
		*put += s->put;
	}
	/* Both sides' line counts must have d base-4 digits (or more at the cap). */
	low = 1ull << (2 * (d - 1));
	high = d < MAX_DIGITS ? (1ull << (2 * d)) - 1 : UINT64_MAX;
	fill = low > fewer + *put ? low - fewer - *put : 0;
	return more + *put + fill > high ? -1 : (int64_t)fill;
}

/*
 * The fillers for the smallest limit that keeps every class, with the
 * copies planned; -1 if none puts in fewer lines than were cut.
 */
static int64_t choose(struct cf_narrow *n, const struct side *x, const struct side *y,
		      uint64_t cut)
{
	uint64_t full[2] = { limit_of(x->lines + cut), limit_of(y->lines + cut) };
	unsigned d = 1;

	for (uint64_t v = x->lines > y->lines ? x->lines : y->lines; v >>= 2; )
		d++;	/* fewer digits cannot hold the kept lines */
	for (; d <= MAX_DIGITS; d++) {
		uint64_t put;
		int64_t fill = plan(n, x, y, full, d, &put);
		if (fill >= 0)
			return put + (uint64_t)fill < cut ? fill : -1;
	}
	return -1;
}

/* A line that is no middle line, to fill with; 0 if none was found. */
static int filler(struct cf_narrow *n, char line[2])
{
	for (int c = 1; c < 32; c++) {
		line[0] = (char)c;
		line[1] = '\n';
		if (!find(n, line, 2, cf_line_hash(line, 2)))
			return 1;
	}
	return 0;
}

/* The lines in place of the cut: the copies planned, then fill fillers. */
static uint64_t put_lines(struct cf_narrow *n, struct cf_buf *out, uint64_t fill, const char line[2])
{
	uint64_t lines = fill;

	for (size_t k = 0; k < n->nset; k++)
		for (uint64_t c = 0; n->set[k].p && c < n->set[k].put; c++) {
			cf_buf_add(out, n->set[k].p, n->set[k].len);
			lines++;
		}
	while (fill--)
		cf_buf_add(out, line, 2);
	return lines;
}

/* The narrowed sides: the kept bytes, and the lines put in at the head or the tail. */
static void assemble(struct cf_narrow *n, const struct side *x, const struct side *y,
		     int at_tail, uint64_t fill, const char line[2], uint64_t lines_head)
{
	size_t at, kept = x->to - x->from;
	uint64_t put = 0;

	cf_buf_reset(&n->a);
	cf_buf_reset(&n->b);
	if (!at_tail)
		put = put_lines(n, &n->a, fill, line);
	at = n->a.len;
	cf_buf_add(&n->a, x->p + x->from, kept);
	if (at_tail)
		put_lines(n, &n->a, fill, line);
	if (!at_tail)
		cf_buf_add(&n->b, n->a.buf, at);
	cf_buf_add(&n->b, y->p + y->from, y->to - y->from);
	if (at_tail)
		cf_buf_add(&n->b, n->a.buf + at + kept, n->a.len - at - kept);
	n->shift = (long)lines_head - (long)put;
}

int cf_narrow(struct cf_narrow *n, const char *a, size_t alen, const char *b, size_t blen,
	      size_t min_cut)
{
	size_t head, tail;

	cf_common_lines(a, alen, b, blen, &head, &tail);
	return cf_narrow_common(n, a, alen, b, blen, head, tail, min_cut);
}

int cf_narrow_common(struct cf_narrow *n, const char *a, size_t alen, const char *b, size_t blen,
		     size_t head, size_t tail, size_t min_cut)
{
	struct side x = { a, alen, 0, 0, NULL, 0, 0, 0, 0 }, y = { b, blen, 0, 0, NULL, 0, 0, 0, 0 };
	size_t from, keep_tail, cut_head, cut_tail;
	uint64_t lines_head, lines_cut, extra = 0;
	int up, down, at_tail;
	int64_t fill;
	char line[2];

	from = back_lines(a, head, MARGIN);
	keep_tail = alen - fwd_lines(a, alen - tail, alen, MARGIN);
	/* What is kept is read here as much as xdiff reads it: cut more than that. */
	if (from + keep_tail < 16 * min_cut || from + keep_tail < alen + blen - 2 * (from + keep_tail) ||
	    (head == alen && head == blen))
		return 0;
	x.from = y.from = from;
	x.to = alen - keep_tail;
	y.to = blen - keep_tail;
	split(&x, &n->la, &n->alloc_a, head, tail);
	split(&y, &n->lb, &n->alloc_b, head, tail);
	up = stops_below_head(&x) && stops_below_head(&y);
	down = stops_above_tail(&x) && stops_above_tail(&y);
	at_tail = down && (keep_tail || (alen && a[alen - 1] == '\n' && blen && b[blen - 1] == '\n'));
	cut_head = up ? from : 0;
	cut_tail = down ? keep_tail : 0;
	if ((!at_tail && !up) || cut_head + cut_tail < 16 * min_cut)
		return 0;
	build_set(n, &x, &y);
	tally_kept(n, &x, 0);
	tally_kept(n, &y, 1);
	if (!up)
		extra += tally_common(n, a, from, KEPT_BY_BOTH);
	if (!down)
		extra += tally_common(n, a + alen - keep_tail, keep_tail, KEPT_BY_BOTH);
	x.lines += extra;
	y.lines += extra;
	lines_head = tally_common(n, a, cut_head, CUT);
	lines_cut = lines_head + tally_common(n, a + alen - cut_tail, cut_tail, CUT);
	if (lines_cut < min_cut || !filler(n, line) || (fill = choose(n, &x, &y, lines_cut)) < 0)
		return 0;
	x.from = y.from = cut_head;
	x.to = alen - cut_tail;
	y.to = blen - cut_tail;
	assemble(n, &x, &y, at_tail, (uint64_t)fill, line, lines_head);
	return 1;
}

void cf_narrow_release(struct cf_narrow *n)
{
	cf_buf_release(&n->a);
	cf_buf_release(&n->b);
	free(n->la);
	free(n->lb);
	free(n->set);
	free(n->sieve);
	*n = (struct cf_narrow)CF_NARROW_INIT;
}
