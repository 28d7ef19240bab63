/*
 * cf-devs: what each developer did, from the record stream.  Counts commits
 * and lines (added, removed, changed) per author identity, per tick and per
 * language, passes every record through unchanged, and appends one "devs"
 * result record at the end (schema devs/1, documented in cf-devs(1)).
 *
 * On a first-parent stream every commit counts, merges included, and every
 * change that follows it counts, whatever diff it came from: this is
 * exactly what `git log --first-parent --numstat` reports.  On a stream of
 * the full history (its stream record says first_parent false) merges are
 * left out, as `git log --no-merges --numstat` leaves them out: their
 * lines were counted in the commits of the branches they merge.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/lang.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/state.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-devs [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a Codefang record stream with line counts (after cf-diff), passes it\n"
"through and appends a \"devs\" result: commits and lines added, removed and\n"
"changed per developer, per tick and per language, and bus factors.\n"
"\n"
"      --state-dir DIR  on each barrier, save the state to DIR/chunk-C.state\n"
"      --resume FILE    start from a saved state (the stream then starts after it)\n"
"  -h, --help           show this help\n";

struct tick_stat {
	uint64_t tick, commits, added, removed, changed;
};

struct lang_stat {
	uint64_t files, added, removed, changed;
};

/* One developer, or the whole project. */
struct stats {
	uint64_t commits, merges, files, added, removed, changed;
	struct tick_stat *ticks;	/* ascending, one per tick with commits */
	size_t nr_ticks, alloc_ticks;
	struct lang_stat *langs;	/* cf_lang_count() entries, or NULL */
};

struct person {
	char *name, *email;
	size_t name_len, email_len;
	uint64_t hash;
	struct stats st;
};

struct devs {
	struct person *people;
	size_t nr, alloc;
	uint32_t *slots;		/* open addressing: person index + 1, 0 empty */
	size_t nr_slots;
	struct stats total;

	int in_commit;			/* a commit record has been seen */
	int skip;			/* it is a merge of a full-history stream */
	size_t cur;			/* its author */
	uint64_t cur_n, cur_tick;

	int have_stream;
	int full_history;
	uint64_t tick_size;
	int64_t t0;
	uint64_t commits;		/* commit records so far, resumed ones included */
	int resumed;			/* from a state, before the first commit after it */
};

/* A contributor to a bus factor: lines touched and output index. */
struct share {
	uint64_t lines;
	uint32_t who;
};

static uint64_t ident_hash(const char *name, size_t nlen, const char *email, size_t elen)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < nlen; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
	h = (h ^ 0x100) * 1099511628211ULL;	/* no byte: ("a", "b") != ("ab", "") */
	for (size_t i = 0; i < elen; i++)
		h = (h ^ (unsigned char)email[i]) * 1099511628211ULL;
	return h;
}

static int same_ident(const struct person *p, const char *name, size_t nlen,
		      const char *email, size_t elen)
{
	return p->name_len == nlen && p->email_len == elen &&
	       !memcmp(p->name, name, nlen) && !memcmp(p->email, email, elen);
}

static void rehash(struct devs *d)
{
	size_t n = d->nr_slots ? d->nr_slots * 2 : 64;

	free(d->slots);
	d->slots = xcalloc(n, sizeof(*d->slots));
	d->nr_slots = n;
	for (size_t i = 0; i < d->nr; i++) {
		size_t s = d->people[i].hash & (n - 1);
		while (d->slots[s])
			s = (s + 1) & (n - 1);
		d->slots[s] = i + 1;
	}
}

static size_t person_find(struct devs *d, const char *name, size_t nlen,
			  const char *email, size_t elen)
{
	uint64_t h = ident_hash(name, nlen, email, elen);
	struct person *p;
	size_t s;

	if (2 * (d->nr + 1) > d->nr_slots)
		rehash(d);
	for (s = h & (d->nr_slots - 1); d->slots[s]; s = (s + 1) & (d->nr_slots - 1)) {
		p = &d->people[d->slots[s] - 1];
		if (p->hash == h && same_ident(p, name, nlen, email, elen))
			return d->slots[s] - 1;
	}
	if (d->nr >= UINT32_MAX - 1)
		die("too many developers (%zu)", d->nr);
	CF_ALLOC_GROW(d->people, d->nr + 1, d->alloc);
	p = &d->people[d->nr];
	memset(p, 0, sizeof(*p));
	p->name = xmemdupz(name, nlen);
	p->name_len = nlen;
	p->email = xmemdupz(email, elen);
	p->email_len = elen;
	p->hash = h;
	d->slots[s] = ++d->nr;
	return d->nr - 1;
}

/*
 * The series entry of tick, created when missing.  Ticks only grow in a
 * well-formed stream, so the last entry is the usual answer; anything else
 * is still kept in order rather than trusted.
 */
static struct tick_stat *tick_entry(struct stats *st, uint64_t tick)
{
	size_t lo = 0, hi = st->nr_ticks;
	struct tick_stat *t;

	if (hi && st->ticks[hi - 1].tick == tick)
		return &st->ticks[hi - 1];
	if (hi && st->ticks[hi - 1].tick < tick)
		lo = hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->ticks[mid].tick == tick)
			return &st->ticks[mid];
		if (st->ticks[mid].tick < tick)
			lo = mid + 1;
		else
			hi = mid;
	}
	CF_ALLOC_GROW(st->ticks, st->nr_ticks + 1, st->alloc_ticks);
	t = &st->ticks[lo];
	memmove(t + 1, t, (st->nr_ticks - lo) * sizeof(*t));
	st->nr_ticks++;
	memset(t, 0, sizeof(*t));
	t->tick = tick;
	return t;
}

static void count_commit(struct stats *st, uint64_t tick, int merge)
{
	st->commits++;
	st->merges += merge;
	tick_entry(st, tick)->commits++;
}

static void count_lines(struct stats *st, uint64_t tick, unsigned lang,
			uint64_t add, uint64_t del, uint64_t changed)
{
	struct tick_stat *t = tick_entry(st, tick);
	struct lang_stat *l;

	if (!st->langs)
		st->langs = xcalloc(cf_lang_count(), sizeof(*st->langs));
	l = &st->langs[lang];
	st->files++;
	st->added += add;
	st->removed += del;
	st->changed += changed;
	t->added += add;
	t->removed += del;
	t->changed += changed;
	l->files++;
	l->added += add;
	l->removed += del;
	l->changed += changed;
}

static void read_stream(struct devs *d, const struct cf_record *rec)
{
	if (d->have_stream)
		return;		/* ticks are measured from the first */
	d->have_stream = 1;
	d->full_history = cf_rec_get(rec, "first_parent") && !cf_rec_bool(rec, "first_parent");
	cf_rec_u64_opt(rec, "tick_size", &d->tick_size);
	cf_rec_i64_opt(rec, "t0", &d->t0);
}

static void read_commit(struct devs *d, const struct cf_record *rec)
{
	const char *name, *email;
	size_t nlen, elen;
	uint32_t nr_parents;

	d->cur_n = cf_rec_u64(rec, "n");
	if (d->resumed && d->cur_n != d->commits)
		cf_rec_die(rec, "commit %llu where the resumed state expects commit %llu",
			   (unsigned long long)d->cur_n, (unsigned long long)d->commits);
	d->resumed = 0;
	d->commits++;
	d->cur_tick = cf_rec_u64(rec, "tick");
	name = cf_rec_str(rec, "author", &nlen);
	email = cf_rec_str(rec, "email", &elen);
	cf_rec_array(rec, "parents", &nr_parents);
	d->in_commit = 1;
	d->skip = d->full_history && nr_parents > 1;
	if (d->skip)
		return;
	d->cur = person_find(d, name, nlen, email, elen);
	count_commit(&d->people[d->cur].st, d->cur_tick, nr_parents > 1);
	count_commit(&d->total, d->cur_tick, nr_parents > 1);
}

static void read_change(struct devs *d, const struct cf_record *rec)
{
	const char *path;
	size_t len;
	uint64_t n, add, del, changed, touched;
	unsigned lang;

	if (!d->in_commit)
		cf_rec_die(rec, "change before any commit");
	n = cf_rec_u64(rec, "n");
	if (n != d->cur_n)
		cf_rec_die(rec, "change of commit %llu follows commit %llu",
			   (unsigned long long)n, (unsigned long long)d->cur_n);
	path = cf_rec_str(rec, "path", &len);
	cf_fs_lines(rec, &add, &del, &changed);
	/* The project total bounds every other sum: if it fits, they do. */
	touched = d->total.added + d->total.removed;
	if (add > UINT64_MAX - touched || del > UINT64_MAX - touched - add)
		cf_rec_die(rec, "line counts overflow");
	if (d->skip)
		return;
	lang = cf_lang_id(path, len);
	count_lines(&d->people[d->cur].st, d->cur_tick, lang, add, del, changed);
	count_lines(&d->total, d->cur_tick, lang, add, del, changed);
}

static int cmp_people(const void *a_, const void *b_)
{
	const struct person *a = *(const struct person *const *)a_;
	const struct person *b = *(const struct person *const *)b_;
	size_t n;
	int c;

	if (a->st.commits != b->st.commits)
		return a->st.commits > b->st.commits ? -1 : 1;
	n = a->name_len < b->name_len ? a->name_len : b->name_len;
	if ((c = memcmp(a->name, b->name, n)))
		return c;
	if (a->name_len != b->name_len)
		return a->name_len < b->name_len ? -1 : 1;
	n = a->email_len < b->email_len ? a->email_len : b->email_len;
	if ((c = memcmp(a->email, b->email, n)))
		return c;
	return a->email_len < b->email_len ? -1 : a->email_len > b->email_len;
}

static int cmp_share(const void *a_, const void *b_)
{
	const struct share *a = a_, *b = b_;

	if (a->lines != b->lines)
		return a->lines > b->lines ? -1 : 1;
	return a->who < b->who ? -1 : a->who > b->who;
}

/*
 * Fills shares with the people who touched lines of lang (all languages when
 * lang is negative), largest first; returns how many there are.
 */
static size_t collect_shares(struct person **order, size_t nr, int lang,
			     struct share *shares)
{
	size_t k = 0;

	for (size_t i = 0; i < nr; i++) {
		const struct stats *st = &order[i]->st;
		uint64_t lines;

		if (lang < 0)
			lines = st->added + st->removed;
		else if (st->langs)
			lines = st->langs[lang].added + st->langs[lang].removed;
		else
			lines = 0;
		if (lines) {
			shares[k].lines = lines;
			shares[k++].who = i;
		}
	}
	qsort(shares, k, sizeof(*shares), cmp_share);
	return k;
}

/* The smallest number of the largest shares that make half of all lines. */
static size_t bus_factor(const struct share *shares, size_t nr)
{
	uint64_t total = 0, cum = 0;
	size_t k = 0;

	for (size_t i = 0; i < nr; i++)
		total += shares[i].lines;
	while (k < nr && cum < total - cum)
		cum += shares[k++].lines;
	return k;
}

/* Packs "bus_factor" and "bus_factor_people"; returns the contributors. */
static size_t pack_bus(msgpack_packer *pk, struct person **order, size_t nr, int lang,
		       struct share *shares)
{
	size_t k = collect_shares(order, nr, lang, shares);
	size_t bf = bus_factor(shares, k);

	cf_pack_kv_u64(pk, "bus_factor", bf);
	cf_pack_str(pk, "bus_factor_people");
	msgpack_pack_array(pk, bf);
	for (size_t i = 0; i < bf; i++)
		cf_pack_u64(pk, shares[i].who);
	return k;
}

static uint32_t nr_langs_used(const struct stats *st)
{
	uint32_t n = 0;

	for (unsigned l = 0; st->langs && l < cf_lang_count(); l++)
		n += !!st->langs[l].files;
	return n;
}

/*
 * Languages: name -> {added, changed, files, removed}, and for the project
 * (order is not NULL) a bus factor each.
 */
static void pack_langs(msgpack_packer *pk, const struct stats *st,
		       struct person **order, size_t nr, struct share *shares)
{
	size_t contributors = 0;

	msgpack_pack_map(pk, nr_langs_used(st));
	for (unsigned l = 0; st->langs && l < cf_lang_count(); l++) {
		const struct lang_stat *ls = &st->langs[l];
		if (!ls->files)
			continue;
		cf_pack_str(pk, cf_lang_name(l));
		msgpack_pack_map(pk, order ? 7 : 4);
		cf_pack_kv_u64(pk, "added", ls->added);
		if (order)
			contributors = pack_bus(pk, order, nr, l, shares);
		cf_pack_kv_u64(pk, "changed", ls->changed);
		if (order)
			cf_pack_kv_u64(pk, "contributors", contributors);
		cf_pack_kv_u64(pk, "files", ls->files);
		cf_pack_kv_u64(pk, "removed", ls->removed);
	}
}

/* [[tick, commits, added, removed, changed], ...] */
static void pack_tick_series(msgpack_packer *pk, const struct stats *st)
{
	msgpack_pack_array(pk, st->nr_ticks);
	for (size_t i = 0; i < st->nr_ticks; i++) {
		const struct tick_stat *t = &st->ticks[i];
		msgpack_pack_array(pk, 5);
		cf_pack_u64(pk, t->tick);
		cf_pack_u64(pk, t->commits);
		cf_pack_u64(pk, t->added);
		cf_pack_u64(pk, t->removed);
		cf_pack_u64(pk, t->changed);
	}
}

static void pack_ticks(msgpack_packer *pk, const struct stats *st)
{
	cf_pack_str(pk, "ticks");
	pack_tick_series(pk, st);
}

static uint64_t first_tick(const struct stats *st)
{
	return st->nr_ticks ? st->ticks[0].tick : 0;
}

static uint64_t last_tick(const struct stats *st)
{
	return st->nr_ticks ? st->ticks[st->nr_ticks - 1].tick : 0;
}

static void pack_person(msgpack_packer *pk, const struct person *p)
{
	const struct stats *st = &p->st;

	msgpack_pack_map(pk, 13);
	cf_pack_kv_u64(pk, "active_ticks", st->nr_ticks);
	cf_pack_kv_u64(pk, "added", st->added);
	cf_pack_kv_u64(pk, "changed", st->changed);
	cf_pack_kv_u64(pk, "commits", st->commits);
	cf_pack_str(pk, "email");
	cf_pack_strn(pk, p->email, p->email_len);
	cf_pack_kv_u64(pk, "files", st->files);
	cf_pack_kv_u64(pk, "first_tick", first_tick(st));
	cf_pack_str(pk, "languages");
	pack_langs(pk, st, NULL, 0, NULL);
	cf_pack_kv_u64(pk, "last_tick", last_tick(st));
	cf_pack_kv_u64(pk, "merges", st->merges);
	cf_pack_str(pk, "name");
	cf_pack_strn(pk, p->name, p->name_len);
	cf_pack_kv_u64(pk, "removed", st->removed);
	pack_ticks(pk, st);
}

/* The result's data map; keys in byte order. */
static void pack_data(msgpack_packer *pk, const struct devs *d, struct person **order)
{
	const struct stats *st = &d->total;
	struct share *shares = xcalloc(d->nr ? d->nr : 1, sizeof(*shares));
	size_t contributors;

	msgpack_pack_map(pk, 17);
	cf_pack_kv_u64(pk, "active_ticks", st->nr_ticks);
	cf_pack_kv_u64(pk, "added", st->added);
	contributors = pack_bus(pk, order, d->nr, -1, shares);
	cf_pack_kv_u64(pk, "changed", st->changed);
	cf_pack_kv_u64(pk, "commits", st->commits);
	cf_pack_kv_u64(pk, "contributors", contributors);
	cf_pack_kv_u64(pk, "files", st->files);
	cf_pack_kv_u64(pk, "first_tick", first_tick(st));
	cf_pack_str(pk, "languages");
	pack_langs(pk, st, order, d->nr, shares);
	cf_pack_kv_u64(pk, "last_tick", last_tick(st));
	cf_pack_kv_u64(pk, "merges", st->merges);
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, d->nr);
	for (size_t i = 0; i < d->nr; i++)
		pack_person(pk, order[i]);
	cf_pack_kv_u64(pk, "removed", st->removed);
	cf_pack_kv_i64(pk, "t0", d->t0);
	cf_pack_kv_u64(pk, "tick_size", d->tick_size);
	pack_ticks(pk, st);
	free(shares);
}

/* ---- checkpoints: the whole state, saved on barriers and loaded on resume ---- */

#define STATE_SCHEMA 1

static void pack_stats_state(msgpack_packer *pk, const struct stats *st)
{
	uint32_t nl = nr_langs_used(st);

	msgpack_pack_array(pk, 8);
	cf_pack_u64(pk, st->commits);
	cf_pack_u64(pk, st->merges);
	cf_pack_u64(pk, st->files);
	cf_pack_u64(pk, st->added);
	cf_pack_u64(pk, st->removed);
	cf_pack_u64(pk, st->changed);
	pack_tick_series(pk, st);
	/* By name: language ids are this build's numbering, names are the contract. */
	msgpack_pack_map(pk, nl);
	for (unsigned l = 0; st->langs && l < cf_lang_count(); l++) {
		const struct lang_stat *ls = &st->langs[l];
		if (!ls->files)
			continue;
		cf_pack_str(pk, cf_lang_name(l));
		msgpack_pack_array(pk, 4);
		cf_pack_u64(pk, ls->files);
		cf_pack_u64(pk, ls->added);
		cf_pack_u64(pk, ls->removed);
		cf_pack_u64(pk, ls->changed);
	}
}

static void pack_state(msgpack_packer *pk, void *data)
{
	const struct devs *d = data;

	msgpack_pack_map(pk, 5);
	cf_pack_kv_bool(pk, "have_stream", d->have_stream);
	cf_pack_kv_u64(pk, "tick_size", d->tick_size);
	cf_pack_kv_i64(pk, "t0", d->t0);
	cf_pack_str(pk, "total");
	pack_stats_state(pk, &d->total);
	/* In first-seen order: the final sort breaks ties by identity, not by this order. */
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, d->nr);
	for (size_t i = 0; i < d->nr; i++) {
		const struct person *p = &d->people[i];
		msgpack_pack_array(pk, 3);
		cf_pack_strn(pk, p->name, p->name_len);
		cf_pack_strn(pk, p->email, p->email_len);
		pack_stats_state(pk, &p->st);
	}
}

static uint64_t state_u64_item(const struct cf_state *st, const msgpack_object *o,
			       const char *what)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		cf_state_die(st, "%s must be an unsigned integer", what);
	return o->via.u64;
}

static unsigned lang_by_name(const struct cf_state *st, const msgpack_object *k)
{
	size_t len;
	const char *name = cf_state_bytes(st, k, "a language name", &len);

	for (unsigned l = 0; l < cf_lang_count(); l++)
		if (strlen(cf_lang_name(l)) == len && !memcmp(cf_lang_name(l), name, len))
			return l;
	cf_state_die(st, "unknown language '%.*s'", (int)(len > 64 ? 64 : len), name);
}

static void load_langs(const struct cf_state *st, const msgpack_object *m, struct stats *out)
{
	if (m->type != MSGPACK_OBJECT_MAP)
		cf_state_die(st, "the languages of a developer must be a map");
	if (!m->via.map.size)
		return;
	out->langs = xcalloc(cf_lang_count(), sizeof(*out->langs));
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *v = &m->via.map.ptr[i].val;
		struct lang_stat *ls = &out->langs[lang_by_name(st, &m->via.map.ptr[i].key)];
		if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size != 4)
			cf_state_die(st, "a language's counts must be an array of 4");
		ls->files = state_u64_item(st, &v->via.array.ptr[0], "a file count");
		ls->added = state_u64_item(st, &v->via.array.ptr[1], "a line count");
		ls->removed = state_u64_item(st, &v->via.array.ptr[2], "a line count");
		ls->changed = state_u64_item(st, &v->via.array.ptr[3], "a line count");
	}
}

static void load_stats(const struct cf_state *st, const msgpack_object *o, struct stats *out)
{
	const msgpack_object *a, *t;
	uint64_t *fields[] = { &out->commits, &out->merges, &out->files,
			       &out->added, &out->removed, &out->changed };

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 8)
		cf_state_die(st, "a developer's statistics must be an array of 8");
	a = o->via.array.ptr;
	for (int i = 0; i < 6; i++)
		*fields[i] = state_u64_item(st, &a[i], "a count");
	t = &a[6];
	if (t->type != MSGPACK_OBJECT_ARRAY)
		cf_state_die(st, "a tick series must be an array");
	out->nr_ticks = out->alloc_ticks = t->via.array.size;
	out->ticks = xcalloc(out->nr_ticks ? out->nr_ticks : 1, sizeof(*out->ticks));
	for (size_t i = 0; i < out->nr_ticks; i++) {
		const msgpack_object *v = &t->via.array.ptr[i];
		struct tick_stat *ts = &out->ticks[i];
		if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size != 5)
			cf_state_die(st, "a tick entry must be an array of 5");
		v = v->via.array.ptr;
		ts->tick = state_u64_item(st, &v[0], "a tick");
		ts->commits = state_u64_item(st, &v[1], "a count");
		ts->added = state_u64_item(st, &v[2], "a count");
		ts->removed = state_u64_item(st, &v[3], "a count");
		ts->changed = state_u64_item(st, &v[4], "a count");
		if (i && ts->tick <= out->ticks[i - 1].tick)
			cf_state_die(st, "a tick series must be in ascending order");
	}
	load_langs(st, &a[7], out);
}

static void load_state(struct devs *d, const char *path)
{
	struct cf_state st;
	const msgpack_object *people;
	uint32_t n;

	cf_state_load(&st, path, "devs", STATE_SCHEMA);
	d->have_stream = cf_state_get(&st, st.data, "have_stream", MSGPACK_OBJECT_BOOLEAN)->via.boolean;
	d->tick_size = cf_state_u64(&st, st.data, "tick_size");
	d->t0 = cf_state_i64(&st, st.data, "t0");
	load_stats(&st, cf_state_get(&st, st.data, "total", MSGPACK_OBJECT_ARRAY), &d->total);
	people = cf_state_array(&st, st.data, "people", &n);
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *p = &people[i];
		const char *name, *email;
		size_t nlen, elen, k;
		if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 3)
			cf_state_die(&st, "a developer must be an array of 3");
		name = cf_state_bytes(&st, &p->via.array.ptr[0], "a name", &nlen);
		email = cf_state_bytes(&st, &p->via.array.ptr[1], "an email", &elen);
		k = person_find(d, name, nlen, email, elen);
		if (k != d->nr - 1)
			cf_state_die(&st, "developer %u is listed twice", i);
		load_stats(&st, &p->via.array.ptr[2], &d->people[k].st);
	}
	d->commits = st.commits;
	d->resumed = 1;
	cf_state_release(&st);
}

/*
 * A barrier: the state is compact already (no per-commit scratch survives a
 * commit), so hibernating is giving back the slack of the growing arrays;
 * then the state is saved, and only then is the barrier passed on.
 */
static void on_barrier(struct devs *d, const struct cf_record *rec, const char *dir)
{
	uint64_t chunk = cf_rec_u64(rec, "chunk"), commits = cf_rec_u64(rec, "commits");

	if (commits != d->commits)
		cf_rec_die(rec, "barrier after %llu commits, but %llu came before it",
			   (unsigned long long)commits, (unsigned long long)d->commits);
	d->in_commit = 0;
	if (dir)
		cf_state_save(dir, "devs", STATE_SCHEMA, chunk, commits, pack_state, d);
}

static void write_result(struct cf_writer *w, const struct devs *d)
{
	struct person **order = xcalloc(d->nr ? d->nr : 1, sizeof(*order));
	msgpack_packer *pk;

	for (size_t i = 0; i < d->nr; i++)
		order[i] = &d->people[i];
	qsort(order, d->nr, sizeof(*order), cmp_people);
	pk = cf_writer_begin(w, CF_REC_RESULT, 1, 3);
	cf_pack_kv_str(pk, "analyzer", "devs");
	cf_pack_kv_u64(pk, "schema", 1);
	cf_pack_str(pk, "data");
	pack_data(pk, d, order);
	cf_writer_end(w);
	free(order);
}

static void free_stats(struct stats *st)
{
	free(st->ticks);
	free(st->langs);
}

static void devs_release(struct devs *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		free(d->people[i].name);
		free(d->people[i].email);
		free_stats(&d->people[i].st);
	}
	free(d->people);
	free(d->slots);
	free_stats(&d->total);
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'S' },
		{ "resume", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct devs d = { 0 };
	struct cf_reader r;
	struct cf_record rec;
	struct cf_writer w;
	const char *state_dir = NULL, *resume = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'S' && *optarg)
			state_dir = optarg;
		else if (c == 'S')
			usage_error("--state-dir: empty directory name");
		else if (c == 'R' && *optarg)
			resume = optarg;
		else if (c == 'R')
			usage_error("--resume: empty file name");
		else if (c == 'h')
			cf_usage_exit(usage);
		else
			cf_usage_bad(usage);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	if (resume)
		load_state(&d, resume);
	cf_reader_init(&r, 0);
	cf_writer_init(&w, 1);
	while (cf_reader_next(&r, &rec)) {
		if (cf_rec_is(&rec, CF_REC_COMMIT))
			read_commit(&d, &rec);
		else if (cf_rec_is(&rec, CF_REC_CHANGE))
			read_change(&d, &rec);
		else if (cf_rec_is(&rec, CF_REC_STREAM))
			read_stream(&d, &rec);
		else if (cf_rec_is(&rec, CF_REC_BARRIER))
			on_barrier(&d, &rec, state_dir);
		cf_writer_raw(&w, rec.raw, rec.raw_len);
		/* A barrier tells the driver a chunk is saved: it must not wait in a buffer. */
		if (cf_rec_is(&rec, CF_REC_BARRIER))
			cf_writer_flush(&w);
	}
	write_result(&w, &d);
	cf_writer_release(&w);
	cf_reader_release(&r);
	devs_release(&d);
	return 0;
}
