/*
 * Checked reading of "syntax" records and change hunks (cf/syntax.h).
 */
#include <string.h>
#include "cf/alloc.h"
#include "cf/record.h"
#include "cf/syntax.h"

const msgpack_object *cf_syntax_side(const struct cf_record *rec, const char *side)
{
	const msgpack_object *o = cf_rec_get(rec, side);

	if (!o || o->type == MSGPACK_OBJECT_NIL)
		return NULL;
	if (o->type != MSGPACK_OBJECT_MAP)
		cf_rec_die(rec, "'%s' must be a map or nil", side);
	if (cf_obj_get(o, "error"))
		return NULL;
	return o;
}

const msgpack_object *cf_syntax_list(const struct cf_record *rec, const msgpack_object *side,
				     const char *key, uint32_t *n)
{
	const msgpack_object *o = side ? cf_obj_get(side, key) : NULL;

	*n = 0;
	if (!o)
		return NULL;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		cf_rec_die(rec, "'%s' must be an array", key);
	*n = o->via.array.size;
	return o->via.array.ptr;
}

const char *cf_syntax_str(const struct cf_record *rec, const msgpack_object *o,
			  const char *what, size_t *len)
{
	if (o->type != MSGPACK_OBJECT_STR)
		cf_rec_die(rec, "%s must be a string", what);
	*len = o->via.str.size;
	return o->via.str.ptr;
}

static uint32_t line_item(const struct cf_record *rec, const msgpack_object *o, const char *what)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > UINT32_MAX - 1)
		cf_rec_die(rec, "%s must be a line number", what);
	return o->via.u64;
}

static const msgpack_object *tuple(const struct cf_record *rec, const msgpack_object *o,
				   uint32_t n, const char *what)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != n)
		cf_rec_die(rec, "%s must be an array of %u", what, n);
	return o->via.array.ptr;
}

void cf_syntax_unit(const struct cf_record *rec, const msgpack_object *o,
		    struct cf_syntax_unit *u)
{
	const msgpack_object *a = tuple(rec, o, 4, "a unit");

	u->kind = cf_syntax_str(rec, &a[0], "a unit's kind", &u->kind_len);
	u->name = cf_syntax_str(rec, &a[1], "a unit's name", &u->name_len);
	u->line = line_item(rec, &a[2], "a unit's line");
	u->end_line = line_item(rec, &a[3], "a unit's end line");
	if (u->end_line < u->line)
		cf_rec_die(rec, "a unit ends before it starts");
}

void cf_syntax_comment(const struct cf_record *rec, const msgpack_object *o,
		       struct cf_syntax_comment *c)
{
	const msgpack_object *a = tuple(rec, o, 3, "a comment");

	c->line = line_item(rec, &a[0], "a comment's line");
	c->end_line = line_item(rec, &a[1], "a comment's end line");
	c->text = cf_syntax_str(rec, &a[2], "a comment's text", &c->len);
}

static const msgpack_object *idents(const struct cf_record *rec, const msgpack_object *o,
				    uint32_t *n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		cf_rec_die(rec, "a pair's identifiers must be an array");
	*n = o->via.array.size;
	for (uint32_t i = 0; i < *n; i++)
		if (o->via.array.ptr[i].type != MSGPACK_OBJECT_STR)
			cf_rec_die(rec, "an identifier must be a string");
	return o->via.array.ptr;
}

void cf_syntax_pair(const struct cf_record *rec, const msgpack_object *o,
		    struct cf_syntax_pair *p)
{
	const msgpack_object *a = tuple(rec, o, 6, "a line pair");

	p->old_line = line_item(rec, &a[0], "a pair's old line");
	p->new_line = line_item(rec, &a[1], "a pair's new line");
	p->old_text = cf_syntax_str(rec, &a[2], "a pair's old text", &p->old_len);
	p->new_text = cf_syntax_str(rec, &a[3], "a pair's new text", &p->new_len);
	p->old_idents = idents(rec, &a[4], &p->nr_old);
	p->new_idents = idents(rec, &a[5], &p->nr_new);
}

double cf_syntax_num(const struct cf_record *rec, const msgpack_object *map, const char *key)
{
	const msgpack_object *o = map ? cf_obj_get(map, key) : NULL;

	if (!o)
		return 0;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (double)o->via.u64;
	if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64)
		return o->via.f64 >= 0 && o->via.f64 < 1e300 ? o->via.f64 : 0;
	cf_rec_die(rec, "'%s' must be a non-negative number", key);
}

size_t cf_change_hunks(const struct cf_record *rec, uint32_t **h, size_t *alloc)
{
	const msgpack_object *o;
	uint32_t n;

	if (!cf_rec_array_opt(rec, "hunks", &o, &n))
		return 0;
	if (n % 4)
		cf_rec_die(rec, "'hunks' must hold four numbers per hunk, not %u", n);
	CF_ALLOC_GROW(*h, n ? n : 1, *alloc);
	for (uint32_t i = 0; i < n; i++) {
		if (o[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER || o[i].via.u64 > UINT32_MAX / 2)
			cf_rec_die(rec, "'hunks' item %u is not a line number or count", i);
		(*h)[i] = o[i].via.u64;
	}
	return n / 4;
}
