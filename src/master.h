/* master.h: the master process: binds, forks workers, supervises, signals. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_MASTER_H
#define GUAD_MASTER_H

struct conf;

int master_run(struct conf *);
long master_backoff_ms(unsigned crashes);

#endif
