/*
 * The plot page of cf-static's report (see plot-int.h): how the functions
 * spread over cyclomatic and cognitive complexity, the most complex
 * functions, the classes by LCOM4, and the directories and files that hold
 * the most complexity and Halstead volume.  The distributions use fixed
 * bins, so that two reports compare at a glance.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/report.h"
#include "plot-int.h"

/* Upper bounds of the complexity bins; the last bin is open. */
static const uint64_t complexity_bins[] = { 1, 2, 4, 7, 10, 15, 20, 30, 50 };
#define NR_COMPLEXITY_BINS (sizeof(complexity_bins) / sizeof(*complexity_bins) + 1)
static const char *const complexity_names[NR_COMPLEXITY_BINS] = {
	"1", "2", "3-4", "5-7", "8-10", "11-15", "16-20", "21-30", "31-50", "over 50",
};
static const char *const lcom4_names[] = { "1 (cohesive)", "2", "3", "4", "5 or more" };
#define NR_LCOM4_BINS (sizeof(lcom4_names) / sizeof(*lcom4_names))

static size_t complexity_bin(uint64_t v)
{
	size_t b = 0;

	while (b < NR_COMPLEXITY_BINS - 1 && v > complexity_bins[b])
		b++;
	return b;
}

/* The directory all the files' paths start with ("a/b/"), left out of the labels. */

static size_t common_prefix(const msgpack_object *f, uint32_t n)
{
	const msgpack_object *first = NULL;
	size_t len = 0;

	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *p = cf_doc_get(&f[i], "path", MSGPACK_OBJECT_STR);
		size_t k = 0;
		if (!p)
			continue;
		if (!first) {
			first = p;
			len = p->via.str.size;
			continue;
		}
		while (k < len && k < p->via.str.size && p->via.str.ptr[k] == first->via.str.ptr[k])
			k++;
		len = k;
	}
	while (len && first->via.str.ptr[len - 1] != '/')
		len--;
	return len;
}

static const msgpack_object *files_of(const msgpack_object *d, uint32_t *n)
{
	const msgpack_object *files = cf_doc_get(d, "files", MSGPACK_OBJECT_ARRAY);

	*n = files ? files->via.array.size : 0;
	return files ? files->via.array.ptr : NULL;
}

static const msgpack_object *list_of(const msgpack_object *map, const char *key, uint32_t *n)
{
	const msgpack_object *a = cf_doc_get(map, key, MSGPACK_OBJECT_ARRAY);

	*n = a ? a->via.array.size : 0;
	return a ? a->via.array.ptr : NULL;
}

/* Functions per bin of key ("cyclomatic" or "cognitive"); 0 when no function has it. */
static int complexity_histogram(const msgpack_object *d, const char *key, double *count)
{
	uint32_t nf, nfn;
	const msgpack_object *f = files_of(d, &nf);
	int any = 0;

	memset(count, 0, NR_COMPLEXITY_BINS * sizeof(*count));
	for (uint32_t i = 0; i < nf; i++) {
		const msgpack_object *fn = list_of(&f[i], "functions", &nfn);
		for (uint32_t k = 0; k < nfn; k++) {
			uint64_t v;
			if (!cf_doc_u64(&fn[k], key, &v))
				continue;
			count[complexity_bin(v)]++;
			any = 1;
		}
	}
	return any;
}

static void bins_chart(struct cf_buf *out, const char *kind, const char *label,
		       const char *const *names, const double *count, size_t n)
{
	struct pl_hbar *v = xcalloc(n, sizeof(*v));

	for (size_t b = 0; b < n; b++) {
		v[b].name = names[b];
		v[b].len = strlen(names[b]);
		v[b].value = count[b];
		v[b].index = b;
	}
	pl_hbar_chart(out, kind, label, v, n, "functions");
	free(v);
}

static void distribution(struct cf_buf *out, const msgpack_object *d, const char *key,
			 const char *title)
{
	double count[NR_COMPLEXITY_BINS];

	if (!complexity_histogram(d, key, count))
		return;
	cf_buf_addf(out, "<h3>%s</h3>\n", title);
	bins_chart(out, key, title, complexity_names, count, NR_COMPLEXITY_BINS);
}

/*
 * Bars whose labels are built here, in one pool that lives until the chart
 * is drawn; each bar's index is its label's offset in the pool, which may
 * still move while bars are added.
 */
struct bars {
	struct pl_hbar *v;
	struct cf_buf names;
	size_t n, alloc;
	size_t strip;		/* the files' common directory, left out of labels */
};

static void bars_add(struct bars *b, const char *a, size_t alen, const char *c, size_t clen,
		     double value)
{
	if (alen >= b->strip) {
		a += b->strip;
		alen -= b->strip;
	}
	CF_ALLOC_GROW(b->v, b->n + 1, b->alloc);
	memset(&b->v[b->n], 0, sizeof(*b->v));
	b->v[b->n].index = b->names.len;
	cf_buf_add(&b->names, a, alen);
	if (c) {
		cf_buf_addch(&b->names, ':');
		cf_buf_add(&b->names, c, clen);
	}
	b->v[b->n].len = b->names.len - b->v[b->n].index;
	b->v[b->n].value = value;
	b->n++;
}

/* Sorted, most first, and named (the pool no longer moves). */
static void bars_draw(struct bars *b, struct cf_buf *out, const char *kind, const char *label,
		      const char *unit)
{
	for (size_t i = 0; i < b->n; i++)
		b->v[i].name = b->names.buf + b->v[i].index;
	if (b->n) {
		qsort(b->v, b->n, sizeof(*b->v), pl_hbar_cmp);
		pl_hbar_chart(out, kind, label, b->v, b->n, unit);
	}
	free(b->v);
	cf_buf_release(&b->names);
}

static void top_functions(struct cf_buf *out, const msgpack_object *d, size_t strip)
{
	struct bars b = { .names = CF_BUF_INIT, .strip = strip };
	uint32_t nf, nfn;
	const msgpack_object *f = files_of(d, &nf);

	for (uint32_t i = 0; i < nf; i++) {
		const msgpack_object *path = cf_doc_get(&f[i], "path", MSGPACK_OBJECT_STR);
		const msgpack_object *fn = list_of(&f[i], "functions", &nfn);
		for (uint32_t k = 0; path && k < nfn; k++) {
			const msgpack_object *name = cf_doc_get(&fn[k], "name", MSGPACK_OBJECT_STR);
			uint64_t v;
			if (name && cf_doc_u64(&fn[k], "cyclomatic", &v))
				bars_add(&b, path->via.str.ptr, path->via.str.size,
					 name->via.str.ptr, name->via.str.size, (double)v);
		}
	}
	if (b.n)
		cf_buf_addstr(out, "<h3>The most complex functions (cyclomatic)</h3>\n");
	bars_draw(&b, out, "top-functions", "the most complex functions", "cyclomatic");
}

static void lcom4_distribution(struct cf_buf *out, const msgpack_object *d)
{
	double count[NR_LCOM4_BINS] = { 0 };
	uint32_t nf, nc;
	const msgpack_object *f = files_of(d, &nf);
	struct pl_hbar v[NR_LCOM4_BINS];
	int any = 0;

	for (uint32_t i = 0; i < nf; i++) {
		const msgpack_object *c = list_of(&f[i], "classes", &nc);
		for (uint32_t k = 0; k < nc; k++) {
			uint64_t lcom4;
			if (!cf_doc_u64(&c[k], "lcom4", &lcom4) || !lcom4)
				continue;	/* a class without methods has no cohesion */
			count[lcom4 > NR_LCOM4_BINS ? NR_LCOM4_BINS - 1 : lcom4 - 1]++;
			any = 1;
		}
	}
	if (!any)
		return;
	cf_buf_addstr(out, "<h3>Classes by LCOM4 (connected groups of methods and fields)</h3>\n");
	for (size_t b = 0; b < NR_LCOM4_BINS; b++)
		v[b] = (struct pl_hbar){ lcom4_names[b], strlen(lcom4_names[b]), count[b], NULL, b };
	pl_hbar_chart(out, "lcom4", "classes by LCOM4", v, NR_LCOM4_BINS, "classes");
}

static void directories(struct cf_buf *out, const msgpack_object *d, size_t strip)
{
	const msgpack_object *dirs = cf_doc_get(d, "directories", MSGPACK_OBJECT_MAP);
	struct bars b = { .names = CF_BUF_INIT, .strip = strip };

	for (uint32_t i = 0; dirs && i < dirs->via.map.size; i++) {
		const msgpack_object *k = &dirs->via.map.ptr[i].key;
		uint64_t v;
		/* ".", and the directories above the files' common one, hold everything */
		if (k->type != MSGPACK_OBJECT_STR || cf_doc_key_is(k, ".") ||
		    k->via.str.size < strip ||
		    !cf_doc_u64(&dirs->via.map.ptr[i].val, "cyclomatic", &v))
			continue;
		bars_add(&b, k->via.str.ptr, k->via.str.size, NULL, 0, (double)v);
	}
	if (b.n)
		cf_buf_addstr(out, "<h3>Cyclomatic complexity per directory</h3>\n");
	bars_draw(&b, out, "directories", "cyclomatic complexity per directory", "cyclomatic");
}

static void file_volume(struct cf_buf *out, const msgpack_object *d, size_t strip)
{
	struct bars b = { .names = CF_BUF_INIT, .strip = strip };
	uint32_t nf, nfn;
	const msgpack_object *f = files_of(d, &nf);

	for (uint32_t i = 0; i < nf; i++) {
		const msgpack_object *path = cf_doc_get(&f[i], "path", MSGPACK_OBJECT_STR);
		const msgpack_object *fn = list_of(&f[i], "functions", &nfn);
		double sum = 0, v;
		int any = 0;
		for (uint32_t k = 0; k < nfn; k++) {
			const msgpack_object *h = cf_doc_get(&fn[k], "halstead", MSGPACK_OBJECT_MAP);
			if (h && cf_doc_f64(h, "volume", &v)) {
				sum += v;
				any = 1;
			}
		}
		if (path && any)
			bars_add(&b, path->via.str.ptr, path->via.str.size, NULL, 0, sum);
	}
	if (b.n)
		cf_buf_addstr(out, "<h3>Halstead volume of the functions per file</h3>\n");
	bars_draw(&b, out, "volume", "Halstead volume per file", "volume");
}

void pl_plot_static(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *overall = cf_doc_get(d, "overall", MSGPACK_OBJECT_MAP);
	uint64_t files = 0, functions = 0, classes = 0;
	uint32_t skipped, partial, nf;
	const msgpack_object *f = files_of(d, &nf);
	size_t strip;

	cf_doc_u64(overall, "files", &files);
	cf_doc_u64(overall, "functions", &functions);
	cf_doc_u64(overall, "classes", &classes);
	list_of(d, "skipped", &skipped);
	list_of(d, "partial", &partial);
	strip = common_prefix(f, nf);
	cf_buf_addf(out, "<p class=\"params\">%llu files, %llu functions, %llu classes; "
		    "%u skipped, %u partial</p>\n", (unsigned long long)files,
		    (unsigned long long)functions, (unsigned long long)classes, skipped, partial);
	distribution(out, d, "cyclomatic", "Functions by cyclomatic complexity");
	distribution(out, d, "cognitive", "Functions by cognitive complexity");
	top_functions(out, d, strip);
	lcom4_distribution(out, d);
	directories(out, d, strip);
	file_volume(out, d, strip);
}
