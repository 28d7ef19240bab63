/*
 * Framing, limits and decoding of the record stream.  The scanner walks the
 * msgpack headers of one record without allocating anything, so that a
 * hostile stream announcing a 4-billion-entry array costs nothing; only a
 * record that passed is given to msgpack-c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/usage.h"

const struct cf_reader_limits cf_reader_default_limits = {
	.max_record = 256u << 20,
	.max_fields = 256,
	.max_elements = 16u << 20,
	.max_depth = 24,
};

#define READ_CHUNK (256 * 1024)

void cf_reader_init(struct cf_reader *r, int fd)
{
	const char *env = getenv("CF_MAX_RECORD");
	uint64_t v;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	/* Never NULL: buf + start on a NULL buf is undefined (UBSan, empty input). */
	r->alloc = READ_CHUNK;
	r->buf = xmalloc(r->alloc);
	r->limits = cf_reader_default_limits;
	if (env && *env) {
		if (cf_parse_size(env, &v) < 0 || v < 64)
			die("CF_MAX_RECORD: not a size of at least 64 bytes: '%s'", env);
		r->limits.max_record = v;
	}
	msgpack_unpacked_init(&r->res);
}

void cf_reader_release(struct cf_reader *r)
{
	msgpack_unpacked_destroy(&r->res);
	free(r->buf);
	r->buf = NULL;
}

struct scan {
	const unsigned char *p;
	size_t avail;
	size_t need;		/* when incomplete: bytes known to be needed */
	const char *why;	/* when malformed */
};

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Reads one header at pos.  Sets *skip to the bytes it spans (payload
 * included) and *count to the number of child objects it opens (0 for
 * scalars).  Returns 1 when done, 0 when more bytes are needed, -1 malformed.
 */
enum kind { SCALAR, ARRAY, MAP };

static int header(struct scan *s, const struct cf_reader_limits *lim, size_t pos,
		  size_t *skip, uint64_t *count, enum kind *kind)
{
	const unsigned char *p = s->p + pos;
	size_t avail = s->avail - pos;
	unsigned c = p[0];
	int lenbytes = 0;
	uint64_t len = 0;

	*count = 0;
	*kind = SCALAR;
	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) {
		*skip = 1;
		return 1;
	}
	if (c >= 0x80 && c <= 0x9f) {
		*kind = c <= 0x8f ? MAP : ARRAY;
		*count = c & 0x0f;
		*skip = 1;
		return 1;
	}
	if (c >= 0xa0 && c <= 0xbf) {
		len = c & 0x1f;
		*skip = 1 + len;
		goto payload;
	}
	switch (c) {
	case 0xcc: case 0xd0: *skip = 2; return 1;
	case 0xcd: case 0xd1: *skip = 3; return 1;
	case 0xca: case 0xce: case 0xd2: *skip = 5; return 1;
	case 0xcb: case 0xcf: case 0xd3: *skip = 9; return 1;
	case 0xd4: *skip = 3; return 1;
	case 0xd5: *skip = 4; return 1;
	case 0xd6: *skip = 6; return 1;
	case 0xd7: *skip = 10; return 1;
	case 0xd8: *skip = 18; return 1;
	case 0xc4: case 0xd9: lenbytes = 1; break;
	case 0xc5: case 0xda: lenbytes = 2; break;
	case 0xc6: case 0xdb: lenbytes = 4; break;
	case 0xc7: lenbytes = 1; break;
	case 0xc8: lenbytes = 2; break;
	case 0xc9: lenbytes = 4; break;
	case 0xdc: case 0xde: lenbytes = 2; break;
	case 0xdd: case 0xdf: lenbytes = 4; break;
	default:
		s->why = "invalid msgpack type byte 0xc1";
		return -1;
	}
	if (avail < (size_t)1 + lenbytes) {
		s->need = pos + 1 + lenbytes;
		return 0;
	}
	len = be(p + 1, lenbytes);
	if (c >= 0xdc) {
		*kind = c >= 0xde ? MAP : ARRAY;
		*count = len;
		*skip = 1 + lenbytes;
		return 1;
	}
	*skip = 1 + lenbytes + (c >= 0xc7 && c <= 0xc9) + len;
payload:
	if (len > lim->max_record) {
		s->why = "string or bin longer than the record limit";
		return -1;
	}
	return 1;
}

static int str_at(const unsigned char *p, const char **str, size_t *len);
static int uint_at(const unsigned char *p, uint64_t *v);

/* An entry p of the record map: keep the value of a "t" or "v" key. */
static void note_field(struct cf_reader_scan *st, const unsigned char *rec,
		       const unsigned char *p, int is_key)
{
	const char *str;
	size_t len;

	if (is_key) {
		st->key = str_at(p, &str, &len) && len == 1 ? str[0] : 0;
		return;
	}
	if (st->key == 't' && str_at(p, &str, &len)) {
		st->type_off = (size_t)((const unsigned char *)str - rec);
		st->type_len = len;
		st->have_t = 1;
	} else if (st->key == 'v' && uint_at(p, &st->version)) {
		st->have_v = 1;
	}
	st->key = 0;
}

/*
 * Returns the length of the complete record at s->p, 0 when more bytes are
 * needed (s->need says how many at least), or -1 (s->why says why).  st
 * holds where an incomplete record's scan stopped, to go on from there
 * with the same bytes and more; it is reset once a record is complete.
 */
static size_t scan_record(struct scan *s, const struct cf_reader_limits *lim, int *bad,
			  struct cf_reader_scan *st)
{
	size_t len;

	*bad = 0;
	if (!st->pos) {
		if (!s->avail) {
			s->need = 1;
			return 0;
		}
		if ((s->p[0] & 0xf0) != 0x80 && s->p[0] != 0xde && s->p[0] != 0xdf) {
			s->why = "a record must be a msgpack map";
			*bad = 1;
			return 0;
		}
		st->depth = 0;
		st->key = 0;
		st->have_t = st->have_v = 0;
	}
	do {
		size_t skip, pos = st->pos;
		uint64_t count;
		enum kind kind;
		int rc;

		if (pos >= s->avail) {
			s->need = pos + 1;
			return 0;
		}
		rc = header(s, lim, pos, &skip, &count, &kind);
		if (rc < 0)
			goto bad;
		if (!rc)
			return 0;
		if (pos + skip > lim->max_record) {
			s->why = "record larger than the limit (CF_MAX_RECORD)";
			goto bad;
		}
		if (pos + skip > s->avail) {
			s->need = pos + skip;
			return 0;
		}
		st->pos = pos + skip;
		if (st->depth == 1)
			note_field(st, s->p, s->p + pos, st->left[0] % 2 == 0);
		if (st->depth > 0)
			st->left[st->depth - 1]--;
		if (kind != SCALAR) {
			uint64_t limit = st->depth ? lim->max_elements : lim->max_fields;
			if (count > limit) {
				s->why = st->depth ? "array or map with too many elements"
						   : "record map with too many fields";
				goto bad;
			}
			if ((uint32_t)st->depth + 1 > lim->max_depth || st->depth + 1 >= 64) {
				s->why = "containers nested too deeply";
				goto bad;
			}
			st->left[st->depth++] = kind == MAP ? 2 * count : count;
		}
		while (st->depth > 0 && st->left[st->depth - 1] == 0)
			st->depth--;
	} while (st->depth > 0);
	len = st->pos;
	st->pos = 0;
	return len;
bad:
	*bad = 1;
	st->pos = 0;
	return 0;
}

static void fill(struct cf_reader *r, size_t need)
{
	size_t have = r->end - r->start;
	size_t want = need > have ? need - have : 1;

	if (want < READ_CHUNK)
		want = READ_CHUNK;
	if (want < have)
		want = have;	/* doubling keeps rescans of a growing record linear */
	if (r->start && r->alloc - r->end < want) {
		memmove(r->buf, r->buf + r->start, have);
		r->base += r->start;
		r->end = have;
		r->start = 0;
	}
	if (r->alloc - r->end < want) {
		r->alloc = st_add(r->end, want);
		r->buf = xrealloc(r->buf, r->alloc);
	}
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->end, r->alloc - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && r->name)
			die_errno("read error on '%s' at byte %llu", r->name,
				  (unsigned long long)(r->base + r->end));
		if (n < 0)
			die_errno("read error on standard input at byte %llu",
				  (unsigned long long)(r->base + r->end));
		if (!n)
			r->eof = 1;
		r->end += n;
		return;
	}
}

static _Noreturn void bad_record(struct cf_reader *r, const char *why)
{
	if (r->name)
		die_data("'%s': record %llu (byte %llu): %s", r->name,
			 (unsigned long long)r->records + 1,
			 (unsigned long long)(r->base + r->start), why);
	die_data("record %llu (byte %llu): %s", (unsigned long long)r->records + 1,
		 (unsigned long long)(r->base + r->start), why);
}


/* What 't' needs: a string's bytes. */
static int str_at(const unsigned char *p, const char **str, size_t *len)
{
	unsigned c = p[0];

	if (c >= 0xa0 && c <= 0xbf)
		*len = c & 0x1f, *str = (const char *)p + 1;
	else if (c == 0xd9)
		*len = p[1], *str = (const char *)p + 2;
	else if (c == 0xda)
		*len = be(p + 1, 2), *str = (const char *)p + 3;
	else if (c == 0xdb)
		*len = be(p + 1, 4), *str = (const char *)p + 5;
	else
		return 0;
	return 1;
}

/*
 * What 'v' needs: an integer msgpack-c would decode as positive, a signed
 * encoding of a value of 0 or more included.
 */
static int uint_at(const unsigned char *p, uint64_t *v)
{
	unsigned c = p[0];
	int n = c == 0xcc || c == 0xd0 ? 1 : c == 0xcd || c == 0xd1 ? 2 :
		c == 0xce || c == 0xd2 ? 4 : c == 0xcf || c == 0xd3 ? 8 : 0;

	if (c <= 0x7f) {
		*v = c;
		return 1;
	}
	if (!n || (c >= 0xd0 && (p[1] & 0x80)))
		return 0;
	*v = be(p + 1, n);
	return 1;
}

/* Bytes the scanner passed: no string is too long any more. */
static const struct cf_reader_limits passed = { .max_record = SIZE_MAX };

size_t cf_msgpack_skip(const char *p, size_t len)
{
	struct scan s = { (const unsigned char *)p, len, 0, NULL };
	uint64_t left = 1;
	size_t pos = 0;

	/* Each header takes a byte at least: the walk ends within len. */
	while (left) {
		size_t skip;
		uint64_t count;
		enum kind kind;

		if (pos >= len || header(&s, &passed, pos, &skip, &count, &kind) <= 0 ||
		    skip > len - pos)
			return 0;
		pos += skip;
		left += (kind == MAP ? 2 * count : count) - 1;
	}
	return pos;
}

int cf_map_iter_init(struct cf_map_iter *it, const char *map, size_t len)
{
	const unsigned char *p = (const unsigned char *)map;

	it->p = map;
	it->len = len;
	if (len && (p[0] & 0xf0) == 0x80) {
		it->left = p[0] & 0x0f;
		it->pos = 1;
	} else if (len && (p[0] == 0xde || p[0] == 0xdf)) {
		it->left = be(p + 1, p[0] == 0xde ? 2 : 4);
		it->pos = p[0] == 0xde ? 3 : 5;
	} else {
		it->left = 0;
		return 0;
	}
	return 1;
}

int cf_map_iter_next(struct cf_map_iter *it, const char **key, size_t *key_len,
		     const char **val, size_t *val_len)
{
	size_t k = it->pos, klen, vlen;

	if (!it->left)
		return 0;
	it->left--;
	klen = cf_msgpack_skip(it->p + k, it->len - k);
	vlen = klen ? cf_msgpack_skip(it->p + k + klen, it->len - k - klen) : 0;
	if (!vlen) {
		it->left = 0;	/* not whole: the map ends here */
		return 0;
	}
	it->pos = k + klen + vlen;
	*key = it->p + k;
	*key_len = klen;
	*val = it->p + k + klen;
	*val_len = vlen;
	return 1;
}

int cf_msgpack_str_is(const char *p, const char *want)
{
	const char *s;
	size_t len;

	return str_at((const unsigned char *)p, &s, &len) && len == strlen(want) &&
	       !memcmp(s, want, len);
}

/* The last 't' and 'v' win, as they do in a map msgpack-c decodes. */
/* The "t" and "v" that scan_record() found in the record at buf + start. */
static void find_type(struct cf_reader *r, struct cf_record *rec)
{
	if (!r->scan.have_t)
		bad_record(r, "no string 't' (record type) key");
	if (!r->scan.have_v)
		bad_record(r, "no unsigned 'v' (schema version) key");
	rec->type = (const char *)r->buf + r->start + r->scan.type_off;
	rec->type_len = r->scan.type_len;
	rec->version = r->scan.version;
}

const char *cf_map_field_raw(const char *map, size_t len, const char *key, size_t *val_len)
{
	struct cf_map_iter it;
	const char *k, *v, *found = NULL;
	size_t klen, vlen;

	*val_len = 0;
	cf_map_iter_init(&it, map, len);
	while (cf_map_iter_next(&it, &k, &klen, &v, &vlen))
		if (cf_msgpack_str_is(k, key)) {
			found = v;
			*val_len = vlen;
		}
	return found;
}

const char *cf_rec_field_raw(const struct cf_record *rec, const char *key, size_t *len)
{
	*len = 0;
	return rec->reader ? cf_map_field_raw(rec->raw, rec->raw_len, key, len) : NULL;
}

const msgpack_object *cf_rec_map(const struct cf_record *rec)
{
	struct cf_reader *r = rec->reader;
	size_t off = 0;

	if (rec->map || !r)
		return rec->map;
	if (r->decoded != rec->number) {
		if (msgpack_unpack_next(&r->res, rec->raw, rec->raw_len, &off) !=
			    MSGPACK_UNPACK_SUCCESS || off != rec->raw_len)
			cf_rec_die(rec, "malformed msgpack");
		r->decoded = rec->number;
	}
	return &r->res.data;
}

int cf_reader_next(struct cf_reader *r, struct cf_record *rec)
{
	for (;;) {
		struct scan s = { r->buf + r->start, r->end - r->start, 0, NULL };
		int bad;
		size_t len = scan_record(&s, &r->limits, &bad, &r->scan);

		if (bad)
			bad_record(r, s.why);
		if (len) {
			/* Before advancing: its errors name this record. */
			find_type(r, rec);
			rec->map = NULL;
			rec->reader = r;
			rec->raw = (const char *)r->buf + r->start;
			rec->raw_len = len;
			rec->number = ++r->records;
			rec->offset = r->base + r->start;
			r->start += len;
			if (!r->lazy)
				rec->map = cf_rec_map(rec);
			return 1;
		}
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			bad_record(r, "truncated: the stream ends inside the record");
		}
		fill(r, s.need);
	}
}

int cf_reader_ready(struct cf_reader *r)
{
	struct scan s = { r->buf + r->start, r->end - r->start, 0, NULL };
	struct pollfd p = { r->fd, POLLIN, 0 };
	int bad;

	if (r->eof || scan_record(&s, &r->limits, &bad, &r->scan) || bad)
		return 1;
	return poll(&p, 1, 0) > 0;
}
