/*
 * The merge rule of burndown (schema 2, see cf-burndown(1)): results with
 * the same tick size, granularity and sampling whose band and sample
 * boundaries line up (cf-burndown --calendar puts them on multiples of
 * the band width and the sample length from the Unix epoch) are placed on
 * the earliest t0 and summed cell by cell.  A repository whose history
 * ended before the merged one's keeps its last row: a sample without
 * commits repeats the row before it.  Per-file matrices are kept, their
 * paths qualified; people are unified by identity and sorted by name, then
 * email, and their matrices, written lines and overwrites summed.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/record.h"
#include "cf/writer.h"
#include "merge-int.h"

#define MAX_CELLS (1u << 26)	/* as cf-burndown's own limit */

struct place {
	uint64_t so, bo;	/* sample and band offsets in the merged matrix */
	uint64_t samples, bands;
	int empty;		/* no commits: contributes no cells */
};

struct bd {
	const struct mg_ctx *c;
	uint64_t g, s, ts, samples, bands;
	int64_t t0;
	uint64_t last;
	struct place *at;
	struct mg_people p;
	uint64_t *acc;		/* a dense samples x bands accumulator */
};

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Offsets of every input from the earliest t0, in ticks, checked for alignment. */
static void place_inputs(struct bd *d)
{
	const struct mg_ctx *c = d->c;
	uint64_t lcm = d->g / gcd(d->g, d->s) * d->s, unit, *shift;

	if (lcm / d->s != d->g / gcd(d->g, d->s) || (d->ts && lcm > UINT64_MAX / d->ts))
		mg_die(c, 0, "the band width and sample length are too large to align");
	unit = lcm * d->ts;
	shift = xcalloc(c->nr, sizeof(*shift));
	d->t0 = mg_origin(c, unit, "bands and samples", shift);
	d->at = xcalloc(c->nr, sizeof(*d->at));
	d->last = 0;
	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *data = c->in[i].data;
		uint64_t dt = shift[i] * lcm, last = mg_u64(c, i, data, "last_tick");
		struct place *pl = &d->at[i];

		if (shift[i] && dt / shift[i] != lcm)
			mg_die(c, i, "its t0 is too far from the others'");
		pl->so = dt / d->s;
		pl->bo = dt / d->g;
		pl->samples = mg_u64(c, i, data, "samples");
		pl->bands = mg_u64(c, i, data, "bands");
		pl->empty = !mg_u64(c, i, data, "commits");
		if (!pl->samples || !pl->bands)
			mg_die(c, i, "no samples or no bands");
		if (pl->empty)
			continue;
		last = mg_add(c, i, last, dt);
		if (last > d->last)
			d->last = last;
	}
	free(shift);
	d->samples = d->last / d->s + 1;
	d->bands = d->last / d->g + 1;
	if (d->samples > MAX_CELLS / d->bands)
		mg_die(c, 0, "the merged matrix would have %llu x %llu cells, more than %u",
		       (unsigned long long)d->samples, (unsigned long long)d->bands, MAX_CELLS);
	for (size_t i = 0; i < c->nr; i++)
		if (!d->at[i].empty && (d->at[i].so + d->at[i].samples > d->samples ||
					d->at[i].bo + d->at[i].bands > d->bands))
			mg_die(c, i, "its matrix is larger than its last_tick says");
}

/* The row of input i that the merged sample r shows, or NULL before the input starts. */
static const msgpack_object *row_at(const struct bd *d, size_t i, const msgpack_object *rows,
				    uint64_t r)
{
	const struct place *pl = &d->at[i];
	uint64_t k;

	if (rows->type != MSGPACK_OBJECT_ARRAY || rows->via.array.size != pl->samples)
		mg_die(d->c, i, "a matrix does not have its %llu samples",
		       (unsigned long long)pl->samples);
	if (r < pl->so)
		return NULL;
	k = r - pl->so;
	if (k >= pl->samples)
		k = pl->samples - 1;
	if (rows->via.array.ptr[k].type != MSGPACK_OBJECT_ARRAY)
		mg_die(d->c, i, "a matrix row is not an array");
	return &rows->via.array.ptr[k];
}

static void add_cell(struct bd *d, size_t i, uint64_t r, uint64_t band, uint64_t n)
{
	uint64_t b = band + d->at[i].bo;

	if (band >= d->at[i].bands || b >= d->bands)
		mg_die(d->c, i, "band %llu is beyond its %llu bands", (unsigned long long)band,
		       (unsigned long long)d->at[i].bands);
	d->acc[r * d->bands + b] = mg_add(d->c, i, d->acc[r * d->bands + b], n);
}

static void add_dense(struct bd *d, size_t i, const msgpack_object *m)
{
	if (d->at[i].empty)
		return;
	for (uint64_t r = 0; r < d->samples; r++) {
		const msgpack_object *row = row_at(d, i, m, r);
		if (!row)
			continue;
		if (row->via.array.size != d->at[i].bands)
			mg_die(d->c, i, "a matrix row does not have its %llu bands",
			       (unsigned long long)d->at[i].bands);
		for (uint32_t b = 0; b < row->via.array.size; b++)
			add_cell(d, i, r, b, mg_item_u64(d->c, i, row, b));
	}
}

static void add_sparse(struct bd *d, size_t i, const msgpack_object *m)
{
	if (d->at[i].empty)
		return;
	for (uint64_t r = 0; r < d->samples; r++) {
		const msgpack_object *row = row_at(d, i, m, r);
		if (!row)
			continue;
		if (row->via.array.size % 2)
			mg_die(d->c, i, "a sparse row has an odd length");
		for (uint32_t k = 0; k < row->via.array.size; k += 2)
			add_cell(d, i, r, mg_item_u64(d->c, i, row, k),
				 mg_item_u64(d->c, i, row, k + 1));
	}
}

static void pack_acc_dense(msgpack_packer *pk, const struct bd *d)
{
	msgpack_pack_array(pk, d->samples);
	for (uint64_t r = 0; r < d->samples; r++) {
		msgpack_pack_array(pk, d->bands);
		for (uint64_t b = 0; b < d->bands; b++)
			cf_pack_u64(pk, d->acc[r * d->bands + b]);
	}
}

static void pack_acc_sparse(msgpack_packer *pk, const struct bd *d)
{
	msgpack_pack_array(pk, d->samples);
	for (uint64_t r = 0; r < d->samples; r++) {
		const uint64_t *row = d->acc + r * d->bands;
		uint32_t n = 0;

		for (uint64_t b = 0; b < d->bands; b++)
			n += !!row[b];
		msgpack_pack_array(pk, 2 * n);
		for (uint64_t b = 0; b < d->bands; b++)
			if (row[b]) {
				cf_pack_u64(pk, b);
				cf_pack_u64(pk, row[b]);
			}
	}
}

static void clear_acc(struct bd *d)
{
	memset(d->acc, 0, d->samples * d->bands * sizeof(*d->acc));
}

/* One input's sparse matrix moved to its place, without a dense copy. */
static void pack_moved_sparse(msgpack_packer *pk, struct bd *d, size_t i,
			      const msgpack_object *m)
{
	msgpack_pack_array(pk, d->samples);
	for (uint64_t r = 0; r < d->samples; r++) {
		const msgpack_object *row = d->at[i].empty ? NULL : row_at(d, i, m, r);
		uint32_t n = row ? row->via.array.size : 0;

		if (n % 2)
			mg_die(d->c, i, "a sparse row has an odd length");
		msgpack_pack_array(pk, n);
		for (uint32_t k = 0; k < n; k += 2) {
			uint64_t band = mg_item_u64(d->c, i, row, k);
			if (band >= d->at[i].bands)
				mg_die(d->c, i, "band %llu is beyond its bands",
				       (unsigned long long)band);
			cf_pack_u64(pk, band + d->at[i].bo);
			cf_pack_u64(pk, mg_item_u64(d->c, i, row, k + 1));
		}
	}
}

static void pack_counts(msgpack_packer *pk, struct bd *d)
{
	static const char *const sums[] = { "commits", "files", "lines", "resyncs", "renames" };

	cf_pack_kv_u64(pk, "granularity", d->g);
	cf_pack_kv_u64(pk, "sampling", d->s);
	cf_pack_kv_u64(pk, "tick_size", d->ts);
	cf_pack_kv_i64(pk, "t0", d->t0);
	cf_pack_kv_u64(pk, "last_tick", d->last);
	cf_pack_kv_u64(pk, "samples", d->samples);
	cf_pack_kv_u64(pk, "bands", d->bands);
	for (int k = 0; k < 5; k++)
		cf_pack_kv_u64(pk, sums[k], mg_sum_u64(d->c, sums[k]));
	cf_pack_str(pk, "band_start");
	msgpack_pack_array(pk, d->bands);
	for (uint64_t b = 0; b < d->bands; b++)
		cf_pack_u64(pk, b * d->g);
}

static void pack_matrix(msgpack_packer *pk, struct bd *d)
{
	clear_acc(d);
	for (size_t i = 0; i < d->c->nr; i++)
		add_dense(d, i, mg_arr(d->c, i, d->c->in[i].data, "matrix"));
	cf_pack_str(pk, "matrix");
	pack_acc_dense(pk, d);
}

/* Whether every input has the optional field key; some but not all is an error. */
static int all_have(const struct mg_ctx *c, const char *key)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nr; i++)
		n += !!cf_obj_get(c->in[i].data, key);
	if (n && n < c->nr)
		for (size_t i = 0; i < c->nr; i++)
			if (!cf_obj_get(c->in[i].data, key))
				mg_die(c, i, "it has no '%s' and others have (run every cf-burndown"
				       " with the same --burndown-files and --burndown-people)", key);
	return n == c->nr;
}

/* The qualified files of the array field key, and its key and array header. */
static void start_files(msgpack_packer *pk, const struct mg_ctx *c, struct mg_paths *ps,
			const char *key)
{
	mg_paths_collect(c, ps, key, "path");
	cf_pack_str(pk, key);
	msgpack_pack_array(pk, ps->nr);
}

static void pack_files(msgpack_packer *pk, struct bd *d)
{
	const struct mg_ctx *c = d->c;
	struct mg_paths ps = { 0 };

	start_files(pk, c, &ps, "file_burndown");
	for (size_t k = 0; k < ps.nr; k++) {
		size_t i = ps.v[k].in;
		const msgpack_object *f = mg_path_entry(c, &ps.v[k], "file_burndown");
		msgpack_pack_map(pk, 3);
		cf_pack_str(pk, "path");
		cf_pack_strn(pk, ps.v[k].s, ps.v[k].len);
		cf_pack_kv_u64(pk, "lines", mg_u64(c, i, f, "lines"));
		cf_pack_str(pk, "sparse");
		pack_moved_sparse(pk, d, i, mg_arr(c, i, f, "sparse"));
	}
	mg_paths_release(&ps, c->nr);
	clear_acc(d);
	for (size_t i = 0; i < c->nr; i++)
		add_sparse(d, i, mg_arr(c, i, c->in[i].data, "deleted_burndown"));
	cf_pack_str(pk, "deleted_burndown");
	pack_acc_sparse(pk, d);
}

/* An array of the input's people (one entry each), of the right length. */
static const msgpack_object *per_person(struct bd *d, size_t i, const char *key)
{
	const msgpack_object *a = mg_arr(d->c, i, d->c->in[i].data, key);

	if (a->via.array.size != d->p.count[i])
		mg_die(d->c, i, "'%s' does not have one entry per person", key);
	return a;
}

static void pack_people_matrices(msgpack_packer *pk, struct bd *d)
{
	const struct mg_ctx *c = d->c;

	cf_pack_str(pk, "people_burndown");
	msgpack_pack_array(pk, d->p.nr);
	for (uint32_t q = 0; q < d->p.nr; q++) {
		clear_acc(d);
		for (size_t i = 0; i < c->nr; i++) {
			const msgpack_object *a = per_person(d, i, "people_burndown");
			for (uint32_t k = 0; k < d->p.count[i]; k++)
				if (d->p.remap[i][k] == q)
					add_sparse(d, i, &a->via.array.ptr[k]);
		}
		pack_acc_sparse(pk, d);
	}
	cf_pack_str(pk, "written");
	msgpack_pack_array(pk, d->p.nr);
	for (uint32_t q = 0; q < d->p.nr; q++) {
		uint64_t n = 0;
		for (size_t i = 0; i < c->nr; i++) {
			const msgpack_object *a = per_person(d, i, "written");
			for (uint32_t k = 0; k < d->p.count[i]; k++)
				if (d->p.remap[i][k] == q)
					n = mg_add(c, i, n, mg_item_u64(c, i, a, k));
		}
		cf_pack_u64(pk, n);
	}
}

static int ow_cmp(const void *a_, const void *b_)
{
	const uint64_t *a = a_, *b = b_;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* Overwrites: (who, whom) pairs remapped and summed, one sparse row per person. */
static void pack_overwrites(msgpack_packer *pk, struct bd *d)
{
	const struct mg_ctx *c = d->c;
	uint64_t (*v)[3] = NULL;
	size_t n = 0, alloc = 0, k = 0;

	for (size_t i = 0; i < c->nr; i++) {
		const msgpack_object *a = per_person(d, i, "overwrites");
		for (uint32_t who = 0; who < a->via.array.size; who++) {
			const msgpack_object *row = &a->via.array.ptr[who];
			if (row->type != MSGPACK_OBJECT_ARRAY || row->via.array.size % 2)
				mg_die(c, i, "an overwrites row is not an array of pairs");
			for (uint32_t e = 0; e < row->via.array.size; e += 2) {
				CF_ALLOC_GROW(v, n + 1, alloc);
				v[n][0] = d->p.remap[i][who];
				v[n][1] = mg_person(c, &d->p, i, mg_item_u64(c, i, row, e));
				v[n][2] = mg_item_u64(c, i, row, e + 1);
				n++;
			}
		}
	}
	mg_sort(v, n, sizeof(*v), ow_cmp);
	cf_pack_str(pk, "overwrites");
	msgpack_pack_array(pk, d->p.nr);
	for (uint32_t q = 0; q < d->p.nr; q++) {
		size_t end = k, out = 0;
		while (end < n && v[end][0] == q)
			end++;
		for (size_t x = k; x < end; x++)
			out += x == k || v[x][1] != v[x - 1][1];
		msgpack_pack_array(pk, 2 * out);
		for (size_t x = k; x < end; ) {
			uint64_t whom = v[x][1], sum = 0;
			for (; x < end && v[x][1] == whom; x++)
				sum += v[x][2];
			cf_pack_u64(pk, whom);
			cf_pack_u64(pk, sum);
		}
		k = end;
	}
	free(v);
}

static void pack_ownership(msgpack_packer *pk, struct bd *d)
{
	const struct mg_ctx *c = d->c;
	struct mg_paths ps = { 0 };

	start_files(pk, c, &ps, "ownership");
	for (size_t k = 0; k < ps.nr; k++) {
		size_t i = ps.v[k].in;
		const msgpack_object *f = mg_path_entry(c, &ps.v[k], "ownership");
		const msgpack_object *own = mg_arr(c, i, f, "owners");
		if (own->via.array.size % 2)
			mg_die(c, i, "'owners' is not an array of pairs");
		msgpack_pack_map(pk, 2);
		cf_pack_str(pk, "path");
		cf_pack_strn(pk, ps.v[k].s, ps.v[k].len);
		cf_pack_str(pk, "owners");
		msgpack_pack_array(pk, own->via.array.size);
		/* remapping keeps the order: both people lists are sorted the same way */
		for (uint32_t e = 0; e < own->via.array.size; e += 2) {
			cf_pack_u64(pk, mg_person(c, &d->p, i, mg_item_u64(c, i, own, e)));
			cf_pack_u64(pk, mg_item_u64(c, i, own, e + 1));
		}
	}
	mg_paths_release(&ps, c->nr);
}

void mg_merge_burndown(const struct mg_ctx *c, msgpack_packer *pk)
{
	struct bd d = { .c = c };
	int files, people;

	d.g = mg_same_u64(c, "granularity");
	d.s = mg_same_u64(c, "sampling");
	d.ts = mg_same_u64(c, "tick_size");
	if (!d.g || !d.s)
		mg_die(c, 0, "a granularity or sampling of 0");
	place_inputs(&d);
	files = all_have(c, "file_burndown") & all_have(c, "deleted_burndown");
	people = all_have(c, "people_burndown") & all_have(c, "written") &
		 all_have(c, "overwrites") & all_have(c, "ownership");
	mg_people_build(c, &d.p, "people");
	d.acc = xcalloc(d.samples * d.bands, sizeof(*d.acc));

	msgpack_pack_map(pk, 15 + 2 * files + 4 * people);
	pack_counts(pk, &d);
	pack_matrix(pk, &d);
	cf_pack_str(pk, "people");
	mg_people_pack(pk, &d.p, 0);
	if (files)
		pack_files(pk, &d);
	if (people) {
		pack_people_matrices(pk, &d);
		pack_overwrites(pk, &d);
		pack_ownership(pk, &d);
	}
	free(d.acc);
	free(d.at);
	mg_people_release(&d.p, c->nr);
}
