/*
 * cf-uastdiff: the one stage of the history pipeline that parses code.
 *
 * It sits after cf-diff --keep-blobs, consumes the "blob" records (and
 * releases their arena space, in stream order), parses the old and new blob
 * of every change of a supported language ONCE with cf/uast.h, and adds a
 * "syntax" record after the change: function, method and class spans of
 * both sides, the comments that lie in the changed lines, the imports and
 * static metrics of the new side, and the one-for-one replaced line pairs
 * with their identifiers.  The structural analyzers (cf-shotness, cf-typos,
 * cf-sentiment, cf-imports, cf-quality) read only those records, so no
 * analyzer ever sees blob bytes or parses anything.  The record is
 * documented in cf-records(5); every list in it is bounded.
 *
 * Changes are gathered in batches like cf-diff's (up to --commit-batch-size
 * commits, fewer when no more input is waiting, so that a producer blocked
 * on a full arena sees space released), parsed on --workers threads, each
 * with its own parser, and written out in stream order.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/blobrec.h"
#include "cf/blobcache.h"
#include "cf/buf.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/static.h"
#include "cf/tool.h"
#include "cf/uast.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-uastdiff [-v] [-j N] [--commit-batch-size N] [--max-size SIZE]\n"
"                   [--tree-cache-size SIZE]\n"
"\n"
"Reads a stream with blobs and hunks (cf-blobload --blobs=all | cf-diff\n"
"--keep-blobs), consumes the blobs and adds a \"syntax\" record after each\n"
"change of a supported language: spans of functions and classes, changed\n"
"comments, imports, replaced line pairs and static metrics.\n"
"\n"
"  -j, --workers N            parse on N threads (default: online CPUs)\n"
"      --commit-batch-size N  parse the changes of up to N commits at once (100)\n"
"      --max-size SIZE        do not parse larger blobs (default 1MiB)\n"
"      --tree-cache-size SIZE parsed new sides kept to serve as the next old\n"
"                             sides of their paths (default 64MiB, 0: none)\n"
"  -v, --verbose              print counts on standard error at the end\n"
"  -h, --help                 show this help\n";

#define INLINE_FLUSH ((size_t)64 << 20)

/* The bounds of a syntax record, documented in cf-records(5). */
#define MAX_UNITS 4096
#define MAX_COMMENTS 64
#define MAX_COMMENT_TEXT 4096
#define MAX_IMPORTS 256
#define MAX_PAIRS 256
#define MAX_PAIR_TEXT 512
#define MAX_PAIR_IDENTS 64

struct blob {
	struct cf_oid oid;
	const char *ptr;
	char *own;		/* inline bytes, freed with the batch */
	size_t len;
	int arena;		/* -1 inline */
	uint64_t end;
};

struct item {
	size_t raw, raw_len;	/* the record in batch.raw */
	int work;		/* a change to parse */
	size_t path, path_len;	/* in batch.paths */
	size_t hunk, nhunk;	/* in batch.hunks, four numbers each */
	int added;		/* every new line is changed */
	uint64_t n;
	struct blob old, new;	/* ptr NULL when the side is absent */
	const char *old_tree;	/* the old side parsed before: borrowed from trees */
	size_t old_tree_len;
	char *new_tree;		/* the new side frozen for trees, until the batch ends */
	size_t new_tree_len;
	ptrdiff_t old_from;	/* an earlier item of the batch whose new side this is, or -1 */
	atomic_int new_ready;	/* new_tree is set (or will never be) */
	int worker;		/* whose buffer holds the syntax record */
	size_t out, out_len;
};

struct batch {
	struct item *items;
	size_t nr, alloc;
	struct cf_buf raw, paths;
	uint32_t *hunks;
	size_t nr_hunks, alloc_hunks;
	struct blob *pending;
	size_t npending, pending_alloc;
	char **owned;
	size_t nr_owned, alloc_owned;
	size_t inl;		/* inline bytes held */
	uint64_t commits;
	int full;
};

/* A comment group being collected. */
struct group {
	uint32_t line, end_line;
	int touched;
	size_t text;		/* into the worker's text buffer */
};

struct ident {
	uint32_t line;
	uint32_t name, len;
};

struct worker {
	pthread_t thread;
	struct cf_uast_parser *parser;
	struct cf_uast old, new;
	struct cf_uast cached;			/* a view of item.old_tree */
	const struct cf_uast *old_u;		/* &old or &cached */
	struct cf_buf out, scratch, why, text;
	uint32_t *old_lines, *new_lines;	/* line start offsets */
	size_t old_alloc, new_alloc;
	unsigned char *changed;			/* per new line */
	size_t changed_alloc;
	struct group *groups;
	size_t nr_groups, alloc_groups;
	struct ident *idents;
	size_t nr_idents, alloc_idents;
	msgpack_packer pk;
};

static struct {
	struct worker *w;
	int nr;
	struct batch *b;
	atomic_size_t next;
	atomic_ulong parses;	/* blobs given to tree-sitter */
	uint64_t max_size;
} pool;

static struct cf_arenas arenas;
static struct batch batch;
static struct cf_writer out;
static uint64_t batch_commits = 100;
static struct {
	uint64_t changes, analysed, records, failed, reused;
} stats;

/*
 * Parsed trees by blob id.  The new side of a change is the old side of the
 * next change of its path, so every new side is kept (frozen into one
 * block) and each old side looked up first: half the parses of a history.
 * The main thread owns it; workers only read the blocks looked up before a
 * batch starts, and nothing is put until it ends.
 */
static struct cf_blobcache trees;

static int buf_write(void *data, const char *s, size_t len)
{
	cf_buf_add(data, s, len);
	return 0;
}

/* ---- facts ---- */

/* Start offsets of the lines of src; returns the count (at least 1). */
static size_t index_lines(const char *src, size_t len, uint32_t **starts, size_t *alloc)
{
	size_t n = 0;

	CF_ALLOC_GROW(*starts, 2, *alloc);
	(*starts)[n++] = 0;
	for (size_t i = 0; i < len; i++)
		if (src[i] == '\n' && i + 1 < len) {
			CF_ALLOC_GROW(*starts, n + 2, *alloc);
			(*starts)[n++] = i + 1;
		}
	(*starts)[n] = len;
	return n;
}

/* The bytes of line l (1-based) without its newline. */
static const char *line_text(const char *src, const uint32_t *starts, size_t nlines,
			     uint32_t l, size_t *len)
{
	size_t a, b;

	if (!l || l > nlines) {
		*len = 0;
		return "";
	}
	a = starts[l - 1];
	b = starts[l];
	while (b > a && (src[b - 1] == '\n' || src[b - 1] == '\r'))
		b--;
	*len = b - a;
	return src + a;
}

static const char *unit_kind(const struct cf_uast_node *n)
{
	if (n->type == CF_UAST_CLASS)
		return "class";
	return (n->roles & CF_ROLE_METHOD) ? "method" : "function";
}

static int is_unit(const struct cf_uast_node *n)
{
	return (n->type == CF_UAST_FUNCTION || n->type == CF_UAST_CLASS) && n->name_len;
}

/* "Outer.Inner.name": the names of the enclosing units, or a Go receiver. */
static void qualified_name(const struct cf_uast *u, uint32_t i, struct cf_buf *b)
{
	const struct cf_uast_node *n = &u->nodes[i];
	uint32_t chain[32];
	int k = 0;

	cf_buf_reset(b);
	for (uint32_t p = n->parent; p != CF_UAST_NONE && k < 32; p = u->nodes[p].parent)
		if (is_unit(&u->nodes[p]))
			chain[k++] = p;
	if (!k && n->aux_len) {
		cf_buf_add(b, u->pool.buf + n->aux, n->aux_len);
		cf_buf_addch(b, '.');
	}
	while (k-- > 0) {
		const struct cf_uast_node *p = &u->nodes[chain[k]];
		cf_buf_add(b, cf_uast_name(u, p), p->name_len);
		cf_buf_addch(b, '.');
	}
	cf_buf_add(b, cf_uast_name(u, n), n->name_len);
}

static void pack_units(struct worker *w, const struct cf_uast *u)
{
	uint32_t nr = 0;

	for (size_t i = 0; i < u->nr && nr < MAX_UNITS; i++)
		nr += is_unit(&u->nodes[i]);
	cf_pack_str(&w->pk, "units");
	msgpack_pack_array(&w->pk, nr);
	for (size_t i = 0; i < u->nr && nr; i++) {
		const struct cf_uast_node *n = &u->nodes[i];
		if (!is_unit(n))
			continue;
		nr--;
		qualified_name(u, i, &w->scratch);
		msgpack_pack_array(&w->pk, 4);
		cf_pack_str(&w->pk, unit_kind(n));
		cf_pack_strn(&w->pk, w->scratch.buf, w->scratch.len);
		cf_pack_u64(&w->pk, n->line);
		cf_pack_u64(&w->pk, n->end_line);
	}
}

static int has_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);
	return len >= n && !memcmp(s, p, n);
}

/*
 * One line of a comment without its markers: the line-comment and block
 * prefixes of the 13 grammars, a block's leading '*', its closing marker,
 * and a docstring's quotes.
 */
static void clean_line(const char *s, size_t len, struct cf_buf *out)
{
	static const char *const prefixes[] = {
		"///", "//!", "//", "/**", "/*", "#!", "##", "#", "--", ";;", ";",
		"\"\"\"", "'''", "=begin", "=end", "*",
	};

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (has_prefix(s, len, prefixes[i])) {
			s += strlen(prefixes[i]);
			len -= strlen(prefixes[i]);
			break;
		}
	while (len && strchr(" \t\r", s[len - 1]))
		len--;
	if (len >= 2 && !memcmp(s + len - 2, "*/", 2))
		len -= 2;
	else if (len >= 3 && (!memcmp(s + len - 3, "\"\"\"", 3) || !memcmp(s + len - 3, "'''", 3)))
		len -= 3;
	for (size_t i = 0; i < len; i++) {
		char c = s[i] == '\t' ? ' ' : s[i];
		/* one space between words, none at the ends */
		if (c == ' ' && (!out->len || out->buf[out->len - 1] == ' '))
			continue;
		cf_buf_addch(out, c);
	}
	if (out->len && out->buf[out->len - 1] != ' ')
		cf_buf_addch(out, ' ');
}

static void add_comment_text(struct worker *w, const char *src, size_t start, size_t end)
{
	size_t a = start;

	while (a < end) {
		const char *nl = memchr(src + a, '\n', end - a);
		size_t b = nl ? (size_t)(nl - src) : end;
		clean_line(src + a, b - a, &w->text);
		a = b + 1;
	}
}

static int lines_touched(const struct worker *w, uint32_t a, uint32_t b, uint32_t nlines)
{
	for (uint32_t l = a; l <= b && l <= nlines; l++)
		if (w->changed[l])
			return 1;
	return 0;
}

/*
 * Comments in source order, runs of adjacent ones merged into one group
 * (a block of line comments is one comment); a group is kept when one of
 * its lines is a changed line of the new side.
 */
static void collect_comments(struct worker *w, const struct cf_uast *u, const char *src)
{
	struct group *g = NULL;

	w->nr_groups = 0;
	cf_buf_reset(&w->text);
	for (size_t i = 0; i < u->nr; i++) {
		const struct cf_uast_node *n = &u->nodes[i];
		if (n->type != CF_UAST_COMMENT)
			continue;
		if (!g || n->line > g->end_line + 1 || n->line < g->line) {
			if (g && !g->touched)
				cf_buf_setlen(&w->text, g->text), w->nr_groups--;
			if (g && g->touched && w->nr_groups == MAX_COMMENTS)
				return;
			CF_ALLOC_GROW(w->groups, w->nr_groups + 1, w->alloc_groups);
			g = &w->groups[w->nr_groups++];
			g->line = n->line;
			g->end_line = n->end_line;
			g->touched = 0;
			g->text = w->text.len;
		}
		if (n->end_line > g->end_line)
			g->end_line = n->end_line;
		g->touched |= lines_touched(w, n->line, n->end_line, u->lines);
		if (w->text.len - g->text < MAX_COMMENT_TEXT)
			add_comment_text(w, src, n->start, n->end);
	}
	if (g && !g->touched) {
		cf_buf_setlen(&w->text, g->text);
		w->nr_groups--;
	}
}

static void pack_comments(struct worker *w)
{
	cf_pack_str(&w->pk, "comments");
	msgpack_pack_array(&w->pk, w->nr_groups);
	for (size_t i = 0; i < w->nr_groups; i++) {
		const struct group *g = &w->groups[i];
		size_t end = i + 1 < w->nr_groups ? w->groups[i + 1].text : w->text.len;
		size_t len = end - g->text;
		if (len && w->text.buf[g->text + len - 1] == ' ')
			len--;
		if (len > MAX_COMMENT_TEXT)
			len = MAX_COMMENT_TEXT;
		msgpack_pack_array(&w->pk, 3);
		cf_pack_u64(&w->pk, g->line);
		cf_pack_u64(&w->pk, g->end_line);
		cf_pack_strn(&w->pk, w->text.buf + g->text, len);
	}
}

static void pack_imports(struct worker *w, const struct cf_static_file *f)
{
	size_t nr = f->nr_imports < MAX_IMPORTS ? f->nr_imports : MAX_IMPORTS;

	cf_pack_str(&w->pk, "imports");
	msgpack_pack_array(&w->pk, nr);
	for (size_t i = 0; i < nr; i++)
		cf_pack_str(&w->pk, f->imports[i]);
}

static void pack_metrics(struct worker *w, const struct cf_static_file *f)
{
	uint64_t cyc = 0, cog = 0, maxc = 0, doc = 0, cohesive = 0, lcom = 0;
	double volume = 0;

	for (size_t i = 0; i < f->nr_funcs; i++) {
		struct cf_halstead_derived d;
		cf_halstead_derive(&f->funcs[i].h, &d);
		cyc += f->funcs[i].cyclomatic;
		cog += f->funcs[i].cognitive;
		if (f->funcs[i].cyclomatic > maxc)
			maxc = f->funcs[i].cyclomatic;
		doc += !!f->funcs[i].documented;
		volume += d.volume;
	}
	for (size_t i = 0; i < f->nr_classes; i++) {
		if (!f->classes[i].methods)
			continue;
		lcom++;
		cohesive += f->classes[i].lcom4 <= 1;
	}
	cf_pack_str(&w->pk, "metrics");
	msgpack_pack_map(&w->pk, 11);
	cf_pack_kv_u64(&w->pk, "lines", f->lines);
	cf_pack_kv_u64(&w->pk, "code_lines", f->code_lines);
	cf_pack_kv_u64(&w->pk, "comment_lines", f->comment_lines);
	cf_pack_kv_u64(&w->pk, "functions", f->nr_funcs);
	cf_pack_kv_u64(&w->pk, "documented", doc);
	cf_pack_kv_u64(&w->pk, "cyclomatic", cyc);
	cf_pack_kv_u64(&w->pk, "max_cyclomatic", maxc);
	cf_pack_kv_u64(&w->pk, "cognitive", cog);
	cf_pack_kv_f64(&w->pk, "volume", volume);
	cf_pack_kv_u64(&w->pk, "classes", lcom);
	cf_pack_kv_u64(&w->pk, "cohesive_classes", cohesive);
}

/* ---- line pairs ---- */

static int pair_ok(const struct item *it, const uint32_t *h)
{
	return h[1] && h[1] == h[3] && !it->added;
}

/* The identifiers of the tree on lines marked in want[] (want[line] != 0). */
static void collect_idents(struct worker *w, const struct cf_uast *u, const unsigned char *want,
			   uint32_t nlines)
{
	w->nr_idents = 0;
	for (size_t i = 0; i < u->nr; i++) {
		const struct cf_uast_node *n = &u->nodes[i];
		if (n->type != CF_UAST_IDENT || !n->name_len || n->line != n->end_line ||
		    n->line > nlines || !want[n->line])
			continue;
		CF_ALLOC_GROW(w->idents, w->nr_idents + 1, w->alloc_idents);
		w->idents[w->nr_idents].line = n->line;
		w->idents[w->nr_idents].name = n->name;
		w->idents[w->nr_idents++].len = n->name_len;
	}
}

static void pack_line_idents(struct worker *w, const struct cf_uast *u, uint32_t line)
{
	uint32_t nr = 0, k = 0;

	for (size_t i = 0; i < w->nr_idents; i++)
		nr += w->idents[i].line == line;
	if (nr > MAX_PAIR_IDENTS)
		nr = MAX_PAIR_IDENTS;
	msgpack_pack_array(&w->pk, nr);
	for (size_t i = 0; i < w->nr_idents && k < nr; i++)
		if (w->idents[i].line == line) {
			cf_pack_strn(&w->pk, u->pool.buf + w->idents[i].name, w->idents[i].len);
			k++;
		}
}

/* Visits the pairs: fn(w, old_line, new_line) for each, up to MAX_PAIRS. */
static size_t count_pairs(const struct batch *b, const struct item *it,
			  size_t nold, size_t nnew, const struct blob *o, const struct blob *n,
			  struct worker *w, int mark_old)
{
	size_t nr = 0;

	for (size_t i = 0; i < it->nhunk && nr < MAX_PAIRS; i++) {
		const uint32_t *h = &b->hunks[it->hunk + 4 * i];
		if (!pair_ok(it, h))
			continue;
		for (uint32_t k = 0; k < h[1] && nr < MAX_PAIRS; k++) {
			size_t ol, nl;
			uint32_t a = h[0] + k, c = h[2] + k;
			line_text(o->ptr, w->old_lines, nold, a, &ol);
			line_text(n->ptr, w->new_lines, nnew, c, &nl);
			if (a > nold || c > nnew || ol > MAX_PAIR_TEXT || nl > MAX_PAIR_TEXT)
				continue;
			if (mark_old == 1)
				w->changed[a] = 1;
			else if (mark_old == 2)
				w->changed[c] = 1;
			nr++;
		}
	}
	return nr;
}

static void grow_changed(struct worker *w, size_t lines)
{
	CF_ALLOC_GROW(w->changed, lines + 2, w->changed_alloc);
	memset(w->changed, 0, lines + 2);
}

/*
 * Pairs: [old_line, new_line, old_text, new_text, old_idents, new_idents].
 * The identifiers of each side are collected with want[] marks, which
 * borrow the changed[] array; it is rebuilt for comments afterwards.
 */
static void pack_pairs(struct worker *w, const struct batch *b, const struct item *it,
		       size_t nold, size_t nnew)
{
	size_t nr;
	struct ident *oid = NULL;
	size_t nr_oid = 0;

	grow_changed(w, nold > nnew ? nold : nnew);
	nr = count_pairs(b, it, nold, nnew, &it->old, &it->new, w, 1);
	collect_idents(w, w->old_u, w->changed, nold);
	if (nr) {
		oid = xcalloc(w->nr_idents ? w->nr_idents : 1, sizeof(*oid));
		if (w->nr_idents)
			memcpy(oid, w->idents, w->nr_idents * sizeof(*oid));
		nr_oid = w->nr_idents;
	}
	grow_changed(w, nold > nnew ? nold : nnew);
	count_pairs(b, it, nold, nnew, &it->old, &it->new, w, 2);
	collect_idents(w, &w->new, w->changed, nnew);
	cf_pack_str(&w->pk, "pairs");
	msgpack_pack_array(&w->pk, nr);
	for (size_t i = 0; i < it->nhunk && nr; i++) {
		const uint32_t *h = &b->hunks[it->hunk + 4 * i];
		if (!pair_ok(it, h))
			continue;
		for (uint32_t k = 0; k < h[1] && nr; k++) {
			size_t ol, nl;
			uint32_t a = h[0] + k, c = h[2] + k;
			const char *os = line_text(it->old.ptr, w->old_lines, nold, a, &ol);
			const char *ns = line_text(it->new.ptr, w->new_lines, nnew, c, &nl);
			struct ident *keep = w->idents;
			size_t keep_nr = w->nr_idents;
			if (a > nold || c > nnew || ol > MAX_PAIR_TEXT || nl > MAX_PAIR_TEXT)
				continue;
			nr--;
			msgpack_pack_array(&w->pk, 6);
			cf_pack_u64(&w->pk, a);
			cf_pack_u64(&w->pk, c);
			cf_pack_strn(&w->pk, os, ol);
			cf_pack_strn(&w->pk, ns, nl);
			w->idents = oid;
			w->nr_idents = nr_oid;
			pack_line_idents(w, w->old_u, a);
			w->idents = keep;
			w->nr_idents = keep_nr;
			pack_line_idents(w, &w->new, c);
		}
	}
	free(oid);
}

/* Marks the new side's changed lines: all of an added file, else the hunks'. */
static void mark_changed(struct worker *w, const struct batch *b, const struct item *it,
			 size_t nnew)
{
	grow_changed(w, nnew);
	for (size_t l = 1; it->added && l <= nnew; l++)
		w->changed[l] = 1;
	for (size_t i = 0; i < it->nhunk; i++) {
		const uint32_t *h = &b->hunks[it->hunk + 4 * i];
		for (uint32_t k = 0; k < h[3] && h[2] + k <= nnew; k++)
			w->changed[h[2] + k] = 1;
	}
}

static int parse_side(struct worker *w, struct cf_uast *u, const char *lang,
		      const struct blob *bl)
{
	cf_buf_reset(&w->why);
	if (bl->len > pool.max_size) {
		cf_buf_addstr(&w->why, "too large");
		return -1;
	}
	atomic_fetch_add_explicit(&pool.parses, 1, memory_order_relaxed);
	return cf_uast_parse(w->parser, u, lang, bl->ptr, bl->len, pool.max_size, &w->why);
}

/*
 * The old side from the tree cache, or from the earlier change of the batch
 * whose new side it is if that one is parsed already (a hot file changes in
 * many commits of one batch); else parsed here.
 */
static int old_side(struct worker *w, const struct batch *b, struct item *it, const char *lang)
{
	if (!it->old_tree && it->old_from >= 0) {
		const struct item *from = &b->items[it->old_from];
		if (atomic_load_explicit(&from->new_ready, memory_order_acquire) && from->new_tree) {
			it->old_tree = from->new_tree;
			it->old_tree_len = from->new_tree_len;
		}
	}
	if (it->old_tree && !cf_uast_thaw(&w->cached, it->old_tree, it->old_tree_len) &&
	    !strcmp(w->cached.lang, lang)) {
		w->old_u = &w->cached;
		return 0;
	}
	it->old_tree = NULL;
	w->old_u = &w->old;
	return parse_side(w, &w->old, lang, &it->old);
}

static void pack_error(struct worker *w)
{
	msgpack_pack_map(&w->pk, 1);
	cf_pack_str(&w->pk, "error");
	cf_pack_strn(&w->pk, w->why.buf, w->why.len);
}

static void pack_new(struct worker *w, const struct batch *b, const struct item *it,
		     int ok_old, size_t nold, size_t nnew)
{
	struct cf_static_file f = { 0 };

	cf_static_analyze(&w->new, it->new.ptr, it->new.len, &f);
	msgpack_pack_map(&w->pk, 4 + (it->old.ptr && ok_old));
	pack_units(w, &w->new);
	if (it->old.ptr && ok_old)
		pack_pairs(w, b, it, nold, nnew);
	mark_changed(w, b, it, nnew);
	collect_comments(w, &w->new, it->new.ptr);
	pack_comments(w);
	pack_imports(w, &f);
	pack_metrics(w, &f);
	cf_static_file_release(&f);
}

static void analyse(struct worker *w, const struct batch *b, struct item *it)
{
	const struct blob *any = it->new.ptr ? &it->new : &it->old;
	const char *path = b->paths.buf + it->path;
	const char *lang = cf_uast_lang_detect(path, any->ptr, any->len);
	int ok_old = 0, ok_new;
	size_t nold = 0, nnew = 0;

	it->worker = w - pool.w;
	it->out = w->out.len;
	if (!lang) {
		atomic_store_explicit(&it->new_ready, 1, memory_order_release);
		return;
	}
	msgpack_pack_map(&w->pk, 7);
	cf_pack_kv_str(&w->pk, "t", "syntax");
	cf_pack_kv_u64(&w->pk, "v", 1);
	cf_pack_kv_u64(&w->pk, "n", it->n);
	cf_pack_str(&w->pk, "path");
	cf_pack_strn(&w->pk, path, it->path_len);
	cf_pack_kv_str(&w->pk, "lang", lang);
	cf_pack_str(&w->pk, "old");
	if (it->old.ptr) {
		ok_old = !old_side(w, b, it, lang);
		if (ok_old) {
			nold = index_lines(it->old.ptr, it->old.len, &w->old_lines, &w->old_alloc);
			msgpack_pack_map(&w->pk, 1);
			pack_units(w, w->old_u);
		} else {
			pack_error(w);
		}
	} else {
		msgpack_pack_nil(&w->pk);
	}
	cf_pack_str(&w->pk, "new");
	ok_new = !parse_side(w, &w->new, lang, &it->new);
	if (ok_new && trees.budget)
		it->new_tree = cf_uast_freeze(&w->new, &it->new_tree_len);
	atomic_store_explicit(&it->new_ready, 1, memory_order_release);
	if (ok_new) {
		nnew = index_lines(it->new.ptr, it->new.len, &w->new_lines, &w->new_alloc);
		pack_new(w, b, it, ok_old, nold, nnew);
	} else {
		pack_error(w);
	}
	it->out_len = w->out.len - it->out;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct batch *b = pool.b;
	size_t i;

	while ((i = atomic_fetch_add(&pool.next, 1)) < b->nr)
		if (b->items[i].work)
			analyse(w, b, &b->items[i]);
	return NULL;
}

static void pool_start(int nr)
{
	pool.nr = nr;
	pool.w = xcalloc(nr, sizeof(*pool.w));
	for (int i = 0; i < nr; i++) {
		struct worker *w = &pool.w[i];
		w->parser = cf_uast_parser_new();
		cf_uast_parser_tolerate(w->parser, 1);
		cf_uast_init(&w->old);
		cf_uast_init(&w->new);
		cf_buf_init(&w->out, 0);
		cf_buf_init(&w->scratch, 0);
		cf_buf_init(&w->why, 0);
		cf_buf_init(&w->text, 0);
		msgpack_packer_init(&w->pk, &w->out, buf_write);
	}
}

static void pool_stop(void)
{
	for (int i = 0; i < pool.nr; i++) {
		struct worker *w = &pool.w[i];
		cf_uast_parser_free(w->parser);
		cf_uast_release(&w->old);
		cf_uast_release(&w->new);
		cf_buf_release(&w->out);
		cf_buf_release(&w->scratch);
		cf_buf_release(&w->why);
		cf_buf_release(&w->text);
		free(w->old_lines);
		free(w->new_lines);
		free(w->changed);
		free(w->groups);
		free(w->idents);
	}
	free(pool.w);
}

static void pool_run(struct batch *b)
{
	int n = pool.nr, err;

	for (int i = 0; i < n; i++)
		cf_buf_reset(&pool.w[i].out);
	pool.b = b;
	atomic_store(&pool.next, 0);
	for (int i = 1; i < n; i++)
		if ((err = pthread_create(&pool.w[i].thread, NULL, work, &pool.w[i])))
			die("cannot start a parsing thread: %s", strerror(err));
	work(&pool.w[0]);
	for (int i = 1; i < n; i++)
		pthread_join(pool.w[i].thread, NULL);
}

/* ---- the stream ---- */

static void emit_batch(struct batch *b)
{
	for (size_t i = 0; i < b->nr; i++) {
		const struct item *it = &b->items[i];
		cf_writer_raw(&out, b->raw.buf + it->raw, it->raw_len);
		if (it->work && it->out_len) {
			cf_writer_raw(&out, pool.w[it->worker].out.buf + it->out, it->out_len);
			stats.records++;
		}
	}
	cf_arenas_release(&arenas);
	for (size_t i = 0; i < b->nr_owned; i++)
		free(b->owned[i]);
	b->nr_owned = 0;
}

/* Each old side: in the tree cache, or the new side of an earlier change of the batch. */
static void look_up_trees(struct batch *b)
{
	size_t size = 16, mask;
	ptrdiff_t *table;

	while (size < 2 * b->nr)
		size *= 2;
	mask = size - 1;
	table = xmalloc(size * sizeof(*table));
	for (size_t i = 0; i < size; i++)
		table[i] = -1;
	for (size_t i = 0; i < b->nr; i++) {
		struct item *it = &b->items[i];
		size_t pos;

		it->old_from = -1;
		atomic_init(&it->new_ready, 0);
		if (!it->work || !trees.budget)
			continue;
		if (it->old.ptr) {
			it->old_tree = cf_blobcache_get(&trees, &it->old.oid, &it->old_tree_len);
			for (pos = cf_oid_hash(&it->old.oid) & mask; table[pos] >= 0; pos = (pos + 1) & mask)
				if (!cf_oid_cmp(&b->items[table[pos]].new.oid, &it->old.oid))
					it->old_from = table[pos];
		}
		for (pos = cf_oid_hash(&it->new.oid) & mask; table[pos] >= 0; pos = (pos + 1) & mask)
			;
		table[pos] = (ptrdiff_t)i;
	}
	free(table);
}

/* In stream order: an old side is consumed (its path moved on), a new side kept. */
static void keep_trees(struct batch *b)
{
	for (size_t i = 0; i < b->nr; i++) {
		struct item *it = &b->items[i];
		if (!it->work)
			continue;
		stats.reused += it->old_tree != NULL;
		if (it->old.ptr)
			cf_blobcache_drop(&trees, &it->old.oid);
		if (it->new_tree)
			cf_blobcache_put(&trees, &it->new.oid, it->new_tree, it->new_tree_len);
		it->new_tree = NULL;
	}
}

static void run_batch(struct batch *b)
{
	if (!b->nr)
		return;
	look_up_trees(b);
	pool_run(b);
	emit_batch(b);
	keep_trees(b);
	b->nr = 0;
	b->nr_hunks = 0;
	b->commits = 0;
	b->full = 0;
	b->inl = 0;
	cf_buf_reset(&b->raw);
	cf_buf_reset(&b->paths);
}

static struct item *new_item(struct batch *b, const struct cf_record *rec)
{
	struct item *it;

	CF_ALLOC_GROW(b->items, b->nr + 1, b->alloc);
	it = &b->items[b->nr++];
	memset(it, 0, sizeof(*it));
	it->raw = b->raw.len;
	it->raw_len = rec->raw_len;
	cf_buf_add(&b->raw, rec->raw, rec->raw_len);
	return it;
}

static const struct blob *find_blob(const struct batch *b, const struct cf_oid *oid)
{
	for (size_t i = b->npending; i-- > 0; )
		if (!cf_oid_cmp(&b->pending[i].oid, oid))
			return &b->pending[i];
	return NULL;
}

/* The side's blob when one was sent; absent blobs leave ptr NULL. */
static int take_side(const struct batch *b, const struct cf_record *rec, const char *key,
		     struct blob *bl)
{
	struct cf_oid oid;
	const struct blob *found;

	if (!cf_rec_oid_opt(rec, key, &oid))
		return 0;
	found = find_blob(b, &oid);
	if (!found)
		return -1;
	*bl = *found;
	return 1;
}

static void copy_hunks(struct batch *b, struct item *it, const struct cf_record *rec)
{
	const msgpack_object *h;
	uint32_t n;

	it->hunk = b->nr_hunks;
	if (!cf_rec_array_opt(rec, "hunks", &h, &n))
		return;
	if (n % 4)
		cf_rec_die(rec, "'hunks' must hold four numbers per hunk, not %u", n);
	CF_ALLOC_GROW(b->hunks, b->nr_hunks + n, b->alloc_hunks);
	for (uint32_t i = 0; i < n; i++) {
		if (h[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER || h[i].via.u64 > UINT32_MAX - 1)
			cf_rec_die(rec, "'hunks' item %u is not a line number or count", i);
		b->hunks[b->nr_hunks++] = h[i].via.u64;
	}
	for (uint32_t i = 0; i < n; i += 4)
		if (b->hunks[it->hunk + i + 1] > UINT32_MAX - b->hunks[it->hunk + i] ||
		    b->hunks[it->hunk + i + 3] > UINT32_MAX - b->hunks[it->hunk + i + 2])
			cf_rec_die(rec, "'hunks' item %u runs past the last line number", i);
	it->nhunk = n / 4;
}

/* The change consumed every blob before it: their space may go. */
static void consume_pending(struct batch *b)
{
	for (size_t i = 0; i < b->npending; i++) {
		const struct blob *bl = &b->pending[i];
		cf_arenas_consume(&arenas, bl->arena, bl->end);
		if (bl->own) {
			CF_ALLOC_GROW(b->owned, b->nr_owned + 1, b->alloc_owned);
			b->owned[b->nr_owned++] = bl->own;
		}
	}
	b->npending = 0;
}

static void add_change(struct batch *b, const struct cf_record *rec)
{
	struct item *it = new_item(b, rec);
	size_t slen, plen;
	const char *s = cf_rec_str(rec, "s", &slen);
	const char *path = cf_rec_str(rec, "path", &plen);
	int o, n;

	stats.changes++;
	it->n = cf_rec_u64(rec, "n");
	o = take_side(b, rec, "old", &it->old);
	n = take_side(b, rec, "new", &it->new);
	it->added = slen == 1 && s[0] == 'A';
	/* Both sides of a modification, or the new file: else nothing to say. */
	if (n == 1 && (o == 1 || (it->added && o == 0)) && !cf_rec_bool(rec, "bin")) {
		it->work = 1;
		it->path = b->paths.len;
		it->path_len = plen;
		cf_buf_add(&b->paths, path, plen);
		cf_buf_addch(&b->paths, '\0');	/* language detection reads a C string */
		copy_hunks(b, it, rec);
		stats.analysed++;
	}
	consume_pending(b);
}

static void add_blob(struct batch *b, const struct cf_record *rec)
{
	struct cf_blob_ref ref;
	struct blob bl = { .arena = -1 };

	cf_arenas_blob(&arenas, rec, b->npending, &ref);
	bl.oid = ref.oid;
	bl.len = ref.len;
	bl.arena = ref.arena;
	bl.end = ref.end;
	if (ref.arena >= 0) {
		bl.ptr = ref.ptr;
	} else {
		bl.ptr = bl.own = xmemdupz(ref.ptr, ref.len);
		b->inl += ref.len;
	}
	b->full |= ref.fills;
	CF_ALLOC_GROW(b->pending, b->npending + 1, b->pending_alloc);
	b->pending[b->npending++] = bl;
}

static void read_stream(struct cf_reader *r)
{
	struct cf_record rec;
	struct batch *b = &batch;

	for (;;) {
		if (b->nr && (b->full || b->inl >= INLINE_FLUSH || !cf_reader_ready(r))) {
			run_batch(b);
			cf_writer_flush(&out);
		}
		if (!cf_reader_next(r, &rec))
			break;
		if (cf_rec_is(&rec, CF_REC_CHANGE)) {
			add_change(b, &rec);
		} else if (cf_rec_is(&rec, CF_REC_BLOB)) {
			add_blob(b, &rec);
		} else if (cf_rec_is(&rec, CF_REC_ARENA)) {
			cf_arenas_add(&arenas, &rec);
		} else {
			if (cf_rec_is(&rec, CF_REC_COMMIT) && b->commits >= batch_commits)
				run_batch(b);
			b->commits += cf_rec_is(&rec, CF_REC_COMMIT);
			new_item(b, &rec);
			/* A barrier must not wait in a batch. */
			if (cf_rec_is(&rec, CF_REC_BARRIER)) {
				run_batch(b);
				cf_writer_flush(&out);
			}
		}
	}
	run_batch(b);
}

static void free_all(void)
{
	struct batch *b = &batch;

	cf_arenas_detach(&arenas, 0);
	for (size_t i = 0; i < b->npending; i++)
		free(b->pending[i].own);
	free(b->items);
	free(b->hunks);
	free(b->pending);
	free(b->owned);
	cf_buf_release(&b->raw);
	cf_buf_release(&b->paths);
}

int cmd_main(int argc, char **argv)
{
	enum { OPT_BATCH = 256, OPT_MAX, OPT_TREES };
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'j' },
		{ "commit-batch-size", required_argument, NULL, OPT_BATCH },
		{ "max-size", required_argument, NULL, OPT_MAX },
		{ "tree-cache-size", required_argument, NULL, OPT_TREES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t workers = cpus > 0 ? (uint64_t)cpus : 1;
	struct cf_reader r;
	int c, verbose = 0;
	uint64_t tree_cache = 64ull << 20;

	pool.max_size = 1u << 20;
	while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			workers = cf_opt_uint("--workers", optarg, 1, 256);
			break;
		case OPT_BATCH:
			batch_commits = cf_opt_uint("--commit-batch-size", optarg, 1, 1000000);
			break;
		case OPT_MAX:
			pool.max_size = cf_opt_size("--max-size", optarg);
			if (pool.max_size > CF_UAST_DEFAULT_MAX_SIZE)
				usage_error("--max-size: at most 16MiB");
			break;
		case OPT_TREES:
			tree_cache = cf_opt_size("--tree-cache-size", optarg);
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
	cf_blobcache_init(&trees, tree_cache);
	pool_start((int)workers);
	cf_reader_init(&r, 0);
	cf_writer_init(&out, 1);
	read_stream(&r);
	cf_writer_release(&out);
	if (verbose)
		cf_note("%llu changes, %llu analysed, %lu blobs parsed "
			"(%llu old sides from the tree cache), %llu syntax records",
			(unsigned long long)stats.changes, (unsigned long long)stats.analysed,
			(unsigned long)atomic_load(&pool.parses),
			(unsigned long long)stats.reused, (unsigned long long)stats.records);
	pool_stop();
	cf_reader_release(&r);
	free_all();
	cf_blobcache_release(&trees);
	return 0;
}
