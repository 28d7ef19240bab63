/* Statistics of sorted values (see cf/stats.h). */
#include <math.h>
#include "cf/stats.h"
#include "cf/writer.h"

int cf_stats_cmp(const void *a_, const void *b_)
{
	double a = *(const double *)a_, b = *(const double *)b_;
	return a < b ? -1 : a > b;
}

static double percentile(const double *v, size_t n, double p)
{
	double x = p * (n - 1);
	size_t i = (size_t)x;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (x - i) * (v[i + 1] - v[i]);
}

const char *const cf_quality_metrics[CF_QUALITY_METRICS] = {
	"cyclomatic", "cognitive", "max_cyclomatic", "volume", "comment_density",
	"doc_coverage", "cohesion",
};

double cf_round4(double v)
{
	return round(v * 10000) / 10000;
}

void cf_stats_pack(msgpack_packer *pk, const double *v, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	msgpack_pack_map(pk, 6);
	cf_pack_kv_f64(pk, "max", cf_round4(v[n - 1]));
	cf_pack_kv_f64(pk, "mean", cf_round4(sum / n));
	cf_pack_kv_f64(pk, "median", cf_round4(percentile(v, n, 0.5)));
	cf_pack_kv_u64(pk, "n", n);
	cf_pack_kv_f64(pk, "p95", cf_round4(percentile(v, n, 0.95)));
	cf_pack_str(pk, "values");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++)
		cf_pack_f64(pk, v[i]);
}
