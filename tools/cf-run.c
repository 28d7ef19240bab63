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
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
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
#include "cf/checkpoint.h"
#include "cf/child.h"
#include "cf/oid.h"
#include "cf/output.h"
#include "cf/repo.h"
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
"  -a, --analyzers LIST       comma-separated: burndown, devs, couples, file-history,\n"
"                             shotness, typos, sentiment, imports, quality, anomaly\n"
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
"  -M, --find-renames[=N]     pair renames of N% similarity or more (default 50)\n"
"      --no-renames           no rename detection\n"
"      --rename-limit N       only exact renames in commits with more than N^2\n"
"                             deleted x added files (default 1000)\n"
"      --people-dict FILE     merge aliases: one person per line, 'a|b|c'\n"
"      --identity WHO         author (default) or committer\n"
"      --include GLOB         only paths matching GLOB (repeatable)\n"
"      --exclude GLOB         leave out paths matching GLOB (repeatable)\n"
"      --skip-vendored        leave out vendored, minified, lock and generated files\n"
"      --languages LIST       only files of these languages (comma-separated)\n"
"      --max-blob-size SIZE   blobs larger than SIZE count no lines\n"
"      --max-diff-size SIZE   pairs of blobs larger than SIZE together are not\n"
"                             diffed but count as binary (default 1GiB)\n"
"      --max-diff-lines N     likewise for pairs of over N lines (8388608)\n"
"      --granularity TICKS    burndown: width of a band (default 30)\n"
"      --sampling TICKS       burndown: length of a sample (default 30)\n"
"      --burndown-files       burndown: also a matrix per file alive at the end\n"
"      --burndown-people      burndown: also a matrix per person, overwrites and\n"
"                             ownership\n"
"      --shard                couples, file-history: also what cf-reduce --shards\n"
"                             needs to merge commit-range shards of REPO\n"
"  -j, --workers N            threads of cf-blobload and cf-diff (default: online CPUs)\n"
"      --buffer-size N        capacity of each pipe, in 64 KiB units (default 2 x workers)\n"
"      --commit-batch-size N  commits read and diffed together (default 100)\n"
"      --blob-cache-size SIZE blob bytes kept for reuse (default 1GiB)\n"
"      --diff-cache-size N    blob pairs whose diffs are kept (default 10000)\n"
"      --blob-arena-size SIZE shared-memory ring for blob bytes (default 4MiB)\n"
"      --progress             show progress on standard error even when it is not\n"
"                             a terminal\n"
"      --quiet                show no progress\n"
"      --memory-budget SIZE   derive the knobs not given from a budget for the\n"
"                             whole pipeline (at least 128MiB)\n"
"      --streaming-mode MODE  auto (default), on or off: analyse in chunks\n"
"      --checkpoint[=BOOL]    in streaming mode, save a checkpoint after each\n"
"                             chunk (default true)\n"
"      --checkpoint-dir DIR   where checkpoints go (~/.codefang/checkpoints)\n"
"      --resume[=BOOL]        resume from a valid checkpoint (default true)\n"
"      --clear-checkpoint     remove the repository's checkpoint first\n"
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
	{ "shotness", "cf-shotness" },
	{ "typos", "cf-typos" },
	{ "sentiment", "cf-sentiment" },
	{ "imports", "cf-imports" },
	{ "quality", "cf-quality" },
	{ "anomaly", "cf-anomaly" },
	{ NULL, NULL },
};
#define KNOWN_ANALYZERS "burndown, devs, couples, file-history, shotness, typos, " \
	"sentiment, imports, quality, anomaly"

/* The analyzers that read cf-uastdiff's syntax records: it runs before them. */
static int reads_syntax(const char *name)
{
	static const char *const names[] = { "shotness", "typos", "sentiment", "imports", "quality" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/* The stages before the first analyzer: 4, or 5 with cf-uastdiff. */
static int nr_head = 4;

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

/* What the analysis looks at: renames, identities, paths (cf-treediff, cf-revlist). */
struct fidelity {
	struct args revlist, treediff, blobload, diff;	/* flags for each stage, in order given */
};

struct options {
	const char *analyzers[MAX_STAGES];
	int nr_analyzers;
	const char *format, *output, *repo, *range, *since, *until;
	const char *max_count, *tick_size, *granularity, *sampling;
	int first_parent;	/* -1: not given */
	int burndown_files, burndown_people;
	int shard;		/* --shard: couples and file-history carry a "shard" map */
	int verbose, dry_run;
	int progress;		/* -1 --quiet, 1 --progress, 0 when stderr is a terminal */
	struct cf_knobs knobs;
	struct fidelity fid;
	struct stream_opts {
		const char *budget_arg;	/* NULL: no --memory-budget */
		uint64_t budget;
		/* what the budget set aside before the knobs (cf/budget.h) */
		uint64_t paths, index_bytes, reserve_analyzers, reserve_pipeline;
		enum { STREAM_AUTO, STREAM_ON, STREAM_OFF } mode;
		int checkpoint, resume, clear;
		const char *dir;
	} st;
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

/*
 * cf-anomaly also scores the results of cf-quality and cf-sentiment, which
 * come at the end of the stream: it runs after every other analyzer.
 */
static void anomaly_last(struct options *o)
{
	for (int i = 0; i + 1 < o->nr_analyzers; i++)
		if (!strcmp(o->analyzers[i], "anomaly")) {
			memmove(&o->analyzers[i], &o->analyzers[i + 1],
				(o->nr_analyzers - i - 1) * sizeof(*o->analyzers));
			o->analyzers[o->nr_analyzers - 1] = "anomaly";
			return;
		}
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
	anomaly_last(o);
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
	OPT_NO_RENAMES, OPT_RENAME_LIMIT, OPT_PEOPLE_DICT, OPT_IDENTITY, OPT_INCLUDE,
	OPT_EXCLUDE, OPT_SKIP_VENDORED, OPT_LANGUAGES, OPT_MAX_BLOB_SIZE,
	OPT_BURNDOWN_FILES, OPT_BURNDOWN_PEOPLE, OPT_SHARD,
	OPT_MAX_DIFF_SIZE, OPT_MAX_DIFF_LINES,
	OPT_MEMORY_BUDGET = 400, OPT_STREAMING_MODE, OPT_CHECKPOINT, OPT_CHECKPOINT_DIR,
	OPT_RESUME, OPT_CLEAR_CHECKPOINT,
};

/*
 * The fidelity flags are checked here, so that a mistake is a usage error
 * of cf-run, and passed on as given to the stage that reads them.
 */
static int parse_fidelity(struct fidelity *f, int c, const char *arg)
{
	switch (c) {
	case 'M': {
		struct cf_buf b = CF_BUF_INIT;

		cf_buf_addstr(&b, "--find-renames");
		if (arg)
			cf_buf_addf(&b, "=%llu", (unsigned long long)
				    cf_opt_uint("--find-renames", arg, 0, 100));
		args_push(&f->treediff, b.buf);
		cf_buf_release(&b);
		return 1;
	}
	case OPT_NO_RENAMES:
		args_push(&f->treediff, "--no-renames");
		return 1;
	case OPT_RENAME_LIMIT:
		cf_opt_uint("--rename-limit", arg, 0, UINT32_MAX);
		args_pushf(&f->treediff, "--rename-limit", "%s", arg);
		return 1;
	case OPT_PEOPLE_DICT:
		if (!*arg)
			usage_error("--people-dict: empty file name");
		args_pushf(&f->revlist, "--people-dict", "%s", arg);
		return 1;
	case OPT_IDENTITY:
		if (strcmp(arg, "author") && strcmp(arg, "committer"))
			usage_error("--identity: '%s' is neither author nor committer", arg);
		args_pushf(&f->revlist, "--identity", "%s", arg);
		return 1;
	case OPT_INCLUDE:
	case OPT_EXCLUDE:
		args_pushf(&f->treediff, c == OPT_INCLUDE ? "--include" : "--exclude", "%s", arg);
		return 1;
	case OPT_SKIP_VENDORED:
		args_push(&f->treediff, "--skip-vendored");
		return 1;
	case OPT_LANGUAGES:
		args_pushf(&f->treediff, "--languages", "%s", arg);
		return 1;
	case OPT_MAX_BLOB_SIZE:
		cf_opt_size("--max-blob-size", arg);
		args_pushf(&f->blobload, "--max-blob-size", "%s", arg);
		return 1;
	case OPT_MAX_DIFF_SIZE:
		cf_opt_size("--max-diff-size", arg);
		args_pushf(&f->diff, "--max-diff-size", "%s", arg);
		return 1;
	case OPT_MAX_DIFF_LINES:
		cf_opt_uint("--max-diff-lines", arg, 0, UINT64_MAX);
		args_pushf(&f->diff, "--max-diff-lines", "%s", arg);
		return 1;
	}
	return 0;
}

static int opt_bool(const char *flag, const char *arg)
{
	if (!arg || !strcmp(arg, "true"))
		return 1;
	if (!strcmp(arg, "false"))
		return 0;
	usage_error("%s: not true or false: '%s'", flag, arg);
}

/* The flags of streaming mode, checkpoints and the memory budget. */
static int parse_stream_opt(struct stream_opts *st, int c, const char *arg)
{
	switch (c) {
	case OPT_MEMORY_BUDGET:
		st->budget = cf_opt_size("--memory-budget", arg);
		st->budget_arg = arg;
		return 1;
	case OPT_STREAMING_MODE:
		if (!strcmp(arg, "auto"))
			st->mode = STREAM_AUTO;
		else if (!strcmp(arg, "on"))
			st->mode = STREAM_ON;
		else if (!strcmp(arg, "off"))
			st->mode = STREAM_OFF;
		else
			usage_error("--streaming-mode: not auto, on or off: '%s'", arg);
		return 1;
	case OPT_CHECKPOINT:
		st->checkpoint = opt_bool("--checkpoint", arg);
		return 1;
	case OPT_CHECKPOINT_DIR:
		if (!*arg)
			usage_error("--checkpoint-dir: empty directory name");
		st->dir = arg;
		return 1;
	case OPT_RESUME:
		st->resume = opt_bool("--resume", arg);
		return 1;
	case OPT_CLEAR_CHECKPOINT:
		st->clear = 1;
		return 1;
	}
	return 0;
}

static void release_fidelity(struct fidelity *f)
{
	args_release(&f->revlist);
	args_release(&f->treediff);
	args_release(&f->blobload);
	args_release(&f->diff);
}

/* Appends the fidelity flags of one stage. */
static void push_all(struct args *a, const struct args *flags)
{
	for (size_t i = 0; i < flags->nr; i++)
		args_push(a, flags->v[i]);
}

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
	case OPT_BURNDOWN_FILES:
		o->burndown_files = 1;
		break;
	case OPT_BURNDOWN_PEOPLE:
		o->burndown_people = 1;
		break;
	case OPT_SHARD:
		o->shard = 1;
		break;
	default:
		return parse_knob(&o->knobs, c, arg) || parse_fidelity(&o->fid, c, arg) ||
		       parse_stream_opt(&o->st, c, arg);
	}
	return 1;
}

/*
 * A full-history stream gives merges no changes and interleaves branches,
 * so line ages could not follow the files: burndown stays first-parent.
 */
static void check_full_history(const struct options *o)
{
	if (o->first_parent)
		return;
	for (int i = 0; i < o->nr_analyzers; i++)
		if (!strcmp(o->analyzers[i], "burndown"))
			usage_error("--full-history: burndown follows first parents only "
				    "(run it without --full-history)");
}

static int selected(const struct options *o, const char *analyzer)
{
	for (int i = 0; i < o->nr_analyzers; i++)
		if (!strcmp(o->analyzers[i], analyzer))
			return 1;
	return 0;
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
		{ "burndown-files", no_argument, NULL, OPT_BURNDOWN_FILES },
		{ "shard", no_argument, NULL, OPT_SHARD },
		{ "burndown-people", no_argument, NULL, OPT_BURNDOWN_PEOPLE },
		{ "workers", required_argument, NULL, 'j' },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
		{ "commit-batch-size", required_argument, NULL, OPT_COMMIT_BATCH_SIZE },
		{ "blob-cache-size", required_argument, NULL, OPT_BLOB_CACHE_SIZE },
		{ "diff-cache-size", required_argument, NULL, OPT_DIFF_CACHE_SIZE },
		{ "blob-arena-size", required_argument, NULL, OPT_BLOB_ARENA_SIZE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "find-renames", optional_argument, NULL, 'M' },
		{ "no-renames", no_argument, NULL, OPT_NO_RENAMES },
		{ "rename-limit", required_argument, NULL, OPT_RENAME_LIMIT },
		{ "people-dict", required_argument, NULL, OPT_PEOPLE_DICT },
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "include", required_argument, NULL, OPT_INCLUDE },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "skip-vendored", no_argument, NULL, OPT_SKIP_VENDORED },
		{ "languages", required_argument, NULL, OPT_LANGUAGES },
		{ "max-blob-size", required_argument, NULL, OPT_MAX_BLOB_SIZE },
		{ "max-diff-size", required_argument, NULL, OPT_MAX_DIFF_SIZE },
		{ "max-diff-lines", required_argument, NULL, OPT_MAX_DIFF_LINES },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "memory-budget", required_argument, NULL, OPT_MEMORY_BUDGET },
		{ "streaming-mode", required_argument, NULL, OPT_STREAMING_MODE },
		{ "checkpoint", optional_argument, NULL, OPT_CHECKPOINT },
		{ "checkpoint-dir", required_argument, NULL, OPT_CHECKPOINT_DIR },
		{ "resume", optional_argument, NULL, OPT_RESUME },
		{ "clear-checkpoint", no_argument, NULL, OPT_CLEAR_CHECKPOINT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	o->format = "json";
	o->analyzers[0] = "burndown";
	o->nr_analyzers = 1;
	o->first_parent = -1;
	o->st.checkpoint = o->st.resume = 1;
	cf_knobs_default(&o->knobs, ncpu > 0 ? (uint64_t)ncpu : 1);
	while ((c = getopt_long(argc, argv, "a:f:o:n:j:M::vh", longopts, NULL)) != -1) {
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
	check_full_history(o);
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
		push_all(a, &o->fid.revlist);
		revlist_args(a, o);
	} else if (!strcmp(s->name, "cf-treediff")) {
		if (k->tree_cache_size)
			size_arg(a, "--delta-cache-size", k->tree_cache_size);
		push_all(a, &o->fid.treediff);
		push_operand(a, o->repo, &dashdash);
	} else if (!strcmp(s->name, "cf-blobload")) {
		args_pushf(a, "--workers", "%llu", (unsigned long long)k->workers);
		args_pushf(a, "--commit-batch-size", "%llu",
			   (unsigned long long)k->commit_batch_size);
		size_arg(a, "--blob-cache-size", k->blob_cache_size);
		size_arg(a, "--blob-arena-size", k->blob_arena_size);
		args_pushf(a, "--arenas", "%llu", (unsigned long long)cf_knobs_arenas(k));
		if (k->delta_cache_size)
			size_arg(a, "--delta-cache-size", k->delta_cache_size);
		if (k->batch_bytes)
			size_arg(a, "--batch-bytes", k->batch_bytes);
		if (k->release_memory)
			args_push(a, "--release-memory");
		push_all(a, &o->fid.blobload);
		if (nr_head > 4)
			args_push(a, "--blobs=all");
		push_operand(a, o->repo, &dashdash);
	} else if (!strcmp(s->name, "cf-diff")) {
		args_pushf(a, "--workers", "%llu", (unsigned long long)k->workers);
		args_pushf(a, "--commit-batch-size", "%llu",
			   (unsigned long long)k->commit_batch_size);
		args_pushf(a, "--diff-cache-size", "%llu", (unsigned long long)k->diff_cache_size);
		push_all(a, &o->fid.diff);
		/*
		 * cf-devs and cf-file-history count lines as git --numstat does
		 * (cf-diff(1)), whatever else runs beside them.
		 */
		if (selected(o, "devs") || selected(o, "file-history"))
			args_push(a, "--exact-numstat");
		/* Only cf-burndown and cf-uastdiff read the hunks; the others count lines. */
		if (!selected(o, "burndown") && nr_head == 4)
			args_push(a, "--no-hunks");
		if (nr_head > 4)
			args_push(a, "--keep-blobs");
		/* The stage that may be slow on one file says so (cf/progress.h). */
		if (o->progress > 0 || (!o->progress && isatty(2)))
			args_push(a, "--progress");
	} else if (!strcmp(s->name, "cf-uastdiff")) {
		args_pushf(a, "--workers", "%llu", (unsigned long long)k->workers);
		args_pushf(a, "--commit-batch-size", "%llu",
			   (unsigned long long)k->commit_batch_size);
		/* parsed trees come out of the budget's cache share too */
		if (o->st.budget_arg)
			size_arg(a, "--tree-cache-size", k->blob_cache_size / 4);
	} else if (!strcmp(s->name, "cf-burndown")) {
		if (o->granularity)
			args_pushf(a, "--granularity", "%s", o->granularity);
		if (o->sampling)
			args_pushf(a, "--sampling", "%s", o->sampling);
		if (o->burndown_files)
			args_push(a, "--burndown-files");
		if (o->burndown_people)
			args_push(a, "--burndown-people");
	} else if (!strcmp(s->name, "cf-couples") || !strcmp(s->name, "cf-file-history")) {
		if (o->shard)
			args_push(a, "--shard");
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
		if (reads_syntax(o->analyzers[i])) {
			stages[n++].name = "cf-uastdiff";
			break;
		}
	nr_head = n;
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

/* What the budget set aside, and for whom, before the knobs got the rest. */
static void print_reserve(const struct options *o)
{
	const struct stream_opts *st = &o->st;
	struct cf_buf line = CF_BUF_INIT;
	char b[32], c[32], d[32];

	cf_buf_addf(&line, "analyzer-reserve = %s (memory budget): %" PRIu64 " paths at the tip",
		    cf_size_str(st->reserve_analyzers, b), st->paths);
	for (int i = 0; i < o->nr_analyzers; i++)
		cf_buf_addf(&line, "%s %s %s", i ? "," : ";", o->analyzers[i],
			    cf_size_str(cf_analyzer_reserve(o->analyzers[i], st->paths), b));
	cf_note("%s", line.buf);
	cf_note("pipeline-reserve = %s (memory budget): %s and %llu x %s of pack index",
		cf_size_str(st->reserve_pipeline, b), cf_size_str(CF_PIPELINE_BASE, c),
		CF_INDEX_COPIES, cf_size_str(st->index_bytes, d));
	cf_buf_release(&line);
}

static void print_knobs(const struct options *o, uint64_t pipe_bytes)
{
	const struct cf_knobs *k = &o->knobs;
	const struct stream_opts *st = &o->st;
	const uint64_t v[CF_NR_KNOBS] = {
		k->workers, k->buffer_size, k->commit_batch_size,
		k->blob_cache_size, k->diff_cache_size, k->blob_arena_size,
	};
	char b[32], c[32];

	if (st->budget_arg) {
		cf_note("memory-budget = %s (flag): the knobs below cost %s", cf_size_str(st->budget, b),
			cf_size_str(cf_knobs_cost(k), c));
		print_reserve(o);
	}
	for (int i = 0; i < CF_NR_KNOBS; i++) {
		const char *src = cf_knob_source_name(k->src[i]);
		const char *flag = cf_knob_flag(i) + 2;
		if (i == CF_KNOB_BLOB_CACHE_SIZE)
			cf_note("%s = %s (%s)", flag, cf_size_str(v[i], b), src);
		else if (i == CF_KNOB_BLOB_ARENA_SIZE)
			cf_note("%s = %s (%s): a ring of %llu arenas, %s", flag, cf_size_str(v[i], b),
				src, (unsigned long long)cf_knobs_arenas(k),
				cf_size_str(cf_knobs_ring(k), c));
		else if (i == CF_KNOB_BUFFER_SIZE)
			cf_note("%s = %llu (%s): %s per pipe", flag, (unsigned long long)v[i],
				src, cf_size_str(pipe_bytes, b));
		else
			cf_note("%s = %llu (%s)", flag, (unsigned long long)v[i], src);
	}
	if (k->delta_cache_size)
		cf_note("delta-cache-size = %s (memory budget): per cf-blobload thread",
			cf_size_str(k->delta_cache_size, b));
	if (k->batch_bytes)
		cf_note("batch-bytes = %s (memory budget): text a cf-blobload batch holds "
			"(two are held)", cf_size_str(k->batch_bytes, b));
	if (k->release_memory)
		cf_note("release-memory (memory budget): cf-blobload gives free memory back "
			"after each batch");
	if (k->tree_cache_size)
		cf_note("tree-cache-size = %s (memory budget): cf-treediff's --delta-cache-size",
			cf_size_str(k->tree_cache_size, b));
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
 * With -o the file is created beside FILE and renamed; otherwise, and for a
 * FILE that is no regular file (cf_output_in_place()), it is an unnamed
 * file in $TMPDIR, copied out at the end.
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

	if (output && !cf_output_in_place(output)) {
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

static void write_all(int fd, const char *p, size_t len, const char *what)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			/* The reader left: end as a filter does, quietly. */
			remove_sink();
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		if (n < 0 && fd == 1)
			die_errno("write failure on standard output");
		if (n < 0)
			die_errno("cannot write '%s'", what);
		p += n;
		len -= n;
	}
}

static void deliver(int fd, const char *output)
{
	char buf[65536];
	ssize_t n;
	int to = 1;

	if (sink_path) {
		if (fsync(fd) < 0 && errno != EINVAL)
			die_errno("cannot write '%s'", sink_path);
		if (rename(sink_path, output) < 0)
			die_errno("cannot rename '%s' to '%s'", sink_path, output);
		sink_path = NULL;
		close(fd);
		return;
	}
	if (output && (to = open(output, O_WRONLY | O_CLOEXEC)) < 0)
		die_errno("cannot open '%s'", output);
	if (lseek(fd, 0, SEEK_SET) < 0)
		die_errno("cannot read the document back");
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("cannot read the document back");
		write_all(to, buf, n, output);
	}
	if (output && close(to) < 0)
		die_errno("cannot write '%s'", output);
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

/*
 * SIGPIPE too: when the reader of our standard error (-v) or output goes
 * away, the run ends as if interrupted, and its temporary document goes.
 */
static void install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
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
/* Only cf-reduce, started last, may inherit the write end of the barrier pipe. */
static int barrier_fd = -1;

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
		if (i == n - 1 && barrier_fd >= 0)
			fcntl(barrier_fd, F_SETFD, 0);
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

/* Records the end of a stage; returns 0 when pid was not one. */
static int reaped(struct stage *stages, int started, pid_t pid, int status)
{
	int i = find_stage(stages, started, pid);

	if (i < 0)
		return 0;
	stages[i].code = cf_child_code(status);
	child_pids[i] = 0;
	if (stages[i].code)
		stop_after_failure(i, started);
	return 1;
}

/* Reaps every started stage; the first abnormal end makes the others stop. */
static void wait_pipeline(struct stage *stages, int started)
{
	int left = started, status;

	while (left > 0) {
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			die_errno("waitpid");
		if (reaped(stages, started, pid, status))
			left--;
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

/* ---- memory budget, streaming mode and checkpoints ---- */

/* The revision the walk starts from: "HEAD", or the end of A..B. */
static const char *range_end(const struct options *o)
{
	const char *range = o->range ? o->range : "HEAD", *dots = strstr(range, "..");

	return dots ? (dots[2] ? dots + 2 : "HEAD") : range;
}

static int count_blob(const char *root, const git_tree_entry *e, void *data)
{
	(void)root;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
		++*(uint64_t *)data;
	return 0;
}

/*
 * The files of the tip's tree: what the analyzers' state grows with.  A
 * revision that does not resolve counts none; cf-revlist reports it.
 */
static uint64_t tip_paths(git_repository *repo, const struct options *o)
{
	git_object *obj;
	git_tree *tree;
	uint64_t n = 0;

	if (git_revparse_single(&obj, repo, range_end(o)) < 0)
		return 0;
	if (!git_object_peel((git_object **)&tree, obj, GIT_OBJECT_TREE)) {
		git_tree_walk(tree, GIT_TREEWALK_PRE, count_blob, &n);
		git_tree_free(tree);
	}
	git_object_free(obj);
	return n;
}

static uint64_t pack_index_bytes(git_repository *repo)
{
	struct cf_buf dir = CF_BUF_INIT;
	DIR *d;
	struct dirent *e;
	uint64_t n = 0;

	cf_buf_addf(&dir, "%s/objects/pack", git_repository_commondir(repo));
	d = opendir(dir.buf);
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct stat st;

		if (len < 4 || strcmp(e->d_name + len - 4, ".idx") ||
		    fstatat(dirfd(d), e->d_name, &st, 0) < 0)
			continue;
		n += st.st_size;
	}
	if (d)
		closedir(d);
	cf_buf_release(&dir);
	return n;
}

static void apply_budget(struct options *o)
{
	struct stream_opts *st = &o->st;
	git_repository *repo;
	uint64_t reserve;
	char b[32], c[32];

	if (!st->budget_arg)
		return;
	if (st->budget < CF_BUDGET_MIN)
		usage_error("--memory-budget: '%s' is below the minimum of %s", st->budget_arg,
			    cf_size_str(CF_BUDGET_MIN, b));
	repo = cf_repo_open(o->repo);
	st->paths = tip_paths(repo, o);
	st->index_bytes = pack_index_bytes(repo);
	cf_repo_close(repo);
	for (int i = 0; i < o->nr_analyzers; i++)
		st->reserve_analyzers += cf_analyzer_reserve(o->analyzers[i], st->paths);
	st->reserve_pipeline = cf_pipeline_reserve(st->index_bytes);
	reserve = st->reserve_analyzers + st->reserve_pipeline;
	/* The knobs then get their floors, which the budget does not pay for. */
	if (reserve + CF_KNOBS_MIN > st->budget)
		warning("--memory-budget=%s: %s set aside for the analyzers and the pipeline leaves "
			"less than the knobs' %s; the peak may pass the budget", st->budget_arg,
			cf_size_str(reserve, b), cf_size_str(CF_KNOBS_MIN, c));
	cf_knobs_from_budget(&o->knobs, st->budget, reserve);
}

struct streaming {
	int on;
	uint64_t total, chunk_size, nr_chunks;
	uint64_t done;			/* commits a resumed checkpoint covers */
	int checkpointing;
	struct cf_checkpoint cp;
	int barrier_rd, barrier_wr;	/* cf-reduce's reports; -1 when off */
	int failed;			/* a checkpoint could not be written */
};

/* Inserts an option and its value right after the program name, before any operand. */
static void args_insert(struct args *a, const char *flag, const char *value)
{
	CF_ALLOC_GROW(a->v, a->nr + 3, a->alloc);
	memmove(a->v + 3, a->v + 1, (a->nr - 1 + 1) * sizeof(*a->v));
	a->v[1] = xstrdup(flag);
	a->v[2] = xstrdup(value);
	a->nr += 2;
}

static void args_insertf(struct args *a, const char *flag, uint64_t v)
{
	char num[32];
	snprintf(num, sizeof(num), "%" PRIu64, v);
	args_insert(a, flag, num);
}

/* The number of commits of the walk, from cf-revlist --count with the pipeline's options. */
static uint64_t count_commits(const struct stage *revlist, const struct options *o)
{
	struct args a = { 0 };
	struct cf_child c = CF_CHILD_INIT;
	struct cf_buf out = CF_BUF_INIT;
	char buf[256];
	uint64_t n;
	int p[2], code;
	ssize_t r;

	args_push(&a, revlist->path.buf);
	args_push(&a, "--count");
	revlist_args(&a, o);
	if (pipe2(p, O_CLOEXEC) < 0)
		die_errno("cannot create a pipe");
	c.argv = (const char *const *)a.v;
	c.out = p[1];
	if (cf_child_start(&c) < 0)
		die_errno("cannot run '%s'", revlist->path.buf);
	while ((r = read(p[0], buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die_errno("cannot read the count of commits");
		cf_buf_add(&out, buf, r);
	}
	close(p[0]);
	code = cf_child_finish(&c);
	if (code > 128)
		die("stage 1 (%s) was killed by signal %d (%s)", revlist->name, code - 128,
		    strsignal(code - 128));
	if (code)
		die("stage 1 (%s) exited with status %d", revlist->name, code);
	if (out.len && out.buf[out.len - 1] == '\n')
		cf_buf_setlen(&out, out.len - 1);
	if (cf_parse_u64(out.buf, &n) < 0)
		die("cf-revlist --count printed '%s', not a number", out.buf);
	cf_buf_release(&out);
	args_release(&a);
	return n;
}

/*
 * CF_CHUNK_SIZE (for tests: many small chunks on a small history) wins over
 * the size the budget gives.
 */
static uint64_t chunk_size(const struct options *o)
{
	const char *env = getenv("CF_CHUNK_SIZE");
	uint64_t v;

	if (env && *env) {
		if (cf_parse_u64(env, &v) < 0 || !v)
			die("CF_CHUNK_SIZE: not a positive number: '%s'", env);
		return v;
	}
	return cf_chunk_size(o->st.budget);
}

/* The range's end as a hex id: a checkpoint of another head is stale. */
static char *head_id(git_repository *repo, const struct options *o)
{
	const char *spec = range_end(o);
	git_object *obj, *commit;
	char hex[GIT_OID_HEXSZ + 1];

	if (git_revparse_single(&obj, repo, spec) < 0)
		die("unknown revision '%s'", spec);
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0)
		die("revision '%s' is not a commit", spec);
	git_oid_tostr(hex, sizeof(hex), git_object_id(commit));
	git_object_free(commit);
	git_object_free(obj);
	return xstrdup(hex);
}

/* Flags that tune resources, not results: a checkpoint holds across them. */
static int is_knob_flag(const char *arg)
{
	static const char *const knobs[] = {
		"--workers", "--commit-batch-size", "--blob-cache-size", "--blob-arena-size",
		"--diff-cache-size", "--buffer-size", NULL,
	};
	for (int i = 0; knobs[i]; i++)
		if (!strcmp(arg, knobs[i]))
			return 1;
	return 0;
}

/* Every stage's options but the knobs and the renderer's, as one line. */
static char *result_options(const struct stage *stages, int n)
{
	struct cf_buf b = CF_BUF_INIT;

	for (int i = 0; i < n - 1; i++) {
		const struct args *a = &stages[i].args;
		cf_buf_addf(&b, "%s%s", i ? " | " : "", stages[i].name);
		for (size_t k = 1; k < a->nr; k++) {
			if (is_knob_flag(a->v[k]) && k + 1 < a->nr) {
				k++;
				continue;
			}
			cf_buf_addch(&b, ' ');
			shell_quote(&b, a->v[k]);
		}
	}
	return cf_buf_detach(&b, NULL);
}

static char *analyzer_list(const struct options *o)
{
	struct cf_buf b = CF_BUF_INIT;

	for (int i = 0; i < o->nr_analyzers; i++)
		cf_buf_addf(&b, "%s%s", i ? "," : "", o->analyzers[i]);
	return cf_buf_detach(&b, NULL);
}

static void checkpoint_base(const struct options *o, struct cf_buf *base)
{
	const char *home = getenv("HOME");

	if (o->st.dir) {
		cf_buf_addstr(base, o->st.dir);
		return;
	}
	if (!home || !*home)
		die("HOME is not set: give --checkpoint-dir");
	cf_buf_addf(base, "%s/.codefang/checkpoints", home);
}

/* What this run is, in the terms a checkpoint records. */
static void describe_run(struct streaming *s, const struct options *o,
			 const struct stage *stages, int n)
{
	git_repository *repo = cf_repo_open(o->repo);
	struct cf_buf base = CF_BUF_INIT, gitdir = CF_BUF_INIT;

	cf_buf_addstr(&gitdir, cf_repo_gitdir(repo));
	if (gitdir.len > 1 && gitdir.buf[gitdir.len - 1] == '/')
		cf_buf_setlen(&gitdir, gitdir.len - 1);
	checkpoint_base(o, &base);
	cf_checkpoint_init(&s->cp, base.buf, gitdir.buf);
	s->cp.repo = cf_buf_detach(&gitdir, NULL);
	s->cp.head = head_id(repo, o);
	s->cp.analyzers = analyzer_list(o);
	s->cp.options = result_options(stages, n);
	s->cp.total = s->total;
	s->cp.chunk_size = s->chunk_size;
	s->cp.created = time(NULL);
	cf_repo_close(repo);
	cf_buf_release(&base);
}

/* Takes over a valid checkpoint, or says why there is none to take and clears it. */
static void find_checkpoint(struct streaming *s, const struct options *o)
{
	struct cf_checkpoint saved;
	struct cf_buf why = CF_BUF_INIT;
	const char *reason = NULL;
	int r;

	cf_checkpoint_init(&saved, "", "");
	cf_buf_reset(&saved.dir);
	cf_buf_addstr(&saved.dir, s->cp.dir.buf);
	r = cf_checkpoint_read(&saved, &why);
	if (r < 0)
		reason = why.buf;
	else if (!r && !o->st.resume)
		reason = "--resume=false";
	else if (!r)
		reason = cf_checkpoint_mismatch(&saved, &s->cp, &why);
	if (reason) {
		cf_note("checkpoint ignored: %s", reason);
		cf_checkpoint_clear(&s->cp);
	} else if (!r) {
		s->chunk_size = s->cp.chunk_size = saved.chunk_size;
		s->done = saved.done;
		s->cp.created = saved.created;
		s->cp.saved = 1;
		s->cp.chunk = saved.chunk;
		s->cp.done = saved.done;
		s->cp.last = xstrdup(saved.last);
	}
	cf_checkpoint_release(&saved);
	cf_buf_release(&why);
}

static void setup_checkpoint(struct streaming *s, const struct options *o,
			     const struct stage *stages, int n)
{
	struct cf_buf what = CF_BUF_INIT;

	describe_run(s, o, stages, n);
	if (o->st.clear)
		cf_checkpoint_clear(&s->cp);
	else
		find_checkpoint(s, o);
	if (cf_checkpoint_prepare(&s->cp, o->nr_analyzers, &what) < 0)
		die_errno("cannot write checkpoints in '%s'", what.buf);
	cf_buf_release(&what);
}

/* Analyzers save on barriers (and start from their saved state); cf-reduce reports barriers. */
static void streaming_args(struct streaming *s, struct stage *stages, int n)
{
	struct cf_buf path = CF_BUF_INIT;
	int p[2];

	if (s->done)
		args_insertf(&stages[0].args, "--resume-after", s->done);
	args_insertf(&stages[0].args, "--chunk-size", s->chunk_size);
	for (int i = nr_head; s->checkpointing && i < n - 1; i++) {
		if (s->done) {
			cf_buf_reset(&path);
			cf_checkpoint_state_path(&s->cp, i - nr_head, s->cp.chunk, &path);
			args_insert(&stages[i].args, "--resume", path.buf);
		}
		cf_buf_reset(&path);
		cf_checkpoint_analyzer_dir(&s->cp, i - nr_head, &path);
		args_insert(&stages[i].args, "--state-dir", path.buf);
	}
	cf_buf_release(&path);
	/* The write end is close-on-exec until cf-reduce, the last stage, starts. */
	if (pipe2(p, O_CLOEXEC) < 0)
		die_errno("cannot create a pipe");
	s->barrier_rd = p[0];
	s->barrier_wr = p[1];
	args_insertf(&stages[n - 1].args, "--barrier-fd", (uint64_t)p[1]);
}

static void note_chunk(const struct streaming *s, uint64_t chunk)
{
	uint64_t a = chunk * s->chunk_size, b = a + s->chunk_size;

	fprintf(stderr, "streaming: processing chunk %" PRIu64 "/%" PRIu64
		" (commits %" PRIu64 "-%" PRIu64 ")\n",
		chunk + 1, s->nr_chunks, a, b < s->total ? b : s->total);
}

static void plan_streaming(struct streaming *s, struct options *o, struct stage *stages, int n)
{
	s->barrier_rd = s->barrier_wr = -1;
	if (o->st.mode == STREAM_OFF) {
		if (o->verbose)
			cf_note("streaming = off (flag)");
		return;
	}
	s->total = count_commits(&stages[0], o);
	s->on = o->st.mode == STREAM_ON || cf_streaming_auto(&o->knobs, o->st.budget, s->total);
	if (o->verbose) {
		char b[32];
		cf_note("streaming = %s (%s; %" PRIu64 " commits, estimated peak %s)",
			s->on ? "on" : "off", o->st.mode == STREAM_ON ? "flag" : "auto",
			s->total, cf_size_str(cf_estimated_peak(&o->knobs, s->total), b));
	}
	if (!s->on)
		return;
	s->chunk_size = chunk_size(o);
	s->checkpointing = o->st.checkpoint;
	if (s->checkpointing)
		setup_checkpoint(s, o, stages, n);
	s->nr_chunks = s->total ? (s->total + s->chunk_size - 1) / s->chunk_size : 1;
	streaming_args(s, stages, n);
	fprintf(stderr, "streaming: processing %" PRIu64 " commits in %" PRIu64 " chunks\n",
		s->total, s->nr_chunks);
	if (s->done)
		fprintf(stderr, "streaming: resuming after chunk %" PRIu64 "/%" PRIu64
			" (%" PRIu64 " commits done)\n", s->cp.chunk + 1, s->nr_chunks, s->done);
	note_chunk(s, s->done / s->chunk_size);
	fflush(stderr);
}

/* For tests of crash recovery: everything dies at once, as in a power cut. */
static void crash_if_asked(uint64_t chunk)
{
	const char *env = getenv("CF_TEST_CRASH_AFTER_CHUNK");
	uint64_t c;

	if (!env || cf_parse_u64(env, &c) < 0 || c != chunk)
		return;
	for (int i = 0; i < MAX_STAGES; i++)
		if (child_pids[i] > 0)
			kill(child_pids[i], SIGKILL);
	raise(SIGKILL);
}

/* "chunk C commits K last ID": every analyzer has saved chunk C. */
static void on_barrier_line(struct streaming *s, const char *line, int started)
{
	unsigned long long chunk, done;
	char hex[CF_OID_HEXSZ + 2];

	if (sscanf(line, "chunk %llu commits %llu last %41s", &chunk, &done, hex) != 3 ||
	    strlen(hex) != CF_OID_HEXSZ)
		BUG("cf-reduce reported '%s'", line);
	if (s->failed)
		return;
	if (!s->checkpointing)
		goto next;
	s->cp.saved = 1;
	s->cp.chunk = chunk;
	s->cp.done = done;
	free(s->cp.last);
	s->cp.last = xstrdup(hex);
	if (cf_checkpoint_write(&s->cp) < 0) {
		error_errno("cannot write the checkpoint '%s/checkpoint.json'", s->cp.dir.buf);
		s->failed = 1;
		stop_after_failure(-1, started);
		return;
	}
	cf_checkpoint_prune(&s->cp, chunk);
	crash_if_asked(chunk);
next:
	if (chunk + 1 < s->nr_chunks)
		note_chunk(s, chunk + 1);
}

/* Reads what cf-reduce reported; returns 0 at its end. */
static int read_barriers(struct streaming *s, struct cf_buf *pending, int started)
{
	char buf[4096];
	ssize_t r = read(s->barrier_rd, buf, sizeof(buf));
	char *nl;

	if (r < 0)
		return errno == EINTR || errno == EAGAIN;
	if (!r)
		return 0;
	cf_buf_add(pending, buf, r);
	while ((nl = memchr(pending->buf, '\n', pending->len))) {
		size_t len = nl - pending->buf + 1;
		*nl = '\0';
		on_barrier_line(s, pending->buf, started);
		memmove(pending->buf, pending->buf + len, pending->len - len);
		cf_buf_setlen(pending, pending->len - len);
	}
	return 1;
}

/* wait_pipeline(), listening to cf-reduce's barrier reports meanwhile. */
static void wait_streaming(struct streaming *s, struct stage *stages, int started)
{
	struct cf_buf pending = CF_BUF_INIT;
	int left = started, open_rd = s->barrier_rd >= 0;

	while (left > 0 || open_rd) {
		struct pollfd pfd = { .fd = s->barrier_rd, .events = POLLIN };
		int status;
		pid_t pid;

		if (open_rd && poll(&pfd, 1, 100) > 0)
			open_rd = read_barriers(s, &pending, started);
		while (left > 0 && (pid = waitpid(-1, &status, open_rd ? WNOHANG : 0)) != 0) {
			if (pid < 0 && errno == EINTR)
				continue;
			if (pid < 0)
				die_errno("waitpid");
			if (reaped(stages, started, pid, status))
				left--;
			if (open_rd)
				break;
		}
	}
	alarm(0);
	if (s->barrier_rd >= 0)
		close(s->barrier_rd);
	cf_buf_release(&pending);
}

static void finish_streaming(struct streaming *s)
{
	if (!s->checkpointing)
		return;
	cf_checkpoint_clear(&s->cp);
	cf_checkpoint_release(&s->cp);
}

static int cmd_history(int argc, char **argv)
{
	struct options o = { 0 };
	struct stage stages[MAX_STAGES] = { 0 };
	struct cf_buf sink_name = CF_BUF_INIT;
	struct streaming stream = { 0 };
	int n, started, sink;
	uint64_t bytes;

	parse_history(&o, argc, argv);
	apply_budget(&o);
	n = build_stages(stages, &o);
	if (o.dry_run) {
		print_dry_run(stages, n);
		release_stages(stages, n);
		release_fidelity(&o.fid);
		return 0;
	}
	bytes = pipe_bytes(&o);
	if (o.verbose)
		print_knobs(&o, bytes);
	plan_streaming(&stream, &o, stages, n);
	barrier_fd = stream.barrier_wr;
	install_handlers();
	sink = open_sink(o.output, &sink_name);
	fflush(NULL);
	started = start_pipeline(stages, n, sink, bytes, o.verbose);
	if (barrier_fd >= 0)
		close(barrier_fd);
	if (started < n)
		stop_after_failure(started - 1, started);
	if (stream.on)
		wait_streaming(&stream, stages, started);
	else
		wait_pipeline(stages, started);
	report(stages, n, started);
	if (stream.failed) {
		remove_sink();
		exit(CF_EXIT_FAIL);	/* the reason has been printed */
	}
	deliver(sink, o.output);
	finish_streaming(&stream);
	cf_buf_release(&sink_name);
	release_stages(stages, n);
	release_fidelity(&o.fid);
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
