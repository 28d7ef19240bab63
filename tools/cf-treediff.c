/*
 * cf-treediff: after each commit record, the files the commit changed
 * against its first parent, as "change" records in git's path order, with
 * renames paired (cf/rename.h) and the scope filters applied (cf/scope.h);
 * a "scope" record at the end of the stream counts what was left out.
 *
 * Trees are read through the fast object reader (cf/odb.h), not libgit2.
 * The parent's tree is usually the tree of the commit record just before
 * (a first-parent stream); otherwise the parent commit is read.  Changes
 * are gathered per commit before they are written, so that whole-commit
 * passes (rename pairing, path filters) have a place to go.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/object.h"
#include "cf/odb.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/rename.h"
#include "cf/repo.h"
#include "cf/scope.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-treediff [options] REPO\n"
"\n"
"Reads a record stream from cf-revlist and adds, after each commit record,\n"
"one change record per file the commit added, deleted, modified or renamed\n"
"against its first parent.\n"
"\n"
"  -M, --find-renames[=N]  pair renames of N% similarity or more (default 50)\n"
"      --no-renames        no rename detection\n"
"      --rename-limit N    only exact renames when deleted x added files\n"
"                          left exceed N^2 (default 1000; 0: no limit)\n"
"      --include GLOB      only paths matching GLOB (repeatable)\n"
"      --exclude GLOB      leave out paths matching GLOB (repeatable)\n"
"      --skip-vendored     leave out vendored, minified, lock and generated files\n"
"      --languages LIST    only files of these languages (comma-separated)\n"
"      --delta-cache-size SIZE  resolved trees kept for the delta chains of\n"
"                          the next ones (default 16MiB)\n"
"  -h, --help              show this help\n";

struct change {
	char status;		/* 'A', 'D', 'M', 'R'; 0: paired into a rename */
	size_t path;		/* offset into change_list.paths (NUL-terminated) */
	size_t path_len;
	size_t old_path, old_path_len;	/* renames */
	unsigned score;
	struct cf_oid old_oid, new_oid;
	uint32_t old_mode, new_mode;
};

/* The changes of one commit; reused from commit to commit. */
struct change_list {
	struct change *items;
	size_t nr, alloc;
	struct cf_buf paths;
};

struct commit_info {
	uint64_t n;
	struct cf_oid id, tree;
	struct cf_oid parent;	/* the first parent */
	int has_parent;
	uint32_t nr_parents;
};

/* What the scope record reports. */
struct counts {
	uint64_t excluded, vendored, language, gitlinks;
	uint64_t exact, similar, limited_commits;
};

struct treediff {
	struct cf_odb *odb;
	uint64_t delta_cache;	/* bytes, 0: the reader's default */
	struct cf_writer w;
	struct change_list changes;
	struct cf_buf obj;	/* scratch for reading parent commits */
	struct cf_oid prev_id, prev_tree;
	int has_prev;
	int full_history;	/* the stream record says so: merges have no changes */

	int renames;
	struct cf_rename_opts rename_opt;
	struct cf_renames det;
	struct cf_rename_file *rsrc, *rdst;
	size_t *rdst_at;	/* index of each destination in changes */
	size_t *rsrc_at;
	size_t alloc_src, alloc_dst;

	struct cf_scope scope;
	struct counts counts;
};

static int collect(const struct cf_tree_change *ch, void *data)
{
	struct change_list *l = data;
	struct change *c;

	CF_ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	c = &l->items[l->nr++];
	c->status = ch->status;
	c->path = l->paths.len;
	c->path_len = ch->path_len;
	cf_buf_add(&l->paths, ch->path, ch->path_len);
	cf_buf_addch(&l->paths, '\0');
	c->old_oid = ch->old_oid;
	c->new_oid = ch->new_oid;
	c->old_mode = ch->old_mode;
	c->new_mode = ch->new_mode;
	return 0;
}

static void read_commit_record(const struct cf_record *rec, struct commit_info *ci)
{
	const msgpack_object *parents;
	uint32_t nr;

	ci->n = cf_rec_u64(rec, "n");
	cf_rec_oid(rec, "id", &ci->id);
	cf_rec_oid(rec, "tree", &ci->tree);
	parents = cf_rec_array(rec, "parents", &nr);
	ci->has_parent = nr > 0;
	ci->nr_parents = nr;
	if (!nr)
		return;
	if (parents[0].type != MSGPACK_OBJECT_BIN || parents[0].via.bin.size != CF_OID_RAWSZ)
		cf_rec_die(rec, "'commit': 'parents' must hold ids");
	memcpy(ci->parent.id, parents[0].via.bin.ptr, CF_OID_RAWSZ);
}

/* The first parent's tree: remembered from the record before, or read. */
static void parent_tree(struct treediff *td, const struct commit_info *ci, struct cf_oid *tree)
{
	char hex[CF_OID_HEXSZ + 1], phex[CF_OID_HEXSZ + 1];
	enum cf_obj_type type;
	struct cf_commit parent;

	if (td->has_prev && !cf_oid_cmp(&td->prev_id, &ci->parent)) {
		*tree = td->prev_tree;
		return;
	}
	cf_oid_to_hex(&ci->id, hex);
	cf_oid_to_hex(&ci->parent, phex);
	if (cf_odb_read(td->odb, &ci->parent, &type, &td->obj) < 0)
		die("commit %s: cannot read its parent %s", hex, phex);
	if (type != CF_OBJ_COMMIT || cf_commit_parse(&parent, td->obj.buf, td->obj.len) < 0)
		die("commit %s: its parent %s is not a well-formed commit", hex, phex);
	*tree = parent.tree;
}

/* ---- renames ---- */

static struct cf_rename_file *rename_file(struct treediff *td, const struct change *c,
					  struct cf_rename_file *f, int new_side)
{
	f->path = td->changes.paths.buf + c->path;
	f->path_len = c->path_len;
	f->oid = new_side ? c->new_oid : c->old_oid;
	f->mode = new_side ? c->new_mode : c->old_mode;
	return f;
}

/* The deleted files (sources) and added files (destinations), in path order. */
static void rename_candidates(struct treediff *td, size_t *nr_src, size_t *nr_dst)
{
	const struct change_list *l = &td->changes;
	size_t ns = 0, nd = 0;

	for (size_t i = 0; i < l->nr; i++) {
		const struct change *c = &l->items[i];
		if (c->status == 'D') {
			CF_ALLOC_GROW(td->rsrc, ns + 1, td->alloc_src);
			td->rsrc_at = xrealloc(td->rsrc_at, st_mult(td->alloc_src, sizeof(size_t)));
			rename_file(td, c, &td->rsrc[ns], 0);
			td->rsrc_at[ns++] = i;
		} else if (c->status == 'A') {
			CF_ALLOC_GROW(td->rdst, nd + 1, td->alloc_dst);
			td->rdst_at = xrealloc(td->rdst_at, st_mult(td->alloc_dst, sizeof(size_t)));
			rename_file(td, c, &td->rdst[nd], 1);
			td->rdst_at[nd++] = i;
		}
	}
	*nr_src = ns;
	*nr_dst = nd;
}

/*
 * A paired destination becomes the rename, in its place in path order, as
 * git shows it; the deletion it came from is dropped.
 */
static void pair_renames(struct treediff *td, const struct commit_info *ci)
{
	struct change_list *l = &td->changes;
	size_t ns, nd;
	char hex[CF_OID_HEXSZ + 1];

	rename_candidates(td, &ns, &nd);
	if (!ns || !nd)
		return;
	if (cf_renames_find(&td->det, td->odb, &td->rename_opt, td->rsrc, ns, td->rdst, nd) < 0)
		die("commit %s: cannot read a blob for rename detection",
		    cf_oid_to_hex(&ci->id, hex));
	td->counts.limited_commits += td->det.limited;
	for (size_t k = 0; k < nd; k++) {
		struct change *dst, *src;

		if (td->det.src[k] == SIZE_MAX)
			continue;
		dst = &l->items[td->rdst_at[k]];
		src = &l->items[td->rsrc_at[td->det.src[k]]];
		dst->status = 'R';
		dst->old_path = src->path;
		dst->old_path_len = src->path_len;
		dst->old_oid = src->old_oid;
		dst->old_mode = src->old_mode;
		dst->score = td->det.score[k];
		src->status = 0;
	}
}

/* ---- scope ---- */

static int in_scope(struct treediff *td, const struct change *c)
{
	const char *paths = td->changes.paths.buf;
	int rename = c->status == 'R';

	switch (cf_scope_check(&td->scope, paths + c->path, c->path_len,
			       rename ? paths + c->old_path : NULL, c->old_path_len)) {
	case CF_SCOPE_KEEP:
		if (rename && c->score == 100 && !cf_oid_cmp(&c->old_oid, &c->new_oid))
			td->counts.exact++;
		else if (rename)
			td->counts.similar++;
		return 1;
	case CF_SCOPE_EXCLUDED:
		td->counts.excluded++;
		break;
	case CF_SCOPE_VENDORED:
		td->counts.vendored++;
		break;
	case CF_SCOPE_LANGUAGE:
		td->counts.language++;
		break;
	}
	return 0;
}

/* ---- output ---- */

static void write_change(struct treediff *td, uint64_t n, const struct change *c)
{
	const char *paths = td->changes.paths.buf;
	int has_old = c->status != 'A', has_new = c->status != 'D';
	int rename = c->status == 'R';
	msgpack_packer *pk = cf_writer_begin(&td->w, CF_REC_CHANGE, 1,
					     5 + has_old + has_new + 2 * rename);

	cf_pack_kv_u64(pk, "n", n);
	cf_pack_str(pk, "s");
	cf_pack_strn(pk, &c->status, 1);
	cf_pack_str(pk, "path");
	cf_pack_strn(pk, paths + c->path, c->path_len);
	if (rename) {
		cf_pack_str(pk, "old_path");
		cf_pack_strn(pk, paths + c->old_path, c->old_path_len);
	}
	if (has_old)
		cf_pack_kv_oid(pk, "old", &c->old_oid);
	if (has_new)
		cf_pack_kv_oid(pk, "new", &c->new_oid);
	cf_pack_kv_u64(pk, "old_mode", c->old_mode);
	cf_pack_kv_u64(pk, "new_mode", c->new_mode);
	if (rename)
		cf_pack_kv_u64(pk, "score", c->score);
	cf_writer_end(&td->w);
}

static void write_changes(struct treediff *td, uint64_t n)
{
	const struct change_list *l = &td->changes;

	for (size_t i = 0; i < l->nr; i++) {
		const struct change *c = &l->items[i];

		if (!c->status || !in_scope(td, c))
			continue;
		write_change(td, n, c);
	}
}

static void diff_commit(struct treediff *td, const struct cf_record *rec)
{
	struct commit_info ci;
	struct cf_oid old;
	char hex[CF_OID_HEXSZ + 1];

	read_commit_record(rec, &ci);
	td->changes.nr = 0;
	cf_buf_reset(&td->changes.paths);
	/* as git log --no-merges counts: a merge's lines are its branches' */
	if (td->full_history && ci.nr_parents > 1)
		goto done;
	if (ci.has_parent)
		parent_tree(td, &ci, &old);
	if (cf_tree_diff_counted(td->odb, ci.has_parent ? &old : NULL, &ci.tree,
				 collect, &td->changes, &td->counts.gitlinks))
		die("commit %s: cannot compare its tree with its parent's",
		    cf_oid_to_hex(&ci.id, hex));
	if (td->renames)
		pair_renames(td, &ci);
	write_changes(td, ci.n);
done:
	td->prev_id = ci.id;
	td->prev_tree = ci.tree;
	td->has_prev = 1;
}

static void write_scope(struct treediff *td)
{
	const struct counts *c = &td->counts;
	msgpack_packer *pk = cf_writer_begin(&td->w, "scope", 1, 2);

	cf_pack_str(pk, "skipped");
	msgpack_pack_map(pk, 4);
	cf_pack_kv_u64(pk, "excluded", c->excluded);
	cf_pack_kv_u64(pk, "vendored", c->vendored);
	cf_pack_kv_u64(pk, "language", c->language);
	cf_pack_kv_u64(pk, "gitlinks", c->gitlinks);
	cf_pack_str(pk, "renames");
	msgpack_pack_map(pk, 3);
	cf_pack_kv_u64(pk, "exact", c->exact);
	cf_pack_kv_u64(pk, "similar", c->similar);
	cf_pack_kv_u64(pk, "limited_commits", c->limited_commits);
	cf_writer_end(&td->w);
}

static void run(struct treediff *td)
{
	struct cf_reader r;
	struct cf_record rec;
	int have_stream = 0;

	cf_reader_init(&r, 0);
	for (;;) {
		/* downstream must see what we have before we wait for more */
		if (!cf_reader_ready(&r))
			cf_writer_flush(&td->w);
		if (!cf_reader_next(&r, &rec))
			break;
		cf_writer_raw(&td->w, rec.raw, rec.raw_len);
		if (cf_rec_is(&rec, CF_REC_COMMIT)) {
			diff_commit(td, &rec);
		} else if (cf_rec_is(&rec, CF_REC_STREAM) && !have_stream) {
			const msgpack_object *fp = cf_rec_get(&rec, "first_parent");
			have_stream = 1;
			td->full_history = fp && !cf_rec_bool(&rec, "first_parent");
		}
	}
	/* nothing to count without a stream (and empty input stays empty) */
	if (have_stream)
		write_scope(td);
	cf_reader_release(&r);
}

enum {
	OPT_NO_RENAMES = 256, OPT_RENAME_LIMIT, OPT_INCLUDE, OPT_EXCLUDE,
	OPT_SKIP_VENDORED, OPT_LANGUAGES, OPT_DELTA_CACHE,
};

static void parse_options(struct treediff *td, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "find-renames", optional_argument, NULL, 'M' },
		{ "no-renames", no_argument, NULL, OPT_NO_RENAMES },
		{ "rename-limit", required_argument, NULL, OPT_RENAME_LIMIT },
		{ "include", required_argument, NULL, OPT_INCLUDE },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "skip-vendored", no_argument, NULL, OPT_SKIP_VENDORED },
		{ "languages", required_argument, NULL, OPT_LANGUAGES },
		{ "delta-cache-size", required_argument, NULL, OPT_DELTA_CACHE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bad;
	int c;

	while ((c = getopt_long(argc, argv, "M::h", longopts, NULL)) != -1) {
		switch (c) {
		case 'M':
			td->renames = 1;
			if (optarg)
				td->rename_opt.min_percent =
					cf_opt_uint("--find-renames", optarg, 0, 100);
			break;
		case OPT_NO_RENAMES: td->renames = 0; break;
		case OPT_RENAME_LIMIT:
			td->rename_opt.limit = cf_opt_uint("--rename-limit", optarg, 0, UINT32_MAX);
			break;
		case OPT_INCLUDE: cf_scope_include(&td->scope, optarg); break;
		case OPT_EXCLUDE: cf_scope_exclude(&td->scope, optarg); break;
		case OPT_SKIP_VENDORED: td->scope.vendored = 1; break;
		case OPT_LANGUAGES:
			if (cf_scope_languages(&td->scope, optarg, &bad) < 0)
				usage_error("--languages: unknown language '%s'", bad);
			break;
		case OPT_DELTA_CACHE:
			td->delta_cache = cf_opt_size("--delta-cache-size", optarg);
			if (td->delta_cache < (1u << 20) || td->delta_cache > (1ull << 40))
				usage_error("--delta-cache-size: between 1MiB and 1TiB");
			break;
		case 'h': cf_usage_exit(usage);
		default: cf_usage_bad(usage);
		}
	}
}

int cmd_main(int argc, char **argv)
{
	struct treediff td = {
		.renames = 1,
		.rename_opt = { .min_percent = 50, .limit = 1000 },
	};
	git_repository *repo;

	cf_scope_init(&td.scope);
	parse_options(&td, argc, argv);
	if (argc - optind != 1)
		usage_error(optind < argc ? "too many arguments" : "missing REPO");
	repo = cf_repo_open(argv[optind]);
	td.odb = cf_odb_open(cf_repo_gitdir(repo), (size_t)td.delta_cache);
	if (!td.odb)
		die("cannot read the objects of '%s'", argv[optind]);
	cf_buf_init(&td.changes.paths, 4096);
	cf_renames_init(&td.det);
	cf_writer_init(&td.w, 1);
	run(&td);
	cf_writer_release(&td.w);
	cf_buf_release(&td.changes.paths);
	cf_buf_release(&td.obj);
	free(td.changes.items);
	free(td.rsrc);
	free(td.rdst);
	free(td.rsrc_at);
	free(td.rdst_at);
	cf_renames_release(&td.det);
	cf_scope_release(&td.scope);
	cf_odb_free(td.odb);
	cf_repo_close(repo);
	return 0;
}
