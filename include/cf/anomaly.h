#ifndef CF_ANOMALY_H
#define CF_ANOMALY_H

/*
 * The series that cf-anomaly scores beside its own: the per-tick means of
 * cf-quality's results ("quality.METRIC") and cf-sentiment's ("sentiment"),
 * and the schema 3 anomaly result they make (cf-anomaly(1)).  cf-anomaly
 * scores them from the results passing through it; cf-reduce merges
 * schema 3 results as schema 2 (its merge rule scores the own series
 * again) and scores the other series again from the merged results, so a
 * merge still equals the analysis of the union.
 *
 * Ownership: a cf_xseries owns copies of the series it read; packed
 * objects borrow nothing.
 */

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "cf/buf.h"

struct cf_xseries;

struct cf_xseries *cf_xseries_new(void);
void cf_xseries_free(struct cf_xseries *x);

/*
 * Reads the series of a result's data when the analyzer is quality or
 * sentiment (1), ignores any other (0); -1 with *why when the data is not
 * what those analyzers write.
 */
int cf_xseries_add(struct cf_xseries *x, const char *analyzer, size_t len,
		   const msgpack_object *data, const char **why);
size_t cf_xseries_count(const struct cf_xseries *x);

/*
 * The data of a schema 3 anomaly result from that of schema 2 (its own
 * series, window and threshold) and the series of x: every series scored
 * over its own ticks, flagged series, anomalies again.
 */
void cf_anomaly_pack_scored(msgpack_packer *pk, const msgpack_object *data,
			    const struct cf_xseries *x);

/* The data of schema 2 from that of schema 3: the series of other results left out. */
void cf_anomaly_pack_plain(msgpack_packer *pk, const msgpack_object *data);

/*
 * A whole result record ({t, v, analyzer, schema, data}) with its data
 * rewritten by one of the two above (x NULL: plain, schema 2), appended to
 * out.
 */
void cf_anomaly_record(struct cf_buf *out, const msgpack_object *record,
		       const struct cf_xseries *x);

/*
 * The trailing z-score of value i of a series against the window values
 * before it (population deviation): 0 when fewer than two precede it;
 * +-INFINITY when they are all equal and the value differs.  at(series, k)
 * gives value k.  cf-anomaly and cf-reduce's merge score with it, so that a
 * merge equals the analysis of the union to the last bit.
 */
typedef double (*cf_series_at)(const void *series, size_t k);
int cf_zscore(cf_series_at at, const void *series, size_t i, uint64_t window, double *z);

/* cf-anomaly's own series, in the order of its result's keys. */
enum { CF_AN_CHURN, CF_AN_FILES, CF_AN_LANGUAGES, CF_AN_AUTHORS, CF_AN_OWN };
extern const char *const cf_anomaly_own_names[CF_AN_OWN];

/* One tick scored in the own series, each against the window ticks before it. */
struct cf_own_z {
	double z[CF_AN_OWN];
	int ok[CF_AN_OWN];	/* enough ticks before it to score */
	double max;		/* the largest |z| scored */
	int flagged;		/* some |z| above the threshold: an anomaly */
};

/* Value k of own series s of the caller's ticks. */
typedef uint64_t (*cf_own_at)(const void *ticks, size_t k, int s);
void cf_anomaly_score(cf_own_at at, const void *ticks, size_t i, uint64_t window,
		      double threshold, struct cf_own_z *out);

/* A z-score as the results hold it: 4 decimals, nil when not scored or infinite. */
void cf_anomaly_pack_z(msgpack_packer *pk, int ok, double z);

/*
 * The parts of a tick entry that do not depend on how its people and
 * languages are kept: "anomaly", the own values and "max_abs_z" (head),
 * and the "z" map (tail).
 */
void cf_anomaly_pack_tick_head(msgpack_packer *pk, const uint64_t *v, const struct cf_own_z *z);
void cf_anomaly_pack_tick_z(msgpack_packer *pk, const struct cf_own_z *z);

#endif
