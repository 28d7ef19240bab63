#ifndef CF_BUDGET_H
#define CF_BUDGET_H

/*
 * The resource knobs of the history pipeline and the cost model that derives
 * them from a memory budget.
 *
 * The seed's model: of the budget, 60% goes to caches (blob cache and diff
 * cache), 30% to workers (their object-database handles and delta-base
 * caches), the blob arena and the batch of blobs cf-blobload holds, 10% to
 * buffers (the pipes between stages, the records cf-revlist renders ahead,
 * cf-treediff's tree cache), and 5% is kept as slack for the runtime;
 * shares overlap the slack on purpose, as in the seed, so the sum of the
 * shares is an upper bound.  Budgets below 128 MiB are refused.
 *
 * The shares are of what is left once a reserve is set aside (see
 * cf_analyzer_reserve), and the blob cache gets only what the other knobs
 * leave of that: on git/git with four analyzers the seed's shares of the
 * whole budget held 298 MiB at 256 MiB.
 *
 * Everything here is plain data: no allocation, no ownership.
 */

#include <stdint.h>

#define CF_BUDGET_MIN (128ull << 20)

/* Where a knob's value came from, for -v. */
enum cf_knob_source {
	CF_KNOB_DEFAULT,
	CF_KNOB_BUDGET,
	CF_KNOB_FLAG,
};

struct cf_knobs {
	uint64_t workers;
	uint64_t buffer_size;		/* pipe capacity between stages, in 64 KiB units */
	uint64_t commit_batch_size;
	uint64_t blob_cache_size;	/* bytes */
	uint64_t diff_cache_size;	/* entries */
	uint64_t blob_arena_size;	/* bytes: one arena; the ring holds buffer_size of them */
	enum cf_knob_source src[6];	/* in the order of the fields above */
	/*
	 * Not flags of cf-run (0: the stage's own default): what a budget
	 * leaves each cf-blobload thread for its delta-base cache once the
	 * rest of its cost is counted, the text a cf-blobload batch may hold
	 * (--batch-bytes; it holds two), and cf-treediff's delta-base cache of
	 * trees.
	 */
	uint64_t delta_cache_size;
	uint64_t batch_bytes;
	uint64_t tree_cache_size;
	/*
	 * cf-blobload --release-memory: a budget pays in page faults for the
	 * 20-25 MiB malloc would keep free but resident (git/git's history).
	 */
	int release_memory;
	uint64_t reserve;		/* what the budget set aside first (0: none) */
};

enum cf_knob_index {
	CF_KNOB_WORKERS,
	CF_KNOB_BUFFER_SIZE,
	CF_KNOB_COMMIT_BATCH_SIZE,
	CF_KNOB_BLOB_CACHE_SIZE,
	CF_KNOB_DIFF_CACHE_SIZE,
	CF_KNOB_BLOB_ARENA_SIZE,
	CF_NR_KNOBS,
};

/* The seed's defaults: workers = online CPUs, buffer = 2 x workers, ... */
void cf_knobs_default(struct cf_knobs *k, uint64_t ncpu);

/*
 * Derives every knob not set by a flag from what the budget leaves once
 * reserve is set aside (cf_reserve; at least CF_KNOBS_MIN, so a reserve
 * larger than the budget still gives every knob its floor).  Returns 0, or
 * -1 when the budget is below CF_BUDGET_MIN.
 */
int cf_knobs_from_budget(struct cf_knobs *k, uint64_t budget, uint64_t reserve);

/*
 * What the budget sets aside before the knobs: memory no knob sizes, which
 * the seed's model leaves out and which on a large history is most of the
 * peak.  Estimated before the walk from the paths of the tip's tree and the
 * size of the pack indexes.
 *
 * Each analyzer process: CF_ANALYZER_BASE (its libraries, heap and the
 * records it reads and writes) and its state, per path of the tip's tree;
 * cf-couples counts pairs of paths, at most CF_PAIRS_PER_PATH a path (all
 * pairs on a small tree), of CF_PAIR_COST bytes each (its table at three
 * quarters full).  Measured on git/git's first-parent history (4,847
 * paths; the stage's resident memory late in the walk): cf-couples 44-50
 * MiB, cf-burndown 13, cf-file-history 9, cf-devs 5.  Analyzers not
 * measured are charged CF_STATE_PER_PATH.
 *
 * The pipeline: CF_PIPELINE_BASE (cf-run, cf-reduce and the stages that
 * read the repository, before any cache) and CF_INDEX_COPIES times the
 * bytes of the pack indexes, whose pages cf-revlist, cf-treediff and
 * cf-blobload each touch through the walk.  The index stands for the size
 * of the history the stages' own memory grows with (mapped index pages,
 * malloc's free space, libgit2's state), and the factor is a calibration,
 * not a count of pages: on git/git (22.7 MiB of index) the reserve is 100
 * MiB, and the stages held 110-120 MiB beside their knobs.
 */
#define CF_KNOBS_MIN (64ull << 20)
/* The blob cache's floor, when the other knobs take all the budget leaves. */
#define CF_BLOB_CACHE_MIN (4ull << 20)
#define CF_ANALYZER_BASE (4ull << 20)
#define CF_STATE_PER_PATH (2ull << 10)
#define CF_PAIRS_PER_PATH 384ull
#define CF_PAIR_COST 24ull
#define CF_PIPELINE_BASE (32ull << 20)
#define CF_INDEX_COPIES 3ull

/* One analyzer's share of the reserve, by its name as -a gives it. */
uint64_t cf_analyzer_reserve(const char *name, uint64_t paths);
uint64_t cf_pipeline_reserve(uint64_t index_bytes);

/* Bytes the derived knobs account for, the sum of the model's parts. */
uint64_t cf_knobs_cost(const struct cf_knobs *k);

/* A knob's name as a flag ("--workers") and its source as a word ("budget"). */
const char *cf_knob_flag(enum cf_knob_index i);
const char *cf_knob_source_name(enum cf_knob_source s);

/*
 * Streaming mode (the seed's rules): analyzer state grows by about
 * CF_STATE_PER_COMMIT bytes per commit; chunks hold what the budget leaves
 * after CF_CHUNK_OVERHEAD, within [CF_CHUNK_MIN, CF_CHUNK_MAX] commits
 * (128 MiB: about 40,000; 256 MiB and more: 50,000), and CF_CHUNK_MAX
 * without a budget.  Auto mode streams from CF_STREAMING_COMMITS commits
 * on, or when the estimated peak (the knobs' cost, the reserve and the
 * state of every commit) exceeds 80% of the budget.
 */
#define CF_STATE_PER_COMMIT (2ull << 10)
#define CF_CHUNK_OVERHEAD (48ull << 20)
#define CF_CHUNK_MIN 10000ull
#define CF_CHUNK_MAX 50000ull
#define CF_STREAMING_COMMITS 50000ull

/* budget 0: none. */
uint64_t cf_chunk_size(uint64_t budget);
uint64_t cf_estimated_peak(const struct cf_knobs *k, uint64_t commits);
int cf_streaming_auto(const struct cf_knobs *k, uint64_t budget, uint64_t commits);

/*
 * The ring between cf-blobload and cf-diff holds one arena for each batch in
 * flight, as the seed's design gives every batch request an arena of its
 * own: --buffer-size arenas (at most CF_ARENAS_MAX) of --blob-arena-size.
 */
#define CF_ARENAS_MAX 1024ull
uint64_t cf_knobs_arenas(const struct cf_knobs *k);
uint64_t cf_knobs_ring(const struct cf_knobs *k);	/* bytes, saturating */

/*
 * The workers' share pays first for the ring (an eighth of the share, 8 MiB
 * to 128 MiB, divided into the arenas of --buffer-size; an arena given by
 * flag makes each worker pay for its two instead), each of the two batches cf-blobload holds (a
 * sixteenth, 2 MiB to 128 MiB) and the pack and index pages cf-blobload's
 * threads keep mapped between trims (CF_WORKER_MAPPED: one mapping, which
 * the threads share, cf/odb.h); the rest buys threads of CF_WORKER_COST.  A
 * thread's delta cache is its part of the rest less CF_THREAD_OVERHEAD, at
 * least CF_DELTA_MIN and at most CF_DELTA_MAX (cf-blobload's default,
 * which a larger budget does not raise).  The overhead is what a thread
 * holds beside its delta cache: the slab chunks it keeps between batches
 * (4 MiB), zlib's state and its buffers (about 1 MiB), and the free space
 * its malloc arena cannot give back (12-13 MiB on git/git's history).
 */
#define CF_WORKER_COST (27ull << 20)
#define CF_WORKER_MAPPED (8ull << 20)
#define CF_THREAD_OVERHEAD (18ull << 20)
#define CF_DELTA_MIN (4ull << 20)
#define CF_DELTA_MAX (48ull << 20)
/*
 * Out of the buffers' share: cf-revlist's records rendered ahead (its
 * RENDER_AHEAD) and cf-treediff's tree cache, a 32nd of the budget within
 * [CF_TREE_CACHE_MIN, CF_TREE_CACHE_MAX] (its default: 16 MiB).
 */
#define CF_RENDER_AHEAD (8ull << 20)
#define CF_TREE_CACHE_MIN (4ull << 20)
#define CF_TREE_CACHE_MAX (16ull << 20)
/* Memory the model charges per diff-cache entry (hunks of a typical change). */
#define CF_DIFF_ENTRY_COST (24ull << 10)

#endif
