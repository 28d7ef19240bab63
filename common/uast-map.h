/*
 * Private to common/uast*.c: the mapping tables from grammar node types to
 * the UAST vocabulary (common/uast-map.c) and the converter that applies
 * them (common/uast.c).  Not a public module, hence not in include/cf/.
 */
#ifndef CF_UAST_MAP_H
#define CF_UAST_MAP_H

#include <tree_sitter/api.h>
#include "cf/uast.h"

#define U_SKIP CF_UAST_NTYPES	/* transparent: the node itself is not kept */

/* How the name (and some roles) of a mapped node are found. */
enum uast_how {
	H_NONE,
	H_NAME,		/* field "name" */
	H_TEXT,		/* the node's own text; leaf: children are not visited */
	H_OP,		/* the operator token */
	H_CFUNC,	/* C/C++ function_definition: through the declarators */
	H_CALL,		/* callee name; SELF/BARE roles */
	H_MEMBER,	/* member name; SELF role */
	H_IMPORT,	/* path/source/module/argument, quotes stripped */
	H_JAVA_IMPORT,
	H_CASE,		/* DEFAULT role for default / _ / * */
	H_CLASS_BODY,	/* a class only when it has a body */
	H_GO_TYPE,	/* type_spec of a struct or interface */
	H_GO_METHOD,
	H_FIELD,	/* first declared name */
	H_ASSIGN_VALUE,	/* a declarator with an initial value */
	H_RUBY_CALL,	/* require/require_relative/load are imports */
	H_BASH_CMD,	/* source and . are imports */
	H_PY_STRING,	/* a docstring is a DOC comment, else a literal */
	H_ELSE,		/* collapses "else if" into an ELSEIF if */
	H_TYPE_FIELD,	/* field "type" (Rust impl) */
	H_IVAR,		/* Ruby @x: member of self */
	H_LAMBDA,	/* name from an enclosing declarator */
	H_LEAF,		/* no name; children are not visited */
	H_PRUNE,	/* with U_SKIP: neither the node nor its subtree is kept */
};

struct uast_rule {
	const char *ts;		/* node type */
	const char *parent;	/* only under this parent type, or NULL */
	unsigned char type;	/* enum cf_uast_type or U_SKIP */
	unsigned char how;	/* enum uast_how */
	unsigned short roles;
};

struct uast_lang {
	const char *name;
	const TSLanguage *(*language)(void);
	const struct uast_rule *rules;	/* before the generic rules */
	size_t nr_rules;
	int prune_types;	/* drop what fields named type, return_type... hold */
};

extern const struct uast_lang uast_langs[];
extern const size_t uast_nr_langs;
extern const struct uast_rule uast_generic_rules[];
extern const size_t uast_nr_generic_rules;

#endif
