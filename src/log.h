/* log.h: error log (time, level, role, pid) and access log, one write per line. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_LOG_H
#define GUAD_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_COUNT
};

void log_set_role(const char *role, int n);
int log_open(const char *error_log, const char *access_log);
void log_files(int *err_fd, int *acc_fd);
void log_adopt(int err_fd, int acc_fd);
int log_send(int sock);
int log_receive(int sock);
int log_access_enabled(void);
int log_is_journal(int fd);
void log_access(const char *line, size_t len);
void log_write(enum log_level, int with_errno, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
extern size_t log_repeats_pending; /* summaries to write: see log.c */
int64_t log_repeat_deadline(void);
void log_repeat_tick(int64_t now_ms, int all);
extern int log_debug_on;
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void
fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

extern const char *const log_level_names[LOG_LEVEL_COUNT];

#endif
