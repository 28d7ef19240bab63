/*
 * UAST: tree-sitter parse, then one walk of the syntax tree with a cursor
 * that keeps the mapped nodes (common/uast-map.c) and drops the rest.
 */
#include <pthread.h>
#include <string.h>
#include <tree_sitter/api.h>
#include "cf/alloc.h"
#include "cf/json.h"
#include "cf/uast.h"
#include "cf/usage.h"
#include "uast-map.h"

#define MAX_CANDIDATES 3
#define MAX_NAME 1024

struct resolved {
	const TSLanguage *lang;
	uint32_t nsym;
	const struct uast_rule *(*cand)[MAX_CANDIDATES];
	uint32_t nfields;
	uint8_t *type_field;	/* per field id: it holds a type (prune_types) */
};

static struct resolved resolved[16];
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const type_names[CF_UAST_NTYPES] = {
	"file", "function", "lambda", "class", "field", "call", "identifier",
	"member", "index", "literal", "comment", "import", "if", "else", "loop",
	"switch", "case", "try", "catch", "return", "binary", "unary", "assign",
	"ternary", "break", "continue", "goto", "throw",
};

static const char *const role_names[CF_ROLE_COUNT] = {
	"elseif", "default", "method", "self", "logical", "doc", "bare", "synthetic",
};

const char *cf_uast_type_name(unsigned type)
{
	return type < CF_UAST_NTYPES ? type_names[type] : "?";
}

const char *cf_uast_role_name(unsigned bit)
{
	return bit < CF_ROLE_COUNT ? role_names[bit] : "?";
}

unsigned cf_uast_lang_count(void)
{
	return uast_nr_langs;
}

const char *cf_uast_lang_name(unsigned i)
{
	return i < uast_nr_langs ? uast_langs[i].name : NULL;
}

static int lang_index(const char *name)
{
	for (size_t i = 0; i < uast_nr_langs; i++)
		if (!strcmp(uast_langs[i].name, name))
			return i;
	return -1;
}

const char *cf_uast_lang_find(const char *lang)
{
	int i = lang_index(lang);
	return i < 0 ? NULL : uast_langs[i].name;
}

static void add_candidates(const struct uast_rule **slot, int *n,
			   const struct uast_rule *rules, size_t nr, const char *name)
{
	for (size_t i = 0; i < nr && *n < MAX_CANDIDATES; i++)
		if (!strcmp(rules[i].ts, name))
			slot[(*n)++] = &rules[i];
}

static void resolve_type_fields(struct resolved *r, const struct uast_lang *ul)
{
	static const char *const names[] = {
		"type", "return_type", "returns", "type_arguments", "type_parameters",
		"default_type",
	};

	r->nfields = ts_language_field_count(r->lang) + 1;
	r->type_field = xcalloc(r->nfields, 1);
	if (!ul->prune_types)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		TSFieldId f = ts_language_field_id_for_name(r->lang, names[i], strlen(names[i]));
		if (f && f < r->nfields)
			r->type_field[f] = 1;
	}
}

/* Every symbol of the grammar, named or aliased, to its candidate rules. */
static void resolve_lang(int i)
{
	const struct uast_lang *ul = &uast_langs[i];
	struct resolved *r = &resolved[i];

	r->lang = ul->language();
	r->nsym = ts_language_symbol_count(r->lang);
	r->cand = xcalloc(r->nsym, sizeof(*r->cand));
	for (uint32_t s = 0; s < r->nsym; s++) {
		const char *name = ts_language_symbol_name(r->lang, s);
		int n = 0;

		if (!name || ts_language_symbol_type(r->lang, s) != TSSymbolTypeRegular)
			continue;
		add_candidates(r->cand[s], &n, ul->rules, ul->nr_rules, name);
		add_candidates(r->cand[s], &n, uast_generic_rules, uast_nr_generic_rules, name);
	}
	resolve_type_fields(r, ul);
}

static const struct resolved *get_resolved(int i)
{
	pthread_mutex_lock(&init_lock);
	if (!resolved[i].cand)
		resolve_lang(i);
	pthread_mutex_unlock(&init_lock);
	return &resolved[i];
}

struct cf_uast_parser {
	TSParser *ts;
	int tolerant;		/* keep trees with syntax errors */
};

void cf_uast_parser_tolerate(struct cf_uast_parser *p, int on)
{
	p->tolerant = on;
}

struct cf_uast_parser *cf_uast_parser_new(void)
{
	struct cf_uast_parser *p = xcalloc(1, sizeof(*p));
	p->ts = ts_parser_new();
	return p;
}

void cf_uast_parser_free(struct cf_uast_parser *p)
{
	if (!p)
		return;
	ts_parser_delete(p->ts);
	free(p);
}

void cf_uast_init(struct cf_uast *u)
{
	memset(u, 0, sizeof(*u));
	cf_buf_init(&u->pool, 0);
}

void cf_uast_release(struct cf_uast *u)
{
	free(u->nodes);
	cf_buf_release(&u->pool);
	memset(u, 0, sizeof(*u));
}

/* A frozen tree: this header, the nodes, then the name pool. */
struct frozen {
	uint64_t magic;
	uint64_t nr, pool_len;
	uint32_t lines, lang;	/* lang: index in cf_uast_lang_name() */
};

#define FROZEN_MAGIC 0x63667561737431ull	/* "cfuast1" */

char *cf_uast_freeze(const struct cf_uast *u, size_t *len)
{
	int lang = u->lang ? lang_index(u->lang) : -1;
	struct frozen h = { FROZEN_MAGIC, u->nr, u->pool.len, u->lines,
			    lang < 0 ? cf_uast_lang_count() : (uint32_t)lang };
	size_t nodes = st_mult(u->nr, sizeof(*u->nodes));
	char *block;

	*len = st_add(st_add(sizeof(h), nodes), u->pool.len + 1);
	block = xmalloc(*len);
	memcpy(block, &h, sizeof(h));
	if (nodes)
		memcpy(block + sizeof(h), u->nodes, nodes);
	if (u->pool.len)
		memcpy(block + sizeof(h) + nodes, u->pool.buf, u->pool.len);
	block[*len - 1] = '\0';
	return block;
}

int cf_uast_thaw(struct cf_uast *view, const char *block, size_t len)
{
	struct frozen h;
	size_t nodes;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, block, sizeof(h));
	if (h.magic != FROZEN_MAGIC || h.lang >= cf_uast_lang_count() ||
	    h.nr > (len - sizeof(h)) / sizeof(*view->nodes))
		return -1;
	nodes = h.nr * sizeof(*view->nodes);
	if (h.pool_len != len - sizeof(h) - nodes - 1)
		return -1;
	memset(view, 0, sizeof(*view));
	view->lang = cf_uast_lang_name(h.lang);
	/* malloc's alignment and a header of whole words keep the nodes aligned */
	view->nodes = (struct cf_uast_node *)(block + sizeof(h));
	view->nr = h.nr;
	view->pool.buf = (char *)block + sizeof(h) + nodes;
	view->pool.len = h.pool_len;
	view->lines = h.lines;
	return 0;
}

/* The converter. */

struct frame {
	TSNode node;
	uint32_t up;		/* UAST parent of the children */
	uint8_t utype;		/* the mapped type of node, or U_SKIP */
	uint8_t elseif_next;	/* an else clause that holds just an if */
	uint8_t self_set;	/* this node set the receiver name */
};

struct conv {
	struct cf_uast *u;
	const char *src;
	const struct resolved *r;
	struct frame *fr;
	size_t nfr, afr;
	uint32_t *last;
	size_t alast;
	const char *self;
	size_t self_len;
};

static uint32_t pool_add(struct cf_uast *u, const char *s, size_t len)
{
	uint32_t off = u->pool.len;

	if (len > MAX_NAME)
		len = MAX_NAME;
	cf_buf_add(&u->pool, s, len);
	cf_buf_addch(&u->pool, '\0');
	return off;
}

static void set_name(struct conv *c, struct cf_uast_node *n, const char *s, size_t len)
{
	n->name = pool_add(c->u, s, len);
	n->name_len = len > MAX_NAME ? MAX_NAME : len;
}

static void set_name_node(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	uint32_t a = ts_node_start_byte(t), b = ts_node_end_byte(t);
	set_name(c, n, c->src + a, b - a);
}

static uint32_t add_node(struct conv *c, uint32_t parent, unsigned type,
			 uint32_t start, uint32_t end, uint32_t line, uint32_t end_line)
{
	struct cf_uast *u = c->u;
	uint32_t i = u->nr;
	struct cf_uast_node *n;

	if (u->nr >= CF_UAST_NONE - 1)
		die("too many syntax nodes in one file");
	CF_ALLOC_GROW(u->nodes, u->nr + 1, u->alloc);
	CF_ALLOC_GROW(c->last, u->nr + 1, c->alast);
	n = &u->nodes[u->nr++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->parent = parent;
	n->child = n->next = CF_UAST_NONE;
	n->start = start;
	n->end = end;
	n->line = line;
	n->end_line = end_line;
	n->name = pool_add(u, "", 0);
	c->last[i] = CF_UAST_NONE;
	if (parent != CF_UAST_NONE) {
		if (c->last[parent] == CF_UAST_NONE)
			u->nodes[parent].child = i;
		else
			u->nodes[c->last[parent]].next = i;
		c->last[parent] = i;
	}
	return i;
}

static uint32_t add_ts_node(struct conv *c, uint32_t parent, unsigned type, TSNode t)
{
	return add_node(c, parent, type, ts_node_start_byte(t), ts_node_end_byte(t),
			ts_node_start_point(t).row + 1, ts_node_end_point(t).row + 1);
}

static TSNode field(TSNode t, const char *name)
{
	return ts_node_child_by_field_name(t, name, strlen(name));
}

/* The first present field among names. */
static TSNode field_any(TSNode t, const char *const *names)
{
	for (; *names; names++) {
		TSNode f = field(t, *names);
		if (!ts_node_is_null(f))
			return f;
	}
	return (TSNode){ 0 };
}

static int text_is(const struct conv *c, TSNode t, const char *s)
{
	uint32_t a = ts_node_start_byte(t), b = ts_node_end_byte(t);
	return b - a == strlen(s) && !memcmp(c->src + a, s, b - a);
}

static const struct uast_rule *lookup(const struct conv *c, TSNode t, const struct frame *parent)
{
	TSSymbol s = ts_node_symbol(t);
	const struct uast_rule *const *cand;

	if (s >= c->r->nsym)
		return NULL;
	cand = c->r->cand[s];
	for (int i = 0; i < MAX_CANDIDATES && cand[i]; i++) {
		if (!cand[i]->parent)
			return cand[i];
		if (parent && !ts_node_is_null(parent->node) &&
		    !strcmp(ts_node_type(parent->node), cand[i]->parent))
			return cand[i];
	}
	return NULL;
}

static unsigned mapped_type(const struct conv *c, TSNode t, const struct frame *parent)
{
	const struct uast_rule *rule = lookup(c, t, parent);
	return rule ? rule->type : U_SKIP;
}

static int is_self(const struct conv *c, TSNode obj)
{
	if (ts_node_is_null(obj))
		return 0;
	if (text_is(c, obj, "this") || text_is(c, obj, "self") || text_is(c, obj, "$this"))
		return 1;
	if (c->self_len) {
		uint32_t a = ts_node_start_byte(obj), b = ts_node_end_byte(obj);
		return b - a == c->self_len && !memcmp(c->src + a, c->self, b - a);
	}
	return 0;
}

static const char *const object_fields[] = {
	"operand", "object", "argument", "value", "expression", "receiver", "scope", NULL
};
static const char *const member_fields[] = {
	"field", "property", "name", "attribute", "method", NULL
};

static void name_member(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	TSNode m = field_any(t, member_fields);

	if (!ts_node_is_null(m))
		set_name_node(c, n, m);
	if (is_self(c, field_any(t, object_fields)))
		n->roles |= CF_ROLE_SELF;
}

static void name_call(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	static const char *const callee_fields[] = {
		"function", "name", "method", "macro", "constructor", NULL
	};
	TSNode f = field_any(t, callee_fields), obj = field_any(t, object_fields);

	if (ts_node_is_null(f)) {
		if (ts_node_named_child_count(t))
			f = ts_node_named_child(t, 0);
		else
			return;
	}
	if (!ts_node_is_null(obj)) {
		/* java a.f(), php $a->f(), ruby a.f: the name is on the call */
		set_name_node(c, n, f);
		if (is_self(c, obj))
			n->roles |= CF_ROLE_SELF;
	} else if (!ts_node_named_child_count(f) || !strcmp(ts_node_type(f), "variable_name")) {
		set_name_node(c, n, f);
		n->roles |= CF_ROLE_BARE;
	} else {
		TSNode m = field_any(f, member_fields);
		set_name_node(c, n, ts_node_is_null(m) ? f : m);
		if (is_self(c, field_any(f, object_fields)))
			n->roles |= CF_ROLE_SELF;
	}
}

static int is_logical(const char *op)
{
	return !strcmp(op, "&&") || !strcmp(op, "||") || !strcmp(op, "and") || !strcmp(op, "or");
}

/*
 * The operator: field "operator", else the first token that is no bracket
 * or separator, else the first token (bash's test [ ... ]).
 */
static void name_op(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	TSNode op = field(t, "operator");
	const char *s = NULL, *first = NULL;
	uint32_t nc = ts_node_child_count(t);

	if (!ts_node_is_null(op) && ts_node_is_named(op)) {
		/* a node of its own (bash -z): its text */
		set_name_node(c, n, op);
		return;
	}
	if (!ts_node_is_null(op))
		s = ts_node_type(op);
	for (uint32_t i = 0; i < nc && !s; i++) {
		TSNode k = ts_node_child(t, i);
		const char *ty = ts_node_type(k);
		if (ts_node_is_named(k))
			continue;
		if (!first)
			first = ty;
		if (!strchr("()[],;{}", ty[0]))
			s = ty;
	}
	if (!s)
		s = first;
	if (!s)
		return;
	set_name(c, n, s, strlen(s));
	if (n->type == CF_UAST_BINARY && is_logical(s))
		n->roles |= CF_ROLE_LOGICAL;
}

static void set_stripped(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	uint32_t a = ts_node_start_byte(t), b = ts_node_end_byte(t);
	const char *s = c->src;

	while (a < b && strchr(" \t\r\n\"'`<>", s[a]))
		a++;
	while (b > a && strchr(" \t\r\n\"'`<>;", s[b - 1]))
		b--;
	set_name(c, n, s + a, b - a);
}

static void name_import(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	static const char *const fields[] = {
		"path", "source", "module_name", "argument", "name", NULL
	};
	TSNode f = field_any(t, fields);

	if (ts_node_is_null(f) && ts_node_named_child_count(t))
		f = ts_node_named_child(t, 0);
	if (!ts_node_is_null(f))
		set_stripped(c, n, f);
}

static void name_java_import(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	uint32_t nc = ts_node_named_child_count(t);
	struct cf_buf b = CF_BUF_INIT;

	for (uint32_t i = 0; i < nc; i++) {
		TSNode k = ts_node_named_child(t, i);
		uint32_t a = ts_node_start_byte(k), e = ts_node_end_byte(k);
		if (!strcmp(ts_node_type(k), "asterisk"))
			cf_buf_addstr(&b, ".*");
		else if (!b.len)
			cf_buf_add(&b, c->src + a, e - a);
	}
	set_name(c, n, b.buf, b.len);
	cf_buf_release(&b);
}

static int identifier_like(const char *type)
{
	size_t l = strlen(type);
	return (l >= 10 && !strcmp(type + l - 10, "identifier")) ||
		!strcmp(type, "variable_name") || !strcmp(type, "name");
}

/* The first identifier under t, not looking into its "type" field. */
static TSNode first_identifier(TSNode t, int depth)
{
	TSNode ty = field(t, "type");
	uint32_t nc = ts_node_named_child_count(t);

	if (identifier_like(ts_node_type(t)))
		return t;
	if (depth > 8)
		return (TSNode){ 0 };
	for (uint32_t i = 0; i < nc; i++) {
		TSNode k = ts_node_named_child(t, i), r;
		if (!ts_node_is_null(ty) && ts_node_eq(k, ty))
			continue;
		r = first_identifier(k, depth + 1);
		if (!ts_node_is_null(r))
			return r;
	}
	return (TSNode){ 0 };
}

static void name_field(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	TSNode id = field(t, "name");
	uint32_t a, b;

	if (ts_node_is_null(id))
		id = first_identifier(t, 0);
	if (ts_node_is_null(id))
		return;
	if (!strcmp(ts_node_type(id), "variable_name") ||
	    !identifier_like(ts_node_type(id)))
		id = ts_node_named_child_count(id) ? ts_node_named_child(id, 0) : id;
	a = ts_node_start_byte(id);
	b = ts_node_end_byte(id);
	if (a < b && c->src[a] == '$')
		a++;
	set_name(c, n, c->src + a, b - a);
}

static void name_cfunc(struct conv *c, struct cf_uast_node *n, TSNode t)
{
	TSNode d = field(t, "declarator");

	for (int i = 0; i < 16 && !ts_node_is_null(d); i++) {
		if (!strcmp(ts_node_type(d), "function_declarator")) {
			TSNode id = field(d, "declarator");
			if (!ts_node_is_null(id))
				set_name_node(c, n, id);
			return;
		}
		d = ts_node_is_null(field(d, "declarator")) && ts_node_named_child_count(d) ?
			ts_node_named_child(d, 0) : field(d, "declarator");
	}
}

static void name_lambda(struct conv *c, struct cf_uast_node *n, const struct frame *parent)
{
	TSNode p = parent->node, id;
	const char *pt;

	if (ts_node_is_null(p))
		return;
	pt = ts_node_type(p);
	if (!strcmp(pt, "variable_declarator") || !strcmp(pt, "let_declaration") ||
	    !strcmp(pt, "pair") || !strcmp(pt, "public_field_definition"))
		id = field(p, ts_node_is_null(field(p, "name")) ? (ts_node_is_null(field(p, "key")) ?
			"pattern" : "key") : "name");
	else if (!strcmp(pt, "assignment_expression") || !strcmp(pt, "assignment"))
		id = field(p, "left");
	else
		return;
	if (!ts_node_is_null(id) && !ts_node_named_child_count(id))
		set_name_node(c, n, id);
}

static void go_method(struct conv *c, struct cf_uast_node *n, TSNode t, struct frame *f)
{
	TSNode recv = field(t, "receiver"), decl, id, ty;
	uint32_t a, b;

	if (ts_node_is_null(recv) || !ts_node_named_child_count(recv))
		return;
	decl = ts_node_named_child(recv, 0);
	id = field(decl, "name");
	ty = field(decl, "type");
	if (!ts_node_is_null(id)) {
		c->self = c->src + ts_node_start_byte(id);
		c->self_len = ts_node_end_byte(id) - ts_node_start_byte(id);
		f->self_set = 1;
	}
	if (ts_node_is_null(ty))
		return;
	a = ts_node_start_byte(ty);
	b = ts_node_end_byte(ty);
	while (a < b && (c->src[a] == '*' || c->src[a] == ' '))
		a++;
	for (uint32_t i = a; i < b; i++)
		if (c->src[i] == '[') {
			b = i;
			break;
		}
	n->aux = pool_add(c->u, c->src + a, b - a);
	n->aux_len = b - a > MAX_NAME ? MAX_NAME : b - a;
}

static int is_default_case(const struct conv *c, TSNode t)
{
	uint32_t a = ts_node_start_byte(t), b = ts_node_end_byte(t);
	TSNode k;

	if (b - a >= 7 && !memcmp(c->src + a, "default", 7))
		return 1;
	if (!ts_node_named_child_count(t))
		return 0;
	k = ts_node_named_child(t, 0);
	return text_is(c, k, "_") || text_is(c, k, "*");
}

/* A Python string that is the first statement of a module, class or def. */
static int is_docstring(const struct conv *c)
{
	const struct frame *es, *block, *def;
	const char *dt;

	/* the string's own frame is on top */
	if (c->nfr < 3)
		return 0;
	es = &c->fr[c->nfr - 2];
	block = &c->fr[c->nfr - 3];
	if (ts_node_is_null(block->node) ||
	    !ts_node_eq(ts_node_named_child(block->node, 0), es->node))
		return 0;
	if (!strcmp(ts_node_type(block->node), "module"))
		return 1;
	if (c->nfr < 4 || strcmp(ts_node_type(block->node), "block"))
		return 0;
	def = &c->fr[c->nfr - 4];
	dt = ts_node_is_null(def->node) ? "" : ts_node_type(def->node);
	return !strcmp(dt, "function_definition") || !strcmp(dt, "class_definition");
}

/* An else clause that holds only an if: the if continues the chain. */
static int else_holds_if(const struct conv *c, TSNode t, const struct frame *self)
{
	uint32_t nc = ts_node_named_child_count(t), ifs = 0, others = 0;

	for (uint32_t i = 0; i < nc; i++) {
		TSNode k = ts_node_named_child(t, i);
		unsigned ty = mapped_type(c, k, self);
		if (ty == CF_UAST_IF)
			ifs++;
		else if (ty != CF_UAST_COMMENT)
			others++;
	}
	return ifs == 1 && !others;
}

static int enclosed_by_class(const struct cf_uast *u, uint32_t i)
{
	for (; i != CF_UAST_NONE; i = u->nodes[i].parent) {
		unsigned t = u->nodes[i].type;
		if (t == CF_UAST_CLASS)
			return 1;
		if (t == CF_UAST_FUNCTION || t == CF_UAST_LAMBDA)
			return 0;
	}
	return 0;
}

/* A python function's span starts at its decorators. */
static TSNode span_node(TSNode t, const struct frame *parent)
{
	if (!ts_node_is_null(parent->node) &&
	    !strcmp(ts_node_type(parent->node), "decorated_definition"))
		return parent->node;
	return t;
}

static int has_token(TSNode t, const char *tok)
{
	uint32_t nc = ts_node_child_count(t);

	for (uint32_t i = 0; i < nc; i++) {
		TSNode k = ts_node_child(t, i);
		if (!ts_node_is_named(k) && !strcmp(ts_node_type(k), tok))
			return 1;
	}
	return 0;
}

/* Adjusts the rule to the node (conditions on fields, contents). */
static unsigned refine(struct conv *c, TSNode t, const struct uast_rule *rule, unsigned *roles)
{
	switch (rule->how) {
	case H_CLASS_BODY:
		return ts_node_is_null(field(t, "body")) ? U_SKIP : rule->type;
	case H_GO_TYPE: {
		TSNode ty = field(t, "type");
		const char *s = ts_node_is_null(ty) ? "" : ts_node_type(ty);
		return strcmp(s, "struct_type") && strcmp(s, "interface_type") ? U_SKIP : rule->type;
	}
	case H_ASSIGN_VALUE:
		/* C# declarators have no value field, only the "=" */
		return ts_node_is_null(field(t, "value")) && !has_token(t, "=") ? U_SKIP : rule->type;
	case H_PY_STRING:
		if (is_docstring(c)) {
			*roles |= CF_ROLE_DOC;
			return CF_UAST_COMMENT;
		}
		return rule->type;
	case H_RUBY_CALL: {
		TSNode m = field(t, "method");
		if (ts_node_is_null(field(t, "receiver")) && !ts_node_is_null(m) &&
		    (text_is(c, m, "require") || text_is(c, m, "require_relative") ||
		     text_is(c, m, "load")))
			return CF_UAST_IMPORT;
		return rule->type;
	}
	case H_BASH_CMD: {
		TSNode m = field(t, "name");
		if (ts_node_is_null(m))
			return rule->type;
		if (text_is(c, m, "source") || text_is(c, m, "."))
			return CF_UAST_IMPORT;
		if (text_is(c, m, "break"))
			return CF_UAST_BREAK;
		return text_is(c, m, "continue") ? CF_UAST_CONTINUE : rule->type;
	}
	}
	return rule->type;
}

static void name_by_rule(struct conv *c, uint32_t i, TSNode t, const struct uast_rule *rule,
			 struct frame *self, const struct frame *parent)
{
	struct cf_uast_node *n = &c->u->nodes[i];
	TSNode f;

	switch (rule->how) {
	case H_NAME:
		f = field(t, "name");
		if (!ts_node_is_null(f))
			set_name_node(c, n, f);
		break;
	case H_TEXT:
		set_name_node(c, n, t);
		break;
	case H_PY_STRING:
		if (n->type == CF_UAST_LITERAL)
			set_name_node(c, n, t);
		break;
	case H_ASSIGN_VALUE:
		/* a declarator's first token may be "let" */
		set_name(c, n, "=", 1);
		break;
	case H_OP:
		name_op(c, n, t);
		break;
	case H_CFUNC:
		name_cfunc(c, n, t);
		break;
	case H_CALL:
		name_call(c, n, t);
		break;
	case H_MEMBER:
		name_member(c, n, t);
		break;
	case H_IMPORT:
		name_import(c, n, t);
		break;
	case H_JAVA_IMPORT:
		name_java_import(c, n, t);
		break;
	case H_CASE:
		if (is_default_case(c, t))
			n->roles |= CF_ROLE_DEFAULT;
		break;
	case H_CLASS_BODY:
	case H_GO_TYPE:
		f = field(t, "name");
		if (!ts_node_is_null(f))
			set_name_node(c, n, f);
		break;
	case H_GO_METHOD:
		f = field(t, "name");
		if (!ts_node_is_null(f))
			set_name_node(c, n, f);
		n->roles |= CF_ROLE_METHOD;
		go_method(c, n, t, self);
		break;
	case H_FIELD:
		name_field(c, n, t);
		break;
	case H_RUBY_CALL:
	case H_BASH_CMD:
		if (n->type != CF_UAST_IMPORT && n->type != CF_UAST_CALL)
			break;	/* bash break, continue */
		if (n->type == CF_UAST_IMPORT) {
			f = field(t, rule->how == H_RUBY_CALL ? "arguments" : "argument");
			if (!ts_node_is_null(f) && rule->how == H_RUBY_CALL &&
			    ts_node_named_child_count(f))
				f = ts_node_named_child(f, 0);
			if (!ts_node_is_null(f))
				set_stripped(c, n, f);
		} else {
			f = field(t, rule->how == H_RUBY_CALL ? "method" : "name");
			if (!ts_node_is_null(f))
				set_name_node(c, n, f);
			if (ts_node_is_null(field(t, "receiver")))
				n->roles |= CF_ROLE_BARE;
			else if (is_self(c, field(t, "receiver")))
				n->roles |= CF_ROLE_SELF;
		}
		break;
	case H_TYPE_FIELD:
		f = field(t, "type");
		if (!ts_node_is_null(f))
			set_name_node(c, n, f);
		break;
	case H_IVAR: {
		uint32_t a = ts_node_start_byte(t), b = ts_node_end_byte(t);
		while (a < b && c->src[a] == '@')
			a++;
		set_name(c, n, c->src + a, b - a);
		n->roles |= CF_ROLE_SELF;
		break;
	}
	case H_LAMBDA:
		name_lambda(c, n, parent);
		break;
	}
}

static int is_leaf_how(unsigned how, unsigned type)
{
	/* bash break and continue: the command word is no operand */
	return how == H_TEXT || how == H_LEAF || how == H_PY_STRING || how == H_IVAR ||
		type == CF_UAST_IMPORT || type == CF_UAST_COMMENT ||
		(how == H_BASH_CMD && (type == CF_UAST_BREAK || type == CF_UAST_CONTINUE));
}

/* Whether a node of that type in field fid holds a type, to be dropped. */
static int in_type_field(const struct conv *c, TSFieldId fid, unsigned type)
{
	return fid && fid < c->r->nfields && c->r->type_field[fid] &&
		type != CF_UAST_CLASS && type != CF_UAST_FUNCTION && type != CF_UAST_LAMBDA;
}

/*
 * Maps ts node t (a child of parent) and fills its frame; returns whether
 * its children are to be visited.
 */
static int visit(struct conv *c, TSNode t, TSFieldId fid, struct frame *parent, struct frame *self)
{
	const struct uast_rule *rule = lookup(c, t, parent);
	unsigned type = rule ? rule->type : U_SKIP, roles = rule ? rule->roles : 0;
	uint32_t up = parent->up, i;
	int alternative = parent->utype == CF_UAST_IF && fid &&
		!strcmp(ts_language_field_name_for_id(c->r->lang, fid), "alternative");

	self->node = t;
	self->up = up;
	self->utype = U_SKIP;
	self->elseif_next = 0;
	self->self_set = 0;
	if (rule && type != U_SKIP)
		type = refine(c, t, rule, &roles);
	if (in_type_field(c, fid, type))
		return 0;
	if (type == CF_UAST_ELSE && rule->how == H_ELSE && else_holds_if(c, t, self)) {
		self->elseif_next = 1;
		return 1;
	}
	if (type == CF_UAST_IF && (alternative || parent->elseif_next))
		roles |= CF_ROLE_ELSEIF;
	else if (alternative && type != CF_UAST_ELSE) {
		up = add_ts_node(c, up, CF_UAST_ELSE, t);
		c->u->nodes[up].roles |= CF_ROLE_SYNTHETIC;
		self->up = up;
	}
	if (type == U_SKIP)
		return !(rule && rule->how == H_PRUNE);
	if (type == CF_UAST_FUNCTION || type == CF_UAST_CLASS)
		i = add_ts_node(c, up, type, span_node(t, parent));
	else
		i = add_ts_node(c, up, type, t);
	c->u->nodes[i].roles |= roles;
	/* a comment that takes its newline (Rust //) ends on its own line */
	if (type == CF_UAST_COMMENT && !ts_node_end_point(t).column &&
	    c->u->nodes[i].end_line > c->u->nodes[i].line)
		c->u->nodes[i].end_line--;
	self->up = i;
	self->utype = type;
	name_by_rule(c, i, t, rule, self, parent);
	if (type == CF_UAST_FUNCTION && enclosed_by_class(c->u, c->u->nodes[i].parent))
		c->u->nodes[i].roles |= CF_ROLE_METHOD;
	return !is_leaf_how(rule->how, type);
}

static struct frame *push_frame(struct conv *c)
{
	CF_ALLOC_GROW(c->fr, c->nfr + 1, c->afr);
	return &c->fr[c->nfr++];
}

static void pop_frame(struct conv *c)
{
	if (c->fr[c->nfr - 1].self_set) {
		c->self = NULL;
		c->self_len = 0;
	}
	c->nfr--;
}

static void convert(struct conv *c, TSNode root, uint32_t len)
{
	TSTreeCursor cur = ts_tree_cursor_new(root);
	struct frame *top = push_frame(c);

	memset(top, 0, sizeof(*top));
	top->node = root;
	top->up = add_node(c, CF_UAST_NONE, CF_UAST_FILE, 0, len, 1,
			   ts_node_end_point(root).row + 1);
	top->utype = CF_UAST_FILE;
	if (!ts_tree_cursor_goto_first_child(&cur))
		goto done;
	for (;;) {
		TSNode t = ts_tree_cursor_current_node(&cur);
		int descend = 0;

		if (ts_node_is_named(t)) {
			struct frame *self = push_frame(c);
			struct frame *parent = &c->fr[c->nfr - 2];
			descend = visit(c, t, ts_tree_cursor_current_field_id(&cur), parent, self);
			if (!descend || !ts_tree_cursor_goto_first_child(&cur)) {
				pop_frame(c);
				descend = 0;
			}
		}
		if (descend)
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&cur)) {
			if (!ts_tree_cursor_goto_parent(&cur) || c->nfr <= 1)
				goto done;
			pop_frame(c);
		}
	}
done:
	ts_tree_cursor_delete(&cur);
}

/* Validity checks before parsing. */

static int check_bytes(const char *src, size_t len, size_t max_size, struct cf_buf *why)
{
	size_t line = 1;

	if (len > max_size) {
		cf_buf_addf(why, "too large (%zu bytes, limit %zu)", len, max_size);
		return -1;
	}
	if (memchr(src, '\0', len)) {
		cf_buf_addstr(why, "binary (NUL byte)");
		return -1;
	}
	for (size_t i = 0; i < len;) {
		unsigned char ch = src[i];
		size_t n;
		if (ch < 0x80) {
			line += ch == '\n';
			i++;
			continue;
		}
		n = cf_utf8_len(src + i, len - i);
		if (!n) {
			cf_buf_addf(why, "invalid UTF-8 at line %zu", line);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* The line of the first ERROR or MISSING node. */
static uint32_t error_line(TSNode root)
{
	TSNode t = root;

	for (int depth = 0; depth < 10000; depth++) {
		uint32_t nc = ts_node_child_count(t), i;
		if (ts_node_is_error(t) || ts_node_is_missing(t))
			break;
		for (i = 0; i < nc; i++) {
			TSNode k = ts_node_child(t, i);
			if (ts_node_has_error(k)) {
				t = k;
				break;
			}
		}
		if (i == nc)
			break;
	}
	return ts_node_start_point(t).row + 1;
}

int cf_uast_parse(struct cf_uast_parser *p, struct cf_uast *u, const char *lang,
		  const char *src, size_t len, size_t max_size, struct cf_buf *why)
{
	int li = lang_index(lang);
	const struct resolved *r;
	struct conv c = { 0 };
	TSTree *tree;
	TSNode root;

	u->nr = 0;
	cf_buf_reset(&u->pool);
	u->lang = li < 0 ? NULL : uast_langs[li].name;
	u->lines = 0;
	if (li < 0) {
		cf_buf_addf(why, "unknown language '%s'", lang);
		return -1;
	}
	if (check_bytes(src, len, max_size > UINT32_MAX - 1 ? UINT32_MAX - 1 : max_size, why))
		return -1;
	r = get_resolved(li);
	if (!ts_parser_set_language(p->ts, r->lang))
		die("tree-sitter refuses the grammar of '%s' (ABI %u)", lang,
		    ts_language_abi_version(r->lang));
	tree = ts_parser_parse_string(p->ts, NULL, src, len);
	if (!tree) {
		cf_buf_addstr(why, "parser gave up");
		return -1;
	}
	root = ts_tree_root_node(tree);
	if (ts_node_has_error(root)) {
		cf_buf_addf(why, "syntax error at line %u", error_line(root));
		if (!p->tolerant) {
			ts_tree_delete(tree);
			return -1;
		}
	}
	c.u = u;
	c.src = src;
	c.r = r;
	convert(&c, root, len);
	for (size_t i = 0; i < len; i++)
		u->lines += src[i] == '\n';
	if (len && src[len - 1] != '\n')
		u->lines++;
	ts_tree_delete(tree);
	free(c.fr);
	free(c.last);
	return 0;
}
