/*
 * The result schema of cf-static (cf-static(1), OUTPUT): a file's sections
 * and the sums over directories and the whole run.
 */
#include <string.h>
#include "cf/alloc.h"
#include "cf/static.h"
#include "cf/writer.h"

static void pack_halstead(msgpack_packer *pk, const struct cf_halstead *h)
{
	struct cf_halstead_derived d;

	cf_halstead_derive(h, &d);
	msgpack_pack_map(pk, 11);
	cf_pack_kv_u64(pk, "n1", h->n1);
	cf_pack_kv_u64(pk, "n2", h->n2);
	cf_pack_kv_u64(pk, "N1", h->N1);
	cf_pack_kv_u64(pk, "N2", h->N2);
	cf_pack_kv_u64(pk, "vocabulary", d.vocabulary);
	cf_pack_kv_u64(pk, "length", d.length);
	cf_pack_kv_f64(pk, "volume", d.volume);
	cf_pack_kv_f64(pk, "difficulty", d.difficulty);
	cf_pack_kv_f64(pk, "effort", d.effort);
	cf_pack_kv_f64(pk, "time", d.time);
	cf_pack_kv_f64(pk, "bugs", d.bugs);
}

static void pack_func(msgpack_packer *pk, const struct cf_static_func *f, unsigned which)
{
	int cx = !!(which & CF_STATIC_COMPLEXITY), hs = !!(which & CF_STATIC_HALSTEAD);
	int cm = !!(which & CF_STATIC_COMMENTS);

	msgpack_pack_map(pk, 3 + 3 * cx + hs + cm);
	cf_pack_kv_str(pk, "name", f->name);
	cf_pack_kv_u64(pk, "line", f->line);
	cf_pack_kv_u64(pk, "end_line", f->end_line);
	if (cx) {
		cf_pack_kv_u64(pk, "cyclomatic", f->cyclomatic);
		cf_pack_kv_u64(pk, "cognitive", f->cognitive);
		cf_pack_kv_u64(pk, "nesting", f->nesting);
	}
	if (hs) {
		cf_pack_str(pk, "halstead");
		pack_halstead(pk, &f->h);
	}
	if (cm)
		cf_pack_kv_bool(pk, "documented", f->documented);
}

static void pack_class(msgpack_packer *pk, const struct cf_static_class *c, unsigned which)
{
	int ch = !!(which & CF_STATIC_COHESION), cm = !!(which & CF_STATIC_COMMENTS);

	msgpack_pack_map(pk, 3 + 2 * ch + cm);
	cf_pack_kv_str(pk, "name", c->name);
	cf_pack_kv_u64(pk, "line", c->line);
	cf_pack_kv_u64(pk, "end_line", c->end_line);
	if (ch) {
		cf_pack_kv_u64(pk, "methods", c->methods);
		cf_pack_kv_u64(pk, "lcom4", c->lcom4);
	}
	if (cm)
		cf_pack_kv_bool(pk, "documented", c->documented);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / b : 0;
}

static void pack_comments(msgpack_packer *pk, const struct cf_static_file *f)
{
	uint64_t df = 0, dc = 0;

	for (size_t i = 0; i < f->nr_funcs; i++)
		df += f->funcs[i].documented;
	for (size_t i = 0; i < f->nr_classes; i++)
		dc += f->classes[i].documented;
	msgpack_pack_map(pk, 9);
	cf_pack_kv_u64(pk, "comment_lines", f->comment_lines);
	cf_pack_kv_u64(pk, "code_lines", f->code_lines);
	cf_pack_kv_f64(pk, "density", ratio(f->comment_lines, f->code_lines));
	cf_pack_kv_u64(pk, "functions", f->nr_funcs);
	cf_pack_kv_u64(pk, "documented_functions", df);
	cf_pack_kv_u64(pk, "classes", f->nr_classes);
	cf_pack_kv_u64(pk, "documented_classes", dc);
	cf_pack_kv_f64(pk, "function_coverage", ratio(df, f->nr_funcs));
	cf_pack_kv_f64(pk, "class_coverage", ratio(dc, f->nr_classes));
}

void cf_static_pack_file(msgpack_packer *pk, const char *path,
			 const struct cf_static_file *f, unsigned which)
{
	int fn = !!(which & (CF_STATIC_COMPLEXITY | CF_STATIC_HALSTEAD | CF_STATIC_COMMENTS));
	int cl = !!(which & (CF_STATIC_COHESION | CF_STATIC_COMMENTS));
	int cm = !!(which & CF_STATIC_COMMENTS), im = !!(which & CF_STATIC_IMPORTS);

	msgpack_pack_map(pk, 3 + fn + cl + cm + im);
	cf_pack_kv_str(pk, "path", path);
	cf_pack_kv_str(pk, "lang", f->lang);
	cf_pack_kv_u64(pk, "lines", f->lines);
	if (fn) {
		cf_pack_str(pk, "functions");
		msgpack_pack_array(pk, f->nr_funcs);
		for (size_t i = 0; i < f->nr_funcs; i++)
			pack_func(pk, &f->funcs[i], which);
	}
	if (cl) {
		cf_pack_str(pk, "classes");
		msgpack_pack_array(pk, f->nr_classes);
		for (size_t i = 0; i < f->nr_classes; i++)
			pack_class(pk, &f->classes[i], which);
	}
	if (cm) {
		cf_pack_str(pk, "comments");
		pack_comments(pk, f);
	}
	if (im) {
		cf_pack_str(pk, "imports");
		msgpack_pack_array(pk, f->nr_imports);
		for (size_t i = 0; i < f->nr_imports; i++)
			cf_pack_str(pk, f->imports[i]);
	}
}

static void add_import(struct cf_static_sum *s, const char *lang, const char *name)
{
	cf_buf_addstr(&s->import_keys, lang);
	cf_buf_addch(&s->import_keys, '\0');
	cf_buf_addstr(&s->import_keys, name);
	cf_buf_addch(&s->import_keys, '\0');
	s->imports++;
}

void cf_static_sum_add(struct cf_static_sum *s, const struct cf_static_file *f)
{
	s->files++;
	s->lines += f->lines;
	s->code_lines += f->code_lines;
	s->comment_lines += f->comment_lines;
	for (size_t i = 0; i < f->nr_funcs; i++) {
		const struct cf_static_func *fn = &f->funcs[i];
		struct cf_halstead_derived d;

		cf_halstead_derive(&fn->h, &d);
		s->functions++;
		s->documented_functions += fn->documented;
		s->cyclomatic += fn->cyclomatic;
		s->cognitive += fn->cognitive;
		if (fn->cyclomatic > s->max_cyclomatic)
			s->max_cyclomatic = fn->cyclomatic;
		if (fn->cognitive > s->max_cognitive)
			s->max_cognitive = fn->cognitive;
		if (fn->nesting > s->max_nesting)
			s->max_nesting = fn->nesting;
		s->volume += d.volume;
		s->effort += d.effort;
		s->bugs += d.bugs;
	}
	for (size_t i = 0; i < f->nr_classes; i++) {
		const struct cf_static_class *c = &f->classes[i];
		s->classes++;
		s->documented_classes += c->documented;
		if (c->methods) {
			s->lcom4_classes++;
			s->lcom4_total += c->lcom4;
			if (c->lcom4 > s->max_lcom4)
				s->max_lcom4 = c->lcom4;
		}
	}
	for (size_t i = 0; i < f->nr_imports; i++)
		add_import(s, f->lang, f->imports[i]);
}

struct ikey {
	const char *lang, *name;
};

static int cmp_ikey(const void *a, const void *b)
{
	const struct ikey *x = a, *y = b;
	int c = strcmp(x->lang, y->lang);
	return c ? c : strcmp(x->name, y->name);
}

/* imports: { lang: { name: count } }, both levels sorted */
static void pack_imports(msgpack_packer *pk, const struct cf_static_sum *s)
{
	struct ikey *k = xmalloc(st_mult(s->imports + 1, sizeof(*k)));
	const char *p = s->import_keys.buf, *end = p + s->import_keys.len;
	size_t n = 0, langs = 0;

	while (p < end) {
		k[n].lang = p;
		p += strlen(p) + 1;
		k[n++].name = p;
		p += strlen(p) + 1;
	}
	qsort(k, n, sizeof(*k), cmp_ikey);
	for (size_t i = 0; i < n; i++)
		langs += !i || strcmp(k[i].lang, k[i - 1].lang);
	msgpack_pack_map(pk, langs);
	for (size_t i = 0; i < n;) {
		size_t j = i, names = 0;
		for (; j < n && !strcmp(k[j].lang, k[i].lang); j++)
			names += j == i || strcmp(k[j].name, k[j - 1].name);
		cf_pack_str(pk, k[i].lang);
		msgpack_pack_map(pk, names);
		for (size_t a = i; a < j;) {
			size_t b = a;
			while (b < j && !strcmp(k[b].name, k[a].name))
				b++;
			cf_pack_kv_u64(pk, k[a].name, b - a);
			a = b;
		}
		i = j;
	}
	free(k);
}

void cf_static_sum_pack(msgpack_packer *pk, const struct cf_static_sum *s, unsigned which,
			int with_imports)
{
	int cx = !!(which & CF_STATIC_COMPLEXITY), hs = !!(which & CF_STATIC_HALSTEAD);
	int ch = !!(which & CF_STATIC_COHESION), cm = !!(which & CF_STATIC_COMMENTS);
	int im = !!(which & CF_STATIC_IMPORTS);

	msgpack_pack_map(pk, 4 + 7 * cx + 3 * hs + 3 * ch + 7 * cm + im * (1 + with_imports));
	cf_pack_kv_u64(pk, "files", s->files);
	cf_pack_kv_u64(pk, "lines", s->lines);
	cf_pack_kv_u64(pk, "functions", s->functions);
	cf_pack_kv_u64(pk, "classes", s->classes);
	if (cx) {
		cf_pack_kv_u64(pk, "cyclomatic", s->cyclomatic);
		cf_pack_kv_f64(pk, "cyclomatic_mean", ratio(s->cyclomatic, s->functions));
		cf_pack_kv_u64(pk, "cyclomatic_max", s->max_cyclomatic);
		cf_pack_kv_u64(pk, "cognitive", s->cognitive);
		cf_pack_kv_f64(pk, "cognitive_mean", ratio(s->cognitive, s->functions));
		cf_pack_kv_u64(pk, "cognitive_max", s->max_cognitive);
		cf_pack_kv_u64(pk, "nesting_max", s->max_nesting);
	}
	if (hs) {
		cf_pack_kv_f64(pk, "volume", s->volume);
		cf_pack_kv_f64(pk, "effort", s->effort);
		cf_pack_kv_f64(pk, "bugs", s->bugs);
	}
	if (ch) {
		cf_pack_kv_u64(pk, "lcom4_classes", s->lcom4_classes);
		cf_pack_kv_f64(pk, "lcom4_mean", ratio(s->lcom4_total, s->lcom4_classes));
		cf_pack_kv_u64(pk, "lcom4_max", s->max_lcom4);
	}
	if (cm) {
		cf_pack_kv_u64(pk, "comment_lines", s->comment_lines);
		cf_pack_kv_u64(pk, "code_lines", s->code_lines);
		cf_pack_kv_f64(pk, "density", ratio(s->comment_lines, s->code_lines));
		cf_pack_kv_u64(pk, "documented_functions", s->documented_functions);
		cf_pack_kv_u64(pk, "documented_classes", s->documented_classes);
		cf_pack_kv_f64(pk, "function_coverage", ratio(s->documented_functions, s->functions));
		cf_pack_kv_f64(pk, "class_coverage", ratio(s->documented_classes, s->classes));
	}
	if (im) {
		cf_pack_kv_u64(pk, "imports", s->imports);
		if (with_imports) {
			cf_pack_str(pk, "imports_by_language");
			pack_imports(pk, s);
		}
	}
}

void cf_static_sum_release(struct cf_static_sum *s)
{
	cf_buf_release(&s->import_keys);
	memset(s, 0, sizeof(*s));
}
