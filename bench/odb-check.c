/*
 * odb-check: verifies common/odb.c and common/object.c against git, and
 * times them.  Not built by the Makefile; build it by hand:
 *
 *	make O=/tmp/cf /tmp/cf/build/libcf.a
 *	cc -std=c11 -D_GNU_SOURCE -O2 -g -Iinclude bench/odb-check.c \
 *		/tmp/cf/build/libcf.a -lz -lm -o /tmp/cf/odb-check
 *
 * Modes (GITDIR is a git directory, e.g. a bare clone):
 *
 *	odb-check log GITDIR COMMIT	first-parent history from COMMIT with
 *					each commit diffed against its first
 *					parent, in the format of
 *		git log --first-parent --format=%H --raw --no-renames --no-abbrev
 *	odb-check cat GITDIR <ids	like git cat-file --batch
 *	odb-check check GITDIR <ids	like git cat-file --batch-check
 *	odb-check sort GITDIR <ids	the ids in cf_odb_locality() order
 *
 * Verification (gitlinks are skipped by cf_tree_diff, so drop them from
 * git's side; blank lines differ only around commits without changes):
 *
 *	R=/work/.mirror/git+git/repo; C=$(git -C $R rev-parse HEAD)
 *	odb-check log $R $C | grep -v '^$' >ours
 *	git -C $R log --first-parent --format=%H --raw --no-renames \
 *		--no-abbrev $C | grep -v '^$' | grep -v '^:[0-7]* 160000 \|^:160000 ' >theirs
 *	cmp ours theirs
 *	git -C $R cat-file --batch-all-objects --batch-check='%(objectname)' >ids
 *	odb-check cat $R <ids | cmp - <(git -C $R cat-file --batch <ids)
 *	odb-check check $R <ids | cmp - <(git -C $R cat-file --batch-check <ids)
 *
 * Timing: the blobs of modified files along first-parent history, sorted
 * by pack offset, read by both:
 *
 *	odb-check log $R $C | awk '$5 == "M" { print $3; print $4 }' |
 *		sort -u | odb-check sort $R >blobs
 *	time odb-check cat $R <blobs >/dev/null
 *	time git -C $R cat-file --batch <blobs >/dev/null
 *	time odb-check log $R $C >/dev/null
 *	time git -C $R log --first-parent --raw --no-renames $C >/dev/null
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/object.h"
#include "cf/odb.h"
#include "cf/oid.h"
#include "cf/usage.h"

static const char *type_names[] = { "none", "commit", "tree", "blob", "tag" };

static void write_out(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n)
		die_errno("write failure on standard output");
}

/* Quotes a path the way git does with core.quotePath on. */
static void put_path(struct cf_buf *out, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f)
			break;
	}
	if (i == n) {
		cf_buf_add(out, p, n);
		return;
	}
	cf_buf_addch(out, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		const char *esc = strchr("\a\b\t\n\v\f\r\"\\", c);
		if (c && esc)
			cf_buf_addf(out, "\\%c", "abtnvfr\"\\"[esc - "\a\b\t\n\v\f\r\"\\"]);
		else if (c < 0x20 || c >= 0x7f)
			cf_buf_addf(out, "\\%03o", c);
		else
			cf_buf_addch(out, c);
	}
	cf_buf_addch(out, '"');
}

static int print_change(const struct cf_tree_change *ch, void *data)
{
	struct cf_buf *out = data;
	char a[CF_OID_HEXSZ + 1], b[CF_OID_HEXSZ + 1];
	char status = ch->status;

	if (status == 'M' && (ch->old_mode & 0170000) != (ch->new_mode & 0170000))
		status = 'T';
	cf_buf_addf(out, ":%06o %06o %s %s %c\t", ch->old_mode, ch->new_mode,
		    cf_oid_to_hex(&ch->old_oid, a), cf_oid_to_hex(&ch->new_oid, b), status);
	put_path(out, ch->path, ch->path_len);
	cf_buf_addch(out, '\n');
	return 0;
}

static int cmd_log(struct cf_odb *odb, const char *start)
{
	struct cf_buf obj = CF_BUF_INIT, out = CF_BUF_INIT;
	struct cf_oid oid, parent_tree;
	struct cf_commit c;
	char h[CF_OID_HEXSZ + 1];

	if (strlen(start) != CF_OID_HEXSZ || cf_oid_from_hex(&oid, start))
		die("not a commit id: %s", start);
	for (;;) {
		enum cf_obj_type type;
		struct cf_oid tree, next;
		int has_parent;

		if (cf_odb_read(odb, &oid, &type, &obj) || type != CF_OBJ_COMMIT)
			die("commit %s: cannot read", cf_oid_to_hex(&oid, h));
		if (cf_commit_parse(&c, obj.buf, obj.len))
			die("commit %s: malformed", cf_oid_to_hex(&oid, h));
		tree = c.tree;
		has_parent = c.nr_parents > 0;
		next = c.parents[0];
		if (has_parent) {
			if (cf_odb_read(odb, &next, &type, &obj) || type != CF_OBJ_COMMIT ||
			    cf_commit_parse(&c, obj.buf, obj.len))
				die("commit %s: cannot read", cf_oid_to_hex(&next, h));
			parent_tree = c.tree;
		}
		cf_buf_reset(&out);
		cf_buf_addf(&out, "%s\n", cf_oid_to_hex(&oid, h));
		size_t head = out.len;
		cf_buf_addch(&out, '\n');
		if (cf_tree_diff(odb, has_parent ? &parent_tree : NULL, &tree, print_change, &out))
			die("commit %s: tree diff failed", h);
		write_out(out.buf, out.len > head + 1 ? out.len : head);
		if (!has_parent)
			break;
		oid = next;
	}
	cf_buf_release(&obj);
	cf_buf_release(&out);
	return 0;
}

static int read_id(struct cf_oid *oid, char *line, size_t size)
{
	size_t n;

	if (!fgets(line, size, stdin))
		return 0;
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n != CF_OID_HEXSZ || cf_oid_from_hex(oid, line))
		die("not an object id: %s", line);
	return 1;
}

static int cmd_cat(struct cf_odb *odb, int contents)
{
	struct cf_buf obj = CF_BUF_INIT;
	struct cf_oid oid;
	char line[256];

	while (read_id(&oid, line, sizeof(line))) {
		enum cf_obj_type type;
		size_t size;

		if (contents ? cf_odb_read(odb, &oid, &type, &obj) :
		    cf_odb_read_header(odb, &oid, &type, &size)) {
			printf("%s missing\n", line);
			continue;
		}
		printf("%s %s %zu\n", line, type_names[type], contents ? obj.len : size);
		if (contents) {
			write_out(obj.buf, obj.len);
			putchar('\n');
		}
	}
	cf_buf_release(&obj);
	return 0;
}

struct keyed {
	uint64_t key;
	struct cf_oid oid;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return cf_oid_cmp(&x->oid, &y->oid);
}

static int cmd_sort(struct cf_odb *odb)
{
	struct keyed *v = NULL;
	size_t nr = 0, alloc = 0;
	char line[256], h[CF_OID_HEXSZ + 1];
	struct cf_oid oid;

	while (read_id(&oid, line, sizeof(line))) {
		CF_ALLOC_GROW(v, nr + 1, alloc);
		v[nr].oid = oid;
		v[nr++].key = cf_odb_locality(odb, &oid);
	}
	qsort(v, nr, sizeof(*v), cmp_keyed);
	for (size_t i = 0; i < nr; i++)
		printf("%s\n", cf_oid_to_hex(&v[i].oid, h));
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	static char obuf[1 << 16];
	struct cf_odb *odb;
	const char *cache = getenv("ODB_CHECK_CACHE");
	int ret;

	cf_progname = "odb-check";
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (argc < 3)
		usage_error("usage: odb-check (log GITDIR COMMIT | cat | check | sort GITDIR)");
	odb = cf_odb_open(argv[2], cache ? strtoull(cache, NULL, 10) : 0);
	if (!odb)
		return 1;
	if (!strcmp(argv[1], "log") && argc == 4)
		ret = cmd_log(odb, argv[3]);
	else if (!strcmp(argv[1], "cat"))
		ret = cmd_cat(odb, 1);
	else if (!strcmp(argv[1], "check"))
		ret = cmd_cat(odb, 0);
	else if (!strcmp(argv[1], "sort"))
		ret = cmd_sort(odb);
	else
		usage_error("unknown mode: %s", argv[1]);
	cf_odb_free(odb);
	if (fflush(stdout))
		die_errno("write failure on standard output");
	return ret;
}
