/*
 * Commit and tree parsing, and the tree differ.
 *
 * The differ walks an explicit stack of tree pairs rather than recursing,
 * so a hostile, absurdly deep tree ends in an error instead of a blown
 * stack.  Entries are compared the way git sorts them (a directory as if
 * its name ended in '/'), which also yields git's output order.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/object.h"
#include "cf/odb.h"
#include "cf/usage.h"

/* git refuses deeper trees too (core.maxTreeDepth defaults to 4096). */
#define MAX_TREE_DEPTH 4096

/* ---- commits ---- */

static int parse_hex_line(struct cf_oid *oid, const char *p, const char *end)
{
	if (end - p < CF_OID_HEXSZ + 1 || p[CF_OID_HEXSZ] != '\n')
		return -1;
	return cf_oid_from_hex(oid, p);
}

static int64_t parse_digits(const char **pp, const char *end, int *ok)
{
	const char *p = *pp;
	int64_t v = 0;

	*ok = p < end && *p >= '0' && *p <= '9';
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			*ok = 0;
		else
			v = v * 10 + (*p - '0');
	}
	*pp = p;
	return v;
}

/*
 * "Name <email> 1234567890 +0130".  A malformed date reads as 0 +0000,
 * as git shows it, rather than making the whole commit unreadable.
 */
static int parse_ident(struct cf_ident *id, const char *p, const char *end)
{
	const char *lt = memchr(p, '<', end - p), *gt, *d;
	int ok, ok2;
	int64_t t, tz;

	if (!lt || !(gt = memchr(lt, '>', end - lt)))
		return -1;
	id->name = p;
	id->name_len = lt - p;
	while (id->name_len && id->name[id->name_len - 1] == ' ')
		id->name_len--;
	id->email = lt + 1;
	id->email_len = gt - lt - 1;
	id->time = 0;
	id->tz = 0;
	/* The date follows the last '>', should an email hold another one. */
	for (d = end; d[-1] != '>'; d--)
		;
	while (d < end && *d == ' ')
		d++;
	t = parse_digits(&d, end, &ok);
	if (!ok || d >= end || *d != ' ')
		return 0;
	d++;
	if (end - d < 5 || (*d != '+' && *d != '-'))
		return 0;
	{
		const char *z = d + 1;
		tz = parse_digits(&z, d + 5, &ok2);
		if (!ok2 || z != d + 5)
			return 0;
	}
	id->time = t;
	id->tz = (int)((tz / 100) * 60 + tz % 100) * (*d == '-' ? -1 : 1);
	return 0;
}

int cf_commit_parse(struct cf_commit *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int have_author = 0, have_committer = 0;

	memset(c, 0, sizeof(*c));
	if (len < 5 || memcmp(p, "tree ", 5) || parse_hex_line(&c->tree, p + 5, end))
		return -1;
	p += 5 + CF_OID_HEXSZ + 1;
	while (p < end && *p != '\n') {
		const char *eol = memchr(p, '\n', end - p);
		const char *line_end = eol ? eol : end;

		if (line_end - p >= 7 && !memcmp(p, "parent ", 7)) {
			struct cf_oid parent;
			if (parse_hex_line(&parent, p + 7, end))
				return -1;
			if (c->nr_parents < CF_COMMIT_MAX_PARENTS)
				c->parents[c->nr_parents] = parent;
			c->nr_parents++;
		} else if (line_end - p >= 7 && !memcmp(p, "author ", 7) && !have_author) {
			if (parse_ident(&c->author, p + 7, line_end))
				return -1;
			have_author = 1;
		} else if (line_end - p >= 10 && !memcmp(p, "committer ", 10) && !have_committer) {
			if (parse_ident(&c->committer, p + 10, line_end))
				return -1;
			have_committer = 1;
		}
		/* Other headers (encoding, gpgsig, mergetag...) are skipped. */
		if (!eol)
			return have_author && have_committer ? 0 : -1;
		p = eol + 1;
	}
	if (!have_author || !have_committer)
		return -1;
	if (p < end) {
		c->message = p + 1;
		c->message_len = end - p - 1;
	} else {
		c->message = end;
	}
	return 0;
}

/* ---- trees ---- */

struct tree_entry {
	const char *name;
	size_t name_len;
	uint32_t mode;
	const struct cf_oid *oid;
};

/* One pair of trees being compared, and where each side has got to. */
struct frame {
	struct cf_oid oid[2];
	int has[2];
	struct cf_buf buf[2];
	size_t pos[2];
	struct tree_entry cur[2];
	int valid[2];			/* cur[i] holds the next entry */
	size_t baselen;			/* of the path prefix of this pair */
};

struct differ {
	struct cf_odb *odb;
	struct frame *frames;
	size_t nr, alloc;
	struct cf_buf path;
	cf_tree_change_fn fn;
	void *data;
	uint64_t *gitlinks;	/* submodule changes left out, or NULL */
};

/* Git canonicalizes modes when reading trees; so must we to match it. */
static uint32_t canon_mode(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000:
		return mode & 0100 ? CF_MODE_EXEC : CF_MODE_BLOB;
	case 0120000:
		return CF_MODE_LINK;
	case 0040000:
		return CF_MODE_TREE;
	default:
		return CF_MODE_GITLINK;
	}
}

static int is_file(uint32_t mode)
{
	return mode == CF_MODE_BLOB || mode == CF_MODE_EXEC || mode == CF_MODE_LINK;
}

/* Parses the entry at *pos; returns 1, 0 at the end, -1 when malformed. */
static int next_entry(const struct cf_buf *b, size_t *pos, struct tree_entry *e)
{
	const char *p = b->buf + *pos, *end = b->buf + b->len, *sp, *nul;
	uint32_t mode = 0;

	if (p == end)
		return 0;
	/* Short loops: modes and names are too short to pay for memchr. */
	for (sp = p; sp < end && *sp >= '0' && *sp <= '7' && sp - p < 7; sp++)
		mode = mode << 3 | (uint32_t)(*sp - '0');
	if (sp == p || sp == end || *sp != ' ')
		return -1;
	for (nul = sp + 1; nul < end && *nul; nul++)
		;
	if (nul == end || nul == sp + 1 || end - nul - 1 < CF_OID_RAWSZ)
		return -1;
	e->mode = canon_mode(mode);
	e->name = sp + 1;
	e->name_len = nul - sp - 1;
	e->oid = (const struct cf_oid *)(nul + 1);
	*pos = nul + 1 + CF_OID_RAWSZ - b->buf;
	return 1;
}

/* Git's tree order: a directory compares as if its name ended in '/'. */
static int entry_cmp(const struct tree_entry *a, const struct tree_entry *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	unsigned ca, cb;

	if (c)
		return c;
	ca = n < a->name_len ? (unsigned char)a->name[n] : a->mode == CF_MODE_TREE ? '/' : 0;
	cb = n < b->name_len ? (unsigned char)b->name[n] : b->mode == CF_MODE_TREE ? '/' : 0;
	return (int)ca - (int)cb;
}

static int tree_error(const struct cf_oid *oid, const char *why)
{
	char h[CF_OID_HEXSZ + 1];
	return error("tree %s: %s", cf_oid_to_hex(oid, h), why);
}

/* Makes sure f->cur[side] holds the side's next entry, if it has one. */
static int peek(struct frame *f, int side)
{
	int r;

	if (f->valid[side] || !f->has[side])
		return 0;
	r = next_entry(&f->buf[side], &f->pos[side], &f->cur[side]);
	if (r < 0)
		return tree_error(&f->oid[side], "malformed tree entry");
	if (!r)
		f->has[side] = 0;
	else
		f->valid[side] = 1;
	return 0;
}

static int push(struct differ *d, const struct cf_oid *old, const struct cf_oid *new)
{
	const struct cf_oid *oids[2] = { old, new };
	struct frame *f;

	if (d->nr >= MAX_TREE_DEPTH)
		return tree_error(new ? new : old, "trees nested too deeply");
	if (d->nr == d->alloc) {
		size_t was = d->alloc;
		CF_ALLOC_GROW(d->frames, d->nr + 1, d->alloc);
		for (size_t i = was; i < d->alloc; i++)
			for (int s = 0; s < 2; s++)
				cf_buf_init(&d->frames[i].buf[s], 0);
	}
	f = &d->frames[d->nr];
	f->baselen = d->path.len;
	for (int s = 0; s < 2; s++) {
		enum cf_obj_type type;

		f->has[s] = !!oids[s];
		f->valid[s] = 0;
		f->pos[s] = 0;
		cf_buf_reset(&f->buf[s]);
		if (!oids[s])
			continue;
		f->oid[s] = *oids[s];
		if (cf_odb_read(d->odb, oids[s], &type, &f->buf[s]))
			return tree_error(oids[s], "cannot read tree");
		if (type != CF_OBJ_TREE)
			return tree_error(oids[s], "object is not a tree");
	}
	d->nr++;
	return 0;
}

static int report(struct differ *d, const struct frame *f, char status,
		  const struct tree_entry *old, const struct tree_entry *new)
{
	const struct tree_entry *e = new ? new : old;
	struct cf_tree_change ch = { .status = status };

	cf_buf_setlen(&d->path, f->baselen);
	cf_buf_add(&d->path, e->name, e->name_len);
	ch.path = d->path.buf;
	ch.path_len = d->path.len;
	if (old) {
		ch.old_oid = *old->oid;
		ch.old_mode = old->mode;
	}
	if (new) {
		ch.new_oid = *new->oid;
		ch.new_mode = new->mode;
	}
	return d->fn(&ch, d->data);
}

/* Descends into a subtree pair, named by the entry e of frame f. */
static int descend(struct differ *d, size_t frame, const struct tree_entry *e,
		   const struct cf_oid *old, const struct cf_oid *new)
{
	cf_buf_setlen(&d->path, d->frames[frame].baselen);
	cf_buf_add(&d->path, e->name, e->name_len);
	cf_buf_addch(&d->path, '/');
	return push(d, old, new);
}

/*
 * One entry present on one side only: a file is reported, a directory is
 * walked (against nothing), a gitlink is skipped.
 */
static void count_gitlink(struct differ *d, uint32_t mode)
{
	if (mode == CF_MODE_GITLINK && d->gitlinks)
		(*d->gitlinks)++;
}

static int one_side(struct differ *d, size_t fi, int side)
{
	struct frame *f = &d->frames[fi];
	struct tree_entry e = f->cur[side];

	f->valid[side] = 0;
	if (e.mode == CF_MODE_TREE)
		return descend(d, fi, &e, side ? NULL : e.oid, side ? e.oid : NULL);
	if (!is_file(e.mode)) {
		count_gitlink(d, e.mode);
		return 0;
	}
	return side ? report(d, f, 'A', NULL, &e) : report(d, f, 'D', &e, NULL);
}

static int both_sides(struct differ *d, size_t fi)
{
	struct frame *f = &d->frames[fi];
	struct tree_entry a = f->cur[0], b = f->cur[1];

	f->valid[0] = f->valid[1] = 0;
	if (a.mode == b.mode && !cf_oid_cmp(a.oid, b.oid))
		return 0;
	if (a.mode == CF_MODE_TREE)	/* then b is a tree too: they compared equal */
		return descend(d, fi, &a, a.oid, b.oid);
	if (!is_file(a.mode) && !is_file(b.mode)) {
		count_gitlink(d, a.mode == CF_MODE_GITLINK ? a.mode : b.mode);
		return 0;
	}
	if (!is_file(a.mode)) {
		count_gitlink(d, a.mode);
		return report(d, f, 'A', NULL, &b);
	}
	if (!is_file(b.mode)) {
		count_gitlink(d, b.mode);
		return report(d, f, 'D', &a, NULL);
	}
	return report(d, f, 'M', &a, &b);
}

/*
 * Skips entries that are byte for byte the same on both sides, the bulk of
 * any two versions of a tree, without parsing the second copy.  Entries
 * that are equal are never reported, so they need no validation either.
 */
static void skip_common(struct frame *f)
{
	const char *a0 = f->buf[0].buf, *a = a0 + f->pos[0], *end_a = a0 + f->buf[0].len;
	const char *b0 = f->buf[1].buf, *b = b0 + f->pos[1], *end_b = b0 + f->buf[1].len;

	while (a < end_a) {
		const char *nul = memchr(a, '\0', end_a - a);
		size_t n;

		if (!nul || end_a - nul - 1 < CF_OID_RAWSZ)
			break;
		n = nul + 1 + CF_OID_RAWSZ - a;
		if ((size_t)(end_b - b) < n || memcmp(a, b, n))
			break;
		a += n;
		b += n;
	}
	f->pos[0] = a - a0;
	f->pos[1] = b - b0;
}

/* Advances the top frame by one step. */
static int step(struct differ *d)
{
	size_t fi = d->nr - 1;
	struct frame *f = &d->frames[fi];
	int c;

	if (!f->valid[0] && !f->valid[1] && f->has[0] && f->has[1])
		skip_common(f);
	if (peek(f, 0) || peek(f, 1))
		return -1;
	if (!f->valid[0] && !f->valid[1]) {
		d->nr--;
		return 0;
	}
	if (!f->valid[1])
		return one_side(d, fi, 0);
	if (!f->valid[0])
		return one_side(d, fi, 1);
	c = entry_cmp(&f->cur[0], &f->cur[1]);
	if (c)
		return one_side(d, fi, c > 0);
	return both_sides(d, fi);
}

int cf_tree_diff(struct cf_odb *odb, const struct cf_oid *old, const struct cf_oid *new,
		 cf_tree_change_fn fn, void *data)
{
	return cf_tree_diff_counted(odb, old, new, fn, data, NULL);
}

int cf_tree_diff_counted(struct cf_odb *odb, const struct cf_oid *old, const struct cf_oid *new,
			 cf_tree_change_fn fn, void *data, uint64_t *gitlinks)
{
	struct differ d = { .odb = odb, .fn = fn, .data = data, .gitlinks = gitlinks };
	int ret = 0;

	cf_buf_init(&d.path, 256);
	if (old && new && !cf_oid_cmp(old, new))
		goto out;
	if ((ret = push(&d, old, new)))
		goto out;
	while (d.nr && !(ret = step(&d)))
		;
out:
	for (size_t i = 0; i < d.alloc; i++)
		for (int s = 0; s < 2; s++)
			cf_buf_release(&d.frames[i].buf[s]);
	free(d.frames);
	cf_buf_release(&d.path);
	return ret;
}
