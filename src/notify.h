/* notify.h: systemd's notify protocol, spoken directly over its socket. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_NOTIFY_H
#define GUAD_NOTIFY_H

int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
