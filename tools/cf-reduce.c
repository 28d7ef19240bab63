/*
 * cf-reduce: the last stage of a pipeline.  Collects the analyzers' result
 * records (and the stream record that says what was analysed) and renders
 * them as one document: JSON, YAML, a text summary for people, or the
 * records again as msgpack for a later merge.
 *
 * Everything is rendered in memory and written at the end, in one go, so a
 * failing upstream stage never leaves half a document behind; -o writes a
 * temporary file beside FILE and renames it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/anomaly.h"
#include "cf/arena.h"
#include "cf/buf.h"
#include "cf/json.h"
#include "cf/merge.h"
#include "cf/output.h"
#include "cf/plot.h"
#include "cf/progress.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/scope.h"
#include "cf/report.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-reduce [-f json|yaml|text|plot|msgpack] [-o FILE] [--name NAME] [--top N]\n"
"                 [--shards] [FILE...]\n"
"\n"
"Renders the analyzers' results of a Codefang stream as one document; results\n"
"of several repositories (files, or streams one after another) are merged.\n"
"\n"
"  -f, --format FMT  json (default), yaml, text, plot (one HTML page) or msgpack\n"
"  -o, --output FILE write FILE atomically instead of standard output\n"
"      --name NAME   name the stream's repository NAME for a later merge (paths\n"
"                    are then qualified as NAME:PATH)\n"
"      --top N       when merging: pairs, hotspots and couplings to rank\n"
"                    (default 20, 0: all)\n"
"      --shards      inputs of the same repository name are commit-range shards\n"
"                    of it (cf-run history --range A..B --shard): chained by\n"
"                    their bases and heads, combined as the whole range; merges\n"
"                    even a single input\n"
"      --barrier-fd N  on each barrier record, write \"chunk C commits K last ID\"\n"
"                    to file descriptor N (for cf-run's checkpoints)\n"
"      --progress    show progress on standard error even when it is not a terminal\n"
"      --quiet       show no progress\n"
"  -h, --help        show this help\n";

enum format { FMT_JSON, FMT_YAML, FMT_TEXT, FMT_PLOT, FMT_MSGPACK };

/* A record kept past the reader's lifetime: its own copy, decoded again at the end. */
struct kept {
	char *raw;
	size_t len;
	uint64_t number;
	msgpack_unpacked u;	/* decoded when needed (kept_data) */
	int decoded;
	char *analyzer;		/* results only */
	size_t part;		/* the part of a merge it belongs to */
};

/*
 * Parts of a merge: each stream record starts one, and so does each input
 * file, and a result of an analyzer that the current part already has.
 */
struct parts {
	struct kept *streams;	/* every stream record, in order */
	size_t nr_streams, alloc_streams;
	long *stream_of;	/* per part: index into streams, or -1 */
	size_t nr, alloc;
	int open;		/* the current part may still get a stream record */
	int any_merged;		/* a part is an earlier merge */
};

struct input {
	struct kept stream;	/* raw == NULL when the stream had none */
	struct kept *results;
	size_t nr, alloc;
	struct cf_arena *arenas[8];
	uint64_t arena_ids[8];
	int nr_arenas;
	int announced;			/* the stream record gave "commits" */
	uint64_t want_commits, commits;	/* announced, and seen */
	int barrier_fd;			/* -1: none */
	struct cf_scope_sums scope;	/* what the stages left out, summed */
	struct cf_progress progress;	/* commits seen of those announced */
	struct parts parts;
};

/*
 * Records are kept as their bytes: decoded, msgpack objects take some
 * twenty times the space, and rendering json needs none of them.
 */
static void keep(struct kept *k, const struct cf_record *rec)
{
	k->raw = xmemdupz(rec->raw, rec->raw_len);
	k->len = rec->raw_len;
	k->number = rec->number;
	msgpack_unpacked_init(&k->u);
	k->decoded = 0;
}

static const msgpack_object *kept_data(struct kept *k)
{
	if (!k->decoded) {
		if (msgpack_unpack_next(&k->u, k->raw, k->len, NULL) != MSGPACK_UNPACK_SUCCESS)
			BUG("record %llu does not decode a second time",
			    (unsigned long long)k->number);
		k->decoded = 1;
	}
	return &k->u.data;
}

/* Frees the decoded objects of a record; its bytes stay. */
static void kept_forget(struct kept *k)
{
	msgpack_unpacked_destroy(&k->u);
	msgpack_unpacked_init(&k->u);
	k->decoded = 0;
}

static void new_part(struct parts *ps, long stream)
{
	CF_ALLOC_GROW(ps->stream_of, ps->nr + 1, ps->alloc);
	ps->stream_of[ps->nr++] = stream;
	ps->open = 1;
}

/* The part of a result: the current one unless it has that analyzer already. */
static size_t result_part(struct input *in, const struct kept *k)
{
	struct parts *ps = &in->parts;
	int again = !ps->nr;

	for (size_t i = 0; i + 1 < in->nr && !again; i++)
		again = in->results[i].part == ps->nr - 1 &&
			!strcmp(in->results[i].analyzer, k->analyzer);
	if (again)
		new_part(ps, -1);
	ps->open = 0;
	return ps->nr - 1;
}

/* A stream record starts a part, unless the current one is still empty. */
static void stream_part(struct input *in, const struct cf_record *rec)
{
	struct parts *ps = &in->parts;
	struct kept *k;

	CF_ALLOC_GROW(ps->streams, ps->nr_streams + 1, ps->alloc_streams);
	k = &ps->streams[ps->nr_streams++];
	memset(k, 0, sizeof(*k));
	keep(k, rec);
	ps->any_merged |= cf_merge_is_merged(kept_data(k));
	if (ps->nr && ps->open && ps->stream_of[ps->nr - 1] < 0)
		ps->stream_of[ps->nr - 1] = ps->nr_streams - 1;
	else
		new_part(ps, ps->nr_streams - 1);
	ps->open = 0;
}

/*
 * A scalar field of a result, decoded alone: the result itself is kept as
 * bytes (see keep), and decoding it whole would hold its objects too.
 */
static const msgpack_object *result_field(const struct cf_record *rec, const char *key,
					  msgpack_unpacked *u)
{
	size_t len;
	const char *raw = cf_rec_field_raw(rec, key, &len);

	if (!raw)
		cf_rec_die(rec, "missing field '%s'", key);
	if (msgpack_unpack_next(u, raw, len, NULL) != MSGPACK_UNPACK_SUCCESS)
		cf_rec_die(rec, "malformed msgpack");
	return &u->data;
}

static void add_result(struct input *in, const struct cf_record *rec)
{
	msgpack_unpacked un, us;
	const msgpack_object *name;
	size_t len;
	const char *data;
	unsigned char c;
	struct kept *k;

	msgpack_unpacked_init(&un);
	msgpack_unpacked_init(&us);
	name = result_field(rec, "analyzer", &un);
	if (name->type != MSGPACK_OBJECT_STR)
		cf_rec_die(rec, "'analyzer' must be a string");
	data = cf_rec_field_raw(rec, "data", &len);
	c = data ? (unsigned char)data[0] : 0;
	if (result_field(rec, "schema", &us)->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		cf_rec_die(rec, "'schema' must be an unsigned integer");
	if (!data || !((c & 0xf0) == 0x80 || c == 0xde || c == 0xdf))
		cf_rec_die(rec, "'data' must be a map");
	len = name->via.str.size;
	if (!len || memchr(name->via.str.ptr, 0, len))
		cf_rec_die(rec, "'analyzer' must be a non-empty name");
	if ((len == 8 && !memcmp(name->via.str.ptr, "codefang", 8)) ||
	    (len == 5 && !memcmp(name->via.str.ptr, "scope", 5)))
		cf_rec_die(rec, "the analyzer name '%.*s' is reserved", (int)len, name->via.str.ptr);
	CF_ALLOC_GROW(in->results, in->nr + 1, in->alloc);
	k = &in->results[in->nr++];
	k->analyzer = xmemdupz(name->via.str.ptr, len);
	msgpack_unpacked_destroy(&un);
	msgpack_unpacked_destroy(&us);
	keep(k, rec);
	k->part = result_part(in, k);
}

/*
 * Blob records end here, so their space in the ring is released here too;
 * otherwise "cf-blobload | cf-reduce" would wait forever on a full ring.
 */
static void arena_record(struct input *in, const struct cf_record *rec)
{
	const char *path;
	size_t len;
	uint64_t id = cf_rec_u64(rec, "id"), size = cf_rec_u64(rec, "size");
	char *p;

	path = cf_rec_str(rec, "path", &len);
	if (in->nr_arenas == (int)(sizeof(in->arenas) / sizeof(*in->arenas)))
		cf_rec_die(rec, "too many arenas in one stream (at most 8)");
	p = xmemdupz(path, len);
	in->arenas[in->nr_arenas] = cf_arena_attach(p, id, size);
	in->arena_ids[in->nr_arenas++] = id;
	free(p);
}

static void blob_record(struct input *in, const struct cf_record *rec)
{
	uint64_t id, off, size;

	if (!cf_rec_u64_opt(rec, "arena", &id))
		return;		/* inline bytes */
	off = cf_rec_u64(rec, "off");
	size = cf_rec_u64(rec, "size");
	for (int i = 0; i < in->nr_arenas; i++)
		if (in->arena_ids[i] == id) {
			if (off + size >= off)
				cf_arena_release(in->arenas[i], off + size);
			return;
		}
	cf_rec_die(rec, "arena %llu was not announced", (unsigned long long)id);
}

/*
 * A barrier reached the end of the pipeline: every stage before has passed
 * it on, so every analyzer has saved its state for the chunk.
 */
static void report_barrier(const struct input *in, const struct cf_record *rec)
{
	char hex[CF_OID_HEXSZ + 1], line[128];
	struct cf_oid last;
	uint64_t chunk = cf_rec_u64(rec, "chunk"), commits = cf_rec_u64(rec, "commits");
	int len;

	cf_rec_oid(rec, "last", &last);
	if (in->barrier_fd < 0)
		return;
	len = snprintf(line, sizeof(line), "chunk %llu commits %llu last %s\n",
		       (unsigned long long)chunk, (unsigned long long)commits,
		       cf_oid_to_hex(&last, hex));
	for (char *p = line; len > 0; ) {
		ssize_t n = write(in->barrier_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("cannot write to --barrier-fd %d", in->barrier_fd);
		p += n;
		len -= n;
	}
}

/*
 * A stage that died half-way ends the stream cleanly for those after it;
 * the count the stream announced tells, and no partial result is rendered.
 * Results alone (as -f msgpack writes them) have no commits.
 */
static void check_commits(const struct input *in)
{
	if (in->announced && in->commits && in->commits < in->want_commits)
		die_data("truncated stream: %llu of the %llu commits it announced (a stage before failed)",
			 (unsigned long long)in->commits, (unsigned long long)in->want_commits);
}

static void read_input(struct input *in, int fd)
{
	struct cf_reader r;
	struct cf_record rec;

	cf_reader_init(&r, fd);
	r.lazy = 1;
	while (cf_reader_next(&r, &rec)) {
		if (cf_rec_is(&rec, CF_REC_RESULT)) {
			add_result(in, &rec);
		} else if (cf_rec_is(&rec, CF_REC_STREAM)) {
			check_commits(in);
			stream_part(in, &rec);
			in->commits = 0;
			in->announced = cf_rec_u64_opt(&rec, "commits", &in->want_commits);
			if (in->stream.raw)
				continue;
			keep(&in->stream, &rec);
			if (in->announced)
				cf_progress_total(&in->progress, in->want_commits);
		} else if (cf_rec_is(&rec, CF_REC_SCOPE)) {
			cf_scope_sums_add(&in->scope, &rec);
		} else if (cf_rec_is(&rec, CF_REC_COMMIT)) {
			uint64_t n;
			/* A resumed stream starts at commit n, not 0: it is not shorter. */
			in->commits++;
			if (cf_rec_u64_opt(&rec, "n", &n) && n < UINT64_MAX && n + 1 > in->commits)
				in->commits = n + 1;
			cf_progress_set(&in->progress, in->commits);
		} else if (cf_rec_is(&rec, CF_REC_BARRIER)) {
			uint64_t chunk;
			report_barrier(in, &rec);
			if (cf_rec_u64_opt(&rec, "chunk", &chunk))
				cf_progress_chunk(&in->progress, chunk + 1);
		} else if (cf_rec_is(&rec, CF_REC_ARENA))
			arena_record(in, &rec);
		else if (cf_rec_is(&rec, CF_REC_BLOB))
			blob_record(in, &rec);
	}
	cf_reader_release(&r);
	cf_progress_end(&in->progress);
	for (int i = 0; i < in->nr_arenas; i++)
		cf_arena_detach(in->arenas[i]);
	in->nr_arenas = 0;
	check_commits(in);
}

static int key_is(const msgpack_object *k, const char *s)
{
	size_t n = strlen(s);
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       !memcmp(k->via.str.ptr, s, n);
}

/* The "codefang" header: format, repository, head, then the stream's other fields. */
static void pack_header(msgpack_packer *pk, struct input *in)
{
	const msgpack_object *s = in->stream.raw ? kept_data(&in->stream) : NULL;
	const msgpack_object *repo = s ? cf_obj_get(s, "repo") : NULL;
	const msgpack_object *head = s ? cf_obj_get(s, "head") : NULL;
	uint32_t n = 1 + !!repo + !!head;

	if (s)
		for (uint32_t i = 0; i < s->via.map.size; i++) {
			const msgpack_object *k = &s->via.map.ptr[i].key;
			n += !key_is(k, "t") && !key_is(k, "v") &&
			     !key_is(k, "repo") && !key_is(k, "head") && !key_is(k, "format");
		}
	msgpack_pack_map(pk, n);
	cf_pack_kv_u64(pk, "format", 1);
	if (repo) {
		cf_pack_str(pk, "repository");
		msgpack_pack_object(pk, *repo);
	}
	if (head) {
		cf_pack_str(pk, "head");
		msgpack_pack_object(pk, *head);
	}
	if (s)
		for (uint32_t i = 0; i < s->via.map.size; i++) {
			const msgpack_object_kv *kv = &s->via.map.ptr[i];
			if (key_is(&kv->key, "t") || key_is(&kv->key, "v") ||
			    key_is(&kv->key, "repo") || key_is(&kv->key, "head") ||
			    key_is(&kv->key, "format"))
				continue;
			msgpack_pack_object(pk, kv->key);
			msgpack_pack_object(pk, kv->val);
		}
}

/*
 * An analyzer's entry, "analyzer": {"schema": N, then data's other fields
 * as produced}, copied from its bytes: decoded, couples' 8 MB on git/git
 * took 100 MiB.
 */
static void pack_result(msgpack_packer *pk, struct kept *k)
{
	struct cf_map_iter it;
	size_t data_len, schema_len, key_len, val_len;
	const char *data = cf_map_field_raw(k->raw, k->len, "data", &data_len);
	const char *schema = cf_map_field_raw(k->raw, k->len, "schema", &schema_len);
	const char *key, *val;
	uint32_t n = 1;

	cf_map_iter_init(&it, data, data_len);
	while (cf_map_iter_next(&it, &key, &key_len, &val, &val_len))
		n += !cf_msgpack_str_is(key, "schema");
	cf_pack_str(pk, k->analyzer);
	msgpack_pack_map(pk, n);
	cf_pack_str(pk, "schema");
	pk->callback(pk->data, schema, schema_len);
	cf_map_iter_init(&it, data, data_len);
	while (cf_map_iter_next(&it, &key, &key_len, &val, &val_len)) {
		if (cf_msgpack_str_is(key, "schema"))
			continue;
		pk->callback(pk->data, key, key_len);
		pk->callback(pk->data, val, val_len);
	}
}

/* The whole document as the bytes of one msgpack object. */
static void pack_document(struct input *in, msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1 + in->scope.seen + in->nr);
	cf_pack_str(&pk, "codefang");
	pack_header(&pk, in);
	if (in->scope.seen) {
		cf_pack_str(&pk, "scope");
		cf_scope_sums_pack(&in->scope, &pk, 0);
	}
	for (size_t i = 0; i < in->nr; i++) {
		pack_result(&pk, &in->results[i]);
		kept_forget(&in->results[i]);
	}
}

/*
 * The text format: a summary for people, every line at most WIDTH columns.
 * The data of an analyzer is read defensively: a field that is missing or
 * of another type than expected is left out, never trusted.
 */
#define WIDTH 100
#define TOP 20

static int get_u64(const msgpack_object *map, const char *key, uint64_t *v)
{
	const msgpack_object *o = map ? cf_obj_get(map, key) : NULL;
	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return 0;
	*v = o->via.u64;
	return 1;
}

static int get_i64(const msgpack_object *map, const char *key, int64_t *v)
{
	const msgpack_object *o = map ? cf_obj_get(map, key) : NULL;
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

static const msgpack_object *get_type(const msgpack_object *map, const char *key,
				      msgpack_object_type type)
{
	const msgpack_object *o = map ? cf_obj_get(map, key) : NULL;
	return o && o->type == type ? o : NULL;
}

/* Appends s cut to width columns (cf/report.h); returns the columns written. */
static size_t add_fit(struct cf_buf *out, const char *s, size_t len, size_t width)
{
	return cf_report_fit(out, s, len, width);
}

static void pad(struct cf_buf *out, size_t n)
{
	while (n--)
		cf_buf_addch(out, ' ');
}

/* A string field of a map, fitted into exactly width columns (left-aligned). */
static void cell_str(struct cf_buf *out, const msgpack_object *map, const char *key,
		     size_t width)
{
	const msgpack_object *o = get_type(map, key, MSGPACK_OBJECT_STR);
	size_t cols = o ? add_fit(out, o->via.str.ptr, o->via.str.size, width) : 0;
	pad(out, width - cols);
}

/* An unsigned field, right-aligned in width columns, blank when absent. */
static void cell_u64(struct cf_buf *out, const msgpack_object *map, const char *key,
		     int width)
{
	uint64_t v;
	if (get_u64(map, key, &v))
		cf_buf_addf(out, "%*llu", width, (unsigned long long)v);
	else
		cf_buf_addf(out, "%*s", width, "");
}

static void add_date(struct cf_buf *out, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];

	if (gmtime_r(&tt, &tm) && strftime(s, sizeof(s), "%Y-%m-%d", &tm))
		cf_buf_addstr(out, s);
	else
		cf_buf_addf(out, "@%lld", (long long)t);
}

static void add_duration(struct cf_buf *out, uint64_t seconds)
{
	if (seconds && !(seconds % 86400))
		cf_buf_addf(out, "%llu day%s", (unsigned long long)(seconds / 86400),
			    seconds == 86400 ? "" : "s");
	else if (seconds && !(seconds % 3600))
		cf_buf_addf(out, "%llu hours", (unsigned long long)(seconds / 3600));
	else
		cf_buf_addf(out, "%llu seconds", (unsigned long long)seconds);
}

/* Ends a line, after cutting it to WIDTH columns if it grew longer. */
static void end_line(struct cf_buf *out, size_t line_start)
{
	size_t len = out->len - line_start;
	char *copy = xmemdupz(out->buf + line_start, len);

	cf_buf_setlen(out, line_start);
	add_fit(out, copy, len, WIDTH);
	while (out->len > line_start && out->buf[out->len - 1] == ' ')
		out->len--;
	cf_buf_setlen(out, out->len);
	cf_buf_addch(out, '\n');
	free(copy);
}

/* "label value" pairs on one line, for the numbers that a map has. */
static void add_counts(struct cf_buf *out, const msgpack_object *map,
		       const char *const *keys, const char *const *labels)
{
	size_t start = out->len;
	int any = 0;
	uint64_t v;

	cf_buf_addstr(out, "  ");
	for (int i = 0; keys[i]; i++) {
		if (!get_u64(map, keys[i], &v))
			continue;
		cf_buf_addf(out, "%s%s %llu", any ? ", " : "", labels[i], (unsigned long long)v);
		any = 1;
	}
	if (any)
		end_line(out, start);
	else
		cf_buf_setlen(out, start);
}

static void text_header(struct cf_buf *out, const msgpack_object *h)
{
	const msgpack_object *repo = get_type(h, "repository", MSGPACK_OBJECT_STR);
	const msgpack_object *head = get_type(h, "head", MSGPACK_OBJECT_BIN);
	const msgpack_object *range = get_type(h, "range", MSGPACK_OBJECT_STR);
	const msgpack_object *fp = get_type(h, "first_parent", MSGPACK_OBJECT_BOOLEAN);
	uint64_t commits;
	size_t start;

	if (repo) {
		start = out->len;
		cf_buf_addstr(out, "repository  ");
		cf_buf_add(out, repo->via.str.ptr, repo->via.str.size);
		end_line(out, start);
	}
	if (head) {
		cf_buf_addstr(out, "head        ");
		for (uint32_t i = 0; i < head->via.bin.size && i < 32; i++)
			cf_buf_addf(out, "%02x", (unsigned char)head->via.bin.ptr[i]);
		cf_buf_addch(out, '\n');
	}
	if (range || get_u64(h, "commits", &commits)) {
		start = out->len;
		cf_buf_addstr(out, "history     ");
		if (range)
			cf_buf_add(out, range->via.str.ptr, range->via.str.size);
		if (fp)
			cf_buf_addstr(out, fp->via.boolean ? ", first parents" : ", full history");
		if (get_u64(h, "commits", &commits))
			cf_buf_addf(out, ", %llu commit%s", (unsigned long long)commits,
				    commits == 1 ? "" : "s");
		end_line(out, start);
	}
}

static void section_title(struct cf_buf *out, const msgpack_object *name,
			  const msgpack_object *data)
{
	size_t start;
	uint64_t schema;

	if (out->len)
		cf_buf_addch(out, '\n');
	start = out->len;
	add_fit(out, name->via.str.ptr, name->via.str.size, 60);
	if (get_u64(data, "schema", &schema))
		cf_buf_addf(out, " (schema %llu)", (unsigned long long)schema);
	end_line(out, start);
}

static void burndown_params(struct cf_buf *out, const msgpack_object *d)
{
	uint64_t g, s, tick = 0, last;
	int64_t t0;
	size_t start = out->len;
	int have_tick = get_u64(d, "tick_size", &tick) && tick;

	cf_buf_addstr(out, "  ");
	if (get_u64(d, "granularity", &g))
		cf_buf_addf(out, "bands of %llu ticks, ", (unsigned long long)g);
	if (get_u64(d, "sampling", &s))
		cf_buf_addf(out, "samples every %llu ticks, ", (unsigned long long)s);
	if (have_tick) {
		cf_buf_addstr(out, "a tick is ");
		add_duration(out, tick);
	}
	end_line(out, start);
	if (get_i64(d, "t0", &t0) && have_tick) {
		start = out->len;
		cf_buf_addstr(out, "  from ");
		add_date(out, t0);
		if (get_u64(d, "last_tick", &last) && last <= INT64_MAX / tick &&
		    t0 <= INT64_MAX - (int64_t)(last * tick)) {
			cf_buf_addstr(out, " to ");
			add_date(out, t0 + (int64_t)(last * tick));
			cf_buf_addf(out, " (tick %llu)", (unsigned long long)last);
		}
		end_line(out, start);
	}
}

/* The start of band b as a date when t0 and the tick size are known, else a tick. */
static void band_start(struct cf_buf *out, const msgpack_object *d, uint32_t b)
{
	const msgpack_object *starts = get_type(d, "band_start", MSGPACK_OBJECT_ARRAY);
	uint64_t tick, g, first;
	int64_t t0;
	size_t start = out->len;

	if (starts && b < starts->via.array.size &&
	    starts->via.array.ptr[b].type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		first = starts->via.array.ptr[b].via.u64;
	else if (get_u64(d, "granularity", &g) && (!g || b <= UINT64_MAX / g))
		first = b * g;
	else
		first = UINT64_MAX;
	if (first != UINT64_MAX && get_i64(d, "t0", &t0) && get_u64(d, "tick_size", &tick) &&
	    tick && first <= (uint64_t)INT64_MAX / tick &&
	    t0 <= INT64_MAX - (int64_t)(first * tick))
		add_date(out, t0 + (int64_t)(first * tick));
	else if (first != UINT64_MAX)
		cf_buf_addf(out, "tick %llu", (unsigned long long)first);
	else
		cf_buf_addf(out, "band %u", b);
	pad(out, out->len - start < 16 ? 16 - (out->len - start) : 1);
}

static void burndown_table(struct cf_buf *out, const msgpack_object *d)
{
	const msgpack_object *m = get_type(d, "matrix", MSGPACK_OBJECT_ARRAY);
	const msgpack_object *row;
	uint64_t total = 0;

	if (!m || !m->via.array.size)
		return;
	row = &m->via.array.ptr[m->via.array.size - 1];
	if (row->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (uint32_t b = 0; b < row->via.array.size; b++)
		if (row->via.array.ptr[b].type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			total += row->via.array.ptr[b].via.u64;
	cf_buf_addf(out, "  lines alive at the last sample: %llu\n\n", (unsigned long long)total);
	cf_buf_addstr(out, "  band born from        lines   share\n");
	for (uint32_t b = 0; b < row->via.array.size; b++) {
		const msgpack_object *c = &row->via.array.ptr[b];
		uint64_t v = c->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? c->via.u64 : 0;
		cf_buf_addstr(out, "  ");
		band_start(out, d, b);
		cf_buf_addf(out, "%12llu  %5.1f%%\n", (unsigned long long)v,
			    total ? 100.0 * (double)v / (double)total : 0.0);
	}
}

static void text_burndown(struct cf_buf *out, const msgpack_object *d)
{
	static const char *const keys[] = {
		"samples", "bands", "commits", "files", "resyncs", NULL
	};
	static const char *const labels[] = {
		"samples", "bands", "commits", "files tracked", "resyncs", NULL
	};

	burndown_params(out, d);
	add_counts(out, d, keys, labels);
	burndown_table(out, d);
	cf_report_burndown_parts(out, d);
}

static uint64_t u64_or_0(const msgpack_object *map, const char *key)
{
	uint64_t v = 0;
	get_u64(map, key, &v);
	return v;
}

/* Indexes of the map elements of an array, sorted by a number, most first. */
struct ranked {
	const msgpack_object *o;
	uint64_t key;
	uint32_t pos;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void devs_people(struct cf_buf *out, const msgpack_object *people)
{
	struct ranked *r;
	uint32_t n = 0;

	if (!people || !people->via.array.size)
		return;
	r = xcalloc(people->via.array.size, sizeof(*r));
	for (uint32_t i = 0; i < people->via.array.size; i++) {
		const msgpack_object *p = &people->via.array.ptr[i];
		if (p->type != MSGPACK_OBJECT_MAP)
			continue;
		r[n].o = p;
		r[n].key = u64_or_0(p, "commits");
		r[n++].pos = i;
	}
	qsort(r, n, sizeof(*r), ranked_cmp);
	cf_buf_addstr(out, "\n     #  name                      email                        "
		      "commits     added   removed   changed\n");
	for (uint32_t i = 0; i < n && i < TOP; i++) {
		cf_buf_addf(out, "  %4u  ", i + 1);
		cell_str(out, r[i].o, "name", 24);
		cf_buf_addstr(out, "  ");
		cell_str(out, r[i].o, "email", 26);
		cell_u64(out, r[i].o, "commits", 9);
		cell_u64(out, r[i].o, "added", 10);
		cell_u64(out, r[i].o, "removed", 10);
		cell_u64(out, r[i].o, "changed", 10);
		cf_buf_addch(out, '\n');
	}
	if (n > TOP)
		cf_buf_addf(out, "        \xe2\x80\xa6 %u more\n", n - TOP);
	free(r);
}

/* "bus factor 2 (Alice, Bob)", the names looked up in people. */
static void bus_factor(struct cf_buf *out, const msgpack_object *m,
		       const msgpack_object *people)
{
	const msgpack_object *idx = get_type(m, "bus_factor_people", MSGPACK_OBJECT_ARRAY);
	uint64_t bf;
	size_t start = out->len;

	if (!get_u64(m, "bus_factor", &bf))
		return;
	cf_buf_addf(out, "  bus factor %llu", (unsigned long long)bf);
	for (uint32_t i = 0; idx && people && i < idx->via.array.size; i++) {
		const msgpack_object *x = &idx->via.array.ptr[i];
		const msgpack_object *name;
		if (x->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    x->via.u64 >= people->via.array.size)
			continue;
		name = get_type(&people->via.array.ptr[x->via.u64], "name", MSGPACK_OBJECT_STR);
		if (!name)
			continue;
		cf_buf_addstr(out, i ? ", " : ": ");
		add_fit(out, name->via.str.ptr, name->via.str.size, 40);
	}
	end_line(out, start);
}

static void devs_languages(struct cf_buf *out, const msgpack_object *langs)
{
	struct ranked *r;
	uint32_t n = 0;

	if (!langs || !langs->via.map.size)
		return;
	r = xcalloc(langs->via.map.size, sizeof(*r));
	for (uint32_t i = 0; i < langs->via.map.size; i++) {
		const msgpack_object_kv *kv = &langs->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_MAP)
			continue;
		r[n].o = &kv->key;
		r[n].key = u64_or_0(&kv->val, "added") + u64_or_0(&kv->val, "removed");
		r[n++].pos = i;
	}
	qsort(r, n, sizeof(*r), ranked_cmp);
	cf_buf_addstr(out, "\n  language                 files     added   removed   changed"
		      "  contributors  bus factor\n");
	for (uint32_t i = 0; i < n && i < TOP; i++) {
		const msgpack_object *v = &langs->via.map.ptr[r[i].pos].val;
		size_t cols;
		cf_buf_addstr(out, "  ");
		cols = add_fit(out, r[i].o->via.str.ptr, r[i].o->via.str.size, 20);
		pad(out, 20 - cols);
		cell_u64(out, v, "files", 10);
		cell_u64(out, v, "added", 10);
		cell_u64(out, v, "removed", 10);
		cell_u64(out, v, "changed", 10);
		cell_u64(out, v, "contributors", 14);
		cell_u64(out, v, "bus_factor", 12);
		cf_buf_addch(out, '\n');
	}
	if (n > TOP)
		cf_buf_addf(out, "  \xe2\x80\xa6 %u more\n", n - TOP);
	free(r);
}

static void text_devs(struct cf_buf *out, const msgpack_object *d)
{
	static const char *const keys[] = {
		"commits", "merges", "files", "contributors", "active_ticks", NULL
	};
	static const char *const labels[] = {
		"commits", "merges", "files", "contributors", "active ticks", NULL
	};
	static const char *const line_keys[] = { "added", "removed", "changed", NULL };
	static const char *const line_labels[] = {
		"lines added", "removed", "changed", NULL
	};
	const msgpack_object *people = get_type(d, "people", MSGPACK_OBJECT_ARRAY);

	add_counts(out, d, keys, labels);
	add_counts(out, d, line_keys, line_labels);
	bus_factor(out, d, people);
	devs_people(out, people);
	devs_languages(out, get_type(d, "languages", MSGPACK_OBJECT_MAP));
}

/* "  commits 64, files 9, ..." from numbers and array sizes of d. */
static void add_sizes(struct cf_buf *out, const msgpack_object *d,
		      const char *const *keys, const char *const *labels)
{
	size_t start = out->len;
	const msgpack_object *o;

	cf_buf_addstr(out, " ");
	for (int i = 0; keys[i]; i++) {
		o = d ? cf_obj_get(d, keys[i]) : NULL;
		if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			cf_buf_addf(out, " %s %llu,", labels[i], (unsigned long long)o->via.u64);
		else if (o && o->type == MSGPACK_OBJECT_ARRAY)
			cf_buf_addf(out, " %s %u,", labels[i], o->via.array.size);
	}
	if (out->buf[out->len - 1] == ',')
		out->len--;
	end_line(out, start);
}

/* A string field at the end of a line: fitted, not padded. */
static void last_cell(struct cf_buf *out, const msgpack_object *map, const char *key,
		      size_t width)
{
	const msgpack_object *o = get_type(map, key, MSGPACK_OBJECT_STR);

	if (o)
		add_fit(out, o->via.str.ptr, o->via.str.size, width);
}

/* The top pairs: co-changes, strength and both paths. */
static void text_couples(struct cf_buf *out, const msgpack_object *d)
{
	static const char *const keys[] = {
		"commits", "skipped_commits", "max_changes", "files", "matrix", "people", NULL
	};
	static const char *const labels[] = {
		"commits", "skipped", "cap", "files", "coupled pairs", "people", NULL
	};
	const msgpack_object *top = get_type(d, "top", MSGPACK_OBJECT_ARRAY);

	add_sizes(out, d, keys, labels);
	if (!top || !top->via.array.size)
		return;
	cf_buf_addstr(out, "\n  co-changes  strength  file 1                                file 2\n");
	for (uint32_t i = 0; i < top->via.array.size && i < TOP; i++) {
		const msgpack_object *t = &top->via.array.ptr[i];
		const msgpack_object *st = get_type(t, "strength", MSGPACK_OBJECT_FLOAT64);
		size_t start = out->len;
		cell_u64(out, t, "co_changes", 12);
		if (st)
			cf_buf_addf(out, "%10.3f  ", st->via.f64);
		else
			cf_buf_addf(out, "%10s  ", "");
		cell_str(out, t, "file1", 36);
		cf_buf_addstr(out, "  ");
		last_cell(out, t, "file2", 36);
		end_line(out, start);
	}
	if (top->via.array.size > TOP)
		cf_buf_addf(out, "  \xe2\x80\xa6 %u more\n", top->via.array.size - TOP);
}

/* The hotspots: commits, churn and path. */
static void text_file_history(struct cf_buf *out, const msgpack_object *d)
{
	static const char *const keys[] = { "commits", "files", "people", NULL };
	static const char *const labels[] = { "commits", "files", "people", NULL };
	const msgpack_object *hot = get_type(d, "hotspots", MSGPACK_OBJECT_ARRAY);

	add_sizes(out, d, keys, labels);
	if (!hot || !hot->via.array.size)
		return;
	cf_buf_addstr(out, "\n  hotspots    commits     churn  path\n");
	for (uint32_t i = 0; i < hot->via.array.size && i < TOP; i++) {
		const msgpack_object *h = &hot->via.array.ptr[i];
		size_t start = out->len;
		cf_buf_addf(out, "  %8u", i + 1);
		cell_u64(out, h, "commits", 11);
		cell_u64(out, h, "churn", 10);
		cf_buf_addstr(out, "  ");
		last_cell(out, h, "path", 70);
		end_line(out, start);
	}
	if (hot->via.array.size > TOP)
		cf_buf_addf(out, "  \xe2\x80\xa6 %u more\n", hot->via.array.size - TOP);
}

static void generic(struct cf_buf *out, const msgpack_object *o, int depth);

static int is_container(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_ARRAY || o->type == MSGPACK_OBJECT_MAP;
}

/* One key (or "-" for an array item) and a value that fits on its line. */
static void generic_item(struct cf_buf *out, const msgpack_object *key,
			 const msgpack_object *v, int depth)
{
	size_t start = out->len, key_end;
	int inline_value;

	pad(out, 2 * depth);
	if (!key) {
		cf_buf_addstr(out, "-");
	} else if (key->type == MSGPACK_OBJECT_STR) {
		add_fit(out, key->via.str.ptr, key->via.str.size, 40);
		cf_buf_addch(out, ':');
	} else {
		cf_json_obj(out, key, 0);
		cf_buf_addch(out, ':');
	}
	/* A value whose JSON fits on the line stays there; a large one is nested. */
	key_end = out->len;
	cf_buf_addch(out, ' ');
	cf_json_obj(out, v, 0);
	inline_value = !is_container(v) || out->len - start <= WIDTH;
	if (inline_value) {
		end_line(out, start);
		return;
	}
	cf_buf_setlen(out, key_end);
	if (v->type == MSGPACK_OBJECT_ARRAY)
		cf_buf_addf(out, " (%u items)", v->via.array.size);
	end_line(out, start);
	generic(out, v, depth + 1);
}

/* A nested key/value dump: at most TOP entries of any map or array. */
static void generic(struct cf_buf *out, const msgpack_object *o, int depth)
{
	uint32_t n = o->type == MSGPACK_OBJECT_MAP ? o->via.map.size : o->via.array.size;

	if (depth > 8) {
		pad(out, 2 * depth);
		cf_buf_addstr(out, "\xe2\x80\xa6\n");
		return;
	}
	for (uint32_t i = 0; i < n && i < TOP; i++) {
		if (o->type == MSGPACK_OBJECT_MAP && depth == 1 &&
		    key_is(&o->via.map.ptr[i].key, "schema"))
			continue;	/* in the title already */
		if (o->type == MSGPACK_OBJECT_MAP)
			generic_item(out, &o->via.map.ptr[i].key, &o->via.map.ptr[i].val, depth);
		else
			generic_item(out, NULL, &o->via.array.ptr[i], depth);
	}
	if (n > TOP) {
		pad(out, 2 * depth);
		cf_buf_addf(out, "\xe2\x80\xa6 %u more\n", n - TOP);
	}
}

static void render_text(struct cf_buf *out, const msgpack_object *doc)
{
	for (uint32_t i = 0; i < doc->via.map.size; i++) {
		const msgpack_object *k = &doc->via.map.ptr[i].key, *v = &doc->via.map.ptr[i].val;
		if (!i) {
			text_header(out, v);
			continue;
		}
		section_title(out, k, v);
		if (key_is(k, "burndown"))
			text_burndown(out, v);
		else if (key_is(k, "devs"))
			text_devs(out, v);
		else if (key_is(k, "couples"))
			text_couples(out, v);
		else if (key_is(k, "file-history"))
			text_file_history(out, v);
		else if (!cf_report_syntax(out, k, v, &doc->via.map.ptr[0].val))
			generic(out, v, 1);
	}
}

/* The summed scope record, for a later cf-reduce to add up again. */
static void pack_scope_record(const struct input *in, struct cf_buf *out)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	cf_scope_sums_pack(&in->scope, &pk, 1);
	cf_buf_add(out, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void render(struct input *in, enum format fmt, struct cf_buf *out,
		   const struct cf_render_sink *sink)
{
	msgpack_sbuffer sb;
	msgpack_unpacked doc;

	if (fmt == FMT_MSGPACK) {
		if (in->stream.raw)
			cf_buf_add(out, in->stream.raw, in->stream.len);
		for (size_t i = 0; i < in->nr; i++)
			cf_buf_add(out, in->results[i].raw, in->results[i].len);
		if (in->scope.seen)
			pack_scope_record(in, out);
		return;
	}
	pack_document(in, &sb);
	/* from the bytes: a large document decoded would be many times larger */
	if (fmt == FMT_JSON || fmt == FMT_YAML) {
		if (fmt == FMT_YAML)
			cf_buf_addstr(out, "---\n");
		if (!(fmt == FMT_JSON ? cf_json_raw_to(out, sb.data, sb.size, CF_JSON_PRETTY, sink)
				      : cf_yaml_raw(out, sb.data, sb.size, 0, sink)))
			BUG("the document does not decode");
		if (fmt == FMT_JSON)
			cf_buf_addch(out, '\n');
		msgpack_sbuffer_destroy(&sb);
		return;
	}
	msgpack_unpacked_init(&doc);
	if (msgpack_unpack_next(&doc, sb.data, sb.size, NULL) != MSGPACK_UNPACK_SUCCESS)
		BUG("the document does not decode");
	switch (fmt) {
	case FMT_PLOT:
		cf_plot_html(out, &doc.data);
		break;
	default:
		render_text(out, &doc.data);
		break;
	}
	msgpack_unpacked_destroy(&doc);
	msgpack_sbuffer_destroy(&sb);
}

static enum format parse_format(const char *s)
{
	if (!strcmp(s, "json"))
		return FMT_JSON;
	if (!strcmp(s, "yaml"))
		return FMT_YAML;
	if (!strcmp(s, "text"))
		return FMT_TEXT;
	if (!strcmp(s, "plot"))
		return FMT_PLOT;
	if (!strcmp(s, "msgpack"))
		return FMT_MSGPACK;
	usage_error("-f: unknown format '%s' (known: json, yaml, text, plot, msgpack)", s);
}

/* ---- merging the results of several repositories (cf/merge.h) ---- */

static int part_used(const struct input *in, size_t p)
{
	if (in->parts.stream_of[p] >= 0)
		return 1;
	for (size_t i = 0; i < in->nr; i++)
		if (in->results[i].part == p)
			return 1;
	return 0;
}

static int merge_needed(const struct input *in)
{
	size_t used = 0;

	for (size_t p = 0; p < in->parts.nr; p++)
		used += part_used(in, p);
	return used > 1 || in->parts.any_merged;
}

static void drop_kept(struct kept *k)
{
	msgpack_unpacked_destroy(&k->u);
	free(k->raw);
	free(k->analyzer);
	memset(k, 0, sizeof(*k));
}

/* Keeps the records of buf: the stream record, then results. */
static void keep_records(struct input *in, const struct cf_buf *buf)
{
	size_t off = 0;

	while (off < buf->len) {
		struct cf_record rec = { .raw = buf->buf + off, .number = 0 };
		msgpack_unpacked u;
		size_t start = off;
		struct kept *k;
		const msgpack_object *name;

		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, buf->buf, buf->len, &off) != MSGPACK_UNPACK_SUCCESS)
			BUG("a merged record does not decode");
		rec.raw_len = off - start;
		name = cf_obj_get(&u.data, "analyzer");
		if (!name) {
			keep(&in->stream, &rec);
		} else {
			CF_ALLOC_GROW(in->results, in->nr + 1, in->alloc);
			k = &in->results[in->nr++];
			keep(k, &rec);
			k->analyzer = xmemdupz(name->via.str.ptr, name->via.str.size);
		}
		msgpack_unpacked_destroy(&u);
	}
}

/* Replaces a kept result by the record that cf_anomaly_record makes of it. */
static void anomaly_again(struct kept *k, const struct cf_xseries *x)
{
	struct cf_buf out = CF_BUF_INIT;
	struct cf_record rec = { .number = k->number };
	char *analyzer = k->analyzer;
	size_t part = k->part;

	cf_anomaly_record(&out, kept_data(k), x);
	k->analyzer = NULL;
	drop_kept(k);
	rec.raw = out.buf;
	rec.raw_len = out.len;
	keep(k, &rec);
	k->analyzer = analyzer;
	k->part = part;
	cf_buf_release(&out);
}

static int is_anomaly3(struct kept *k)
{
	const msgpack_object *schema = cf_obj_get(kept_data(k), "schema");

	return !strcmp(k->analyzer, "anomaly") && schema &&
	       schema->type == MSGPACK_OBJECT_POSITIVE_INTEGER && schema->via.u64 == 3;
}

/*
 * Anomaly results that scored the series of other results (schema 3) are
 * merged as schema 2, and scored again from the merged quality and
 * sentiment results (cf/anomaly.h); returns whether there were any.
 */
static int anomaly_plain(struct input *in)
{
	int any = 0;

	for (size_t i = 0; i < in->nr; i++)
		if (is_anomaly3(&in->results[i])) {
			anomaly_again(&in->results[i], NULL);
			any = 1;
		}
	return any;
}

static void anomaly_rescore(struct input *in)
{
	struct cf_xseries *x = cf_xseries_new();
	const char *why;

	for (size_t i = 0; i < in->nr; i++)
		if (cf_xseries_add(x, in->results[i].analyzer, strlen(in->results[i].analyzer),
				   cf_obj_get(kept_data(&in->results[i]), "data"), &why) < 0)
			die_data("the merged '%s' result: %s", in->results[i].analyzer, why);
	for (size_t i = 0; i < in->nr; i++)
		if (!strcmp(in->results[i].analyzer, "anomaly") && cf_xseries_count(x))
			anomaly_again(&in->results[i], x);
	cf_xseries_free(x);
}

/* Replaces the results and the stream record by their merge. */
static void merge_results(struct input *in, uint64_t top, int shards)
{
	struct cf_merge *m = cf_merge_new(top);
	struct cf_buf out = CF_BUF_INIT;
	int anomaly3 = anomaly_plain(in);
	size_t nr = in->nr;

	if (shards)
		cf_merge_shards(m);
	for (size_t p = 0; p < in->parts.nr; p++) {
		long s = in->parts.stream_of[p];
		if (!part_used(in, p))
			continue;
		cf_merge_part(m, s < 0 ? NULL : kept_data(&in->parts.streams[s]),
			      s < 0 ? 0 : in->parts.streams[s].number);
		for (size_t i = 0; i < nr; i++)
			if (in->results[i].part == p)
				cf_merge_result(m, kept_data(&in->results[i]), in->results[i].number);
	}
	cf_merge_finish(m, &out);
	cf_merge_free(m);
	for (size_t i = 0; i < nr; i++)
		drop_kept(&in->results[i]);
	in->nr = 0;
	if (in->stream.raw)
		drop_kept(&in->stream);
	keep_records(in, &out);
	cf_buf_release(&out);
	if (anomaly3)
		anomaly_rescore(in);
}

/* --name: the stream record again, with the repository's name for a later merge. */
static void name_stream(struct input *in, const char *name)
{
	struct cf_buf out = CF_BUF_INIT;

	if (merge_needed(in))
		die("--name: the input holds the results of several repositories");
	if (!in->stream.raw)
		die("--name: the input has no stream record to name");
	cf_merge_name_stream(kept_data(&in->stream), name, &out);
	drop_kept(&in->stream);
	keep_records(in, &out);
	cf_buf_release(&out);
}

static void release_parts(struct parts *ps)
{
	for (size_t i = 0; i < ps->nr_streams; i++)
		drop_kept(&ps->streams[i]);
	free(ps->streams);
	free(ps->stream_of);
}

static void release_input(struct input *in)
{
	release_parts(&in->parts);
	for (size_t i = 0; i < in->nr; i++) {
		msgpack_unpacked_destroy(&in->results[i].u);
		free(in->results[i].raw);
		free(in->results[i].analyzer);
	}
	free(in->results);
	cf_scope_sums_release(&in->scope);
	if (in->stream.raw) {
		msgpack_unpacked_destroy(&in->stream.u);
		free(in->stream.raw);
	}
}

/* Standard input, or each FILE ("-" is standard input) as a part of its own. */
static void read_inputs(struct input *in, char **files, int nr)
{
	if (!nr) {
		read_input(in, 0);
		return;
	}
	for (int i = 0; i < nr; i++) {
		int fd = strcmp(files[i], "-") ? open(files[i], O_RDONLY | O_CLOEXEC) : 0;

		if (fd < 0)
			die_errno("cannot open '%s'", files[i]);
		new_part(&in->parts, -1);
		read_input(in, fd);
		if (fd)
			close(fd);
	}
}

static int open_barrier_fd(const char *arg)
{
	int fd = (int)cf_opt_uint("--barrier-fd", arg, 3, INT_MAX);

	if (fcntl(fd, F_GETFD) < 0)
		usage_error("--barrier-fd: %d is not an open file descriptor", fd);
	return fd;
}

static void write_part(void *out, const char *p, size_t len)
{
	cf_output_add(out, p, len);
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "barrier-fd", required_argument, NULL, 'B' },
		{ "name", required_argument, NULL, 'N' },
		{ "top", required_argument, NULL, 'T' },
		{ "shards", no_argument, NULL, 'S' },
		{ "progress", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum format fmt = FMT_JSON;
	const char *output = NULL;
	struct input in = { .barrier_fd = -1 };
	struct cf_buf doc = CF_BUF_INIT;
	struct cf_output out;
	const struct cf_render_sink sink = { write_part, &out };
	enum cf_progress_mode progress = CF_PROGRESS_AUTO;
	const char *name = NULL;
	uint64_t top = 20;
	int shards = 0;
	int c;

	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = parse_format(optarg);
			break;
		case 'o':
			if (!*optarg)
				usage_error("-o: empty file name");
			output = optarg;
			break;
		case 'B':
			in.barrier_fd = open_barrier_fd(optarg);
			break;
		case 'N':
			if (!*optarg || strchr(optarg, ':') || strchr(optarg, '/'))
				usage_error("--name: '%s' is not a name (empty, or with ':' or '/')",
					    optarg);
			name = optarg;
			break;
		case 'T':
			top = cf_opt_uint("--top", optarg, 0, UINT32_MAX);
			break;
		case 'S':
			shards = 1;
			break;
		case 'P':
		case 'q':
			progress = c == 'P' ? CF_PROGRESS_ON : CF_PROGRESS_OFF;
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			cf_usage_bad(usage);
		}
	}
	cf_progress_init(&in.progress, progress);
	read_inputs(&in, argv + optind, argc - optind);
	if (!in.nr)
		die("no analyzer results in the input");
	if (name && shards)
		usage_error("--name and --shards do not go together");
	if (name)
		name_stream(&in, name);
	else if (shards || merge_needed(&in))
		merge_results(&in, top, shards);
	/* json and yaml are written as they are made: the text is the largest copy of all */
	cf_output_begin(&out, output);
	render(&in, fmt, &doc, &sink);
	cf_output_add(&out, doc.buf, doc.len);
	cf_output_end(&out);
	cf_buf_release(&doc);
	release_input(&in);
	return 0;
}
