#ifndef CF_STATIC_H
#define CF_STATIC_H

/*
 * The static analyzers of cf-static: complexity, halstead, cohesion,
 * comments and imports, all computed in ONE walk over a file's UAST
 * (cf/uast.h), and their per-file, per-directory and overall summaries.
 * The exact counting rules are in cf-static(1); keep them in step.
 *
 * Ownership: a struct cf_static_file owns its arrays and strings (all
 * copied out of the UAST, which may be reused at once); release it with
 * cf_static_file_release().  A struct cf_static_sum holds only numbers and
 * a map of import counts it owns.
 */

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"
#include "cf/uast.h"

enum cf_static_analyzer {
	CF_STATIC_COMPLEXITY = 1 << 0,
	CF_STATIC_HALSTEAD = 1 << 1,
	CF_STATIC_COHESION = 1 << 2,
	CF_STATIC_COMMENTS = 1 << 3,
	CF_STATIC_IMPORTS = 1 << 4,
	CF_STATIC_ALL = (1 << 5) - 1
};

/* "complexity,halstead" or "*" to bits; -1 with *bad at an unknown name. */
int cf_static_parse_list(char *list, unsigned *out, const char **bad);
const char *cf_static_analyzer_name(unsigned bit);

struct cf_halstead {
	uint32_t n1, n2;	/* distinct operators, operands */
	uint32_t N1, N2;	/* total operators, operands */
};

struct cf_static_func {
	char *name;
	uint32_t line, end_line;
	uint32_t cyclomatic, cognitive, nesting;
	struct cf_halstead h;
	int documented;
};

struct cf_static_class {
	char *name;
	uint32_t line, end_line;
	uint32_t methods;	/* counted in LCOM4 (constructors excluded) */
	uint32_t lcom4;		/* connected components among them */
	int documented;
};

struct cf_static_file {
	const char *lang;
	uint32_t lines, code_lines, comment_lines;
	struct cf_static_func *funcs;
	size_t nr_funcs, alloc_funcs;
	struct cf_static_class *classes;
	size_t nr_classes, alloc_classes;
	char **imports;
	size_t nr_imports, alloc_imports;
};

/* Analyses u (parsed from src) in one walk. */
void cf_static_analyze(const struct cf_uast *u, const char *src, size_t len,
		       struct cf_static_file *out);
void cf_static_file_release(struct cf_static_file *f);

/* Halstead's derived measures (0 where undefined). */
struct cf_halstead_derived {
	uint32_t vocabulary, length;
	double volume, difficulty, effort, time, bugs;
};
void cf_halstead_derive(const struct cf_halstead *h, struct cf_halstead_derived *d);

/* The "data" of a file: the sections of the analyzers in which. */
void cf_static_pack_file(msgpack_packer *pk, const char *path,
			 const struct cf_static_file *f, unsigned which);

/* Sums over many files, for directories and the whole run. */
struct cf_static_sum {
	uint64_t files, skipped, lines, code_lines, comment_lines;
	uint64_t functions, documented_functions, classes, documented_classes;
	uint64_t cyclomatic, cognitive, max_cyclomatic, max_cognitive, max_nesting;
	uint64_t lcom4_classes, lcom4_total, max_lcom4;
	double volume, effort, bugs;
	uint64_t imports;
	struct cf_buf import_keys;	/* "lang\0name\0" entries, see pack */
};
void cf_static_sum_add(struct cf_static_sum *s, const struct cf_static_file *f);
void cf_static_sum_pack(msgpack_packer *pk, const struct cf_static_sum *s, unsigned which,
			int with_imports);
void cf_static_sum_release(struct cf_static_sum *s);

#endif
