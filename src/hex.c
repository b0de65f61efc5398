/* hex.c: hexadecimal digits, both ways, and the hash of guad's tables. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "hex.h"

const char hex_upper[17] = "0123456789ABCDEF";
const char hex_lower[17] = "0123456789abcdef";

/* The value of a hexadecimal digit (either case), or -1. */
int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
