/*
 * cf-blobload: adds blob sizes, line counts and binary flags to the change
 * records of a stream, and puts the old and new bytes of every modified
 * text file before its change record (in the shared-memory arena).
 *
 * Records are gathered in batches of commits; the distinct blobs a batch
 * needs and does not have cached are read in pack order, split across
 * worker threads that each own an object-database handle, and the batch is
 * then written out in stream order by a thread of its own, while the next
 * batch is gathered and read: writing waits for ring space as the next
 * stage diffs, and reading is what the stage spends its CPU on.
 */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/arena.h"
#include "cf/blobcache.h"
#include "cf/buf.h"
#include "cf/odb.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/repo.h"
#include "cf/size.h"
#include "cf/slab.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-blobload [-v] [-j N] [--commit-batch-size N] [--blob-cache-size SIZE]\n"
"                   [--blob-arena-size SIZE] [--arenas N] [--delta-cache-size SIZE]\n"
"                   [--max-blob-size SIZE] [--batch-bytes SIZE]\n"
"                   [--release-memory] [--blobs=modified|all] REPO\n"
"\n"
"Adds blob sizes, line counts and binary flags to change records, and the old\n"
"and new bytes of each modified text file as blob records before its change.\n"
"\n"
"  -j, --workers N             threads reading blobs (default: online CPUs)\n"
"      --commit-batch-size N   commits whose blobs are read together (default 100)\n"
"      --blob-cache-size SIZE  blob bytes kept for reuse (default 1GiB)\n"
"      --blob-arena-size SIZE  one arena of the shared-memory ring for blob bytes\n"
"                              (default 4MiB; 0 sends every blob inline)\n"
"      --arenas N              arenas in the ring (default: twice the workers)\n"
"      --delta-cache-size SIZE delta bases each thread keeps (default 48MiB)\n"
"      --max-blob-size SIZE    larger blobs count as binary and are not read\n"
"                              (default 0: no limit)\n"
"      --batch-bytes SIZE      end a batch early once the text its changes send\n"
"                              is expected to reach SIZE (default 16MiB; 0: no\n"
"                              limit)\n"
"      --release-memory        give the memory malloc holds free back to the\n"
"                              system after each batch, and unmap the pack\n"
"                              indexes with the pages read (for a memory budget)\n"
"      --blobs=all             also send the new bytes of added text files\n"
"  -v, --verbose               report blobs read, cache hits and bytes on stderr\n"
"  -h, --help                  show this help\n";

/*
 * Default delta-base cache of each worker's object database.  Blob deltas
 * chain deeply: on git/git's history 32 MiB costs 36% more CPU than 64, 48
 * about the same as 64 and keeps the whole pipeline under 512 MiB.  A
 * memory budget sets it lower (cf-run derives --delta-cache-size).
 */
#define DELTA_CACHE ((uint64_t)48 << 20)
/*
 * Default --batch-bytes.  One large commit can bring a hundred times the
 * usual batch's text, and two batches are held: on git/git's history this
 * keeps cf-blobload 40 MiB smaller (310 -> 270 MiB) at the same CPU time.
 */
#define BATCH_BYTES ((uint64_t)16 << 20)

/* One distinct blob a batch reads. */
struct want {
	struct cf_oid oid;
	uint64_t locality;
	unsigned keep:1;	/* keep the bytes: a text modification or the cache wants them */
	unsigned cache:1;	/* a new side: offer the bytes to the cache afterwards */
	unsigned failed:1;
	unsigned over:1;	/* over --max-blob-size, not read */
	enum cf_obj_type type;
	struct cf_blobinfo info;
	char *data;		/* in its reader's slab */
	size_t len;
};

struct side {
	struct cf_oid oid;
	int32_t want;		/* index into the batch's wants, or -1 */
	const char *data;	/* bytes from the cache */
	size_t len;
	struct cf_blobinfo info;	/* without a want: known when planned */
	unsigned known:1;
};

/* A record of the batch: passed through, or a change to complete. */
struct item {
	size_t off, len;	/* the raw record, or a change's packed fields */
	char status;		/* 0: pass through; 'A', 'D' or 'M' */
	uint32_t nfields;
	uint64_t version;
	size_t path_off, path_len;
	struct cf_oid commit;
	struct side old, new;
};

/* Where the memory was when the stage was largest (-v). */
struct peak {
	uint64_t resident;
	uint64_t cache, delta, batch;	/* bytes held by each */
	uint64_t in_use, taken;		/* malloc's, 0 where unknown */
};

struct stats {
	uint64_t commits, changes, batches;
	uint64_t reads, read_bytes;	/* blobs read from the repository */
	uint64_t hits, hit_bytes;	/* text sides served by the byte cache */
	uint64_t shared;		/* text sides read once for several changes of a batch */
	uint64_t misses;		/* text sides that had to be read */
	uint64_t info_hits;		/* sides whose numbers were known */
	uint64_t over;			/* blobs over --max-blob-size */
	uint64_t arena_blobs, inline_blobs, blob_bytes;
	uint64_t beside;		/* inline: would not fit beside its old side */
	struct peak peak;
};

struct fate;

struct worker {
	pthread_t thread;
	struct stage *st;
	struct cf_odb *odb;
	struct cf_buf scratch;
	size_t first, end;	/* the slice of wants it reads */
};

/*
 * The records of one batch and the blobs read for them.  Two take turns:
 * the main thread gathers and reads one while the writing thread writes
 * the other out.
 */
struct batch {
	struct cf_buf buf;	/* raw records and packed fields */
	msgpack_packer pk;	/* packs into buf */
	struct item *items;
	size_t nr_items, alloc_items;
	struct want *wants;
	size_t nr_wants, alloc_wants;
	struct cf_slab *slabs;	/* one per worker: the bytes of its wants */
};

struct stage {
	struct cf_reader reader;
	struct cf_writer w;
	struct cf_blobinfo_map infos;
	struct cf_blobcache cache;
	struct cf_arena *arena;
	uint64_t arena_size;		/* the ring: --arenas x --blob-arena-size */
	uint64_t max_blob;
	uint64_t batch_bytes;		/* --batch-bytes, 0: no limit */
	uint64_t expected;		/* the batch's text bytes, as far as known */
	int all_blobs;			/* --blobs=all: added files' bytes too */
	uint64_t too_large;		/* changes with a blob over max_blob */
	int seen_stream;
	int release_memory;	/* --release-memory */
	int verbose;

	struct batch batches[2];
	struct batch *fill;	/* the one the main thread gathers and reads */
	uint32_t *order;	/* wants in pack order */
	size_t alloc_order;
	uint32_t *slots;	/* want index + 1, by oid: dedupes a batch's reads */
	size_t nr_slots;
	struct fate *fates;	/* nr_slots of them, by oid, at the batch's end */
	size_t alloc_fates;
	uint64_t batch_commits;
	struct cf_oid commit;	/* the last commit record's id */

	int nr_workers;
	struct worker *workers;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen, finished;
	int quit;

	/* The writing thread, and the batch it writes (NULL: none). */
	pthread_t writer;
	pthread_mutex_t wmu;
	pthread_cond_t wcv;
	struct batch *job;
	int wquit;

	struct stats stats;
};

static int buf_write(void *data, const char *s, size_t len)
{
	cf_buf_add(data, s, len);
	return 0;
}

/* Keys this stage writes; an old value in the input is replaced. */
static int is_own_key(const msgpack_object *k)
{
	static const char *const keys[] = {
		"t", "v", "old_size", "new_size", "old_lines", "new_lines", "bin", "new_bin",
	};

	if (k->type != MSGPACK_OBJECT_STR)
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (k->via.str.size == strlen(keys[i]) &&
		    !memcmp(k->via.str.ptr, keys[i], k->via.str.size))
			return 1;
	return 0;
}

/* A modification, or a rename with edits: both blobs go to cf-diff. */
static int pairs_blobs(const struct item *it)
{
	return it->status == 'M' ||
	       (it->status == 'R' && cf_oid_cmp(&it->old.oid, &it->new.oid));
}

/*
 * The text bytes a change will send, for --batch-bytes: twice its old
 * side's size when that is known from an earlier batch (a modification
 * rarely changes a file's size much), an added file's size likewise;
 * unknown sizes count nothing.  A batch's blobs are all held until it is
 * written out, so this bounds the batch's memory, not exactly but for the
 * typical history.
 */
static uint64_t expected_bytes(const struct stage *st, const struct item *it)
{
	const struct cf_blobinfo *info;

	if (pairs_blobs(it)) {
		info = cf_blobinfo_get(&st->infos, &it->old.oid);
		return info && !info->binary ? 2 * info->size : 0;
	}
	if (st->all_blobs && it->status == 'A') {
		info = cf_blobinfo_get(&st->infos, &it->new.oid);
		return info && !info->binary ? info->size : 0;
	}
	return 0;
}

static struct item *new_item(struct batch *b)
{
	struct item *it;

	CF_ALLOC_GROW(b->items, b->nr_items + 1, b->alloc_items);
	it = &b->items[b->nr_items++];
	memset(it, 0, sizeof(*it));
	it->old.want = it->new.want = -1;
	return it;
}

static void add_raw(struct stage *st, const struct cf_record *rec)
{
	struct batch *b = st->fill;
	struct item *it = new_item(b);

	it->off = b->buf.len;
	it->len = rec->raw_len;
	cf_buf_add(&b->buf, rec->raw, rec->raw_len);
}

static void add_change(struct stage *st, const struct cf_record *rec)
{
	const msgpack_object_map *m = &rec->map->via.map;
	size_t slen, plen;
	const char *s = cf_rec_str(rec, "s", &slen);
	const char *path = cf_rec_str(rec, "path", &plen);
	struct batch *b = st->fill;
	struct item *it;

	if (slen != 1 || !strchr("ADMR", s[0]))
		cf_rec_die(rec, "'s' must be \"A\", \"D\", \"M\" or \"R\"");
	it = new_item(b);
	it->status = s[0];
	it->version = rec->version;
	it->commit = st->commit;
	if (it->status != 'A')
		cf_rec_oid(rec, "old", &it->old.oid);
	if (it->status != 'D')
		cf_rec_oid(rec, "new", &it->new.oid);
	it->path_off = b->buf.len;
	it->path_len = plen;
	cf_buf_add(&b->buf, path, plen);
	it->off = b->buf.len;
	for (uint32_t i = 0; i < m->size; i++) {
		if (is_own_key(&m->ptr[i].key))
			continue;
		msgpack_pack_object(&b->pk, m->ptr[i].key);
		msgpack_pack_object(&b->pk, m->ptr[i].val);
		it->nfields++;
	}
	it->len = b->buf.len - it->off;
	st->stats.changes++;
	st->expected += expected_bytes(st, it);
}

/* Returns the index of the batch's read of oid, adding it if new. */
static int32_t want(struct stage *st, const struct cf_oid *oid, int keep, int cache,
		    int *shared)
{
	size_t mask = st->nr_slots - 1, i = cf_oid_hash(oid) & mask;
	struct batch *b = st->fill;
	struct want *w;

	for (; st->slots[i]; i = (i + 1) & mask) {
		w = &b->wants[st->slots[i] - 1];
		if (!cf_oid_cmp(&w->oid, oid)) {
			w->keep |= keep;
			w->cache |= cache;
			*shared = 1;
			return st->slots[i] - 1;
		}
	}
	CF_ALLOC_GROW(b->wants, b->nr_wants + 1, b->alloc_wants);
	w = &b->wants[b->nr_wants];
	memset(w, 0, sizeof(*w));
	w->oid = *oid;
	w->keep = keep;
	w->cache = cache;
	st->slots[i] = ++b->nr_wants;
	return b->nr_wants - 1;
}

static void plan_side(struct stage *st, struct side *sd, int need_bytes, int is_new)
{
	const struct cf_blobinfo *info = cf_blobinfo_get(&st->infos, &sd->oid);
	int shared = 0;

	/* The writing thread must not look into the map the main thread fills. */
	if (info) {
		sd->info = *info;
		sd->known = 1;
	}
	if (need_bytes) {
		sd->data = cf_blobcache_get(&st->cache, &sd->oid, &sd->len);
		if (sd->data) {
			st->stats.hits++;
			st->stats.hit_bytes += sd->len;
			return;
		}
		sd->want = want(st, &sd->oid, 1, is_new, &shared);
		if (shared)
			st->stats.shared++;
		else
			st->stats.misses++;
		return;
	}
	if (info) {
		st->stats.info_hits++;
		return;
	}
	/* An added file is read anyway: keep it for its next modification. */
	sd->want = want(st, &sd->oid, is_new, is_new, &shared);
}

static int known_binary(struct stage *st, const struct cf_oid *oid)
{
	const struct cf_blobinfo *info = cf_blobinfo_get(&st->infos, oid);

	return info && info->binary;
}

/* Decides what each change needs: numbers only, or bytes too. */
static void plan(struct stage *st)
{
	struct batch *b = st->fill;
	size_t slots = 64;

	while (slots < 4 * b->nr_items)
		slots *= 2;
	if (slots > st->nr_slots) {
		free(st->slots);
		st->slots = xcalloc(slots, sizeof(*st->slots));
		st->nr_slots = slots;
	} else {
		memset(st->slots, 0, st->nr_slots * sizeof(*st->slots));
	}
	b->nr_wants = 0;
	for (size_t i = 0; i < b->nr_items; i++) {
		struct item *it = &b->items[i];
		int text = (pairs_blobs(it) || (st->all_blobs && it->status == 'A')) &&
			   !known_binary(st, &it->old.oid) && !known_binary(st, &it->new.oid);

		if (!it->status)
			continue;
		if (it->status != 'A')
			plan_side(st, &it->old, text, 0);
		if (it->status != 'D')
			plan_side(st, &it->new, text, 1);
	}
}

static void read_one(struct stage *st, struct worker *wk, struct want *w)
{
	struct cf_odb *odb = wk->odb;
	struct cf_buf *scratch = &wk->scratch;
	size_t size;

	if (st->max_blob) {
		if (cf_odb_read_header(odb, &w->oid, &w->type, &size) < 0) {
			w->failed = 1;
			return;
		}
		if (w->type == CF_OBJ_BLOB && size > st->max_blob) {
			w->over = 1;
			w->info.size = size;
			w->info.binary = w->info.skipped = 1;
			return;
		}
	}
	if (cf_odb_read(odb, &w->oid, &w->type, scratch) < 0 || w->type != CF_OBJ_BLOB) {
		w->failed = 1;
		return;
	}
	w->info.size = scratch->len;
	w->info.lines = cf_count_lines(scratch->buf, scratch->len);
	w->info.binary = cf_is_binary(scratch->buf, scratch->len);
	if (w->keep && !w->info.binary) {
		w->data = cf_slab_dup(&st->fill->slabs[wk - st->workers],
				      scratch->buf, scratch->len);
		w->len = scratch->len;
	}
}

static void read_slice(struct worker *wk)
{
	struct stage *st = wk->st;

	for (size_t i = wk->first; i < wk->end; i++)
		read_one(st, wk, &st->fill->wants[st->order[i]]);
}

static void *worker_main(void *data)
{
	struct worker *wk = data;
	struct stage *st = wk->st;
	unsigned seen = 0;

	for (;;) {
		pthread_mutex_lock(&st->mu);
		while (st->gen == seen && !st->quit)
			pthread_cond_wait(&st->go, &st->mu);
		seen = st->gen;
		if (st->quit) {
			pthread_mutex_unlock(&st->mu);
			return NULL;
		}
		pthread_mutex_unlock(&st->mu);
		read_slice(wk);
		pthread_mutex_lock(&st->mu);
		st->finished++;
		pthread_cond_signal(&st->done);
		pthread_mutex_unlock(&st->mu);
	}
}

static struct want *sort_base;	/* qsort has no context argument */

static int cmp_locality(const void *a, const void *b)
{
	const struct want *x = &sort_base[*(const uint32_t *)a];
	const struct want *y = &sort_base[*(const uint32_t *)b];

	if (x->locality != y->locality)
		return x->locality < y->locality ? -1 : 1;
	return cf_oid_cmp(&x->oid, &y->oid);
}

/* Reads every want, in pack order, each worker a contiguous slice. */
static void read_wants(struct stage *st)
{
	struct want *wants = st->fill->wants;
	size_t n = st->fill->nr_wants;
	int nw = st->nr_workers;

	CF_ALLOC_GROW(st->order, n, st->alloc_order);
	for (size_t i = 0; i < n; i++) {
		wants[i].locality = cf_odb_locality(st->workers[0].odb, &wants[i].oid);
		st->order[i] = i;
	}
	sort_base = wants;
	qsort(st->order, n, sizeof(*st->order), cmp_locality);
	if (n < 8 || nw == 1) {
		st->workers[0].first = 0;
		st->workers[0].end = n;
		read_slice(&st->workers[0]);
		return;
	}
	for (int i = 0; i < nw; i++) {
		st->workers[i].first = n * i / nw;
		st->workers[i].end = n * (i + 1) / nw;
	}
	pthread_mutex_lock(&st->mu);
	st->finished = 0;
	st->gen++;
	pthread_cond_broadcast(&st->go);
	pthread_mutex_unlock(&st->mu);
	read_slice(&st->workers[0]);
	pthread_mutex_lock(&st->mu);
	while (st->finished < (unsigned)nw - 1)
		pthread_cond_wait(&st->done, &st->mu);
	pthread_mutex_unlock(&st->mu);
}

static void flush_writer(void *data)
{
	cf_writer_flush(data);
}

static void emit_arena(struct stage *st)
{
	msgpack_packer *pk;

	st->arena = cf_arena_create(st->arena_size);
	pk = cf_writer_begin(&st->w, CF_REC_ARENA, 1, 3);
	cf_pack_kv_u64(pk, "id", cf_arena_id(st->arena));
	cf_pack_kv_str(pk, "path", cf_arena_path(st->arena));
	cf_pack_kv_u64(pk, "size", cf_arena_size(st->arena));
	cf_writer_end(&st->w);
}

#define NO_OFF UINT64_MAX

static uint64_t emit_arena_blob(struct stage *st, const struct cf_oid *oid,
				const char *data, size_t len)
{
	msgpack_packer *pk;
	uint64_t off;

	memcpy(cf_arena_alloc(st->arena, len, &off, flush_writer, &st->w), data, len);
	pk = cf_writer_begin(&st->w, CF_REC_BLOB, 1, 4);
	cf_pack_kv_oid(pk, "oid", oid);
	cf_pack_kv_u64(pk, "size", len);
	cf_pack_kv_u64(pk, "arena", cf_arena_id(st->arena));
	cf_pack_kv_u64(pk, "off", off);
	cf_writer_end(&st->w);
	st->stats.arena_blobs++;
	return off;
}

static void emit_inline_blob(struct stage *st, const struct cf_oid *oid,
			     const char *data, size_t len)
{
	msgpack_packer *pk = cf_writer_begin(&st->w, CF_REC_BLOB, 1, 3);

	cf_pack_kv_oid(pk, "oid", oid);
	cf_pack_kv_u64(pk, "size", len);
	cf_pack_str(pk, "data");
	cf_pack_bin(pk, data, len);
	cf_writer_end(&st->w);
	st->stats.inline_blobs++;
}

/*
 * Writes a blob record and returns its position in the arena, or NO_OFF
 * when it travels inline.  keep is the position of a blob the consumer must
 * still hold when it reads this one (NO_OFF: none): if both cannot be in
 * the ring together, this one travels inline, or we would wait forever.
 */
static uint64_t emit_blob(struct stage *st, const struct cf_oid *oid, const char *data,
			  size_t len, uint64_t keep)
{
	st->stats.blob_bytes += len;
	if (st->arena_size && !st->arena)
		emit_arena(st);	/* before the first blob record, inline or not */
	if (!st->arena_size || len > st->arena_size) {
		emit_inline_blob(st, oid, data, len);
		return NO_OFF;
	}
	if (keep != NO_OFF && !cf_arena_fits_after(st->arena, keep, len)) {
		st->stats.beside++;
		emit_inline_blob(st, oid, data, len);
		return NO_OFF;
	}
	return emit_arena_blob(st, oid, data, len);
}

static _Noreturn void read_failed(const struct batch *b, const struct item *it,
				  const struct want *w)
{
	char hex[CF_OID_HEXSZ + 1], chex[CF_OID_HEXSZ + 1];
	const char *path = xmemdupz(b->buf.buf + it->path_off, it->path_len);

	cf_oid_to_hex(&w->oid, hex);
	cf_oid_to_hex(&it->commit, chex);
	if (w->type != CF_OBJ_BLOB && w->type != CF_OBJ_NONE)
		die("object '%s' of '%s' in commit %s is not a blob", hex, path, chex);
	die("cannot read blob '%s' of '%s' in commit %s", hex, path, chex);
}

/* Dies on the first blob of the batch that could not be read, in stream order. */
static void check_reads(const struct batch *b)
{
	for (size_t i = 0; i < b->nr_items; i++) {
		const struct item *it = &b->items[i];

		if (it->old.want >= 0 && b->wants[it->old.want].failed)
			read_failed(b, it, &b->wants[it->old.want]);
		if (it->new.want >= 0 && b->wants[it->new.want].failed)
			read_failed(b, it, &b->wants[it->new.want]);
	}
}

static void side_info(const struct batch *b, const struct item *it, const struct side *sd,
		      struct cf_blobinfo *info)
{
	if (sd->want >= 0)
		*info = b->wants[sd->want].info;
	else if (sd->known)
		*info = sd->info;
	else
		BUG("blob of change %zu neither read nor known", (size_t)(it - b->items));
}

static void side_bytes(const struct batch *b, const struct side *sd,
		       const char **data, size_t *len)
{
	if (sd->want < 0) {
		*data = sd->data;
		*len = sd->len;
	} else {
		*data = b->wants[sd->want].data;
		*len = b->wants[sd->want].len;
	}
	if (!*data)
		BUG("text side without bytes");
}

static void emit_change(struct stage *st, const struct batch *b, const struct item *it)
{
	struct cf_blobinfo o = { 0 }, n = { 0 };
	msgpack_packer *pk;

	if (it->status != 'A')
		side_info(b, it, &it->old, &o);
	if (it->status != 'D')
		side_info(b, it, &it->new, &n);
	st->too_large += o.skipped || n.skipped;
	if (pairs_blobs(it) && !o.binary && !n.binary) {
		const char *data;
		size_t len;
		uint64_t keep;

		side_bytes(b, &it->old, &data, &len);
		keep = emit_blob(st, &it->old.oid, data, len, NO_OFF);
		side_bytes(b, &it->new, &data, &len);
		emit_blob(st, &it->new.oid, data, len, keep);
	} else if (st->all_blobs && it->status == 'A' && !n.binary) {
		const char *data;
		size_t len;

		side_bytes(b, &it->new, &data, &len);
		emit_blob(st, &it->new.oid, data, len, NO_OFF);
	}
	pk = cf_writer_begin(&st->w, CF_REC_CHANGE, it->version, it->nfields + 6);
	cf_buf_add(&st->w.buf, b->buf.buf + it->off, it->len);
	cf_pack_kv_u64(pk, "old_size", o.size);
	cf_pack_kv_u64(pk, "new_size", n.size);
	cf_pack_kv_u64(pk, "old_lines", o.lines);
	cf_pack_kv_u64(pk, "new_lines", n.lines);
	cf_pack_kv_bool(pk, "bin", o.binary || n.binary);
	cf_pack_kv_bool(pk, "new_bin", n.binary);
	cf_writer_end(&st->w);
}

/* The writing thread's work: the batch in stream order. */
static void write_batch(struct stage *st, const struct batch *b)
{
	for (size_t i = 0; i < b->nr_items; i++) {
		const struct item *it = &b->items[i];

		if (it->status)
			emit_change(st, b, it);
		else
			cf_writer_raw(&st->w, b->buf.buf + it->off, it->len);
	}
}

/*
 * Each batch is flushed once written: the main thread may be waiting for
 * input by then, and the next stage must not wait for records we hold.
 */
static void *writer_main(void *data)
{
	struct stage *st = data;
	struct batch *b;

	pthread_mutex_lock(&st->wmu);
	for (;;) {
		while (!st->job && !st->wquit)
			pthread_cond_wait(&st->wcv, &st->wmu);
		if (!st->job)
			break;
		b = st->job;
		pthread_mutex_unlock(&st->wmu);
		write_batch(st, b);
		cf_writer_flush(&st->w);
		pthread_mutex_lock(&st->wmu);
		st->job = NULL;
		pthread_cond_broadcast(&st->wcv);
	}
	pthread_mutex_unlock(&st->wmu);
	return NULL;
}

static void hand_to_writer(struct stage *st, struct batch *b)
{
	pthread_mutex_lock(&st->wmu);
	st->job = b;
	pthread_cond_broadcast(&st->wcv);
	pthread_mutex_unlock(&st->wmu);
}

static void wait_for_writer(struct stage *st)
{
	pthread_mutex_lock(&st->wmu);
	while (st->job)
		pthread_cond_wait(&st->wcv, &st->wmu);
	pthread_mutex_unlock(&st->wmu);
}

/* The last thing the batch did with a blob: (re)placed it at a path, or replaced it. */
struct fate {
	const struct cf_oid *oid;
	int live;
};

static void set_fate(struct stage *st, const struct cf_oid *oid, int live)
{
	size_t mask = st->nr_slots - 1, i = cf_oid_hash(oid) & mask;

	for (; st->fates[i].oid; i = (i + 1) & mask)
		if (!cf_oid_cmp(st->fates[i].oid, oid))
			break;
	st->fates[i].oid = oid;
	st->fates[i].live = live;
}

static int is_live(const struct stage *st, const struct cf_oid *oid)
{
	size_t mask = st->nr_slots - 1, i = cf_oid_hash(oid) & mask;

	for (; st->fates[i].oid; i = (i + 1) & mask)
		if (!cf_oid_cmp(st->fates[i].oid, oid))
			return st->fates[i].live;
	return 0;
}

/*
 * Once a blob was an old side its path has moved on (or was deleted): unless
 * a later change of the batch brings the same bytes back (a revert, a
 * rename), nothing is expected to ask for them again, and caching them would
 * only push out blobs that will be.  A copy of the file at another path loses
 * its cached bytes too; it is read again if modified: slower, never wrong.
 * Afterwards is_live() says which of the batch's new sides to cache.
 */
static void drop_consumed(struct stage *st, const struct batch *b)
{
	CF_ALLOC_GROW(st->fates, st->nr_slots, st->alloc_fates);
	memset(st->fates, 0, st->nr_slots * sizeof(*st->fates));
	for (size_t n = 0; n < b->nr_items; n++) {
		const struct item *it = &b->items[n];

		if (it->status && it->status != 'A')
			set_fate(st, &it->old.oid, 0);
		if (it->status && it->status != 'D')
			set_fate(st, &it->new.oid, 1);
	}
	for (size_t i = 0; i < st->nr_slots; i++)
		if (st->fates[i].oid && !st->fates[i].live)
			cf_blobcache_drop(&st->cache, st->fates[i].oid);
}

/*
 * Remembers what the batch read, before it is written out, so that the next
 * batch is planned with it: new sides' bytes go to the cache.  Cached bytes
 * the batch still writes out are only retired when they leave (the cache
 * defers), and freed once the batch is written.
 */
static void remember(struct stage *st, const struct batch *b)
{
	drop_consumed(st, b);
	for (size_t i = 0; i < b->nr_wants; i++) {
		const struct want *w = &b->wants[i];

		st->stats.reads += !w->over;
		st->stats.read_bytes += w->over ? 0 : w->info.size;
		st->stats.over += w->over;
		cf_blobinfo_put(&st->infos, &w->oid, &w->info);
		if (w->data && w->cache && is_live(st, &w->oid))
			cf_blobcache_put(&st->cache, &w->oid, xmemdupz(w->data, w->len), w->len);
	}
}

/* Empties a written batch for the main thread to fill again. */
static void recycle(struct stage *st, struct batch *b)
{
	for (int i = 0; i < st->nr_workers; i++)
		cf_slab_reset(&b->slabs[i]);
	b->nr_items = 0;
	b->nr_wants = 0;
	cf_buf_reset(&b->buf);
}

static uint64_t resident_bytes(void)
{
	unsigned long long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * With -v, after a batch's blobs are read (when it holds the most): if the
 * stage is larger than ever, what holds its memory.  The batches' bytes are
 * those of the slabs their blobs were read into, the one being written out
 * included; the cache's include the retired bytes it still writes out.
 */
static void sample_memory(struct stage *st)
{
	uint64_t resident = resident_bytes();
	struct peak *p = &st->stats.peak;

	if (resident <= p->resident)
		return;
	memset(p, 0, sizeof(*p));
	p->resident = resident;
	p->cache = st->cache.bytes + st->cache.retired_bytes;
	for (int i = 0; i < st->nr_workers; i++) {
		p->delta += cf_odb_cache_bytes(st->workers[i].odb);
		for (int j = 0; j < 2; j++)
			p->batch += st->batches[j].slabs[i].bytes;
	}
#ifdef __GLIBC__
	{
		struct mallinfo2 mi = mallinfo2();
		p->in_use = mi.uordblks + mi.hblkhd;
		p->taken = mi.arena + mi.hblkhd;
	}
#endif
}

/*
 * Reads the batch while the writing thread writes the previous one, then
 * hands it over and goes on filling the other.
 */
static void process_batch(struct stage *st)
{
	struct batch *b = st->fill;

	if (!b->nr_items)
		return;
	st->stats.batches++;
	plan(st);
	if (b->nr_wants)
		read_wants(st);
	check_reads(b);
	if (st->verbose)
		sample_memory(st);
	wait_for_writer(st);
	cf_blobcache_reap(&st->cache);
	remember(st, b);
	hand_to_writer(st, b);
	st->fill = &st->batches[b == st->batches];
	recycle(st, st->fill);
	/* Freed blobs leave holes in malloc's heap that it keeps resident. */
	if (st->release_memory)
		malloc_trim(0);
	st->batch_commits = 0;
	st->expected = 0;
}

static void start_workers(struct stage *st, const char *gitdir, int n, uint64_t delta_cache)
{
	st->nr_workers = n;
	st->workers = xcalloc(n, sizeof(*st->workers));
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->go, NULL);
	pthread_cond_init(&st->done, NULL);
	for (int i = 0; i < n; i++) {
		struct worker *wk = &st->workers[i];

		wk->st = st;
		wk->odb = i ? cf_odb_share(st->workers[0].odb, (size_t)delta_cache)
			    : cf_odb_open(gitdir, (size_t)delta_cache);
		if (!wk->odb)
			die("cannot read the objects of '%s'", gitdir);
		cf_odb_trim_index(wk->odb, st->release_memory);
		/* Worker 0 is the main thread itself. */
		if (i && pthread_create(&wk->thread, NULL, worker_main, wk))
			die("cannot start a reading thread");
	}
}

static void stop_workers(struct stage *st)
{
	pthread_mutex_lock(&st->mu);
	st->quit = 1;
	pthread_cond_broadcast(&st->go);
	pthread_mutex_unlock(&st->mu);
	/* The other handles borrow worker 0's mappings: it goes last. */
	for (int i = st->nr_workers - 1; i >= 0; i--) {
		if (i)
			pthread_join(st->workers[i].thread, NULL);
		cf_odb_free(st->workers[i].odb);
		cf_buf_release(&st->workers[i].scratch);
	}
	free(st->workers);
}

static void start_writer(struct stage *st)
{
	for (int i = 0; i < 2; i++) {
		struct batch *b = &st->batches[i];

		cf_buf_init(&b->buf, 1 << 16);
		msgpack_packer_init(&b->pk, &b->buf, buf_write);
		b->slabs = xcalloc(st->nr_workers, sizeof(*b->slabs));
	}
	st->fill = &st->batches[0];
	st->cache.defer = 1;
	pthread_mutex_init(&st->wmu, NULL);
	pthread_cond_init(&st->wcv, NULL);
	if (pthread_create(&st->writer, NULL, writer_main, st))
		die("cannot start the writing thread");
}

static void stop_writer(struct stage *st)
{
	pthread_mutex_lock(&st->wmu);
	st->wquit = 1;
	pthread_cond_broadcast(&st->wcv);
	pthread_mutex_unlock(&st->wmu);
	pthread_join(st->writer, NULL);
	for (int i = 0; i < 2; i++) {
		struct batch *b = &st->batches[i];

		for (int j = 0; j < st->nr_workers; j++)
			cf_slab_release(&b->slabs[j]);
		free(b->slabs);
		cf_buf_release(&b->buf);
		free(b->items);
		free(b->wants);
	}
}

static void report_peak(const struct peak *p)
{
	char b[6][32], m[96] = "";

	/* Another allocator (a sanitizer's) tells glibc's counters nothing. */
	if (p->taken)
		snprintf(m, sizeof(m), "; malloc: %s in use of %s taken",
			 cf_size_str(p->in_use, b[4]), cf_size_str(p->taken, b[5]));
	cf_note("memory at the largest: %s resident; blob cache %s, delta caches %s, "
		"batch slabs %s%s",
		cf_size_str(p->resident, b[0]), cf_size_str(p->cache, b[1]),
		cf_size_str(p->delta, b[2]), cf_size_str(p->batch, b[3]), m);
}

static void report(const struct stage *st)
{
	const struct stats *s = &st->stats;
	char b1[32], b2[32], b3[32];
	uint64_t text = s->hits + s->shared + s->misses;

	cf_note("%llu commits, %llu changes in %llu batches",
		(unsigned long long)s->commits, (unsigned long long)s->changes,
		(unsigned long long)s->batches);
	cf_note("blobs read: %llu (%s); numbers known without reading: %llu sides; "
		"over --max-blob-size: %llu",
		(unsigned long long)s->reads, cf_size_str(s->read_bytes, b1),
		(unsigned long long)s->info_hits, (unsigned long long)s->over);
	cf_note("text sides: %llu; from the blob cache: %llu (%.1f%%, %s); "
		"shared within a batch: %llu (%.1f%%); read: %llu",
		(unsigned long long)text, (unsigned long long)s->hits,
		text ? 100.0 * s->hits / text : 0.0, cf_size_str(s->hit_bytes, b2),
		(unsigned long long)s->shared, text ? 100.0 * s->shared / text : 0.0,
		(unsigned long long)s->misses);
	cf_note("blob cache: %llu evicted, %llu dropped after use, %s held at the end",
		(unsigned long long)st->cache.evicted, (unsigned long long)st->cache.dropped,
		cf_size_str(st->cache.bytes, b3));
	cf_note("blob records: %llu in the arena, %llu inline (%llu of them beside "
		"their old side), %s",
		(unsigned long long)s->arena_blobs, (unsigned long long)s->inline_blobs,
		(unsigned long long)s->beside, cf_size_str(s->blob_bytes, b1));
	report_peak(&s->peak);
}

/* What --max-blob-size left unread, for cf-reduce to add up (cf-records(5)). */
static void write_scope(struct stage *st)
{
	msgpack_packer *pk = cf_writer_begin(&st->w, "scope", 1, 1);

	cf_pack_str(pk, "skipped");
	msgpack_pack_map(pk, 1);
	cf_pack_kv_u64(pk, "too_large", st->too_large);
	cf_writer_end(&st->w);
}

static void run(struct stage *st, uint64_t batch_size)
{
	struct cf_record rec;

	while (cf_reader_next(&st->reader, &rec)) {
		if (cf_rec_is(&rec, CF_REC_COMMIT)) {
			if (st->batch_commits >= batch_size)
				process_batch(st);
			st->batch_commits++;
			st->stats.commits++;
			cf_rec_oid(&rec, "id", &st->commit);
			add_raw(st, &rec);
		} else if (cf_rec_is(&rec, CF_REC_CHANGE)) {
			add_change(st, &rec);
			/* A batch may end between two changes of a commit: records keep their order. */
			if (st->batch_bytes && st->expected >= st->batch_bytes)
				process_batch(st);
		} else {
			st->seen_stream |= cf_rec_is(&rec, CF_REC_STREAM);
			add_raw(st, &rec);
		}
		/* Never hold finished work while waiting for input. */
		if (!cf_reader_ready(&st->reader))
			process_batch(st);
	}
	process_batch(st);
	wait_for_writer(st);
	if (st->seen_stream)
		write_scope(st);
}

int cmd_main(int argc, char **argv)
{
	enum { OPT_BATCH = 256, OPT_CACHE, OPT_ARENA, OPT_DELTA, OPT_MAX, OPT_BLOBS,
	       OPT_BATCH_BYTES, OPT_RELEASE, OPT_ARENAS };
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'j' },
		{ "commit-batch-size", required_argument, NULL, OPT_BATCH },
		{ "blob-cache-size", required_argument, NULL, OPT_CACHE },
		{ "blob-arena-size", required_argument, NULL, OPT_ARENA },
		{ "arenas", required_argument, NULL, OPT_ARENAS },
		{ "delta-cache-size", required_argument, NULL, OPT_DELTA },
		{ "max-blob-size", required_argument, NULL, OPT_MAX },
		{ "blobs", required_argument, NULL, OPT_BLOBS },
		{ "batch-bytes", required_argument, NULL, OPT_BATCH_BYTES },
		{ "release-memory", no_argument, NULL, OPT_RELEASE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct stage st;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t workers = ncpu > 0 ? (uint64_t)ncpu : 1, batch = 100;
	uint64_t cache = 1ull << 30, delta_cache = DELTA_CACHE, arena = 4ull << 20, arenas = 0;
	git_repository *repo;
	int c;

	st.batch_bytes = BATCH_BYTES;
	while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			workers = cf_opt_uint("--workers", optarg, 1, 256);
			break;
		case OPT_BATCH:
			batch = cf_opt_uint("--commit-batch-size", optarg, 1, 1u << 20);
			break;
		case OPT_CACHE:
			cache = cf_opt_size("--blob-cache-size", optarg);
			break;
		case OPT_ARENA:
			arena = cf_opt_size("--blob-arena-size", optarg);
			break;
		case OPT_ARENAS:
			arenas = cf_opt_uint("--arenas", optarg, 1, 1024);
			break;
		case OPT_DELTA:
			delta_cache = cf_opt_size("--delta-cache-size", optarg);
			break;
		case OPT_MAX:
			st.max_blob = cf_opt_size("--max-blob-size", optarg);
			break;
		case OPT_BATCH_BYTES:
			st.batch_bytes = cf_opt_size("--batch-bytes", optarg);
			break;
		case OPT_RELEASE:
			st.release_memory = 1;
			break;
		case OPT_BLOBS:
			if (strcmp(optarg, "all") && strcmp(optarg, "modified"))
				usage_error("--blobs: '%s' is neither 'modified' nor 'all'", optarg);
			st.all_blobs = !strcmp(optarg, "all");
			break;
		case 'v':
			st.verbose = 1;
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			cf_usage_bad(usage);
		}
	}
	if (argc - optind != 1)
		usage_error("exactly one REPO is required");
	if (!arenas)
		arenas = 2 * workers;
	if (arena > (1ull << 40) / arenas)
		usage_error("--blob-arena-size x --arenas: at most 1TiB");
	st.arena_size = arena * arenas;
	if (delta_cache < (1ull << 20) || delta_cache > (1ull << 40))
		usage_error("--delta-cache-size: between 1MiB and 1TiB");

	repo = cf_repo_open(argv[optind]);
	cf_blobinfo_init(&st.infos);
	cf_blobcache_init(&st.cache, cache);
	cf_reader_init(&st.reader, 0);
	cf_writer_init(&st.w, 1);
	start_workers(&st, cf_repo_gitdir(repo), (int)workers, delta_cache);
	start_writer(&st);

	run(&st, batch);

	cf_writer_flush(&st.w);
	stop_writer(&st);
	if (st.verbose)
		report(&st);
	stop_workers(&st);
	cf_writer_release(&st.w);
	cf_reader_release(&st.reader);
	cf_arena_destroy(st.arena);
	cf_blobcache_release(&st.cache);
	cf_blobinfo_release(&st.infos);
	free(st.order);
	free(st.slots);
	free(st.fates);
	cf_repo_close(repo);
	return 0;
}
