#ifndef CF_ARENA_H
#define CF_ARENA_H

/*
 * The blob arena: a bounded ring of shared memory through which blob bytes
 * travel from cf-blobload to the stage that reads them, while the pipe
 * carries only offsets and sizes.
 *
 * The producer creates the region with memfd_create (nothing ever appears in
 * /dev/shm, whatever happens to the processes) and announces it in the stream
 * with an "arena" record naming /proc/PID/fd/N, which a consumer opens, so a
 * plain shell pipe works as well as cf-run.  Positions are monotonic byte
 * counters; a blob occupies [off, off+len) and never wraps (the producer
 * skips the ring's tail end instead).  The consumer releases space in stream
 * order: releasing up to position p frees every blob that ends at or before p.
 * When the ring is full the producer waits (a futex in the shared header)
 * until the consumer releases; a blob larger than the whole ring must travel
 * inline instead (cf_arena_fits() says which).
 *
 * Ownership: the producer owns the region; a consumer's mapping is released
 * by cf_arena_detach().  Pointers returned by cf_arena_data() stay valid
 * until the consumer releases past them.
 */

#include <stddef.h>
#include <stdint.h>

struct cf_arena;

/* Producer side. */
struct cf_arena *cf_arena_create(uint64_t size);
/* The path a consumer opens ("/proc/PID/fd/N") and the unique region id. */
const char *cf_arena_path(const struct cf_arena *a);
uint64_t cf_arena_id(const struct cf_arena *a);
uint64_t cf_arena_size(const struct cf_arena *a);
int cf_arena_fits(const struct cf_arena *a, uint64_t len);
/*
 * Whether the next blob of len bytes can be placed while the consumer still
 * holds everything from position keep on: a consumer that needs two blobs
 * at once (the old and new side of a change) cannot release the first
 * before it sees the second, so the second must fit beside it or travel
 * inline.
 */
int cf_arena_fits_after(const struct cf_arena *a, uint64_t keep, uint64_t len);
/*
 * Reserves len bytes and returns where to write them; *off receives the
 * position to announce.  Waits while the ring is full; before waiting it
 * calls flush(flush_data) once, so that the consumer can see (and release)
 * every blob already announced.  While it waits it checks every 200 ms
 * whether standard output's reader has gone away (POLLERR/POLLHUP) and then
 * ends the process quietly by SIGPIPE, as a filter whose consumer exited.
 * When standard output is neither a pipe nor a socket (a file, /dev/null)
 * no stage can be reading the ring, so it is recycled without waiting; so
 * it is too once the reader has drained the pipe and stayed a second
 * without mapping the ring (a stage that never reads blobs: cf-dump).
 */
void *cf_arena_alloc(struct cf_arena *a, uint64_t len, uint64_t *off,
		     void (*flush)(void *), void *flush_data);
/*
 * Consumers open the region through the producer's /proc entry, so before
 * unmapping it this waits until a consumer has attached, the reader of
 * standard output has gone, or that reader drained the pipe and stayed a
 * second without attaching (a stage that never reads blobs: cf-dump, a
 * file).  Flush standard output first.
 */
void cf_arena_destroy(struct cf_arena *a);

/* Consumer side. */
struct cf_arena *cf_arena_attach(const char *path, uint64_t id, uint64_t size);
/* Returns the bytes at [off, off+len), or NULL if they are not in the ring. */
const void *cf_arena_data(struct cf_arena *a, uint64_t off, uint64_t len);
/* Frees everything before position end (end = off + len of a blob). */
void cf_arena_release(struct cf_arena *a, uint64_t end);
void cf_arena_detach(struct cf_arena *a);

/*
 * A consumer that passes the blob records on (cf-diff --keep-blobs) relays
 * the region to a later consumer, which must not depend on the producer
 * still running: it announces cf_arena_relay_path(), a /proc path to its own
 * descriptor, in the arena record it passes on, and before detaching calls
 * cf_arena_relay_wait(), which waits as cf_arena_destroy() does until a
 * later consumer has attached (or cannot).  Flush standard output first.
 */
const char *cf_arena_relay_path(struct cf_arena *a);
void cf_arena_relay_wait(struct cf_arena *a);

#endif
