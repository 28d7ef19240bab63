#ifndef CF_LINEHASH_H
#define CF_LINEHASH_H

/*
 * The hash of a line's bytes that cf/narrow.h and cf/linediff.h share: a
 * word at a time, with the length mixed in.  Equal lines hash equal; the
 * callers compare the bytes of lines whose hashes agree.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t cf_hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdu;
	return h ^ h >> 31;
}

static inline uint64_t cf_line_hash(const char *p, size_t len)
{
	uint64_t h = len * 0x9e3779b97f4a7c15u, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = cf_hash_mix(h, w);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, p + i, len - i);
		h = cf_hash_mix(h, w);
	}
	return h;
}

#endif
