#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cf/record.h"
#include "cf/usage.h"

int cf_rec_is(const struct cf_record *rec, const char *type)
{
	size_t n = strlen(type);
	return rec->type_len == n && !memcmp(rec->type, type, n);
}

void cf_rec_die(const struct cf_record *rec, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die_data("record %llu (byte %llu): '%.*s': %s", (unsigned long long)rec->number,
		 (unsigned long long)rec->offset, (int)(rec->type_len > 32 ? 32 : rec->type_len),
		 rec->type, msg);
}

const msgpack_object *cf_obj_get(const msgpack_object *map, const char *key)
{
	size_t n = strlen(key);
	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    !memcmp(k->via.str.ptr, key, n))
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

const msgpack_object *cf_rec_get(const struct cf_record *rec, const char *key)
{
	return cf_obj_get(cf_rec_map(rec), key);
}

static _Noreturn void missing(const struct cf_record *rec, const char *key)
{
	cf_rec_die(rec, "missing field '%s'", key);
}

static const msgpack_object *need(const struct cf_record *rec, const char *key)
{
	const msgpack_object *o = cf_rec_get(rec, key);
	if (!o)
		missing(rec, key);
	return o;
}

int cf_rec_u64_opt(const struct cf_record *rec, const char *key, uint64_t *out)
{
	const msgpack_object *o = cf_rec_get(rec, key);
	if (!o)
		return 0;
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		cf_rec_die(rec, "'%s' must be an unsigned integer", key);
	*out = o->via.u64;
	return 1;
}

uint64_t cf_rec_u64(const struct cf_record *rec, const char *key)
{
	uint64_t v;
	if (!cf_rec_u64_opt(rec, key, &v))
		missing(rec, key);
	return v;
}

int cf_rec_i64_opt(const struct cf_record *rec, const char *key, int64_t *out)
{
	const msgpack_object *o = cf_rec_get(rec, key);
	if (!o)
		return 0;
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*out = o->via.i64;
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
		*out = (int64_t)o->via.u64;
	else
		cf_rec_die(rec, "'%s' must be an integer", key);
	return 1;
}

int64_t cf_rec_i64(const struct cf_record *rec, const char *key)
{
	int64_t v;
	if (!cf_rec_i64_opt(rec, key, &v))
		missing(rec, key);
	return v;
}

int cf_rec_bool(const struct cf_record *rec, const char *key)
{
	const msgpack_object *o = cf_rec_get(rec, key);
	if (!o)
		return 0;
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		cf_rec_die(rec, "'%s' must be a boolean", key);
	return o->via.boolean;
}

int cf_rec_str_opt(const struct cf_record *rec, const char *key,
		   const char **s, size_t *len)
{
	const msgpack_object *o = cf_rec_get(rec, key);
	if (!o)
		return 0;
	if (o->type != MSGPACK_OBJECT_STR)
		cf_rec_die(rec, "'%s' must be a string", key);
	*s = o->via.str.ptr;
	*len = o->via.str.size;
	return 1;
}

const char *cf_rec_str(const struct cf_record *rec, const char *key, size_t *len)
{
	const char *s;
	if (!cf_rec_str_opt(rec, key, &s, len))
		missing(rec, key);
	return s;
}

int cf_rec_oid_opt(const struct cf_record *rec, const char *key, struct cf_oid *oid)
{
	const msgpack_object *o = cf_rec_get(rec, key);
	if (!o)
		return 0;
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != CF_OID_RAWSZ)
		cf_rec_die(rec, "'%s' must be a %d-byte object id", key, CF_OID_RAWSZ);
	memcpy(oid->id, o->via.bin.ptr, CF_OID_RAWSZ);
	return 1;
}

void cf_rec_oid(const struct cf_record *rec, const char *key, struct cf_oid *oid)
{
	if (!cf_rec_oid_opt(rec, key, oid))
		missing(rec, key);
}

const char *cf_rec_bin(const struct cf_record *rec, const char *key, size_t *len)
{
	const msgpack_object *o = need(rec, key);
	if (o->type != MSGPACK_OBJECT_BIN)
		cf_rec_die(rec, "'%s' must be bytes (bin)", key);
	*len = o->via.bin.size;
	return o->via.bin.ptr;
}

int cf_rec_array_opt(const struct cf_record *rec, const char *key,
		     const msgpack_object **items, uint32_t *n)
{
	const msgpack_object *o = cf_rec_get(rec, key);
	if (!o)
		return 0;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		cf_rec_die(rec, "'%s' must be an array", key);
	*items = o->via.array.ptr;
	*n = o->via.array.size;
	return 1;
}

const msgpack_object *cf_rec_array(const struct cf_record *rec, const char *key, uint32_t *n)
{
	const msgpack_object *items;
	if (!cf_rec_array_opt(rec, key, &items, n))
		missing(rec, key);
	return items;
}
