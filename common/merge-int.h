#ifndef CF_MERGE_INT_H
#define CF_MERGE_INT_H

/*
 * Inside the merge module (common/merge*.c, see cf/merge.h): what the
 * analyzers' merge rules share.  Not for use elsewhere.
 */

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

struct mg_part {
	char *name;		/* NULL: a part without a stream record */
	int merged;		/* an earlier merge: paths are qualified already */
	const msgpack_object *stream;
	uint64_t record;
	/* Shards (cf_merge_shards): the chain of parts of one repository, merge-shards.c. */
	size_t lead;		/* the chain's first part (the part itself when alone) */
	size_t pos;		/* its place in the chain */
	size_t nr_shards;	/* on the lead: the chain's length */
	const msgpack_object *chain_stream;	/* on the lead of a chain: the whole's */
};

/* One input result of the analyzer being merged. */
struct mg_in {
	const msgpack_object *data;
	uint64_t record;
	size_t part;
};

struct mg_ctx {
	const char *analyzer;
	struct mg_in *in;
	size_t nr;
	const struct mg_part *parts;
	uint64_t top;
};

_Noreturn void mg_die(const struct mg_ctx *c, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Required fields of a map of input i: the message names the analyzer and record. */
const msgpack_object *mg_get(const struct mg_ctx *c, size_t i, const msgpack_object *map,
			     const char *key, msgpack_object_type type);
const msgpack_object *mg_opt(const struct mg_ctx *c, size_t i, const msgpack_object *map,
			     const char *key, msgpack_object_type type);
uint64_t mg_u64(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key);
int64_t mg_i64(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key);
/* An array field, and element k of an array as a uint. */
const msgpack_object *mg_arr(const struct mg_ctx *c, size_t i, const msgpack_object *map,
			     const char *key);
uint64_t mg_item_u64(const struct mg_ctx *c, size_t i, const msgpack_object *arr, uint32_t k);
double mg_f64(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key);
/* A string field: its bytes (not NUL-terminated) and length. */
const char *mg_str(const struct mg_ctx *c, size_t i, const msgpack_object *map, const char *key,
		   uint32_t *len);
/* The same uint field of every input, or an error. */
uint64_t mg_same_u64(const struct mg_ctx *c, const char *key);
/* The sum of a uint field of every input. */
uint64_t mg_sum_u64(const struct mg_ctx *c, const char *key);

/* Overflow-checked sum for counters. */
uint64_t mg_add(const struct mg_ctx *c, size_t i, uint64_t a, uint64_t b);

/*
 * The earliest t0 of the inputs with commits (of all when none has any),
 * and for each input the whole number of units (seconds) from it to the
 * input's t0; an input whose distance is not a multiple of unit is an
 * error that names why.
 */
int64_t mg_origin(const struct mg_ctx *c, uint64_t unit, const char *what, uint64_t *shift);
/*
 * The same tick_size of every input and the merge's t0 (mg_origin);
 * returns each input's shift in ticks, the caller's to free.
 */
uint64_t *mg_ticks(const struct mg_ctx *c, int64_t *t0, uint64_t *tick_size);
/* "t0" and "tick_size", two key/value pairs of a map. */
void mg_pack_ticks(msgpack_packer *pk, int64_t t0, uint64_t tick_size);

/* People unified by identity, sorted by name then email (byte order). */
struct mg_person {
	const char *name, *email;
	uint32_t name_len, email_len;
};

struct mg_people {
	struct mg_person *v;
	size_t nr;
	uint32_t **remap;	/* remap[input][index in its people] */
	uint32_t *count;	/* people of each input */
};

void mg_people_build(const struct mg_ctx *c, struct mg_people *p, const char *key);
void mg_people_release(struct mg_people *p, size_t nr_in);
/* The people as maps; email_first: {email, name} instead of {name, email}. */
void mg_people_pack(msgpack_packer *pk, const struct mg_people *p, int email_first);
int mg_person_cmp(const struct mg_person *a, const struct mg_person *b);
/* A person index of input i (elem of an array), checked and remapped. */
uint32_t mg_person(const struct mg_ctx *c, const struct mg_people *p, size_t i, uint64_t idx);

/* Whether o is the string s. */
int mg_str_is(const msgpack_object *o, const char *s);

/* Byte order, the shorter first on a tie. */
int mg_bytes_cmp(const char *a, size_t na, const char *b, size_t nb);

/* A path of input i qualified by its part ("NAME:PATH"), NUL-terminated, the caller's. */
char *mg_qualify(const struct mg_ctx *c, size_t i, const msgpack_object *path, size_t *len);

/* Paths qualified by their part, sorted; a path in two inputs is an error. */
struct mg_path {
	char *s;
	size_t len;
	uint32_t in, idx;
};

struct mg_paths {
	struct mg_path *v;
	size_t nr, alloc;
	uint32_t **remap;	/* remap[input][index] = position in v after sorting */
};

void mg_paths_add(const struct mg_ctx *c, struct mg_paths *ps, size_t i, uint32_t idx,
		  const msgpack_object *path);
/* Sorts and fills remap (counts[i]: the paths input i added). */
void mg_paths_sort(const struct mg_ctx *c, struct mg_paths *ps, const uint32_t *counts);
/* The paths of the array field array of every input (key: the path field of its maps, or NULL for strings), sorted. */
void mg_paths_collect(const struct mg_ctx *c, struct mg_paths *ps, const char *array,
		      const char *key);
/* The entry of array (in the path's input) that the path came from. */
const msgpack_object *mg_path_entry(const struct mg_ctx *c, const struct mg_path *q,
				    const char *array);
void mg_paths_release(struct mg_paths *ps, size_t nr_in);

int mg_cmp_u64(const void *a, const void *b);

/* [x, y, n] entries of a sparse matrix, ordered by x, y, then n. */
struct mg_triple {
	uint64_t v[3];
};

int mg_triple_cmp(const void *a, const void *b);
void mg_pack_triples(msgpack_packer *pk, const struct mg_triple *t, size_t n);
/* qsort that accepts an empty (NULL) array. */
void mg_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *));

/*
 * Shards: orders the parts of the same name (not merges) into chains by
 * their stream records' head and base, or dies naming the gap, overlap or
 * duplicate; every part gets lead, pos and nr_shards.
 */
void mg_shards_chain(struct mg_part *parts, size_t nr);
/* The stream record of the chain led by parts[lead], as the whole range's would be. */
void mg_shards_stream(const struct mg_part *parts, size_t nr, size_t lead, msgpack_packer *pk);
/*
 * Packs the data map of the results of one chain (c->in in chain order,
 * c->parts the nr_parts parts of the merge) as
 * the result of the whole range, or dies naming why the analyzer's shards
 * cannot be combined exactly.
 */
void mg_shards_combine(const struct mg_ctx *c, size_t nr_parts, msgpack_packer *pk);

/* The rules: each packs the merged data map. */
void mg_merge_devs(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_couples(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_file_history(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_burndown(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_shotness(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_typos(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_imports(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_sentiment(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_quality(const struct mg_ctx *c, msgpack_packer *pk);
void mg_merge_anomaly(const struct mg_ctx *c, msgpack_packer *pk);

#endif
