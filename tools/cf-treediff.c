/*
 * cf-treediff: after each commit record, the files the commit changed
 * against its first parent, as "change" records in git's path order.
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
#include "cf/repo.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-treediff [options] REPO\n"
"\n"
"Reads a record stream from cf-revlist and adds, after each commit record,\n"
"one change record per file the commit added, deleted or modified against\n"
"its first parent.\n"
"\n"
"  -h, --help   show this help\n";

struct change {
	char status;
	size_t path;		/* offset into change_list.paths */
	size_t path_len;
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
};

struct treediff {
	struct cf_odb *odb;
	struct cf_writer w;
	struct change_list changes;
	struct cf_buf obj;	/* scratch for reading parent commits */
	struct cf_oid prev_id, prev_tree;
	int has_prev;
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

static void write_changes(struct treediff *td, uint64_t n)
{
	const struct change_list *l = &td->changes;

	for (size_t i = 0; i < l->nr; i++) {
		const struct change *c = &l->items[i];
		int has_old = c->status != 'A', has_new = c->status != 'D';
		msgpack_packer *pk = cf_writer_begin(&td->w, CF_REC_CHANGE, 1,
						     5 + has_old + has_new);

		cf_pack_kv_u64(pk, "n", n);
		cf_pack_str(pk, "s");
		cf_pack_strn(pk, &c->status, 1);
		cf_pack_str(pk, "path");
		cf_pack_strn(pk, l->paths.buf + c->path, c->path_len);
		if (has_old)
			cf_pack_kv_oid(pk, "old", &c->old_oid);
		if (has_new)
			cf_pack_kv_oid(pk, "new", &c->new_oid);
		cf_pack_kv_u64(pk, "old_mode", c->old_mode);
		cf_pack_kv_u64(pk, "new_mode", c->new_mode);
		cf_writer_end(&td->w);
	}
}

static void diff_commit(struct treediff *td, const struct cf_record *rec)
{
	struct commit_info ci;
	struct cf_oid old;
	char hex[CF_OID_HEXSZ + 1];

	read_commit_record(rec, &ci);
	if (ci.has_parent)
		parent_tree(td, &ci, &old);
	td->changes.nr = 0;
	cf_buf_reset(&td->changes.paths);
	if (cf_tree_diff(td->odb, ci.has_parent ? &old : NULL, &ci.tree,
			 collect, &td->changes))
		die("commit %s: cannot compare its tree with its parent's",
		    cf_oid_to_hex(&ci.id, hex));
	write_changes(td, ci.n);
	td->prev_id = ci.id;
	td->prev_tree = ci.tree;
	td->has_prev = 1;
}

static void run(struct treediff *td)
{
	struct cf_reader r;
	struct cf_record rec;

	cf_reader_init(&r, 0);
	for (;;) {
		/* downstream must see what we have before we wait for more */
		if (!cf_reader_ready(&r))
			cf_writer_flush(&td->w);
		if (!cf_reader_next(&r, &rec))
			break;
		cf_writer_raw(&td->w, rec.raw, rec.raw_len);
		if (cf_rec_is(&rec, CF_REC_COMMIT))
			diff_commit(td, &rec);
	}
	cf_reader_release(&r);
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct treediff td = { 0 };
	git_repository *repo;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h')
			cf_usage_exit(usage);
		cf_usage_bad(usage);
	}
	if (argc - optind != 1)
		usage_error(optind < argc ? "too many arguments" : "missing REPO");
	repo = cf_repo_open(argv[optind]);
	td.odb = cf_odb_open(cf_repo_gitdir(repo), 0);
	if (!td.odb)
		die("cannot read the objects of '%s'", argv[optind]);
	cf_buf_init(&td.changes.paths, 4096);
	cf_writer_init(&td.w, 1);
	run(&td);
	cf_writer_release(&td.w);
	cf_buf_release(&td.changes.paths);
	cf_buf_release(&td.obj);
	free(td.changes.items);
	cf_odb_free(td.odb);
	cf_repo_close(repo);
	return 0;
}
