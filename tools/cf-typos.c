/*
 * cf-typos: a dataset of identifier typo fixes from history.  A candidate
 * is a line pair of cf-uastdiff's "pairs" (lines replaced one for one, in
 * order, in a hunk with as many old lines as new) whose Levenshtein
 * distance is at most --typos-max-distance and whose identifiers are the
 * same but for exactly one, at the same position: that one is the fix,
 * wrong -> correct.  Passes every record through and appends one "typos"
 * result (schema 1, cf-typos(1)); a fix seen in more than one place is a
 * pattern, counted.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/oid.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/syntax.h"
#include "cf/tally.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-typos [--typos-max-distance N] [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a stream with syntax records (after cf-uastdiff), passes it through and\n"
"appends a \"typos\" result: the identifier typo fixes of the history (wrong,\n"
"correct, file, line, commit) and the fixes made in more than one place.\n"
"\n"
"      --typos-max-distance N  most edits between the two lines (default 4)\n"
"      --state-dir DIR         save the state there at every barrier\n"
"      --resume FILE           start from a saved state\n"
"  -h, --help                  show this help\n";

struct typo {
	size_t wrong, correct, file;	/* NUL-terminated, in the pool */
	uint32_t line;
	struct cf_oid commit;
};

struct typos {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t max_distance;
	struct typo *v;
	size_t nr, alloc;
	struct cf_buf pool;
	struct cf_tally patterns;	/* key: wrong NUL correct; v[0] fixes */
	struct cf_oid commit;
	uint32_t *row;			/* Levenshtein scratch */
	size_t alloc_row;
	struct cf_buf key;
};

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct typos *t = (struct typos *)a;

	cf_rec_oid(rec, "id", &t->commit);
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *ch,
		      const struct cf_record *rec)
{
	(void)a;
	(void)ch;
	(void)rec;
}

/* Levenshtein distance over bytes, or max + 1 once it must exceed max. */
static size_t distance(struct typos *t, const char *a, size_t al, const char *b, size_t bl,
		       size_t max)
{
	size_t diag, up, best;

	if ((al > bl ? al - bl : bl - al) > max)
		return max + 1;
	CF_ALLOC_GROW(t->row, bl + 1, t->alloc_row);
	for (size_t j = 0; j <= bl; j++)
		t->row[j] = j;
	for (size_t i = 1; i <= al; i++) {
		diag = t->row[0];
		t->row[0] = i;
		best = i;
		for (size_t j = 1; j <= bl; j++) {
			size_t v = diag + (a[i - 1] != b[j - 1]);
			up = t->row[j];
			if (up + 1 < v)
				v = up + 1;
			if (t->row[j - 1] + 1 < v)
				v = t->row[j - 1] + 1;
			diag = up;
			t->row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return t->row[bl];
}

static int same_str(const msgpack_object *x, const msgpack_object *y)
{
	return x->via.str.size == y->via.str.size &&
	       !memcmp(x->via.str.ptr, y->via.str.ptr, x->via.str.size);
}

/* The position of the one identifier that differs, or -1. */
static int one_changed(const struct cf_syntax_pair *p)
{
	int at = -1;

	if (p->nr_old != p->nr_new)
		return -1;
	for (uint32_t i = 0; i < p->nr_old; i++) {
		if (same_str(&p->old_idents[i], &p->new_idents[i]))
			continue;
		if (at >= 0)
			return -1;
		at = i;
	}
	return at;
}

static size_t pool_add(struct typos *t, const char *s, size_t len)
{
	size_t off = t->pool.len;

	cf_buf_add(&t->pool, s, len);
	cf_buf_addch(&t->pool, '\0');
	return off;
}

static void add_typo(struct typos *t, const msgpack_object *w, const msgpack_object *c,
		     const char *path, size_t plen, uint32_t line, const struct cf_oid *commit)
{
	struct typo *ty;
	size_t k;

	CF_ALLOC_GROW(t->v, t->nr + 1, t->alloc);
	ty = &t->v[t->nr++];
	ty->wrong = pool_add(t, w->via.str.ptr, w->via.str.size);
	ty->correct = pool_add(t, c->via.str.ptr, c->via.str.size);
	ty->file = pool_add(t, path, plen);
	ty->line = line;
	ty->commit = *commit;
	cf_buf_reset(&t->key);
	cf_buf_add(&t->key, w->via.str.ptr, w->via.str.size);
	cf_buf_addch(&t->key, '\0');
	cf_buf_add(&t->key, c->via.str.ptr, c->via.str.size);
	k = cf_tally_add(&t->patterns, t->key.buf, t->key.len);
	t->patterns.e[k].v[0]++;
}

static void on_record(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct typos *t = (struct typos *)a;
	const msgpack_object *side, *pairs;
	const char *path;
	size_t plen;
	uint32_t n;

	if (!cf_rec_is(rec, CF_REC_SYNTAX))
		return;
	path = cf_rec_str(rec, "path", &plen);
	side = cf_syntax_side(rec, "new");
	pairs = cf_syntax_list(rec, side, "pairs", &n);
	for (uint32_t i = 0; i < n; i++) {
		struct cf_syntax_pair p;
		int at;
		cf_syntax_pair(rec, &pairs[i], &p);
		at = one_changed(&p);
		if (at < 0 || distance(t, p.old_text, p.old_len, p.new_text, p.new_len,
				       t->max_distance) > t->max_distance)
			continue;
		add_typo(t, &p.old_idents[at], &p.new_idents[at], path, plen, p.new_line,
			 &t->commit);
	}
}

/* ---- the result ---- */

/* Most fixed first, then by wrong and correct word: an order a merge can give too. */
static int cmp_patterns(const struct cf_tally *tl, size_t a, size_t b, void *data)
{
	size_t la = tl->e[a].len, lb = tl->e[b].len;
	int c;

	(void)data;
	if (tl->e[a].v[0] != tl->e[b].v[0])
		return tl->e[a].v[0] > tl->e[b].v[0] ? -1 : 1;
	c = memcmp(cf_tally_key(tl, a), cf_tally_key(tl, b), la < lb ? la : lb);
	return c ? c : la < lb ? -1 : la > lb;
}

static void pack_pattern(msgpack_packer *pk, const struct cf_tally *tl, size_t i)
{
	const char *w = cf_tally_key(tl, i);
	size_t wl = strlen(w);

	msgpack_pack_map(pk, 3);
	cf_pack_str(pk, "correct");
	cf_pack_strn(pk, w + wl + 1, tl->e[i].len - wl - 1);
	cf_pack_kv_u64(pk, "count", tl->e[i].v[0]);
	cf_pack_str(pk, "wrong");
	cf_pack_strn(pk, w, wl);
}

static size_t distinct_files(const struct typos *t)
{
	struct cf_tally files = CF_TALLY_INIT;
	size_t n;

	for (size_t i = 0; i < t->nr; i++) {
		const char *f = t->pool.buf + t->v[i].file;
		cf_tally_add(&files, f, strlen(f));
	}
	n = files.nr;
	cf_tally_release(&files);
	return n;
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct typos *t = (struct typos *)a;
	size_t *order = cf_tally_sorted(&t->patterns, cmp_patterns, NULL), nr = 0;
	char hex[CF_OID_HEXSZ + 1];

	while (nr < t->patterns.nr && t->patterns.e[order[nr]].v[0] > 1)
		nr++;
	msgpack_pack_map(pk, 6);
	cf_pack_kv_u64(pk, "affected_files", distinct_files(t));
	cf_pack_kv_u64(pk, "max_distance", t->max_distance);
	cf_pack_str(pk, "patterns");
	msgpack_pack_array(pk, nr);
	for (size_t i = 0; i < nr; i++)
		pack_pattern(pk, &t->patterns, order[i]);
	cf_pack_kv_u64(pk, "total_typos", t->nr);
	cf_pack_str(pk, "typos");
	msgpack_pack_array(pk, t->nr);
	for (size_t i = 0; i < t->nr; i++) {
		const struct typo *ty = &t->v[i];
		msgpack_pack_map(pk, 5);
		cf_pack_kv_str(pk, "commit", cf_oid_to_hex(&ty->commit, hex));
		cf_pack_kv_str(pk, "correct", t->pool.buf + ty->correct);
		cf_pack_kv_str(pk, "file", t->pool.buf + ty->file);
		cf_pack_kv_u64(pk, "line", ty->line);
		cf_pack_kv_str(pk, "wrong", t->pool.buf + ty->wrong);
	}
	cf_pack_kv_u64(pk, "unique_patterns", t->patterns.nr);
	free(order);
}

/* ---- checkpoints: {max_distance, typos: [[wrong, correct, file, line, commit]]} ---- */

static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct typos *t = (struct typos *)a;

	msgpack_pack_map(pk, 2);
	cf_pack_kv_u64(pk, "max_distance", t->max_distance);
	cf_pack_str(pk, "typos");
	msgpack_pack_array(pk, t->nr);
	for (size_t i = 0; i < t->nr; i++) {
		const struct typo *ty = &t->v[i];
		msgpack_pack_array(pk, 5);
		cf_pack_str(pk, t->pool.buf + ty->wrong);
		cf_pack_str(pk, t->pool.buf + ty->correct);
		cf_pack_str(pk, t->pool.buf + ty->file);
		cf_pack_u64(pk, ty->line);
		cf_pack_oid(pk, &ty->commit);
	}
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct typos *t = (struct typos *)a;
	uint64_t max = cf_state_u64(st, o, "max_distance");
	const msgpack_object *v;
	uint32_t n;

	if (max != t->max_distance)
		die("state file '%s' was saved with --typos-max-distance %llu, not %llu",
		    st->path, (unsigned long long)max, (unsigned long long)t->max_distance);
	v = cf_state_array(st, o, "typos", &n);
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *e = &v[i];
		msgpack_object w, c;
		struct cf_oid id;
		const char *f, *idb;
		size_t fl, il;
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 5)
			cf_state_die(st, "a typo must be an array of 5");
		w = e->via.array.ptr[0];
		c = e->via.array.ptr[1];
		if (w.type != MSGPACK_OBJECT_STR || c.type != MSGPACK_OBJECT_STR)
			cf_state_die(st, "a typo's words must be strings");
		f = cf_state_bytes(st, &e->via.array.ptr[2], "a typo's file", &fl);
		idb = cf_state_bytes(st, &e->via.array.ptr[4], "a typo's commit", &il);
		if (il != CF_OID_RAWSZ)
			cf_state_die(st, "a typo's commit must be %d bytes", CF_OID_RAWSZ);
		memcpy(id.id, idb, il);
		add_typo(t, &w, &c, f, fl, cf_fs_state_u64(st, &e->via.array.ptr[3], UINT32_MAX),
			 &id);
	}
}

enum { OPT_MAX_DISTANCE = 256 };

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "typos-max-distance", required_argument, NULL, OPT_MAX_DISTANCE },
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct typos t = { .patterns = CF_TALLY_INIT };
	int opt;

	t.max_distance = 4;
	cf_buf_init(&t.pool, 0);
	cf_buf_init(&t.key, 0);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MAX_DISTANCE:
			t.max_distance = cf_opt_uint("--typos-max-distance", optarg, 1, 64);
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			if (!cf_fs_option(&t.a, opt, optarg))
				cf_usage_bad(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	t.a.name = "typos";
	t.a.schema = 1;
	t.a.commit = on_commit;
	t.a.change = on_change;
	t.a.record = on_record;
	t.a.pack_state = pack_state;
	t.a.unpack_state = unpack_state;
	t.a.pack_result = pack_result;
	cf_fs_main(&t.a);
	cf_tally_release(&t.patterns);
	cf_buf_release(&t.pool);
	cf_buf_release(&t.key);
	free(t.v);
	free(t.row);
	cf_fileset_release(&t.a.fs);
	return 0;
}
