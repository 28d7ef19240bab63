/*
 * cf-run (also installed as codefang): assembles the history pipeline
 *
 *	cf-revlist | cf-treediff | cf-blobload | cf-diff | cf-ANALYZER... | cf-reduce
 *
 * from the seed's flags, runs it with sized pipes between the stages, and
 * supervises it: signals are forwarded, a failing stage ends the others,
 * and the first stage that really failed is named.
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
#include <sys/wait.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/budget.h"
#include "cf/buf.h"
#include "cf/child.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/usage.h"

static const char usage[] =
"usage: cf-run history [options] [REPO]\n"
"   or: codefang history [options] [REPO]\n"
"   or: cf-run analyze [-a LIST] [-f FORMAT] [-j N] PATH...\n"
"\n"
"Runs the history pipeline over REPO (default \".\") and prints the analyzers'\n"
"results as one document.\n"
"\n"
"  -a, --analyzers LIST       comma-separated: burndown, devs, couples, file-history\n"
"                             (default burndown)\n"
"  -f, --format FMT           json (default), yaml, text, plot (HTML) or msgpack\n"
"  -o, --output FILE          write FILE atomically instead of standard output\n"
"      --range RANGE          a revision or A..B (default HEAD)\n"
"      --first-parent         follow only first parents (the default)\n"
"      --full-history         every reachable commit\n"
"      --since DATE           only commits from DATE on\n"
"      --until DATE           only commits up to DATE\n"
"  -n, --max-count N          at most the N newest commits\n"
"      --tick-size HOURS      length of a tick (default 24)\n"
"      --granularity TICKS    burndown: width of a band (default 30)\n"
"      --sampling TICKS       burndown: length of a sample (default 30)\n"
"  -j, --workers N            threads of cf-blobload and cf-diff (default: online CPUs)\n"
"      --buffer-size N        capacity of each pipe, in 64 KiB units (default 2 x workers)\n"
"      --commit-batch-size N  commits read and diffed together (default 100)\n"
"      --blob-cache-size SIZE blob bytes kept for reuse (default 1GiB)\n"
"      --diff-cache-size N    blob pairs whose diffs are kept (default 10000)\n"
"      --blob-arena-size SIZE shared-memory ring for blob bytes (default 4MiB)\n"
"      --progress             show progress on standard error even when it is not\n"
"                             a terminal\n"
"      --quiet                show no progress\n"
"  -v, --verbose              print the knobs and the stages on standard error\n"
"      --dry-run              print the pipeline as a shell command and exit\n"
"  -h, --help                 show this help\n"
"\n"
"SIZE is bytes or a number with a unit: 500MB, 256MiB, 1GiB.\n";

#define MAX_STAGES 16

/* The analyzers -a knows, and the stage of each. */
static const char *const known_analyzers[][2] = {
	{ "burndown", "cf-burndown" },
	{ "devs", "cf-devs" },
	{ "couples", "cf-couples" },
	{ "file-history", "cf-file-history" },
	{ NULL, NULL },
};
#define KNOWN_ANALYZERS "burndown, devs, couples, file-history"

/* A NULL-terminated argument vector that owns its strings. */
struct args {
	char **v;
	size_t nr, alloc;
};

static void args_push(struct args *a, const char *s)
{
	CF_ALLOC_GROW(a->v, a->nr + 2, a->alloc);
	a->v[a->nr++] = xstrdup(s);
	a->v[a->nr] = NULL;
}

static void args_pushf(struct args *a, const char *flag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void args_pushf(struct args *a, const char *flag, const char *fmt, ...)
{
	struct cf_buf b = CF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	cf_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	args_push(a, flag);
	args_push(a, b.buf);
	cf_buf_release(&b);
}

static void args_release(struct args *a)
{
	for (size_t i = 0; i < a->nr; i++)
		free(a->v[i]);
	free(a->v);
}

struct options {
	const char *analyzers[MAX_STAGES];
	int nr_analyzers;
	const char *format, *output, *repo, *range, *since, *until;
	const char *max_count, *tick_size, *granularity, *sampling;
	int first_parent;	/* -1: not given */
	int verbose, dry_run;
	int progress;		/* -1 --quiet, 1 --progress, 0 when stderr is a terminal */
	struct cf_knobs knobs;
};

struct stage {
	const char *name;	/* "cf-diff" */
	struct args args;	/* args.v[0] is the program as shown; path is what runs */
	struct cf_buf path;
	int code;		/* exit code or 128 + signal, -1 while running */
};

/*
 * Shared with the signal handlers: the children that may still be running,
 * which of them cf-run asked to stop, and how far that has gone.
 */
static volatile pid_t child_pids[MAX_STAGES];
static volatile sig_atomic_t terminated[MAX_STAGES];
static volatile sig_atomic_t got_signal, stop_phase;

/* Seconds a stage upstream of a failure gets to end by itself, then to obey SIGTERM. */
#define GRACE_SECONDS 2
#define TERM_SECONDS 10

/* The analyzer's entry in known_analyzers, or -1. */
static int known_index(const char *name)
{
	for (int i = 0; known_analyzers[i][0]; i++)
		if (!strcmp(known_analyzers[i][0], name))
			return i;
	return -1;
}

static void parse_analyzers(struct options *o, const char *list)
{
	char *copy = xstrdup(list), *p, *save = NULL;

	o->nr_analyzers = 0;
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int k = known_index(p);
		if (k < 0)
			usage_error("-a: unknown analyzer '%s' (known: " KNOWN_ANALYZERS ")", p);
		for (int i = 0; i < o->nr_analyzers; i++)
			if (!strcmp(o->analyzers[i], p))
				usage_error("-a: analyzer '%s' is listed twice", p);
		o->analyzers[o->nr_analyzers++] = known_analyzers[k][0];
	}
	free(copy);
	if (!o->nr_analyzers)
		usage_error("-a: no analyzer given (known: " KNOWN_ANALYZERS ")");
}

static void check_format(const char *f)
{
	if (strcmp(f, "json") && strcmp(f, "yaml") && strcmp(f, "text") && strcmp(f, "plot") &&
	    strcmp(f, "msgpack"))
		usage_error("-f: unknown format '%s' (known: json, yaml, text, plot, msgpack)", f);
}

enum {
	OPT_RANGE = 256, OPT_FIRST_PARENT, OPT_FULL_HISTORY, OPT_SINCE, OPT_UNTIL,
	OPT_TICK_SIZE, OPT_GRANULARITY, OPT_SAMPLING, OPT_BUFFER_SIZE,
	OPT_COMMIT_BATCH_SIZE, OPT_BLOB_CACHE_SIZE, OPT_DIFF_CACHE_SIZE,
	OPT_BLOB_ARENA_SIZE, OPT_DRY_RUN, OPT_PROGRESS, OPT_QUIET,
};

static void set_knob(struct cf_knobs *k, enum cf_knob_index i, uint64_t *field, uint64_t v)
{
	*field = v;
	k->src[i] = CF_KNOB_FLAG;
}

/* The knobs: sizes through cf_opt_size, counts through cf_opt_uint. */
static int parse_knob(struct cf_knobs *k, int c, const char *arg)
{
	switch (c) {
	case 'j':
		set_knob(k, CF_KNOB_WORKERS, &k->workers,
			 cf_opt_uint("--workers", arg, 1, 1024));
		return 1;
	case OPT_BUFFER_SIZE:
		set_knob(k, CF_KNOB_BUFFER_SIZE, &k->buffer_size,
			 cf_opt_uint("--buffer-size", arg, 1, 1 << 20));
		return 1;
	case OPT_COMMIT_BATCH_SIZE:
		set_knob(k, CF_KNOB_COMMIT_BATCH_SIZE, &k->commit_batch_size,
			 cf_opt_uint("--commit-batch-size", arg, 1, 1000000));
		return 1;
	case OPT_BLOB_CACHE_SIZE:
		set_knob(k, CF_KNOB_BLOB_CACHE_SIZE, &k->blob_cache_size,
			 cf_opt_size("--blob-cache-size", arg));
		return 1;
	case OPT_DIFF_CACHE_SIZE:
		set_knob(k, CF_KNOB_DIFF_CACHE_SIZE, &k->diff_cache_size,
			 cf_opt_uint("--diff-cache-size", arg, 0, UINT32_MAX));
		return 1;
	case OPT_BLOB_ARENA_SIZE:
		set_knob(k, CF_KNOB_BLOB_ARENA_SIZE, &k->blob_arena_size,
			 cf_opt_size("--blob-arena-size", arg));
		return 1;
	}
	return 0;
}

static int parse_history_opt(struct options *o, int c, const char *arg)
{
	switch (c) {
	case 'a':
		parse_analyzers(o, arg);
		break;
	case 'f':
		check_format(arg);
		o->format = arg;
		break;
	case 'o':
		if (!*arg)
			usage_error("-o: empty file name");
		o->output = arg;
		break;
	case OPT_RANGE:
		if (!*arg)
			usage_error("--range: empty range");
		o->range = arg;
		break;
	case OPT_FIRST_PARENT:
	case OPT_FULL_HISTORY:
		o->first_parent = c == OPT_FIRST_PARENT;
		break;
	case OPT_SINCE:
		o->since = arg;
		break;
	case OPT_UNTIL:
		o->until = arg;
		break;
	case 'n':
		cf_opt_uint("--max-count", arg, 0, INT_MAX);
		o->max_count = arg;
		break;
	case OPT_TICK_SIZE:
		cf_opt_uint("--tick-size", arg, 1, 1000000);
		o->tick_size = arg;
		break;
	case OPT_GRANULARITY:
		cf_opt_uint("--granularity", arg, 1, UINT32_MAX);
		o->granularity = arg;
		break;
	case OPT_SAMPLING:
		cf_opt_uint("--sampling", arg, 1, UINT32_MAX);
		o->sampling = arg;
		break;
	default:
		return parse_knob(&o->knobs, c, arg);
	}
	return 1;
}

static void parse_history(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "analyzers", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "range", required_argument, NULL, OPT_RANGE },
		{ "first-parent", no_argument, NULL, OPT_FIRST_PARENT },
		{ "full-history", no_argument, NULL, OPT_FULL_HISTORY },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "max-count", required_argument, NULL, 'n' },
		{ "tick-size", required_argument, NULL, OPT_TICK_SIZE },
		{ "granularity", required_argument, NULL, OPT_GRANULARITY },
		{ "sampling", required_argument, NULL, OPT_SAMPLING },
		{ "workers", required_argument, NULL, 'j' },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
		{ "commit-batch-size", required_argument, NULL, OPT_COMMIT_BATCH_SIZE },
		{ "blob-cache-size", required_argument, NULL, OPT_BLOB_CACHE_SIZE },
		{ "diff-cache-size", required_argument, NULL, OPT_DIFF_CACHE_SIZE },
		{ "blob-arena-size", required_argument, NULL, OPT_BLOB_ARENA_SIZE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	o->format = "json";
	o->analyzers[0] = "burndown";
	o->nr_analyzers = 1;
	o->first_parent = -1;
	cf_knobs_default(&o->knobs, ncpu > 0 ? (uint64_t)ncpu : 1);
	while ((c = getopt_long(argc, argv, "a:f:o:n:j:vh", longopts, NULL)) != -1) {
		if (c == 'v')
			o->verbose = 1;
		else if (c == OPT_DRY_RUN)
			o->dry_run = 1;
		else if (c == OPT_PROGRESS || c == OPT_QUIET)
			o->progress = c == OPT_PROGRESS ? 1 : -1;
		else if (c == 'h')
			cf_usage_exit(usage);
		else if (!parse_history_opt(o, c, optarg))
			cf_usage_bad(usage);
	}
	if (o->knobs.src[CF_KNOB_BUFFER_SIZE] == CF_KNOB_DEFAULT)
		o->knobs.buffer_size = 2 * o->knobs.workers;
	if (argc - optind > 1)
		usage_error("at most one REPO (got '%s' and '%s')", argv[optind], argv[optind + 1]);
	o->repo = optind < argc ? argv[optind] : ".";
	if (!*o->repo)
		usage_error("empty REPO");
}

/* A size as the stages' flags read it: "1GiB" when exact, else bytes. */
static void size_arg(struct args *a, const char *flag, uint64_t v)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = -1;

	while (u < 3 && v && !(v % 1024)) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		args_pushf(a, flag, "%llu", (unsigned long long)v);
	else
		args_pushf(a, flag, "%llu%s", (unsigned long long)v, units[u]);
}

/* A positional argument that starts with '-' must not be read as an option. */
static void push_operand(struct args *a, const char *s, int *dashdash)
{
	if (*s == '-' && !*dashdash) {
		args_push(a, "--");
		*dashdash = 1;
	}
	args_push(a, s);
}

static void revlist_args(struct args *a, const struct options *o)
{
	int dashdash = 0;

	if (o->first_parent >= 0)
		args_push(a, o->first_parent ? "--first-parent" : "--full-history");
	if (o->since)
		args_pushf(a, "--since", "%s", o->since);
	if (o->until)
		args_pushf(a, "--until", "%s", o->until);
	if (o->max_count)
		args_pushf(a, "--max-count", "%s", o->max_count);
	if (o->tick_size)
		args_pushf(a, "--tick-size", "%s", o->tick_size);
	push_operand(a, o->repo, &dashdash);
	if (o->range)
		push_operand(a, o->range, &dashdash);
}

static void stage_args(struct stage *s, const struct options *o)
{
	const struct cf_knobs *k = &o->knobs;
	struct args *a = &s->args;
	int dashdash = 0;

	args_push(a, s->name);
	if (!strcmp(s->name, "cf-revlist")) {
		revlist_args(a, o);
	} else if (!strcmp(s->name, "cf-treediff")) {
		push_operand(a, o->repo, &dashdash);
	} else if (!strcmp(s->name, "cf-blobload")) {
		args_pushf(a, "--workers", "%llu", (unsigned long long)k->workers);
		args_pushf(a, "--commit-batch-size", "%llu",
			   (unsigned long long)k->commit_batch_size);
		size_arg(a, "--blob-cache-size", k->blob_cache_size);
		size_arg(a, "--blob-arena-size", k->blob_arena_size);
		push_operand(a, o->repo, &dashdash);
	} else if (!strcmp(s->name, "cf-diff")) {
		args_pushf(a, "--workers", "%llu", (unsigned long long)k->workers);
		args_pushf(a, "--commit-batch-size", "%llu",
			   (unsigned long long)k->commit_batch_size);
		args_pushf(a, "--diff-cache-size", "%llu", (unsigned long long)k->diff_cache_size);
		/* The stage that may be slow on one file says so (cf/progress.h). */
		if (o->progress > 0 || (!o->progress && isatty(2)))
			args_push(a, "--progress");
	} else if (!strcmp(s->name, "cf-burndown")) {
		if (o->granularity)
			args_pushf(a, "--granularity", "%s", o->granularity);
		if (o->sampling)
			args_pushf(a, "--sampling", "%s", o->sampling);
	} else if (!strcmp(s->name, "cf-reduce")) {
		args_pushf(a, "-f", "%s", o->format);
		if (o->progress)
			args_push(a, o->progress > 0 ? "--progress" : "--quiet");
		/* When it runs, cf-run itself writes FILE (see open_sink). */
		if (o->output && o->dry_run)
			args_pushf(a, "-o", "%s", o->output);
	}
}

/* The directory of this executable, with a final slash; empty if unknown. */
static void self_dir(struct cf_buf *dir)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n <= 0)
		return;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (slash)
		cf_buf_add(dir, path, slash - path + 1);
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The program of a stage: beside cf-run first, then on PATH.  It is shown
 * (in --dry-run and -v) by its bare name when PATH finds that same file.
 */
static void find_tool(struct stage *s, const struct cf_buf *dir, int must_exist)
{
	struct cf_buf on_path = CF_BUF_INIT;
	struct stat st;
	int found_on_path = !cf_child_lookup(s->name, &on_path);

	cf_buf_reset(&s->path);
	if (dir->len) {
		cf_buf_addf(&s->path, "%s%s", dir->buf, s->name);
		if (stat(s->path.buf, &st) || !S_ISREG(st.st_mode) || access(s->path.buf, X_OK))
			cf_buf_reset(&s->path);
	}
	if (!s->path.len && found_on_path)
		cf_buf_addstr(&s->path, on_path.buf);
	if (!s->path.len && must_exist)
		die("cannot find '%s' beside %s (in '%s') or on PATH", s->name, cf_progname,
		    dir->len ? dir->buf : "?");
	if (s->path.len && !(found_on_path && same_file(on_path.buf, s->path.buf))) {
		free(s->args.v[0]);
		s->args.v[0] = xstrdup(s->path.buf);
	}
	cf_buf_release(&on_path);
}

static int build_stages(struct stage *stages, const struct options *o)
{
	static const char *const head[] = { "cf-revlist", "cf-treediff", "cf-blobload", "cf-diff" };
	struct cf_buf dir = CF_BUF_INIT;
	int n = 0;

	self_dir(&dir);
	for (int i = 0; i < 4; i++)
		stages[n++].name = head[i];
	for (int i = 0; i < o->nr_analyzers; i++)
		stages[n++].name = known_analyzers[known_index(o->analyzers[i])][1];
	stages[n++].name = "cf-reduce";
	for (int i = 0; i < n; i++) {
		cf_buf_init(&stages[i].path, 0);
		stage_args(&stages[i], o);
		find_tool(&stages[i], &dir, !o->dry_run);
		stages[i].code = -1;
	}
	cf_buf_release(&dir);
	return n;
}

static void shell_quote(struct cf_buf *out, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_./:=@%+,-";
	if (*s && strspn(s, safe) == strlen(s)) {
		cf_buf_addstr(out, s);
		return;
	}
	cf_buf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			cf_buf_addstr(out, "'\\''");
		else
			cf_buf_addch(out, *s);
	}
	cf_buf_addch(out, '\'');
}

static void command_line(struct cf_buf *out, const struct args *a)
{
	for (size_t i = 0; i < a->nr; i++) {
		if (i)
			cf_buf_addch(out, ' ');
		shell_quote(out, a->v[i]);
	}
}

static void print_dry_run(const struct stage *stages, int n)
{
	struct cf_buf line = CF_BUF_INIT;

	for (int i = 0; i < n; i++) {
		if (i)
			cf_buf_addstr(&line, " | ");
		command_line(&line, &stages[i].args);
	}
	puts(line.buf);
	cf_buf_release(&line);
}

static void print_knobs(const struct cf_knobs *k, uint64_t pipe_bytes)
{
	const uint64_t v[CF_NR_KNOBS] = {
		k->workers, k->buffer_size, k->commit_batch_size,
		k->blob_cache_size, k->diff_cache_size, k->blob_arena_size,
	};
	char b[32];

	for (int i = 0; i < CF_NR_KNOBS; i++) {
		const char *src = cf_knob_source_name(k->src[i]);
		const char *flag = cf_knob_flag(i) + 2;
		if (i == CF_KNOB_BLOB_CACHE_SIZE || i == CF_KNOB_BLOB_ARENA_SIZE)
			cf_note("%s = %s (%s)", flag, cf_size_str(v[i], b), src);
		else if (i == CF_KNOB_BUFFER_SIZE)
			cf_note("%s = %llu (%s): %s per pipe", flag, (unsigned long long)v[i],
				src, cf_size_str(pipe_bytes, b));
		else
			cf_note("%s = %llu (%s)", flag, (unsigned long long)v[i], src);
	}
}

static uint64_t pipe_max_size(void)
{
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v ? v : 1 << 20;
}

/* The bytes each pipe should hold: buffer-size x 64 KiB, within the system's limit. */
static uint64_t pipe_bytes(const struct options *o)
{
	uint64_t want = o->knobs.buffer_size * (64ull << 10), max = pipe_max_size();

	if (want > max) {
		if (o->verbose)
			cf_note("--buffer-size %llu asks %llu bytes per pipe; "
				"clamped to /proc/sys/fs/pipe-max-size (%llu)",
				(unsigned long long)o->knobs.buffer_size,
				(unsigned long long)want, (unsigned long long)max);
		want = max;
	}
	return want;
}

/*
 * The document goes to a temporary file first, and to standard output or
 * FILE only when every stage has succeeded: a stage after a failing one may
 * finish before it is stopped, and its partial result must not be shown.
 * With -o the file is created beside FILE and renamed; otherwise it is an
 * unnamed file in $TMPDIR.
 */
static char *sink_path;

static void remove_sink(void)
{
	if (sink_path)
		unlink(sink_path);
}

static int open_sink(const char *output, struct cf_buf *path)
{
	const char *dir = getenv("TMPDIR");
	mode_t mask;
	int fd;

	if (output) {
		cf_buf_addf(path, "%s.tmp-XXXXXX", output);
		fd = mkostemp(path->buf, O_CLOEXEC);
		if (fd < 0)
			die_errno("cannot create a temporary file beside '%s'", output);
		sink_path = path->buf;
		cf_atexit_die(remove_sink);
		mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) < 0)
			die_errno("cannot set the mode of '%s'", path->buf);
		return fd;
	}
	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	cf_buf_addf(path, "%s/cf-run-XXXXXX", dir);
	fd = mkostemp(path->buf, O_CLOEXEC);
	if (fd < 0)
		die_errno("cannot create a temporary file in '%s'", dir);
	unlink(path->buf);
	return fd;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("write failure on standard output");
		p += n;
		len -= n;
	}
}

static void deliver(int fd, const char *output)
{
	char buf[65536];
	ssize_t n;

	if (output) {
		if (fsync(fd) < 0 && errno != EINVAL)
			die_errno("cannot write '%s'", sink_path);
		if (rename(sink_path, output) < 0)
			die_errno("cannot rename '%s' to '%s'", sink_path, output);
		sink_path = NULL;
		close(fd);
		return;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		die_errno("cannot read the document back");
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("cannot read the document back");
		write_all(1, buf, n);
	}
	close(fd);
}

static void forward_signal(int sig)
{
	int saved = errno;
	got_signal = sig;
	for (int i = 0; i < MAX_STAGES; i++)
		if (child_pids[i] > 0)
			kill(child_pids[i], sig);
	errno = saved;
}

static void stop_child(int i, int sig)
{
	if (child_pids[i] > 0) {
		if (sig == SIGTERM)
			terminated[i] = 1;
		kill(child_pids[i], sig);
	}
}

/*
 * After a failure, the stages upstream of it normally end by SIGPIPE; those
 * still running when the grace period is over get SIGTERM, and SIGKILL if
 * they are still there TERM_SECONDS later.
 */
static void stop_stragglers(int sig)
{
	int saved = errno;
	(void)sig;
	stop_phase++;
	for (int i = 0; i < MAX_STAGES; i++)
		stop_child(i, stop_phase == 1 ? SIGTERM : SIGKILL);
	if (stop_phase == 1)
		alarm(TERM_SECONDS);
	errno = saved;
}

static void install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = forward_signal;		/* no SA_RESTART: waitpid returns EINTR */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = stop_stragglers;
	sigaction(SIGALRM, &sa, NULL);
}

/*
 * Stage i ended abnormally (or could not start).  The stages after it read
 * an incomplete stream: they are stopped at once, so that no partial result
 * is written.  The stages before it get a grace period to end by themselves
 * (SIGPIPE, or their own error, which is then the one reported).
 */
static void stop_after_failure(int i, int started)
{
	for (int j = i + 1; j < started; j++)
		if (!terminated[j])
			stop_child(j, SIGTERM);
	if (!stop_phase)
		alarm(GRACE_SECONDS);
}

static int start_stage(struct stage *s, int i, int in, int out, const sigset_t *block)
{
	struct cf_child c = CF_CHILD_INIT;
	char *shown = s->args.v[0];
	sigset_t old;
	int ret, err;

	s->args.v[0] = s->path.buf;	/* exec the path; messages show the name */
	c.argv = (const char *const *)s->args.v;
	c.in = in;
	c.out = out;
	/* A forwarding handler must see the pid of every child that exists. */
	sigprocmask(SIG_BLOCK, block, &old);
	ret = cf_child_start(&c);
	err = errno;
	if (!ret)
		child_pids[i] = c.pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	s->args.v[0] = shown;
	errno = err;
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd > 0)
		close(*fd);
	*fd = -1;
}

/* Starts every stage with a pipe to the next; returns how many started. */
static int start_pipeline(struct stage *stages, int n, int sink, uint64_t bytes, int verbose)
{
	sigset_t block;
	int in = 0, i;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	for (i = 0; i < n && !got_signal; i++) {
		int p[2] = { -1, -1 };
		if (i == n - 1 && (p[1] = fcntl(sink, F_DUPFD_CLOEXEC, 3)) < 0) {
			error_errno("cannot duplicate a file descriptor");
			break;
		}
		if (i < n - 1) {
			if (pipe2(p, O_CLOEXEC) < 0) {
				error_errno("cannot create a pipe");
				break;
			}
			if (fcntl(p[1], F_SETPIPE_SZ, (int)bytes) < 0 && verbose)
				cf_note("cannot set the pipe after stage %d to %llu bytes: %s",
					i + 1, (unsigned long long)bytes, strerror(errno));
		}
		if (verbose) {
			struct cf_buf line = CF_BUF_INIT;
			command_line(&line, &stages[i].args);
			cf_note("stage %d: %s", i + 1, line.buf);
			cf_buf_release(&line);
		}
		if (start_stage(&stages[i], i, in, p[1], &block) < 0) {
			error_errno("cannot run '%s'", stages[i].path.buf);
			close_fd(&p[0]);
			break;
		}
		in = p[0];
	}
	close_fd(&in);
	return i;
}

static int find_stage(const struct stage *stages, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (child_pids[i] == pid && stages[i].code < 0)
			return i;
	return -1;
}

/* Reaps every started stage; the first abnormal end makes the others stop. */
static void wait_pipeline(struct stage *stages, int started)
{
	int left = started, status;

	while (left > 0) {
		pid_t pid = waitpid(-1, &status, 0);
		int i;

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			die_errno("waitpid");
		i = find_stage(stages, started, pid);
		if (i < 0)
			continue;
		stages[i].code = cf_child_code(status);
		child_pids[i] = 0;
		left--;
		if (stages[i].code)
			stop_after_failure(i, started);
	}
	alarm(0);
}

/*
 * The stage to blame: the first, in pipeline order, that did not merely die
 * of SIGPIPE (its reader went away) or of the SIGTERM cf-run sent it.
 */
static int first_failure(const struct stage *stages, int n)
{
	for (int i = 0; i < n; i++) {
		int code = stages[i].code;
		if (!code || code == 128 + SIGPIPE ||
		    (code == 128 + SIGTERM && terminated[i]))
			continue;
		return i;
	}
	return -1;
}

static void report(const struct stage *stages, int n, int started)
{
	int i = first_failure(stages, started);

	if (got_signal) {
		remove_sink();
		signal(got_signal, SIG_DFL);
		raise(got_signal);
	}
	if (i >= 0 && stages[i].code > 128)
		die("stage %d (%s) was killed by signal %d (%s)", i + 1, stages[i].name,
		    stages[i].code - 128, strsignal(stages[i].code - 128));
	if (i >= 0)
		die("stage %d (%s) exited with status %d", i + 1, stages[i].name, stages[i].code);
	if (started < n) {
		remove_sink();
		exit(CF_EXIT_FAIL);	/* the reason has been printed */
	}

}

static void release_stages(struct stage *stages, int n)
{
	for (int i = 0; i < n; i++) {
		args_release(&stages[i].args);
		cf_buf_release(&stages[i].path);
	}
}

static int cmd_history(int argc, char **argv)
{
	struct options o = { 0 };
	struct stage stages[MAX_STAGES] = { 0 };
	struct cf_buf sink_name = CF_BUF_INIT;
	int n, started, sink;
	uint64_t bytes;

	parse_history(&o, argc, argv);
	n = build_stages(stages, &o);
	if (o.dry_run) {
		print_dry_run(stages, n);
		release_stages(stages, n);
		return 0;
	}
	bytes = pipe_bytes(&o);
	if (o.verbose)
		print_knobs(&o.knobs, bytes);
	install_handlers();
	sink = open_sink(o.output, &sink_name);
	fflush(NULL);
	started = start_pipeline(stages, n, sink, bytes, o.verbose);
	if (started < n)
		stop_after_failure(started - 1, started);
	wait_pipeline(stages, started);
	report(stages, n, started);
	deliver(sink, o.output);
	cf_buf_release(&sink_name);
	release_stages(stages, n);
	return 0;
}

/*
 * analyze: the static analyzers are one process, cf-static, which walks the
 * tree and runs its workers itself; cf-run runs it with JSON as the default
 * format, so that the driver stays free of the grammars.
 */
static int cmd_analyze(int argc, char **argv)
{
	struct stage s = { .name = "cf-static" };
	struct cf_buf dir = CF_BUF_INIT;
	const char **args = xcalloc(argc + 3, sizeof(*args));

	cf_buf_init(&s.path, 0);
	args_push(&s.args, "cf-static");
	self_dir(&dir);
	find_tool(&s, &dir, 1);
	args[0] = s.path.buf;
	args[1] = "-f";
	args[2] = "json";
	for (int i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	fflush(NULL);
	execv(args[0], (char *const *)args);
	die_errno("cannot run '%s'", args[0]);
}

int cmd_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		exit(CF_EXIT_USAGE);
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		cf_usage_exit(usage);
	if (!strcmp(argv[1], "analyze"))
		return cmd_analyze(argc - 1, argv + 1);
	if (strcmp(argv[1], "history"))
		usage_error("unknown command '%s' (known: history, analyze)", argv[1]);
	argv[1] = argv[0];	/* getopt names the program in its messages */
	return cmd_history(argc - 1, argv + 1);
}
