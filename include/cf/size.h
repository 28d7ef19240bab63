#ifndef CF_SIZE_H
#define CF_SIZE_H

/*
 * Human-readable sizes and checked numbers for the command line.
 *
 * Sizes follow the seed's contract: a plain number is bytes; "kB", "MB",
 * "GB", "TB" are powers of 1000 and "KiB", "MiB", "GiB", "TiB" powers of
 * 1024 (units are case-insensitive, "B" alone is bytes, "K"/"M"/"G" without
 * "B" are read as the binary units); a fraction ("1.5GiB") is allowed.
 */

#include <stdint.h>

/* Returns 0, or -1 when s is malformed, negative or out of range. */
int cf_parse_size(const char *s, uint64_t *out);
/* Like cf_parse_size for a command-line flag: a usage error names the flag. */
uint64_t cf_opt_size(const char *flag, const char *arg);

/* Decimal unsigned integer, all of s, no sign: 0 or -1. */
int cf_parse_u64(const char *s, uint64_t *out);
/* Checked integer for a flag, within [min, max], or a usage error. */
uint64_t cf_opt_uint(const char *flag, const char *arg, uint64_t min, uint64_t max);

/* Formats a byte count the way -v shows it ("256 MiB", "4.0 KiB"). */
const char *cf_size_str(uint64_t bytes, char buf[32]);

#endif
