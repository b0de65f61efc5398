/* date.c: the clock, and date strings formatted at most once a second. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "date.h"

static struct {
	int64_t	 mono_ms;
	time_t	 now;		/* the second the strings below show */
	char	 http[DATE_HTTP_LEN + 1];
	char	 clf[DATE_CLF_LEN + 1];
} dc;

static const char days[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Formats an IMF-fixdate (RFC 9110 5.6.7) into buf. */
void
date_format_http(char buf[DATE_HTTP_LEN + 1], time_t t)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	memcpy(buf, days[tm.tm_wday], 3);
	strftime(buf + 3, DATE_HTTP_LEN + 1 - 3, ", %d ", &tm);
	memcpy(buf + 8, months[tm.tm_mon], 3);
	strftime(buf + 11, DATE_HTTP_LEN + 1 - 11, " %Y %H:%M:%S GMT", &tm);
}

/*
 * Reads the clocks (vDSO, no system call) and reformats the date strings
 * when the second has changed. Called once per event loop turn.
 */
void
date_update(void)
{
	struct timespec	 ts;
	struct tm	 tm;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	dc.mono_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec == dc.now && dc.http[0] != '\0')
		return;
	dc.now = ts.tv_sec;
	date_format_http(dc.http, dc.now);
	gmtime_r(&dc.now, &tm);
	memcpy(dc.clf, "00/", 3);
	strftime(dc.clf, 3, "%d", &tm);
	dc.clf[2] = '/';
	memcpy(dc.clf + 3, months[tm.tm_mon], 3);
	strftime(dc.clf + 6, DATE_CLF_LEN + 1 - 6, "/%Y:%H:%M:%S +0000", &tm);
}

int64_t
date_mono_ms(void)
{
	return dc.mono_ms;
}

time_t
date_now(void)
{
	return dc.now;
}

const char *
date_http(void)
{
	return dc.http;
}

const char *
date_clf(void)
{
	return dc.clf;
}

/*
 * Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the only form
 * senders may generate. Returns 0, or -1 if s is not one.
 */
int
date_parse_http(const char *s, size_t len, time_t *out)
{
	char		 buf[DATE_HTTP_LEN + 1];
	struct tm	 tm;
	const char	*end;

	if (len != DATE_HTTP_LEN)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*out = timegm(&tm);
	return 0;
}
