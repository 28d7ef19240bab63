#ifndef CF_BLOBREC_H
#define CF_BLOBREC_H

/*
 * The consumer's side of blob bytes: the arenas a stream announces and the
 * bytes each "blob" record names (cf-records(5)), for the stages that read
 * blobs (cf-diff, cf-uastdiff).
 *
 * A blob's bytes are in an arena, and then stay valid until that arena is
 * released past them, or inline in the record, and then valid while the
 * record is: a stage that keeps them copies them.  Space is given back in
 * stream order: a change consumes the blobs before it (cf_arenas_consume),
 * and cf_arenas_release() releases each ring up to what was consumed.
 *
 * Ownership: struct cf_arenas owns its attachments (cf_arenas_detach()).
 * Errors in a record end the process with the record's position
 * (cf_rec_die); an arena that cannot be attached, with its path.
 */

#include <stdint.h>
#include "cf/arena.h"
#include "cf/oid.h"
#include "cf/record.h"

#define CF_MAX_ARENAS 16

struct cf_arena_slot {
	uint64_t id, size;
	struct cf_arena *a;
	uint64_t consumed;	/* end of the last blob a change consumed */
	uint64_t released;	/* how far the ring was given back */
};

struct cf_arenas {
	struct cf_arena_slot slot[CF_MAX_ARENAS];
	int nr;
};

struct cf_blob_ref {
	struct cf_oid oid;
	const char *ptr;	/* the bytes, in an arena or in the record */
	size_t len;
	int arena;		/* slot index, -1 inline */
	uint64_t end;		/* ring position after the bytes */
	/*
	 * The ring holds a quarter of its size since it was last released:
	 * a stage that diffs and releases now lets the producer refill the
	 * rest, instead of the two taking turns over a full ring.
	 */
	int fills;
};

/* An "arena" record: attach the ring it announces. */
void cf_arenas_add(struct cf_arenas *s, const struct cf_record *rec);
/*
 * A "blob" record, after pending others since the last change: a change has
 * at most CF_MAX_CHANGE_BLOBS (cf/record.h), and a stage that held more
 * would hold a stream of blobs without changes whole.
 */
void cf_arenas_blob(struct cf_arenas *s, const struct cf_record *rec, size_t pending,
		    struct cf_blob_ref *out);
/* The blob's space may go once the ring is released. */
void cf_arenas_consume(struct cf_arenas *s, int arena, uint64_t end);
void cf_arenas_release(struct cf_arenas *s);
/* relay_wait: first wait for the next stage to attach (cf_arena_relay_wait). */
void cf_arenas_detach(struct cf_arenas *s, int relay_wait);

#endif
