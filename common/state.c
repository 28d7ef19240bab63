#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/record.h"
#include "cf/state.h"
#include "cf/usage.h"
#include "cf/writer.h"

/* Bytes packed before they are written out: states can be large, copies are not. */
#define FLUSH_AT (1u << 20)

struct sink {
	int fd;
	int err;		/* errno of the first failed write, sticky */
	struct cf_buf buf;
};

static void sink_flush(struct sink *s)
{
	const char *p = s->buf.buf;
	size_t len = s->buf.len;

	while (len && !s->err) {
		ssize_t n = write(s->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->err = errno;
			break;
		}
		p += n;
		len -= n;
	}
	cf_buf_reset(&s->buf);
}

static int sink_write(void *data, const char *p, size_t len)
{
	struct sink *s = data;

	cf_buf_add(&s->buf, p, len);
	if (s->buf.len >= FLUSH_AT)
		sink_flush(s);
	return 0;
}

static void pack_header(msgpack_packer *pk, const char *analyzer, unsigned schema,
			uint64_t chunk, uint64_t commits)
{
	msgpack_pack_map(pk, 7);
	cf_pack_kv_str(pk, "t", "state");
	cf_pack_kv_u64(pk, "v", 1);
	cf_pack_kv_str(pk, "analyzer", analyzer);
	cf_pack_kv_u64(pk, "schema", schema);
	cf_pack_kv_u64(pk, "chunk", chunk);
	cf_pack_kv_u64(pk, "commits", commits);
	cf_pack_str(pk, "data");
}

/* The directory itself may be new: cf-run creates its parent, not always it. */
static void make_dir(const char *dir)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		die_errno("cannot create the state directory '%s'", dir);
}

/* The rename must reach the disk too, or a crash could lose a file we announced. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	fsync(fd);
	close(fd);
}

static char *tmp_path;
static int registered;

static void remove_tmp(void)
{
	if (tmp_path)
		unlink(tmp_path);
}

void cf_state_save(const char *dir, const char *analyzer, unsigned schema,
		   uint64_t chunk, uint64_t commits, cf_state_pack_fn pack, void *data)
{
	struct cf_buf path = CF_BUF_INIT, tmp = CF_BUF_INIT;
	struct sink s = { .fd = -1, .buf = CF_BUF_INIT };
	msgpack_packer pk;

	make_dir(dir);
	cf_buf_addf(&path, "%s/chunk-%llu.state", dir, (unsigned long long)chunk);
	cf_buf_addf(&tmp, "%s.tmp-XXXXXX", path.buf);
	s.fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (s.fd < 0)
		die_errno("cannot create a state file in '%s'", dir);
	tmp_path = tmp.buf;
	if (!registered++)
		cf_atexit_die(remove_tmp);
	cf_buf_init(&s.buf, FLUSH_AT + 4096);
	msgpack_packer_init(&pk, &s, sink_write);
	pack_header(&pk, analyzer, schema, chunk, commits);
	pack(&pk, data);
	sink_flush(&s);
	if (!s.err && fsync(s.fd) < 0)
		s.err = errno;
	if (close(s.fd) < 0 && !s.err)
		s.err = errno;
	if (!s.err && rename(tmp.buf, path.buf) < 0)
		s.err = errno;
	if (s.err) {
		errno = s.err;
		die_errno("cannot write the state file '%s'", path.buf);
	}
	tmp_path = NULL;
	sync_dir(dir);
	cf_buf_release(&s.buf);
	cf_buf_release(&tmp);
	cf_buf_release(&path);
}

static _Noreturn void bad_state(const char *path, const char *fmt, const char *arg)
{
	die_data("state file '%s': %s%s%s", path, fmt, arg ? arg : "", arg ? "'" : "");
}

static int str_is(const msgpack_object *o, const char *s)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       !memcmp(o->via.str.ptr, s, o->via.str.size);
}

static uint64_t header_u64(const struct cf_state *st, const char *path, const char *key)
{
	const msgpack_object *o = cf_rec_get(&st->rec, key);

	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		bad_state(path, "no unsigned '", key);
	return o->via.u64;
}

void cf_state_load(struct cf_state *st, const char *path, const char *analyzer,
		   unsigned schema)
{
	uint64_t v;
	struct stat sb;

	memset(st, 0, sizeof(*st));
	st->path = xstrdup(path);
	st->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (st->fd < 0)
		die_errno("cannot open the state file '%s'", path);
	cf_reader_init(&st->r, st->fd);
	/*
	 * A state holds a whole analysis: the stream's limits are for one
	 * record of it.  The file's size bounds the record, so that a damaged
	 * length cannot make the reader allocate gigabytes before it sees the
	 * file end.
	 */
	if (fstat(st->fd, &sb) < 0)
		die_errno("cannot stat the state file '%s'", path);
	st->r.limits.max_record = sb.st_size > 64 ? (size_t)sb.st_size : 64;
	st->r.limits.max_elements = UINT32_MAX;
	st->r.name = st->path;
	if (!cf_reader_next(&st->r, &st->rec))
		bad_state(path, "empty", NULL);
	if (!cf_rec_is(&st->rec, "state") || st->rec.version != 1)
		bad_state(path, "not a state record of version 1", NULL);
	if (!str_is(cf_rec_get(&st->rec, "analyzer"), analyzer))
		bad_state(path, "not a state of the analyzer '", analyzer);
	v = header_u64(st, path, "schema");
	if (v != schema)
		die_data("state file '%s': schema %llu, not %u", path, (unsigned long long)v, schema);
	st->schema = schema;
	st->chunk = header_u64(st, path, "chunk");
	st->commits = header_u64(st, path, "commits");
	st->data = cf_rec_get(&st->rec, "data");
	if (!st->data)
		bad_state(path, "no 'data'", NULL);
}

void cf_state_release(struct cf_state *st)
{
	cf_reader_release(&st->r);
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	st->data = NULL;
	free(st->path);
	st->path = NULL;
}

void cf_state_die(const struct cf_state *st, const char *fmt, ...)
{
	struct cf_buf msg = CF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	cf_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	die_data("state file '%s': %s", st->path, msg.buf);
}

static const char *type_name(msgpack_object_type t)
{
	switch (t) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: return "an unsigned integer";
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
	case MSGPACK_OBJECT_STR: return "a string";
	case MSGPACK_OBJECT_BIN: return "bytes";
	case MSGPACK_OBJECT_ARRAY: return "an array";
	case MSGPACK_OBJECT_MAP: return "a map";
	case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
	default: return "a value";
	}
}

const msgpack_object *cf_state_get(const struct cf_state *st, const msgpack_object *map,
				   const char *key, msgpack_object_type type)
{
	const msgpack_object *o;

	if (!map || map->type != MSGPACK_OBJECT_MAP)
		cf_state_die(st, "'%s' is not inside a map", key);
	o = cf_obj_get(map, key);
	if (!o)
		cf_state_die(st, "'%s' is missing", key);
	if (o->type != type)
		cf_state_die(st, "'%s' must be %s", key, type_name(type));
	return o;
}

uint64_t cf_state_u64(const struct cf_state *st, const msgpack_object *map, const char *key)
{
	return cf_state_get(st, map, key, MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64;
}

int64_t cf_state_i64(const struct cf_state *st, const msgpack_object *map, const char *key)
{
	const msgpack_object *o = cf_obj_get(map && map->type == MSGPACK_OBJECT_MAP ? map : NULL, key);

	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return o->via.i64;
	o = cf_state_get(st, map, key, MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (o->via.u64 > INT64_MAX)
		cf_state_die(st, "'%s' is out of range", key);
	return (int64_t)o->via.u64;
}

const msgpack_object *cf_state_array(const struct cf_state *st, const msgpack_object *map,
				     const char *key, uint32_t *n)
{
	const msgpack_object *o = cf_state_get(st, map, key, MSGPACK_OBJECT_ARRAY);

	*n = o->via.array.size;
	return o->via.array.ptr;
}

const char *cf_state_bytes(const struct cf_state *st, const msgpack_object *o,
			   const char *what, size_t *len)
{
	if (o->type == MSGPACK_OBJECT_STR) {
		*len = o->via.str.size;
		return o->via.str.ptr;
	}
	if (o->type == MSGPACK_OBJECT_BIN) {
		*len = o->via.bin.size;
		return o->via.bin.ptr;
	}
	cf_state_die(st, "%s must be a string", what);
}
