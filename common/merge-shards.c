/*
 * Commit-range shards of one repository (cf-reduce --shards): the chain the
 * stream records must form, the stream record of the whole chain, and the
 * results of the shards combined into the result of the whole range before
 * the fleet rules see them.
 *
 * A shard's excluded end ("base", cf-records(5)) is the head of the shard
 * before it, so the shards' commits are disjoint and follow one another.
 * Only results that are sums over commits combine exactly: devs and the
 * per-commit analyzers of syntax records by their fleet rules (ticks
 * aligned on calendar time), couples and file-history by following every
 * file across the shards with their "shard" maps (cf/fileset.h: where each
 * file was met first, which paths a rename emptied), as one fileset would
 * have followed it through the whole range.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/oid.h"
#include "cf/record.h"
#include "cf/usage.h"
#include "cf/writer.h"
#include "merge-int.h"

/* ---- the chain ---- */

struct link {
	size_t part;
	const msgpack_object *head, *base;	/* base NULL: the chain's start */
};

static const msgpack_object *stream_id(const struct mg_part *p, const char *key, int need)
{
	const msgpack_object *o = cf_obj_get(p->stream, key);

	if (!o && !need)
		return NULL;
	if (!o || o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != CF_OID_RAWSZ)
		die_data("record %llu: the stream record of shard '%s' has no '%s' id",
			 (unsigned long long)p->record, p->name, key);
	return o;
}

static int same_id(const msgpack_object *a, const msgpack_object *b)
{
	return a && b && !memcmp(a->via.bin.ptr, b->via.bin.ptr, CF_OID_RAWSZ);
}

static int same_value(const msgpack_object *a, const msgpack_object *b)
{
	return a && b ? msgpack_object_equal(*a, *b) : a == b;
}

/* first_parent and tick_size decide which commits and ticks a shard has. */
static void check_alike(const struct mg_part *a, const struct mg_part *b)
{
	static const char *const keys[] = { "first_parent", "tick_size" };

	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
		if (!same_value(cf_obj_get(a->stream, keys[k]), cf_obj_get(b->stream, keys[k])))
			die("records %llu and %llu: shards of '%s' with different %s",
			    (unsigned long long)a->record, (unsigned long long)b->record, a->name,
			    keys[k]);
}

static void check_pair(const struct mg_part *parts, const struct link *a, const struct link *b)
{
	const struct mg_part *pa = &parts[a->part], *pb = &parts[b->part];
	unsigned long long ra = pa->record, rb = pb->record;

	check_alike(pa, pb);
	if (same_id(a->head, b->head) && (same_id(a->base, b->base) || (!a->base && !b->base)))
		die("records %llu and %llu: the same shard of '%s' twice", ra, rb, pa->name);
	if (same_id(a->head, b->head))
		die("records %llu and %llu: shards of '%s' overlap (both end at the same commit)",
		    ra, rb, pa->name);
	if (same_id(a->base, b->base) || (!a->base && !b->base))
		die("records %llu and %llu: shards of '%s' overlap (both start after the same"
		    " commit, or both at the root)", ra, rb, pa->name);
}

/* The link whose head is id, or NULL. */
static struct link *after(struct link *v, size_t n, const msgpack_object *id)
{
	for (size_t k = 0; k < n; k++)
		if (same_id(v[k].head, id))
			return &v[k];
	return NULL;
}

/* Orders the n parts of one repository (v) into a chain, or dies naming the gap. */
static void chain_one(struct mg_part *parts, struct link *v, size_t n)
{
	struct link *start = NULL, *cur;
	size_t pos = 0;

	for (size_t k = 0; k < n; k++) {
		v[k].head = stream_id(&parts[v[k].part], "head", 1);
		v[k].base = stream_id(&parts[v[k].part], "base", 0);
	}
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			check_pair(parts, &v[a], &v[b]);
	for (size_t k = 0; k < n; k++) {
		if (v[k].base && after(v, n, v[k].base))
			continue;
		if (start)
			die("records %llu and %llu: a gap between the shards of '%s' (neither"
			    " starts where another shard ends, or has a base at all)",
			    (unsigned long long)parts[start->part].record,
			    (unsigned long long)parts[v[k].part].record, parts[v[k].part].name);
		start = &v[k];
	}
	if (!start)
		die("record %llu: the shards of '%s' form a cycle",
		    (unsigned long long)parts[v[0].part].record, parts[v[0].part].name);
	for (cur = start; cur; pos++) {
		struct link *next = NULL;
		parts[cur->part].lead = start->part;
		parts[cur->part].pos = pos;
		for (size_t k = 0; k < n && !next; k++)
			if (same_id(v[k].base, cur->head))
				next = &v[k];
		cur = next;
	}
	parts[start->part].nr_shards = pos;
	if (pos != n)
		BUG("a chain of unique heads and bases that does not reach every shard");
}

void mg_shards_chain(struct mg_part *parts, size_t nr)
{
	struct link *v = xcalloc(nr + 1, sizeof(*v));
	char *done = xcalloc(nr + 1, 1);

	for (size_t i = 0; i < nr; i++) {
		parts[i].lead = i;
		parts[i].nr_shards = 1;
	}
	for (size_t i = 0; i < nr; i++) {
		size_t n = 0;
		if (done[i] || !parts[i].name || parts[i].merged)
			continue;
		for (size_t j = i; j < nr; j++)
			if (!done[j] && parts[j].name && !parts[j].merged &&
			    !strcmp(parts[j].name, parts[i].name)) {
				done[j] = 1;
				v[n++].part = j;
			}
		if (n > 1)
			chain_one(parts, v, n);
	}
	free(done);
	free(v);
}

/* ---- the stream record of a chain ---- */

static const struct mg_part *shard_at(const struct mg_part *parts, size_t nr, size_t lead,
				      size_t pos)
{
	for (size_t i = 0; i < nr; i++)
		if (parts[i].lead == lead && parts[i].pos == pos)
			return &parts[i];
	BUG("a shard missing from its chain");
}

/* "A..B" of the first shard's A and the last one's B; "B" when the first has no A. */
static void pack_range(msgpack_packer *pk, const struct mg_part *first, const struct mg_part *last)
{
	const msgpack_object *a = cf_obj_get(first->stream, "range");
	const msgpack_object *b = cf_obj_get(last->stream, "range");
	struct cf_buf r = CF_BUF_INIT;
	const char *dots;

	if (a && a->type == MSGPACK_OBJECT_STR && cf_obj_get(first->stream, "base") &&
	    (dots = memmem(a->via.str.ptr, a->via.str.size, "..", 2)))
		cf_buf_add(&r, a->via.str.ptr, dots + 2 - a->via.str.ptr);
	if (b && b->type == MSGPACK_OBJECT_STR) {
		dots = memmem(b->via.str.ptr, b->via.str.size, "..", 2);
		if (dots)
			cf_buf_add(&r, dots + 2, b->via.str.ptr + b->via.str.size - dots - 2);
		else
			cf_buf_add(&r, b->via.str.ptr, b->via.str.size);
	}
	cf_pack_strn(pk, r.buf ? r.buf : "", r.len);
	cf_buf_release(&r);
}

void mg_shards_stream(const struct mg_part *parts, size_t nr, size_t lead, msgpack_packer *pk)
{
	const struct mg_part *first = &parts[lead];
	const struct mg_part *last = shard_at(parts, nr, lead, first->nr_shards - 1);
	const msgpack_object *s = last->stream, *base = cf_obj_get(first->stream, "base");
	uint64_t commits = 0;

	for (size_t i = 0; i < nr; i++) {
		const msgpack_object *c = cf_obj_get(parts[i].stream, "commits");
		if (parts[i].lead == lead && c && c->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			commits += c->via.u64;
	}
	msgpack_pack_map(pk, s->via.map.size - !!cf_obj_get(s, "base") + !!base);
	for (uint32_t k = 0; k < s->via.map.size; k++) {
		const msgpack_object_kv *kv = &s->via.map.ptr[k];
		if (mg_str_is(&kv->key, "base"))
			continue;
		msgpack_pack_object(pk, kv->key);
		if (mg_str_is(&kv->key, "head") && base) {
			msgpack_pack_object(pk, kv->val);
			cf_pack_str(pk, "base");
			msgpack_pack_object(pk, *base);
		} else if (mg_str_is(&kv->key, "commits")) {
			cf_pack_u64(pk, commits);
		} else if (mg_str_is(&kv->key, "t0") && cf_obj_get(first->stream, "t0")) {
			msgpack_pack_object(pk, *cf_obj_get(first->stream, "t0"));
		} else if (mg_str_is(&kv->key, "range")) {
			pack_range(pk, first, last);
		} else {
			msgpack_pack_object(pk, kv->val);
		}
	}
}

/* ---- following files across the shards ---- */

struct lineage {
	uint32_t path;		/* in chain.paths, CF_FS_NONE once no path leads to it */
	int alive;
};

struct chain {
	const struct mg_ctx *c;
	struct cf_fs_strtab paths;	/* val: the lineage at the path, or CF_FS_NONE */
	struct lineage *lin;
	size_t nr_lin, alloc_lin;
	uint32_t **to;			/* to[shard][file]: its lineage */
	uint32_t *order;		/* alive lineages, by path */
	size_t nr_alive;
	uint32_t *pos;			/* lineage -> position in order, or CF_FS_NONE */
};

static const msgpack_object *path_of(const struct mg_ctx *c, size_t i, const msgpack_object *f,
				     const char *key)
{
	const msgpack_object *p = key ? mg_get(c, i, f, key, MSGPACK_OBJECT_STR) : f;

	if (p->type != MSGPACK_OBJECT_STR)
		mg_die(c, i, "a path is not a string");
	return p;
}

static uint32_t find(struct chain *ch, const msgpack_object *path, int create)
{
	return cf_fs_strtab_find(&ch->paths, path->via.str.ptr, path->via.str.size, 0, create);
}

static const msgpack_object *shard_arr(const struct mg_ctx *c, size_t i, const char *key,
				       uint32_t n)
{
	const msgpack_object *a = mg_arr(c, i, c->in[i].data, key);

	if (n != UINT32_MAX && a->via.array.size != n)
		mg_die(c, i, "its shard map's '%s' and 'files' differ in length", key);
	return a;
}

/* The lineage file j of shard i continues: the one at its first path, or a new one. */
static uint32_t continued(struct chain *ch, size_t i, const msgpack_object *from)
{
	uint32_t p = from->type == MSGPACK_OBJECT_STR ? find(ch, from, 0) : CF_FS_NONE;

	if (from->type != MSGPACK_OBJECT_STR && from->type != MSGPACK_OBJECT_NIL)
		mg_die(ch->c, i, "its shard map's 'from' holds something else than paths");
	if (p != CF_FS_NONE && ch->paths.e[p].val != CF_FS_NONE) {
		uint32_t l = ch->paths.e[p].val;
		/* It leaves its path: the shard says where it is at the end. */
		ch->paths.e[p].val = CF_FS_NONE;
		ch->lin[l].path = CF_FS_NONE;
		return l;
	}
	CF_ALLOC_GROW(ch->lin, ch->nr_lin + 1, ch->alloc_lin);
	ch->lin[ch->nr_lin].path = CF_FS_NONE;
	ch->lin[ch->nr_lin].alive = 0;
	return ch->nr_lin++;
}

/* What was at a path the shard knows is no longer there (it moved, or was replaced). */
static void clear_path(struct chain *ch, const msgpack_object *path)
{
	uint32_t p = find(ch, path, 1), l = ch->paths.e[p].val;

	if (l != CF_FS_NONE && ch->lin[l].path == p)
		ch->lin[l].path = CF_FS_NONE;
	ch->paths.e[p].val = CF_FS_NONE;
}

static void chain_shard(struct chain *ch, size_t i, const char *key)
{
	const struct mg_ctx *c = ch->c;
	const msgpack_object *files = shard_arr(c, i, "files", UINT32_MAX);
	uint32_t n = files->via.array.size;
	const msgpack_object *from = shard_arr(c, i, "from", n);
	const msgpack_object *alive = shard_arr(c, i, "alive", n);
	const msgpack_object *vacated = shard_arr(c, i, "vacated", UINT32_MAX);

	ch->to[i] = xcalloc(n + 1, sizeof(**ch->to));
	for (uint32_t j = 0; j < n; j++)
		ch->to[i][j] = continued(ch, i, &from->via.array.ptr[j]);
	for (uint32_t j = 0; j < n; j++)
		clear_path(ch, path_of(c, i, &files->via.array.ptr[j], key));
	for (uint32_t k = 0; k < vacated->via.array.size; k++)
		clear_path(ch, path_of(c, i, &vacated->via.array.ptr[k], NULL));
	for (uint32_t j = 0; j < n; j++) {
		uint32_t p = find(ch, path_of(c, i, &files->via.array.ptr[j], key), 1);
		const msgpack_object *a = &alive->via.array.ptr[j];
		if (a->type != MSGPACK_OBJECT_BOOLEAN)
			mg_die(c, i, "its shard map's 'alive' holds something else than booleans");
		ch->paths.e[p].val = ch->to[i][j];
		ch->lin[ch->to[i][j]].path = p;
		ch->lin[ch->to[i][j]].alive = a->via.boolean;
	}
}

static const struct chain *sorting;

static int lineage_cmp(const void *a_, const void *b_)
{
	const struct cf_fs_str *a = &sorting->paths.e[sorting->lin[*(const uint32_t *)a_].path];
	const struct cf_fs_str *b = &sorting->paths.e[sorting->lin[*(const uint32_t *)b_].path];

	return mg_bytes_cmp(a->s, a->len, b->s, b->len);
}

/* Follows the files of every shard (in chain order); key: the path field of a file's map. */
static void chain_build(struct chain *ch, const struct mg_ctx *c, const char *key)
{
	memset(ch, 0, sizeof(*ch));
	ch->c = c;
	ch->to = xcalloc(c->nr, sizeof(*ch->to));
	for (size_t i = 0; i < c->nr; i++)
		chain_shard(ch, i, key);
	ch->order = xcalloc(ch->nr_lin + 1, sizeof(*ch->order));
	ch->pos = xcalloc(ch->nr_lin + 1, sizeof(*ch->pos));
	for (size_t l = 0; l < ch->nr_lin; l++) {
		ch->pos[l] = CF_FS_NONE;
		if (ch->lin[l].alive && ch->lin[l].path != CF_FS_NONE)
			ch->order[ch->nr_alive++] = l;
	}
	sorting = ch;
	mg_sort(ch->order, ch->nr_alive, sizeof(*ch->order), lineage_cmp);
	sorting = NULL;
	for (size_t k = 0; k < ch->nr_alive; k++)
		ch->pos[ch->order[k]] = k;
}

/* The position of file j of shard i in the combined result, or CF_FS_NONE. */
static uint32_t chain_pos(const struct chain *ch, size_t i, uint64_t j)
{
	return ch->pos[ch->to[i][j]];
}

static void chain_pack_path(msgpack_packer *pk, const struct chain *ch, size_t k)
{
	const struct cf_fs_str *p = &ch->paths.e[ch->lin[ch->order[k]].path];

	cf_pack_strn(pk, p->s, p->len);
}

static void chain_release(struct chain *ch)
{
	for (size_t i = 0; ch->to && i < ch->c->nr; i++)
		free(ch->to[i]);
	free(ch->to);
	free(ch->lin);
	free(ch->order);
	free(ch->pos);
	cf_fs_strtab_release(&ch->paths);
}

/* Sorts triples and sums the counts of equal (x, y); returns how many remain. */
static size_t sum_triples(struct mg_triple *t, size_t n)
{
	size_t m = 0;

	mg_sort(t, n, sizeof(*t), mg_triple_cmp);
	for (size_t k = 0; k < n; k++) {
		if (m && t[m - 1].v[0] == t[k].v[0] && t[m - 1].v[1] == t[k].v[1]) {
			t[m - 1].v[2] += t[k].v[2];
			continue;
		}
		t[m++] = t[k];
	}
	return m;
}

/* ---- couples ---- */

struct triples {
	struct mg_triple *v;
	size_t nr, alloc;
};

static void add_triple(struct triples *t, uint64_t x, uint64_t y, uint64_t n)
{
	CF_ALLOC_GROW(t->v, t->nr + 1, t->alloc);
	t->v[t->nr++] = (struct mg_triple){ { x, y, n } };
}

/*
 * The [x, y, n] entries of key with files by position, those of files no
 * longer alive left out, summed: the co-changes of two files (p NULL, x <
 * y), or people's commits in files (x a person, unified in p).
 */
static void couples_triples(const struct chain *ch, const struct mg_people *p, const char *key,
			    struct triples *t)
{
	const struct mg_ctx *c = ch->c;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *m = mg_arr(c, i, c->in[i].data, key);
		uint32_t nf = mg_arr(c, i, c->in[i].data, "files")->via.array.size;
		for (uint32_t k = 0; k < m->via.array.size; k++) {
			const msgpack_object *e = &m->via.array.ptr[k];
			uint64_t x = mg_item_u64(c, i, e, 0), y = mg_item_u64(c, i, e, 1);
			if ((!p && x >= nf) || y >= nf)
				mg_die(c, i, "'%s' names a file that is not there", key);
			x = p ? mg_person(c, p, i, x) : chain_pos(ch, i, x);
			y = chain_pos(ch, i, y);
			if (x == CF_FS_NONE || y == CF_FS_NONE)
				continue;
			if (!p && x > y)
				add_triple(t, y, x, mg_item_u64(c, i, e, 2));
			else
				add_triple(t, x, y, mg_item_u64(c, i, e, 2));
		}
	}
	t->nr = sum_triples(t->v, t->nr);
}

static uint64_t *couples_revisions(const struct chain *ch)
{
	const struct mg_ctx *c = ch->c;
	uint64_t *rev = xcalloc(ch->nr_alive + 1, sizeof(*rev));

	for (size_t i = 0; i < c->nr; i++) {
		uint32_t nf = mg_arr(c, i, c->in[i].data, "files")->via.array.size;
		const msgpack_object *r = shard_arr(c, i, "revisions", nf);
		for (uint32_t j = 0; j < nf; j++) {
			uint32_t k = chain_pos(ch, i, j);
			if (k != CF_FS_NONE)
				rev[k] = mg_add(c, i, rev[k], mg_item_u64(c, i, r, j));
		}
	}
	return rev;
}

static void shards_couples(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct chain ch;
	struct mg_people p = { 0 };
	struct triples m = { 0 }, pf = { 0 };
	uint64_t *rev;

	chain_build(&ch, c, NULL);
	mg_people_build(c, &p, "people");
	couples_triples(&ch, NULL, "matrix", &m);
	couples_triples(&ch, &p, "people_files", &pf);
	rev = couples_revisions(&ch);
	msgpack_pack_map(pk, 8);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, ch.nr_alive);
	for (size_t k = 0; k < ch.nr_alive; k++)
		chain_pack_path(pk, &ch, k);
	cf_pack_str(pk, "matrix");
	mg_pack_triples(pk, m.v, m.nr);
	cf_pack_kv_u64(pk, "max_changes", mg_same_u64(c, "max_changes"));
	cf_pack_str(pk, "people");
	mg_people_pack(pk, &p, 1);
	cf_pack_str(pk, "people_files");
	mg_pack_triples(pk, pf.v, pf.nr);
	cf_pack_str(pk, "revisions");
	msgpack_pack_array(pk, ch.nr_alive);
	for (size_t k = 0; k < ch.nr_alive; k++)
		cf_pack_u64(pk, rev[k]);
	cf_pack_kv_u64(pk, "skipped_commits", mg_sum_u64(c, "skipped_commits"));
	free(rev);
	free(m.v);
	free(pf.v);
	mg_people_release(&p, c->nr);
	chain_release(&ch);
}

/* ---- file-history ---- */

/* A commit of a file: its position, the shard's order and the commit id. */
struct fh_commit {
	uint64_t file, seq;
	const msgpack_object *id;
};

/* Lines of one person in one file: added, changed, commits, removed. */
struct fh_touch {
	uint64_t file, who, n[4];
};

static const char *const touch_keys[] = { "added", "changed", "commits", "removed" };

static int fh_commit_cmp(const void *a_, const void *b_)
{
	const struct fh_commit *a = a_, *b = b_;

	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int fh_touch_cmp(const void *a_, const void *b_)
{
	const struct fh_touch *a = a_, *b = b_;

	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return a->who < b->who ? -1 : a->who > b->who;
}

struct fh {
	struct fh_commit *commits;
	size_t nr_commits, alloc_commits;
	struct fh_touch *touches;
	size_t nr_touches, alloc_touches;
};

static void fh_read_file(struct fh *h, const struct mg_ctx *c, const struct mg_people *p,
			 size_t i, uint64_t pos, const msgpack_object *f)
{
	const msgpack_object *ids = mg_arr(c, i, f, "commits");
	const msgpack_object *people = mg_arr(c, i, f, "people");

	for (uint32_t k = 0; k < ids->via.array.size; k++) {
		CF_ALLOC_GROW(h->commits, h->nr_commits + 1, h->alloc_commits);
		h->commits[h->nr_commits] = (struct fh_commit){ pos, h->nr_commits,
								&ids->via.array.ptr[k] };
		h->nr_commits++;
	}
	for (uint32_t k = 0; k < people->via.array.size; k++) {
		const msgpack_object *t = &people->via.array.ptr[k];
		struct fh_touch *e;
		CF_ALLOC_GROW(h->touches, h->nr_touches + 1, h->alloc_touches);
		e = &h->touches[h->nr_touches++];
		e->file = pos;
		e->who = mg_person(c, p, i, mg_u64(c, i, t, "person"));
		for (int f = 0; f < 4; f++)
			e->n[f] = mg_u64(c, i, t, touch_keys[f]);
	}
}

static void fh_settle(const struct mg_ctx *c, struct fh *h)
{
	size_t m = 0;

	mg_sort(h->commits, h->nr_commits, sizeof(*h->commits), fh_commit_cmp);
	mg_sort(h->touches, h->nr_touches, sizeof(*h->touches), fh_touch_cmp);
	for (size_t k = 0; k < h->nr_touches; k++) {
		if (m && !fh_touch_cmp(&h->touches[m - 1], &h->touches[k])) {
			for (int f = 0; f < 4; f++)
				h->touches[m - 1].n[f] = mg_add(c, 0, h->touches[m - 1].n[f],
								h->touches[k].n[f]);
			continue;
		}
		h->touches[m++] = h->touches[k];
	}
	h->nr_touches = m;
}

/* File k: its commits from *ci on, its people from *ti on; the cursors move past them. */
static void fh_pack_file(msgpack_packer *pk, const struct chain *ch, const struct fh *h,
			 size_t k, size_t *ci, size_t *ti)
{
	size_t c0 = *ci, t0 = *ti;
	uint64_t sum[4] = { 0 };

	while (*ci < h->nr_commits && h->commits[*ci].file == k)
		(*ci)++;
	while (*ti < h->nr_touches && h->touches[*ti].file == k) {
		for (int f = 0; f < 4; f++)
			sum[f] += h->touches[*ti].n[f];
		(*ti)++;
	}
	msgpack_pack_map(pk, 7);
	cf_pack_kv_u64(pk, "added", sum[0]);
	cf_pack_kv_u64(pk, "changed", sum[1]);
	cf_pack_kv_u64(pk, "churn", sum[0] + sum[3]);
	cf_pack_str(pk, "commits");
	msgpack_pack_array(pk, *ci - c0);
	for (size_t j = c0; j < *ci; j++)
		msgpack_pack_object(pk, *h->commits[j].id);
	cf_pack_str(pk, "path");
	chain_pack_path(pk, ch, k);
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, *ti - t0);
	for (size_t j = t0; j < *ti; j++) {
		msgpack_pack_map(pk, 5);
		for (int f = 0; f < 3; f++)
			cf_pack_kv_u64(pk, touch_keys[f], h->touches[j].n[f]);
		cf_pack_kv_u64(pk, "person", h->touches[j].who);
		cf_pack_kv_u64(pk, "removed", h->touches[j].n[3]);
	}
	cf_pack_kv_u64(pk, "removed", sum[3]);
}

static void shards_file_history(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct chain ch;
	struct mg_people p = { 0 };
	struct fh h = { 0 };
	size_t ci = 0, ti = 0;

	chain_build(&ch, c, "path");
	mg_people_build(c, &p, "people");
	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *files = mg_arr(c, i, c->in[i].data, "files");
		for (uint32_t j = 0; j < files->via.array.size; j++) {
			uint32_t k = chain_pos(&ch, i, j);
			if (k != CF_FS_NONE)
				fh_read_file(&h, c, &p, i, k, &files->via.array.ptr[j]);
		}
	}
	fh_settle(c, &h);
	msgpack_pack_map(pk, 3);
	cf_pack_kv_u64(pk, "commits", mg_sum_u64(c, "commits"));
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, ch.nr_alive);
	for (size_t k = 0; k < ch.nr_alive; k++)
		fh_pack_file(pk, &ch, &h, k, &ci, &ti);
	cf_pack_str(pk, "people");
	mg_people_pack(pk, &p, 1);
	free(h.commits);
	free(h.touches);
	mg_people_release(&p, c->nr);
	chain_release(&ch);
}

/* ---- the rules ---- */

/*
 * How the results of a chain combine: from their "shard" maps, or by the
 * fleet rule, exact where every number is a sum over commits, or a union
 * of per-commit entries, that no earlier commit changes: devs, and the
 * analyzers of syntax records whose entries are each one commit's
 * (sentiment's comments, quality's files, imports' files, typos' fixes).
 */
enum combine_by { BY_NONE, BY_SHARD_MAP, BY_FLEET_RULE };

static const struct shard_rule {
	const char *analyzer;
	enum combine_by by;
	void (*combine)(const struct mg_ctx *c, msgpack_packer *pk);
	const char *why;	/* BY_NONE: why shards cannot be exact */
} shard_rules[] = {
	{ "anomaly", BY_NONE, NULL, "its trailing windows span the shards" },
	{ "burndown", BY_NONE, NULL,
	  "the survival of lines needs the whole history before a shard" },
	{ "couples", BY_SHARD_MAP, shards_couples, NULL },
	{ "devs", BY_FLEET_RULE, mg_merge_devs, NULL },
	{ "file-history", BY_SHARD_MAP, shards_file_history, NULL },
	{ "imports", BY_FLEET_RULE, mg_merge_imports, NULL },
	{ "quality", BY_FLEET_RULE, mg_merge_quality, NULL },
	{ "sentiment", BY_FLEET_RULE, mg_merge_sentiment, NULL },
	{ "shotness", BY_NONE, NULL,
	  "its units and their co-changes follow files through the whole history" },
	{ "typos", BY_FLEET_RULE, mg_merge_typos, NULL },
};

/* The inputs' shard maps instead of their data. */
static struct mg_in *shard_maps(const struct mg_ctx *c)
{
	struct mg_in *v = xcalloc(c->nr, sizeof(*v));

	for (size_t i = 0; i < c->nr; i++) {
		v[i] = c->in[i];
		v[i].data = cf_obj_get(c->in[i].data, "shard");
		if (!v[i].data || v[i].data->type != MSGPACK_OBJECT_MAP)
			die("record %llu: the '%s' result of shard '%s' has no 'shard' map"
			    " (analyse the shards with cf-run history --shard)",
			    (unsigned long long)c->in[i].record, c->analyzer,
			    c->parts[c->in[i].part].name);
	}
	return v;
}

/* The parts without their names: the paths stay as they are, the merge qualifies them once. */
static struct mg_part *unnamed_parts(const struct mg_ctx *c, size_t nr_parts)
{
	struct mg_part *v = xcalloc(nr_parts, sizeof(*v));

	for (size_t i = 0; i < nr_parts; i++) {
		v[i] = c->parts[i];
		v[i].name = NULL;
	}
	return v;
}

void mg_shards_combine(const struct mg_ctx *c, size_t nr_parts, msgpack_packer *pk)
{
	const struct shard_rule *r = NULL;
	struct mg_ctx sub = *c;
	struct mg_part *parts = NULL;
	struct mg_in *in = NULL;

	for (size_t k = 0; k < sizeof(shard_rules) / sizeof(*shard_rules); k++)
		if (!strcmp(shard_rules[k].analyzer, c->analyzer))
			r = &shard_rules[k];
	if (!r || r->by == BY_NONE)
		die("records %llu and %llu: cannot merge the '%s' results of shards of '%s': %s",
		    (unsigned long long)c->in[0].record, (unsigned long long)c->in[1].record,
		    c->analyzer, c->parts[c->in[0].part].name,
		    r ? r->why : "no rule combines them exactly");
	if (r->by == BY_SHARD_MAP)
		sub.in = in = shard_maps(c);
	else
		sub.parts = parts = unnamed_parts(c, nr_parts);
	r->combine(&sub, pk);
	free(in);
	free(parts);
}
