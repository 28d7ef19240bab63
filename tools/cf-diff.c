/*
 * cf-diff: adds line diffs to the change records of a stream.
 *
 * It consumes the "arena" and "blob" records of cf-blobload, diffs the old
 * and new blob of every modification as git's xdiff does with git's
 * defaults (no context, the indent heuristic: cf/linediff.h, or libgit2's
 * xdiff for --patience and --libgit2-diff) and passes each change on with
 * "add", "del", "changed" and "hunks".  Changes are collected into
 * batches of up to --commit-batch-size commits, or fewer when no more input
 * is waiting (a producer blocked on a full arena must see space released),
 * diffed on --workers threads, emitted in stream order, and only then is
 * their arena space released.  An LRU cache keyed by the blob pair makes
 * reverts and cherry-picks free.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include "cf/alloc.h"
#include "cf/arena.h"
#include "cf/blobrec.h"
#include "cf/blobcache.h"
#include "cf/buf.h"
#include "cf/diffcache.h"
#include "cf/linediff.h"
#include "cf/progress.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/narrow.h"
#include "cf/quickdiff.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-diff [-v] [-j N] [--commit-batch-size N] [--diff-cache-size N]\n"
"               [--patience] [--minimal] [--exact-numstat] [--no-hunks]\n"
"               [--keep-blobs] [--max-diff-size SIZE] [--max-diff-lines N]\n"
"               [--no-quick-diff] [--libgit2-diff]\n"
"\n"
"Reads a stream with blobs (from cf-blobload) and adds line diffs to its\n"
"change records: \"add\" and \"del\" and, for modifications, \"changed\"\n"
"and \"hunks\".\n"
"\n"
"  -j, --workers N            diff on N threads (default: online CPUs)\n"
"      --commit-batch-size N  diff the changes of up to N commits at once (100)\n"
"      --diff-cache-size N    remember the hunks of N blob pairs (10000, 0: none)\n"
"      --histogram            (refused: libgit2 has no histogram diff)\n"
"      --patience             use the patience diff algorithm\n"
"      --minimal              spend extra time to find the smallest diff\n"
"      --exact-numstat        add/del/changed as git --numstat counts them, not\n"
"                             as the hunks of git diff -U0 do\n"
"      --no-hunks             counts only: no \"hunks\" (with --exact-numstat,\n"
"                             one diff of the whole blobs instead of two)\n"
"      --keep-blobs           pass arena and blob records on (a later stage\n"
"                             consumes them and releases the arena)\n"
"      --max-diff-size SIZE   pairs of blobs larger than SIZE together are not\n"
"                             diffed but count as binary (default 1GiB, 0: none)\n"
"      --max-diff-lines N     likewise for pairs of over N lines (8388608)\n"
"      --no-quick-diff        run xdiff on every whole pair, also where one block\n"
"                             of lines replaces another (same hunks, slower)\n"
"      --libgit2-diff         diff with libgit2's xdiff, not Codefang's own\n"
"                             version of it (same hunks, slower)\n"
"      --progress             name the commit and file of a diff that takes over 5 s\n"
"  -v, --verbose              print counts on standard error at the end\n"
"  -h, --help                 show this help\n";

/*
 * What one diff may cost: xdiff holds some 150 bytes per line of both
 * blobs (a pair of 2 million lines peaks at 355 MB), so a pair over these
 * bounds counts as binary instead (git refuses blobs over 1 GiB,
 * MAX_XDIFF_SIZE, and treats files over core.bigFileThreshold as binary).
 * 8 Mi lines keeps one diff near 1.3 GB.
 */
#define DEFAULT_MAX_DIFF_SIZE ((uint64_t)1 << 30)
#define DEFAULT_MAX_DIFF_LINES ((uint64_t)1 << 23)

/* Inline blobs are rare and large; past this, diff what is held. */
#define INLINE_FLUSH ((size_t)64 << 20)

struct blob {
	struct cf_oid oid;
	const char *ptr;	/* bytes in an arena; NULL: at off in batch.inl */
	size_t off, len;
	int arena;		/* index into the arena table, -1 inline */
	uint64_t end;		/* arena position after the bytes */
};

enum item_kind {
	ITEM_PASS,		/* a record passed on unchanged */
	ITEM_COUNTS,		/* a change whose add/del are known without diffing */
	ITEM_HUNKS,		/* a change that gets hunks */
};

/* A change's lines: added, removed, and edited (min(old, new) of each hunk). */
struct counts {
	uint64_t add, del, changed;
};

struct item {
	enum item_kind kind;
	int diff;		/* the hunks must be computed */
	int store;		/* hunk store: a worker, or -1 for the batch's own */
	int failed;
	int too_large;		/* over the bounds: passed on as binary, not diffed */
	int exact;		/* lines from a diff of the whole blobs, not the hunks */
	uint32_t fields;	/* entries of the record map */
	size_t raw, raw_len;	/* the record in batch.raw */
	size_t body;		/* offset of the map's entries in the record */
	size_t path, path_len;	/* in batch.paths, for messages */
	uint64_t number;	/* record number, for messages */
	struct counts lines;
	size_t hunk, nhunk;	/* uint32 in the hunk store */
	struct cf_oid old_oid, new_oid;
	struct cf_oid commit;	/* for the heartbeat */
	struct blob old, new;
};

struct hunks {
	uint32_t *v;
	size_t nr, alloc;
	long shift;		/* added to the starts: the sides were narrowed */
};

struct todo {
	size_t item;
	size_t cost;
};

struct batch {
	struct item *items;
	size_t nr, alloc;
	struct todo *todo;
	size_t ntodo, todo_alloc;
	struct cf_buf raw, inl, paths;
	uint64_t commits;
	struct blob *pending;	/* blob records since the last change */
	size_t npending, pending_alloc;
	struct hunks own;	/* cache hits and empty diffs */
	int full;		/* holds a good part of an arena: diff it */
};

/*
 * git_diff_buffers() hashes both buffers with collision-detecting SHA-1 to
 * fill in ids we already have: measured on redis's history that is 45% of
 * this tool's time.  git_diff_blobs() takes the ids from the blobs instead,
 * so each worker owns a repository without files whose only object
 * database backend serves the two buffers of the current diff.
 */
struct mem_odb {
	git_odb_backend parent;
	git_oid oid[2];
	const char *data[2];
	size_t len[2];
};

struct pool;

struct worker {
	pthread_t thread;
	struct pool *pool;
	struct hunks h;
	struct mem_odb be;
	struct cf_quickdiff quick;
	struct cf_narrow narrow;
	struct cf_linediff ld;
	const struct item *ld_item;	/* the item whose whole blobs ld holds */
	git_repository *repo;
	char err[256];		/* libgit2's message for the first failure */
};

struct pool {
	git_diff_options opts;
	struct worker *w;
	int nr;
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned gen;
	int busy, quit;
	struct batch *b;
	atomic_size_t next;
	int exact_numstat;
	int quick;		/* try cf_quickdiff() before xdiff */
	int own;		/* diff with cf_linediff(), not libgit2 */
	unsigned ld_flags;
	atomic_ulong rediffs;	/* --exact-numstat: whole blobs diffed again */
	atomic_ulong reread;	/* of which with the lines the first diff classed */
	atomic_ulong quicks;	/* diffs cf_quickdiff() decided */
	atomic_ulong narrowed;	/* diffs xdiff made on narrowed sides */
};

struct stats {
	uint64_t changes, diffs, hits, batches, bytes;
	uint64_t too_large;	/* pairs over --max-diff-size or --max-diff-lines */
	double start, diffing;	/* seconds: when we started, spent in pool_run() */
};

static struct batch batch;
static struct cf_arenas arenas;
static int keep_blobs;		/* pass blobs on: a later stage releases them */
static int no_hunks;		/* --no-hunks: the counts alone */
static struct pool pool;
static struct cf_diffcache *cache;
static struct cf_writer out;
static struct stats stats;
static uint64_t batch_commits = 100;
static uint64_t max_diff_size = DEFAULT_MAX_DIFF_SIZE;
static uint64_t max_diff_lines = DEFAULT_MAX_DIFF_LINES;
static struct cf_heartbeat *heartbeat;	/* --progress */
static struct cf_oid current_commit;

static int add_hunk(void *data, const uint32_t h[4])
{
	struct hunks *hs = data;
	uint32_t *v;

	CF_ALLOC_GROW(hs->v, hs->nr + 4, hs->alloc);
	v = hs->v + hs->nr;
	v[0] = (uint32_t)(h[0] + hs->shift);
	v[1] = h[1];
	v[2] = (uint32_t)(h[2] + hs->shift);
	v[3] = h[3];
	hs->nr += 4;
	return 0;
}

static const char *blob_bytes(const struct batch *b, const struct blob *bl)
{
	if (bl->ptr)
		return bl->ptr;
	return b->inl.buf + bl->off;
}

static void count_hunk(struct counts *c, uint32_t old_lines, uint32_t new_lines)
{
	c->add += new_lines;
	c->del += old_lines;
	c->changed += old_lines < new_lines ? old_lines : new_lines;
}

/* The lines of nhunk uint32 (four a hunk) at v. */
static struct counts hunk_lines(const uint32_t *v, size_t nhunk)
{
	struct counts c = { 0, 0, 0 };

	for (size_t i = 0; i < nhunk; i += 4)
		count_hunk(&c, v[i + 1], v[i + 3]);
	return c;
}

/*
 * git diffs without context on buffers shortened by their common tail, in
 * whole 1 KiB blocks and then back to the first line end in the trimmed part
 * (xdiff-interface.c).  That decides where xdiff can slide a change, so the
 * hunks equal `git diff -U0` and git blame only if the diff, which does not
 * trim, is given the same shortened buffers.  Returns the bytes to drop.
 */
static size_t common_tail(const char *a, size_t alen, const char *b, size_t blen)
{
	const size_t blk = 1024;
	size_t min = alen < blen ? alen : blen, cut = 0;
	const char *nl;

	while (cut + blk <= min && !memcmp(a + alen - cut - blk, b + blen - cut - blk, blk))
		cut += blk;
	if (!cut)
		return 0;
	/* Keep the trimmed part up to and including its first newline. */
	nl = memchr(a + alen - cut, '\n', cut);
	return nl ? cut - (size_t)(nl + 1 - (a + alen - cut)) : 0;
}

static int mem_odb_read(void **out, size_t *len, git_object_t *type,
			git_odb_backend *backend, const git_oid *oid)
{
	struct mem_odb *m = (struct mem_odb *)backend;

	for (int i = 0; i < 2; i++) {
		if (git_oid_cmp(oid, &m->oid[i]))
			continue;
		*out = git_odb_backend_data_alloc(backend, m->len[i]);
		if (!*out)
			return -1;
		memcpy(*out, m->data[i], m->len[i]);
		*len = m->len[i];
		*type = GIT_OBJECT_BLOB;
		return 0;
	}
	return GIT_ENOTFOUND;
}

static void mem_odb_free(git_odb_backend *backend)
{
	(void)backend;	/* part of its worker */
}

/*
 * The diffs depend on the two buffers alone, yet libgit2 looks for
 * attribute files (/etc/gitattributes, the user's) on every diff: one
 * failing access() each, 2.4 per diff on redis.  Empty search paths leave
 * it nothing to look for.
 */
static int no_config_files(void)
{
	static const int level[] = {
		GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
		GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA,
	};

	for (size_t i = 0; i < sizeof(level) / sizeof(*level); i++)
		if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level[i], "") < 0)
			return -1;
	return 0;
}

static void worker_repo(struct worker *w)
{
	git_odb *odb;

	w->be.parent.version = GIT_ODB_BACKEND_VERSION;
	w->be.parent.read = mem_odb_read;
	w->be.parent.free = mem_odb_free;
	if (git_odb_new(&odb) < 0 || git_odb_add_backend(odb, &w->be.parent, 1) < 0 ||
	    git_repository_new(&w->repo) < 0 || git_repository_set_odb(w->repo, odb) < 0)
		die("cannot set up libgit2's in-memory repository: %s",
		    git_error_last() ? git_error_last()->message : "unknown error");
	git_odb_free(odb);	/* the repository holds it */
}

static void serve(struct mem_odb *m, int i, const struct cf_oid *oid,
		  const char *data, size_t len)
{
	memcpy(m->oid[i].id, oid->id, CF_OID_RAWSZ);
	m->data[i] = data;
	m->len[i] = len;
}

static int add_count(void *data, const uint32_t h[4])
{
	count_hunk(data, h[1], h[3]);
	return 0;
}

/* Below this many lines cut, narrowing (cf/narrow.h) costs more than it saves. */
#define NARROW_MIN 256

/* The two sides of a diff, and their common head and tail lines when quick. */
struct pair {
	const char *o, *n;
	size_t olen, nlen, head, tail;
};

static void pair_of(const struct worker *w, const struct item *it, size_t cut, struct pair *p)
{
	const struct batch *b = w->pool->b;

	p->o = blob_bytes(b, &it->old);
	p->n = blob_bytes(b, &it->new);
	p->olen = it->old.len - cut;
	p->nlen = it->new.len - cut;
	p->head = p->tail = 0;
	if (w->pool->quick)
		cf_common_lines(p->o, p->olen, p->n, p->nlen, &p->head, &p->tail);
}

/* Where a diff's hunks go: the hunk store or a count. */
struct sink {
	cf_linediff_hunk_fn *fn;
	void *data;
};

static int on_git_hunk(const git_diff_delta *delta, const git_diff_hunk *h, void *data)
{
	const struct sink *k = data;
	uint32_t v[4] = { (uint32_t)h->old_start, (uint32_t)h->old_lines,
			  (uint32_t)h->new_start, (uint32_t)h->new_lines };

	(void)delta;
	return k->fn(k->data, v);
}

static int git_diff_pair(struct worker *w, const struct item *it, const struct pair *p,
			 struct sink k)
{
	git_blob *ob = NULL, *nb = NULL;
	int rc;

	serve(&w->be, 0, &it->old_oid, p->o, p->olen);
	serve(&w->be, 1, &it->new_oid, p->n, p->nlen);
	rc = git_blob_lookup(&ob, w->repo, &w->be.oid[0]);
	if (!rc)
		rc = git_blob_lookup(&nb, w->repo, &w->be.oid[1]);
	if (!rc)
		rc = git_diff_blobs(ob, NULL, nb, NULL, &w->pool->opts, NULL, NULL,
				    on_git_hunk, NULL, &k);
	git_blob_free(ob);
	git_blob_free(nb);
	return rc;
}

/*
 * cf_linediff() on the pair less drop bytes, which p's sides lack; with
 * drop, ld keeps the whole blobs for the whole-blob diff of the same item.
 */
static int own_diff(struct worker *w, const struct item *it, const struct pair *p,
		    size_t drop, struct sink k)
{
	if (cf_linediff_prepare_common(&w->ld, p->o, p->olen + drop, p->n, p->nlen + drop,
				       p->head, p->tail + drop) < 0)
		return -1;
	w->ld_item = drop ? it : NULL;
	return cf_linediff_run(&w->ld, drop, w->pool->ld_flags, k.fn, k.data);
}

/*
 * xdiff on the pair, narrowed where that gives the same hunks.  cut: the
 * bytes p's sides lack of the blobs, which the whole-blob diff will need.
 */
static int diff_blobs(struct worker *w, const struct item *it, struct pair p,
		      size_t cut, struct sink k)
{
	int rc;

	if (w->pool->quick && cf_narrow_common(&w->narrow, p.o, p.olen, p.n, p.nlen,
					       p.head, p.tail, NARROW_MIN)) {
		atomic_fetch_add(&w->pool->narrowed, 1);
		p.o = w->narrow.a.buf;
		p.olen = w->narrow.a.len;
		p.n = w->narrow.b.buf;
		p.nlen = w->narrow.b.len;
		w->h.shift = w->narrow.shift;
		p.head = p.tail = 0;
		cut = 0;
	}
	rc = w->pool->own ? own_diff(w, it, &p, w->pool->exact_numstat ? cut : 0, k) :
			    git_diff_pair(w, it, &p, k);
	w->h.shift = 0;
	return rc;
}

/*
 * Whether the whole-blob diff of git's numstat may count other lines than
 * the hunks just found without the common tail.  Not when they are one
 * pure insertion (or deletion): then the old side is the new one minus a
 * block of lines, xdiff's own trimming of common head and tail lines leaves
 * nothing of the old side to diff, with or without the tail, and both count
 * the block alone.  Otherwise the tail changes which lines xdiff classifies
 * as too frequent to match (measured on redis: the counts differ in 36 of
 * 25,235 changes), so git's count needs the whole blobs.
 */
static int tail_may_count(const struct hunks *h, size_t first)
{
	if (h->nr == first)
		return 0;	/* no hunks: the blobs are equal after all */
	return h->nr - first != 4 || (h->v[first + 1] && h->v[first + 3]);
}

/*
 * The hunks of the blobs less cut bytes, by cf_quickdiff() where it can
 * tell (*quick set).  Then the whole blobs count the same: xdiff finds the
 * same head and tail lines in them when neither block is empty (the cut is
 * common tail), no line of one block can match one of the other, and its
 * compaction keeps the two groups aligned, as the only ones.
 */
static int diff_hunks(struct worker *w, const struct item *it, size_t cut, int *quick)
{
	uint32_t hunk[4];
	size_t nr;
	struct pair p;

	*quick = 0;
	pair_of(w, it, cut, &p);
	if (!w->pool->quick ||
	    !cf_quickdiff_common(&w->quick, p.o, p.olen, p.n, p.nlen, p.head, p.tail,
				 CF_QUICKDIFF_HUNKS, hunk, &nr))
		return diff_blobs(w, it, p, cut, (struct sink){ add_hunk, &w->h });
	*quick = 1;
	atomic_fetch_add(&w->pool->quicks, 1);
	CF_ALLOC_GROW(w->h.v, w->h.nr + nr, w->h.alloc);
	memcpy(w->h.v + w->h.nr, hunk, nr * sizeof(*hunk));
	w->h.nr += nr;
	return 0;
}

/* What git's numstat counts: the lines of the whole blobs' diff. */
static int diff_counts(struct worker *w, const struct item *it, struct counts *c)
{
	uint32_t hunk[4];
	size_t nr;
	struct pair p;

	atomic_fetch_add(&w->pool->rediffs, 1);
	if (w->ld_item == it) {	/* its lines are read and classed already */
		atomic_fetch_add(&w->pool->reread, 1);
		return cf_linediff_run(&w->ld, 0, w->pool->ld_flags, add_count, c);
	}
	pair_of(w, it, 0, &p);
	if (!w->pool->quick ||
	    !cf_quickdiff_common(&w->quick, p.o, p.olen, p.n, p.nlen, p.head, p.tail,
				 CF_QUICKDIFF_COUNTS, hunk, &nr))
		return diff_blobs(w, it, p, 0, (struct sink){ add_count, c });
	atomic_fetch_add(&w->pool->quicks, 1);
	if (nr)
		count_hunk(c, hunk[1], hunk[3]);
	return 0;
}

static void diff_item(struct worker *w, struct item *it)
{
	const struct batch *b = w->pool->b;
	/* Counts alone, as numstat's: the whole blobs are its diff. */
	size_t cut = no_hunks && w->pool->exact_numstat ? 0 :
		common_tail(blob_bytes(b, &it->old), it->old.len,
			    blob_bytes(b, &it->new), it->new.len);
	struct counts exact = { 0, 0, 0 };
	int rc, quick;

	it->store = (int)(w - w->pool->w);
	it->hunk = w->h.nr;
	w->ld_item = NULL;
	cf_heartbeat_enter(heartbeat, (unsigned)it->store, &it->commit,
			   b->paths.buf + it->path, it->path_len);
	rc = diff_hunks(w, it, cut, &quick);
	if (!rc && cut && !quick && w->pool->exact_numstat && tail_may_count(&w->h, it->hunk)) {
		/* git's numstat diffs the whole blobs: count those hunks. */
		rc = diff_counts(w, it, &exact);
		it->exact = 1;
	}
	if (rc < 0) {
		const git_error *e = git_error_last();
		it->failed = 1;
		if (!w->err[0])
			snprintf(w->err, sizeof(w->err), "%s",
				 e && e->message ? e->message : "unknown libgit2 error");
		w->h.nr = it->hunk;
	}
	cf_heartbeat_leave(heartbeat, (unsigned)it->store);
	it->nhunk = w->h.nr - it->hunk;
	it->lines = it->exact ? exact : hunk_lines(w->h.v + it->hunk, it->nhunk);
}

static void work(struct worker *w)
{
	struct pool *p = w->pool;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->b->ntodo)
		diff_item(w, &p->b->items[p->b->todo[i].item]);
}

static void *worker_main(void *data)
{
	struct worker *w = data;
	struct pool *p = w->pool;
	unsigned seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->lock);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->lock);
		work(w);
		pthread_mutex_lock(&p->lock);
		if (!--p->busy)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pool_start(struct pool *p, int nr, uint32_t algo)
{
	if (git_diff_options_init(&p->opts, GIT_DIFF_OPTIONS_VERSION) < 0)
		die("cannot initialise libgit2's diff options");
	p->opts.context_lines = 0;
	p->opts.interhunk_lines = 0;
	/* "bin" in the stream decides binary files, with git's rule, not libgit2's. */
	p->opts.flags = GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT | algo;
	p->nr = nr;
	p->w = xcalloc(nr, sizeof(*p->w));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 0; i < nr; i++) {
		p->w[i].pool = p;
		p->w[i].narrow = (struct cf_narrow)CF_NARROW_INIT;
		worker_repo(&p->w[i]);
		/* The calling thread is worker 0. */
		if (i && pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]))
			die("cannot start diff thread %d of %d", i + 1, nr);
	}
}

static void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->lock);
	for (int i = 1; i < p->nr; i++)
		pthread_join(p->w[i].thread, NULL);
	for (int i = 0; i < p->nr; i++) {
		free(p->w[i].h.v);
		cf_quickdiff_release(&p->w[i].quick);
		cf_narrow_release(&p->w[i].narrow);
		cf_linediff_release(&p->w[i].ld);
		git_repository_free(p->w[i].repo);
	}
	free(p->w);
}

static int by_cost(const void *a, const void *b)
{
	const struct todo *x = a, *y = b;
	return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 :
	       x->item < y->item ? -1 : x->item > y->item;
}

/* Diffs the batch's todo list on all workers; biggest diffs first balances them. */
static void pool_run(struct pool *p, struct batch *b)
{
	int helpers;

	for (int i = 0; i < p->nr; i++)
		p->w[i].h.nr = 0;
	if (!b->ntodo)
		return;
	qsort(b->todo, b->ntodo, sizeof(*b->todo), by_cost);
	p->b = b;
	atomic_store(&p->next, 0);
	helpers = b->ntodo > 1 ? p->nr - 1 : 0;
	if (helpers) {
		pthread_mutex_lock(&p->lock);
		p->busy = p->nr - 1;
		p->gen++;
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->lock);
	}
	work(&p->w[0]);
	if (helpers) {
		pthread_mutex_lock(&p->lock);
		while (p->busy)
			pthread_cond_wait(&p->done, &p->lock);
		pthread_mutex_unlock(&p->lock);
	}
}

static const uint32_t *item_hunks(const struct batch *b, const struct item *it)
{
	const struct hunks *h = it->store < 0 ? &b->own : &pool.w[it->store].h;
	return h->v ? h->v + it->hunk : NULL;
}

static void emit_change(const struct batch *b, const struct item *it)
{
	const char *raw = b->raw.buf + it->raw;
	msgpack_packer *pk = &out.pk;
	const uint32_t *h = item_hunks(b, it);
	int hunks = it->kind == ITEM_HUNKS;

	msgpack_pack_map(pk, it->fields + 2 + hunks * (2 - no_hunks) + 2 * it->too_large);
	cf_buf_add(&out.buf, raw + it->body, it->raw_len - it->body);
	if (it->too_large) {
		cf_pack_kv_bool(pk, "bin", 1);
		cf_pack_kv_bool(pk, "new_bin", 1);
	}
	cf_pack_kv_u64(pk, "add", it->lines.add);
	cf_pack_kv_u64(pk, "del", it->lines.del);
	if (hunks)
		cf_pack_kv_u64(pk, "changed", it->lines.changed);
	if (hunks && !no_hunks) {
		cf_pack_str(pk, "hunks");
		msgpack_pack_array(pk, it->nhunk);
		for (size_t i = 0; i < it->nhunk; i++)
			msgpack_pack_uint32(pk, h[i]);
	}
	cf_writer_end(&out);
}

static int sums_match(const struct batch *b, const struct item *it)
{
	struct counts c = hunk_lines(item_hunks(b, it), it->nhunk);

	return c.add == it->lines.add && c.del == it->lines.del && c.changed == it->lines.changed;
}

static _Noreturn void die_failed(const struct batch *b, const struct item *it)
{
	const char *msg = it->store >= 0 ? pool.w[it->store].err : "";
	die("record %llu: cannot diff '%.*s': %s", (unsigned long long)it->number,
	    (int)it->path_len, b->paths.buf + it->path, msg);
}

static void emit_batch(struct batch *b)
{
	for (size_t i = 0; i < b->nr; i++) {
		struct item *it = &b->items[i];

		if (it->failed)
			die_failed(b, it);
		if (it->kind == ITEM_PASS) {
			cf_writer_raw(&out, b->raw.buf + it->raw, it->raw_len);
			continue;
		}
		emit_change(b, it);
		/* The cache gives back hunk sums: keep what it would get wrong out. */
		if (it->diff && (!it->exact || sums_match(b, it)))
			cf_diffcache_put(cache, &it->old_oid, &it->new_oid,
					 item_hunks(b, it), it->nhunk);
	}
	if (!keep_blobs)
		cf_arenas_release(&arenas);
}

/*
 * Starts the next batch.  Blobs not yet consumed by a change stay: their
 * inline bytes, always at the tail of batch.inl, move to its front.
 */
static void batch_reset(struct batch *b)
{
	size_t keep = b->inl.len;

	for (size_t i = 0; i < b->npending; i++)
		if (!b->pending[i].ptr && b->pending[i].off < keep)
			keep = b->pending[i].off;
	if (keep < b->inl.len)
		memmove(b->inl.buf, b->inl.buf + keep, b->inl.len - keep);
	for (size_t i = 0; i < b->npending; i++)
		if (!b->pending[i].ptr)
			b->pending[i].off -= keep;
	cf_buf_setlen(&b->inl, b->inl.len - keep);
	if (!b->inl.len && b->inl.alloc > INLINE_FLUSH)
		cf_buf_release(&b->inl);
	b->nr = b->ntodo = 0;
	b->commits = 0;
	b->full = 0;
	b->own.nr = 0;
	cf_buf_reset(&b->raw);
	cf_buf_reset(&b->paths);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_batch(struct batch *b)
{
	double t;

	if (!b->nr)
		return;
	stats.batches++;
	t = now();
	pool_run(&pool, b);
	stats.diffing += now() - t;
	emit_batch(b);
	batch_reset(b);
}

static int buf_write(void *data, const char *s, size_t len)
{
	cf_buf_add(data, s, len);
	return 0;
}

/* The keys emit_change() writes: the diff's, and for a pair too large the binary flags. */
static int is_diff_key(const msgpack_object *k, int too_large)
{
	static const char *const keys[] = { "add", "del", "changed", "hunks", "bin", "new_bin" };
	size_t nr = too_large ? 6 : 4;

	if (k->type != MSGPACK_OBJECT_STR)
		return 0;
	for (size_t i = 0; i < nr; i++)
		if (k->via.str.size == strlen(keys[i]) &&
		    !memcmp(k->via.str.ptr, keys[i], k->via.str.size))
			return 1;
	return 0;
}

static size_t map_header_len(unsigned char c)
{
	return c == 0xde ? 3 : c == 0xdf ? 5 : 1;
}

/*
 * Copies a change record into the batch.  A record that has been through a
 * cf-diff already loses its old "add", "del" and "hunks" so that no key is
 * written twice.
 */
static void copy_change(struct batch *b, struct item *it, const struct cf_record *rec)
{
	const msgpack_object_map *m = &rec->map->via.map;
	uint32_t drop = 0;
	msgpack_packer pk;

	for (uint32_t i = 0; i < m->size; i++)
		drop += is_diff_key(&m->ptr[i].key, it->too_large);
	it->raw = b->raw.len;
	it->fields = m->size - drop;
	if (it->fields + 5 > cf_reader_default_limits.max_fields)
		cf_rec_die(rec, "too many fields to add the diff's");
	if (!drop) {
		cf_buf_add(&b->raw, rec->raw, rec->raw_len);
	} else {
		msgpack_packer_init(&pk, &b->raw, buf_write);
		msgpack_pack_map(&pk, it->fields);
		for (uint32_t i = 0; i < m->size; i++) {
			if (is_diff_key(&m->ptr[i].key, it->too_large))
				continue;
			msgpack_pack_object(&pk, m->ptr[i].key);
			msgpack_pack_object(&pk, m->ptr[i].val);
		}
	}
	it->raw_len = b->raw.len - it->raw;
	it->body = map_header_len((unsigned char)b->raw.buf[it->raw]);
}

static struct item *new_item(struct batch *b, enum item_kind kind,
			     const struct cf_record *rec)
{
	struct item *it;

	CF_ALLOC_GROW(b->items, b->nr + 1, b->alloc);
	it = &b->items[b->nr++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->store = -1;
	it->number = rec->number;
	return it;
}

static void add_pass(struct batch *b, const struct cf_record *rec)
{
	struct item *it = new_item(b, ITEM_PASS, rec);

	it->raw = b->raw.len;
	it->raw_len = rec->raw_len;
	cf_buf_add(&b->raw, rec->raw, rec->raw_len);
}

static const struct blob *find_blob(const struct batch *b, const struct cf_oid *oid)
{
	for (size_t i = b->npending; i-- > 0; )
		if (!cf_oid_cmp(&b->pending[i].oid, oid))
			return &b->pending[i];
	return NULL;
}

static void need_blob(const struct batch *b, const struct cf_record *rec,
		      const struct item *it, const char *side,
		      const struct cf_oid *oid, struct blob *bl)
{
	const struct blob *found = find_blob(b, oid);
	char hex[CF_OID_HEXSZ + 1];

	if (!found)
		cf_rec_die(rec, "no blob record for the %s blob %s of '%.*s'", side,
			   cf_oid_to_hex(oid, hex), (int)it->path_len,
			   b->paths.buf + it->path);
	*bl = *found;
}

/* Over --max-diff-size or --max-diff-lines: lines are counted only when bytes are not enough. */
static int too_large(const struct batch *b, const struct item *it)
{
	uint64_t size = (uint64_t)it->old.len + it->new.len;

	if (max_diff_size && size > max_diff_size)
		return 1;
	if (!max_diff_lines || size <= max_diff_lines)
		return 0;	/* never more lines than bytes */
	return cf_count_lines(blob_bytes(b, &it->old), it->old.len) +
	       cf_count_lines(blob_bytes(b, &it->new), it->new.len) > max_diff_lines;
}

/* The change goes on as a binary one, without hunks: its record is copied again. */
static void skip_diff(struct batch *b, struct item *it, const struct cf_record *rec)
{
	it->kind = ITEM_COUNTS;
	it->too_large = 1;
	cf_buf_setlen(&b->raw, it->raw);
	copy_change(b, it, rec);
	stats.too_large++;
}

/* A modification: hunks from the cache, trivially empty, or to compute. */
static void plan_diff(struct batch *b, struct item *it, const struct cf_record *rec)
{
	const uint32_t *hit;
	size_t nr;

	it->hunk = b->own.nr;
	if (!cf_oid_cmp(&it->old_oid, &it->new_oid))
		return;
	hit = cf_diffcache_get(cache, &it->old_oid, &it->new_oid, &nr);
	if (hit) {
		stats.hits++;
		CF_ALLOC_GROW(b->own.v, b->own.nr + nr, b->own.alloc);
		memcpy(b->own.v + b->own.nr, hit, nr * sizeof(*hit));
		b->own.nr += nr;
		it->nhunk = nr;
		it->lines = hunk_lines(b->own.v + it->hunk, nr);
		return;
	}
	need_blob(b, rec, it, "old", &it->old_oid, &it->old);
	need_blob(b, rec, it, "new", &it->new_oid, &it->new);
	if (too_large(b, it)) {
		skip_diff(b, it, rec);
		return;
	}
	it->diff = 1;
	CF_ALLOC_GROW(b->todo, b->ntodo + 1, b->todo_alloc);
	b->todo[b->ntodo].item = it - b->items;
	b->todo[b->ntodo].cost = it->old.len + it->new.len;
	b->ntodo++;
	stats.diffs++;
	stats.bytes += it->old.len + it->new.len;
}

/* The change consumed every blob before it: their space may go. */
static void consume_pending(struct batch *b)
{
	for (size_t i = 0; i < b->npending; i++)
		cf_arenas_consume(&arenas, b->pending[i].arena, b->pending[i].end);
	b->npending = 0;
}

static void add_change(struct batch *b, const struct cf_record *rec)
{
	const char *s, *path;
	size_t slen, plen;
	struct item *it;
	int bin;

	s = cf_rec_str(rec, "s", &slen);
	path = cf_rec_str(rec, "path", &plen);
	bin = cf_rec_bool(rec, "bin");
	it = new_item(b, ITEM_COUNTS, rec);
	copy_change(b, it, rec);
	it->path = b->paths.len;
	it->path_len = plen;
	it->commit = current_commit;
	cf_buf_add(&b->paths, path, plen);
	stats.changes++;
	if (slen == 1 && s[0] == 'A') {
		it->lines.add = bin ? 0 : cf_rec_u64(rec, "new_lines");
	} else if (slen == 1 && s[0] == 'D') {
		it->lines.del = bin ? 0 : cf_rec_u64(rec, "old_lines");
	} else {
		/* "M", "R", and any later status that pairs two blobs. */
		cf_rec_oid(rec, "old", &it->old_oid);
		cf_rec_oid(rec, "new", &it->new_oid);
		/* an exact rename: cf-blobload sends no blobs, nothing changed */
		if (slen == 1 && s[0] == 'R' && !cf_oid_cmp(&it->old_oid, &it->new_oid))
			bin = 1;
		if (!bin) {
			it->kind = ITEM_HUNKS;
			plan_diff(b, it, rec);
		}
	}
	consume_pending(b);
}

/* Into a file (or /dev/null) no later stage can read the ring: release it here. */
static int stdout_is_stream(void)
{
	struct stat st;

	return !fstat(1, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* The arena record passed on names our descriptor: the producer may exit first. */
static void add_relay(struct batch *b)
{
	const struct cf_arena_slot *s = &arenas.slot[arenas.nr - 1];
	struct item *it;
	msgpack_packer pk;

	CF_ALLOC_GROW(b->items, b->nr + 1, b->alloc);
	it = &b->items[b->nr++];
	memset(it, 0, sizeof(*it));
	it->kind = ITEM_PASS;
	it->store = -1;
	it->raw = b->raw.len;
	msgpack_packer_init(&pk, &b->raw, buf_write);
	msgpack_pack_map(&pk, 5);
	cf_pack_kv_str(&pk, "t", CF_REC_ARENA);
	cf_pack_kv_u64(&pk, "v", 1);
	cf_pack_kv_u64(&pk, "id", s->id);
	cf_pack_kv_str(&pk, "path", cf_arena_relay_path(s->a));
	cf_pack_kv_u64(&pk, "size", s->size);
	it->raw_len = b->raw.len - it->raw;
}

static void add_blob(struct batch *b, const struct cf_record *rec)
{
	struct cf_blob_ref ref;
	struct blob bl;

	cf_arenas_blob(&arenas, rec, b->npending, &ref);
	bl.oid = ref.oid;
	bl.len = ref.len;
	bl.arena = ref.arena;
	bl.end = ref.end;
	bl.ptr = ref.arena >= 0 ? ref.ptr : NULL;
	bl.off = b->inl.len;
	if (ref.arena < 0)
		cf_buf_add(&b->inl, ref.ptr, ref.len);
	b->full |= ref.fills;
	CF_ALLOC_GROW(b->pending, b->npending + 1, b->pending_alloc);
	b->pending[b->npending++] = bl;
}

/* The pairs left undiffed, for cf-reduce to add to cf-blobload's (cf-records(5)). */
static void write_scope(void)
{
	msgpack_packer *pk = cf_writer_begin(&out, "scope", 1, 1);

	cf_pack_str(pk, "skipped");
	msgpack_pack_map(pk, 1);
	cf_pack_kv_u64(pk, "too_large", stats.too_large);
	cf_writer_end(&out);
}

static void read_stream(struct cf_reader *r)
{
	struct cf_record rec;
	struct batch *b = &batch;

	for (;;) {
		if (b->nr && (b->full || b->inl.len >= INLINE_FLUSH ||
			      !cf_reader_ready(r))) {
			run_batch(b);
			cf_writer_flush(&out);
		}
		if (!cf_reader_next(r, &rec))
			break;
		if (cf_rec_is(&rec, CF_REC_CHANGE)) {
			add_change(b, &rec);
		} else if (cf_rec_is(&rec, CF_REC_BLOB)) {
			add_blob(b, &rec);
			if (keep_blobs)
				add_pass(b, &rec);
		} else if (cf_rec_is(&rec, CF_REC_COMMIT)) {
			if (b->commits >= batch_commits)
				run_batch(b);
			b->commits++;
			if (heartbeat)
				cf_rec_oid_opt(&rec, "id", &current_commit);
			add_pass(b, &rec);
		} else if (cf_rec_is(&rec, CF_REC_ARENA)) {
			cf_arenas_add(&arenas, &rec);
			if (keep_blobs)
				add_relay(b);
		} else {
			add_pass(b, &rec);
		}
	}
	run_batch(b);
	if (stats.too_large)
		write_scope();
}

static void print_stats(void)
{
	struct cf_diffcache_stats cs;
	char size[32];

	cf_diffcache_stats(cache, &cs);
	cf_note("%llu changes, %llu diffs (%s), %llu cache hits, %llu evictions, "
		"%llu batches, %d workers, %.2f s of %.2f s diffing",
		(unsigned long long)stats.changes, (unsigned long long)stats.diffs,
		cf_size_str(stats.bytes, size), (unsigned long long)stats.hits,
		(unsigned long long)cs.evictions, (unsigned long long)stats.batches,
		pool.nr, stats.diffing, now() - stats.start);
	if (stats.too_large)
		cf_note("%llu pairs over --max-diff-size or --max-diff-lines, counted as binary",
			(unsigned long long)stats.too_large);
	if (pool.quick)
		cf_note("%lu diffs decided without xdiff (one block of lines replaced), "
			"%lu on narrowed sides", (unsigned long)atomic_load(&pool.quicks),
			(unsigned long)atomic_load(&pool.narrowed));
	if (pool.exact_numstat)
		cf_note("--exact-numstat: %lu diffs of the whole blobs, %lu on the lines "
			"the first diff read", (unsigned long)atomic_load(&pool.rediffs),
			(unsigned long)atomic_load(&pool.reread));
}

static void free_all(void)
{
	struct batch *b = &batch;

	cf_arenas_detach(&arenas, keep_blobs);
	free(b->items);
	free(b->todo);
	free(b->pending);
	free(b->own.v);
	cf_buf_release(&b->raw);
	cf_buf_release(&b->inl);
	cf_buf_release(&b->paths);
	cf_diffcache_free(cache);
}

enum {
	OPT_BATCH = 256,
	OPT_CACHE,
	OPT_HISTOGRAM,
	OPT_PATIENCE,
	OPT_MINIMAL,
	OPT_EXACT,
	OPT_PROGRESS,
	OPT_KEEP_BLOBS,
	OPT_MAX_SIZE,
	OPT_MAX_LINES,
	OPT_NO_QUICK,
	OPT_NO_HUNKS,
	OPT_LIBGIT2,
};

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'j' },
		{ "commit-batch-size", required_argument, NULL, OPT_BATCH },
		{ "diff-cache-size", required_argument, NULL, OPT_CACHE },
		{ "histogram", no_argument, NULL, OPT_HISTOGRAM },
		{ "patience", no_argument, NULL, OPT_PATIENCE },
		{ "minimal", no_argument, NULL, OPT_MINIMAL },
		{ "exact-numstat", no_argument, NULL, OPT_EXACT },
		{ "no-hunks", no_argument, NULL, OPT_NO_HUNKS },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "keep-blobs", no_argument, NULL, OPT_KEEP_BLOBS },
		{ "max-diff-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "max-diff-lines", required_argument, NULL, OPT_MAX_LINES },
		{ "no-quick-diff", no_argument, NULL, OPT_NO_QUICK },
		{ "libgit2-diff", no_argument, NULL, OPT_LIBGIT2 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t workers = cpus > 0 ? (uint64_t)cpus : 1, cache_size = 10000;
	uint32_t algo = 0, minimal = 0;
	int c, verbose = 0, progress = 0, no_quick = 0, libgit2_diff = 0;
	struct cf_reader r;

	while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			workers = cf_opt_uint("--workers", optarg, 1, 256);
			break;
		case OPT_BATCH:
			batch_commits = cf_opt_uint("--commit-batch-size", optarg, 1, 1000000);
			break;
		case OPT_CACHE:
			cache_size = cf_opt_uint("--diff-cache-size", optarg, 0, 100000000);
			break;
		case OPT_HISTOGRAM:
			/* git_xdiff_init() maps no flag to xdiff's histogram mode. */
			usage_error("--histogram: libgit2 %d.%d has no histogram diff",
				    LIBGIT2_VER_MAJOR, LIBGIT2_VER_MINOR);
		case OPT_PATIENCE:
			algo = GIT_DIFF_PATIENCE;
			break;
		case OPT_MINIMAL:
			minimal = GIT_DIFF_MINIMAL;
			break;
		case OPT_EXACT:
			pool.exact_numstat = 1;
			break;
		case OPT_PROGRESS:
			progress = 1;
			break;
		case OPT_KEEP_BLOBS:
			keep_blobs = stdout_is_stream();
			break;
		case OPT_MAX_SIZE:
			max_diff_size = cf_opt_size("--max-diff-size", optarg);
			break;
		case OPT_MAX_LINES:
			max_diff_lines = cf_opt_uint("--max-diff-lines", optarg, 0, UINT64_MAX);
			break;
		case OPT_NO_QUICK:
			no_quick = 1;
			break;
		case OPT_LIBGIT2:
			libgit2_diff = 1;
			break;
		case OPT_NO_HUNKS:
			no_hunks = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			cf_usage_bad(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s' (the stream is read on standard input)",
			    argv[optind]);
	if (workers > 256)
		workers = 256;
	if (git_libgit2_init() < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0) < 0 ||
	    no_config_files() < 0)
		die("cannot initialise libgit2");
	stats.start = now();
	cache = cf_diffcache_new(cache_size);
	/* Only Myers' diff is known to agree; patience and minimal stay with xdiff. */
	pool.quick = !no_quick && !algo && !minimal;
	pool.own = !libgit2_diff && !algo;
	pool.ld_flags = minimal ? CF_LINEDIFF_MINIMAL : 0;
	pool_start(&pool, (int)workers, algo | minimal);
	heartbeat = cf_heartbeat_start(progress, (unsigned)workers);
	cf_reader_init(&r, 0);
	cf_writer_init(&out, 1);
	read_stream(&r);
	cf_heartbeat_stop(heartbeat);
	cf_writer_release(&out);
	pool_stop(&pool);
	if (verbose)
		print_stats();
	cf_reader_release(&r);
	free_all();
	git_libgit2_shutdown();
	return 0;
}
