#ifndef CF_STATS_H
#define CF_STATS_H

/*
 * Statistics of a tick's values, as cf-quality reports them and cf-reduce
 * merges them: both compute them here from the same sorted values, so a
 * merged tick is byte for byte the tick of one repository holding them all.
 *
 * Ownership: the caller's values are borrowed.
 */

#include <msgpack.h>
#include <stddef.h>

/* The metrics of cf-quality's ticks, in the order a tick lists them. */
#define CF_QUALITY_METRICS 7
extern const char *const cf_quality_metrics[CF_QUALITY_METRICS];

/* Rounded to 4 decimals, as the analyzers report scores. */
double cf_round4(double v);

/* qsort's comparison of doubles, ascending. */
int cf_stats_cmp(const void *a, const void *b);

/*
 * Packs {max, mean, median, n, p95, values} of the n (> 0) values, sorted
 * ascending: the mean summed in that order, the median and p95 linearly
 * interpolated at p * (n - 1), the statistics rounded to 4 decimals, the
 * values as they are.
 */
void cf_stats_pack(msgpack_packer *pk, const double *sorted, size_t n);

#endif
