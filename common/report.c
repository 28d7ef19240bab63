/*
 * The reduced document for people: defensive getters, dates, fitted text
 * (see cf/report.h).
 */
#include <string.h>
#include <time.h>
#include "cf/json.h"
#include "cf/record.h"
#include "cf/report.h"

const msgpack_object *cf_doc_get(const msgpack_object *map, const char *key,
				 msgpack_object_type type)
{
	const msgpack_object *o;

	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	o = cf_obj_get(map, key);
	return o && o->type == type ? o : NULL;
}

int cf_doc_u64(const msgpack_object *map, const char *key, uint64_t *v)
{
	const msgpack_object *o = cf_doc_get(map, key, MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (!o)
		return 0;
	*v = o->via.u64;
	return 1;
}

int cf_doc_i64(const msgpack_object *map, const char *key, int64_t *v)
{
	const msgpack_object *o = map && map->type == MSGPACK_OBJECT_MAP ?
				  cf_obj_get(map, key) : NULL;

	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return 1;
	}
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*v = (int64_t)o->via.u64;
		return 1;
	}
	return 0;
}

int cf_doc_num(const msgpack_object *o, double *v)
{
	if (!o)
		return 0;
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*v = (double)o->via.u64;
		return 1;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*v = (double)o->via.i64;
		return 1;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*v = o->via.f64;
		return *v == *v;	/* not NaN */
	default:
		return 0;
	}
}

int cf_doc_str(const msgpack_object *map, const char *key, struct cf_buf *out)
{
	const msgpack_object *o = cf_doc_get(map, key, MSGPACK_OBJECT_STR);

	cf_buf_reset(out);
	if (!o)
		return 0;
	cf_buf_add(out, o->via.str.ptr, o->via.str.size);
	return 1;
}

int cf_doc_key_is(const msgpack_object *k, const char *s)
{
	size_t n = strlen(s);
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       !memcmp(k->via.str.ptr, s, n);
}

int cf_doc_tick_time(const msgpack_object *data, uint64_t tick, int64_t *t)
{
	uint64_t size;
	int64_t t0;

	if (!cf_doc_i64(data, "t0", &t0) || !cf_doc_u64(data, "tick_size", &size) || !size ||
	    tick > (uint64_t)INT64_MAX / size || t0 > INT64_MAX - (int64_t)(tick * size))
		return 0;
	*t = t0 + (int64_t)(tick * size);
	return 1;
}

void cf_report_date(struct cf_buf *out, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];
	const char *fmt = t % 86400 ? "%Y-%m-%d %H:%M" : "%Y-%m-%d";

	if (gmtime_r(&tt, &tm) && strftime(s, sizeof(s), fmt, &tm))
		cf_buf_addstr(out, s);
	else
		cf_buf_addf(out, "@%lld", (long long)t);
}

size_t cf_report_fit(struct cf_buf *out, const char *s, size_t len, size_t width)
{
	size_t cols = 0, i = 0, n, total = 0;

	for (size_t j = 0; j < len; j += n, total++)
		n = cf_utf8_len(s + j, len - j) ? cf_utf8_len(s + j, len - j) : 1;
	if (total > width && width)
		width--;	/* room for the ellipsis */
	for (; i < len && cols < width; i += n, cols++) {
		n = cf_utf8_len(s + i, len - i);
		if (!n || (unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			cf_buf_addch(out, '?');
			n = 1;
		} else {
			cf_buf_add(out, s + i, n);
		}
	}
	if (i < len && total > cols) {
		cf_buf_addstr(out, "\xe2\x80\xa6");
		cols++;
	}
	return cols;
}
