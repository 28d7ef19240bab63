#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/json.h"
#include "cf/reader.h"

size_t cf_utf8_len(const char *str, size_t left)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void cf_json_str(struct cf_buf *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	cf_buf_addch(out, '"');
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n;
		if (c == '"' || c == '\\') {
			cf_buf_addch(out, '\\');
			cf_buf_addch(out, c);
			i++;
		} else if (c == '\n') {
			cf_buf_addstr(out, "\\n"), i++;
		} else if (c == '\t') {
			cf_buf_addstr(out, "\\t"), i++;
		} else if (c == '\r') {
			cf_buf_addstr(out, "\\r"), i++;
		} else if (c < 0x20 || c == 0x7f) {
			cf_buf_addf(out, "\\u%04x", c), i++;
		} else if ((n = cf_utf8_len(str + i, len - i))) {
			cf_buf_add(out, s + i, n);
			i += n;
		} else {
			cf_buf_addstr(out, "\xef\xbf\xbd");
			i++;
		}
	}
	cf_buf_addch(out, '"');
}

static void hex(struct cf_buf *out, const char *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	cf_buf_addch(out, '"');
	cf_buf_grow(out, 2 * len);
	for (size_t i = 0; i < len; i++) {
		out->buf[out->len++] = digits[(unsigned char)p[i] >> 4];
		out->buf[out->len++] = digits[(unsigned char)p[i] & 15];
	}
	cf_buf_setlen(out, out->len);
	cf_buf_addch(out, '"');
}

static void number(struct cf_buf *out, double d)
{
	if (isnan(d) || isinf(d))
		cf_buf_addstr(out, "null");
	else if (d == floor(d) && fabs(d) < 1e15)
		cf_buf_addf(out, "%.1f", d);
	else
		cf_buf_addf(out, "%.10g", d);
}

static int key_cmp(const void *a, const void *b)
{
	const msgpack_object *x = &((const msgpack_object_kv *)a)->key;
	const msgpack_object *y = &((const msgpack_object_kv *)b)->key;
	size_t n;
	int c;
	if (x->type != MSGPACK_OBJECT_STR || y->type != MSGPACK_OBJECT_STR)
		return (int)x->type - (int)y->type;
	n = x->via.str.size < y->via.str.size ? x->via.str.size : y->via.str.size;
	c = memcmp(x->via.str.ptr, y->via.str.ptr, n);
	if (c)
		return c;
	return x->via.str.size < y->via.str.size ? -1 : x->via.str.size > y->via.str.size;
}

static void newline(struct cf_buf *out, unsigned flags, int depth)
{
	size_t n = 1 + 2 * (size_t)depth;

	if (!(flags & CF_JSON_PRETTY))
		return;
	cf_buf_grow(out, n);
	out->buf[out->len] = '\n';
	memset(out->buf + out->len + 1, ' ', n - 1);
	cf_buf_setlen(out, out->len + n);
}

static void json_key(struct cf_buf *out, const msgpack_object *k)
{
	if (k->type == MSGPACK_OBJECT_STR) {
		cf_json_str(out, k->via.str.ptr, k->via.str.size);
	} else {
		/* JSON keys are strings: render the key as JSON text, quoted. */
		struct cf_buf tmp = CF_BUF_INIT;
		cf_json_obj(&tmp, k, 0);
		cf_json_str(out, tmp.buf, tmp.len);
		cf_buf_release(&tmp);
	}
}

/* Integers without printf: documents are mostly numbers (a couples matrix). */
static void add_u64(struct cf_buf *out, uint64_t v)
{
	char d[20];
	size_t n = sizeof(d);

	do
		d[--n] = (char)('0' + v % 10);
	while (v /= 10);
	cf_buf_add(out, d + n, sizeof(d) - n);
}

static void add_i64(struct cf_buf *out, int64_t v)
{
	if (v < 0) {
		cf_buf_addch(out, '-');
		add_u64(out, -(uint64_t)v);
	} else {
		add_u64(out, (uint64_t)v);
	}
}

static void json(struct cf_buf *out, const msgpack_object *o, unsigned flags, int depth)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		cf_buf_addstr(out, "null");
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		cf_buf_addstr(out, o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		add_u64(out, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		add_i64(out, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		number(out, o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		cf_json_str(out, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		hex(out, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		hex(out, o->via.ext.ptr, o->via.ext.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		cf_buf_addch(out, '[');
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			if (i)
				cf_buf_addch(out, ',');
			newline(out, flags, depth + 1);
			json(out, &o->via.array.ptr[i], flags, depth + 1);
		}
		if (o->via.array.size)
			newline(out, flags, depth);
		cf_buf_addch(out, ']');
		break;
	case MSGPACK_OBJECT_MAP: {
		msgpack_object_kv *kv = o->via.map.ptr, *sorted = NULL;
		uint32_t n = o->via.map.size;
		if ((flags & CF_JSON_SORT_KEYS) && n > 1) {
			sorted = xmalloc(st_mult(n, sizeof(*kv)));
			memcpy(sorted, kv, n * sizeof(*kv));
			qsort(sorted, n, sizeof(*kv), key_cmp);
			kv = sorted;
		}
		cf_buf_addch(out, '{');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				cf_buf_addch(out, ',');
			newline(out, flags, depth + 1);
			json_key(out, &kv[i].key);
			cf_buf_addstr(out, (flags & CF_JSON_PRETTY) ? ": " : ":");
			json(out, &kv[i].val, flags, depth + 1);
		}
		if (n)
			newline(out, flags, depth);
		cf_buf_addch(out, '}');
		free(sorted);
		break;
	}
	}
}

void cf_json_obj(struct cf_buf *out, const msgpack_object *o, unsigned flags)
{
	json(out, o, flags, 0);
}

/* A cursor over msgpack bytes: a read past the end stops it for good. */
struct raw {
	const unsigned char *p;
	size_t len, at;
	int bad;
	/* out goes to sink once it holds FLUSH_BYTES, unless a yaml dash is still to be set */
	const struct cf_render_sink *sink;
	struct cf_buf *out;
	int hold;
};

#define FLUSH_BYTES (1u << 20)

/* Between two elements, where nothing written before is changed again. */
static void raw_flush(struct cf_buf *out, struct raw *r)
{
	if (r->sink && out == r->out && !r->hold && out->len >= FLUSH_BYTES) {
		r->sink->write(r->sink->data, out->buf, out->len);
		cf_buf_setlen(out, 0);
	}
}

static uint64_t raw_uint(struct raw *r, size_t n)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->at < n) {
		r->bad = 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v = v << 8 | r->p[r->at++];
	return v;
}

static const char *raw_bytes(struct raw *r, uint64_t n)
{
	const char *s = (const char *)r->p + r->at;

	if (r->bad || r->len - r->at < n) {
		r->bad = 1;
		return NULL;
	}
	r->at += n;
	return s;
}

static double raw_float(struct raw *r, int wide)
{
	uint64_t bits = raw_uint(r, wide ? 8 : 4);
	uint32_t b32 = (uint32_t)bits;
	double d;
	float f;

	if (wide) {
		memcpy(&d, &bits, sizeof(d));
		return d;
	}
	memcpy(&f, &b32, sizeof(f));
	return f;
}

static void raw_json(struct cf_buf *out, struct raw *r, unsigned flags, int depth);

static void raw_key(struct cf_buf *out, struct raw *r)
{
	unsigned c = r->at < r->len ? r->p[r->at] : 0;
	struct cf_buf tmp = CF_BUF_INIT;

	if ((c >= 0xa0 && c <= 0xbf) || (c >= 0xd9 && c <= 0xdb)) {
		raw_json(out, r, 0, 0);
		return;
	}
	raw_json(&tmp, r, 0, 0);	/* as json_key(): the key's JSON text, quoted */
	cf_json_str(out, tmp.buf, tmp.len);
	cf_buf_release(&tmp);
}

static void raw_container(struct cf_buf *out, struct raw *r, uint64_t n, int map,
			  unsigned flags, int depth)
{
	cf_buf_addch(out, map ? '{' : '[');
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		if (i)
			cf_buf_addch(out, ',');
		newline(out, flags, depth + 1);
		if (map) {
			raw_key(out, r);
			cf_buf_addstr(out, (flags & CF_JSON_PRETTY) ? ": " : ":");
		}
		raw_json(out, r, flags, depth + 1);
		raw_flush(out, r);
	}
	if (n)
		newline(out, flags, depth);
	cf_buf_addch(out, map ? '}' : ']');
}

static void raw_str(struct cf_buf *out, struct raw *r, uint64_t n, int is_hex)
{
	const char *s = raw_bytes(r, n);

	if (!s)
		return;
	if (is_hex)
		hex(out, s, n);
	else
		cf_json_str(out, s, n);
}

static void raw_json(struct cf_buf *out, struct raw *r, unsigned flags, int depth)
{
	unsigned c = (unsigned)raw_uint(r, 1);

	if (r->bad)
		return;
	if (c <= 0x7f || (c >= 0xcc && c <= 0xcf)) {
		add_u64(out, c <= 0x7f ? c : raw_uint(r, (size_t)1 << (c - 0xcc)));
	} else if (c >= 0xe0 || (c >= 0xd0 && c <= 0xd3)) {
		int64_t i = c >= 0xe0 ? (int8_t)c :
			    c == 0xd0 ? (int8_t)raw_uint(r, 1) :
			    c == 0xd1 ? (int16_t)raw_uint(r, 2) :
			    c == 0xd2 ? (int32_t)raw_uint(r, 4) : (int64_t)raw_uint(r, 8);
		add_i64(out, i);
	} else if (c >= 0x80 && c <= 0x9f) {
		raw_container(out, r, c & 0x0f, c <= 0x8f, flags, depth);
	} else if (c >= 0xa0 && c <= 0xbf) {
		raw_str(out, r, c & 0x1f, 0);
	} else if (c >= 0xd9 && c <= 0xdb) {
		raw_str(out, r, raw_uint(r, (size_t)1 << (c - 0xd9)), 0);
	} else if (c >= 0xc4 && c <= 0xc6) {
		raw_str(out, r, raw_uint(r, (size_t)1 << (c - 0xc4)), 1);
	} else if (c >= 0xc7 && c <= 0xc9) {
		uint64_t n = raw_uint(r, (size_t)1 << (c - 0xc7));
		raw_uint(r, 1);		/* the ext type: not shown, as in json() */
		raw_str(out, r, n, 1);
	} else if (c >= 0xd4 && c <= 0xd8) {
		raw_uint(r, 1);
		raw_str(out, r, (uint64_t)1 << (c - 0xd4), 1);
	} else if (c == 0xdc || c == 0xdd || c == 0xde || c == 0xdf) {
		raw_container(out, r, raw_uint(r, c & 1 ? 4 : 2), c >= 0xde, flags, depth);
	} else if (c == 0xca || c == 0xcb) {
		number(out, raw_float(r, c == 0xcb));
	} else if (c == 0xc0) {
		cf_buf_addstr(out, "null");
	} else if (c == 0xc2 || c == 0xc3) {
		cf_buf_addstr(out, c == 0xc3 ? "true" : "false");
	} else {
		r->bad = 1;	/* 0xc1: never used */
	}
}

size_t cf_json_raw_to(struct cf_buf *out, const char *p, size_t len, unsigned flags,
		      const struct cf_render_sink *sink)
{
	struct raw r = { (const unsigned char *)p, len, 0, 0, sink, out, 0 };

	raw_json(out, &r, flags & ~(unsigned)CF_JSON_SORT_KEYS, 0);
	return r.bad ? 0 : r.at;
}

size_t cf_json_raw(struct cf_buf *out, const char *p, size_t len, unsigned flags)
{
	return cf_json_raw_to(out, p, len, flags, NULL);
}

static void indent_to(struct cf_buf *out, int indent)
{
	for (int i = 0; i < indent; i++)
		cf_buf_addch(out, ' ');
}

/* The container at the cursor, without moving it: 'a', 'm', or 0 for a scalar. */
static int raw_kind(const struct raw *r, uint64_t *n)
{
	struct raw at = *r;
	unsigned c = (unsigned)raw_uint(&at, 1);

	*n = 0;
	if (at.bad)
		return 0;
	if (c >= 0x80 && c <= 0x9f) {
		*n = c & 0x0f;
		return c <= 0x8f ? 'm' : 'a';
	}
	if (c >= 0xdc && c <= 0xdf) {
		*n = raw_uint(&at, c & 1 ? 4 : 2);
		return c >= 0xde ? 'm' : 'a';
	}
	return 0;
}

/* Moves the cursor past one object, however deep. */
static void raw_skip(struct raw *r)
{
	size_t n = r->bad ? 0 : cf_msgpack_skip((const char *)r->p + r->at, r->len - r->at);

	if (n)
		r->at += n;
	else
		r->bad = 1;
}

/* Past a container's header, to its first element. */
static void raw_enter(struct raw *r)
{
	unsigned c = (unsigned)raw_uint(r, 1);

	if (c >= 0xdc && c <= 0xdf)
		raw_uint(r, c & 1 ? 4 : 2);
}

/* Scalars and empty containers in YAML are written in JSON syntax, which YAML accepts. */
static int raw_is_scalar(const struct raw *r)
{
	uint64_t n;

	return !raw_kind(r, &n) || !n;
}

/* Rows of numbers read better on one line. */
static int raw_is_flat_array(const struct raw *r)
{
	struct raw at = *r;
	uint64_t n, m;

	if (raw_kind(&at, &n) != 'a')
		return 0;
	raw_enter(&at);
	for (uint64_t i = 0; i < n && !at.bad; i++) {
		if (raw_kind(&at, &m))
			return 0;
		raw_skip(&at);
	}
	return !at.bad;
}

static void raw_yaml(struct cf_buf *out, struct raw *r, int indent)
{
	uint64_t n;
	int kind = raw_kind(r, &n);

	if (raw_is_scalar(r)) {
		indent_to(out, indent);
		raw_json(out, r, 0, 0);
		cf_buf_addch(out, '\n');
		return;
	}
	if (kind == 'a') {
		if (raw_is_flat_array(r)) {
			indent_to(out, indent);
			raw_json(out, r, 0, 0);
			cf_buf_addch(out, '\n');
			return;
		}
		raw_enter(r);
		for (uint64_t i = 0; i < n && !r->bad; i++) {
			uint64_t m;
			if (raw_is_scalar(r) || raw_kind(r, &m) == 'a') {
				indent_to(out, indent);
				cf_buf_addstr(out, "- ");
				raw_json(out, r, 0, 0);
				cf_buf_addch(out, '\n');
			} else {
				/* "- key: value": the map's first line carries the dash. */
				size_t at = out->len;
				r->hold++;
				raw_yaml(out, r, indent + 2);
				out->buf[at + indent] = '-';
				r->hold--;
			}
			raw_flush(out, r);
		}
		return;
	}
	raw_enter(r);
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		indent_to(out, indent);
		raw_key(out, r);
		if (raw_is_scalar(r) || raw_is_flat_array(r)) {
			cf_buf_addstr(out, ": ");
			raw_json(out, r, 0, 0);
			cf_buf_addch(out, '\n');
		} else {
			cf_buf_addstr(out, ":\n");
			raw_yaml(out, r, indent + 2);
		}
		raw_flush(out, r);
	}
}

size_t cf_yaml_raw(struct cf_buf *out, const char *p, size_t len, int indent,
		   const struct cf_render_sink *sink)
{
	struct raw r = { (const unsigned char *)p, len, 0, 0, sink, out, 0 };

	raw_yaml(out, &r, indent);
	return r.bad ? 0 : r.at;
}

void cf_yaml_obj(struct cf_buf *out, const msgpack_object *o, int indent)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *o);
	cf_yaml_raw(out, sb.data, sb.size, indent, NULL);
	msgpack_sbuffer_destroy(&sb);
}
