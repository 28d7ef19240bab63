/*
 * The line-age state of cf-burndown (see cf/burndown.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/burndown.h"
#include "cf/record.h"
#include "cf/usage.h"

enum file_state {
	FILE_ABSENT = 0,	/* never seen, or deleted */
	FILE_TEXT,		/* tracked: runs add up to lines */
	FILE_BINARY,		/* present but not tracked */
};

struct cf_bd_file {
	struct cf_bd_run *runs;
	size_t nr, alloc;
	uint64_t lines;
	struct cf_bd_hist hist;	/* CF_BD_FILES */
	unsigned char state;
	unsigned char warned;	/* an inconsistency has been reported */
};

/* The net change of one (sample, band) cell over one sample. */
struct cf_bd_cell {
	uint32_t row, band;
	int64_t delta;
};

/* FNV-1a: paths are short and the table only needs an even spread. */
static uint32_t str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void strset_rehash(struct cf_bd_strset *set, size_t nr_slots)
{
	size_t mask = nr_slots - 1;

	free(set->slot);
	set->slot = xcalloc(nr_slots, sizeof(*set->slot));
	set->nr_slots = nr_slots;
	for (size_t i = 0; i < set->nr; i++) {
		size_t j = set->hash[i] & mask;
		while (set->slot[j])
			j = (j + 1) & mask;
		set->slot[j] = i + 1;
	}
}

/* The index of s, added if new (then *created is set). */
static uint32_t strset_intern(struct cf_bd_strset *set, const char *s, size_t len,
			      int *created)
{
	uint32_t h = str_hash(s, len);
	size_t mask = set->nr_slots - 1, j = h & mask;

	*created = 0;
	while (set->slot[j]) {
		size_t i = set->slot[j] - 1;
		if (set->hash[i] == h && set->off[i + 1] - set->off[i] == len &&
		    !memcmp(set->pool.buf + set->off[i], s, len))
			return i;
		j = (j + 1) & mask;
	}
	if (set->nr >= UINT32_MAX - 1)
		die("more than %" PRIu32 " distinct paths or identities", UINT32_MAX - 1);
	if (set->nr + 2 > set->alloc) {
		set->alloc = set->alloc < 16 ? 32 : st_add(set->alloc, set->alloc / 2);
		set->off = xrealloc(set->off, st_mult(set->alloc, sizeof(*set->off)));
		set->hash = xrealloc(set->hash, st_mult(set->alloc, sizeof(*set->hash)));
	}
	cf_buf_add(&set->pool, s, len);
	set->hash[set->nr] = h;
	set->off[set->nr + 1] = set->pool.len;
	set->slot[j] = ++set->nr;
	if (set->nr * 2 > set->nr_slots)
		strset_rehash(set, st_mult(set->nr_slots, 2));
	*created = 1;
	return set->nr - 1;
}

static void strset_init(struct cf_bd_strset *set)
{
	memset(set, 0, sizeof(*set));
	cf_buf_init(&set->pool, 0);
	set->alloc = 32;
	set->off = xcalloc(set->alloc, sizeof(*set->off));
	set->hash = xcalloc(set->alloc, sizeof(*set->hash));
	strset_rehash(set, 64);
}

static void strset_release(struct cf_bd_strset *set)
{
	cf_buf_release(&set->pool);
	free(set->off);
	free(set->hash);
	free(set->slot);
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int cmp_hcell(const void *a_, const void *b_)
{
	const struct cf_bd_hcell *a = a_, *b = b_;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	if (a->band != b->band)
		return a->band < b->band ? -1 : 1;
	return 0;
}

/* Sorts cells by (row, band), sums equal ones and drops zeros; returns the count. */
static uint32_t merge_cells(struct cf_bd_hcell *c, uint32_t nr)
{
	uint32_t o = 0;

	if (nr > 1)
		qsort(c, nr, sizeof(*c), cmp_hcell);
	for (uint32_t i = 0; i < nr; i++) {
		if (o && !cmp_hcell(&c[o - 1], &c[i])) {
			int64_t sum = (int64_t)c[o - 1].delta + c[i].delta;

			if (sum >= -INT32_MAX && sum <= INT32_MAX) {
				c[o - 1].delta = sum;
				o -= !sum;
				continue;
			}
		}
		if (c[i].delta)
			c[o++] = c[i];
	}
	return o;
}

/* Merges the cells of the last row. */
static void hist_settle(struct cf_bd_hist *h)
{
	h->nr = h->row_start + merge_cells(h->cells + h->row_start, h->nr - h->row_start);
	h->row_start = h->nr;
	h->tail_mark = 0;
}

static void hist_push(struct cf_bd_hist *h, uint32_t row, uint32_t band, int32_t delta)
{
	if (h->nr == UINT32_MAX)
		die("more than %" PRIu32 " cells in one burndown history", UINT32_MAX - 1);
	if (h->nr >= h->alloc) {
		size_t n = h->alloc;
		CF_ALLOC_GROW(h->cells, (size_t)h->nr + 1, n);
		h->alloc = n < UINT32_MAX ? n : UINT32_MAX;
	}
	h->cells[h->nr].row = row;
	h->cells[h->nr].band = band;
	h->cells[h->nr].delta = delta;
	h->nr++;
}

/* Adds delta to cell (row, band); row is never below the history's last. */
static void hist_add(struct cf_bd_hist *h, uint32_t row, uint32_t band, int64_t delta)
{
	while (delta) {
		int32_t d = delta > INT32_MAX ? INT32_MAX : delta < -INT32_MAX ? -INT32_MAX : delta;
		struct cf_bd_hcell *last = h->nr ? &h->cells[h->nr - 1] : NULL;

		delta -= d;
		if (last && last->row == row && last->band == band &&
		    (int64_t)last->delta + d >= -INT32_MAX && (int64_t)last->delta + d <= INT32_MAX) {
			last->delta += d;
			continue;
		}
		if (last && last->row != row)
			hist_settle(h);
		if (h->nr - h->row_start > h->tail_mark) {
			uint32_t n = merge_cells(h->cells + h->row_start, h->nr - h->row_start);
			h->nr = h->row_start + n;
			h->tail_mark = n < 8 ? 16 : 2 * n;
		}
		hist_push(h, row, band, d);
	}
}

static void hist_shrink(struct cf_bd_hist *h)
{
	if (h->alloc == h->nr)
		return;
	if (!h->nr) {
		free(h->cells);
		h->cells = NULL;
	} else {
		h->cells = xrealloc(h->cells, st_mult(h->nr, sizeof(*h->cells)));
	}
	h->alloc = h->nr;
}

/*
 * Moves the cells of src into dst, whose rows are in no order: it is
 * merged whole when it has doubled since it last was.
 */
static void hist_absorb(struct cf_bd_hist *dst, struct cf_bd_hist *src)
{
	hist_settle(src);
	for (uint32_t i = 0; i < src->nr; i++)
		hist_push(dst, src->cells[i].row, src->cells[i].band, src->cells[i].delta);
	free(src->cells);
	memset(src, 0, sizeof(*src));
	if (dst->nr > dst->tail_mark) {
		dst->nr = merge_cells(dst->cells, dst->nr);
		dst->tail_mark = dst->nr < 512 ? 1024 : 2 * dst->nr;
	}
}

/* Overwrites: an open-addressing table of (owner << 32 | remover) -> lines. */
static void ow_rehash(struct cf_burndown *bd, size_t nr_slots)
{
	uint64_t *keys = bd->ow_keys, *counts = bd->ow_counts;
	size_t old = bd->ow_slots;

	bd->ow_keys = xmalloc(st_mult(nr_slots, sizeof(*keys)));
	bd->ow_counts = xcalloc(nr_slots, sizeof(*counts));
	memset(bd->ow_keys, 0xff, nr_slots * sizeof(*keys));
	bd->ow_slots = nr_slots;
	for (size_t i = 0; i < old; i++) {
		size_t j;

		if (keys[i] == UINT64_MAX)
			continue;
		j = str_hash((const char *)&keys[i], sizeof(keys[i])) & (nr_slots - 1);
		while (bd->ow_keys[j] != UINT64_MAX)
			j = (j + 1) & (nr_slots - 1);
		bd->ow_keys[j] = keys[i];
		bd->ow_counts[j] = counts[i];
	}
	free(keys);
	free(counts);
}

static void ow_add(struct cf_burndown *bd, uint32_t owner, uint32_t remover, uint64_t n)
{
	uint64_t key = (uint64_t)owner << 32 | remover;
	size_t j;

	if ((bd->ow_nr + 1) * 2 > bd->ow_slots)
		ow_rehash(bd, bd->ow_slots ? st_mult(bd->ow_slots, 2) : 64);
	j = str_hash((const char *)&key, sizeof(key)) & (bd->ow_slots - 1);
	while (bd->ow_keys[j] != key && bd->ow_keys[j] != UINT64_MAX)
		j = (j + 1) & (bd->ow_slots - 1);
	if (bd->ow_keys[j] == UINT64_MAX) {
		bd->ow_keys[j] = key;
		bd->ow_nr++;
	}
	bd->ow_counts[j] += n;
}

void cf_burndown_init(struct cf_burndown *bd, uint32_t granularity, uint32_t sampling,
		      unsigned flags)
{
	if (!granularity || !sampling)
		BUG("granularity and sampling must be positive");
	memset(bd, 0, sizeof(*bd));
	bd->granularity = granularity;
	bd->sampling = sampling;
	bd->flags = flags;
	strset_init(&bd->paths);
	strset_init(&bd->authors);
	cf_buf_init(&bd->key, 0);
}

void cf_burndown_release(struct cf_burndown *bd)
{
	for (size_t i = 0; i < bd->paths.nr; i++) {
		free(bd->files[i].runs);
		free(bd->files[i].hist.cells);
	}
	free(bd->files);
	for (size_t i = 0; i < bd->authors.nr && bd->people; i++)
		free(bd->people[i].cells);
	free(bd->people);
	free(bd->written);
	free(bd->deleted.cells);
	free(bd->ow_keys);
	free(bd->ow_counts);
	strset_release(&bd->paths);
	strset_release(&bd->authors);
	cf_buf_release(&bd->key);
	free(bd->scratch);
	free(bd->acc);
	free(bd->cells);
	memset(bd, 0, sizeof(*bd));
}

/*
 * An identity's key is the name's length (4 bytes, little-endian), the name
 * and the email, so that names with any bytes in them stay apart.
 */
uint32_t cf_burndown_author(struct cf_burndown *bd, const char *name, size_t name_len,
			    const char *email, size_t email_len)
{
	unsigned char len[4];
	uint32_t i;
	int created;

	if (name_len > UINT32_MAX)
		die("author name of %zu bytes is too long", name_len);
	put_le(len, name_len, 4);
	cf_buf_reset(&bd->key);
	cf_buf_add(&bd->key, len, 4);
	cf_buf_add(&bd->key, name, name_len);
	cf_buf_add(&bd->key, email, email_len);
	i = strset_intern(&bd->authors, bd->key.buf, bd->key.len, &created);
	if (created && bd->authors.nr > bd->people_alloc) {
		size_t old = bd->people_alloc, n = old;

		CF_ALLOC_GROW(bd->written, bd->authors.nr, n);
		bd->people = xrealloc(bd->people, st_mult(n, sizeof(*bd->people)));
		memset(bd->people + old, 0, (n - old) * sizeof(*bd->people));
		memset(bd->written + old, 0, (n - old) * sizeof(*bd->written));
		bd->people_alloc = n;
	}
	return i;
}

/* The name and email of identity i. */
static void author_parts(const struct cf_burndown *bd, uint32_t i, const char **name,
			 size_t *name_len, const char **email, size_t *email_len)
{
	const char *key = bd->authors.pool.buf + bd->authors.off[i];
	size_t len = bd->authors.off[i + 1] - bd->authors.off[i];

	*name_len = get_le((const unsigned char *)key, 4);
	*name = key + 4;
	*email = key + 4 + *name_len;
	*email_len = len - 4 - *name_len;
}

static void account_more(struct cf_burndown *bd, struct cf_bd_file *f, uint32_t born,
			 uint32_t owner, int64_t delta)
{
	uint32_t band = born / bd->granularity;

	if (bd->flags & CF_BD_FILES)
		hist_add(&f->hist, bd->row, band, delta);
	if (!(bd->flags & CF_BD_PEOPLE))
		return;
	hist_add(&bd->people[owner], bd->row, band, delta);
	if (delta > 0)
		bd->written[owner] += delta;
	else
		ow_add(bd, owner, bd->author, -delta);
}

/* Moves the finished sample's non-zero deltas into the cell list. */
static void flush_row(struct cf_burndown *bd)
{
	for (size_t b = 0; b < bd->acc_nr; b++) {
		if (!bd->acc[b])
			continue;
		CF_ALLOC_GROW(bd->cells, bd->cells_nr + 1, bd->cells_alloc);
		bd->cells[bd->cells_nr].row = bd->row;
		bd->cells[bd->cells_nr].band = b;
		bd->cells[bd->cells_nr].delta = bd->acc[b];
		bd->cells_nr++;
		bd->acc[b] = 0;
	}
}

uint64_t cf_burndown_samples(const struct cf_burndown *bd)
{
	return (uint64_t)bd->tick / bd->sampling + 1;
}

uint64_t cf_burndown_bands(const struct cf_burndown *bd)
{
	return (uint64_t)bd->tick / bd->granularity + 1;
}

int cf_burndown_commit(struct cf_burndown *bd, uint32_t tick, uint32_t author)
{
	uint64_t samples = (uint64_t)tick / bd->sampling + 1;
	uint64_t bands = (uint64_t)tick / bd->granularity + 1;

	if (bd->started && tick < bd->tick)
		return -1;
	if (author >= bd->authors.nr)
		BUG("author %" PRIu32 " was not given by cf_burndown_author()", author);
	if (bands > CF_BURNDOWN_MAX_CELLS / samples)
		die("burndown matrix of %" PRIu64 " samples x %" PRIu64 " bands at tick %" PRIu32
		    " exceeds %" PRIu64 " cells; raise --granularity or --sampling",
		    samples, bands, tick, CF_BURNDOWN_MAX_CELLS);
	if (bd->started && tick / bd->sampling != bd->row)
		flush_row(bd);
	bd->row = tick / bd->sampling;
	if (bands > bd->acc_nr) {
		CF_ALLOC_GROW(bd->acc, bands, bd->acc_alloc);
		memset(bd->acc + bd->acc_nr, 0, (bands - bd->acc_nr) * sizeof(*bd->acc));
		bd->acc_nr = bands;
	}
	bd->tick = tick;
	bd->author = author;
	bd->started = 1;
	return 0;
}

/*
 * Lines of f born at tick born, written by owner, change by delta at the
 * current tick, in the current commit (whose author removes them when delta
 * is negative).
 */
static inline void account(struct cf_burndown *bd, struct cf_bd_file *f, uint32_t born,
			   uint32_t owner, int64_t delta)
{
	bd->acc[born / bd->granularity] += delta;
	if (bd->flags && delta)
		account_more(bd, f, born, owner, delta);
}

/* Appends n lines to the merge output, joining the last run when it can. */
static void emit(struct cf_burndown *bd, uint64_t n, uint32_t tick, uint32_t author)
{
	while (n) {
		struct cf_bd_run *last = bd->scratch_nr ? &bd->scratch[bd->scratch_nr - 1] : NULL;
		uint32_t k;

		if (last && last->tick == tick && last->author == author &&
		    last->len < UINT32_MAX) {
			k = n < UINT32_MAX - last->len ? n : UINT32_MAX - last->len;
			last->len += k;
		} else {
			k = n < UINT32_MAX ? n : UINT32_MAX;
			CF_ALLOC_GROW(bd->scratch, bd->scratch_nr + 1, bd->scratch_alloc);
			bd->scratch[bd->scratch_nr].len = k;
			bd->scratch[bd->scratch_nr].tick = tick;
			bd->scratch[bd->scratch_nr].author = author;
			bd->scratch_nr++;
		}
		n -= k;
	}
}

/* Copies the merge output into the file, giving back memory it no longer needs. */
static void store_scratch(struct cf_bd_file *f, const struct cf_burndown *bd)
{
	if (bd->scratch_nr > f->alloc || bd->scratch_nr * 4 + 16 < f->alloc) {
		f->alloc = bd->scratch_nr + bd->scratch_nr / 4 + 1;
		f->runs = xrealloc(f->runs, st_mult(f->alloc, sizeof(*f->runs)));
	}
	if (bd->scratch_nr)
		memcpy(f->runs, bd->scratch, bd->scratch_nr * sizeof(*f->runs));
	f->nr = bd->scratch_nr;
}

/* A position in the old runs of a file. */
struct cursor {
	const struct cf_bd_run *run;
	uint32_t used;		/* lines of *run already consumed */
};

/* Consumes n old lines of f, which die now. */
static void kill(struct cf_burndown *bd, struct cf_bd_file *f, struct cursor *c, uint64_t n)
{
	while (n) {
		uint32_t avail = c->run->len - c->used;
		uint32_t k = n < avail ? n : avail;

		account(bd, f, c->run->tick, c->run->author, -(int64_t)k);
		c->used += k;
		n -= k;
		if (c->used == c->run->len) {
			c->run++;
			c->used = 0;
		}
	}
}

/* Appends whole runs, joining the first to the output's last run if it can. */
static void copy_runs(struct cf_burndown *bd, const struct cf_bd_run *from, size_t nr)
{
	if (!nr)
		return;
	emit(bd, from->len, from->tick, from->author);
	if (!--nr)
		return;
	from++;
	CF_ALLOC_GROW(bd->scratch, st_add(bd->scratch_nr, nr), bd->scratch_alloc);
	memcpy(bd->scratch + bd->scratch_nr, from, nr * sizeof(*from));
	bd->scratch_nr += nr;
}

/*
 * Consumes n old lines, which keep their ages: the runs they cover whole
 * are copied as a block, only the partial ones at either end are split.
 */
static void keep(struct cf_burndown *bd, struct cursor *c, uint64_t n)
{
	const struct cf_bd_run *whole;

	if (n && c->used) {
		uint32_t avail = c->run->len - c->used;
		uint32_t k = n < avail ? n : avail;

		emit(bd, k, c->run->tick, c->run->author);
		c->used += k;
		n -= k;
		if (c->used < c->run->len)
			return;
		c->run++;
		c->used = 0;
	}
	for (whole = c->run; n && n >= c->run->len; c->run++)
		n -= c->run->len;
	copy_runs(bd, whole, c->run - whole);
	if (n) {
		emit(bd, n, c->run->tick, c->run->author);
		c->used = n;
	}
}

/* The 0-based old line at which a hunk removes or inserts. */
static uint64_t hunk_old_pos(const struct cf_bd_hunk *h)
{
	return h->old_count ? h->old_start - 1 : h->old_start;
}

static uint64_t hunk_new_pos(const struct cf_bd_hunk *h)
{
	return h->new_count ? h->new_start - 1 : h->new_start;
}

/*
 * Whether the hunks describe an edit of a file of old_lines lines into one
 * of new_lines lines: in order, inside the file, and with new positions that
 * agree with the old ones.  Returns 0, or -1 with the reason in why.
 */
static int check_hunks(const struct cf_bd_change *ch, struct cf_buf *why)
{
	uint64_t end = 0, removed = 0, added = 0;

	for (size_t i = 0; i < ch->nr_hunks; i++) {
		const struct cf_bd_hunk *h = &ch->hunks[i];
		uint64_t pos = hunk_old_pos(h), npos = hunk_new_pos(h);

		if ((h->old_count && !h->old_start) || pos > ch->old_lines ||
		    h->old_count > ch->old_lines - pos) {
			cf_buf_addf(why, "hunk -%" PRIu64 ",%" PRIu64 " outside %" PRIu64 " lines",
				    h->old_start, h->old_count, ch->old_lines);
			return -1;
		}
		if (pos < end) {
			cf_buf_addf(why, "hunk -%" PRIu64 ",%" PRIu64 " overlaps the hunk before it",
				    h->old_start, h->old_count);
			return -1;
		}
		/* pos - removed + added, the hunk's place in the new file */
		if ((h->new_count && !h->new_start) || npos != pos - removed + added ||
		    npos > ch->new_lines || h->new_count > ch->new_lines - npos) {
			cf_buf_addf(why, "hunk -%" PRIu64 ",%" PRIu64 " +%" PRIu64 ",%" PRIu64
				    " does not match the new side",
				    h->old_start, h->old_count, h->new_start, h->new_count);
			return -1;
		}
		end = pos + h->old_count;
		removed += h->old_count;
		added += h->new_count;
	}
	if (ch->old_lines - removed + added != ch->new_lines) {
		cf_buf_addf(why, "hunks make %" PRIu64 " lines of %" PRIu64 ", not %" PRIu64,
			    ch->old_lines - removed + added, ch->old_lines, ch->new_lines);
		return -1;
	}
	return 0;
}

/* The one pass: old runs and hunks in, new runs out. */
static void merge(struct cf_burndown *bd, struct cf_bd_file *f, const struct cf_bd_change *ch)
{
	struct cursor c = { f->runs, 0 };
	uint64_t pos = 0;

	bd->scratch_nr = 0;
	for (size_t i = 0; i < ch->nr_hunks; i++) {
		const struct cf_bd_hunk *h = &ch->hunks[i];
		uint64_t at = hunk_old_pos(h);

		keep(bd, &c, at - pos);
		kill(bd, f, &c, h->old_count);
		emit(bd, h->new_count, bd->tick, bd->author);
		account(bd, f, bd->tick, bd->author, h->new_count);
		pos = at + h->old_count;
	}
	keep(bd, &c, f->lines - pos);
	store_scratch(f, bd);
	bd->lines = bd->lines - f->lines + ch->new_lines;
	f->lines = ch->new_lines;
}

/* Every tracked line of f dies now. */
static void kill_all(struct cf_burndown *bd, struct cf_bd_file *f)
{
	for (size_t i = 0; i < f->nr; i++)
		account(bd, f, f->runs[i].tick, f->runs[i].author, -(int64_t)f->runs[i].len);
	if (f->state == FILE_TEXT)
		bd->tracked--;
	bd->lines -= f->lines;
	f->nr = 0;
	f->lines = 0;
	f->state = FILE_ABSENT;
}

/* f is no longer tracked: its history goes to the deleted files'. */
static void forget(struct cf_burndown *bd, struct cf_bd_file *f)
{
	kill_all(bd, f);
	free(f->runs);
	f->runs = NULL;
	f->alloc = 0;
	if (f->hist.nr)
		hist_absorb(&bd->deleted, &f->hist);
}

/* f (untracked) becomes n lines born now. */
static void born(struct cf_burndown *bd, struct cf_bd_file *f, uint64_t n)
{
	bd->scratch_nr = 0;
	emit(bd, n, bd->tick, bd->author);
	store_scratch(f, bd);
	account(bd, f, bd->tick, bd->author, n);
	f->lines = n;
	f->state = FILE_TEXT;
	bd->lines += n;
	bd->tracked++;
}

/* The state f takes after ch, whatever it was before. */
static void reset(struct cf_burndown *bd, struct cf_bd_file *f, const struct cf_bd_change *ch)
{
	if (ch->status == 'D') {
		forget(bd, f);
	} else if (ch->binary && !ch->new_text) {
		forget(bd, f);
		f->state = FILE_BINARY;
	} else {
		kill_all(bd, f);
		born(bd, f, ch->new_lines);
	}
}

__attribute__((format(printf, 5, 6)))
static int resync(struct cf_burndown *bd, struct cf_bd_file *f, const struct cf_bd_change *ch,
		  struct cf_buf *why, const char *fmt, ...)
{
	int first = !f->warned;

	if (first && fmt) {
		va_list ap;
		va_start(ap, fmt);
		cf_buf_vaddf(why, fmt, ap);
		va_end(ap);
	}
	f->warned = 1;
	bd->resyncs++;
	reset(bd, f, ch);
	return first ? 1 : 2;
}

static int modify(struct cf_burndown *bd, struct cf_bd_file *f, const struct cf_bd_change *ch,
		  struct cf_buf *why)
{
	size_t mark = why->len;

	if (ch->binary || f->state == FILE_BINARY) {
		/* text -> binary dies, binary -> text is born, binary stays untracked */
		reset(bd, f, ch);
		return 0;
	}
	if (f->state == FILE_ABSENT)
		return resync(bd, f, ch, why, "modified but not tracked");
	if (ch->old_lines != f->lines)
		return resync(bd, f, ch, why, "old_lines %" PRIu64 " but %" PRIu64 " lines tracked",
			      ch->old_lines, f->lines);
	if (check_hunks(ch, why)) {
		if (f->warned)
			cf_buf_setlen(why, mark);
		return resync(bd, f, ch, why, NULL);
	}
	merge(bd, f, ch);
	return 0;
}

static uint32_t file_index(struct cf_burndown *bd, const char *path, size_t len)
{
	int created;
	uint32_t i = strset_intern(&bd->paths, path, len, &created);

	if (created) {
		CF_ALLOC_GROW(bd->files, bd->paths.nr, bd->files_alloc);
		memset(&bd->files[i], 0, sizeof(bd->files[i]));
	}
	return i;
}

static struct cf_bd_file *file_of(struct cf_burndown *bd, const char *path, size_t len)
{
	uint32_t i = file_index(bd, path, len);	/* may move bd->files */

	return &bd->files[i];
}

/*
 * A rename moves the old path's lines, with their ages and history, to the
 * new path (not tracked: git pairs only paths that disappear with paths
 * that appear), then applies the change's hunks to them.
 */
static int rename_file(struct cf_burndown *bd, const char *path, size_t path_len,
		       const struct cf_bd_change *ch, struct cf_buf *why)
{
	uint32_t from = file_index(bd, ch->old_path, ch->old_path_len);
	uint32_t to = file_index(bd, path, path_len);
	struct cf_bd_file *src = &bd->files[from], *dst = &bd->files[to];
	unsigned char warned = dst->warned;

	if (from == to)
		return modify(bd, dst, ch, why);
	if (dst->state != FILE_ABSENT) {
		forget(bd, src);
		return resync(bd, dst, ch, why, "renamed from '%.*s' onto a file already tracked",
			      (int)ch->old_path_len, ch->old_path);
	}
	if (src->state == FILE_ABSENT)
		return resync(bd, dst, ch, why, "renamed from '%.*s', which is not tracked",
			      (int)ch->old_path_len, ch->old_path);
	free(dst->runs);
	free(dst->hist.cells);
	*dst = *src;
	dst->warned = warned;
	warned = src->warned;
	memset(src, 0, sizeof(*src));
	src->warned = warned;
	bd->renames++;
	return modify(bd, dst, ch, why);
}

int cf_burndown_change(struct cf_burndown *bd, const char *path, size_t path_len,
		       const struct cf_bd_change *ch, struct cf_buf *why)
{
	struct cf_bd_file *f;

	if (!bd->started)
		BUG("a change before any commit");
	if (ch->old_lines > CF_BURNDOWN_MAX_LINES || ch->new_lines > CF_BURNDOWN_MAX_LINES)
		BUG("line counts beyond CF_BURNDOWN_MAX_LINES");
	if (ch->status == 'R')
		return rename_file(bd, path, path_len, ch, why);
	f = file_of(bd, path, path_len);
	switch (ch->status) {
	case 'A':
		if (f->state == FILE_TEXT)
			return resync(bd, f, ch, why, "added but already tracked with %" PRIu64 " lines",
				      f->lines);
		reset(bd, f, ch);
		return 0;
	case 'D':
		if (f->state == FILE_ABSENT)
			return resync(bd, f, ch, why, "deleted but not tracked");
		forget(bd, f);
		return 0;
	case 'M':
		return modify(bd, f, ch, why);
	default:
		BUG("unknown change status '%c'", ch->status);
	}
}

void cf_burndown_pack_matrix(struct cf_burndown *bd, struct cf_writer *w)
{
	uint64_t samples = cf_burndown_samples(bd), bands = cf_burndown_bands(bd);
	int64_t *cur = xcalloc(bands, sizeof(*cur));
	size_t c = 0;

	flush_row(bd);
	msgpack_pack_array(&w->pk, samples);
	for (uint64_t i = 0; i < samples; i++) {
		for (; c < bd->cells_nr && bd->cells[c].row == i; c++)
			cur[bd->cells[c].band] += bd->cells[c].delta;
		msgpack_pack_array(&w->pk, bands);
		for (uint64_t b = 0; b < bands; b++)
			msgpack_pack_int64(&w->pk, cur[b]);
		if (w->buf.len >= (1 << 20))
			cf_writer_flush(w);
	}
	if (c != bd->cells_nr)
		BUG("burndown cells beyond the last sample");
	free(cur);
}

/* Scratch for writing sparse matrices: the current row, dense. */
struct sparse_rows {
	int64_t *cur;
	uint32_t *act;		/* bands with a non-zero cell, ascending after each row */
	unsigned char *in_act;
	uint32_t nr_act;
};

static void sparse_init(struct sparse_rows *sr, uint64_t bands)
{
	sr->cur = xcalloc(bands, sizeof(*sr->cur));
	sr->act = xcalloc(bands, sizeof(*sr->act));
	sr->in_act = xcalloc(bands, 1);
	sr->nr_act = 0;
}

static void sparse_release(struct sparse_rows *sr)
{
	free(sr->cur);
	free(sr->act);
	free(sr->in_act);
}

/* Sorts the active bands (mostly sorted already) and drops the zero ones. */
static void sparse_tidy(struct sparse_rows *sr)
{
	uint32_t o = 0;

	for (uint32_t i = 1; i < sr->nr_act; i++) {
		uint32_t v = sr->act[i], j = i;
		for (; j && sr->act[j - 1] > v; j--)
			sr->act[j] = sr->act[j - 1];
		sr->act[j] = v;
	}
	for (uint32_t i = 0; i < sr->nr_act; i++) {
		if (sr->cur[sr->act[i]])
			sr->act[o++] = sr->act[i];
		else
			sr->in_act[sr->act[i]] = 0;
	}
	sr->nr_act = o;
}

/*
 * Packs the sparse matrix of cells (in ascending order of row) as samples
 * rows of (band, count) pairs, and leaves sr empty for the next one.
 */
static void pack_sparse(const struct cf_burndown *bd, struct cf_writer *w,
			struct sparse_rows *sr, const struct cf_bd_hcell *c, uint32_t nr)
{
	uint64_t samples = cf_burndown_samples(bd);
	uint32_t k = 0;

	msgpack_pack_array(&w->pk, samples);
	for (uint64_t i = 0; i < samples; i++) {
		for (; k < nr && c[k].row == i; k++) {
			uint32_t b = c[k].band;

			if (!sr->in_act[b]) {
				sr->in_act[b] = 1;
				sr->act[sr->nr_act++] = b;
			}
			sr->cur[b] += c[k].delta;
		}
		sparse_tidy(sr);
		msgpack_pack_array(&w->pk, 2 * sr->nr_act);
		for (uint32_t j = 0; j < sr->nr_act; j++) {
			cf_pack_u64(&w->pk, sr->act[j]);
			msgpack_pack_int64(&w->pk, sr->cur[sr->act[j]]);
		}
	}
	if (k != nr)
		BUG("burndown history cells out of order or beyond the last sample");
	for (uint32_t j = 0; j < sr->nr_act; j++) {
		sr->cur[sr->act[j]] = 0;
		sr->in_act[sr->act[j]] = 0;
	}
	sr->nr_act = 0;
	if (w->buf.len >= (1 << 20))
		cf_writer_flush(w);
}

static const struct cf_bd_strset *sort_set;

static int cmp_path(const void *a_, const void *b_)
{
	uint32_t a = *(const uint32_t *)a_, b = *(const uint32_t *)b_;
	size_t la = sort_set->off[a + 1] - sort_set->off[a];
	size_t lb = sort_set->off[b + 1] - sort_set->off[b];
	int c = memcmp(sort_set->pool.buf + sort_set->off[a], sort_set->pool.buf + sort_set->off[b],
		       la < lb ? la : lb);

	return c ? c : la < lb ? -1 : la > lb;
}

/* The indexes of the tracked files, in byte order of their paths. */
static uint32_t *tracked_files(const struct cf_burndown *bd, size_t *nr)
{
	uint32_t *idx = xcalloc(bd->tracked + 1, sizeof(*idx));
	size_t n = 0;

	for (size_t i = 0; i < bd->paths.nr; i++)
		if (bd->files[i].state == FILE_TEXT)
			idx[n++] = i;
	if (n != bd->tracked)
		BUG("%zu files tracked, %" PRIu64 " counted", n, bd->tracked);
	sort_set = &bd->paths;
	qsort(idx, n, sizeof(*idx), cmp_path);
	*nr = n;
	return idx;
}

static void pack_path(msgpack_packer *pk, const struct cf_burndown *bd, uint32_t i)
{
	cf_pack_strn(pk, bd->paths.pool.buf + bd->paths.off[i],
		     bd->paths.off[i + 1] - bd->paths.off[i]);
}

void cf_burndown_pack_files(struct cf_burndown *bd, struct cf_writer *w)
{
	struct sparse_rows sr;
	size_t nr;
	uint32_t *idx = tracked_files(bd, &nr);

	sparse_init(&sr, cf_burndown_bands(bd));
	msgpack_pack_array(&w->pk, nr);
	for (size_t i = 0; i < nr; i++) {
		struct cf_bd_file *f = &bd->files[idx[i]];

		hist_settle(&f->hist);
		msgpack_pack_map(&w->pk, 3);
		cf_pack_str(&w->pk, "path");
		pack_path(&w->pk, bd, idx[i]);
		cf_pack_kv_u64(&w->pk, "lines", f->lines);
		cf_pack_str(&w->pk, "sparse");
		pack_sparse(bd, w, &sr, f->hist.cells, f->hist.nr);
	}
	sparse_release(&sr);
	free(idx);
}

void cf_burndown_pack_deleted(struct cf_burndown *bd, struct cf_writer *w)
{
	struct sparse_rows sr;

	bd->deleted.nr = merge_cells(bd->deleted.cells, bd->deleted.nr);
	sparse_init(&sr, cf_burndown_bands(bd));
	pack_sparse(bd, w, &sr, bd->deleted.cells, bd->deleted.nr);
	sparse_release(&sr);
}

void cf_burndown_pack_people(struct cf_burndown *bd, msgpack_packer *pk)
{
	msgpack_pack_array(pk, bd->authors.nr);
	for (uint32_t i = 0; i < bd->authors.nr; i++) {
		const char *name, *email;
		size_t name_len, email_len;

		author_parts(bd, i, &name, &name_len, &email, &email_len);
		msgpack_pack_map(pk, 2);
		cf_pack_str(pk, "name");
		cf_pack_strn(pk, name, name_len);
		cf_pack_str(pk, "email");
		cf_pack_strn(pk, email, email_len);
	}
}

void cf_burndown_pack_people_matrices(struct cf_burndown *bd, struct cf_writer *w)
{
	struct sparse_rows sr;

	sparse_init(&sr, cf_burndown_bands(bd));
	msgpack_pack_array(&w->pk, bd->authors.nr);
	for (uint32_t i = 0; i < bd->authors.nr; i++) {
		hist_settle(&bd->people[i]);
		pack_sparse(bd, w, &sr, bd->people[i].cells, bd->people[i].nr);
	}
	sparse_release(&sr);
}

void cf_burndown_pack_written(struct cf_burndown *bd, msgpack_packer *pk)
{
	msgpack_pack_array(pk, bd->authors.nr);
	for (uint32_t i = 0; i < bd->authors.nr; i++)
		cf_pack_u64(pk, bd->written[i]);
}

static int cmp_u64(const void *a_, const void *b_)
{
	uint64_t a = *(const uint64_t *)a_, b = *(const uint64_t *)b_;
	return a < b ? -1 : a > b;
}

/* The slots of the overwrites table that are used, in ascending order of key. */
static size_t *ow_sorted(const struct cf_burndown *bd)
{
	uint64_t *pairs = xcalloc(bd->ow_nr + 1, 2 * sizeof(*pairs));
	size_t *slots = xcalloc(bd->ow_nr + 1, sizeof(*slots)), n = 0;

	/* sort (key, slot) pairs: keys are unique, so the slot never decides */
	for (size_t j = 0; j < bd->ow_slots; j++) {
		if (bd->ow_keys[j] == UINT64_MAX)
			continue;
		pairs[2 * n] = bd->ow_keys[j];
		pairs[2 * n + 1] = j;
		n++;
	}
	qsort(pairs, n, 2 * sizeof(*pairs), cmp_u64);
	for (size_t i = 0; i < n; i++)
		slots[i] = pairs[2 * i + 1];
	free(pairs);
	return slots;
}

void cf_burndown_pack_overwrites(struct cf_burndown *bd, struct cf_writer *w)
{
	size_t *slots = ow_sorted(bd), k = 0;

	msgpack_pack_array(&w->pk, bd->authors.nr);
	for (uint32_t i = 0; i < bd->authors.nr; i++) {
		size_t end = k;

		while (end < bd->ow_nr && bd->ow_keys[slots[end]] >> 32 == i)
			end++;
		msgpack_pack_array(&w->pk, 2 * (end - k));
		for (; k < end; k++) {
			cf_pack_u64(&w->pk, (uint32_t)bd->ow_keys[slots[k]]);
			cf_pack_u64(&w->pk, bd->ow_counts[slots[k]]);
		}
		if (w->buf.len >= (1 << 20))
			cf_writer_flush(w);
	}
	free(slots);
}

static int cmp_u32(const void *a_, const void *b_)
{
	uint32_t a = *(const uint32_t *)a_, b = *(const uint32_t *)b_;
	return a < b ? -1 : a > b;
}

void cf_burndown_pack_ownership(struct cf_burndown *bd, struct cf_writer *w)
{
	uint64_t *own = xcalloc(bd->authors.nr + 1, sizeof(*own));
	uint32_t *who = xcalloc(bd->authors.nr + 1, sizeof(*who));
	size_t nr;
	uint32_t *idx = tracked_files(bd, &nr);

	msgpack_pack_array(&w->pk, nr);
	for (size_t i = 0; i < nr; i++) {
		const struct cf_bd_file *f = &bd->files[idx[i]];
		uint32_t n = 0;

		for (size_t r = 0; r < f->nr; r++) {
			uint32_t a = f->runs[r].author;
			if (!own[a])
				who[n++] = a;
			own[a] += f->runs[r].len;
		}
		qsort(who, n, sizeof(*who), cmp_u32);
		msgpack_pack_map(&w->pk, 2);
		cf_pack_str(&w->pk, "path");
		pack_path(&w->pk, bd, idx[i]);
		cf_pack_str(&w->pk, "owners");
		msgpack_pack_array(&w->pk, 2 * n);
		for (uint32_t j = 0; j < n; j++) {
			cf_pack_u64(&w->pk, who[j]);
			cf_pack_u64(&w->pk, own[who[j]]);
			own[who[j]] = 0;
		}
		if (w->buf.len >= (1 << 20))
			cf_writer_flush(w);
	}
	free(idx);
	free(own);
	free(who);
}

void cf_burndown_hibernate(struct cf_burndown *bd)
{
	for (size_t i = 0; i < bd->paths.nr; i++) {
		struct cf_bd_file *f = &bd->files[i];

		if (f->alloc != f->nr && !f->nr) {
			free(f->runs);
			f->runs = NULL;
		} else if (f->alloc != f->nr) {
			f->runs = xrealloc(f->runs, st_mult(f->nr, sizeof(*f->runs)));
		}
		f->alloc = f->nr;
		hist_settle(&f->hist);
		hist_shrink(&f->hist);
	}
	for (size_t i = 0; i < bd->authors.nr; i++) {
		hist_settle(&bd->people[i]);
		hist_shrink(&bd->people[i]);
	}
	bd->deleted.nr = merge_cells(bd->deleted.cells, bd->deleted.nr);
	bd->deleted.tail_mark = bd->deleted.nr < 512 ? 1024 : 2 * bd->deleted.nr;
	hist_shrink(&bd->deleted);
	free(bd->scratch);
	bd->scratch = NULL;
	bd->scratch_alloc = bd->scratch_nr = 0;
	if (bd->cells_alloc > bd->cells_nr) {
		bd->cells = xrealloc(bd->cells, st_mult(bd->cells_nr + 1, sizeof(*bd->cells)));
		bd->cells_alloc = bd->cells_nr + 1;
	}
}

/*
 * The state, for checkpoints: one map.  Arrays of numbers are bin values of
 * little-endian fields, which are compact and quick to pack and check:
 *   acc: int64 per band; cells: (row u32, band u32, delta i64);
 *   runs: (len, tick, author) u32 each; hist: (row, band u32, delta i32);
 *   overwrites: (owner u32, remover u32, lines u64), ascending.
 */
/*
 * Packs n structs of three 32-bit fields (runs, history cells) as a bin of
 * little-endian fields.
 */
static void pack_u32x3(msgpack_packer *pk, struct cf_buf *tmp, const void *items, size_t n)
{
	const unsigned char *in = items;

	cf_buf_reset(tmp);
	cf_buf_grow(tmp, st_mult(n, 12));
	for (size_t i = 0; i < 3 * n; i++) {
		uint32_t v;

		memcpy(&v, in + 4 * i, 4);
		put_le((unsigned char *)tmp->buf + 4 * i, v, 4);
	}
	cf_pack_bin(pk, tmp->buf, 12 * n);
}

static void pack_hist(msgpack_packer *pk, struct cf_buf *tmp, const struct cf_bd_hist *h)
{
	_Static_assert(sizeof(*h->cells) == 12, "history cells are three 32-bit fields");
	pack_u32x3(pk, tmp, h->cells, h->nr);
}

static void pack_runs(msgpack_packer *pk, struct cf_buf *tmp, const struct cf_bd_file *f)
{
	_Static_assert(sizeof(*f->runs) == 12, "runs are three 32-bit fields");
	pack_u32x3(pk, tmp, f->runs, f->nr);
}

static void pack_global(msgpack_packer *pk, struct cf_buf *tmp, const struct cf_burndown *bd)
{
	cf_buf_reset(tmp);
	cf_buf_grow(tmp, st_mult(bd->acc_nr, 8));
	for (size_t b = 0; b < bd->acc_nr; b++)
		put_le((unsigned char *)tmp->buf + 8 * b, (uint64_t)bd->acc[b], 8);
	cf_pack_str(pk, "acc");
	cf_pack_bin(pk, tmp->buf, 8 * bd->acc_nr);
	cf_buf_reset(tmp);
	cf_buf_grow(tmp, st_mult(bd->cells_nr, 16));
	for (size_t i = 0; i < bd->cells_nr; i++) {
		unsigned char *p = (unsigned char *)tmp->buf + 16 * i;
		put_le(p, bd->cells[i].row, 4);
		put_le(p + 4, bd->cells[i].band, 4);
		put_le(p + 8, (uint64_t)bd->cells[i].delta, 8);
	}
	cf_pack_str(pk, "cells");
	cf_pack_bin(pk, tmp->buf, 16 * bd->cells_nr);
}

static void pack_authors(msgpack_packer *pk, struct cf_buf *tmp, const struct cf_burndown *bd)
{
	cf_pack_str(pk, "authors");
	msgpack_pack_array(pk, bd->authors.nr);
	for (uint32_t i = 0; i < bd->authors.nr; i++) {
		const char *name, *email;
		size_t name_len, email_len;

		author_parts(bd, i, &name, &name_len, &email, &email_len);
		msgpack_pack_array(pk, 4);
		cf_pack_bin(pk, name, name_len);
		cf_pack_bin(pk, email, email_len);
		cf_pack_u64(pk, bd->written[i]);
		pack_hist(pk, tmp, &bd->people[i]);
	}
}

/* Only the files that are tracked, binary, or have been warned about matter. */
static int file_matters(const struct cf_bd_file *f)
{
	return f->state != FILE_ABSENT || f->warned;
}

static void pack_files(msgpack_packer *pk, struct cf_buf *tmp, const struct cf_burndown *bd)
{
	size_t n = 0;

	for (size_t i = 0; i < bd->paths.nr; i++)
		n += file_matters(&bd->files[i]);
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < bd->paths.nr; i++) {
		const struct cf_bd_file *f = &bd->files[i];

		if (!file_matters(f))
			continue;
		msgpack_pack_array(pk, 6);
		cf_pack_bin(pk, bd->paths.pool.buf + bd->paths.off[i],
			    bd->paths.off[i + 1] - bd->paths.off[i]);
		cf_pack_u64(pk, f->state);
		cf_pack_bool(pk, f->warned);
		cf_pack_u64(pk, f->lines);
		pack_runs(pk, tmp, f);
		pack_hist(pk, tmp, &f->hist);
	}
}

static void pack_overwrites(msgpack_packer *pk, struct cf_buf *tmp, const struct cf_burndown *bd)
{
	size_t *slots = ow_sorted(bd);

	cf_buf_reset(tmp);
	cf_buf_grow(tmp, st_mult(bd->ow_nr, 16));
	for (size_t i = 0; i < bd->ow_nr; i++) {
		unsigned char *p = (unsigned char *)tmp->buf + 16 * i;
		put_le(p, bd->ow_keys[slots[i]] >> 32, 4);
		put_le(p + 4, (uint32_t)bd->ow_keys[slots[i]], 4);
		put_le(p + 8, bd->ow_counts[slots[i]], 8);
	}
	cf_pack_str(pk, "overwrites");
	cf_pack_bin(pk, tmp->buf, 16 * bd->ow_nr);
	free(slots);
}

void cf_burndown_pack_state(struct cf_burndown *bd, msgpack_packer *pk)
{
	struct cf_buf tmp;

	cf_buf_init(&tmp, 0);
	msgpack_pack_map(pk, 16);
	cf_pack_kv_u64(pk, "granularity", bd->granularity);
	cf_pack_kv_u64(pk, "sampling", bd->sampling);
	cf_pack_kv_u64(pk, "flags", bd->flags);
	cf_pack_kv_bool(pk, "started", bd->started);
	cf_pack_kv_u64(pk, "tick", bd->tick);
	cf_pack_kv_u64(pk, "author", bd->author);
	cf_pack_kv_u64(pk, "lines", bd->lines);
	cf_pack_kv_u64(pk, "tracked", bd->tracked);
	cf_pack_kv_u64(pk, "resyncs", bd->resyncs);
	cf_pack_kv_u64(pk, "renames", bd->renames);
	pack_global(pk, &tmp, bd);
	pack_authors(pk, &tmp, bd);
	pack_files(pk, &tmp, bd);
	cf_pack_str(pk, "deleted");
	pack_hist(pk, &tmp, &bd->deleted);
	pack_overwrites(pk, &tmp, bd);
	cf_buf_release(&tmp);
}

/* Unpacking a state: every number is checked before it is used. */
struct unpack {
	struct cf_burndown *bd;
	const char *what;
};

__attribute__((format(printf, 2, 3)))
static _Noreturn void bad_state(const struct unpack *u, const char *fmt, ...)
{
	struct cf_buf msg = CF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	cf_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	die_data("%s: %s", u->what, msg.buf);
}

static const msgpack_object *state_get(const struct unpack *u, const msgpack_object *map,
				       const char *key, msgpack_object_type type)
{
	const msgpack_object *o = cf_obj_get(map, key);

	if (!o || o->type != type)
		bad_state(u, "'%s' is missing or of the wrong type", key);
	return o;
}

static uint64_t state_u64(const struct unpack *u, const msgpack_object *map, const char *key,
			  uint64_t max)
{
	const msgpack_object *o = cf_obj_get(map, key);

	if (o && o->type == MSGPACK_OBJECT_BOOLEAN && max == 1)
		return o->via.boolean;
	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		bad_state(u, "'%s' is missing or not an unsigned integer", key);
	if (o->via.u64 > max)
		bad_state(u, "'%s' %" PRIu64 " is beyond %" PRIu64, key, o->via.u64, max);
	return o->via.u64;
}

/* A bin value of n records of size bytes each; returns n. */
static size_t state_bin(const struct unpack *u, const msgpack_object *o, const char *key,
			size_t size, const unsigned char **p)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size % size)
		bad_state(u, "'%s' is not a bin of %zu-byte records", key, size);
	*p = (const unsigned char *)o->via.bin.ptr;
	return o->via.bin.size / size;
}

/* A history's cells: rows up to the current one, bands of ticks seen. */
static void unpack_hist(const struct unpack *u, const msgpack_object *o, const char *key,
			struct cf_bd_hist *h)
{
	const unsigned char *p;
	size_t n = state_bin(u, o, key, 12, &p);
	struct cf_burndown *bd = u->bd;

	if (n >= UINT32_MAX)
		bad_state(u, "'%s' has too many cells", key);
	for (size_t i = 0; i < n; i++, p += 12) {
		uint32_t row = get_le(p, 4), band = get_le(p + 4, 4);
		int32_t delta = (int32_t)(uint32_t)get_le(p + 8, 4);

		if (!bd->started || row > bd->row || band >= bd->acc_nr || delta == INT32_MIN)
			bad_state(u, "'%s' has a cell (%" PRIu32 ", %" PRIu32 ") outside the matrix",
				  key, row, band);
		hist_push(h, row, band, delta);
	}
	h->nr = merge_cells(h->cells, h->nr);
	h->row_start = h->nr;
	hist_shrink(h);
}

static void unpack_global(const struct unpack *u, const msgpack_object *map)
{
	struct cf_burndown *bd = u->bd;
	const unsigned char *p;
	size_t n = state_bin(u, state_get(u, map, "acc", MSGPACK_OBJECT_BIN), "acc", 8, &p);

	if (n != (bd->started ? cf_burndown_bands(bd) : 0))
		bad_state(u, "'acc' has %zu bands, not %" PRIu64, n,
			  bd->started ? cf_burndown_bands(bd) : 0);
	bd->acc = xcalloc(n + 1, sizeof(*bd->acc));
	bd->acc_nr = bd->acc_alloc = n;
	for (size_t b = 0; b < n; b++)
		bd->acc[b] = (int64_t)get_le(p + 8 * b, 8);
	n = state_bin(u, state_get(u, map, "cells", MSGPACK_OBJECT_BIN), "cells", 16, &p);
	bd->cells = xcalloc(n + 1, sizeof(*bd->cells));
	bd->cells_alloc = n + 1;
	for (size_t i = 0; i < n; i++, p += 16) {
		struct cf_bd_cell *c = &bd->cells[i];

		c->row = get_le(p, 4);
		c->band = get_le(p + 4, 4);
		c->delta = (int64_t)get_le(p + 8, 8);
		if (c->row >= bd->row || c->band >= bd->acc_nr ||
		    (i && (c->row < c[-1].row || (c->row == c[-1].row && c->band <= c[-1].band))))
			bad_state(u, "'cells' are out of order or outside the matrix");
	}
	bd->cells_nr = n;
}

static void unpack_authors(const struct unpack *u, const msgpack_object *map)
{
	struct cf_burndown *bd = u->bd;
	const msgpack_object *a = state_get(u, map, "authors", MSGPACK_OBJECT_ARRAY);

	for (uint32_t i = 0; i < a->via.array.size; i++) {
		const msgpack_object *e = &a->via.array.ptr[i];

		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 4 ||
		    e->via.array.ptr[0].type != MSGPACK_OBJECT_BIN ||
		    e->via.array.ptr[1].type != MSGPACK_OBJECT_BIN ||
		    e->via.array.ptr[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			bad_state(u, "author %" PRIu32 " is not [name, email, written, history]", i);
		e = e->via.array.ptr;
		if (cf_burndown_author(bd, e[0].via.bin.ptr, e[0].via.bin.size,
				       e[1].via.bin.ptr, e[1].via.bin.size) != i)
			bad_state(u, "author %" PRIu32 " appears twice", i);
		bd->written[i] = e[2].via.u64;
		unpack_hist(u, &e[3], "authors", &bd->people[i]);
	}
	if (bd->started && bd->author >= bd->authors.nr)
		bad_state(u, "'author' %" PRIu32 " is not among the %zu authors", bd->author,
			  bd->authors.nr);
}

static void unpack_runs(const struct unpack *u, const msgpack_object *o, struct cf_bd_file *f)
{
	const unsigned char *p;
	size_t n = state_bin(u, o, "files", 12, &p);
	uint64_t sum = 0;

	f->runs = xcalloc(n + 1, sizeof(*f->runs));
	f->alloc = n + 1;
	for (size_t i = 0; i < n; i++, p += 12) {
		struct cf_bd_run *r = &f->runs[i];

		r->len = get_le(p, 4);
		r->tick = get_le(p + 4, 4);
		r->author = get_le(p + 8, 4);
		if (!r->len || r->tick > u->bd->tick || r->author >= u->bd->authors.nr)
			bad_state(u, "a run of 'files' is empty, or of a later tick or unknown author");
		sum += r->len;
	}
	f->nr = n;
	if (sum != f->lines)
		bad_state(u, "a file's runs add up to %" PRIu64 " lines, not %" PRIu64, sum, f->lines);
}

static void unpack_file(const struct unpack *u, const msgpack_object *e)
{
	struct cf_burndown *bd = u->bd;
	struct cf_bd_file *f;
	size_t nr = bd->paths.nr;

	if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 6 ||
	    e->via.array.ptr[0].type != MSGPACK_OBJECT_BIN ||
	    e->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    e->via.array.ptr[2].type != MSGPACK_OBJECT_BOOLEAN ||
	    e->via.array.ptr[3].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		bad_state(u, "a file is not [path, state, warned, lines, runs, history]");
	e = e->via.array.ptr;
	f = file_of(bd, e[0].via.bin.ptr, e[0].via.bin.size);
	if (bd->paths.nr == nr)
		bad_state(u, "path '%.*s' appears twice", (int)e[0].via.bin.size, e[0].via.bin.ptr);
	if (e[1].via.u64 > FILE_BINARY || e[3].via.u64 > CF_BURNDOWN_MAX_LINES ||
	    (e[1].via.u64 != FILE_TEXT && e[3].via.u64))
		bad_state(u, "file '%.*s' has a bad state or line count",
			  (int)e[0].via.bin.size, e[0].via.bin.ptr);
	f->state = e[1].via.u64;
	f->warned = e[2].via.boolean;
	f->lines = e[3].via.u64;
	unpack_runs(u, &e[4], f);
	unpack_hist(u, &e[5], "files", &f->hist);
	if (f->state == FILE_TEXT) {
		bd->tracked++;
		bd->lines += f->lines;
	} else if (f->hist.nr) {
		bad_state(u, "file '%.*s' has a history but is not tracked",
			  (int)e[0].via.bin.size, e[0].via.bin.ptr);
	}
}

static void unpack_overwrites(const struct unpack *u, const msgpack_object *map)
{
	struct cf_burndown *bd = u->bd;
	const unsigned char *p;
	size_t n = state_bin(u, state_get(u, map, "overwrites", MSGPACK_OBJECT_BIN),
			     "overwrites", 16, &p);
	uint64_t prev = 0;

	for (size_t i = 0; i < n; i++, p += 16) {
		uint32_t owner = get_le(p, 4), remover = get_le(p + 4, 4);
		uint64_t key = (uint64_t)owner << 32 | remover, lines = get_le(p + 8, 8);

		if (owner >= bd->authors.nr || remover >= bd->authors.nr || !lines ||
		    (i && key <= prev))
			bad_state(u, "'overwrites' are out of order or name unknown authors");
		ow_add(bd, owner, remover, lines);
		prev = key;
	}
}

static void unpack_counters(const struct unpack *u, const msgpack_object *map)
{
	struct cf_burndown *bd = u->bd;
	uint64_t g = state_u64(u, map, "granularity", UINT32_MAX);
	uint64_t s = state_u64(u, map, "sampling", UINT32_MAX);
	uint64_t flags = state_u64(u, map, "flags", UINT32_MAX);

	if (g != bd->granularity || s != bd->sampling || flags != bd->flags)
		usage_error("%s was saved with --granularity %" PRIu64 " --sampling %" PRIu64
			    "%s%s, not with these options", u->what, g, s,
			    flags & CF_BD_FILES ? " --burndown-files" : "",
			    flags & CF_BD_PEOPLE ? " --burndown-people" : "");
	bd->started = state_u64(u, map, "started", 1);
	bd->tick = state_u64(u, map, "tick", UINT32_MAX);
	bd->author = state_u64(u, map, "author", UINT32_MAX);
	bd->resyncs = state_u64(u, map, "resyncs", UINT64_MAX);
	bd->renames = state_u64(u, map, "renames", UINT64_MAX);
	if (!bd->started && (bd->tick || bd->author))
		bad_state(u, "a tick or author before any commit");
	if (bd->started && cf_burndown_bands(bd) > CF_BURNDOWN_MAX_CELLS / cf_burndown_samples(bd))
		bad_state(u, "'tick' %" PRIu32 " makes a matrix beyond %" PRIu64 " cells",
			  bd->tick, CF_BURNDOWN_MAX_CELLS);
	bd->row = bd->tick / bd->sampling;
}

void cf_burndown_unpack_state(struct cf_burndown *bd, const msgpack_object *map,
			      const char *what)
{
	struct unpack u = { bd, what };
	const msgpack_object *files;

	if (bd->started || bd->paths.nr || bd->authors.nr)
		BUG("unpacking a state into a burndown already in use");
	if (map->type != MSGPACK_OBJECT_MAP)
		bad_state(&u, "the burndown state is not a map");
	unpack_counters(&u, map);
	unpack_global(&u, map);
	unpack_authors(&u, map);
	files = state_get(&u, map, "files", MSGPACK_OBJECT_ARRAY);
	for (uint32_t i = 0; i < files->via.array.size; i++)
		unpack_file(&u, &files->via.array.ptr[i]);
	if (bd->lines != state_u64(&u, map, "lines", UINT64_MAX) ||
	    bd->tracked != state_u64(&u, map, "tracked", UINT64_MAX))
		bad_state(&u, "'lines' or 'tracked' disagree with the files");
	unpack_hist(&u, state_get(&u, map, "deleted", MSGPACK_OBJECT_BIN), "deleted", &bd->deleted);
	unpack_overwrites(&u, map);
}
