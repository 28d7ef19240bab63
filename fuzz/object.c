/*
 * libFuzzer harness for the object reader: commit parsing, tree parsing and
 * diffing, loose objects, and packs with their deltas.  The first byte picks
 * what the rest is:
 *
 *	0  a commit object's body, for cf_commit_parse
 *	1  two tree bodies (byte 1 says where the first ends), written as
 *	   loose objects and diffed with cf_tree_diff
 *	2  the bytes of a loose object file (zlib stream and all)
 *	3  a pack: byte 1 gives the object count K (1-8), then K big-endian
 *	   32-bit offsets for the index, then the pack's entries; the harness
 *	   adds the pack header, the trailer and a matching version 2 index
 *
 * Objects are read through the public cf_odb API from a scratch git
 * directory made at start and removed at exit.  The odb never dies on bad
 * objects: it prints an error and returns -1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "cf/buf.h"
#include "cf/object.h"
#include "cf/odb.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PACKED 8

static char gitdir[] = "/tmp/cf-fuzz-odb-XXXXXX";
static struct cf_buf path = CF_BUF_INIT;

static void cleanup(void)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gitdir);
	if (system(cmd))
		fprintf(stderr, "fuzz: cannot remove %s\n", gitdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(gitdir))
		abort();
	atexit(cleanup);
	return 0;
}

static const char *in_gitdir(const char *fmt, const char *arg)
{
	cf_buf_reset(&path);
	cf_buf_addf(&path, "%s/", gitdir);
	cf_buf_addf(&path, fmt, arg);
	return path.buf;
}

static void write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(name, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f))
		abort();
}

static void fake_oid(struct cf_oid *oid, unsigned char first, unsigned char rest)
{
	memset(oid->id, rest, sizeof(oid->id));
	oid->id[0] = first;
}

static void write_loose(const struct cf_oid *oid, const char *type,
			const uint8_t *body, size_t len)
{
	char hex[CF_OID_HEXSZ + 1], hdr[64];
	size_t hlen = snprintf(hdr, sizeof(hdr), "%s %zu", type, len) + 1;
	uLongf zlen = compressBound(hlen + len);
	unsigned char *raw = malloc(hlen + len), *z = malloc(zlen);

	if (!raw || !z)
		abort();
	memcpy(raw, hdr, hlen);
	memcpy(raw + hlen, body, len);
	if (compress(z, &zlen, raw, hlen + len) != Z_OK)
		abort();
	cf_oid_to_hex(oid, hex);
	mkdir(in_gitdir("objects/%.2s", hex), 0777);
	cf_buf_addf(&path, "/%s", hex + 2);
	write_file(path.buf, z, zlen);
	free(raw);
	free(z);
}

static int count(const struct cf_tree_change *ch, void *data)
{
	(void)ch;
	++*(size_t *)data;
	return 0;
}

static void read_object(struct cf_odb *odb, const struct cf_oid *oid)
{
	struct cf_buf buf = CF_BUF_INIT;
	enum cf_obj_type type;
	struct cf_commit c;
	size_t size, n = 0;

	cf_odb_read_header(odb, oid, &type, &size);
	if (!cf_odb_read(odb, oid, &type, &buf)) {
		if (type == CF_OBJ_COMMIT)
			cf_commit_parse(&c, buf.buf, buf.len);
		else if (type == CF_OBJ_TREE)
			cf_tree_diff(odb, NULL, oid, count, &n);
	}
	cf_buf_release(&buf);
}

static void trees(const uint8_t *data, size_t size)
{
	struct cf_oid a, b;
	struct cf_odb *odb;
	size_t split, n = 0;

	if (!size)
		return;
	split = (size_t)data[0] * (size - 1) / 255;
	fake_oid(&a, 0xaa, 0xaa);
	fake_oid(&b, 0xbb, 0xbb);
	write_loose(&a, "tree", data + 1, split);
	write_loose(&b, "tree", data + 1 + split, size - 1 - split);
	odb = cf_odb_open(gitdir, 0);
	if (!odb)
		abort();
	cf_tree_diff(odb, &a, &b, count, &n);
	cf_tree_diff(odb, NULL, &a, count, &n);
	cf_odb_free(odb);
}

static void loose(const uint8_t *data, size_t size)
{
	struct cf_oid oid;
	char hex[CF_OID_HEXSZ + 1];
	struct cf_odb *odb;

	fake_oid(&oid, 0xcc, 0xcc);
	cf_oid_to_hex(&oid, hex);
	mkdir(in_gitdir("objects/%.2s", hex), 0777);
	cf_buf_addf(&path, "/%s", hex + 2);
	write_file(path.buf, data, size);
	odb = cf_odb_open(gitdir, 0);
	if (!odb)
		abort();
	read_object(odb, &oid);
	cf_odb_free(odb);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A version 2 index of k objects whose ids start with 1, 2, ... k. */
static void write_index(const uint8_t *offsets, unsigned k)
{
	size_t len = 8 + 1024 + k * 28 + 40;
	unsigned char *idx = calloc(1, len), *p;

	if (!idx)
		abort();
	memcpy(idx, "\377tOc", 4);
	put32(idx + 4, 2);
	for (unsigned i = 0; i < 256; i++)
		put32(idx + 8 + 4 * i, i < k ? i : k);
	p = idx + 8 + 1024;
	for (unsigned i = 0; i < k; i++)
		memset(p + 20 * i, i + 1, 20);
	memcpy(p + 20 * k + 4 * k, offsets, 4 * k);
	write_file(in_gitdir("objects/pack/pack-fuzz.idx", NULL), idx, len);
	free(idx);
}

static void pack(const uint8_t *data, size_t size)
{
	unsigned k;
	unsigned char *p;
	struct cf_odb *odb;

	if (!size)
		return;
	k = data[0] % MAX_PACKED + 1;
	if (size < 1 + 4 * k)
		return;
	mkdir(in_gitdir("objects/pack", NULL), 0777);
	write_index(data + 1, k);
	data += 1 + 4 * k;
	size -= 1 + 4 * k;
	p = calloc(1, 12 + size + 20);
	if (!p)
		abort();
	memcpy(p, "PACK", 4);
	put32(p + 4, 2);
	put32(p + 8, k);
	memcpy(p + 12, data, size);
	write_file(in_gitdir("objects/pack/pack-fuzz.pack", NULL), p, 12 + size + 20);
	free(p);
	odb = cf_odb_open(gitdir, 0);
	if (!odb)
		abort();
	for (unsigned i = 0; i < k; i++) {
		struct cf_oid oid;
		fake_oid(&oid, i + 1, i + 1);
		read_object(odb, &oid);
	}
	cf_odb_free(odb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_commit c;

	if (!size)
		return 0;
	mkdir(in_gitdir("objects", NULL), 0777);
	switch (data[0] % 4) {
	case 0:
		cf_commit_parse(&c, (const char *)data + 1, size - 1);
		break;
	case 1:
		trees(data + 1, size - 1);
		break;
	case 2:
		loose(data + 1, size - 1);
		break;
	case 3:
		pack(data + 1, size - 1);
		break;
	}
	return 0;
}
