/* proctitle.c: what ps shows for each process ("guad: worker 1"). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proctitle.h"

static char	*area;		/* the argv strings, contiguous */
static size_t	 area_len;

/* Remembers where argv lives; its strings are overwritten later. */
void
proctitle_init(int argc, char **argv)
{
	int	 i;

	if (argc == 0 || argv[0] == NULL)
		return;
	area = argv[0];
	for (i = 0; i < argc; i++)
		if (argv[i] == area + area_len)
			area_len += strlen(argv[i]) + 1;
}

/* Rewrites the title; it is cut to the length of the original argv. */
void
proctitle_set(const char *fmt, ...)
{
	va_list	 ap;

	if (area == NULL || area_len < 2)
		return;
	memset(area, 0, area_len);
	va_start(ap, fmt);
	vsnprintf(area, area_len - 1, fmt, ap);
	va_end(ap);
}
