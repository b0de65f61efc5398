/* heartbeat.h: a worker's loop beats in its slot; the master sees it stop. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HEARTBEAT_H
#define GUAD_HEARTBEAT_H

#include <stdint.h>

#include "scoreboard.h"

/* What the master finds in a worker's slot. */
enum heartbeat_verdict {
	HEARTBEAT_OK,
	HEARTBEAT_STUCK,  /* in one request's handler past worker_timeout */
	HEARTBEAT_SILENT, /* its loop has not turned for worker_timeout */
	HEARTBEAT_VERDICT_COUNT
};

/*
 * The worker's loop turned at now_ms (monotonic). Once per turn: one
 * store, which the master reads.
 */
static inline void
heartbeat_beat(struct scoreboard_slot *s, int64_t now_ms)
{
	if (s != NULL)
		__atomic_store_n(&s->beat, now_ms | 1, __ATOMIC_RELEASE);
}

/* A worker that dies sooner than this after its fork may be crash-looping. */
#define HEARTBEAT_CRASH_WINDOW_MS 1000

int heartbeat_interval_ms(unsigned worker_timeout);
int
heartbeat_crashed(const struct scoreboard_slot *, int status, int64_t lived_ms);
enum heartbeat_verdict heartbeat_check(const struct scoreboard_slot *,
    unsigned worker_timeout, int64_t now_ms, int64_t *for_ms);
void heartbeat_log(const struct scoreboard_slot *, enum heartbeat_verdict,
    int id, long pid, int64_t for_ms);

#endif
