#ifndef CF_UAST_H
#define CF_UAST_H

/*
 * The UAST: a compact, language-neutral syntax tree built from a tree-sitter
 * parse, for the static analyzers (cf-static) and for people (cf-uast).
 *
 * A tree is three arrays' worth of links in one array of nodes: each node
 * names its parent, first child and next sibling by index, so a whole tree
 * is one allocation, walks need no recursion, and a tree can be written out
 * as is.  Node 0 is the file.  Only constructs the analyzers need become
 * nodes (the vocabulary below, documented with the mapping from each
 * grammar in cf-uast(7)); everything else is transparent: its mapped
 * descendants hang from the nearest mapped ancestor.
 *
 * Ownership: a struct cf_uast owns its nodes and its name pool; names are
 * (offset, length) pairs into the pool, valid until the tree is released or
 * reused.  A struct cf_uast_parser owns one tree-sitter parser: use one per
 * thread.  Source bytes are borrowed during cf_uast_parse() only.
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"

#define CF_UAST_NONE UINT32_MAX

enum cf_uast_type {
	CF_UAST_FILE,
	CF_UAST_FUNCTION,	/* named function, method, constructor */
	CF_UAST_LAMBDA,		/* anonymous function, closure, block */
	CF_UAST_CLASS,		/* class, struct, interface, enum, trait, module, impl */
	CF_UAST_FIELD,		/* member variable declaration */
	CF_UAST_CALL,
	CF_UAST_IDENT,
	CF_UAST_MEMBER,		/* member access: obj.name */
	CF_UAST_INDEX,		/* subscript: a[i] */
	CF_UAST_LITERAL,
	CF_UAST_COMMENT,
	CF_UAST_IMPORT,
	CF_UAST_IF,
	CF_UAST_ELSE,
	CF_UAST_LOOP,
	CF_UAST_SWITCH,
	CF_UAST_CASE,
	CF_UAST_TRY,
	CF_UAST_CATCH,
	CF_UAST_RETURN,
	CF_UAST_BINARY,
	CF_UAST_UNARY,
	CF_UAST_ASSIGN,
	CF_UAST_TERNARY,
	CF_UAST_BREAK,
	CF_UAST_CONTINUE,
	CF_UAST_GOTO,
	CF_UAST_THROW,
	CF_UAST_NTYPES
};

enum cf_uast_role {
	CF_ROLE_ELSEIF = 1 << 0,	/* an if that continues an if/else chain */
	CF_ROLE_DEFAULT = 1 << 1,	/* the default case of a switch */
	CF_ROLE_METHOD = 1 << 2,	/* a function defined in a class (or Go receiver) */
	CF_ROLE_SELF = 1 << 3,		/* member access or call on this/self/receiver */
	CF_ROLE_LOGICAL = 1 << 4,	/* binary && || and or */
	CF_ROLE_DOC = 1 << 5,		/* a docstring */
	CF_ROLE_BARE = 1 << 6,		/* a call of a bare name, no receiver */
	CF_ROLE_SYNTHETIC = 1 << 7,	/* no grammar node of its own (an else) */
	CF_ROLE_COUNT = 8
};

struct cf_uast_node {
	uint8_t type;		/* enum cf_uast_type */
	uint8_t unused;
	uint16_t roles;		/* enum cf_uast_role bits */
	uint32_t parent, child, next;	/* indexes, CF_UAST_NONE when absent */
	uint32_t start, end;		/* byte offsets, end exclusive */
	uint32_t line, end_line;	/* 1-based */
	uint32_t name, name_len;	/* into the name pool */
	uint32_t aux, aux_len;		/* Go: receiver type of a method */
};

struct cf_uast {
	const char *lang;		/* static string, e.g. "c" */
	struct cf_uast_node *nodes;
	size_t nr, alloc;
	struct cf_buf pool;
	uint32_t lines;			/* lines of the source */
};

struct cf_uast_parser;

/* Languages: "go", "python", ..., in the order cf-uast(7) lists them. */
unsigned cf_uast_lang_count(void);
const char *cf_uast_lang_name(unsigned i);
/* The static name of lang, or NULL when no grammar has that name. */
const char *cf_uast_lang_find(const char *lang);

/*
 * The language of a file: by extension, then by the shebang line; ".h" is C
 * unless the text has C++ constructs.  NULL when none applies.
 */
const char *cf_uast_lang_detect(const char *path, const char *data, size_t len);

const char *cf_uast_type_name(unsigned type);
const char *cf_uast_role_name(unsigned bit);	/* bit index < CF_ROLE_COUNT */

struct cf_uast_parser *cf_uast_parser_new(void);
void cf_uast_parser_free(struct cf_uast_parser *p);
/*
 * Keep the trees of files with syntax errors instead of refusing them (the
 * constructs around an error may be missing): for history, where a C file
 * that tree-sitter cannot parse cleanly (macros) should still give spans.
 */
void cf_uast_parser_tolerate(struct cf_uast_parser *p, int on);

/* Files larger than this are refused (cf_uast_parse returns -1). */
#define CF_UAST_DEFAULT_MAX_SIZE (16u << 20)

/*
 * Parses len bytes of lang into u (emptied first).  Returns 0, or -1 with
 * a reason in why (binary, invalid UTF-8, too large, syntax error at
 * line N) when the file is not analysable.  A tolerant parser keeps a tree
 * with syntax errors: it returns 0 and leaves the first error in why.
 */
int cf_uast_parse(struct cf_uast_parser *p, struct cf_uast *u, const char *lang,
		  const char *src, size_t len, size_t max_size, struct cf_buf *why);

void cf_uast_init(struct cf_uast *u);
void cf_uast_release(struct cf_uast *u);

/*
 * A tree as one malloc'd block (the caller owns it; *len is its size), so
 * that a cache of plain byte blocks can hold parsed trees, and a read-only
 * view of such a block: the view borrows the block (never pass it to
 * cf_uast_release or cf_uast_parse) and is valid while the block is.
 * cf_uast_thaw returns -1 when the block is not a frozen tree.
 */
char *cf_uast_freeze(const struct cf_uast *u, size_t *len);
int cf_uast_thaw(struct cf_uast *view, const char *block, size_t len);

static inline const char *cf_uast_name(const struct cf_uast *u,
				       const struct cf_uast_node *n)
{
	return u->pool.buf + n->name;
}

#endif
