/* inifmt.c: writing gua.ini text that inih reads back as it was. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "inifmt.h"

/*
 * Can inih read text back as it is? Not with a control character (a line
 * break ends it; isspace() ones are stripped at either end), with a space
 * at either end, with an inline comment (" ;", or a leading ';' after
 * "= "), or with a leading '#'; a key not with '=' or ':' (the
 * separators) or a leading '[' either.
 */
static int
ini_safe(const char *s, int key)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	if (len == 0 || strstr(s, " ;") != NULL ||
	    strchr(" ;#", s[0]) != NULL || s[len - 1] == ' ')
		return 0;
	return !key || (strpbrk(s, "=:") == NULL && s[0] != '[');
}

/*
 * Writes "key = value", or refuses (err set, nothing more written) a
 * line inih would not read back as it is.
 */
void
inifmt_line(struct inifmt *d, const char *section, const char *key,
    const char *value)
{
	if (d->failed)
		return;
	/* inih reads INI_MAX_LINE bytes with the line break and the NUL */
	if (strlen(key) + strlen(value) + 3 > INI_MAX_LINE - 2) {
		snprintf(d->err, d->errlen,
		    "[%s] %s: the line would be longer than the %d bytes gua.ini allows",
		    section, key, INI_MAX_LINE - 2);
		d->failed = 1;
		return;
	}
	if (!ini_safe(key, 1) || !ini_safe(value, 0)) {
		snprintf(d->err, d->errlen,
		    "[%s] %s: the value \"%s\" cannot be written in gua.ini syntax",
		    section, key, value);
		d->failed = 1;
		return;
	}
	fprintf(d->f, "%s = %s\n", key, value);
}

/* Writes a section header, after a blank line unless it is the first. */
void
inifmt_section(struct inifmt *d, const char *section)
{
	fprintf(d->f, "%s[%s]\n", d->sections++ > 0 ? "\n" : "", section);
}
