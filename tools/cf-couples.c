/*
 * cf-couples: which files change together, and who changes which file.
 * Every commit's context is the set of files it added, modified or renamed
 * (deletions excluded); every pair of files in a context is one co-change.
 * Passes every record through and appends one "couples" result (schema 1,
 * documented in cf-couples(1)), restricted to the files alive at the end.
 *
 * Counts are kept per file id (cf/fileset.h), so a renamed file keeps its
 * counts under its new name and a pair of two renamed files is counted once.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-couples [--max-changes N] [--top N] [--shard] [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a Codefang record stream (after cf-treediff), passes it through and\n"
"appends a \"couples\" result: the file co-change matrix, the people x file\n"
"matrix and the most coupled pairs of the files alive at the last commit.\n"
"\n"
"      --max-changes N  skip commits that add, modify or rename more than N\n"
"                       files (default 1000)\n"
"      --top N          pairs in the top list (default 20, 0: all)\n"
"      --shard          also a \"shard\" map, for cf-reduce --shards\n"
"      --state-dir DIR  save the state there at every barrier\n"
"      --resume FILE    start from a saved state\n"
"  -h, --help           show this help\n";

struct couples {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t max_changes, top;
	uint64_t skipped, counted;

	/* Per file id: revisions (counted contexts) and commits per person. */
	uint64_t *revs;
	struct cf_fs_touches *people;
	size_t alloc_files;

	/*
	 * Co-changes of files a < b: keys (a << 32 | b), never 0; 0 is empty.
	 * On thousands of files this is most of the stage's memory: counts
	 * are 32 bits and the table is filled up to three quarters.
	 */
	uint64_t *keys;
	uint32_t *counts;
	size_t nr_pairs, nr_slots;

	/* The current commit's context. */
	uint32_t *ctx;
	size_t nr_ctx, alloc_ctx;
};

/* A pair in the output: positions in the sorted file list. */
struct pair {
	uint32_t a, b;
	uint64_t co;
	double strength;
};

static size_t slot_of(uint64_t key, size_t nr_slots)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (nr_slots - 1);
}

static void pairs_grow(struct couples *c)
{
	size_t n = c->nr_slots ? c->nr_slots * 2 : 1024;
	uint64_t *keys = xcalloc(n, sizeof(*keys));
	uint32_t *counts = xcalloc(n, sizeof(*counts));

	for (size_t i = 0; i < c->nr_slots; i++) {
		size_t s;
		if (!c->keys[i])
			continue;
		for (s = slot_of(c->keys[i], n); keys[s]; s = (s + 1) & (n - 1))
			;
		keys[s] = c->keys[i];
		counts[s] = c->counts[i];
	}
	free(c->keys);
	free(c->counts);
	c->keys = keys;
	c->counts = counts;
	c->nr_slots = n;
}

static void pair_add(struct couples *c, uint64_t key, uint64_t n)
{
	size_t s;

	if (4 * (c->nr_pairs + 1) > 3 * c->nr_slots)
		pairs_grow(c);
	for (s = slot_of(key, c->nr_slots); c->keys[s]; s = (s + 1) & (c->nr_slots - 1))
		if (c->keys[s] == key)
			break;
	if (n > UINT32_MAX - c->counts[s])
		die("the co-changes of a pair of files exceed %lu", (unsigned long)UINT32_MAX);
	c->nr_pairs += !c->keys[s];
	c->keys[s] = key;
	c->counts[s] += (uint32_t)n;
}

/* The per-file arrays cover every file id. */
static void cover_files(struct couples *c)
{
	size_t old = c->alloc_files, n = c->a.fs.nr_files;

	if (n <= old)
		return;
	n = n < 2 * old ? 2 * old : n;
	c->revs = xrealloc(c->revs, st_mult(n, sizeof(*c->revs)));
	c->people = xrealloc(c->people, st_mult(n, sizeof(*c->people)));
	memset(c->revs + old, 0, (n - old) * sizeof(*c->revs));
	memset(c->people + old, 0, (n - old) * sizeof(*c->people));
	c->alloc_files = n;
}

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	(void)a;
	(void)rec;
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *ch,
		      const struct cf_record *rec)
{
	struct couples *c = (struct couples *)a;

	(void)rec;
	cover_files(c);
	if (ch->replaced != CF_FS_NONE) {
		free(c->people[ch->replaced].v);
		memset(&c->people[ch->replaced], 0, sizeof(*c->people));
	}
	if (ch->status == 'D')
		return;
	CF_ALLOC_GROW(c->ctx, c->nr_ctx + 1, c->alloc_ctx);
	c->ctx[c->nr_ctx++] = ch->file;
}

static int cmp_u32(const void *a_, const void *b_)
{
	uint32_t a = *(const uint32_t *)a_, b = *(const uint32_t *)b_;
	return a < b ? -1 : a > b;
}

/* Counts the commit's context, unless it is too large to mean anything. */
static void on_end_commit(struct cf_fs_analyzer *a)
{
	struct couples *c = (struct couples *)a;
	size_t n = 0;

	if (c->nr_ctx)	/* ctx is NULL before the first change: qsort(NULL) is undefined */
		qsort(c->ctx, c->nr_ctx, sizeof(*c->ctx), cmp_u32);
	for (size_t i = 0; i < c->nr_ctx; i++)
		if (!n || c->ctx[n - 1] != c->ctx[i])
			c->ctx[n++] = c->ctx[i];
	c->nr_ctx = 0;
	if (n > c->max_changes) {
		c->skipped++;
		return;
	}
	c->counted++;
	for (size_t i = 0; i < n; i++) {
		c->revs[c->ctx[i]]++;
		cf_fs_touch(&c->people[c->ctx[i]], a->fs.cur_person)->commits++;
		for (size_t j = i + 1; j < n; j++)
			pair_add(c, (uint64_t)c->ctx[i] << 32 | c->ctx[j], 1);
	}
}

static int cmp_pos(const void *a_, const void *b_)
{
	const struct pair *a = a_, *b = b_;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

/* Most co-changes first, then the strongest, then by the files' names. */
static int cmp_rank(const void *a_, const void *b_)
{
	const struct pair *a = a_, *b = b_;

	if (a->co != b->co)
		return a->co > b->co ? -1 : 1;
	if (a->strength != b->strength)
		return a->strength > b->strength ? -1 : 1;
	return cmp_pos(a_, b_);
}

/* Moves v into out, stably, by the position key(v) (below files). */
static void count_sort(const struct pair *v, struct pair *out, size_t n, size_t files, int by_a)
{
	size_t *at = xcalloc(files + 1, sizeof(*at));

	for (size_t i = 0; i < n; i++)
		at[(by_a ? v[i].a : v[i].b) + 1]++;
	for (size_t k = 1; k <= files; k++)
		at[k] += at[k - 1];
	for (size_t i = 0; i < n; i++)
		out[at[by_a ? v[i].a : v[i].b]++] = v[i];
	free(at);
}

/*
 * The pairs by position, as cmp_pos() orders them: by b, then stably by a.
 * Counting sorts, as the pairs of a large history are millions.
 */
static void sort_by_pos(struct pair *v, size_t n, size_t files)
{
	struct pair *tmp = xmalloc(st_mult(n ? n : 1, sizeof(*tmp)));

	count_sort(v, tmp, n, files, 0);
	count_sort(tmp, v, n, files, 1);
	free(tmp);
}

/* The pairs of alive files, by position, with their strength. */
static struct pair *alive_pairs(const struct couples *c, const uint32_t *index,
				size_t files, size_t *nr)
{
	struct pair *v = xcalloc(c->nr_pairs ? c->nr_pairs : 1, sizeof(*v));
	size_t n = 0;

	for (size_t s = 0; s < c->nr_slots; s++) {
		uint32_t fa = c->keys[s] >> 32, fb = (uint32_t)c->keys[s];
		double mean;
		if (!c->keys[s] || index[fa] == CF_FS_NONE || index[fb] == CF_FS_NONE)
			continue;
		v[n].a = index[fa] < index[fb] ? index[fa] : index[fb];
		v[n].b = index[fa] < index[fb] ? index[fb] : index[fa];
		v[n].co = c->counts[s];
		mean = ((double)c->revs[fa] + (double)c->revs[fb]) / 2;
		v[n].strength = mean > 0 && c->counts[s] < mean ? (double)c->counts[s] / mean : 1.0;
		n++;
	}
	sort_by_pos(v, n, files);
	*nr = n;
	return v;
}

/*
 * The n first pairs of v by cmp_rank() at its front, in that order.  For
 * a short top list of many pairs, one pass keeps the best n sorted: most
 * pairs lose the one comparison with the worst of them.
 */
static void best_first(struct pair *v, size_t nr, size_t n)
{
	if (!n || n > nr / 16) {
		if (nr)
			qsort(v, nr, sizeof(*v), cmp_rank);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_rank);
	for (size_t i = n; i < nr; i++) {
		struct pair p = v[i];
		size_t k = n - 1;

		if (cmp_rank(&p, &v[k]) >= 0)
			continue;
		v[i] = v[k];
		for (; k && cmp_rank(&p, &v[k - 1]) < 0; k--)
			v[k] = v[k - 1];
		v[k] = p;
	}
}

static void pack_top(msgpack_packer *pk, const struct couples *c, struct pair *v,
		     size_t nr, const uint32_t *files)
{
	size_t n = c->top && c->top < nr ? c->top : nr;

	best_first(v, nr, n);
	cf_pack_str(pk, "top");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_map(pk, 4);
		cf_pack_kv_u64(pk, "co_changes", v[i].co);
		cf_pack_str(pk, "file1");
		cf_fileset_pack_path(pk, &c->a.fs, files[v[i].a]);
		cf_pack_str(pk, "file2");
		cf_fileset_pack_path(pk, &c->a.fs, files[v[i].b]);
		cf_pack_kv_f64(pk, "strength", v[i].strength);
	}
}

static void pack_triple(msgpack_packer *pk, uint64_t a, uint64_t b, uint64_t n)
{
	msgpack_pack_array(pk, 3);
	cf_pack_u64(pk, a);
	cf_pack_u64(pk, b);
	cf_pack_u64(pk, n);
}

/* [[person, file, commits], ...] by person, then file. */
static void pack_people_files(msgpack_packer *pk, const struct couples *c,
			      const uint32_t *files, size_t nr_files,
			      const uint32_t *person_index)
{
	struct pair *v = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < nr_files; i++) {
		const struct cf_fs_touches *t = &c->people[files[i]];
		for (size_t k = 0; k < t->nr; k++) {
			CF_ALLOC_GROW(v, n + 1, alloc);
			v[n].a = person_index[t->v[k].who];
			v[n].b = i;
			v[n++].co = t->v[k].commits;
		}
	}
	if (n)	/* v is NULL then: qsort(NULL) is undefined */
		qsort(v, n, sizeof(*v), cmp_pos);
	cf_pack_str(pk, "people_files");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++)
		pack_triple(pk, v[i].a, v[i].b, v[i].co);
	free(v);
}

/*
 * The data map over the files alive at the end, or (shard) over every file
 * not detached, with what cf-reduce --shards needs to chain it to others.
 */
static void pack_data(msgpack_packer *pk, struct couples *c, int shard)
{
	struct cf_fs_analyzer *a = &c->a;
	uint32_t *index, *person_index, *files, *people;
	size_t nr_files, nr_pairs;
	struct pair *v;

	files = shard ? cf_fileset_attached(&a->fs, &nr_files, &index) :
		cf_fileset_alive(&a->fs, &nr_files, &index);
	people = cf_fileset_people(&a->fs, &person_index);
	v = alive_pairs(c, index, nr_files, &nr_pairs);
	msgpack_pack_map(pk, shard ? 12 : 9 + a->shard);
	if (shard)
		cf_fileset_pack_shard(pk, &a->fs, files, nr_files, "alive");
	cf_pack_kv_u64(pk, "commits", a->fs.commits);
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, nr_files);
	for (size_t i = 0; i < nr_files; i++)
		cf_fileset_pack_path(pk, &a->fs, files[i]);
	if (shard)
		cf_fileset_pack_shard(pk, &a->fs, files, nr_files, "from");
	cf_pack_str(pk, "matrix");
	msgpack_pack_array(pk, nr_pairs);
	for (size_t i = 0; i < nr_pairs; i++)
		pack_triple(pk, v[i].a, v[i].b, v[i].co);
	cf_pack_kv_u64(pk, "max_changes", c->max_changes);
	cf_pack_str(pk, "people");
	cf_fileset_pack_people(pk, &a->fs, people);
	pack_people_files(pk, c, files, nr_files, person_index);
	cf_pack_str(pk, "revisions");
	msgpack_pack_array(pk, nr_files);
	for (size_t i = 0; i < nr_files; i++)
		cf_pack_u64(pk, c->revs[files[i]]);
	if (!shard && a->shard) {
		cf_pack_str(pk, "shard");
		pack_data(pk, c, 1);
	}
	cf_pack_kv_u64(pk, "skipped_commits", c->skipped);
	pack_top(pk, c, v, nr_pairs, files);
	if (shard)
		cf_fileset_pack_shard(pk, &a->fs, files, nr_files, "vacated");
	free(v);
	free(files);
	free(index);
	free(people);
	free(person_index);
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct couples *c = (struct couples *)a;

	cover_files(c);
	pack_data(pk, c, 0);
}

/*
 * State: {max_changes, skipped, counted, revs: [per file id],
 * pairs: [[a, b, co]...], people: [[file, person, commits]...]}.
 */
static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct couples *c = (struct couples *)a;
	size_t n = 0;

	cover_files(c);
	msgpack_pack_map(pk, 6);
	cf_pack_kv_u64(pk, "max_changes", c->max_changes);
	cf_pack_kv_u64(pk, "skipped", c->skipped);
	cf_pack_kv_u64(pk, "counted", c->counted);
	cf_pack_str(pk, "revs");
	msgpack_pack_array(pk, a->fs.nr_files);
	for (size_t i = 0; i < a->fs.nr_files; i++)
		cf_pack_u64(pk, c->revs[i]);
	cf_pack_str(pk, "pairs");
	msgpack_pack_array(pk, c->nr_pairs);
	for (size_t s = 0; s < c->nr_slots; s++)
		if (c->keys[s])
			pack_triple(pk, c->keys[s] >> 32, (uint32_t)c->keys[s], c->counts[s]);
	for (size_t i = 0; i < a->fs.nr_files; i++)
		n += c->people[i].nr;
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < a->fs.nr_files; i++)
		for (size_t k = 0; k < c->people[i].nr; k++)
			pack_triple(pk, i, c->people[i].v[k].who, c->people[i].v[k].commits);
}

/* The three numbers of a state triple, the first two at most max_a and max_b. */
static const msgpack_object *state_triple(const struct cf_state *st, const msgpack_object *o,
					  uint64_t max_a, uint64_t max_b)
{
	const msgpack_object *t;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3)
		cf_state_die(st, "a triple is not an array of 3");
	t = o->via.array.ptr;
	cf_fs_state_u64(st, &t[0], max_a);
	cf_fs_state_u64(st, &t[1], max_b);
	cf_fs_state_u64(st, &t[2], UINT64_MAX);
	return t;
}

static void unpack_pairs(struct couples *c, const struct cf_state *st, const msgpack_object *o)
{
	uint64_t files = c->a.fs.nr_files;
	uint32_t n;
	const msgpack_object *pairs = cf_state_array(st, o, "pairs", &n);

	if (n && !files)
		cf_state_die(st, "pairs without files");
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *t = state_triple(st, &pairs[i], files - 1, files - 1);
		if (t[0].via.u64 >= t[1].via.u64)
			cf_state_die(st, "a pair is not in order");
		pair_add(c, t[0].via.u64 << 32 | t[1].via.u64, t[2].via.u64);
	}
}

static void unpack_people(struct couples *c, const struct cf_state *st, const msgpack_object *o)
{
	uint64_t files = c->a.fs.nr_files, people = c->a.fs.people.nr;
	uint32_t n;
	const msgpack_object *v = cf_state_array(st, o, "people", &n);

	if (n && (!files || !people))
		cf_state_die(st, "touches without files or people");
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *t = state_triple(st, &v[i], files - 1, people - 1);
		cf_fs_touch(&c->people[t[0].via.u64], t[1].via.u64)->commits += t[2].via.u64;
	}
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct couples *c = (struct couples *)a;
	const msgpack_object *revs;
	uint64_t max = cf_state_u64(st, o, "max_changes");
	uint32_t n;

	if (max != c->max_changes)
		die("state file '%s' was saved with --max-changes %llu, not %llu", st->path,
		    (unsigned long long)max, (unsigned long long)c->max_changes);
	c->skipped = cf_state_u64(st, o, "skipped");
	c->counted = cf_state_u64(st, o, "counted");
	cover_files(c);
	revs = cf_state_array(st, o, "revs", &n);
	if (n != a->fs.nr_files)
		cf_state_die(st, "%u revision counts for %zu files", n, a->fs.nr_files);
	for (uint32_t i = 0; i < n; i++)
		c->revs[i] = cf_fs_state_u64(st, &revs[i], UINT64_MAX);
	unpack_pairs(c, st, o);
	unpack_people(c, st, o);
}

static void couples_release(struct couples *c)
{
	for (size_t i = 0; i < c->alloc_files; i++)
		free(c->people[i].v);
	free(c->people);
	free(c->revs);
	free(c->keys);
	free(c->counts);
	free(c->ctx);
	cf_fileset_release(&c->a.fs);
}

enum { OPT_MAX_CHANGES = 256, OPT_TOP };

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-changes", required_argument, NULL, OPT_MAX_CHANGES },
		{ "top", required_argument, NULL, OPT_TOP },
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct couples c = { 0 };
	int opt;

	c.max_changes = 1000;
	c.top = 20;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MAX_CHANGES:
			c.max_changes = cf_opt_uint("--max-changes", optarg, 1, UINT32_MAX);
			break;
		case OPT_TOP:
			c.top = cf_opt_uint("--top", optarg, 0, UINT32_MAX);
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			if (!cf_fs_option(&c.a, opt, optarg))
				cf_usage_bad(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	c.a.name = "couples";
	c.a.schema = 1;
	c.a.commit = on_commit;
	c.a.change = on_change;
	c.a.end_commit = on_end_commit;
	c.a.pack_state = pack_state;
	c.a.unpack_state = unpack_state;
	c.a.pack_result = pack_result;
	cf_fs_main(&c.a);
	couples_release(&c);
	return 0;
}
