/*
 * The line-age state of cf-burndown (see cf/burndown.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/burndown.h"
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

void cf_burndown_init(struct cf_burndown *bd, uint32_t granularity, uint32_t sampling)
{
	if (!granularity || !sampling)
		BUG("granularity and sampling must be positive");
	memset(bd, 0, sizeof(*bd));
	bd->granularity = granularity;
	bd->sampling = sampling;
	strset_init(&bd->paths);
	strset_init(&bd->authors);
	cf_buf_init(&bd->key, 0);
}

void cf_burndown_release(struct cf_burndown *bd)
{
	for (size_t i = 0; i < bd->paths.nr; i++)
		free(bd->files[i].runs);
	free(bd->files);
	strset_release(&bd->paths);
	strset_release(&bd->authors);
	cf_buf_release(&bd->key);
	free(bd->scratch);
	free(bd->acc);
	free(bd->cells);
	memset(bd, 0, sizeof(*bd));
}

uint32_t cf_burndown_author(struct cf_burndown *bd, const char *name, size_t name_len,
			    const char *email, size_t email_len)
{
	int created;

	cf_buf_reset(&bd->key);
	cf_buf_add(&bd->key, name, name_len);
	cf_buf_addch(&bd->key, '\0');
	cf_buf_add(&bd->key, email, email_len);
	return strset_intern(&bd->authors, bd->key.buf, bd->key.len, &created);
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

/* Lines born at tick born change by delta at the current tick. */
static inline void account(struct cf_burndown *bd, uint32_t born, int64_t delta)
{
	bd->acc[born / bd->granularity] += delta;
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

/* Consumes n old lines, which die now. */
static void kill(struct cf_burndown *bd, struct cursor *c, uint64_t n)
{
	while (n) {
		uint32_t avail = c->run->len - c->used;
		uint32_t k = n < avail ? n : avail;

		account(bd, c->run->tick, -(int64_t)k);
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
		kill(bd, &c, h->old_count);
		emit(bd, h->new_count, bd->tick, bd->author);
		account(bd, bd->tick, h->new_count);
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
		account(bd, f->runs[i].tick, -(int64_t)f->runs[i].len);
	if (f->state == FILE_TEXT)
		bd->tracked--;
	bd->lines -= f->lines;
	f->nr = 0;
	f->lines = 0;
	f->state = FILE_ABSENT;
}

static void forget(struct cf_burndown *bd, struct cf_bd_file *f)
{
	kill_all(bd, f);
	free(f->runs);
	f->runs = NULL;
	f->alloc = 0;
}

/* f (untracked) becomes n lines born now. */
static void born(struct cf_burndown *bd, struct cf_bd_file *f, uint64_t n)
{
	bd->scratch_nr = 0;
	emit(bd, n, bd->tick, bd->author);
	store_scratch(f, bd);
	account(bd, bd->tick, n);
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
	} else if (ch->binary) {
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

static struct cf_bd_file *file_of(struct cf_burndown *bd, const char *path, size_t len)
{
	int created;
	uint32_t i = strset_intern(&bd->paths, path, len, &created);

	if (created) {
		CF_ALLOC_GROW(bd->files, bd->paths.nr, bd->files_alloc);
		memset(&bd->files[i], 0, sizeof(bd->files[i]));
	}
	return &bd->files[i];
}

int cf_burndown_change(struct cf_burndown *bd, const char *path, size_t path_len,
		       const struct cf_bd_change *ch, struct cf_buf *why)
{
	struct cf_bd_file *f;

	if (!bd->started)
		BUG("a change before any commit");
	if (ch->old_lines > CF_BURNDOWN_MAX_LINES || ch->new_lines > CF_BURNDOWN_MAX_LINES)
		BUG("line counts beyond CF_BURNDOWN_MAX_LINES");
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
