/*
 * The progress line and the heartbeat (see cf/progress.h).  Each line is
 * written with one write(2): several stages share the terminal.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/progress.h"
#include "cf/usage.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_err(const struct cf_buf *b)
{
	const char *p = b->buf;
	size_t len = b->len;

	while (len) {
		ssize_t n = write(2, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* progress is never worth dying for */
		p += n;
		len -= n;
	}
}

void cf_progress_init(struct cf_progress *p, enum cf_progress_mode mode)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(2);
	p->on = mode == CF_PROGRESS_ON || (mode == CF_PROGRESS_AUTO && p->tty);
	p->start = mono();
}

void cf_progress_total(struct cf_progress *p, uint64_t total)
{
	p->total = total;
	p->have_total = 1;
}

void cf_progress_chunk(struct cf_progress *p, uint64_t chunk)
{
	p->chunk = chunk;
	p->have_chunk = 1;
}

static void add_clock(struct cf_buf *b, double s)
{
	unsigned long long t = s > 0 && s < 1e9 ? (unsigned long long)(s + 0.5) : 0;

	if (t >= 3600)
		cf_buf_addf(b, "%llu:%02llu:%02llu", t / 3600, t / 60 % 60, t % 60);
	else
		cf_buf_addf(b, "%llu:%02llu", t / 60, t % 60);
}

static void draw(struct cf_progress *p, double now, int final)
{
	struct cf_buf b = CF_BUF_INIT;
	double dt = now - p->start, rate = dt > 0 ? p->done / dt : 0;
	size_t start;

	if (p->tty)
		cf_buf_addch(&b, '\r');
	start = b.len;
	cf_buf_addf(&b, "%s: %llu", cf_progname, (unsigned long long)p->done);
	if (p->have_total)
		cf_buf_addf(&b, "/%llu", (unsigned long long)p->total);
	cf_buf_addstr(&b, " commits");
	if (p->have_total && p->total && !final)
		cf_buf_addf(&b, " (%.0f%%)", 100.0 * p->done / p->total);
	if (final) {
		cf_buf_addf(&b, " in %.1f s", dt);
	} else if (dt >= 0.5) {
		cf_buf_addf(&b, ", %.0f/s", rate);
		if (p->have_total && rate > 0 && p->done < p->total) {
			cf_buf_addstr(&b, ", ETA ");
			add_clock(&b, (p->total - p->done) / rate);
		}
	}
	if (p->have_chunk)
		cf_buf_addf(&b, ", chunk %llu", (unsigned long long)p->chunk);
	if (p->tty)
		cf_buf_addstr(&b, "\x1b[K");
	p->shown = b.len - start;
	if (final || !p->tty)
		cf_buf_addch(&b, '\n');
	write_err(&b);
	cf_buf_release(&b);
}

void cf_progress_set(struct cf_progress *p, uint64_t done)
{
	double now;

	p->done = done;
	if (!p->on)
		return;
	now = mono();
	if (now < p->next)
		return;
	p->next = now + (p->tty ? 0.1 : 1.0);
	draw(p, now, 0);
}

void cf_progress_end(struct cf_progress *p)
{
	if (p->on)
		draw(p, mono(), 1);
	p->on = 0;
}

/* The heartbeat. */
struct slot {
	int busy;
	double since, reported;
	struct cf_oid commit;
	char path[256];
};

struct cf_heartbeat {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int quit;
	double after;		/* seconds on one item before a line */
	unsigned nr;
	struct slot *slots;
};

static void beat(struct cf_heartbeat *hb, struct slot *s, double now)
{
	char hex[CF_OID_HEXSZ + 1];

	if (!s->busy || now - s->since < hb->after || now - s->reported < hb->after)
		return;
	s->reported = now;
	cf_oid_to_hex(&s->commit, hex);
	hex[7] = '\0';
	cf_note("still at commit %s, '%s' (%.*f s)", hex, s->path,
		now - s->since < 10 ? 1 : 0, now - s->since);
}

static void *heartbeat_main(void *data)
{
	struct cf_heartbeat *hb = data;
	double period = hb->after / 2 < 1 ? hb->after / 2 : 1;
	struct timespec ts;

	if (period < 0.01)
		period = 0.01;
	pthread_mutex_lock(&hb->lock);
	while (!hb->quit) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(period * 1e9);
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&hb->wake, &hb->lock, &ts);
		for (unsigned i = 0; i < hb->nr && !hb->quit; i++)
			beat(hb, &hb->slots[i], mono());
	}
	pthread_mutex_unlock(&hb->lock);
	return NULL;
}

struct cf_heartbeat *cf_heartbeat_start(int on, unsigned slots)
{
	const char *env = getenv("CF_HEARTBEAT_SECONDS");
	struct cf_heartbeat *hb;
	char *end;

	if (!on || !slots)
		return NULL;
	hb = xcalloc(1, sizeof(*hb));
	hb->after = 5;
	if (env && *env) {
		double v = strtod(env, &end);
		if (*end || !(v >= 0.01 && v <= 86400))
			die("CF_HEARTBEAT_SECONDS: '%s' is not a number of seconds from 0.01 to 86400",
			    env);
		hb->after = v;
	}
	hb->nr = slots;
	hb->slots = xcalloc(slots, sizeof(*hb->slots));
	pthread_mutex_init(&hb->lock, NULL);
	pthread_cond_init(&hb->wake, NULL);
	if (pthread_create(&hb->thread, NULL, heartbeat_main, hb))
		die("cannot start the heartbeat thread");
	return hb;
}

void cf_heartbeat_enter(struct cf_heartbeat *hb, unsigned slot, const struct cf_oid *commit,
			const char *path, size_t len)
{
	struct slot *s;

	if (!hb || slot >= hb->nr)
		return;
	s = &hb->slots[slot];
	pthread_mutex_lock(&hb->lock);
	s->busy = 1;
	s->since = mono();
	s->reported = 0;
	s->commit = *commit;
	if (len >= sizeof(s->path))
		len = sizeof(s->path) - 1;
	memcpy(s->path, path, len);
	s->path[len] = '\0';
	pthread_mutex_unlock(&hb->lock);
}

void cf_heartbeat_leave(struct cf_heartbeat *hb, unsigned slot)
{
	if (!hb || slot >= hb->nr)
		return;
	pthread_mutex_lock(&hb->lock);
	hb->slots[slot].busy = 0;
	pthread_mutex_unlock(&hb->lock);
}

void cf_heartbeat_stop(struct cf_heartbeat *hb)
{
	if (!hb)
		return;
	pthread_mutex_lock(&hb->lock);
	hb->quit = 1;
	pthread_cond_signal(&hb->wake);
	pthread_mutex_unlock(&hb->lock);
	pthread_join(hb->thread, NULL);
	pthread_mutex_destroy(&hb->lock);
	pthread_cond_destroy(&hb->wake);
	free(hb->slots);
	free(hb);
}
