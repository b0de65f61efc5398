/* proctitle.h: what ps shows for each process ("guad: worker 1"). */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PROCTITLE_H
#define GUAD_PROCTITLE_H

void proctitle_init(int argc, char **argv);
void proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
