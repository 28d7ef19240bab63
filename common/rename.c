/*
 * Rename detection for one commit; see cf/rename.h for the rules.  The
 * similarity signatures of the blobs (their hashed chunks, sorted) are
 * computed at most once per file and call, and only for files whose sizes
 * leave the pair a chance to reach the threshold.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/blobcache.h"
#include "cf/buf.h"
#include "cf/odb.h"
#include "cf/rename.h"
#include "cf/usage.h"

/* git's constants: chunk hashes are taken modulo a prime near 2^17. */
#define HASHBASE 107927
#define CHUNK_MAX 64
#define CANDIDATES 4		/* best sources kept per destination */
#define EXACT_TRIES 100		/* identical sources looked at per destination */

struct span {
	uint32_t hash;
	uint64_t bytes;
};

/* What is known of one file's blob. */
struct sig {
	unsigned sized:1, hashed:1;
	uint64_t size;
	struct span *spans;	/* sorted by hash */
	size_t nr;
};

struct cand {
	size_t src, dst, seq;
	unsigned score;
	int name;		/* same base name */
	int valid;
};

struct cf_rename_scratch {
	struct cf_buf blob;
	struct span *table;	/* open addressing by hash; bytes == 0: empty */
	size_t table_size, table_nr;
};

/* One call's state. */
struct ctx {
	struct cf_renames *r;
	struct cf_odb *odb;
	const struct cf_rename_file *src, *dst;
	size_t nr_src, nr_dst;
	struct sig *ssig, *dsig;
	unsigned char *used;	/* per source */
};

void cf_renames_init(struct cf_renames *r)
{
	memset(r, 0, sizeof(*r));
	r->s = xcalloc(1, sizeof(*r->s));
	cf_buf_init(&r->s->blob, 0);
}

void cf_renames_release(struct cf_renames *r)
{
	free(r->src);
	free(r->score);
	free(r->exact);
	if (r->s) {
		cf_buf_release(&r->s->blob);
		free(r->s->table);
		free(r->s);
	}
	memset(r, 0, sizeof(*r));
}

static int is_regular(uint32_t mode)
{
	return (mode & 0170000) == 0100000;
}

static const char *base_name(const struct cf_rename_file *f, size_t *len)
{
	const char *slash = memrchr(f->path, '/', f->path_len);
	const char *b = slash ? slash + 1 : f->path;

	*len = f->path_len - (b - f->path);
	return b;
}

static int same_base(const struct cf_rename_file *a, const struct cf_rename_file *b)
{
	size_t la, lb;
	const char *ba = base_name(a, &la), *bb = base_name(b, &lb);

	return la == lb && !memcmp(ba, bb, la);
}

/* ---- signatures ---- */

static void table_grow(struct cf_rename_scratch *s)
{
	size_t old = s->table_size, size = old ? old * 2 : 512;
	struct span *t = xcalloc(size, sizeof(*t));

	for (size_t i = 0; i < old; i++) {
		size_t k;
		if (!s->table[i].bytes)
			continue;
		for (k = s->table[i].hash & (size - 1); t[k].bytes; k = (k + 1) & (size - 1))
			;
		t[k] = s->table[i];
	}
	free(s->table);
	s->table = t;
	s->table_size = size;
}

static void table_add(struct cf_rename_scratch *s, uint32_t hash, uint64_t n)
{
	size_t k, mask;

	if (2 * (s->table_nr + 1) > s->table_size)
		table_grow(s);
	mask = s->table_size - 1;
	for (k = hash & mask; s->table[k].bytes; k = (k + 1) & mask)
		if (s->table[k].hash == hash) {
			s->table[k].bytes += n;
			return;
		}
	s->table[k].hash = hash;
	s->table[k].bytes = n;
	s->table_nr++;
}

static int span_cmp(const void *a_, const void *b_)
{
	const struct span *a = a_, *b = b_;
	return a->hash < b->hash ? -1 : a->hash > b->hash;
}

/*
 * Chunks end at a newline or after 64 bytes; in text, a CR just before a
 * newline is left out, so that CRLF and LF versions of a file match.
 */
static void hash_chunks(struct cf_rename_scratch *s, const unsigned char *p, size_t len)
{
	int text = !cf_is_binary((const char *)p, len);
	uint32_t a1 = 0, a2 = 0;
	unsigned n = 0;

	for (size_t i = 0; i < len; i++) {
		uint32_t c = p[i], prev = a1;

		if (text && c == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue;
		a1 = (a1 << 7) ^ (a2 >> 25);
		a2 = (a2 << 7) ^ (prev >> 25);
		a1 += c;
		if (++n < CHUNK_MAX && c != '\n')
			continue;
		table_add(s, (a1 + a2 * 0x61) % HASHBASE, n);
		n = 0;
		a1 = a2 = 0;
	}
	if (n)
		table_add(s, (a1 + a2 * 0x61) % HASHBASE, n);
}

static int read_size(struct ctx *c, const struct cf_rename_file *f, struct sig *sig)
{
	enum cf_obj_type type;
	size_t size;

	if (sig->sized)
		return 0;
	if (cf_odb_read_header(c->odb, &f->oid, &type, &size) < 0)
		return -1;
	if (type != CF_OBJ_BLOB)
		return error("'%s' is not a blob", f->path);
	sig->size = size;
	sig->sized = 1;
	return 0;
}

static int read_spans(struct ctx *c, const struct cf_rename_file *f, struct sig *sig)
{
	struct cf_rename_scratch *s = c->r->s;
	enum cf_obj_type type;
	size_t k = 0;

	if (sig->hashed)
		return 0;
	if (cf_odb_read(c->odb, &f->oid, &type, &s->blob) < 0)
		return -1;
	if (type != CF_OBJ_BLOB)
		return error("'%s' is not a blob", f->path);
	if (s->table_nr)
		memset(s->table, 0, s->table_size * sizeof(*s->table));
	s->table_nr = 0;
	hash_chunks(s, (const unsigned char *)s->blob.buf, s->blob.len);
	sig->spans = xmalloc(st_mult(s->table_nr ? s->table_nr : 1, sizeof(*sig->spans)));
	for (size_t i = 0; i < s->table_size; i++)
		if (s->table[i].bytes)
			sig->spans[k++] = s->table[i];
	qsort(sig->spans, k, sizeof(*sig->spans), span_cmp);
	sig->nr = k;
	sig->size = s->blob.len;
	sig->sized = sig->hashed = 1;
	return 0;
}

/* Bytes of a's chunks that b has too. */
static uint64_t common_bytes(const struct sig *a, const struct sig *b)
{
	size_t i = 0, j = 0;
	uint64_t sum = 0;

	while (i < a->nr && j < b->nr) {
		if (a->spans[i].hash < b->spans[j].hash) {
			i++;
		} else if (a->spans[i].hash > b->spans[j].hash) {
			j++;
		} else {
			uint64_t x = a->spans[i++].bytes, y = b->spans[j++].bytes;
			sum += x < y ? x : y;
		}
	}
	return sum;
}

/* The similarity of src si and dst di on git's scale, 0 when it cannot reach min. */
static int estimate(struct ctx *c, size_t si, size_t di, unsigned min, unsigned *score)
{
	struct sig *a = &c->ssig[si], *b = &c->dsig[di];
	unsigned __int128 max, delta;

	*score = 0;
	if (!is_regular(c->src[si].mode) || !is_regular(c->dst[di].mode))
		return 0;
	if (read_size(c, &c->src[si], a) < 0 || read_size(c, &c->dst[di], b) < 0)
		return -1;
	max = a->size > b->size ? a->size : b->size;
	delta = max - (a->size < b->size ? a->size : b->size);
	if (max * (CF_RENAME_MAX_SCORE - min) < delta * CF_RENAME_MAX_SCORE)
		return 0;
	if (read_spans(c, &c->src[si], a) < 0 || read_spans(c, &c->dst[di], b) < 0)
		return -1;
	if (!b->size)
		return 0;
	*score = (unsigned)(common_bytes(a, b) * (unsigned __int128)CF_RENAME_MAX_SCORE / max);
	return 0;
}

static void record(struct ctx *c, size_t di, size_t si, unsigned score, int exact)
{
	c->r->src[di] = si;
	c->r->score[di] = score * 100 / CF_RENAME_MAX_SCORE;
	c->r->exact[di] = exact;
	c->used[si] = 1;
	if (exact)
		c->r->nr_exact++;
	else
		c->r->nr_similar++;
}

/* ---- 1. exact renames ---- */

static int oid_order(const void *a_, const void *b_, void *data)
{
	const struct cf_rename_file *src = data;
	size_t a = *(const size_t *)a_, b = *(const size_t *)b_;
	int c = cf_oid_cmp(&src[a].oid, &src[b].oid);

	return c ? c : a < b ? -1 : a > b;
}

static void exact_one(struct ctx *c, const size_t *order, size_t di)
{
	const struct cf_rename_file *d = &c->dst[di];
	size_t lo = 0, hi = c->nr_src, best = SIZE_MAX;
	int best_score = -1, tries = EXACT_TRIES;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cf_oid_cmp(&c->src[order[mid]].oid, &d->oid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->nr_src && !cf_oid_cmp(&c->src[order[lo]].oid, &d->oid); lo++) {
		size_t si = order[lo];
		const struct cf_rename_file *s = &c->src[si];
		int score;

		if ((!is_regular(s->mode) || !is_regular(d->mode)) && s->mode != d->mode)
			continue;
		if (c->used[si])
			continue;
		score = 1 + same_base(s, d);
		if (score > best_score) {
			best = si;
			best_score = score;
			if (score == 2)
				break;
		}
		if (!--tries)
			break;
	}
	if (best != SIZE_MAX)
		record(c, di, best, CF_RENAME_MAX_SCORE, 1);
}

static void find_exact(struct ctx *c)
{
	size_t *order = xmalloc(st_mult(c->nr_src, sizeof(*order)));

	for (size_t i = 0; i < c->nr_src; i++)
		order[i] = i;
	qsort_r(order, c->nr_src, sizeof(*order), oid_order, (void *)c->src);
	for (size_t di = 0; di < c->nr_dst; di++)
		exact_one(c, order, di);
	free(order);
}

/* ---- 2. unique base names ---- */

struct named {
	const char *base;
	size_t len, idx;
};

static int named_cmp(const void *a_, const void *b_)
{
	const struct named *a = a_, *b = b_;
	int c = memcmp(a->base, b->base, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * The files not yet paired (taken[i] == 0), sorted by base name, and
 * unique[i] set for those whose base name no other such file has.
 */
static size_t collect_names(const struct cf_rename_file *f, size_t nr,
			    const unsigned char *taken, struct named *out,
			    unsigned char *unique)
{
	size_t n = 0;

	for (size_t i = 0; i < nr; i++) {
		unique[i] = 0;
		if (taken[i])
			continue;
		out[n].base = base_name(&f[i], &out[n].len);
		out[n++].idx = i;
	}
	qsort(out, n, sizeof(*out), named_cmp);
	for (size_t k = 0; k < n; k++) {
		int dup = (k && out[k - 1].len == out[k].len &&
			   !memcmp(out[k - 1].base, out[k].base, out[k].len)) ||
			  (k + 1 < n && out[k + 1].len == out[k].len &&
			   !memcmp(out[k + 1].base, out[k].base, out[k].len));
		unique[out[k].idx] = !dup;
	}
	return n;
}

/* The destination with base name (base, len), if it is unique; else SIZE_MAX. */
static size_t find_name(const struct named *names, size_t n, const unsigned char *unique,
			const char *base, size_t len)
{
	struct named key = { base, len, 0 };
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (named_cmp(&names[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && names[lo].len == len && !memcmp(names[lo].base, base, len) &&
	    unique[names[lo].idx])
		return names[lo].idx;
	return SIZE_MAX;
}

static int find_by_name(struct ctx *c, unsigned min)
{
	size_t nmax = c->nr_src > c->nr_dst ? c->nr_src : c->nr_dst;
	struct named *snames = xmalloc(st_mult(c->nr_src, sizeof(*snames)));
	struct named *dnames = xmalloc(st_mult(c->nr_dst, sizeof(*dnames)));
	unsigned char *sunique = xmalloc(c->nr_src), *dunique = xmalloc(c->nr_dst);
	unsigned char *dtaken = xmalloc(nmax ? nmax : 1);
	size_t nd;
	int ret = 0;

	for (size_t i = 0; i < c->nr_dst; i++)
		dtaken[i] = c->r->src[i] != SIZE_MAX;
	collect_names(c->src, c->nr_src, c->used, snames, sunique);
	nd = collect_names(c->dst, c->nr_dst, dtaken, dnames, dunique);
	for (size_t si = 0; si < c->nr_src && !ret; si++) {
		size_t len, di;
		const char *base;
		unsigned score;

		if (c->used[si] || !sunique[si])
			continue;
		base = base_name(&c->src[si], &len);
		di = find_name(dnames, nd, dunique, base, len);
		if (di == SIZE_MAX || c->r->src[di] != SIZE_MAX)
			continue;
		ret = estimate(c, si, di, min, &score);
		if (!ret && score >= min)
			record(c, di, si, score, 0);
	}
	free(snames);
	free(dnames);
	free(sunique);
	free(dunique);
	free(dtaken);
	return ret;
}

/* ---- 3. the matrix ---- */

/* git's order: valid candidates first, higher score, then same base name. */
static int cand_cmp(const struct cand *a, const struct cand *b)
{
	if (!a->valid)
		return b->valid;
	if (!b->valid)
		return -1;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return b->name - a->name;
}

static int cand_sort(const void *a_, const void *b_)
{
	const struct cand *a = a_, *b = b_;
	int c = cand_cmp(a, b);

	return c ? c : a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Keeps o in place of the worst of the CANDIDATES when it is better. */
static void keep_if_better(struct cand *m, const struct cand *o)
{
	int worst = 0;

	for (int i = 1; i < CANDIDATES; i++)
		if (cand_cmp(&m[i], &m[worst]) > 0)
			worst = i;
	if (cand_cmp(&m[worst], o) > 0)
		m[worst] = *o;
}

static int score_dst(struct ctx *c, size_t di, unsigned min, struct cand *m)
{
	for (size_t si = 0; si < c->nr_src; si++) {
		struct cand o = { .src = si, .dst = di, .valid = 1 };

		if (c->used[si])
			continue;
		if (estimate(c, si, di, min, &o.score) < 0)
			return -1;
		o.name = same_base(&c->src[si], &c->dst[di]);
		keep_if_better(m, &o);
	}
	return 0;
}

static int find_similar(struct ctx *c, unsigned min, size_t nr_left)
{
	struct cand *mx = xcalloc(st_mult(nr_left, CANDIDATES), sizeof(*mx));
	size_t n = 0;
	int ret = 0;

	for (size_t di = 0; di < c->nr_dst && !ret; di++) {
		if (c->r->src[di] != SIZE_MAX)
			continue;
		ret = score_dst(c, di, min, &mx[n]);
		n += CANDIDATES;
	}
	for (size_t k = 0; k < n; k++)
		mx[k].seq = k;
	qsort(mx, n, sizeof(*mx), cand_sort);
	for (size_t k = 0; k < n && !ret; k++) {
		if (!mx[k].valid || mx[k].score < min)
			break;
		if (c->r->src[mx[k].dst] != SIZE_MAX || c->used[mx[k].src])
			continue;
		record(c, mx[k].dst, mx[k].src, mx[k].score, 0);
	}
	free(mx);
	return ret;
}

/* ---- the driver ---- */

static void prepare(struct cf_renames *r, size_t nr_dst)
{
	if (nr_dst > r->alloc) {
		r->alloc = nr_dst;
		r->src = xrealloc(r->src, st_mult(nr_dst, sizeof(*r->src)));
		r->score = xrealloc(r->score, st_mult(nr_dst, sizeof(*r->score)));
		r->exact = xrealloc(r->exact, nr_dst);
	}
	for (size_t i = 0; i < nr_dst; i++) {
		r->src[i] = SIZE_MAX;
		r->score[i] = 0;
		r->exact[i] = 0;
	}
	r->nr_exact = r->nr_similar = 0;
	r->limited = 0;
}

static int over_limit(uint64_t limit, size_t nd, size_t ns)
{
	return limit && (unsigned __int128)nd * ns > (unsigned __int128)limit * limit;
}

static int find_inexact(struct ctx *c, const struct cf_rename_opts *opt)
{
	unsigned min = opt->min_percent * (CF_RENAME_MAX_SCORE / 100);
	size_t nd = 0, ns = 0;
	int ret;

	ret = find_by_name(c, min + (CF_RENAME_MAX_SCORE - min) / 2);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->nr_dst; i++)
		nd += c->r->src[i] == SIZE_MAX;
	for (size_t i = 0; i < c->nr_src; i++)
		ns += !c->used[i];
	if (!nd || !ns)
		return 0;
	if (over_limit(opt->limit, nd, ns)) {
		c->r->limited = 1;
		return 0;
	}
	return find_similar(c, min, nd);
}

int cf_renames_find(struct cf_renames *r, struct cf_odb *odb,
		    const struct cf_rename_opts *opt,
		    const struct cf_rename_file *src, size_t nr_src,
		    const struct cf_rename_file *dst, size_t nr_dst)
{
	struct ctx c = {
		.r = r, .odb = odb, .src = src, .dst = dst,
		.nr_src = nr_src, .nr_dst = nr_dst,
	};
	int ret = 0;

	prepare(r, nr_dst);
	if (!nr_src || !nr_dst)
		return 0;
	c.used = xcalloc(nr_src, 1);
	find_exact(&c);
	if (opt->min_percent < 100) {
		c.ssig = xcalloc(nr_src, sizeof(*c.ssig));
		c.dsig = xcalloc(nr_dst, sizeof(*c.dsig));
		ret = find_inexact(&c, opt);
		for (size_t i = 0; i < nr_src; i++)
			free(c.ssig[i].spans);
		for (size_t i = 0; i < nr_dst; i++)
			free(c.dsig[i].spans);
		free(c.ssig);
		free(c.dsig);
	}
	free(c.used);
	return ret;
}
