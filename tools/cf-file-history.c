/*
 * cf-file-history: the history of every file alive at the last commit: the
 * commits that touched it, the lines each person added, removed and
 * changed in it, its churn, and the hotspots.  Passes every record through
 * and appends one "file-history" result (schema 1, documented in
 * cf-file-history(1)).
 *
 * A path's history is what `git log -- PATH` lists: a deletion and a later
 * addition at the same path continue it; a rename moves it to the new path
 * (cf/fileset.h).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/oid.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-file-history [--top N] [--shard] [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a Codefang record stream with line counts (after cf-diff), passes it\n"
"through and appends a \"file-history\" result: for every file alive at the\n"
"last commit the commits that touched it, lines added, removed and changed\n"
"per person, churn, and the hotspots.\n"
"\n"
"      --top N          files in the hotspot list (default 20, 0: all)\n"
"      --shard          also a \"shard\" map, for cf-reduce --shards\n"
"      --state-dir DIR  save the state there at every barrier\n"
"      --resume FILE    start from a saved state\n"
"  -h, --help           show this help\n";

struct file_hist {
	uint32_t *commits;		/* indexes into ids, ascending */
	size_t nr, alloc;
	struct cf_fs_touches people;	/* commits and lines per person */
	uint64_t added, removed, changed;
};

struct history {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t top;
	struct cf_oid *ids;		/* every commit's id, in stream order */
	size_t nr_ids, alloc_ids;
	struct file_hist *files;	/* per file id */
	size_t alloc_files;
};

static void cover_files(struct history *h)
{
	size_t old = h->alloc_files, n = h->a.fs.nr_files;

	if (n <= old)
		return;
	n = n < 2 * old ? 2 * old : n;
	h->files = xrealloc(h->files, st_mult(n, sizeof(*h->files)));
	memset(h->files + old, 0, (n - old) * sizeof(*h->files));
	h->alloc_files = n;
}

static void free_file(struct file_hist *f)
{
	free(f->commits);
	free(f->people.v);
	memset(f, 0, sizeof(*f));
}

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct history *h = (struct history *)a;

	if (h->nr_ids >= UINT32_MAX)
		cf_rec_die(rec, "too many commits (%zu)", h->nr_ids);
	CF_ALLOC_GROW(h->ids, h->nr_ids + 1, h->alloc_ids);
	cf_rec_oid(rec, "id", &h->ids[h->nr_ids++]);
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *c,
		      const struct cf_record *rec)
{
	struct history *h = (struct history *)a;
	uint32_t cur = h->nr_ids - 1;
	uint64_t add, del, changed;
	struct file_hist *f;
	struct cf_fs_touch *t;

	cover_files(h);
	cf_fs_lines(rec, &add, &del, &changed);
	if (c->replaced != CF_FS_NONE)
		free_file(&h->files[c->replaced]);
	f = &h->files[c->file];
	t = cf_fs_touch(&f->people, a->fs.cur_person);
	if (!f->nr || f->commits[f->nr - 1] != cur) {
		CF_ALLOC_GROW(f->commits, f->nr + 1, f->alloc);
		f->commits[f->nr++] = cur;
		t->commits++;
	}
	/* A file's sums bound its people's: if they fit, theirs do. */
	if (add > UINT64_MAX - f->added - f->removed ||
	    del > UINT64_MAX - f->added - f->removed - add)
		cf_rec_die(rec, "line counts overflow");
	f->added += add;
	f->removed += del;
	f->changed += changed;
	t->added += add;
	t->removed += del;
	t->changed += changed;
}

static uint64_t churn(const struct file_hist *f)
{
	return f->added + f->removed;
}

/* qsort has no context argument: the histories being ranked. */
static const struct history *ranking;

/* Most commits first, then most churn, then by path (the order given). */
static int cmp_hot(const void *a_, const void *b_)
{
	uint32_t a = ((const uint32_t *)a_)[0], b = ((const uint32_t *)b_)[0];
	const struct file_hist *fa = &ranking->files[a], *fb = &ranking->files[b];

	if (fa->nr != fb->nr)
		return fa->nr > fb->nr ? -1 : 1;
	if (churn(fa) != churn(fb))
		return churn(fa) > churn(fb) ? -1 : 1;
	return ((const uint32_t *)a_)[1] < ((const uint32_t *)b_)[1] ? -1 : 1;
}

static void pack_hotspots(msgpack_packer *pk, const struct history *h,
			  const uint32_t *files, size_t nr)
{
	uint32_t (*v)[2] = xcalloc(nr ? nr : 1, sizeof(*v));
	size_t n = h->top && h->top < nr ? h->top : nr;

	for (size_t i = 0; i < nr; i++) {
		v[i][0] = files[i];
		v[i][1] = i;
	}
	ranking = h;
	qsort(v, nr, sizeof(*v), cmp_hot);
	ranking = NULL;
	cf_pack_str(pk, "hotspots");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		const struct file_hist *f = &h->files[v[i][0]];
		msgpack_pack_map(pk, 3);
		cf_pack_kv_u64(pk, "churn", churn(f));
		cf_pack_kv_u64(pk, "commits", f->nr);
		cf_pack_str(pk, "path");
		cf_fileset_pack_path(pk, &h->a.fs, v[i][0]);
	}
	free(v);
}

static int cmp_touch(const void *a_, const void *b_)
{
	const struct cf_fs_touch *a = a_, *b = b_;
	return a->who < b->who ? -1 : a->who > b->who;
}

/* The file's people, by their position in the result's people. */
static void pack_file_people(msgpack_packer *pk, const struct file_hist *f,
			     const uint32_t *person_index)
{
	struct cf_fs_touch *v = xcalloc(f->people.nr ? f->people.nr : 1, sizeof(*v));

	for (size_t i = 0; i < f->people.nr; i++) {
		v[i] = f->people.v[i];
		v[i].who = person_index[v[i].who];
	}
	qsort(v, f->people.nr, sizeof(*v), cmp_touch);
	msgpack_pack_array(pk, f->people.nr);
	for (size_t i = 0; i < f->people.nr; i++) {
		msgpack_pack_map(pk, 5);
		cf_pack_kv_u64(pk, "added", v[i].added);
		cf_pack_kv_u64(pk, "changed", v[i].changed);
		cf_pack_kv_u64(pk, "commits", v[i].commits);
		cf_pack_kv_u64(pk, "person", v[i].who);
		cf_pack_kv_u64(pk, "removed", v[i].removed);
	}
	free(v);
}

static void pack_file(msgpack_packer *pk, const struct history *h, uint32_t file,
		      const uint32_t *person_index)
{
	const struct file_hist *f = &h->files[file];

	msgpack_pack_map(pk, 7);
	cf_pack_kv_u64(pk, "added", f->added);
	cf_pack_kv_u64(pk, "changed", f->changed);
	cf_pack_kv_u64(pk, "churn", churn(f));
	cf_pack_str(pk, "commits");
	msgpack_pack_array(pk, f->nr);
	for (size_t i = 0; i < f->nr; i++)
		cf_pack_oid(pk, &h->ids[f->commits[i]]);
	cf_pack_str(pk, "path");
	cf_fileset_pack_path(pk, &h->a.fs, file);
	cf_pack_str(pk, "people");
	pack_file_people(pk, f, person_index);
	cf_pack_kv_u64(pk, "removed", f->removed);
}

/*
 * The data map over the files alive at the end, or (shard) over every file
 * not detached, with what cf-reduce --shards needs to chain it to others.
 */
static void pack_data(msgpack_packer *pk, struct history *h, int shard)
{
	struct cf_fs_analyzer *a = &h->a;
	uint32_t *index, *person_index, *files, *people;
	size_t nr_files;

	files = shard ? cf_fileset_attached(&a->fs, &nr_files, &index) :
		cf_fileset_alive(&a->fs, &nr_files, &index);
	people = cf_fileset_people(&a->fs, &person_index);
	msgpack_pack_map(pk, shard ? 7 : 4 + a->shard);
	if (shard)
		cf_fileset_pack_shard(pk, &a->fs, files, nr_files, "alive");
	cf_pack_kv_u64(pk, "commits", a->fs.commits);
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, nr_files);
	for (size_t i = 0; i < nr_files; i++)
		pack_file(pk, h, files[i], person_index);
	if (shard)
		cf_fileset_pack_shard(pk, &a->fs, files, nr_files, "from");
	pack_hotspots(pk, h, files, nr_files);
	cf_pack_str(pk, "people");
	cf_fileset_pack_people(pk, &a->fs, people);
	if (shard)
		cf_fileset_pack_shard(pk, &a->fs, files, nr_files, "vacated");
	if (!shard && a->shard) {
		cf_pack_str(pk, "shard");
		pack_data(pk, h, 1);
	}
	free(files);
	free(index);
	free(people);
	free(person_index);
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct history *h = (struct history *)a;

	cover_files(h);
	pack_data(pk, h, 0);
}

/*
 * State: {ids: bin of 20-byte ids, files: [[commits: [index...],
 * [[person, commits, added, removed, changed]...]]...]} per file id; a
 * file's totals are the sums of its people's.
 */
static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct history *h = (struct history *)a;

	cover_files(h);
	msgpack_pack_map(pk, 2);
	cf_pack_str(pk, "ids");
	cf_pack_bin(pk, h->ids, st_mult(h->nr_ids, sizeof(*h->ids)));
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, a->fs.nr_files);
	for (size_t i = 0; i < a->fs.nr_files; i++) {
		const struct file_hist *f = &h->files[i];
		msgpack_pack_array(pk, 2);
		msgpack_pack_array(pk, f->nr);
		for (size_t k = 0; k < f->nr; k++)
			cf_pack_u64(pk, f->commits[k]);
		msgpack_pack_array(pk, f->people.nr);
		for (size_t k = 0; k < f->people.nr; k++) {
			const struct cf_fs_touch *t = &f->people.v[k];
			msgpack_pack_array(pk, 5);
			cf_pack_u64(pk, t->who);
			cf_pack_u64(pk, t->commits);
			cf_pack_u64(pk, t->added);
			cf_pack_u64(pk, t->removed);
			cf_pack_u64(pk, t->changed);
		}
	}
}

static const msgpack_object *state_array(const struct cf_state *st, const msgpack_object *o,
					 uint32_t n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || (n && o->via.array.size != n))
		cf_state_die(st, "a file's history is not an array%s",
			     n ? " of the right size" : "");
	return o->via.array.ptr;
}

static void unpack_people(struct history *h, struct file_hist *f, const struct cf_state *st,
			  const msgpack_object *o)
{
	const msgpack_object *v = state_array(st, o, 0);
	uint64_t people = h->a.fs.people.nr;

	if (o->via.array.size && !people)
		cf_state_die(st, "lines without people");
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *t = state_array(st, &v[i], 5);
		struct cf_fs_touch *p = cf_fs_touch(&f->people,
						    cf_fs_state_u64(st, &t[0], people - 1));
		p->commits = cf_fs_state_u64(st, &t[1], UINT32_MAX);
		p->added = cf_fs_state_u64(st, &t[2], UINT64_MAX);
		p->removed = cf_fs_state_u64(st, &t[3], UINT64_MAX);
		p->changed = cf_fs_state_u64(st, &t[4], UINT64_MAX);
		if (p->added > UINT64_MAX - f->added - f->removed ||
		    p->removed > UINT64_MAX - f->added - f->removed - p->added)
			cf_state_die(st, "line counts overflow");
		f->added += p->added;
		f->removed += p->removed;
		f->changed += p->changed;
	}
}

static void unpack_file(struct history *h, struct file_hist *f, const struct cf_state *st,
			const msgpack_object *o)
{
	const msgpack_object *t = state_array(st, o, 2);
	const msgpack_object *c = state_array(st, &t[0], 0);

	if (t[0].via.array.size && !h->nr_ids)
		cf_state_die(st, "commits without ids");
	for (uint32_t i = 0; i < t[0].via.array.size; i++) {
		CF_ALLOC_GROW(f->commits, f->nr + 1, f->alloc);
		f->commits[f->nr++] = cf_fs_state_u64(st, &c[i], h->nr_ids - 1);
	}
	unpack_people(h, f, st, &t[1]);
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct history *h = (struct history *)a;
	const msgpack_object *ids = cf_state_get(st, o, "ids", MSGPACK_OBJECT_BIN);
	uint32_t n;
	const msgpack_object *files = cf_state_array(st, o, "files", &n);

	if (ids->via.bin.size % CF_OID_RAWSZ || ids->via.bin.size / CF_OID_RAWSZ >= UINT32_MAX)
		cf_state_die(st, "'ids' is not a list of object ids");
	h->nr_ids = ids->via.bin.size / CF_OID_RAWSZ;
	CF_ALLOC_GROW(h->ids, h->nr_ids, h->alloc_ids);
	if (h->nr_ids)
		memcpy(h->ids, ids->via.bin.ptr, ids->via.bin.size);
	if (n != a->fs.nr_files)
		cf_state_die(st, "%u histories for %zu files", n, a->fs.nr_files);
	cover_files(h);
	for (uint32_t i = 0; i < n; i++)
		unpack_file(h, &h->files[i], st, &files[i]);
}

static void history_release(struct history *h)
{
	for (size_t i = 0; i < h->alloc_files; i++)
		free_file(&h->files[i]);
	free(h->files);
	free(h->ids);
	cf_fileset_release(&h->a.fs);
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 't' },
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct history h = { 0 };
	int opt;

	h.top = 20;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			cf_usage_exit(usage);
		else if (opt == 't')
			h.top = cf_opt_uint("--top", optarg, 0, UINT32_MAX);
		else if (!cf_fs_option(&h.a, opt, optarg))
			cf_usage_bad(usage);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	h.a.name = "file-history";
	h.a.schema = 1;
	h.a.commit = on_commit;
	h.a.change = on_change;
	h.a.pack_state = pack_state;
	h.a.unpack_state = unpack_state;
	h.a.pack_result = pack_result;
	cf_fs_main(&h.a);
	history_release(&h);
	return 0;
}
