#ifndef CF_SYNTAX_H
#define CF_SYNTAX_H

/*
 * Reading the "syntax" records of cf-uastdiff (cf-records(5)) and the hunks
 * of change records, for the structural history analyzers (cf-shotness,
 * cf-typos, cf-sentiment, cf-imports, cf-quality).  Every getter checks the
 * shape it reads and dies with exit 3 naming the record (cf/record.h), so
 * an analyzer never trusts a field it did not check.
 *
 * Ownership: everything returned borrows from the record (valid until the
 * next cf_reader_next()), except hunks, copied into the caller's array.
 * Owned by the author of cf-uastdiff.
 */

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include "cf/reader.h"

#define CF_REC_SYNTAX "syntax"

/* A side ("old" or "new") that was parsed: its map; NULL when absent, nil or failed. */
const msgpack_object *cf_syntax_side(const struct cf_record *rec, const char *side);
/* A list of a side (NULL side: empty); *n its size. */
const msgpack_object *cf_syntax_list(const struct cf_record *rec, const msgpack_object *side,
				     const char *key, uint32_t *n);

struct cf_syntax_unit {
	const char *kind, *name;	/* "function", "method", "class" */
	size_t kind_len, name_len;
	uint32_t line, end_line;
};
void cf_syntax_unit(const struct cf_record *rec, const msgpack_object *o,
		    struct cf_syntax_unit *u);

struct cf_syntax_comment {
	uint32_t line, end_line;
	const char *text;
	size_t len;
};
void cf_syntax_comment(const struct cf_record *rec, const msgpack_object *o,
		       struct cf_syntax_comment *c);

struct cf_syntax_pair {
	uint32_t old_line, new_line;
	const char *old_text, *new_text;
	size_t old_len, new_len;
	const msgpack_object *old_idents, *new_idents;	/* strings */
	uint32_t nr_old, nr_new;
};
void cf_syntax_pair(const struct cf_record *rec, const msgpack_object *o,
		    struct cf_syntax_pair *p);

/* A string item of a list. */
const char *cf_syntax_str(const struct cf_record *rec, const msgpack_object *o,
			  const char *what, size_t *len);
/* A number of a map (the side's "metrics"); 0 when absent. */
double cf_syntax_num(const struct cf_record *rec, const msgpack_object *map, const char *key);

/*
 * The "hunks" of a change record, four numbers each (old start, old count,
 * new start, new count), copied into *h; returns the number of hunks (0
 * when the record has none).
 */
size_t cf_change_hunks(const struct cf_record *rec, uint32_t **h, size_t *alloc);

#endif
