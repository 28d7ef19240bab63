#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "cf/usage.h"
#include "cf/writer.h"

/* Large enough to amortise write(2), small enough to keep stages in step. */
#define FLUSH_AT (256 * 1024)

static int buf_write(void *data, const char *s, size_t len)
{
	cf_buf_add(data, s, len);
	return 0;
}

void cf_writer_init(struct cf_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	cf_buf_init(&w->buf, FLUSH_AT + 4096);
	msgpack_packer_init(&w->pk, &w->buf, buf_write);
}

void cf_writer_release(struct cf_writer *w)
{
	cf_writer_flush(w);
	cf_buf_release(&w->buf);
}

static _Noreturn void write_failed(void)
{
	if (errno == EPIPE) {
		/* The consumer is gone: leave as a filter does, by SIGPIPE. */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	die_errno("write failure on standard output");
}

void cf_writer_flush(struct cf_writer *w)
{
	const char *p = w->buf.buf;
	size_t left = w->buf.len;

	while (left) {
		ssize_t n = write(w->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = ENOSPC;
			write_failed();
		}
		p += n;
		left -= n;
		w->bytes += n;
	}
	cf_buf_reset(&w->buf);
}

msgpack_packer *cf_writer_begin(struct cf_writer *w, const char *type,
				unsigned version, uint32_t nfields)
{
	msgpack_pack_map(&w->pk, nfields + 2);
	cf_pack_kv_str(&w->pk, "t", type);
	cf_pack_kv_u64(&w->pk, "v", version);
	return &w->pk;
}

void cf_writer_end(struct cf_writer *w)
{
	w->records++;
	if (w->unbuffered || (w->buf.len >= FLUSH_AT && !w->hold))
		cf_writer_flush(w);
}

void cf_writer_raw(struct cf_writer *w, const void *data, size_t len)
{
	cf_buf_add(&w->buf, data, len);
	cf_writer_end(w);
}

void cf_pack_strn(msgpack_packer *pk, const char *s, size_t len)
{
	msgpack_pack_str_with_body(pk, s, len);
}

void cf_pack_str(msgpack_packer *pk, const char *s)
{
	cf_pack_strn(pk, s, strlen(s));
}

void cf_pack_bin(msgpack_packer *pk, const void *data, size_t len)
{
	msgpack_pack_bin_with_body(pk, data, len);
}

void cf_pack_oid(msgpack_packer *pk, const struct cf_oid *oid)
{
	msgpack_pack_bin_with_body(pk, oid->id, CF_OID_RAWSZ);
}

void cf_pack_u64(msgpack_packer *pk, uint64_t v)
{
	msgpack_pack_uint64(pk, v);
}

void cf_pack_i64(msgpack_packer *pk, int64_t v)
{
	msgpack_pack_int64(pk, v);
}

void cf_pack_bool(msgpack_packer *pk, int v)
{
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

void cf_pack_f64(msgpack_packer *pk, double v)
{
	msgpack_pack_double(pk, v);
}

void cf_pack_kv_str(msgpack_packer *pk, const char *key, const char *s)
{
	cf_pack_str(pk, key);
	cf_pack_str(pk, s);
}

void cf_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t v)
{
	cf_pack_str(pk, key);
	cf_pack_u64(pk, v);
}

void cf_pack_kv_i64(msgpack_packer *pk, const char *key, int64_t v)
{
	cf_pack_str(pk, key);
	cf_pack_i64(pk, v);
}

void cf_pack_kv_oid(msgpack_packer *pk, const char *key, const struct cf_oid *oid)
{
	cf_pack_str(pk, key);
	cf_pack_oid(pk, oid);
}

void cf_pack_kv_bool(msgpack_packer *pk, const char *key, int v)
{
	cf_pack_str(pk, key);
	cf_pack_bool(pk, v);
}

void cf_pack_kv_f64(msgpack_packer *pk, const char *key, double v)
{
	cf_pack_str(pk, key);
	cf_pack_f64(pk, v);
}
