#ifndef CF_FILESET_H
#define CF_FILESET_H

/*
 * The files and people of a history, for the analyzers that count per file
 * (cf-couples, cf-file-history), and the record loop they share.
 *
 * A file is what lives at a path from its addition on: it keeps one id
 * while it is modified, deleted and added again at the same path (as
 * `git log -- PATH` lists every commit of the path), and a rename ("R"
 * change) moves the id to the new path, so whatever an analyzer keeps per
 * file id follows the file.  A file whose path is taken over by a rename
 * is detached for good: no path leads to it any more and it is never
 * reported.  "Alive" is the state after the changes read so far.
 *
 * People are the commit records' (author, email) pairs, byte for byte.
 *
 * cf_fs_main() reads the stream, passes every record on, keeps the first
 * stream record's t0 and tick_size (the same on a resumed run, so that a
 * result can say where its ticks are in time), hands commits and changes
 * to the analyzer's callbacks, saves and resumes checkpoints
 * (cf/state.h) together with the file and people tables, and appends the
 * analyzer's result record at the end.
 *
 * Ownership: owned by the author of cf-couples and cf-file-history; the
 * tables own copies of every string; arrays returned by the order
 * functions are the caller's to free.
 */

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"
#include "cf/reader.h"
#include "cf/state.h"

#define CF_FS_NONE UINT32_MAX

/* Interned byte strings; split is part of the key (people: the name's length). */
struct cf_fs_str {
	char *s;
	size_t len, split;
	uint64_t hash;
	uint32_t val;
};

struct cf_fs_strtab {
	struct cf_fs_str *e;
	size_t nr, alloc;
	uint32_t *slots;	/* open addressing: entry index + 1, 0 empty */
	size_t nr_slots;
};

/*
 * The index of the string (split: part of the key), or CF_FS_NONE when it
 * is missing and create is 0; a created entry, a copy, has val CF_FS_NONE.
 */
uint32_t cf_fs_strtab_find(struct cf_fs_strtab *t, const char *s, size_t len,
			   size_t split, int create);
void cf_fs_strtab_release(struct cf_fs_strtab *t);

struct cf_fs_file {
	uint32_t path;		/* index into paths, CF_FS_NONE once detached */
	uint32_t from;		/* the path it was met at first when the stream had not */
				/* met that path (it may be older), else CF_FS_NONE */
	int alive;
};

struct cf_fileset {
	struct cf_fs_strtab paths;	/* val: the file at the path, or CF_FS_NONE */
	struct cf_fs_strtab people;	/* name and email joined, split at the name's length */
	struct cf_fs_file *files;
	size_t nr_files, alloc_files;
	uint64_t commits;		/* commit records read, resumed ones included */
	int in_commit;
	int resumed;			/* from a state, before the first commit after it */
	uint64_t cur_n;			/* the current commit's n */
	uint32_t cur_person;		/* and its author */
	int64_t t0;			/* the first stream record's tick origin and size */
	uint64_t tick_size;		/* (seconds; 0 without a stream record) */
	int have_stream;
	struct cf_buf scratch;
};

/* What one change record did to the file table. */
struct cf_fs_change {
	char status;		/* 'A', 'D', 'M' or 'R' */
	uint32_t file;		/* the file changed; for 'R' the moved file */
	uint32_t replaced;	/* 'R' onto a path with a file: that file, now detached */
};

/* Per file and person: what an analyzer counts of one person in one file. */
struct cf_fs_touch {
	uint32_t who;
	uint64_t commits, added, removed, changed;
};

struct cf_fs_touches {
	struct cf_fs_touch *v;
	size_t nr, alloc;
};

/* The entry of who, created (zeroed) when missing. */
struct cf_fs_touch *cf_fs_touch(struct cf_fs_touches *t, uint32_t who);

/*
 * A change record's lines: its 'add' and 'del' (required: the stream must
 * have gone through cf-diff) and its edited lines: the record's 'changed',
 * which cf-diff counts in the same diff as add and del, or in a record
 * without it the sum over its hunks of min(old count, new count), at most
 * add and del.  Dies if 'changed' exceeds add or del.
 */
void cf_fs_lines(const struct cf_record *rec, uint64_t *add, uint64_t *del,
		 uint64_t *changed);

/* Alive files sorted by path; *index maps a file id to its position or CF_FS_NONE. */
uint32_t *cf_fileset_alive(const struct cf_fileset *fs, size_t *nr, uint32_t **index);
/* Files that are not detached (alive or not), sorted by path, as cf_fileset_alive. */
uint32_t *cf_fileset_attached(const struct cf_fileset *fs, size_t *nr, uint32_t **index);
/*
 * What merging commit-range shards needs besides the files' data (see
 * cf-reduce(1) --shards), the key/value pair of key: "alive" or "from"
 * (the path met first, or nil), arrays parallel to files, or "vacated",
 * the paths a rename emptied, sorted.
 */
void cf_fileset_pack_shard(msgpack_packer *pk, const struct cf_fileset *fs,
			   const uint32_t *files, size_t nr, const char *key);
/* People sorted by name, then email; *index maps a person id to its position. */
uint32_t *cf_fileset_people(const struct cf_fileset *fs, uint32_t **index);
/* "t0" and "tick_size" of the stream, two key/value pairs of a map. */
void cf_fs_pack_ticks(msgpack_packer *pk, const struct cf_fileset *fs);
/* The path of a file that is not detached, as a string. */
void cf_fileset_pack_path(msgpack_packer *pk, const struct cf_fileset *fs, uint32_t file);
/* An array of maps {email, name}, in the order given. */
void cf_fileset_pack_people(msgpack_packer *pk, const struct cf_fileset *fs,
			    const uint32_t *order);

struct cf_fs_analyzer {
	const char *name;	/* the result's "analyzer" and the state's */
	unsigned schema;
	struct cf_fileset fs;
	/* After fs has read the commit record (fs.commits counts it). */
	void (*commit)(struct cf_fs_analyzer *a, const struct cf_record *rec);
	/* After fs has applied the change; fs.nr_files may have grown. */
	void (*change)(struct cf_fs_analyzer *a, const struct cf_fs_change *c,
		       const struct cf_record *rec);
	/* The current commit has no more changes (optional). */
	void (*end_commit)(struct cf_fs_analyzer *a);
	/* A record of any other type, e.g. "syntax" (optional); it is passed on after. */
	void (*record)(struct cf_fs_analyzer *a, const struct cf_record *rec);
	/* The analyzer's own state, one msgpack object, and reading it back. */
	void (*pack_state)(msgpack_packer *pk, struct cf_fs_analyzer *a);
	void (*unpack_state)(struct cf_fs_analyzer *a, const struct cf_state *st,
			     const msgpack_object *o);
	/* The result's data map. */
	void (*pack_result)(msgpack_packer *pk, struct cf_fs_analyzer *a);
	const char *state_dir;	/* where barriers save state, or NULL */
	const char *resume;	/* a state file to start from, or NULL */
	int shard;		/* --shard: the result also carries a "shard" map */
};

/* --state-dir DIR and --resume FILE, for a tool's getopt_long table. */
#define CF_FS_OPT_STATE_DIR 0x1000
#define CF_FS_OPT_RESUME 0x1001
#define CF_FS_OPT_SHARD 0x1002
#define CF_FS_LONGOPTS \
	{ "state-dir", required_argument, NULL, CF_FS_OPT_STATE_DIR }, \
	{ "resume", required_argument, NULL, CF_FS_OPT_RESUME }, \
	{ "shard", no_argument, NULL, CF_FS_OPT_SHARD }

/* Takes those three options (--shard sets shard); returns 0 for any other. */
int cf_fs_option(struct cf_fs_analyzer *a, int opt, const char *arg);

/* Runs the analyzer over standard input to standard output. */
void cf_fs_main(struct cf_fs_analyzer *a);

/* An unsigned integer item of a loaded state, at most max, or exit 3. */
uint64_t cf_fs_state_u64(const struct cf_state *st, const msgpack_object *o, uint64_t max);

void cf_fileset_release(struct cf_fileset *fs);

#endif
