#include <string.h>
#include "cf/budget.h"

static const char *const flags[CF_NR_KNOBS] = {
	"--workers", "--buffer-size", "--commit-batch-size",
	"--blob-cache-size", "--diff-cache-size", "--blob-arena-size",
};

const char *cf_knob_flag(enum cf_knob_index i)
{
	return i < CF_NR_KNOBS ? flags[i] : "?";
}

const char *cf_knob_source_name(enum cf_knob_source s)
{
	switch (s) {
	case CF_KNOB_DEFAULT: return "default";
	case CF_KNOB_BUDGET: return "memory budget";
	case CF_KNOB_FLAG: return "flag";
	}
	return "?";
}

void cf_knobs_default(struct cf_knobs *k, uint64_t ncpu)
{
	k->workers = ncpu ? ncpu : 1;
	k->buffer_size = 2 * k->workers;
	k->commit_batch_size = 100;
	k->blob_cache_size = 1ull << 30;
	k->diff_cache_size = 10000;
	k->blob_arena_size = 4ull << 20;
	k->delta_cache_size = 0;
	k->batch_bytes = 0;
	k->tree_cache_size = 0;
	k->release_memory = 0;
	k->reserve = 0;
	for (int i = 0; i < CF_NR_KNOBS; i++)
		k->src[i] = CF_KNOB_DEFAULT;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void set(struct cf_knobs *k, enum cf_knob_index i, uint64_t *field, uint64_t v)
{
	if (k->src[i] == CF_KNOB_FLAG)
		return;
	*field = v;
	k->src[i] = CF_KNOB_BUDGET;
}

int cf_knobs_from_budget(struct cf_knobs *k, uint64_t whole, uint64_t reserve)
{
	uint64_t budget = whole > reserve + CF_KNOBS_MIN ? whole - reserve : CF_KNOBS_MIN;
	uint64_t caches = budget / 100 * 60;
	uint64_t workers_share = budget / 100 * 30;
	uint64_t fixed, per_worker, ring = 0, spent, threads_share, per_thread, others;

	if (whole < CF_BUDGET_MIN)
		return -1;
	k->reserve = reserve;
	set(k, CF_KNOB_DIFF_CACHE_SIZE, &k->diff_cache_size,
	    clamp(caches / 100 * 35 / CF_DIFF_ENTRY_COST, 100, 1000000));
	/* cf-blobload holds two batches: one written out while the next is read. */
	k->batch_bytes = clamp(workers_share / 16, 2ull << 20, 128ull << 20);
	k->tree_cache_size = clamp(budget / 32, CF_TREE_CACHE_MIN, CF_TREE_CACHE_MAX);
	k->release_memory = 1;
	fixed = 2 * k->batch_bytes + CF_WORKER_MAPPED;
	per_worker = CF_WORKER_COST;
	if (k->src[CF_KNOB_BLOB_ARENA_SIZE] != CF_KNOB_FLAG)
		fixed += ring = clamp(workers_share / 8, 8ull << 20, 128ull << 20);
	else if (k->src[CF_KNOB_BUFFER_SIZE] == CF_KNOB_FLAG)
		fixed += cf_knobs_ring(k);
	else
		per_worker += 2 * k->blob_arena_size;	/* each worker's two arenas */
	/* An arena given by flag may take the whole share: one thread then. */
	threads_share = workers_share > fixed ? workers_share - fixed : 0;
	set(k, CF_KNOB_WORKERS, &k->workers, clamp(threads_share / per_worker, 1, 16));
	set(k, CF_KNOB_BUFFER_SIZE, &k->buffer_size, 2 * k->workers);
	if (ring)
		set(k, CF_KNOB_BLOB_ARENA_SIZE, &k->blob_arena_size,
		    clamp(ring / cf_knobs_arenas(k), 64ull << 10, ring));
	spent = k->workers * (per_worker - CF_WORKER_COST);
	threads_share = threads_share > spent ? threads_share - spent : 0;
	per_thread = threads_share / k->workers;
	k->delta_cache_size = clamp(per_thread > CF_THREAD_OVERHEAD ? per_thread - CF_THREAD_OVERHEAD : 0,
				    CF_DELTA_MIN, CF_DELTA_MAX);
	/*
	 * The blob cache takes most of the cache share (blob reuse saves more
	 * than diff reuse), but only what the other knobs leave: it is the one
	 * cache whose size changes nothing but the time, and the shares, with
	 * their floors, can add up to more than a small remainder.
	 */
	others = cf_knobs_cost(k) - k->blob_cache_size;
	set(k, CF_KNOB_BLOB_CACHE_SIZE, &k->blob_cache_size,
	    clamp(budget > others ? budget - others : 0, CF_BLOB_CACHE_MIN, caches / 100 * 65));
	return 0;
}

uint64_t cf_analyzer_reserve(const char *name, uint64_t paths)
{
	uint64_t per_path = CF_STATE_PER_PATH;

	if (!strcmp(name, "couples")) {
		uint64_t pairs = paths * (paths ? paths - 1 : 0) / 2;
		if (pairs > paths * CF_PAIRS_PER_PATH)
			pairs = paths * CF_PAIRS_PER_PATH;
		return CF_ANALYZER_BASE + pairs * CF_PAIR_COST;
	}
	if (!strcmp(name, "file-history"))
		per_path = 1ull << 10;
	else if (!strcmp(name, "devs"))
		per_path = 256;
	return CF_ANALYZER_BASE + paths * per_path;
}

uint64_t cf_knobs_arenas(const struct cf_knobs *k)
{
	return clamp(k->buffer_size, 1, CF_ARENAS_MAX);
}

uint64_t cf_knobs_ring(const struct cf_knobs *k)
{
	uint64_t n = cf_knobs_arenas(k);

	return k->blob_arena_size > UINT64_MAX / n ? UINT64_MAX : k->blob_arena_size * n;
}

uint64_t cf_pipeline_reserve(uint64_t index_bytes)
{
	return CF_PIPELINE_BASE + CF_INDEX_COPIES * index_bytes;
}

uint64_t cf_knobs_cost(const struct cf_knobs *k)
{
	return k->blob_cache_size + k->diff_cache_size * CF_DIFF_ENTRY_COST +
	       k->workers * CF_WORKER_COST + cf_knobs_ring(k) + 2 * k->batch_bytes +
	       CF_WORKER_MAPPED + k->tree_cache_size + CF_RENDER_AHEAD +
	       k->buffer_size * (64ull << 10) * 8;
}

uint64_t cf_chunk_size(uint64_t budget)
{
	if (!budget)
		return CF_CHUNK_MAX;
	if (budget < CF_CHUNK_OVERHEAD)
		return CF_CHUNK_MIN;
	return clamp((budget - CF_CHUNK_OVERHEAD) / CF_STATE_PER_COMMIT, CF_CHUNK_MIN, CF_CHUNK_MAX);
}

uint64_t cf_estimated_peak(const struct cf_knobs *k, uint64_t commits)
{
	return cf_knobs_cost(k) + k->reserve + commits * CF_STATE_PER_COMMIT;
}

int cf_streaming_auto(const struct cf_knobs *k, uint64_t budget, uint64_t commits)
{
	if (commits >= CF_STREAMING_COMMITS)
		return 1;
	return budget && cf_estimated_peak(k, commits) > budget / 10 * 8;
}
