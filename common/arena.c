/*
 * The blob arena: a memfd holding one header page and a data ring.
 *
 * The producer advances head, the consumer advances tail, both monotonic
 * 64-bit byte counters in the shared header; a blob's position in the ring
 * is its counter modulo the size.  The consumer bumps a futex word on every
 * release, so the producer sleeps in the kernel instead of spinning.  The
 * futex is process-shared (no FUTEX_PRIVATE_FLAG): the two sides are
 * different processes mapping the same file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/arena.h"
#include "cf/usage.h"

#define ARENA_MAGIC	0x616e657261666363ull	/* "ccfarena" little-endian */
#define ARENA_VERSION	1
#define HEADER_SIZE	4096
#define WAIT_MS		200

/*
 * The header page.  head and tail live on separate cache lines: each side
 * writes one of them on every blob.
 */
struct arena_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size;
	uint64_t size;		/* bytes in the data ring */
	uint64_t id;
	uint64_t producer_pid;
	char pad0[64 - 5 * 8];
	uint64_t head;		/* bytes produced (skips included) */
	char pad1[56];
	uint64_t tail;		/* bytes released by the consumer */
	uint32_t futex;		/* bumped on every release */
	uint32_t waiting;	/* the producer sleeps: releases must wake it */
	uint32_t attached;	/* consumers that mapped the region */
	char pad2[44];
};

struct cf_arena {
	int fd;
	int producer;
	struct arena_header *h;
	unsigned char *data;
	size_t map_len;
	uint64_t size;
	uint64_t id;
	uint64_t head;		/* producer: its own copy of h->head */
	int no_consumer;	/* producer: stdout is neither pipe nor socket */
	/*
	 * Producer: the latest skips to the ring's start.  No blob lies in
	 * them, so the consumer never releases them by themselves: when its
	 * tail stops at one, the bytes up to the skip's end are free too.
	 */
	struct { uint64_t start, end; } skips[4];
	int nr_skips;
	char path[64];
	uint32_t attached;	/* consumer: the count once it attached */
};

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static uint64_t new_id(void)
{
	uint64_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	return id;
}

static size_t map_length(uint64_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t len;

	if (page <= 0)
		page = 4096;
	if (size > (uint64_t)SIZE_MAX / 2)
		return 0;
	len = (size + page - 1) / page * page;
	return HEADER_SIZE + len;
}

struct cf_arena *cf_arena_create(uint64_t size)
{
	struct cf_arena *a;
	size_t len = map_length(size);
	void *map;
	int fd;

	if (!size || !len)
		die("cannot create a blob arena of %llu bytes", (unsigned long long)size);
	/* CLOEXEC is fine: consumers reopen the fd through /proc, they do not inherit it. */
	fd = memfd_create("cf-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		die_errno("cannot create the blob arena (memfd_create)");
	if (ftruncate(fd, len) < 0)
		die_errno("cannot size the blob arena to %zu bytes", len);
	/* Sealed, a consumer can rely on its mapping never being cut short. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		die_errno("cannot seal the blob arena");
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die_errno("cannot map the blob arena (%zu bytes)", len);

	a = xcalloc(1, sizeof(*a));
	a->fd = fd;
	a->producer = 1;
	a->h = map;
	a->data = (unsigned char *)map + HEADER_SIZE;
	a->map_len = len;
	a->size = size;
	a->id = new_id();
	snprintf(a->path, sizeof(a->path), "/proc/%ld/fd/%d", (long)getpid(), fd);

	a->h->version = ARENA_VERSION;
	a->h->header_size = HEADER_SIZE;
	a->h->size = size;
	a->h->id = a->id;
	a->h->producer_pid = (uint64_t)getpid();
	__atomic_store_n(&a->h->magic, ARENA_MAGIC, __ATOMIC_RELEASE);
	return a;
}

const char *cf_arena_path(const struct cf_arena *a)
{
	return a->path;
}

uint64_t cf_arena_id(const struct cf_arena *a)
{
	return a->id;
}

uint64_t cf_arena_size(const struct cf_arena *a)
{
	return a->size;
}

int cf_arena_fits(const struct cf_arena *a, uint64_t len)
{
	return len <= a->size;
}

/* Where the next blob of len bytes starts, after a skip to the ring's start. */
static uint64_t next_off(const struct cf_arena *a, uint64_t len)
{
	uint64_t at = a->head % a->size;

	return at + len > a->size ? a->head + (a->size - at) : a->head;
}

/*
 * Whether a blob ending at position end can be written while [live, head)
 * is still in use: the live bytes must all lie within one ring size before
 * end (an empty live range is always fine, even when a skip to the ring's
 * start makes end - live exceed the size).
 */
static int room_for(const struct cf_arena *a, uint64_t live, uint64_t end)
{
	return live >= a->head || end - live <= a->size;
}

/* The first position still in use: tail, moved past a skip it stopped at. */
static uint64_t live_start(struct cf_arena *a, uint64_t tail)
{
	uint64_t live = tail;
	int i, keep = 0;

	/* Skips the consumer's tail has passed are of no more use. */
	for (i = 0; i < a->nr_skips; i++)
		if (a->skips[i].end > tail)
			a->skips[keep++] = a->skips[i];
	a->nr_skips = keep;
	for (i = 0; i < a->nr_skips; i++)
		if (live >= a->skips[i].start && live < a->skips[i].end)
			live = a->skips[i].end;
	return live;
}

int cf_arena_fits_after(const struct cf_arena *a, uint64_t keep, uint64_t len)
{
	return len <= a->size && room_for(a, keep, next_off(a, len) + len);
}

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

static _Noreturn void consumer_gone(void)
{
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	exit(CF_EXIT_FAIL);	/* SIGPIPE blocked: leave anyway */
}

/*
 * Whether a live reader can exist at all: with standard output on a file or
 * /dev/null nobody reads the ring while it is written, so waiting for a
 * release would wait forever.
 */
static int stdout_is_stream(void)
{
	struct stat st;

	if (fstat(1, &st) < 0)
		return 1;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* Whether the reader of standard output has read everything written to it. */
static int pipe_drained(void)
{
	int queued = 0;

	return ioctl(1, FIONREAD, &queued) == 0 && queued == 0;
}

static void check_consumer(void)
{
	struct pollfd p = { 1, 0, 0 };

	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
		consumer_gone();
}

static void wait_for_room(struct cf_arena *a, uint64_t end,
			  void (*flush)(void *), void *flush_data)
{
	struct timespec ts = { 0, WAIT_MS * 1000000L };
	int flushed = 0, idle = 0;

	while (!room_for(a, live_start(a, load(&a->h->tail)), end)) {
		uint32_t seen;

		if (a->no_consumer) {
			store(&a->h->tail, a->head);
			continue;
		}
		if (!flushed) {
			flushed = 1;
			if (!stdout_is_stream()) {
				a->no_consumer = 1;
				continue;
			}
			if (flush)
				flush(flush_data);
			continue;
		}
		__atomic_store_n(&a->h->waiting, 1, __ATOMIC_SEQ_CST);
		seen = __atomic_load_n(&a->h->futex, __ATOMIC_SEQ_CST);
		if (room_for(a, live_start(a, __atomic_load_n(&a->h->tail, __ATOMIC_SEQ_CST)), end))
			break;
		if (futex(&a->h->futex, FUTEX_WAIT, seen, &ts) < 0 && errno == ETIMEDOUT) {
			check_consumer();
			/*
			 * A reader that has read the arena record and everything
			 * after it, yet not mapped the ring for a second, never
			 * will (cf-dump): nobody is reading the ring.
			 */
			if (__atomic_load_n(&a->h->attached, __ATOMIC_ACQUIRE) || !pipe_drained())
				idle = 0;
			else if (++idle * WAIT_MS >= 1000)
				a->no_consumer = 1;
		}
	}
	__atomic_store_n(&a->h->waiting, 0, __ATOMIC_RELAXED);
}

void *cf_arena_alloc(struct cf_arena *a, uint64_t len, uint64_t *off,
		     void (*flush)(void *), void *flush_data)
{
	uint64_t start;

	if (!a->producer)
		BUG("cf_arena_alloc on a consumer's mapping");
	if (len > a->size)
		BUG("blob of %llu bytes does not fit the arena of %llu",
		    (unsigned long long)len, (unsigned long long)a->size);
	start = next_off(a, len);
	if (start != a->head) {
		if (a->nr_skips == (int)(sizeof(a->skips) / sizeof(*a->skips)))
			BUG("more skips in use than the ring can hold");
		a->skips[a->nr_skips].start = a->head;
		a->skips[a->nr_skips++].end = start;
	}
	wait_for_room(a, start + len, flush, flush_data);
	*off = start;
	a->head = start + len;
	store(&a->h->head, a->head);
	return a->data + *off % a->size;
}

/*
 * A consumer opens the region through our /proc entry, which vanishes with
 * us: stay until one has mapped it.  A reader that drained the pipe without
 * attaching for a second (cf-dump, a file) never will.
 */
static void wait_for_attach(struct cf_arena *a, uint32_t min)
{
	struct timespec ts = { 0, 50 * 1000000L };
	int idle = 0;

	if (!stdout_is_stream())
		return;
	while (__atomic_load_n(&a->h->attached, __ATOMIC_ACQUIRE) < min) {
		struct pollfd p = { 1, 0, 0 };

		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
			return;
		if (!pipe_drained())
			idle = 0;
		else if (++idle >= 20)
			return;
		nanosleep(&ts, NULL);
	}
}

void cf_arena_destroy(struct cf_arena *a)
{
	if (!a)
		return;
	if (a->producer && !a->no_consumer && a->head)
		wait_for_attach(a, 1);
	munmap(a->h, a->map_len);
	close(a->fd);
	free(a);
}

static _Noreturn void attach_failed(const char *path, const char *why)
{
	die("cannot use the blob arena '%s': %s", path, why);
}

static void check_header(const struct arena_header *h, const char *path,
			 uint64_t id, uint64_t size)
{
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != ARENA_MAGIC)
		attach_failed(path, "not a Codefang arena (bad magic)");
	if (h->version != ARENA_VERSION || h->header_size != HEADER_SIZE)
		attach_failed(path, "unsupported arena version");
	if (h->size != size)
		attach_failed(path, "its size differs from the 'arena' record");
	if (h->id != id)
		attach_failed(path, "its id differs from the 'arena' record");
}

struct cf_arena *cf_arena_attach(const char *path, uint64_t id, uint64_t size)
{
	struct cf_arena *a;
	struct stat st;
	size_t len = map_length(size);
	void *map;
	int fd, seals;

	if (!size || !len)
		attach_failed(path, "invalid size in the 'arena' record");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die_errno("cannot open the blob arena '%s' (has its producer exited?)", path);
	if (fstat(fd, &st) < 0)
		die_errno("cannot stat the blob arena '%s'", path);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
		attach_failed(path, "its size differs from the 'arena' record");
	/* Only a sealed region is safe to map: a file cut short would SIGBUS. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		attach_failed(path, "not a sealed memfd");
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die_errno("cannot map the blob arena '%s'", path);
	check_header(map, path, id, size);
	a = xcalloc(1, sizeof(*a));
	a->attached = __atomic_add_fetch(&((struct arena_header *)map)->attached, 1,
					 __ATOMIC_RELEASE);
	a->fd = fd;
	a->h = map;
	a->data = (unsigned char *)map + HEADER_SIZE;
	a->map_len = len;
	a->size = size;
	a->id = id;
	snprintf(a->path, sizeof(a->path), "%.63s", path);
	return a;
}

const void *cf_arena_data(struct cf_arena *a, uint64_t off, uint64_t len)
{
	uint64_t head = load(&a->h->head), tail = load(&a->h->tail);

	if (len > a->size || off < tail || off > head || head - off < len)
		return NULL;
	if (off % a->size + len > a->size)
		return NULL;
	return a->data + off % a->size;
}

void cf_arena_release(struct cf_arena *a, uint64_t end)
{
	uint64_t head = load(&a->h->head), tail = load(&a->h->tail);

	if (end > head)
		end = head;
	while (end > tail) {
		if (__atomic_compare_exchange_n(&a->h->tail, &tail, end, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	/*
	 * The producer announces that it sleeps before it rechecks tail, and
	 * we bump the word before looking: one of us sees the other.
	 */
	__atomic_add_fetch(&a->h->futex, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&a->h->waiting, __ATOMIC_SEQ_CST))
		futex(&a->h->futex, FUTEX_WAKE, INT_MAX, NULL);
}

const char *cf_arena_relay_path(struct cf_arena *a)
{
	snprintf(a->path, sizeof(a->path), "/proc/%d/fd/%d", (int)getpid(), a->fd);
	return a->path;
}

void cf_arena_relay_wait(struct cf_arena *a)
{
	if (a)
		wait_for_attach(a, a->attached + 1);
}

void cf_arena_detach(struct cf_arena *a)
{
	if (!a)
		return;
	munmap(a->h, a->map_len);
	close(a->fd);
	free(a);
}
