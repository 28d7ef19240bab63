/*
 * cf-revlist: the first stage of the history pipeline.  Walks a repository's
 * history with git rev-list's rules and writes a "stream" record, then one
 * "commit" record per commit, oldest first.
 *
 * The walk is git's "limited" walk: a queue ordered by committer date,
 * interesting commits (reachable from the head) and uninteresting ones
 * (reachable from the excluded side of a range, or older than --since, and
 * everything behind them).  Doing it here rather than with git_revwalk keeps
 * --first-parent with ranges, --since and shallow boundaries exactly as git
 * does them.  Only ids, dates and parent links are kept while walking; the
 * records are written afterwards, so that the stream record can say how
 * many commits follow.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/mailmap.h"
#include "cf/people.h"
#include "cf/record.h"
#include "cf/repo.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-revlist [options] REPO [RANGE]\n"
"\n"
"Writes the commits of RANGE (a revision, \"HEAD\" by default, or A..B) as a\n"
"record stream, oldest first.\n"
"\n"
"      --first-parent      follow only first parents (the default)\n"
"      --full-history      every reachable commit, in topological order\n"
"      --since DATE        only commits whose committer date is DATE or later\n"
"      --until DATE        only commits whose committer date is DATE or earlier\n"
"  -n, --max-count N       at most the N newest commits\n"
"      --skip N            leave out the N newest commits first\n"
"      --tick-size HOURS   length of a tick (default 24)\n"
"      --no-mailmap        do not resolve identities through .mailmap\n"
"      --people-dict FILE  then merge aliases: one person per line, 'a|b|c'\n"
"      --identity WHO      author (default) or committer\n"
"      --allow-shallow     walk a shallow repository as far as it goes\n"
"      --count             print the number of commits and exit\n"
"      --chunk-size N      a \"barrier\" record after every N commits (streaming)\n"
"      --resume-after K    leave out the first K commits (ticks and barriers\n"
"                          are numbered as in the whole walk)\n"
"  -h, --help              show this help\n"
"\n"
"DATE is YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z|+hh:mm|-hh:mm] (UTC unless a zone\n"
"is given) or @UNIXSECONDS.\n";

#define NO_DATE INT64_MIN

struct options {
	int first_parent;
	int mailmap;
	int allow_shallow;
	int committer;		/* --identity=committer */
	const char *people_dict;
	int64_t since, until;	/* NO_DATE when not given */
	uint64_t max_count;	/* UINT64_MAX: unlimited */
	uint64_t skip;
	uint64_t tick_size;	/* seconds */
	uint64_t chunk_size;	/* 0: no barriers */
	uint64_t resume_after;
	int count;
};

/* ---- dates ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n digits at *s; -1 if they are not there. */
static int digits(const char **s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (**s - '0');
	}
	return v;
}

/* "", "Z", "+hh:mm", "-hhmm": seconds east of UTC, or -1 on error in *ok. */
static int parse_zone(const char *s, int *ok)
{
	int sign, h, m;

	*ok = 1;
	if (!*s || !strcmp(s, "Z"))
		return 0;
	if (*s != '+' && *s != '-')
		return *ok = 0;
	sign = *s++ == '-' ? -1 : 1;
	h = digits(&s, 2);
	if (*s == ':')
		s++;
	m = digits(&s, 2);
	if (h < 0 || m < 0 || h > 23 || m > 59 || *s)
		return *ok = 0;
	return sign * (h * 3600 + m * 60);
}

static int parse_date(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, zone, ok;
	char *end;

	if (*s == '@') {
		long long v;
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || *end || (s[1] != '-' && (s[1] < '0' || s[1] > '9')))
			return -1;
		*out = v;
		return 0;
	}
	y = digits(&s, 4);
	if (y < 0 || *s++ != '-' || (mo = digits(&s, 2)) < 1 || mo > 12 ||
	    *s++ != '-' || (d = digits(&s, 2)) < 1 || d > days_in_month(y, mo))
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		h = digits(&s, 2);
		if (h < 0 || h > 23 || *s++ != ':' || (mi = digits(&s, 2)) < 0 || mi > 59 ||
		    *s++ != ':' || (sec = digits(&s, 2)) < 0 || sec > 59)
			return -1;
	}
	zone = parse_zone(s, &ok);
	if (!ok)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - zone;
	return 0;
}

static int64_t opt_date(const char *flag, const char *arg)
{
	int64_t v;

	if (parse_date(arg, &v) < 0)
		usage_error("%s: not a date: '%s' (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z|+hh:mm] "
			    "or @UNIXSECONDS)", flag, arg);
	return v;
}

/* ---- the commit graph: ids, dates, parents, looked up by id ---- */

enum {
	SEEN = 1 << 0,		/* queued once */
	UNINTERESTING = 1 << 1,
	PARSED = 1 << 2,
	SHALLOW = 1 << 3,	/* a shallow boundary: its parents are not here */
};

struct node {
	struct cf_oid oid;
	int64_t date;
	uint32_t parents;	/* index into graph.parents */
	uint32_t nr_parents;
	unsigned flags;
};

struct graph {
	git_repository *repo;
	const char *path;	/* as the user gave it, for messages */
	struct node *nodes;
	size_t nr, alloc;
	uint32_t *table;	/* open addressing: node index + 1, 0 empty */
	size_t table_size;
	uint32_t *parents;
	size_t nr_parents, alloc_parents;
};

static void graph_rehash(struct graph *g)
{
	size_t size = g->table_size ? g->table_size * 2 : 1024;

	free(g->table);
	g->table = xcalloc(size, sizeof(*g->table));
	g->table_size = size;
	for (size_t i = 0; i < g->nr; i++) {
		size_t pos = cf_oid_hash(&g->nodes[i].oid) & (size - 1);
		while (g->table[pos])
			pos = (pos + 1) & (size - 1);
		g->table[pos] = (uint32_t)i + 1;
	}
}

/* The node of oid, created (unparsed) if it is new. */
static uint32_t graph_node(struct graph *g, const struct cf_oid *oid)
{
	size_t pos;
	struct node *n;

	if ((g->nr + 1) * 2 > g->table_size)
		graph_rehash(g);
	pos = cf_oid_hash(oid) & (g->table_size - 1);
	while (g->table[pos]) {
		uint32_t i = g->table[pos] - 1;
		if (!cf_oid_cmp(&g->nodes[i].oid, oid))
			return i;
		pos = (pos + 1) & (g->table_size - 1);
	}
	if (g->nr >= UINT32_MAX - 1)
		die("too many commits");
	CF_ALLOC_GROW(g->nodes, g->nr + 1, g->alloc);
	n = &g->nodes[g->nr];
	memset(n, 0, sizeof(*n));
	n->oid = *oid;
	g->table[pos] = (uint32_t)g->nr + 1;
	return (uint32_t)g->nr++;
}

static git_commit *lookup_commit(struct graph *g, const struct cf_oid *oid)
{
	git_commit *c;
	git_oid id;
	char hex[CF_OID_HEXSZ + 1];

	cf_oid_to_git(&id, oid);
	if (git_commit_lookup(&c, g->repo, &id) < 0)
		die("cannot read commit %s in '%s': %s", cf_oid_to_hex(oid, hex),
		    g->path, cf_git_error());
	return c;
}

static void graph_parse(struct graph *g, uint32_t i)
{
	git_commit *c;
	unsigned nr;
	struct cf_oid oid;

	if (g->nodes[i].flags & PARSED)
		return;
	c = lookup_commit(g, &g->nodes[i].oid);
	nr = g->nodes[i].flags & SHALLOW ? 0 : git_commit_parentcount(c);
	CF_ALLOC_GROW(g->parents, st_add(g->nr_parents, nr), g->alloc_parents);
	for (unsigned k = 0; k < nr; k++) {
		cf_oid_from_git(&oid, git_commit_parent_id(c, k));
		/* graph_node() may move g->nodes: index, do not hold pointers */
		g->parents[g->nr_parents + k] = graph_node(g, &oid);
	}
	g->nodes[i].parents = (uint32_t)g->nr_parents;
	g->nodes[i].nr_parents = nr;
	g->nr_parents += nr;
	g->nodes[i].date = git_commit_time(c);
	g->nodes[i].flags |= PARSED;
	git_commit_free(c);
}

/* Commits listed in the shallow file have no parents here, as in git. */
static void graph_load_shallow(struct graph *g)
{
	struct cf_buf path = CF_BUF_INIT, file = CF_BUF_INIT;
	struct cf_oid oid;

	cf_buf_addf(&path, "%sshallow", cf_repo_gitdir(g->repo));
	if (cf_buf_read_file(&file, path.buf) < 0) {
		if (errno != ENOENT)
			die_errno("cannot read '%s'", path.buf);
	}
	for (char *line = file.buf; *line; ) {
		char *eol = strchrnul(line, '\n');
		if (eol - line >= CF_OID_HEXSZ && !cf_oid_from_hex(&oid, line)) {
			uint32_t i = graph_node(g, &oid);
			g->nodes[i].flags |= SHALLOW;
		}
		line = *eol ? eol + 1 : eol;
	}
	cf_buf_release(&path);
	cf_buf_release(&file);
}

/* ---- the walk ---- */

/* A max-heap of node indices by date; equal dates leave in arrival order. */
struct queue {
	struct { uint32_t node; uint64_t seq; } *items;
	size_t nr, alloc;
	uint64_t seq;
	const struct graph *g;
};

static int queue_before(const struct queue *q, size_t a, size_t b)
{
	int64_t da = q->g->nodes[q->items[a].node].date;
	int64_t db = q->g->nodes[q->items[b].node].date;

	return da != db ? da > db : q->items[a].seq < q->items[b].seq;
}

static void queue_swap(struct queue *q, size_t a, size_t b)
{
	__typeof__(*q->items) t = q->items[a];
	q->items[a] = q->items[b];
	q->items[b] = t;
}

static void queue_put(struct queue *q, uint32_t node)
{
	size_t i = q->nr;

	CF_ALLOC_GROW(q->items, q->nr + 1, q->alloc);
	q->items[q->nr].node = node;
	q->items[q->nr++].seq = q->seq++;
	while (i && queue_before(q, i, (i - 1) / 2)) {
		queue_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static uint32_t queue_get(struct queue *q)
{
	uint32_t top = q->items[0].node;
	size_t i = 0;

	q->items[0] = q->items[--q->nr];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		if (l < q->nr && queue_before(q, l, best))
			best = l;
		if (r < q->nr && queue_before(q, r, best))
			best = r;
		if (best == i)
			break;
		queue_swap(q, i, best);
		i = best;
	}
	return top;
}

struct walk {
	struct graph *g;
	const struct options *opt;
	struct queue q;
	uint32_t *list;		/* interesting commits in the order they left the queue */
	size_t nr, alloc;
	uint32_t *stack;	/* scratch for marking */
	size_t stack_alloc;
};

/* Everything behind an uninteresting commit that we have parsed already. */
static void mark_parents_uninteresting(struct walk *w, uint32_t i)
{
	struct graph *g = w->g;
	size_t nr = 0;

	for (;;) {
		struct node *n = &g->nodes[i];
		for (uint32_t k = 0; k < n->nr_parents; k++) {
			uint32_t p = g->parents[n->parents + k];
			if (g->nodes[p].flags & UNINTERESTING)
				continue;
			g->nodes[p].flags |= UNINTERESTING;
			CF_ALLOC_GROW(w->stack, nr + 1, w->stack_alloc);
			w->stack[nr++] = p;
		}
		if (!nr)
			break;
		i = w->stack[--nr];
	}
}

static void enqueue(struct walk *w, uint32_t p)
{
	struct node *n;

	graph_parse(w->g, p);
	n = &w->g->nodes[p];
	if (n->flags & SEEN)
		return;
	n->flags |= SEEN;
	queue_put(&w->q, p);
}

static void process_parents(struct walk *w, uint32_t i)
{
	struct graph *g = w->g;
	struct node *n = &g->nodes[i];
	uint32_t nr = n->nr_parents, first = n->parents;

	if (n->flags & UNINTERESTING) {
		for (uint32_t k = 0; k < nr; k++) {
			uint32_t p = g->parents[first + k];
			g->nodes[p].flags |= UNINTERESTING;
			graph_parse(g, p);
			mark_parents_uninteresting(w, p);
			enqueue(w, p);
		}
		return;
	}
	if (w->opt->first_parent && nr > 1)
		nr = 1;
	for (uint32_t k = 0; k < nr; k++)
		enqueue(w, g->parents[first + k]);
}

static int any_interesting(const struct walk *w)
{
	for (size_t k = 0; k < w->q.nr; k++)
		if (!(w->g->nodes[w->q.items[k].node].flags & UNINTERESTING))
			return 1;
	return 0;
}

#define SLOP 5

/*
 * Whether the walk must go on after an uninteresting commit: as in git, a
 * few more steps after the last interesting commit is gone, in case clock
 * skew hides an uninteresting path to something already listed.
 */
static int still_interesting(const struct walk *w, int64_t last_date, int slop)
{
	if (!w->q.nr)
		return 0;
	if (last_date <= w->g->nodes[w->q.items[0].node].date)
		return SLOP;
	if (any_interesting(w))
		return SLOP;
	return slop - 1;
}

static void walk_run(struct walk *w)
{
	struct graph *g = w->g;
	int64_t last_date = INT64_MAX;
	int slop = SLOP;

	while (w->q.nr) {
		uint32_t i = queue_get(&w->q);
		struct node *n = &g->nodes[i];

		if (w->opt->since != NO_DATE && n->date < w->opt->since)
			n->flags |= UNINTERESTING;
		process_parents(w, i);
		n = &g->nodes[i];
		if (n->flags & UNINTERESTING) {
			mark_parents_uninteresting(w, i);
			slop = still_interesting(w, last_date, slop);
			if (slop)
				continue;
			break;
		}
		last_date = n->date;
		CF_ALLOC_GROW(w->list, w->nr + 1, w->alloc);
		w->list[w->nr++] = i;
	}
}

/* Drops what became uninteresting after it was listed. */
static void walk_prune(struct walk *w)
{
	size_t k = 0;

	for (size_t j = 0; j < w->nr; j++)
		if (!(w->g->nodes[w->list[j]].flags & UNINTERESTING))
			w->list[k++] = w->list[j];
	w->nr = k;
}

/*
 * git's --topo-order: children before parents, and of the parents that
 * become free at once the last one first (a stack), so that a merged
 * branch is shown whole next to its merge.
 */
static void walk_topo_sort(struct walk *w)
{
	struct graph *g = w->g;
	uint32_t *indegree = xcalloc(g->nr, sizeof(*indegree));
	uint32_t *stack = xmalloc(st_mult(w->nr + 1, sizeof(*stack)));
	uint32_t *out = xmalloc(st_mult(w->nr + 1, sizeof(*out)));
	size_t nr = 0, nr_out = 0;

	/* indegree is 1 + the number of listed children; 0 means not listed */
	for (size_t j = 0; j < w->nr; j++)
		indegree[w->list[j]] = 1;
	for (size_t j = 0; j < w->nr; j++) {
		struct node *n = &g->nodes[w->list[j]];
		for (uint32_t k = 0; k < n->nr_parents; k++)
			if (indegree[g->parents[n->parents + k]])
				indegree[g->parents[n->parents + k]]++;
	}
	for (size_t j = w->nr; j-- > 0; )
		if (indegree[w->list[j]] == 1)
			stack[nr++] = w->list[j];
	while (nr) {
		uint32_t i = stack[--nr];
		struct node *n = &g->nodes[i];
		out[nr_out++] = i;
		for (uint32_t k = 0; k < n->nr_parents; k++) {
			uint32_t p = g->parents[n->parents + k];
			if (indegree[p] && --indegree[p] == 1)
				stack[nr++] = p;
		}
	}
	if (nr_out != w->nr)
		BUG("topological sort lost commits");
	free(w->list);
	w->list = out;
	w->alloc = w->nr + 1;
	free(stack);
	free(indegree);
}

/* --until, --skip and --max-count on the newest-first list, then oldest first. */
static void walk_limit(struct walk *w)
{
	const struct options *opt = w->opt;
	size_t k = 0;
	uint64_t skipped = 0;

	for (size_t j = 0; j < w->nr && k < opt->max_count; j++) {
		uint32_t i = w->list[j];
		if (opt->until != NO_DATE && w->g->nodes[i].date > opt->until)
			continue;
		if (skipped < opt->skip) {
			skipped++;
			continue;
		}
		w->list[k++] = i;
	}
	w->nr = k;
	for (size_t j = 0; j < k / 2; j++) {
		uint32_t t = w->list[j];
		w->list[j] = w->list[k - 1 - j];
		w->list[k - 1 - j] = t;
	}
}

static void walk_commits(struct walk *w, const struct cf_oid *head, const struct cf_oid *hide)
{
	uint32_t i;

	w->q.g = w->g;
	i = graph_node(w->g, head);
	enqueue(w, i);
	if (hide) {
		i = graph_node(w->g, hide);
		w->g->nodes[i].flags |= UNINTERESTING;
		graph_parse(w->g, i);
		mark_parents_uninteresting(w, i);
		enqueue(w, i);
	}
	walk_run(w);
	walk_prune(w);
	if (!w->opt->first_parent)
		walk_topo_sort(w);
	walk_limit(w);
}

/* ---- revisions ---- */

static void resolve(git_repository *repo, const char *spec, struct cf_oid *out)
{
	git_object *obj, *commit;
	int err = git_revparse_single(&obj, repo, spec);

	if (err == GIT_EAMBIGUOUS)
		die("ambiguous revision '%s'", spec);
	if (err < 0)
		die("unknown revision '%s'", spec);
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0)
		die("revision '%s' is not a commit", spec);
	cf_oid_from_git(out, git_object_id(commit));
	git_object_free(commit);
	git_object_free(obj);
}

/* RANGE is REV or A..B (an empty side is HEAD); *has_hide says which. */
static void resolve_range(git_repository *repo, const char *range,
			  struct cf_oid *head, struct cf_oid *hide, int *has_hide)
{
	const char *dots = strstr(range, "..");
	char *a;

	*has_hide = 0;
	if (!dots) {
		resolve(repo, range, head);
		return;
	}
	if (dots[2] == '.')
		usage_error("symmetric ranges are not supported: '%s'", range);
	a = xmemdupz(range, dots - range);
	resolve(repo, *a ? a : "HEAD", hide);
	resolve(repo, dots[2] ? dots + 2 : "HEAD", head);
	*has_hide = 1;
	free(a);
}

/* ---- output ---- */

struct emitter {
	struct cf_writer w;
	struct cf_mailmap *mailmap;
	struct cf_people *people;
	int committer;
	uint64_t tick_size;
	int64_t t0;
	uint64_t tick;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b && a < 0) ? q - 1 : q;
}

/* base: the resolved excluded end of an A..B range, or NULL. */
static void write_stream(struct emitter *e, git_repository *repo, const char *range,
			 const struct cf_oid *head, const struct cf_oid *base,
			 const struct options *opt, size_t nr)
{
	msgpack_packer *pk = cf_writer_begin(&e->w, CF_REC_STREAM, 1, base ? 8 : 7);
	const char *gitdir = cf_repo_gitdir(repo);
	size_t len = strlen(gitdir);

	if (len > 1 && gitdir[len - 1] == '/')
		len--;
	cf_pack_str(pk, "repo");
	cf_pack_strn(pk, gitdir, len);
	cf_pack_kv_oid(pk, "head", head);
	/* What cf-reduce --shards chains the shards of a history by. */
	if (base)
		cf_pack_kv_oid(pk, "base", base);
	cf_pack_kv_str(pk, "range", range);
	cf_pack_kv_bool(pk, "first_parent", opt->first_parent);
	cf_pack_kv_u64(pk, "commits", nr);
	cf_pack_kv_u64(pk, "tick_size", e->tick_size);
	cf_pack_kv_i64(pk, "t0", e->t0);
	cf_writer_end(&e->w);
}

static void pack_identity(struct emitter *e, msgpack_packer *pk, const git_signature *sig)
{
	const char *name = sig->name, *email = sig->email;

	if (e->mailmap)
		cf_mailmap_resolve(e->mailmap, &name, &email);
	if (e->people)
		cf_people_resolve(e->people, &name, &email);
	cf_pack_kv_str(pk, "author", name);
	cf_pack_kv_str(pk, "email", email);
}

static uint64_t next_tick(struct emitter *e, int64_t time)
{
	int64_t t = floor_div(time - e->t0, (int64_t)e->tick_size);

	if (t > 0 && (uint64_t)t > e->tick)
		e->tick = (uint64_t)t;
	return e->tick;
}

static void write_commit(struct emitter *e, struct graph *g, uint32_t i, uint64_t n)
{
	const struct node *node = &g->nodes[i];
	git_commit *c = lookup_commit(g, &node->oid);
	const git_signature *author = git_commit_author(c);
	msgpack_packer *pk = cf_writer_begin(&e->w, CF_REC_COMMIT, 1, 10);
	unsigned nr = node->flags & SHALLOW ? 0 : git_commit_parentcount(c);
	struct cf_oid oid;

	cf_pack_kv_u64(pk, "n", n);
	cf_pack_kv_oid(pk, "id", &node->oid);
	cf_oid_from_git(&oid, git_commit_tree_id(c));
	cf_pack_kv_oid(pk, "tree", &oid);
	cf_pack_str(pk, "parents");
	msgpack_pack_array(pk, nr);
	for (unsigned k = 0; k < nr; k++) {
		cf_oid_from_git(&oid, git_commit_parent_id(c, k));
		cf_pack_oid(pk, &oid);
	}
	pack_identity(e, pk, e->committer ? git_commit_committer(c) : author);
	cf_pack_kv_i64(pk, "time", git_commit_time(c));
	cf_pack_kv_i64(pk, "atime", author->when.time);
	cf_pack_kv_i64(pk, "tz", author->when.offset);
	cf_pack_kv_u64(pk, "tick", next_tick(e, git_commit_time(c)));
	cf_writer_end(&e->w);
	git_commit_free(c);
}

/*
 * The end of a chunk, after its last commit; none at the end of the stream,
 * where the results follow anyway.
 */
static void write_barrier(struct emitter *e, const struct graph *g, uint32_t i,
			  uint64_t done, uint64_t chunk_size)
{
	msgpack_packer *pk = cf_writer_begin(&e->w, CF_REC_BARRIER, 1, 3);

	cf_pack_kv_u64(pk, "chunk", done / chunk_size - 1);
	cf_pack_kv_u64(pk, "commits", done);
	cf_pack_kv_oid(pk, "last", &g->nodes[i].oid);
	cf_writer_end(&e->w);
}

/*
 * libgit2 maps a pack's index whole, and every page a lookup touched stays
 * resident while the repository is open: most of git/git's 24 MB index,
 * for as long as this stage waits for the pipeline to take its records.
 * So records are rendered up to this many bytes ahead with the repository
 * open, right after the walk has touched the index anyway, and written out
 * with it closed (the kernel keeps the pages cached for a next opening).
 * git/git's 24,000 commits are 4.7 MB: one round.
 */
#define RENDER_AHEAD ((size_t)8 << 20)

static void write_out(struct emitter *e, struct graph *g)
{
	cf_repo_close(g->repo);
	g->repo = NULL;
	cf_writer_flush(&e->w);
}

static void write_all(struct walk *w, const struct options *opt, const char *range,
		      const struct cf_oid *head, const struct cf_oid *base)
{
	struct emitter e = { 0 };
	git_repository *repo = w->g->repo;

	cf_writer_init(&e.w, 1);
	e.tick_size = opt->tick_size;
	if (w->nr)
		e.t0 = floor_div(w->g->nodes[w->list[0]].date, (int64_t)e.tick_size) *
			(int64_t)e.tick_size;
	if (opt->mailmap)
		e.mailmap = cf_mailmap_load(repo);
	if (opt->people_dict)
		e.people = cf_people_load(opt->people_dict);
	e.committer = opt->committer;
	write_stream(&e, repo, range, head, base, opt, w->nr);
	e.w.hold = 1;
	for (size_t j = 0; j < w->nr; j++) {
		uint64_t done = j + 1;

		if (!w->g->repo)
			w->g->repo = cf_repo_open(w->g->path);
		/* Resuming: the commits left out still move the tick on. */
		if (j < opt->resume_after)
			next_tick(&e, w->g->nodes[w->list[j]].date);
		else
			write_commit(&e, w->g, w->list[j], j);
		/* The driver learns that a chunk is done from the barrier: send it now. */
		if (opt->chunk_size && j >= opt->resume_after && done < w->nr &&
		    !(done % opt->chunk_size)) {
			write_barrier(&e, w->g, w->list[j], done, opt->chunk_size);
			write_out(&e, w->g);
		} else if (e.w.buf.len >= RENDER_AHEAD) {
			write_out(&e, w->g);
		}
	}
	write_out(&e, w->g);
	cf_writer_release(&e.w);
	cf_mailmap_free(e.mailmap);
	cf_people_free(e.people);
}

/*
 * Whether A..B is an interval of B's history, so that the walk of ..A and
 * the walk of A..B are disjoint and, one after the other, the walk of ..B
 * (what "base" promises): A is on B's first-parent line and no option cut
 * the range.  Not with --full-history: its topological order may put a
 * commit of a branch merged after A before A.
 */
static int is_interval(struct graph *g, const struct options *opt, const struct cf_oid *head,
		       const struct cf_oid *base)
{
	git_oid h, b;
	git_commit *c;
	int found = 0;

	if (!opt->first_parent || opt->since != NO_DATE || opt->until != NO_DATE ||
	    opt->max_count != UINT64_MAX || opt->skip)
		return 0;
	cf_oid_to_git(&h, head);
	cf_oid_to_git(&b, base);
	if (git_oid_equal(&h, &b))
		return 1;
	c = lookup_commit(g, head);
	while (!found && c && git_commit_parentcount(c)) {
		git_commit *p = NULL;
		found = git_oid_equal(git_commit_parent_id(c, 0), &b);
		if (!found && git_commit_parent(&p, c, 0) < 0)
			p = NULL;	/* a shallow boundary: not found */
		git_commit_free(c);
		c = p;
	}
	git_commit_free(c);
	return found;
}

/* ---- main ---- */

enum {
	OPT_FIRST_PARENT = 256, OPT_FULL_HISTORY, OPT_SINCE, OPT_UNTIL, OPT_SKIP,
	OPT_TICK_SIZE, OPT_NO_MAILMAP, OPT_ALLOW_SHALLOW, OPT_COUNT, OPT_CHUNK_SIZE,
	OPT_RESUME_AFTER, OPT_PEOPLE_DICT, OPT_IDENTITY,
};

static void parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "first-parent", no_argument, NULL, OPT_FIRST_PARENT },
		{ "full-history", no_argument, NULL, OPT_FULL_HISTORY },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "max-count", required_argument, NULL, 'n' },
		{ "skip", required_argument, NULL, OPT_SKIP },
		{ "tick-size", required_argument, NULL, OPT_TICK_SIZE },
		{ "no-mailmap", no_argument, NULL, OPT_NO_MAILMAP },
		{ "allow-shallow", no_argument, NULL, OPT_ALLOW_SHALLOW },
		{ "count", no_argument, NULL, OPT_COUNT },
		{ "chunk-size", required_argument, NULL, OPT_CHUNK_SIZE },
		{ "resume-after", required_argument, NULL, OPT_RESUME_AFTER },
		{ "people-dict", required_argument, NULL, OPT_PEOPLE_DICT },
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FIRST_PARENT: opt->first_parent = 1; break;
		case OPT_FULL_HISTORY: opt->first_parent = 0; break;
		case OPT_SINCE: opt->since = opt_date("--since", optarg); break;
		case OPT_UNTIL: opt->until = opt_date("--until", optarg); break;
		case 'n': opt->max_count = cf_opt_uint("--max-count", optarg, 0, UINT64_MAX); break;
		case OPT_SKIP: opt->skip = cf_opt_uint("--skip", optarg, 0, UINT64_MAX); break;
		case OPT_TICK_SIZE:
			/* at most a century, so that tick arithmetic cannot overflow */
			opt->tick_size = 3600 * cf_opt_uint("--tick-size", optarg, 1, 24 * 36525);
			break;
		case OPT_NO_MAILMAP: opt->mailmap = 0; break;
		case OPT_ALLOW_SHALLOW: opt->allow_shallow = 1; break;
		case OPT_PEOPLE_DICT:
			if (!*optarg)
				usage_error("--people-dict: empty file name");
			opt->people_dict = optarg;
			break;
		case OPT_IDENTITY:
			if (strcmp(optarg, "author") && strcmp(optarg, "committer"))
				usage_error("--identity: '%s' is neither author nor committer", optarg);
			opt->committer = !strcmp(optarg, "committer");
			break;
		case OPT_COUNT: opt->count = 1; break;
		case OPT_CHUNK_SIZE:
			opt->chunk_size = cf_opt_uint("--chunk-size", optarg, 1, UINT32_MAX);
			break;
		case OPT_RESUME_AFTER:
			opt->resume_after = cf_opt_uint("--resume-after", optarg, 0, UINT32_MAX);
			break;
		case 'h': cf_usage_exit(usage);
		default: cf_usage_bad(usage);
		}
	}
}

/* An unborn HEAD and no references: whatever the default branch's name. */
static int has_no_commits(git_repository *repo)
{
	git_reference_iterator *it;
	git_reference *ref;
	int none;

	if (git_repository_head_unborn(repo) != 1)
		return 0;
	if (git_reference_iterator_new(&it, repo) < 0)
		return 0;
	none = git_reference_next(&ref, it) == GIT_ITEROVER;
	if (!none)
		git_reference_free(ref);
	git_reference_iterator_free(it);
	return none;
}

static void check_repo(git_repository *repo, const char *path, const struct options *opt)
{
	if (has_no_commits(repo))
		die("repository '%s' has no commits", path);
	if (git_repository_is_shallow(repo) == 1 && !opt->allow_shallow)
		die("repository '%s' is shallow: its history is incomplete "
		    "(use --allow-shallow to analyse what is there)", path);
}

int cmd_main(int argc, char **argv)
{
	struct options opt = {
		.first_parent = 1, .mailmap = 1, .since = NO_DATE, .until = NO_DATE,
		.max_count = UINT64_MAX, .tick_size = 24 * 3600,
	};
	struct graph g = { 0 };
	struct walk w = { 0 };
	struct cf_oid head, hide;
	const struct cf_oid *base = NULL;	/* the stream record's, for shards */
	const char *range;
	int has_hide;

	parse_options(argc, argv, &opt);
	if (optind >= argc)
		usage_error("missing REPO");
	if (argc - optind > 2)
		usage_error("too many arguments (REPO and at most one RANGE)");
	range = optind + 1 < argc ? argv[optind + 1] : "HEAD";
	g.path = argv[optind];
	g.repo = cf_repo_open(g.path);
	check_repo(g.repo, g.path, &opt);
	resolve_range(g.repo, range, &head, &hide, &has_hide);
	graph_load_shallow(&g);

	w.g = &g;
	w.opt = &opt;
	walk_commits(&w, &head, has_hide ? &hide : NULL);
	/* Any other range is fine to analyse, but no shard: no base. */
	if (has_hide && !opt.count && is_interval(&g, &opt, &head, &hide))
		base = &hide;
	if (opt.resume_after > w.nr)
		die("--resume-after %llu: the walk has only %zu commits",
		    (unsigned long long)opt.resume_after, w.nr);
	if (opt.count)
		printf("%zu\n", w.nr);
	else
		write_all(&w, &opt, range, &head, base);

	free(w.list);
	free(w.stack);
	free(w.q.items);
	free(g.nodes);
	free(g.table);
	free(g.parents);
	cf_repo_close(g.repo);
	return 0;
}
