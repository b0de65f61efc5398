/* pidfile.h: the master's pid file, and signalling the master through it. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PIDFILE_H
#define GUAD_PIDFILE_H

#include <sys/types.h>

int pidfile_write(const char *path);
pid_t pidfile_read(const char *path);
char *pidfile_find(const char *conf_path);

#endif
