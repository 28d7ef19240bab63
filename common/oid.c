#include "cf/oid.h"

char *cf_oid_to_hex(const struct cf_oid *oid, char hex[CF_OID_HEXSZ + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < CF_OID_RAWSZ; i++) {
		hex[2 * i] = digits[oid->id[i] >> 4];
		hex[2 * i + 1] = digits[oid->id[i] & 15];
	}
	hex[CF_OID_HEXSZ] = '\0';
	return hex;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cf_oid_from_hex(struct cf_oid *oid, const char *s)
{
	for (int i = 0; i < CF_OID_RAWSZ; i++) {
		int hi = hexval((unsigned char)s[2 * i]);
		int lo = hi < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
		if (lo < 0)
			return -1;
		oid->id[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
