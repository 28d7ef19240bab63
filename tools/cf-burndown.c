/*
 * cf-burndown: the burndown analyzer.  It replays every change of the stream
 * on per-file line ages (common/burndown.c), passes every record on
 * unchanged, and appends one "result" record: how many lines are alive at
 * the end of each sampling period, by the band in which they were born, and
 * optionally the same per file and per person, with the overwrites and the
 * ownership of the files at the end.  On barriers it saves its state.
 */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/burndown.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/state.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-burndown [-g TICKS] [-s TICKS] [--calendar] [--burndown-files]\n"
"                   [--burndown-people] [--state-dir DIR] [--resume FILE]\n"
"\n"
"Passes a record stream on (from cf-diff) and appends its burndown: the\n"
"lines alive at the end of every sample, by the band they were born in.\n"
"\n"
"  -g, --granularity TICKS  width of a band, in ticks (default 30)\n"
"  -s, --sampling TICKS     length of a sample, in ticks (default 30)\n"
"      --calendar           bands and samples on multiples of their length from\n"
"                           the Unix epoch, so that repositories' results merge\n"
"      --burndown-files     also a matrix per file alive at the end\n"
"      --burndown-people    also a matrix per person, overwrites, ownership\n"
"      --state-dir DIR      on each barrier, save the state to DIR/chunk-C.state\n"
"      --resume FILE        start from a saved state (the stream then starts after it)\n"
"  -h, --help               show this help\n";

#define RESULT_SCHEMA 2
#define STATE_SCHEMA 1

struct state {
	struct cf_burndown bd;
	int have_stream;
	uint64_t tick_size;
	int64_t t0;
	uint64_t commits;
	struct cf_oid commit;		/* the current commit */
	struct cf_bd_hunk *hunks;	/* reused for every change */
	size_t hunks_alloc;
	struct cf_buf why;
	uint64_t warnings;		/* paths resynchronised (each reported once) */
	int resumed;			/* the stream record must agree with the state */
	int resume_n;			/* the next commit must be the one after it */
	int calendar;			/* --calendar */
	uint64_t tick_offset;		/* added to every commit's tick */
};

/*
 * --calendar: t0 moves back to the last multiple of lcm(granularity,
 * sampling) ticks from the Unix epoch, and every tick forward by as much,
 * so that every band and sample starts at a multiple of its length from
 * the epoch, whatever the repository's first commit.
 */
static int64_t calendar_origin(const struct state *st, const struct cf_record *rec,
			       uint64_t tick_size, int64_t t0)
{
	uint64_t g = st->bd.granularity, s = st->bd.sampling, a = g, b = s, unit;
	int64_t u, q;

	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	unit = g / a * s;
	if (unit / s != g / a || unit > (uint64_t)INT64_MAX / tick_size)
		cf_rec_die(rec, "--calendar: bands of %" PRIu64 " and samples of %" PRIu64
			   " ticks of %" PRIu64 " s are too long to align", g, s, tick_size);
	u = (int64_t)(unit * tick_size);
	q = t0 / u - (t0 % u < 0);	/* rounded towards minus infinity */
	if (q < INT64_MIN / u)
		cf_rec_die(rec, "--calendar: t0 %" PRId64 " is out of range", t0);
	return q * u;
}

static void need_version(const struct cf_record *rec)
{
	if (rec->version != 1)
		cf_rec_die(rec, "version %" PRIu64 " is not supported", rec->version);
}

static void on_stream(struct state *st, const struct cf_record *rec)
{
	uint64_t tick_size;
	int64_t t0;

	need_version(rec);
	if (st->have_stream && !st->resumed)
		return;
	tick_size = cf_rec_u64(rec, "tick_size");
	t0 = cf_rec_i64(rec, "t0");
	if (!tick_size)
		cf_rec_die(rec, "'tick_size' must be positive");
	if (st->calendar) {
		int64_t origin = calendar_origin(st, rec, tick_size, t0);
		st->tick_offset = (uint64_t)((t0 - origin) / (int64_t)tick_size);
		t0 = origin;
	}
	if (st->resumed && st->have_stream && (tick_size != st->tick_size || t0 != st->t0))
		cf_rec_die(rec, "tick_size %" PRIu64 " and t0 %" PRId64 " differ from the saved"
			   " state's %" PRIu64 " and %" PRId64, tick_size, t0, st->tick_size, st->t0);
	st->resumed = 0;
	st->tick_size = tick_size;
	st->t0 = t0;
	st->have_stream = 1;
}

static void on_commit(struct state *st, const struct cf_record *rec)
{
	const char *name, *email;
	size_t name_len, email_len;
	uint64_t tick;
	uint32_t author;

	need_version(rec);
	if (!st->have_stream)
		cf_rec_die(rec, "before the 'stream' record");
	if (st->resume_n) {
		uint64_t n = cf_rec_u64(rec, "n");

		if (n != st->commits)
			cf_rec_die(rec, "commit %" PRIu64 " where the resumed state expects commit %"
				   PRIu64, n, st->commits);
		st->resume_n = 0;
	}
	tick = cf_rec_u64(rec, "tick");
	if (tick <= UINT32_MAX)
		tick += st->tick_offset;
	if (tick > UINT32_MAX)
		cf_rec_die(rec, "'tick' %" PRIu64 " is beyond %" PRIu32, tick, UINT32_MAX);
	cf_rec_oid(rec, "id", &st->commit);
	name = cf_rec_str(rec, "author", &name_len);
	email = cf_rec_str(rec, "email", &email_len);
	author = cf_burndown_author(&st->bd, name, name_len, email, email_len);
	if (cf_burndown_commit(&st->bd, tick, author) < 0)
		cf_rec_die(rec, "'tick' %" PRIu64 " is smaller than the previous commit's %" PRIu32,
			   tick, st->bd.tick);
	st->commits++;
}

static uint64_t line_count(const struct cf_record *rec, const char *key)
{
	uint64_t n = cf_rec_u64(rec, key);
	if (n > CF_BURNDOWN_MAX_LINES)
		cf_rec_die(rec, "'%s' %" PRIu64 " is beyond %" PRIu64, key, n,
			   CF_BURNDOWN_MAX_LINES);
	return n;
}

/* Copies the flat "hunks" array into st->hunks; returns their number. */
static size_t read_hunks(struct state *st, const struct cf_record *rec)
{
	const msgpack_object *items;
	uint32_t n;

	if (!cf_rec_array_opt(rec, "hunks", &items, &n))
		return 0;
	if (n % 4)
		cf_rec_die(rec, "'hunks' has %" PRIu32 " entries, not a multiple of 4", n);
	for (uint32_t i = 0; i < n; i++)
		if (items[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			cf_rec_die(rec, "'hunks' must hold unsigned integers");
	CF_ALLOC_GROW(st->hunks, n / 4, st->hunks_alloc);
	for (uint32_t i = 0; i < n / 4; i++) {
		st->hunks[i].old_start = items[4 * i].via.u64;
		st->hunks[i].old_count = items[4 * i + 1].via.u64;
		st->hunks[i].new_start = items[4 * i + 2].via.u64;
		st->hunks[i].new_count = items[4 * i + 3].via.u64;
	}
	return n / 4;
}

/*
 * A history that starts after its files were added (a range, --since,
 * --max-count) resynchronises every file it changes: past the first few,
 * the paths are counted, not listed.
 */
#define SHOWN_RESYNCS 10

static void warn_resync(struct state *st, const char *path, size_t len)
{
	char hex[CF_OID_HEXSZ + 1];

	if (st->warnings++ >= SHOWN_RESYNCS)
		return;
	cf_oid_to_hex(&st->commit, hex);
	warning("'%.*s' at commit %.7s: %s; file resynchronised",
		(int)len, path, hex, st->why.buf);
}

static void warn_resync_totals(const struct state *st)
{
	if (st->warnings > SHOWN_RESYNCS)
		warning("%" PRIu64 " more files resynchronised, not shown one by one (a history "
			"that starts after they were added: a range, --since or --max-count?)",
			st->warnings - SHOWN_RESYNCS);
	if (st->bd.resyncs > st->warnings)
		warning("%" PRIu64 " more resynchronisations of files already reported",
			st->bd.resyncs - st->warnings);
}

static void on_change(struct state *st, const struct cf_record *rec)
{
	struct cf_bd_change ch = { 0 };
	const char *s, *path;
	size_t s_len, path_len;

	need_version(rec);
	if (!st->commits)
		cf_rec_die(rec, "before any 'commit'");
	s = cf_rec_str(rec, "s", &s_len);
	if (s_len != 1 || !s[0] || !strchr("ADMR", s[0]))
		cf_rec_die(rec, "'s' must be \"A\", \"D\", \"M\" or \"R\"");
	ch.status = s[0];
	path = cf_rec_str(rec, "path", &path_len);
	if (ch.status == 'R')
		ch.old_path = cf_rec_str(rec, "old_path", &ch.old_path_len);
	ch.binary = cf_rec_bool(rec, "bin");
	/* Without "new_bin" (older streams) a binary change stays binary. */
	ch.new_text = ch.binary && cf_rec_get(rec, "new_bin") && !cf_rec_bool(rec, "new_bin");
	if (ch.status != 'D' && (!ch.binary || ch.new_text))
		ch.new_lines = line_count(rec, "new_lines");
	if ((ch.status == 'M' || ch.status == 'R') && !ch.binary) {
		ch.old_lines = line_count(rec, "old_lines");
		ch.nr_hunks = read_hunks(st, rec);
		ch.hunks = st->hunks;
	}
	cf_buf_reset(&st->why);
	if (cf_burndown_change(&st->bd, path, path_len, &ch, &st->why) == 1)
		warn_resync(st, path, path_len);
}

static void pack_band_start(msgpack_packer *pk, const struct cf_burndown *bd)
{
	uint64_t bands = cf_burndown_bands(bd);

	msgpack_pack_array(pk, bands);
	for (uint64_t b = 0; b < bands; b++)
		cf_pack_u64(pk, b * bd->granularity);
}

static void pack_counts(msgpack_packer *pk, struct state *st)
{
	struct cf_burndown *bd = &st->bd;

	cf_pack_kv_u64(pk, "granularity", bd->granularity);
	cf_pack_kv_u64(pk, "sampling", bd->sampling);
	cf_pack_kv_u64(pk, "tick_size", st->tick_size);
	cf_pack_kv_i64(pk, "t0", st->t0);
	cf_pack_kv_u64(pk, "last_tick", bd->tick);
	cf_pack_kv_u64(pk, "samples", cf_burndown_samples(bd));
	cf_pack_kv_u64(pk, "bands", cf_burndown_bands(bd));
	cf_pack_kv_u64(pk, "commits", st->commits);
	cf_pack_kv_u64(pk, "files", bd->tracked);
	cf_pack_kv_u64(pk, "lines", bd->lines);
	cf_pack_kv_u64(pk, "resyncs", bd->resyncs);
	cf_pack_kv_u64(pk, "renames", bd->renames);
}

static void write_result(struct state *st, struct cf_writer *w)
{
	struct cf_burndown *bd = &st->bd;
	int files = bd->flags & CF_BD_FILES, people = bd->flags & CF_BD_PEOPLE;
	msgpack_packer *pk = cf_writer_begin(w, CF_REC_RESULT, 1, 3);

	cf_pack_kv_str(pk, "analyzer", "burndown");
	cf_pack_kv_u64(pk, "schema", RESULT_SCHEMA);
	cf_pack_str(pk, "data");
	msgpack_pack_map(pk, 15 + (files ? 2 : 0) + (people ? 4 : 0));
	pack_counts(pk, st);
	cf_pack_str(pk, "band_start");
	pack_band_start(pk, bd);
	cf_pack_str(pk, "matrix");
	cf_burndown_pack_matrix(bd, w);
	cf_pack_str(pk, "people");
	cf_burndown_pack_people(bd, pk);
	if (files) {
		cf_pack_str(pk, "file_burndown");
		cf_burndown_pack_files(bd, w);
		cf_pack_str(pk, "deleted_burndown");
		cf_burndown_pack_deleted(bd, w);
	}
	if (people) {
		cf_pack_str(pk, "people_burndown");
		cf_burndown_pack_people_matrices(bd, w);
		cf_pack_str(pk, "written");
		cf_burndown_pack_written(bd, pk);
		cf_pack_str(pk, "overwrites");
		cf_burndown_pack_overwrites(bd, w);
		cf_pack_str(pk, "ownership");
		cf_burndown_pack_ownership(bd, w);
	}
	cf_writer_end(w);
}

/* ---- checkpoints: the tool's counters around the burndown state ---- */

static void pack_state(msgpack_packer *pk, void *data)
{
	struct state *st = data;

	msgpack_pack_map(pk, 7);
	cf_pack_kv_bool(pk, "have_stream", st->have_stream);
	cf_pack_kv_u64(pk, "tick_size", st->tick_size);
	cf_pack_kv_i64(pk, "t0", st->t0);
	cf_pack_kv_u64(pk, "commits", st->commits);
	cf_pack_kv_u64(pk, "warnings", st->warnings);
	cf_pack_kv_oid(pk, "commit", &st->commit);
	cf_pack_str(pk, "burndown");
	cf_burndown_pack_state(&st->bd, pk);
}

static const msgpack_object *state_field(const char *what, const msgpack_object *map,
					 const char *key, msgpack_object_type type)
{
	const msgpack_object *o = cf_obj_get(map, key);

	if (!o || (o->type != type && !(type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
					  o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)))
		die_data("%s: '%s' is missing or of the wrong type", what, key);
	return o;
}

static void load_state(struct state *st, const char *path)
{
	struct cf_state cs;
	const msgpack_object *d, *o;
	struct cf_buf what = CF_BUF_INIT;
	const char *w;

	cf_state_load(&cs, path, "burndown", STATE_SCHEMA);
	cf_buf_addf(&what, "state file '%s'", path);
	w = what.buf;
	d = cs.data;
	if (d->type != MSGPACK_OBJECT_MAP)
		die_data("%s: the state is not a map", w);
	st->have_stream = state_field(w, d, "have_stream", MSGPACK_OBJECT_BOOLEAN)->via.boolean;
	st->tick_size = state_field(w, d, "tick_size", MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64;
	o = state_field(w, d, "t0", MSGPACK_OBJECT_NEGATIVE_INTEGER);
	st->t0 = o->via.i64;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 > INT64_MAX)
		die_data("%s: 't0' is out of range", w);
	st->commits = state_field(w, d, "commits", MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64;
	st->warnings = state_field(w, d, "warnings", MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64;
	o = state_field(w, d, "commit", MSGPACK_OBJECT_BIN);
	if (o->via.bin.size != CF_OID_RAWSZ)
		die_data("%s: 'commit' is not an object id", w);
	memcpy(st->commit.id, o->via.bin.ptr, CF_OID_RAWSZ);
	if (st->commits != cs.commits || (st->have_stream && !st->tick_size))
		die_data("%s: the state disagrees with itself", w);
	cf_burndown_unpack_state(&st->bd, state_field(w, d, "burndown", MSGPACK_OBJECT_MAP), w);
	if (!st->bd.started != !st->commits)
		die_data("%s: the state disagrees with itself", w);
	st->resumed = st->resume_n = 1;
	cf_state_release(&cs);
	cf_buf_release(&what);
}

/*
 * A barrier: compact the state, save it, and only then pass the barrier on,
 * so that a barrier at the end of the pipeline means the chunk is saved.
 */
static void on_barrier(struct state *st, const struct cf_record *rec, const char *dir)
{
	uint64_t chunk = cf_rec_u64(rec, "chunk"), commits = cf_rec_u64(rec, "commits");

	need_version(rec);
	if (commits != st->commits)
		cf_rec_die(rec, "barrier after %" PRIu64 " commits, but %" PRIu64 " came before it",
			   commits, st->commits);
	if (!dir)
		return;
	cf_burndown_hibernate(&st->bd);
	cf_state_save(dir, "burndown", STATE_SCHEMA, chunk, commits, pack_state, st);
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "granularity", required_argument, NULL, 'g' },
		{ "sampling", required_argument, NULL, 's' },
		{ "burndown-files", no_argument, NULL, 'F' },
		{ "burndown-people", no_argument, NULL, 'P' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "calendar", no_argument, NULL, 'C' },
		{ "resume", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t granularity = 30, sampling = 30;
	unsigned flags = 0;
	const char *state_dir = NULL, *resume = NULL;
	struct state st = { 0 };
	struct cf_reader r;
	struct cf_record rec;
	struct cf_writer w;
	int c;

	while ((c = getopt_long(argc, argv, "g:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			granularity = cf_opt_uint("--granularity", optarg, 1, UINT32_MAX);
			break;
		case 's':
			sampling = cf_opt_uint("--sampling", optarg, 1, UINT32_MAX);
			break;
		case 'F':
			flags |= CF_BD_FILES;
			break;
		case 'C':
			st.calendar = 1;
			break;
		case 'P':
			flags |= CF_BD_PEOPLE;
			break;
		case 'S':
			if (!*optarg)
				usage_error("--state-dir: empty directory name");
			state_dir = optarg;
			break;
		case 'R':
			if (!*optarg)
				usage_error("--resume: empty file name");
			resume = optarg;
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			cf_usage_bad(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	cf_burndown_init(&st.bd, granularity, sampling, flags);
	if (resume)
		load_state(&st, resume);
	cf_buf_init(&st.why, 0);
	cf_reader_init(&r, 0);
	cf_writer_init(&w, 1);
	for (;;) {
		if (!cf_reader_ready(&r))
			cf_writer_flush(&w);
		if (!cf_reader_next(&r, &rec))
			break;
		if (cf_rec_is(&rec, CF_REC_STREAM))
			on_stream(&st, &rec);
		else if (cf_rec_is(&rec, CF_REC_COMMIT))
			on_commit(&st, &rec);
		else if (cf_rec_is(&rec, CF_REC_CHANGE))
			on_change(&st, &rec);
		else if (cf_rec_is(&rec, CF_REC_BARRIER))
			on_barrier(&st, &rec, state_dir);
		cf_writer_raw(&w, rec.raw, rec.raw_len);
		/* the driver learns from a barrier that a chunk is saved: never hold it */
		if (cf_rec_is(&rec, CF_REC_BARRIER))
			cf_writer_flush(&w);
	}
	warn_resync_totals(&st);
	write_result(&st, &w);
	cf_writer_release(&w);
	cf_reader_release(&r);
	cf_burndown_release(&st.bd);
	cf_buf_release(&st.why);
	free(st.hunks);
	return 0;
}
