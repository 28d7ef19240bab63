/*
 * The consumer's side of blob records (cf/blobrec.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/blobrec.h"
#include "cf/usage.h"

static int find_arena(const struct cf_arenas *s, uint64_t id)
{
	for (int i = 0; i < s->nr; i++)
		if (s->slot[i].id == id)
			return i;
	return -1;
}

void cf_arenas_add(struct cf_arenas *s, const struct cf_record *rec)
{
	uint64_t id = cf_rec_u64(rec, "id"), size = cf_rec_u64(rec, "size");
	size_t len;
	const char *path = cf_rec_str(rec, "path", &len);
	struct cf_arena_slot *slot;
	char *pathz;

	if (find_arena(s, id) >= 0)
		cf_rec_die(rec, "arena %" PRIu64 " announced twice", id);
	if (s->nr == CF_MAX_ARENAS)
		cf_rec_die(rec, "more than %d arenas", CF_MAX_ARENAS);
	slot = &s->slot[s->nr];
	pathz = xmemdupz(path, len);
	slot->a = cf_arena_attach(pathz, id, size);
	if (!slot->a)
		die("cannot attach arena %" PRIu64 " at '%s'", id, pathz);
	free(pathz);
	slot->id = id;
	slot->size = size;
	slot->consumed = slot->released = 0;
	s->nr++;
}

static void arena_bytes(struct cf_arenas *s, const struct cf_record *rec, uint64_t id,
			struct cf_blob_ref *b)
{
	uint64_t off = cf_rec_u64(rec, "off");
	char hex[CF_OID_HEXSZ + 1];
	struct cf_arena_slot *slot;

	b->arena = find_arena(s, id);
	if (b->arena < 0)
		cf_rec_die(rec, "blob %s: no arena %" PRIu64 " was announced",
			   cf_oid_to_hex(&b->oid, hex), id);
	slot = &s->slot[b->arena];
	if (b->len > SIZE_MAX || off > UINT64_MAX - b->len ||
	    !(b->ptr = cf_arena_data(slot->a, off, b->len)))
		cf_rec_die(rec, "blob %s: bytes %" PRIu64 "+%zu are outside arena %" PRIu64,
			   cf_oid_to_hex(&b->oid, hex), off, b->len, id);
	if (!b->len)
		b->ptr = "";
	b->end = off + b->len;
	b->fills = b->end - slot->released >= slot->size / 4;
}

void cf_arenas_blob(struct cf_arenas *s, const struct cf_record *rec, size_t pending,
		    struct cf_blob_ref *out)
{
	uint64_t size, id;
	char hex[CF_OID_HEXSZ + 1];

	if (pending >= CF_MAX_CHANGE_BLOBS)
		cf_rec_die(rec, "more than %d blob records before a change", CF_MAX_CHANGE_BLOBS);
	size = cf_rec_u64(rec, "size");

	memset(out, 0, sizeof(*out));
	out->arena = -1;
	cf_rec_oid(rec, "oid", &out->oid);
	if (size > SIZE_MAX)
		cf_rec_die(rec, "blob %s: 'size' %" PRIu64 " is too large",
			   cf_oid_to_hex(&out->oid, hex), size);
	out->len = (size_t)size;
	if (cf_rec_u64_opt(rec, "arena", &id)) {
		arena_bytes(s, rec, id, out);
		return;
	}
	out->ptr = cf_rec_bin(rec, "data", &out->len);
	if (out->len != size)
		cf_rec_die(rec, "blob %s: 'size' is %" PRIu64 " but 'data' has %zu bytes",
			   cf_oid_to_hex(&out->oid, hex), size, out->len);
}

void cf_arenas_consume(struct cf_arenas *s, int arena, uint64_t end)
{
	if (arena >= 0 && end > s->slot[arena].consumed)
		s->slot[arena].consumed = end;
}

void cf_arenas_release(struct cf_arenas *s)
{
	for (int i = 0; i < s->nr; i++) {
		struct cf_arena_slot *slot = &s->slot[i];
		if (slot->consumed > slot->released) {
			cf_arena_release(slot->a, slot->consumed);
			slot->released = slot->consumed;
		}
	}
}

void cf_arenas_detach(struct cf_arenas *s, int relay_wait)
{
	for (int i = 0; i < s->nr; i++) {
		if (relay_wait)
			cf_arena_relay_wait(s->slot[i].a);
		cf_arena_detach(s->slot[i].a);
	}
	s->nr = 0;
}
