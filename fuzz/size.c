/*
 * libFuzzer harness for the parsers of command-line numbers: cf_parse_size
 * and cf_parse_u64 must never crash and must agree (a plain number is that
 * many bytes); a parsed size must format without overflowing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cf/size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[32];
	uint64_t a, b;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!cf_parse_u64(s, &a)) {
		if (s[strspn(s, "0123456789")])
			abort();	/* accepted something that is not all digits */
		if (cf_parse_size(s, &b) || a != b)
			abort();	/* a plain number is bytes */
	}
	if (!cf_parse_size(s, &b))
		cf_size_str(b, buf);
	free(s);
	return 0;
}
