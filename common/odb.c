/*
 * A read-only object database: pack files read through mmap, loose objects,
 * alternates.  Everything read from disk is treated as hostile: every
 * offset and length is checked before use, and a damaged object is an
 * error naming it, never a crash.
 *
 * Objects and deltas are inflated whole with libdeflate, which needs the
 * inflated size, as every object header gives it: on git/git's history
 * cf-blobload's CPU went from 7.2 to 5.0 s with it instead of zlib.  zlib
 * stays for reading only the first bytes of a stream (delta headers).
 *
 * Delta chains are resolved with an explicit stack, so a long or cyclic
 * chain costs memory bounded by MAX_DELTA_DEPTH, not C stack.  Resolved
 * objects are kept in a cache keyed by (pack, offset) within a byte budget
 * (cf/basecache.h), and resolved in place there; reading the versions of a
 * file in pack order then costs about one inflate and one delta application
 * per version.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>
#include "cf/alloc.h"
#include "cf/basecache.h"
#include "cf/buf.h"
#include "cf/odb.h"
#include "cf/usage.h"

#define MAX_DELTA_DEPTH 10000
#define MAX_ALT_DEPTH 5
/*
 * Trees delta against each other in short chains: on git/git's history
 * cf-treediff runs as fast with 16 MiB as with 64 and is 56 MB smaller.
 * Blobs need more: cf-blobload asks for its own size.
 */
#define DEFAULT_CACHE (16u << 20)
/* deflate cannot expand data by more than about 1032:1. */
#define MAX_INFLATE_RATIO 1040
/*
 * Pages of a pack that were read stay mapped, and count as the process's
 * resident memory, until they are unmapped: reading a whole history would
 * make the pack look resident (368 MB of redis's 386 MB pack, twice with
 * two workers).  After about this many bytes read from packs, the mappings
 * are dropped (the page cache keeps the pages; touching them again costs a
 * minor fault).  The kernel maps up to 64 KiB around a faulting page, which
 * each read is charged.  On git/git, 8 MiB instead of 32 costs cf-blobload
 * 0.2-0.8 s of system time and the pipeline 48 MiB less.  The indexes stay
 * mapped unless asked (cf_odb_trim_index()): every lookup touches them, and
 * faulting git/git's 23 MB index back in after each trim cost cf-blobload 2
 * s and cf-treediff 0.8 s of system time.
 */
#define TRIM_BYTES (8u << 20)
#define FAULT_AROUND (64u << 10)

enum { OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7 };

struct pack {
	char *path;			/* of the .pack, for messages */
	const unsigned char *idx;
	size_t idx_size;
	const unsigned char *data;
	size_t size;
	uint64_t end;			/* where object data ends: before the trailer */
	uint32_t nr;
	int version;			/* of the .idx */
	const unsigned char *oids;	/* v2: nr x 20; v1: nr x 24 (offset, oid) */
	const unsigned char *off32;
	const unsigned char *off64;
	uint32_t nr_large;
};

struct delta_step {
	uint32_t pack;
	uint64_t off;			/* of the delta entry */
	uint64_t data_off;		/* of its zlib stream */
	size_t size;			/* of the inflated delta */
};

struct cf_odb {
	char **objdirs;
	size_t nr_objdirs, alloc_objdirs;
	struct pack *packs;
	size_t nr_packs, alloc_packs;
	size_t last_pack;

	struct cf_basecache cache;

	struct delta_step *steps;
	size_t alloc_steps;
	struct cf_buf delta;		/* inflated delta instructions */
	struct cf_buf scratch;
	z_stream z;
	struct libdeflate_decompressor *inflater;
	uint64_t touched;		/* pack bytes mapped in since the last trim */
	int trim_index;			/* cf_odb_trim_index() */
	int borrowed;			/* objdirs and packs belong to another handle */
};

/* Where an object lives: in a pack, or loose in objdirs[objdir]. */
struct location {
	int packed;
	uint32_t pack;
	uint64_t off;
	size_t objdir;
};

struct entry {
	int type;
	uint64_t size;
	uint64_t data_off;
	uint64_t base_off;		/* OFS_DELTA */
	const unsigned char *base_oid;	/* REF_DELTA */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static const char *hex(const struct cf_oid *oid, char buf[CF_OID_HEXSZ + 1])
{
	return cf_oid_to_hex(oid, buf);
}

static const char *type_name(enum cf_obj_type t)
{
	static const char *names[] = { "none", "commit", "tree", "blob", "tag" };
	return (unsigned)t < 5 ? names[t] : "unknown";
}

/* ---- pack files ---- */

static const void *map_file(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > SIZE_MAX) {
		if (!errno || st.st_size <= 0)
			errno = EINVAL;
		close(fd);
		return NULL;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*size = st.st_size;
	return p;
}

static const char *check_idx(struct pack *p)
{
	const unsigned char *fan = p->idx;
	size_t sz = p->idx_size, head = 0, need;

	if (sz >= 8 && !memcmp(p->idx, "\377tOc", 4)) {
		if (be32(p->idx + 4) != 2)
			return "unsupported index version";
		p->version = 2;
		head = 8;
	} else {
		p->version = 1;
	}
	if (sz < head + 1024 + 40)
		return "index too short";
	fan = p->idx + head;
	for (int i = 1; i < 256; i++)
		if (be32(fan + 4 * (i - 1)) > be32(fan + 4 * i))
			return "index fanout not sorted";
	p->nr = be32(fan + 1020);
	if (p->version == 1) {
		need = head + 1024 + (size_t)p->nr * 24 + 40;
		if (sz != need)
			return "index size does not match its object count";
		p->oids = fan + 1024;
		return NULL;
	}
	need = head + 1024 + (size_t)p->nr * 28 + 40;
	if (sz < need || (sz - need) % 8)
		return "index size does not match its object count";
	p->nr_large = (sz - need) / 8;
	p->oids = fan + 1024;
	p->off32 = p->oids + (size_t)p->nr * 24;
	p->off64 = p->off32 + (size_t)p->nr * 4;
	return NULL;
}

static const char *check_pack(struct pack *p)
{
	uint32_t version;

	if (p->size < 32 || memcmp(p->data, "PACK", 4))
		return "not a pack file";
	version = be32(p->data + 4);
	if (version != 2 && version != 3)
		return "unsupported pack version";
	if (be32(p->data + 8) != p->nr)
		return "object count differs from its index";
	p->end = p->size - 20;
	return NULL;
}

static void add_pack(struct cf_odb *odb, const char *idx_path)
{
	struct pack p = { 0 };
	size_t len = strlen(idx_path);
	const char *why;

	p.path = xmalloc(len + 2);
	memcpy(p.path, idx_path, len - 4);
	memcpy(p.path + len - 4, ".pack", 6);

	p.idx = map_file(idx_path, &p.idx_size);
	if (!p.idx) {
		/* A pack being written or removed by a concurrent gc: skip it. */
		if (errno != ENOENT)
			warning("cannot map pack index %s: %s", idx_path, strerror(errno));
		free(p.path);
		return;
	}
	p.data = map_file(p.path, &p.size);
	why = !p.data ? NULL : check_idx(&p);
	if (!why && p.data)
		why = check_pack(&p);
	if (!p.data || why) {
		if (!p.data && errno != ENOENT)
			warning("cannot map pack %s: %s", p.path, strerror(errno));
		else if (why)
			warning("ignoring pack %s: %s", p.path, why);
		if (p.data)
			munmap((void *)p.data, p.size);
		munmap((void *)p.idx, p.idx_size);
		free(p.path);
		return;
	}
	CF_ALLOC_GROW(odb->packs, odb->nr_packs + 1, odb->alloc_packs);
	odb->packs[odb->nr_packs++] = p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_packs(struct cf_odb *odb, const char *objdir)
{
	struct cf_buf path = CF_BUF_INIT;
	char **names = NULL;
	size_t nr = 0, alloc = 0;
	struct dirent *de;
	DIR *dir;

	cf_buf_addf(&path, "%s/pack", objdir);
	dir = opendir(path.buf);
	if (!dir) {
		cf_buf_release(&path);
		return;
	}
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && !strcmp(de->d_name + n - 4, ".idx")) {
			CF_ALLOC_GROW(names, nr + 1, alloc);
			names[nr++] = xstrdup(de->d_name);
		}
	}
	closedir(dir);
	/* A stable pack order keeps cf_odb_locality() keys reproducible. */
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr; i++) {
		size_t base = path.len;
		cf_buf_addf(&path, "/%s", names[i]);
		add_pack(odb, path.buf);
		cf_buf_setlen(&path, base);
		free(names[i]);
	}
	free(names);
	cf_buf_release(&path);
}

static int pack_find(const struct pack *p, const struct cf_oid *oid, uint32_t *pos)
{
	const unsigned char *fan = p->version == 2 ? p->idx + 8 : p->idx;
	size_t stride = p->version == 2 ? 20 : 24;
	const unsigned char *oids = p->version == 2 ? p->oids : p->oids + 4;
	uint32_t first = oid->id[0];
	uint32_t lo = first ? be32(fan + 4 * (first - 1)) : 0;
	uint32_t hi = be32(fan + 4 * first);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(oids + (size_t)mid * stride, oid->id, CF_OID_RAWSZ);
		if (!c) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The offset of entry pos; UINT64_MAX when the index points nowhere. */
static uint64_t pack_offset(const struct pack *p, uint32_t pos)
{
	uint32_t off;

	if (p->version == 1)
		return be32(p->oids + (size_t)pos * 24);
	off = be32(p->off32 + (size_t)pos * 4);
	if (!(off & 0x80000000u))
		return off;
	off &= 0x7fffffffu;
	if (off >= p->nr_large)
		return UINT64_MAX;
	return be64(p->off64 + (size_t)off * 8);
}

static int find_packed(struct cf_odb *odb, const struct cf_oid *oid, uint32_t *pack, uint64_t *off)
{
	uint32_t pos;

	if (!odb->nr_packs)
		return 0;
	if (pack_find(&odb->packs[odb->last_pack], oid, &pos)) {
		*pack = odb->last_pack;
		*off = pack_offset(&odb->packs[*pack], pos);
		return 1;
	}
	for (size_t i = 0; i < odb->nr_packs; i++) {
		if (i == odb->last_pack || !pack_find(&odb->packs[i], oid, &pos))
			continue;
		odb->last_pack = i;
		*pack = i;
		*off = pack_offset(&odb->packs[i], pos);
		return 1;
	}
	return 0;
}

static void loose_path(struct cf_buf *b, const char *objdir, const struct cf_oid *oid)
{
	char h[CF_OID_HEXSZ + 1];

	hex(oid, h);
	cf_buf_reset(b);
	cf_buf_addf(b, "%s/%.2s/%s", objdir, h, h + 2);
}

static int locate(struct cf_odb *odb, const struct cf_oid *oid, struct location *loc)
{
	memset(loc, 0, sizeof(*loc));
	if (find_packed(odb, oid, &loc->pack, &loc->off)) {
		loc->packed = 1;
		return 0;
	}
	for (size_t i = 0; i < odb->nr_objdirs; i++) {
		loose_path(&odb->scratch, odb->objdirs[i], oid);
		if (!access(odb->scratch.buf, F_OK)) {
			loc->objdir = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Parses the entry header at off.  Returns NULL, or why the entry is bad.
 */
static const char *parse_entry(const struct pack *p, uint64_t off, struct entry *e)
{
	const unsigned char *d = p->data;
	uint64_t pos = off;
	unsigned c, shift = 4;

	if (off < 12 || off >= p->end)
		return "offset outside the pack";
	c = d[pos++];
	e->type = (c >> 4) & 7;
	e->size = c & 15;
	while (c & 0x80) {
		if (pos >= p->end || shift > 56)
			return "bad object header";
		c = d[pos++];
		e->size |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	}
	switch (e->type) {
	case CF_OBJ_COMMIT: case CF_OBJ_TREE: case CF_OBJ_BLOB: case CF_OBJ_TAG:
		break;
	case OBJ_OFS_DELTA: {
		uint64_t rel;
		if (pos >= p->end)
			return "truncated delta offset";
		c = d[pos++];
		rel = c & 0x7f;
		while (c & 0x80) {
			if (pos >= p->end || rel >= (UINT64_MAX >> 7) - 1)
				return "bad delta base offset";
			c = d[pos++];
			rel = ((rel + 1) << 7) | (c & 0x7f);
		}
		if (!rel || rel > off)
			return "delta base offset outside the pack";
		e->base_off = off - rel;
		break;
	}
	case OBJ_REF_DELTA:
		if (p->end - pos < CF_OID_RAWSZ)
			return "truncated delta base id";
		e->base_oid = d + pos;
		pos += CF_OID_RAWSZ;
		break;
	default:
		return "unknown object type";
	}
	if (pos >= p->end)
		return "truncated object";
	e->data_off = pos;
	return NULL;
}

/*
 * Inflates a zlib stream that must produce exactly out_len bytes, reading
 * no more than in_len; *used is set to the bytes of the stream.  Returns 0
 * or -1.
 */
static int inflate_exact(struct cf_odb *odb, const unsigned char *in, size_t in_len,
			 unsigned char *out, size_t out_len, size_t *used)
{
	size_t got;

	if (libdeflate_zlib_decompress_ex(odb->inflater, in, in_len, out, out_len,
					  used, &got) != LIBDEFLATE_SUCCESS)
		return -1;
	return got == out_len ? 0 : -1;
}

/* Inflates at most max bytes from the start of a stream (for headers). */
static size_t inflate_head(z_stream *z, const unsigned char *in, size_t in_len,
			   unsigned char *out, size_t max)
{
	int ret;

	if (inflateReset(z) != Z_OK)
		return 0;
	z->next_in = (unsigned char *)in;
	z->avail_in = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
	z->next_out = out;
	z->avail_out = max;
	do {
		ret = inflate(z, Z_SYNC_FLUSH);
	} while (ret == Z_OK && z->avail_out && z->avail_in);
	return max - z->avail_out;
}

/* ---- the cache of resolved objects ---- */

/* ---- deltas ---- */

static int delta_varint(const unsigned char **p, const unsigned char *end, size_t *out)
{
	size_t v = 0;
	unsigned shift = 0, c;

	do {
		if (*p >= end || shift > 56)
			return -1;
		c = *(*p)++;
		v |= (size_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	*out = v;
	return 0;
}

/*
 * Walks the instructions once without writing, so that a hostile delta is
 * rejected before its declared result size is allocated.
 */
static const char *delta_check(const unsigned char *d, const unsigned char *end,
			       size_t base_len, size_t out_len)
{
	size_t produced = 0;

	while (d < end) {
		unsigned cmd = *d++;
		size_t off = 0, n = 0;

		if (!cmd)
			return "reserved delta opcode";
		if (!(cmd & 0x80)) {
			if ((size_t)(end - d) < cmd || out_len - produced < cmd)
				return "delta insert overflows";
			d += cmd;
			produced += cmd;
			continue;
		}
		if ((size_t)(end - d) < (size_t)__builtin_popcount(cmd & 0x7f))
			return "truncated delta copy";
		for (int i = 0; i < 4; i++)
			if (cmd & (1u << i))
				off |= (size_t)*d++ << (8 * i);
		for (int i = 0; i < 3; i++)
			if (cmd & (0x10u << i))
				n |= (size_t)*d++ << (8 * i);
		if (!n)
			n = 0x10000;
		if (off > base_len || n > base_len - off)
			return "delta copy outside its base";
		if (out_len - produced < n)
			return "delta copy overflows its result";
		produced += n;
	}
	return produced == out_len ? NULL : "delta result shorter than declared";
}

/* Applies instructions already accepted by delta_check(). */
static void delta_apply(const unsigned char *d, const unsigned char *end,
			const unsigned char *base, unsigned char *out)
{
	while (d < end) {
		unsigned cmd = *d++;
		size_t off = 0, n = 0;

		if (!(cmd & 0x80)) {
			memcpy(out, d, cmd);
			d += cmd;
			out += cmd;
			continue;
		}
		if (cmd & 1) off = d[0], d++;
		if (cmd & 2) off |= (size_t)*d++ << 8;
		if (cmd & 4) off |= (size_t)*d++ << 16;
		if (cmd & 8) off |= (size_t)*d++ << 24;
		if (cmd & 0x10) n = *d++;
		if (cmd & 0x20) n |= (size_t)*d++ << 8;
		if (cmd & 0x40) n |= (size_t)*d++ << 16;
		if (!n)
			n = 0x10000;
		memcpy(out, base + off, n);
		out += n;
	}
}

/* ---- loose objects ---- */

static int parse_loose_header(const unsigned char *h, size_t n, enum cf_obj_type *type,
			      size_t *size, size_t *hdr_len)
{
	const unsigned char *sp = memchr(h, ' ', n), *nul;
	size_t v = 0;

	if (!sp)
		return -1;
	*type = CF_OBJ_NONE;
	for (int t = CF_OBJ_COMMIT; t <= CF_OBJ_TAG; t++)
		if ((size_t)(sp - h) == strlen(type_name(t)) && !memcmp(h, type_name(t), sp - h))
			*type = t;
	nul = memchr(sp, '\0', n - (sp - h));
	if (*type == CF_OBJ_NONE || !nul || nul == sp + 1 || nul - sp > 20)
		return -1;
	for (const unsigned char *p = sp + 1; p < nul; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*size = v;
	*hdr_len = nul + 1 - h;
	return 0;
}

/*
 * Reads a loose object; with out NULL only its header.  Returns 0, or -1
 * after an error naming the object and its file.
 */
static int read_loose(struct cf_odb *odb, size_t objdir, const struct cf_oid *oid,
		      enum cf_obj_type *type, size_t *size, unsigned char **out)
{
	char h[CF_OID_HEXSZ + 1];
	struct cf_buf file = CF_BUF_INIT;
	unsigned char head[64];
	size_t n, hdr_len, used;
	unsigned char *data;

	loose_path(&odb->scratch, odb->objdirs[objdir], oid);
	if (cf_buf_read_file(&file, odb->scratch.buf) < 0)
		return error_errno("object %s: cannot read %s", hex(oid, h), odb->scratch.buf);
	n = inflate_head(&odb->z, (unsigned char *)file.buf, file.len, head, sizeof(head));
	if (parse_loose_header(head, n, type, size, &hdr_len) < 0)
		goto bad;
	if (!out) {
		cf_buf_release(&file);
		return 0;
	}
	if (*size > (uint64_t)file.len * MAX_INFLATE_RATIO + 64)
		goto bad;
	/* Inflate again from the start: simpler than resuming past the header. */
	data = xmalloc(st_add(*size, hdr_len + 1));
	if (inflate_exact(odb, (unsigned char *)file.buf, file.len, data, hdr_len + *size, &used)) {
		free(data);
		goto bad;
	}
	memmove(data, data + hdr_len, *size);
	data[*size] = '\0';
	*out = data;
	cf_buf_release(&file);
	return 0;
bad:
	loose_path(&odb->scratch, odb->objdirs[objdir], oid);
	cf_buf_release(&file);
	return error("object %s: corrupt loose object %s", hex(oid, h), odb->scratch.buf);
}

/* ---- packed objects ---- */

static int pack_error(struct cf_odb *odb, const struct cf_oid *oid, uint32_t pack,
		      uint64_t off, const char *why)
{
	char h[CF_OID_HEXSZ + 1];
	return error("object %s: %s at offset %llu in %s", hex(oid, h), why,
		     (unsigned long long)off, odb->packs[pack].path);
}

/*
 * An object being resolved: in the cache's ring (rec), malloc'd (owned), or
 * borrowed from the cache's leaf slot.
 */
struct resolved {
	unsigned char *data;
	size_t len;
	const struct cf_base *rec;
	int owned;
};

/*
 * Inflates a non-delta entry: into the cache if it fits there, else into a
 * fresh buffer of e->size + 1 bytes.
 */
static int inflate_entry(struct cf_odb *odb, const struct cf_oid *oid, uint32_t pack,
			 uint64_t off, const struct entry *e, struct resolved *out)
{
	const struct pack *p = &odb->packs[pack];
	size_t avail = p->end - e->data_off, used;
	int cached;
	unsigned char *buf, *unused;

	if (e->size > (uint64_t)avail * MAX_INFLATE_RATIO + 64 || e->size >= SIZE_MAX)
		return pack_error(odb, oid, pack, off, "impossible object size");
	cached = cf_basecache_fits(&odb->cache, e->size);
	buf = cached ? cf_basecache_reserve(&odb->cache, e->size, NULL, &unused)
		     : xmalloc(e->size + 1);
	if (inflate_exact(odb, p->data + e->data_off, avail, buf, e->size, &used)) {
		if (!cached)
			free(buf);
		return pack_error(odb, oid, pack, off, "corrupt or truncated zlib stream");
	}
	odb->touched += used + FAULT_AROUND;
	buf[e->size] = '\0';
	out->data = buf;
	out->len = e->size;
	out->rec = cached ? cf_basecache_commit(&odb->cache, pack, off, e->type, e->size) : NULL;
	out->owned = !cached;
	return 0;
}

/* Inflates the delta of step s into odb->delta. */
static int inflate_delta(struct cf_odb *odb, const struct cf_oid *oid, const struct delta_step *s)
{
	const struct pack *p = &odb->packs[s->pack];
	size_t avail = p->end - s->data_off, used;

	if (s->size > (uint64_t)avail * MAX_INFLATE_RATIO + 64)
		return pack_error(odb, oid, s->pack, s->off, "impossible delta size");
	cf_buf_reset(&odb->delta);
	cf_buf_grow(&odb->delta, s->size);
	if (inflate_exact(odb, p->data + s->data_off, avail,
			  (unsigned char *)odb->delta.buf, s->size, &used))
		return pack_error(odb, oid, s->pack, s->off, "corrupt or truncated delta stream");
	odb->touched += used + FAULT_AROUND;
	odb->delta.len = s->size;
	return 0;
}

/*
 * Applies delta step s to base: into the cache when keep is set and the
 * result fits there, else into a fresh buffer.  Returns 0 or -1.
 */
static int apply_step(struct cf_odb *odb, const struct cf_oid *oid, const struct delta_step *s,
		      const struct resolved *base, int keep, enum cf_obj_type type,
		      struct resolved *out)
{
	const unsigned char *d, *end, *src = base->data;
	size_t src_len, dst_len;
	const char *why;
	unsigned char *moved = NULL;

	if (inflate_delta(odb, oid, s))
		return -1;
	d = (unsigned char *)odb->delta.buf;
	end = d + odb->delta.len;
	if (delta_varint(&d, end, &src_len) || delta_varint(&d, end, &dst_len))
		why = "bad delta header";
	else if (src_len != base->len)
		why = "delta base size mismatch";
	else if (dst_len >= SIZE_MAX)
		why = "impossible delta result size";
	else
		why = delta_check(d, end, base->len, dst_len);
	if (why)
		return pack_error(odb, oid, s->pack, s->off, why);
	keep = keep && cf_basecache_fits(&odb->cache, dst_len);
	/* Making room in the ring may evict the base itself: then it reads a copy. */
	out->data = keep ? cf_basecache_reserve(&odb->cache, dst_len, base->rec, &moved)
			 : xmalloc(dst_len + 1);
	if (moved)
		src = moved;
	delta_apply(d, end, src, out->data);
	free(moved);
	out->data[dst_len] = '\0';
	out->len = dst_len;
	out->rec = keep ? cf_basecache_commit(&odb->cache, s->pack, s->off, type, dst_len) : NULL;
	out->owned = !keep;
	return 0;
}

static struct delta_step *push_step(struct cf_odb *odb, size_t depth)
{
	CF_ALLOC_GROW(odb->steps, depth + 1, odb->alloc_steps);
	return &odb->steps[depth];
}

/*
 * Where a REF_DELTA's base lives.  Returns 1 when it is packed (pack and
 * off updated), 0 when it is loose (in *objdir), -1 when it is missing.
 */
static int ref_base(struct cf_odb *odb, const unsigned char *raw, uint32_t *pack,
		    uint64_t *off, size_t *objdir)
{
	struct cf_oid base;
	struct location loc;

	memcpy(base.id, raw, CF_OID_RAWSZ);
	if (locate(odb, &base, &loc) < 0)
		return -1;
	if (!loc.packed) {
		*objdir = loc.objdir;
		return 0;
	}
	*pack = loc.pack;
	*off = loc.off;
	return 1;
}

/*
 * Resolves the entry at (pack, off) to its object: walks the delta chain
 * down to a base (or a cached object), then applies the deltas back up,
 * caching the bases it builds and keeping the object itself in the cache's
 * leaf slot.  Returns the object in *out, which the caller must free when
 * *owned is set (otherwise it belongs to the cache and is valid only until
 * the next call that adds to it).
 */
static int unpack(struct cf_odb *odb, const struct cf_oid *oid, uint32_t pack, uint64_t off,
		  enum cf_obj_type *type, unsigned char **out, size_t *len, int *owned)
{
	size_t depth = 0;
	struct resolved base = { NULL, 0, NULL, 0 };
	struct entry e;
	const char *why;

	for (;;) {
		const struct cf_base *ce = cf_basecache_get(&odb->cache, pack, off, 1);
		struct delta_step *s;
		int r;
		size_t objdir;

		if (ce) {
			*type = (enum cf_obj_type)ce->type;
			base = (struct resolved){ (unsigned char *)ce->data, ce->len, ce, 0 };
			break;
		}
		if ((why = parse_entry(&odb->packs[pack], off, &e)))
			return pack_error(odb, oid, pack, off, why);
		if (e.type < OBJ_OFS_DELTA) {
			*type = e.type;
			if (inflate_entry(odb, oid, pack, off, &e, &base))
				return -1;
			break;
		}
		if (depth >= MAX_DELTA_DEPTH)
			return pack_error(odb, oid, pack, off, "delta chain too deep");
		s = push_step(odb, depth++);
		s->pack = pack;
		s->off = off;
		s->data_off = e.data_off;
		s->size = e.size;
		if (e.type == OBJ_OFS_DELTA) {
			off = e.base_off;
			continue;
		}
		r = ref_base(odb, e.base_oid, &pack, &off, &objdir);
		if (r < 0)
			return pack_error(odb, oid, pack, off, "delta base missing");
		if (!r) {
			struct cf_oid b;
			memcpy(b.id, e.base_oid, CF_OID_RAWSZ);
			if (read_loose(odb, objdir, &b, type, &base.len, &base.data))
				return -1;
			base.owned = 1;
			break;
		}
	}

	while (depth--) {
		const struct delta_step *s = &odb->steps[depth];
		struct resolved next;
		int r = apply_step(odb, oid, s, &base, depth > 0, *type, &next);

		if (base.owned)
			free(base.data);
		if (r)
			return -1;
		base = next;
		if (!depth && cf_basecache_fits(&odb->cache, base.len)) {
			cf_basecache_leaf(&odb->cache, s->pack, s->off, *type, base.data, base.len);
			base.owned = 0;
		}
	}
	*out = base.data;
	*len = base.len;
	*owned = base.owned;
	return 0;
}

/* The type and result size of a packed entry, inflating only headers. */
static int packed_header(struct cf_odb *odb, const struct cf_oid *oid, uint32_t pack,
			 uint64_t off, enum cf_obj_type *type, size_t *size)
{
	int have_size = 0;
	struct entry e;
	const char *why;

	for (size_t depth = 0;; depth++) {
		const struct cf_base *ce = cf_basecache_get(&odb->cache, pack, off, 0);
		size_t objdir;
		int r;

		if (ce) {
			*type = (enum cf_obj_type)ce->type;
			if (!have_size)
				*size = ce->len;
			return 0;
		}
		if ((why = parse_entry(&odb->packs[pack], off, &e)))
			return pack_error(odb, oid, pack, off, why);
		if (e.type < OBJ_OFS_DELTA) {
			*type = e.type;
			if (!have_size)
				*size = e.size;
			return 0;
		}
		if (!have_size) {
			const struct pack *p = &odb->packs[pack];
			unsigned char head[32];
			const unsigned char *d = head, *end;
			size_t src;

			end = head + inflate_head(&odb->z, p->data + e.data_off,
						  p->end - e.data_off, head, sizeof(head));
			if (delta_varint(&d, end, &src) || delta_varint(&d, end, size))
				return pack_error(odb, oid, pack, off, "bad delta header");
			have_size = 1;
		}
		if (depth >= MAX_DELTA_DEPTH)
			return pack_error(odb, oid, pack, off, "delta chain too deep");
		if (e.type == OBJ_OFS_DELTA) {
			off = e.base_off;
			continue;
		}
		r = ref_base(odb, e.base_oid, &pack, &off, &objdir);
		if (r < 0)
			return pack_error(odb, oid, pack, off, "delta base missing");
		if (!r) {
			struct cf_oid b;
			size_t ignored;
			memcpy(b.id, e.base_oid, CF_OID_RAWSZ);
			return read_loose(odb, objdir, &b, type, &ignored, NULL);
		}
	}
}

/* ---- the public interface ---- */

static void add_objdir(struct cf_odb *odb, const char *dir, int depth);

static void read_alternates(struct cf_odb *odb, const char *objdir, int depth)
{
	struct cf_buf path = CF_BUF_INIT, file = CF_BUF_INIT, alt = CF_BUF_INIT;
	char *line, *next;

	cf_buf_addf(&path, "%s/info/alternates", objdir);
	if (cf_buf_read_file(&file, path.buf) < 0) {
		if (errno != ENOENT)
			warning("cannot read %s: %s", path.buf, strerror(errno));
		goto out;
	}
	if (depth >= MAX_ALT_DEPTH) {
		warning("%s: alternates nested too deeply, ignoring them", path.buf);
		goto out;
	}
	for (line = file.buf; line < file.buf + file.len; line = next) {
		char *nl = memchr(line, '\n', file.buf + file.len - line);
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		next = line + n + 1;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (!n || line[0] == '#')
			continue;
		cf_buf_reset(&alt);
		if (line[0] != '/')
			cf_buf_addf(&alt, "%s/", objdir);
		cf_buf_add(&alt, line, n);
		add_objdir(odb, alt.buf, depth + 1);
	}
out:
	cf_buf_release(&path);
	cf_buf_release(&file);
	cf_buf_release(&alt);
}

static void add_objdir(struct cf_odb *odb, const char *dir, int depth)
{
	char *real = realpath(dir, NULL);

	if (!real) {
		if (depth)
			warning("alternate object directory %s: %s", dir, strerror(errno));
		return;
	}
	for (size_t i = 0; i < odb->nr_objdirs; i++) {
		if (!strcmp(odb->objdirs[i], real)) {
			free(real);
			return;
		}
	}
	CF_ALLOC_GROW(odb->objdirs, odb->nr_objdirs + 1, odb->alloc_objdirs);
	odb->objdirs[odb->nr_objdirs++] = real;
	scan_packs(odb, real);
	read_alternates(odb, real, depth);
}

/* A linked worktree keeps its objects in the common directory. */
static void objects_dir(struct cf_buf *out, const char *gitdir)
{
	struct cf_buf common = CF_BUF_INIT;

	cf_buf_addf(out, "%s/commondir", gitdir);
	if (!cf_buf_read_file(&common, out->buf)) {
		while (common.len && (common.buf[common.len - 1] == '\n' ||
				      common.buf[common.len - 1] == '\r'))
			common.len--;
		common.buf[common.len] = '\0';
		cf_buf_reset(out);
		if (common.buf[0] != '/')
			cf_buf_addf(out, "%s/", gitdir);
		cf_buf_addf(out, "%s/objects", common.buf);
	} else {
		cf_buf_reset(out);
		cf_buf_addf(out, "%s/objects", gitdir);
	}
	cf_buf_release(&common);
}

/* A handle with its own caches and inflaters, and no object directories yet. */
static struct cf_odb *new_handle(size_t delta_cache, const char *what)
{
	struct cf_odb *odb = xcalloc(1, sizeof(*odb));

	if (inflateInit(&odb->z) != Z_OK) {
		error("cannot initialise zlib for %s", what);
		free(odb);
		return NULL;
	}
	if (!(odb->inflater = libdeflate_alloc_decompressor())) {
		error("cannot initialise libdeflate for %s", what);
		inflateEnd(&odb->z);
		free(odb);
		return NULL;
	}
	cf_basecache_init(&odb->cache, delta_cache ? delta_cache : DEFAULT_CACHE);
	cf_buf_init(&odb->delta, 0);
	cf_buf_init(&odb->scratch, 0);
	return odb;
}

struct cf_odb *cf_odb_open(const char *gitdir, size_t delta_cache)
{
	struct cf_odb *odb;
	struct cf_buf dir = CF_BUF_INIT;
	struct stat st;

	objects_dir(&dir, gitdir);
	if (stat(dir.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (stat(dir.buf, &st) < 0)
			error_errno("cannot open object directory %s", dir.buf);
		else
			error("object directory %s is not a directory", dir.buf);
		cf_buf_release(&dir);
		return NULL;
	}
	odb = new_handle(delta_cache, dir.buf);
	if (odb)
		add_objdir(odb, dir.buf, 0);
	cf_buf_release(&dir);
	return odb;
}

struct cf_odb *cf_odb_share(const struct cf_odb *src, size_t delta_cache)
{
	struct cf_odb *odb = new_handle(delta_cache, "another reader");

	if (!odb)
		return NULL;
	odb->objdirs = src->objdirs;
	odb->nr_objdirs = src->nr_objdirs;
	odb->packs = src->packs;
	odb->nr_packs = src->nr_packs;
	odb->borrowed = 1;
	return odb;
}

void cf_odb_free(struct cf_odb *odb)
{
	if (!odb)
		return;
	cf_basecache_release(&odb->cache);
	if (odb->borrowed)
		odb->nr_packs = odb->nr_objdirs = 0;
	for (size_t i = 0; i < odb->nr_packs; i++) {
		munmap((void *)odb->packs[i].idx, odb->packs[i].idx_size);
		munmap((void *)odb->packs[i].data, odb->packs[i].size);
		free(odb->packs[i].path);
	}
	for (size_t i = 0; i < odb->nr_objdirs; i++)
		free(odb->objdirs[i]);
	if (!odb->borrowed) {
		free(odb->packs);
		free(odb->objdirs);
	}
	free(odb->steps);
	cf_buf_release(&odb->delta);
	cf_buf_release(&odb->scratch);
	inflateEnd(&odb->z);
	libdeflate_free_decompressor(odb->inflater);
	free(odb);
}

void cf_odb_trim_index(struct cf_odb *odb, int on)
{
	odb->trim_index = on;
}

/* Unmaps the packs' pages read so far (see TRIM_BYTES). */
static void trim_maps(struct cf_odb *odb)
{
	odb->touched = 0;
	for (size_t i = 0; i < odb->nr_packs; i++) {
		const struct pack *p = &odb->packs[i];
		madvise((void *)p->data, p->size, MADV_DONTNEED);
		if (odb->trim_index)
			madvise((void *)p->idx, p->idx_size, MADV_DONTNEED);
	}
}

static int missing(struct cf_odb *odb, const struct cf_oid *oid)
{
	char h[CF_OID_HEXSZ + 1];
	return error("object %s: not found in %s", hex(oid, h),
		     odb->nr_objdirs ? odb->objdirs[0] : "the object database");
}

/* Hands a malloc'd, NUL-terminated buffer to out without copying it. */
static void buf_attach(struct cf_buf *out, unsigned char *data, size_t len)
{
	cf_buf_release(out);
	out->buf = (char *)data;
	out->len = len;
	out->alloc = len + 1;
}

int cf_odb_read(struct cf_odb *odb, const struct cf_oid *oid,
		enum cf_obj_type *type, struct cf_buf *out)
{
	struct location loc;
	unsigned char *data = NULL;
	size_t len = 0;
	int owned = 0;

	if (locate(odb, oid, &loc) < 0)
		return missing(odb, oid);
	if (!loc.packed) {
		if (read_loose(odb, loc.objdir, oid, type, &len, &data))
			return -1;
		buf_attach(out, data, len);
		return 0;
	}
	if (unpack(odb, oid, loc.pack, loc.off, type, &data, &len, &owned))
		return -1;
	if (odb->touched >= TRIM_BYTES)
		trim_maps(odb);
	if (owned) {
		buf_attach(out, data, len);
		return 0;
	}
	cf_buf_reset(out);
	cf_buf_add(out, data, len);
	return 0;
}

int cf_odb_read_header(struct cf_odb *odb, const struct cf_oid *oid,
		       enum cf_obj_type *type, size_t *size)
{
	struct location loc;

	if (locate(odb, oid, &loc) < 0)
		return missing(odb, oid);
	if (!loc.packed)
		return read_loose(odb, loc.objdir, oid, type, size, NULL);
	return packed_header(odb, oid, loc.pack, loc.off, type, size);
}

size_t cf_odb_cache_bytes(const struct cf_odb *odb)
{
	return cf_basecache_bytes(&odb->cache);
}

uint64_t cf_odb_locality(struct cf_odb *odb, const struct cf_oid *oid)
{
	uint32_t pack;
	uint64_t off;

	if (!find_packed(odb, oid, &pack, &off) || off == UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)pack << 40 | off;
}
