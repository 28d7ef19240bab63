#ifndef CF_JSON_H
#define CF_JSON_H

/*
 * JSON and YAML text from msgpack objects, for people and for tests.
 *
 * Strings are emitted as valid UTF-8: a byte sequence that is not UTF-8
 * (git allows any bytes in paths and names) becomes U+FFFD.  Bin values
 * become lowercase hex strings.  Floats are printed with %.10g; NaN and
 * infinities become null.  Output is appended to a caller-owned cf_buf.
 */

#include <msgpack.h>
#include "cf/buf.h"

enum cf_json_flags {
	CF_JSON_SORT_KEYS = 1 << 0,	/* maps in byte order of their keys */
	CF_JSON_PRETTY = 1 << 1,	/* two-space indentation */
};

void cf_json_obj(struct cf_buf *out, const msgpack_object *o, unsigned flags);
/*
 * The same text, byte for byte, straight from the msgpack bytes of one
 * object, without decoding them into msgpack objects (which take some
 * twenty times the bytes): for large documents.  CF_JSON_SORT_KEYS is not
 * supported here.  Returns the bytes of the object read, 0 when they are
 * not one whole msgpack object (out then holds part of the text).
 */
size_t cf_json_raw(struct cf_buf *out, const char *p, size_t len, unsigned flags);

/*
 * Where a long text goes as it is made: a renderer given one hands it what
 * out holds from time to time (about a MiB), between two elements, and
 * empties out; the end of the text is left in out.
 */
struct cf_render_sink {
	void (*write)(void *data, const char *p, size_t len);
	void *data;
};

size_t cf_json_raw_to(struct cf_buf *out, const char *p, size_t len, unsigned flags,
		      const struct cf_render_sink *sink);
/* A JSON string literal with quotes, from len bytes. */
void cf_json_str(struct cf_buf *out, const char *s, size_t len);
/* Length of the valid UTF-8 sequence at s (left > 0 bytes), or 0 when it is not valid. */
size_t cf_utf8_len(const char *s, size_t left);
/* A YAML block document of o, two-space indentation, at the given indent. */
void cf_yaml_obj(struct cf_buf *out, const msgpack_object *o, int indent);
/*
 * The same from the msgpack bytes at p, as cf_json_raw (and what
 * cf_yaml_obj packs o for): a large document decoded would be many times
 * larger.  Returns the bytes read, 0 when they are not one whole msgpack
 * object.
 */
size_t cf_yaml_raw(struct cf_buf *out, const char *p, size_t len, int indent,
		   const struct cf_render_sink *sink);

#endif
