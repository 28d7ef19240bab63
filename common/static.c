/*
 * The static analyzers in one walk: the UAST's nodes are stored in
 * pre-order, so a single pass over the array with a stack of the open
 * ancestors sees every node with its context (enclosing function, class,
 * nesting level).  Cohesion is settled at the end of the walk, because Go
 * methods live outside their type.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/static.h"

static const char *const analyzer_names[] = {
	"complexity", "halstead", "cohesion", "comments", "imports",
};

const char *cf_static_analyzer_name(unsigned bit)
{
	return bit < 5 ? analyzer_names[bit] : "?";
}

int cf_static_parse_list(char *list, unsigned *out, const char **bad)
{
	*out = 0;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		unsigned b;
		if (!strcmp(tok, "*") || !strcmp(tok, "all")) {
			*out = CF_STATIC_ALL;
			continue;
		}
		for (b = 0; b < 5 && strcmp(tok, analyzer_names[b]); b++)
			;
		if (b == 5) {
			*bad = tok;
			return -1;
		}
		*out |= 1u << b;
	}
	return 0;
}

/* One open function: where its measures go while the walk is inside it. */
struct fctx {
	size_t func;		/* index in out->funcs */
	uint64_t *ops, *opnds;	/* hashes of operator and operand keys */
	size_t nr_ops, alloc_ops, nr_opnds, alloc_opnds;
};

/* One open node of the walk. */
struct open {
	uint32_t node;
	uint32_t nest;		/* cognitive nesting level of its children */
	uint32_t depth;		/* control-structure depth of its children */
	int fctx;		/* innermost function context, -1 at file level */
	int cls;		/* innermost class (index in out->classes), -1 */
};

struct use {
	int func;
	const char *name;
	unsigned kind;		/* USE_* */
};

enum { USE_SELF_MEMBER, USE_IDENT, USE_CALL };

struct walk {
	const struct cf_uast *u;
	struct cf_static_file *out;
	struct open *stack;
	size_t nr, alloc;
	struct fctx *fx;
	size_t nr_fx, alloc_fx;
	struct fclass {
		int cls;		/* its class, -1 */
		const char *aux;	/* Go: the receiver type */
		uint32_t aux_len;
	} *fclass;		/* per function */
	size_t alloc_fc;
	struct field {
		int cls;
		const char *name;
	} *fields;
	size_t nr_fields, alloc_fields;
	struct use *uses;
	size_t nr_uses, alloc_uses;
	unsigned char *comment_end;	/* per line: a comment ends on it */
	unsigned char *comment_line;	/* per line: a comment covers it */
	int implicit_this;
};

static uint64_t hash_str(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t distinct(uint64_t *v, size_t n)
{
	uint32_t d = 0;

	if (n)
		qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		d += !i || v[i] != v[i - 1];
	return d;
}

static int is_operator(unsigned type)
{
	switch (type) {
	case CF_UAST_CALL: case CF_UAST_MEMBER: case CF_UAST_INDEX: case CF_UAST_IF:
	case CF_UAST_ELSE: case CF_UAST_LOOP: case CF_UAST_SWITCH: case CF_UAST_CASE:
	case CF_UAST_TRY: case CF_UAST_CATCH: case CF_UAST_RETURN: case CF_UAST_BINARY:
	case CF_UAST_UNARY: case CF_UAST_ASSIGN: case CF_UAST_TERNARY: case CF_UAST_BREAK:
	case CF_UAST_CONTINUE: case CF_UAST_GOTO: case CF_UAST_THROW:
		return 1;
	}
	return 0;
}

static void halstead_node(struct walk *w, struct fctx *fx, const struct cf_uast_node *n)
{
	const char *name = cf_uast_name(w->u, n);
	uint64_t h = 0xcbf29ce484222325ull;

	if (n->type == CF_UAST_IDENT || n->type == CF_UAST_LITERAL) {
		CF_ALLOC_GROW(fx->opnds, fx->nr_opnds + 1, fx->alloc_opnds);
		fx->opnds[fx->nr_opnds++] = hash_str(h, name, n->name_len);
	} else if (is_operator(n->type)) {
		const char *t = cf_uast_type_name(n->type);
		h = hash_str(h, t, strlen(t) + 1);
		if (n->type == CF_UAST_BINARY || n->type == CF_UAST_UNARY ||
		    n->type == CF_UAST_ASSIGN)
			h = hash_str(h, name, n->name_len);
		CF_ALLOC_GROW(fx->ops, fx->nr_ops + 1, fx->alloc_ops);
		fx->ops[fx->nr_ops++] = h;
	}
}

static int starts_nesting(const struct cf_uast_node *n)
{
	switch (n->type) {
	case CF_UAST_IF:
		return !(n->roles & CF_ROLE_ELSEIF);
	case CF_UAST_LOOP: case CF_UAST_SWITCH: case CF_UAST_CATCH: case CF_UAST_TERNARY:
	case CF_UAST_LAMBDA:
		return 1;
	}
	return 0;
}

static int starts_depth(const struct cf_uast_node *n)
{
	switch (n->type) {
	case CF_UAST_IF:
		return !(n->roles & CF_ROLE_ELSEIF);
	case CF_UAST_LOOP: case CF_UAST_SWITCH: case CF_UAST_TRY:
		return 1;
	}
	return 0;
}

static uint32_t cyclomatic_of(const struct cf_uast_node *n)
{
	switch (n->type) {
	case CF_UAST_IF: case CF_UAST_LOOP: case CF_UAST_CATCH: case CF_UAST_TERNARY:
		return 1;
	case CF_UAST_CASE:
		return !(n->roles & CF_ROLE_DEFAULT);
	case CF_UAST_BINARY:
		return !!(n->roles & CF_ROLE_LOGICAL);
	}
	return 0;
}

static int same_name(const struct cf_uast *u, const struct cf_uast_node *a,
		     const struct cf_uast_node *b)
{
	return a->name_len == b->name_len &&
		!memcmp(cf_uast_name(u, a), cf_uast_name(u, b), a->name_len);
}

/*
 * A call of function func to itself: through this/self, or by its bare name
 * unless func is a method of a language where a bare name is not one of
 * the class (PHP count() in method count is the built-in).
 */
static int recursive_call(const struct walk *w, const struct cf_uast_node *n, int func)
{
	const struct cf_static_func *f = &w->out->funcs[func];
	const struct fclass *fc = &w->fclass[func];
	int method = fc->cls >= 0 || fc->aux_len;

	if (!(n->roles & CF_ROLE_SELF) &&
	    !((n->roles & CF_ROLE_BARE) && (!method || w->implicit_this)))
		return 0;
	return strlen(f->name) == n->name_len && !memcmp(f->name, cf_uast_name(w->u, n), n->name_len);
}

/* SonarSource's increments for node n whose parent sits at level nest. */
static uint32_t cognitive_of(const struct walk *w, const struct cf_uast_node *n,
			     uint32_t nest, int func)
{
	const struct cf_uast *u = w->u;
	const struct cf_uast_node *p = n->parent == CF_UAST_NONE ? NULL : &u->nodes[n->parent];

	switch (n->type) {
	case CF_UAST_IF:
		return n->roles & CF_ROLE_ELSEIF ? 1 : 1 + nest;
	case CF_UAST_ELSE:
		return p && p->type == CF_UAST_IF;
	case CF_UAST_LOOP: case CF_UAST_SWITCH: case CF_UAST_CATCH: case CF_UAST_TERNARY:
		return 1 + nest;
	case CF_UAST_GOTO:
		return 1;
	case CF_UAST_BINARY:
		if (!(n->roles & CF_ROLE_LOGICAL))
			return 0;
		return !(p && p->type == CF_UAST_BINARY && same_name(u, p, n));
	case CF_UAST_CALL:
		return func >= 0 && recursive_call(w, n, func);
	}
	return 0;
}

static int top_level_lambda(const struct open *parent, const struct cf_uast_node *n)
{
	return n->type == CF_UAST_LAMBDA && parent->fctx < 0;
}

static int open_function(struct walk *w, uint32_t i, int cls)
{
	const struct cf_uast_node *n = &w->u->nodes[i];
	struct cf_static_file *out = w->out;
	struct cf_static_func *f;
	struct fctx *fx;

	CF_ALLOC_GROW(out->funcs, out->nr_funcs + 1, out->alloc_funcs);
	f = &out->funcs[out->nr_funcs];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(n->name_len ? cf_uast_name(w->u, n) : "<lambda>");
	f->line = n->line;
	f->end_line = n->end_line;
	f->cyclomatic = 1;
	f->documented = n->line > 1 && w->comment_end[n->line - 1];
	CF_ALLOC_GROW(w->fclass, out->nr_funcs + 1, w->alloc_fc);
	w->fclass[out->nr_funcs].cls = (n->roles & CF_ROLE_METHOD) && !n->aux_len ? cls : -1;
	w->fclass[out->nr_funcs].aux = w->u->pool.buf + n->aux;
	w->fclass[out->nr_funcs].aux_len = n->aux_len;
	out->nr_funcs++;
	CF_ALLOC_GROW(w->fx, w->nr_fx + 1, w->alloc_fx);
	fx = &w->fx[w->nr_fx];
	memset(fx, 0, sizeof(*fx));
	fx->func = out->nr_funcs - 1;
	return w->nr_fx++;
}

static void close_function(struct walk *w)
{
	struct fctx *fx = &w->fx[--w->nr_fx];
	struct cf_static_func *f = &w->out->funcs[fx->func];

	f->h.N1 = fx->nr_ops;
	f->h.N2 = fx->nr_opnds;
	f->h.n1 = distinct(fx->ops, fx->nr_ops);
	f->h.n2 = distinct(fx->opnds, fx->nr_opnds);
	free(fx->ops);
	free(fx->opnds);
}

static int open_class(struct walk *w, uint32_t i)
{
	const struct cf_uast_node *n = &w->u->nodes[i];
	struct cf_static_file *out = w->out;
	struct cf_static_class *c;

	CF_ALLOC_GROW(out->classes, out->nr_classes + 1, out->alloc_classes);
	c = &out->classes[out->nr_classes];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(cf_uast_name(w->u, n));
	c->line = n->line;
	c->end_line = n->end_line;
	c->documented = n->line > 1 && w->comment_end[n->line - 1];
	return out->nr_classes++;
}

static void add_use(struct walk *w, int func, const struct cf_uast_node *n, unsigned kind)
{
	CF_ALLOC_GROW(w->uses, w->nr_uses + 1, w->alloc_uses);
	w->uses[w->nr_uses].func = func;
	w->uses[w->nr_uses].name = cf_uast_name(w->u, n);
	w->uses[w->nr_uses].kind = kind;
	w->nr_uses++;
}

static void comment_node(struct walk *w, const struct cf_uast_node *n, const struct open *parent)
{
	for (uint32_t l = n->line; l <= n->end_line && l <= w->u->lines; l++)
		w->comment_line[l] = 1;
	/* a docstring documents what it opens, not what follows it */
	if (n->end_line <= w->u->lines && !(n->roles & CF_ROLE_DOC))
		w->comment_end[n->end_line] = 1;
	if (!(n->roles & CF_ROLE_DOC) || parent->node == CF_UAST_NONE)
		return;
	/* a docstring documents the def or class it opens */
	if (w->u->nodes[parent->node].type == CF_UAST_FUNCTION && parent->fctx >= 0)
		w->out->funcs[w->fx[parent->fctx].func].documented = 1;
	else if (w->u->nodes[parent->node].type == CF_UAST_CLASS && parent->cls >= 0)
		w->out->classes[parent->cls].documented = 1;
}

/* Everything one node contributes, given its open parent. */
static void visit(struct walk *w, uint32_t i, const struct open *parent, struct open *self)
{
	const struct cf_uast_node *n = &w->u->nodes[i];
	struct cf_static_func *f = NULL;
	int func = -1;

	*self = *parent;
	self->node = i;
	if (parent->fctx >= 0) {
		func = w->fx[parent->fctx].func;
		f = &w->out->funcs[func];
	}
	if (n->type == CF_UAST_COMMENT)
		comment_node(w, n, parent);
	else if (n->type == CF_UAST_IMPORT && n->name_len) {
		CF_ALLOC_GROW(w->out->imports, w->out->nr_imports + 1, w->out->alloc_imports);
		w->out->imports[w->out->nr_imports++] = xstrdup(cf_uast_name(w->u, n));
	} else if (n->type == CF_UAST_CLASS) {
		self->cls = open_class(w, i);
	} else if (n->type == CF_UAST_FIELD && parent->cls >= 0 && parent->fctx < 0) {
		CF_ALLOC_GROW(w->fields, w->nr_fields + 1, w->alloc_fields);
		w->fields[w->nr_fields].cls = parent->cls;
		w->fields[w->nr_fields++].name = cf_uast_name(w->u, n);
	}
	if (n->type == CF_UAST_FUNCTION || top_level_lambda(parent, n)) {
		self->fctx = open_function(w, i, parent->cls);
		self->nest = 0;
		self->depth = 0;
		return;
	}
	if (!f)
		return;
	f->cyclomatic += cyclomatic_of(n);
	f->cognitive += cognitive_of(w, n, parent->nest, func);
	if (starts_nesting(n))
		self->nest = parent->nest + 1;
	if (starts_depth(n)) {
		self->depth = parent->depth + 1;
		if (self->depth > f->nesting)
			f->nesting = self->depth;
	}
	halstead_node(w, &w->fx[parent->fctx], n);
	if (n->type == CF_UAST_MEMBER && (n->roles & CF_ROLE_SELF))
		add_use(w, func, n, USE_SELF_MEMBER);
	else if (n->type == CF_UAST_IDENT && w->implicit_this)
		add_use(w, func, n, USE_IDENT);
	else if (n->type == CF_UAST_CALL && ((n->roles & CF_ROLE_SELF) ||
		 ((n->roles & CF_ROLE_BARE) && w->implicit_this)))
		add_use(w, func, n, USE_CALL);
}

static void pop_open(struct walk *w)
{
	struct open *o = &w->stack[--w->nr];
	const struct cf_uast_node *n = &w->u->nodes[o->node];
	int opened = n->type == CF_UAST_FUNCTION ||
		(n->type == CF_UAST_LAMBDA && (w->nr == 0 || w->stack[w->nr - 1].fctx < 0));

	if (opened && o->fctx >= 0)
		close_function(w);
}

static void count_lines(struct walk *w, const char *src, size_t len)
{
	struct cf_static_file *out = w->out;
	uint32_t line = 1;
	int blank = 1;

	for (size_t i = 0; i < len; i++) {
		char ch = src[i];
		if (ch == '\n') {
			out->code_lines += !blank;
			out->comment_lines += line <= w->u->lines && w->comment_line[line];
			line++;
			blank = 1;
		} else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\f' && ch != '\v') {
			blank = 0;
		}
	}
	if (len && src[len - 1] != '\n') {
		out->code_lines += !blank;
		out->comment_lines += line <= w->u->lines && w->comment_line[line];
	}
}

static int is_constructor(const char *name, const char *cls)
{
	return !strcmp(name, cls) || !strcmp(name, "__init__") || !strcmp(name, "constructor") ||
		!strcmp(name, "initialize") || !strcmp(name, "__construct");
}

static int method_of(const struct walk *w, size_t f, size_t k)
{
	const struct fclass *fc = &w->fclass[f];
	const char *cls = w->out->classes[k].name;

	if (fc->aux_len)
		return strlen(cls) == fc->aux_len && !memcmp(cls, fc->aux, fc->aux_len);
	return fc->cls == (int)k;
}

static size_t uf_find(size_t *up, size_t x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return x;
}

/* The method among m (nr of them) named name, or -1. */
static int find_method(const struct walk *w, const size_t *m, size_t nr, const char *name)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(w->out->funcs[m[i]].name, name))
			return i;
	return -1;
}

static int is_field(const struct walk *w, size_t k, const char *name)
{
	for (size_t i = 0; i < w->nr_fields; i++)
		if (w->fields[i].cls == (int)k && !strcmp(w->fields[i].name, name))
			return 1;
	return 0;
}

struct fuse {
	const char *name;
	size_t method;
};

static int cmp_fuse(const void *a, const void *b)
{
	return strcmp(((const struct fuse *)a)->name, ((const struct fuse *)b)->name);
}

static int method_slot(const size_t *m, size_t nr, int func)
{
	for (size_t i = 0; i < nr; i++)
		if (m[i] == (size_t)func)
			return i;
	return -1;
}

/*
 * LCOM4 of class k: methods (constructors excluded) are linked when one
 * calls the other or both use the same field; the answer is the number of
 * connected components.
 */
static void cohesion_of(struct walk *w, size_t k, size_t *m, size_t *up, struct fuse *fu)
{
	struct cf_static_class *c = &w->out->classes[k];
	size_t nr = 0, nr_fu = 0;

	for (size_t f = 0; f < w->out->nr_funcs; f++)
		if (method_of(w, f, k) && !is_constructor(w->out->funcs[f].name, c->name))
			m[nr++] = f;
	for (size_t i = 0; i < nr; i++)
		up[i] = i;
	for (size_t a = 0; nr && a < w->nr_uses; a++) {
		const struct use *u = &w->uses[a];
		int ma = method_slot(m, nr, u->func), mb;
		if (ma < 0)
			continue;
		mb = find_method(w, m, nr, u->name);
		if (mb >= 0 && u->kind != USE_IDENT)
			up[uf_find(up, ma)] = uf_find(up, mb);
		else if (mb < 0 && (u->kind == USE_SELF_MEMBER ||
				    (u->kind == USE_IDENT && is_field(w, k, u->name))))
			fu[nr_fu++] = (struct fuse){ u->name, ma };
	}
	qsort(fu, nr_fu, sizeof(*fu), cmp_fuse);
	for (size_t i = 1; i < nr_fu; i++)
		if (!strcmp(fu[i].name, fu[i - 1].name))
			up[uf_find(up, fu[i].method)] = uf_find(up, fu[i - 1].method);
	c->methods = nr;
	c->lcom4 = 0;
	for (size_t i = 0; i < nr; i++)
		c->lcom4 += uf_find(up, i) == i;
}

static void cohesion(struct walk *w)
{
	size_t n = w->out->nr_funcs + 1;
	size_t *m = xmalloc(st_mult(n, sizeof(*m))), *up = xmalloc(st_mult(n, sizeof(*up)));
	struct fuse *fu = xmalloc(st_mult(w->nr_uses + 1, sizeof(*fu)));

	for (size_t k = 0; k < w->out->nr_classes; k++)
		cohesion_of(w, k, m, up, fu);
	free(m);
	free(up);
	free(fu);
}

void cf_static_analyze(const struct cf_uast *u, const char *src, size_t len,
		       struct cf_static_file *out)
{
	struct walk w = { 0 };

	memset(out, 0, sizeof(*out));
	out->lang = u->lang;
	out->lines = u->lines;
	w.u = u;
	w.out = out;
	w.comment_end = xcalloc(u->lines + 2, 1);
	w.comment_line = xcalloc(u->lines + 2, 1);
	w.implicit_this = u->lang && (!strcmp(u->lang, "java") || !strcmp(u->lang, "c_sharp") ||
				      !strcmp(u->lang, "cpp") || !strcmp(u->lang, "ruby"));
	CF_ALLOC_GROW(w.stack, 1, w.alloc);
	w.stack[0] = (struct open){ .node = 0, .fctx = -1, .cls = -1 };
	w.nr = 1;
	for (uint32_t i = 1; i < u->nr; i++) {
		uint32_t parent = u->nodes[i].parent;
		while (w.nr > 1 && w.stack[w.nr - 1].node != parent)
			pop_open(&w);
		CF_ALLOC_GROW(w.stack, w.nr + 1, w.alloc);
		visit(&w, i, &w.stack[w.nr - 1], &w.stack[w.nr]);
		w.nr++;
	}
	while (w.nr > 1)
		pop_open(&w);
	count_lines(&w, src, len);
	cohesion(&w);
	free(w.stack);
	free(w.fx);
	free(w.fclass);
	free(w.fields);
	free(w.uses);
	free(w.comment_end);
	free(w.comment_line);
}

void cf_static_file_release(struct cf_static_file *f)
{
	for (size_t i = 0; i < f->nr_funcs; i++)
		free(f->funcs[i].name);
	for (size_t i = 0; i < f->nr_classes; i++)
		free(f->classes[i].name);
	for (size_t i = 0; i < f->nr_imports; i++)
		free(f->imports[i]);
	free(f->funcs);
	free(f->classes);
	free(f->imports);
	memset(f, 0, sizeof(*f));
}

void cf_halstead_derive(const struct cf_halstead *h, struct cf_halstead_derived *d)
{
	memset(d, 0, sizeof(*d));
	d->vocabulary = h->n1 + h->n2;
	d->length = h->N1 + h->N2;
	if (d->vocabulary > 0)
		d->volume = d->length * log2(d->vocabulary);
	if (h->n2)
		d->difficulty = (h->n1 / 2.0) * ((double)h->N2 / h->n2);
	d->effort = d->difficulty * d->volume;
	d->time = d->effort / 18.0;
	d->bugs = d->volume / 3000.0;
}
