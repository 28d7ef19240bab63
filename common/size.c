#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cf/size.h"
#include "cf/usage.h"

static const struct {
	const char *name;
	double mult;
} units[] = {
	{ "", 1 }, { "b", 1 },
	{ "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 }, { "tb", 1e12 },
	{ "k", 1024.0 }, { "m", 1048576.0 }, { "g", 1073741824.0 }, { "t", 1099511627776.0 },
	{ "kib", 1024.0 }, { "mib", 1048576.0 }, { "gib", 1073741824.0 }, { "tib", 1099511627776.0 },
};

int cf_parse_size(const char *s, uint64_t *out)
{
	const char *p = s;
	char unit[8];
	size_t ul = 0;
	double v = 0, frac = 0.1;
	int digits = 0;

	/* Exact: the double below would round byte counts above 2^53. */
	if (!cf_parse_u64(s, out))
		return 0;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			v += (*p++ - '0') * frac;
			frac /= 10;
			digits++;
		}
	}
	if (!digits)
		return -1;
	while (*p == ' ')
		p++;
	while (*p && ul < sizeof(unit) - 1)
		unit[ul++] = (char)tolower((unsigned char)*p++);
	if (*p)
		return -1;
	unit[ul] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (!strcmp(unit, units[i].name)) {
			double r = v * units[i].mult;
			if (r >= 18446744073709551615.0)
				return -1;
			*out = (uint64_t)llround(r);
			return 0;
		}
	}
	return -1;
}

uint64_t cf_opt_size(const char *flag, const char *arg)
{
	uint64_t v;
	if (!arg || cf_parse_size(arg, &v) < 0)
		usage_error("%s: not a size: '%s' (examples: 4096, 500MB, 256MiB, 1GiB)",
			    flag, arg ? arg : "");
	return v;
}

int cf_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

uint64_t cf_opt_uint(const char *flag, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v;
	if (!arg || cf_parse_u64(arg, &v) < 0)
		usage_error("%s: not a non-negative integer: '%s'", flag, arg ? arg : "");
	if (v < min || v > max)
		usage_error("%s: %llu is out of range [%llu, %llu]", flag,
			    (unsigned long long)v, (unsigned long long)min,
			    (unsigned long long)max);
	return v;
}

const char *cf_size_str(uint64_t bytes, char buf[32])
{
	static const char *names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, 32, "%llu B", (unsigned long long)bytes);
	else if (v == floor(v))
		snprintf(buf, 32, "%.0f %s", v, names[i]);
	else
		snprintf(buf, 32, "%.1f %s", v, names[i]);
	return buf;
}
