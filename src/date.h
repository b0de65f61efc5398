/* date.h: the clock, and date strings formatted at most once a second. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_DATE_H
#define GUAD_DATE_H

#include <stdint.h>
#include <time.h>

#define DATE_HTTP_LEN 29 /* "Tue, 24 Nov 2026 02:39:19 GMT" */
#define DATE_CLF_LEN  26 /* "24/Nov/2026:02:39:19 +0000" */

void date_update(void);
int64_t date_mono_ms(void);
int64_t date_mono_us(void);
int64_t date_clock_us(void);
uint64_t date_turn(void);
time_t date_now(void);
const char *date_http(void);
const char *date_clf(void);
void date_format_http(char buf[DATE_HTTP_LEN + 1], time_t);
int date_parse_http(const char *s, size_t len, time_t *out);

#endif
