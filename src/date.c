/* date.c: the clock, and date strings formatted at most once a second. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>
#include <time.h>

#include "date.h"

static struct {
	int64_t mono_ms;
	int64_t mono_us;
	uint64_t turn; /* date_update calls: event loop turns */
	time_t now;    /* the second the strings below show */
	char http[DATE_HTTP_LEN + 1];
	char clf[DATE_CLF_LEN + 1];
} dc;

static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Two decimal digits of n (0..99) at p. */
static void
put2(char *p, int n)
{
	p[0] = (char)('0' + n / 10);
	p[1] = (char)('0' + n % 10);
}

/* The hh:mm:ss of tm at p. */
static void
put_hms(char *p, const struct tm *tm)
{
	put2(p, tm->tm_hour);
	p[2] = ':';
	put2(p + 3, tm->tm_min);
	p[5] = ':';
	put2(p + 6, tm->tm_sec);
}

/* Four decimal digits of the year of tm at p. */
static void
put_year(char *p, const struct tm *tm)
{
	int y = tm->tm_year + 1900;

	put2(p, y / 100);
	put2(p + 2, y % 100);
}

/*
 * gmtime_r of t, with t first brought into the years 0001..9999 that a
 * four-digit date can show (a file's mtime can be anything).
 */
static void
utc(time_t t, struct tm *tm)
{
	const time_t lo = -62135596800LL; /* 0001-01-01T00:00:00Z */
	const time_t hi = 253402300799LL; /* 9999-12-31T23:59:59Z */

	if (t < lo)
		t = lo;
	else if (t > hi)
		t = hi;
	gmtime_r(&t, tm);
}

/*
 * Formats an IMF-fixdate (RFC 9110 5.6.7) into buf, by hand: strftime
 * costs more than the rest of a response head.
 */
void
date_format_http(char buf[DATE_HTTP_LEN + 1], time_t t)
{
	struct tm tm;

	utc(t, &tm);
	memcpy(buf, days[tm.tm_wday], 3); /* "Tue, 24 Nov 2026 02:39:19 GMT" */
	memcpy(buf + 3, ", ", 2);
	put2(buf + 5, tm.tm_mday);
	buf[7] = ' ';
	memcpy(buf + 8, months[tm.tm_mon], 3);
	buf[11] = ' ';
	put_year(buf + 12, &tm);
	buf[16] = ' ';
	put_hms(buf + 17, &tm);
	memcpy(buf + 25, " GMT", 4);
	buf[DATE_HTTP_LEN] = '\0';
}

/*
 * Reads the clocks (vDSO, no system call) and reformats the date strings
 * when the second has changed. Called once per event loop turn.
 */
void
date_update(void)
{
	struct timespec ts;
	struct tm tm;

	dc.turn++;
	/* the fine clock: requests are timed from the turn that saw them */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dc.mono_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	dc.mono_ms = dc.mono_us / 1000;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec == dc.now && dc.http[0] != '\0')
		return;
	dc.now = ts.tv_sec;
	date_format_http(dc.http, dc.now);
	utc(dc.now, &tm); /* "24/Nov/2026:02:39:19 +0000" */
	put2(dc.clf, tm.tm_mday);
	dc.clf[2] = '/';
	memcpy(dc.clf + 3, months[tm.tm_mon], 3);
	dc.clf[6] = '/';
	put_year(dc.clf + 7, &tm);
	dc.clf[11] = ':';
	put_hms(dc.clf + 12, &tm);
	memcpy(dc.clf + 20, " +0000", 6);
	dc.clf[DATE_CLF_LEN] = '\0';
}

int64_t
date_mono_ms(void)
{
	return dc.mono_ms;
}

/* The monotonic clock in microseconds at the start of this loop turn. */
int64_t
date_mono_us(void)
{
	return dc.mono_us;
}

/* The monotonic clock in microseconds, read now (vDSO, no system call). */
int64_t
date_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Which turn of the event loop this is. Everything handled in one turn
 * arrived before that turn's wait returned, so a check made once per turn
 * sees every change a request of the turn could have been told about.
 */
uint64_t
date_turn(void)
{
	return dc.turn;
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
 * Parses an HTTP-date in any of the three forms a recipient must accept
 * (RFC 9110 5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", the
 * obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years
 * 69..99 are 19xx, the rest 20xx) and asctime "Sun Nov  6 08:49:37 1994".
 * Returns 0, or -1 if s is none of them.
 */
int
date_parse_http(const char *s, size_t len, time_t *out)
{
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT",
		"%A, %d-%b-%y %H:%M:%S GMT",
		"%a %b %e %H:%M:%S %Y",
	};
	char buf[40];
	struct tm tm;
	const char *end;
	size_t i;

	if (len < 24 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(buf, forms[i], &tm);
		if (end != NULL && *end == '\0') {
			*out = timegm(&tm);
			return 0;
		}
	}
	return -1;
}
