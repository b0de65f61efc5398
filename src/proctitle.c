/* proctitle.c: what ps shows for each process ("guad: worker 1"). */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/prctl.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proctitle.h"

static char *area; /* the argv strings, contiguous */
static size_t area_len;

/* Remembers where argv lives; its strings are overwritten later. */
void
proctitle_init(int argc, char **argv)
{
	int i;

	if (argc == 0 || argv[0] == NULL)
		return;
	area = argv[0];
	for (i = 0; i < argc; i++)
		if (argv[i] == area + area_len)
			area_len += strlen(argv[i]) + 1;
}

/*
 * Rewrites the title. The command line is cut to the length of the
 * original argv, so the thread name (ps -o comm, top, 15 bytes) is set
 * too: a short "guad" command line still tells master from worker there.
 */
void
proctitle_set(const char *fmt, ...)
{
	va_list ap;
	char title[64];
	size_t len;

	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
	(void)prctl(PR_SET_NAME, title, 0, 0, 0);
	if (area == NULL || area_len < 2)
		return;
	len = strlen(title);
	if (len > area_len - 1)
		len = area_len - 1;
	memset(area, 0, area_len);
	memcpy(area, title, len);
}
