/*
 * cf-shotness: which functions, methods and classes change, and which
 * change together.  For every commit, the units a diff touches are found by
 * mapping the change's hunks onto the unit spans of cf-uastdiff's "syntax"
 * record: deleted lines onto the old tree, inserted lines onto the new one
 * (an added file touches all its units).  Every touched unit counts one
 * change per commit and every pair of them one co-change.  Passes every
 * record through and appends one "shotness" result (schema 2, cf-shotness(1)).
 *
 * A unit is (file, kind, qualified name).  Files are file ids (cf/fileset.h),
 * so a unit follows its file through renames; a renamed function is a new
 * unit (its old name keeps its counts), and units of the same kind and name
 * in one file are one unit.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/syntax.h"
#include "cf/tally.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-shotness [--max-units N] [--top N] [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a stream with syntax records (after cf-uastdiff), passes it through and\n"
"appends a \"shotness\" result: how often each function, method and class was\n"
"changed, and how often pairs of them changed in the same commit.\n"
"\n"
"      --max-units N    count no co-changes in commits touching more than N\n"
"                       units (default 200)\n"
"      --top N          couplings in the result (default 100, 0: all)\n"
"      --state-dir DIR  save the state there at every barrier\n"
"      --resume FILE    start from a saved state\n"
"  -h, --help           show this help\n";

/* Unit counters: v[0] changes, v[1] file id. */
enum { U_CHANGES, U_FILE };

struct shotness {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t max_units, top;
	uint64_t commits;		/* commits that touched a unit */
	uint64_t skipped;		/* commits over --max-units (no co-changes) */
	struct cf_tally units;		/* key: file id (4 bytes), kind, NUL, name */
	struct cf_tally pairs;		/* key: two unit indexes a < b (8 bytes); v[0] */

	/* The change record before a syntax record. */
	uint32_t file;
	int have_change, added;
	uint64_t change_n;
	struct cf_buf path;
	uint32_t *hunks;
	size_t nr_hunks, alloc_hunks;

	/* The units the current commit touched, each once. */
	uint32_t *touched;
	size_t nr_touched, alloc_touched;
	uint64_t *seen;			/* per unit: commit number + 1 */
	size_t alloc_seen;
	struct cf_buf key;
};

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	(void)a;
	(void)rec;
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *ch,
		      const struct cf_record *rec)
{
	struct shotness *s = (struct shotness *)a;
	size_t len;
	const char *path = cf_rec_str(rec, "path", &len);

	s->have_change = ch->status != 'D';
	s->added = ch->status == 'A';
	s->file = ch->file;
	s->change_n = a->fs.cur_n;
	cf_buf_reset(&s->path);
	cf_buf_add(&s->path, path, len);
	s->nr_hunks = cf_change_hunks(rec, &s->hunks, &s->alloc_hunks);
}

static void touch(struct shotness *s, const struct cf_syntax_unit *u)
{
	uint32_t f = s->file;
	size_t i;

	cf_buf_reset(&s->key);
	cf_buf_add(&s->key, &f, sizeof(f));
	cf_buf_add(&s->key, u->kind, u->kind_len);
	cf_buf_addch(&s->key, '\0');
	cf_buf_add(&s->key, u->name, u->name_len);
	i = cf_tally_add(&s->units, s->key.buf, s->key.len);
	s->units.e[i].v[U_FILE] = f;
	if (i >= s->alloc_seen) {
		size_t old = s->alloc_seen;
		CF_ALLOC_GROW(s->seen, i + 1, s->alloc_seen);
		memset(s->seen + old, 0, (s->alloc_seen - old) * sizeof(*s->seen));
	}
	if (s->seen[i] == s->a.fs.commits)
		return;
	s->seen[i] = s->a.fs.commits;
	CF_ALLOC_GROW(s->touched, s->nr_touched + 1, s->alloc_touched);
	s->touched[s->nr_touched++] = i;
}

/* Whether [a, a+n) meets the unit's lines. */
static int overlaps(const struct cf_syntax_unit *u, uint32_t a, uint32_t n)
{
	return n && a <= u->end_line && a + n - 1 >= u->line;
}

/* side 0: the old tree and the hunks' old lines; 1: the new tree and new lines. */
static void touch_side(struct shotness *s, const struct cf_record *rec, int side)
{
	const msgpack_object *m = cf_syntax_side(rec, side ? "new" : "old");
	uint32_t n;
	const msgpack_object *units = cf_syntax_list(rec, m, "units", &n);

	for (uint32_t i = 0; i < n; i++) {
		struct cf_syntax_unit u;
		int hit = s->added && side;
		cf_syntax_unit(rec, &units[i], &u);
		for (size_t h = 0; h < s->nr_hunks && !hit; h++)
			hit = overlaps(&u, s->hunks[4 * h + 2 * side], s->hunks[4 * h + 2 * side + 1]);
		if (hit)
			touch(s, &u);
	}
}

static void on_record(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct shotness *s = (struct shotness *)a;
	size_t len;
	const char *path;

	if (!cf_rec_is(rec, CF_REC_SYNTAX))
		return;
	path = cf_rec_str(rec, "path", &len);
	if (!s->have_change || cf_rec_u64(rec, "n") != s->change_n || len != s->path.len ||
	    memcmp(path, s->path.buf, len))
		cf_rec_die(rec, "a syntax record must follow its change record");
	s->have_change = 0;
	touch_side(s, rec, 0);
	touch_side(s, rec, 1);
}

static void pair_key(struct shotness *s, uint32_t a, uint32_t b)
{
	uint32_t k[2] = { a < b ? a : b, a < b ? b : a };

	cf_buf_reset(&s->key);
	cf_buf_add(&s->key, k, sizeof(k));
}

static void on_end_commit(struct cf_fs_analyzer *a)
{
	struct shotness *s = (struct shotness *)a;

	s->have_change = 0;
	if (!s->nr_touched)
		return;
	s->commits++;
	for (size_t i = 0; i < s->nr_touched; i++)
		s->units.e[s->touched[i]].v[U_CHANGES]++;
	if (s->nr_touched > s->max_units)
		s->skipped++;
	for (size_t i = 0; i < s->nr_touched && s->nr_touched <= s->max_units; i++)
		for (size_t j = i + 1; j < s->nr_touched; j++) {
			size_t k;
			pair_key(s, s->touched[i], s->touched[j]);
			k = cf_tally_add(&s->pairs, s->key.buf, s->key.len);
			s->pairs.e[k].v[0]++;
		}
	s->nr_touched = 0;
}

/* ---- the result ---- */

static const struct cf_fs_str *unit_path(const struct shotness *s, size_t i)
{
	uint32_t f = s->units.e[i].v[U_FILE], p;

	if (f >= s->a.fs.nr_files || (p = s->a.fs.files[f].path) == CF_FS_NONE)
		return NULL;
	return &s->a.fs.paths.e[p];
}

static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : al < bl ? -1 : al > bl;
}

/* Most changed first, then by path, kind and name. */
static int cmp_units(const struct cf_tally *t, size_t a, size_t b, void *data)
{
	const struct shotness *s = data;
	const struct cf_fs_str *pa = unit_path(s, a), *pb = unit_path(s, b);

	if (t->e[a].v[U_CHANGES] != t->e[b].v[U_CHANGES])
		return t->e[a].v[U_CHANGES] > t->e[b].v[U_CHANGES] ? -1 : 1;
	if (pa && pb && bytes_cmp(pa->s, pa->len, pb->s, pb->len))
		return bytes_cmp(pa->s, pa->len, pb->s, pb->len);
	return bytes_cmp(cf_tally_key(t, a) + 4, t->e[a].len - 4, cf_tally_key(t, b) + 4,
			 t->e[b].len - 4);
}

struct coupling {
	uint32_t a, b;		/* positions in the unit list */
	uint64_t co;
};

static int cmp_coupling(const void *x_, const void *y_)
{
	const struct coupling *x = x_, *y = y_;

	if (x->co != y->co)
		return x->co > y->co ? -1 : 1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

static int cmp_coupling_pos(const void *x_, const void *y_)
{
	const struct coupling *x = x_, *y = y_;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

/* Every coupling as [a, b, co], by position: what a merge sums. */
static void pack_matrix(msgpack_packer *pk, const struct coupling *v, size_t n)
{
	struct coupling *m = xcalloc(n ? n : 1, sizeof(*m));

	memcpy(m, v, n * sizeof(*m));
	qsort(m, n, sizeof(*m), cmp_coupling_pos);
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_array(pk, 3);
		cf_pack_u64(pk, m[i].a);
		cf_pack_u64(pk, m[i].b);
		cf_pack_u64(pk, m[i].co);
	}
	free(m);
}

/* Couplings of reported units, in positions of the unit list; *coupled per position. */
static struct coupling *collect_couplings(const struct shotness *s, const uint32_t *pos,
					  size_t *nr, uint64_t *coupled)
{
	struct coupling *v = xcalloc(s->pairs.nr ? s->pairs.nr : 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < s->pairs.nr; i++) {
		uint32_t k[2];
		memcpy(k, cf_tally_key(&s->pairs, i), sizeof(k));
		if (pos[k[0]] == UINT32_MAX || pos[k[1]] == UINT32_MAX)
			continue;
		v[n].a = pos[k[0]] < pos[k[1]] ? pos[k[0]] : pos[k[1]];
		v[n].b = pos[k[0]] < pos[k[1]] ? pos[k[1]] : pos[k[0]];
		v[n++].co = s->pairs.e[i].v[0];
		coupled[pos[k[0]]]++;
		coupled[pos[k[1]]]++;
	}
	qsort(v, n, sizeof(*v), cmp_coupling);
	*nr = n;
	return v;
}

static void pack_unit(msgpack_packer *pk, const struct shotness *s, size_t i,
		      uint64_t coupled, uint64_t max)
{
	const char *key = cf_tally_key(&s->units, i) + 4;
	size_t klen = strlen(key), len = s->units.e[i].len - 4;
	const struct cf_fs_str *p = unit_path(s, i);
	uint64_t ch = s->units.e[i].v[U_CHANGES];

	msgpack_pack_map(pk, 6);
	cf_pack_kv_u64(pk, "changes", ch);
	cf_pack_kv_u64(pk, "coupled", coupled);
	cf_pack_str(pk, "file");
	cf_pack_strn(pk, p->s, p->len);
	cf_pack_kv_f64(pk, "hotness", max ? (double)ch / max : 0);
	cf_pack_str(pk, "kind");
	cf_pack_strn(pk, key, klen);
	cf_pack_str(pk, "name");
	cf_pack_strn(pk, key + klen + 1, len - klen - 1);
}

static void pack_couplings(msgpack_packer *pk, const struct shotness *s,
			   const struct coupling *v, size_t n, const size_t *order)
{
	if (s->top && n > s->top)
		n = s->top;
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t ca = s->units.e[order[v[i].a]].v[U_CHANGES];
		uint64_t cb = s->units.e[order[v[i].b]].v[U_CHANGES];
		uint64_t m = v[i].co > ca ? v[i].co : ca;
		m = m > cb ? m : cb;
		msgpack_pack_map(pk, 4);
		cf_pack_kv_u64(pk, "a", v[i].a);
		cf_pack_kv_u64(pk, "b", v[i].b);
		cf_pack_kv_u64(pk, "co_changes", v[i].co);
		cf_pack_kv_f64(pk, "strength", m ? (double)v[i].co / m : 0);
	}
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct shotness *s = (struct shotness *)a;
	size_t *order = cf_tally_sorted(&s->units, cmp_units, s), nr = 0, ncp;
	uint32_t *pos = xcalloc(s->units.nr ? s->units.nr : 1, sizeof(*pos));
	uint64_t *coupled = xcalloc(s->units.nr ? s->units.nr : 1, sizeof(*coupled)), max = 0;
	struct coupling *cp;

	/* Units of a file whose path another file took over are not reported. */
	for (size_t i = 0; i < s->units.nr; i++)
		pos[i] = UINT32_MAX;
	for (size_t i = 0; i < s->units.nr; i++)
		if (unit_path(s, order[i])) {
			pos[order[i]] = nr;
			order[nr++] = order[i];
			if (s->units.e[order[i]].v[U_CHANGES] > max)
				max = s->units.e[order[i]].v[U_CHANGES];
		}
	cp = collect_couplings(s, pos, &ncp, coupled);
	msgpack_pack_map(pk, 7);
	cf_pack_kv_u64(pk, "commits", s->commits);
	cf_pack_str(pk, "couplings");
	pack_couplings(pk, s, cp, ncp, order);
	cf_pack_str(pk, "matrix");
	pack_matrix(pk, cp, ncp);
	cf_pack_kv_u64(pk, "max_units", s->max_units);
	cf_pack_kv_u64(pk, "skipped_commits", s->skipped);
	cf_pack_kv_u64(pk, "total_couplings", ncp);
	cf_pack_str(pk, "units");
	msgpack_pack_array(pk, nr);
	for (size_t i = 0; i < nr; i++)
		pack_unit(pk, s, order[i], coupled[i], max);
	free(cp);
	free(coupled);
	free(pos);
	free(order);
}

/* ---- checkpoints: {max_units, commits, skipped, units, pairs} ---- */

static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct shotness *s = (struct shotness *)a;

	msgpack_pack_map(pk, 5);
	cf_pack_kv_u64(pk, "max_units", s->max_units);
	cf_pack_kv_u64(pk, "commits", s->commits);
	cf_pack_kv_u64(pk, "skipped", s->skipped);
	cf_pack_str(pk, "units");
	cf_tally_pack(pk, &s->units);
	cf_pack_str(pk, "pairs");
	cf_tally_pack(pk, &s->pairs);
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct shotness *s = (struct shotness *)a;
	uint64_t max = cf_state_u64(st, o, "max_units");

	if (max != s->max_units)
		die("state file '%s' was saved with --max-units %llu, not %llu", st->path,
		    (unsigned long long)max, (unsigned long long)s->max_units);
	s->commits = cf_state_u64(st, o, "commits");
	s->skipped = cf_state_u64(st, o, "skipped");
	cf_tally_load(&s->units, st, cf_state_get(st, o, "units", MSGPACK_OBJECT_ARRAY));
	cf_tally_load(&s->pairs, st, cf_state_get(st, o, "pairs", MSGPACK_OBJECT_ARRAY));
	for (size_t i = 0; i < s->units.nr; i++)
		if (s->units.e[i].len < 5 || s->units.e[i].v[U_FILE] >= a->fs.nr_files)
			cf_state_die(st, "unit %zu names no file", i);
	for (size_t i = 0; i < s->pairs.nr; i++) {
		uint32_t k[2];
		if (s->pairs.e[i].len != sizeof(k))
			cf_state_die(st, "pair %zu is not two units", i);
		memcpy(k, cf_tally_key(&s->pairs, i), sizeof(k));
		if (k[0] >= k[1] || k[1] >= s->units.nr)
			cf_state_die(st, "pair %zu names no units", i);
	}
}

enum { OPT_MAX_UNITS = 256, OPT_TOP };

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-units", required_argument, NULL, OPT_MAX_UNITS },
		{ "top", required_argument, NULL, OPT_TOP },
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shotness s = { .units = CF_TALLY_INIT, .pairs = CF_TALLY_INIT };
	int opt;

	s.max_units = 200;
	s.top = 100;
	cf_buf_init(&s.path, 0);
	cf_buf_init(&s.key, 0);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MAX_UNITS:
			s.max_units = cf_opt_uint("--max-units", optarg, 2, 100000);
			break;
		case OPT_TOP:
			s.top = cf_opt_uint("--top", optarg, 0, UINT32_MAX);
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			if (!cf_fs_option(&s.a, opt, optarg))
				cf_usage_bad(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	s.a.name = "shotness";
	s.a.schema = 2;
	s.a.commit = on_commit;
	s.a.change = on_change;
	s.a.end_commit = on_end_commit;
	s.a.record = on_record;
	s.a.pack_state = pack_state;
	s.a.unpack_state = unpack_state;
	s.a.pack_result = pack_result;
	cf_fs_main(&s.a);
	cf_tally_release(&s.units);
	cf_tally_release(&s.pairs);
	cf_buf_release(&s.path);
	cf_buf_release(&s.key);
	free(s.hunks);
	free(s.touched);
	free(s.seen);
	cf_fileset_release(&s.a.fs);
	return 0;
}
