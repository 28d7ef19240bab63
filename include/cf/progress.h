#ifndef CF_PROGRESS_H
#define CF_PROGRESS_H

/*
 * What a long run shows on standard error while it works, never on
 * standard output.
 *
 * The progress line: the last stage of a pipeline knows how many commits
 * the stream announced and counts them as they arrive; it draws "N/TOTAL
 * commits (P%), R/s, ETA, chunk C", redrawn in place (\r) about ten times a
 * second on a terminal.  When standard error is not a terminal nothing is
 * shown, unless asked for (--progress): then a plain line every second.
 *
 * The heartbeat: a stage that may spend long on one item (cf-diff on a huge
 * file) marks the item it works on in a slot per thread; a thread of the
 * heartbeat prints "cf-diff: still at commit 1a2b3c4, 'big.c' (12 s)" when
 * an item has taken longer than CF_HEARTBEAT_SECONDS (5 by default; the
 * environment variable of that name changes it, for tests) and again every
 * as many seconds after that.
 *
 * Ownership: a progress is the caller's struct and holds no memory; a
 * heartbeat owns its thread and slots until cf_heartbeat_stop().
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/oid.h"

enum cf_progress_mode {
	CF_PROGRESS_AUTO,	/* when standard error is a terminal */
	CF_PROGRESS_ON,		/* --progress */
	CF_PROGRESS_OFF,	/* --quiet */
};

struct cf_progress {
	int on, tty;
	uint64_t total, done, chunk;
	int have_total, have_chunk;
	double start, next;	/* seconds: started, next redraw */
	size_t shown;		/* columns of the line on screen */
};

void cf_progress_init(struct cf_progress *p, enum cf_progress_mode mode);
void cf_progress_total(struct cf_progress *p, uint64_t total);
void cf_progress_chunk(struct cf_progress *p, uint64_t chunk);
/* done commits so far; redraws when it is time. */
void cf_progress_set(struct cf_progress *p, uint64_t done);
/* The final line ("N commits in S s"), ended by a newline; clears a terminal's line first. */
void cf_progress_end(struct cf_progress *p);

struct cf_heartbeat;

/* NULL (and every call below a no-op) when on is 0. */
struct cf_heartbeat *cf_heartbeat_start(int on, unsigned slots);
void cf_heartbeat_enter(struct cf_heartbeat *hb, unsigned slot, const struct cf_oid *commit,
			const char *path, size_t len);
void cf_heartbeat_leave(struct cf_heartbeat *hb, unsigned slot);
void cf_heartbeat_stop(struct cf_heartbeat *hb);

#endif
