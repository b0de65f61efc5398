/* board.h: a shared-memory slot per worker, read by the master. */
#ifndef GUAD_BOARD_H
#define GUAD_BOARD_H

#include <stddef.h>
#include <stdint.h>

struct transport;

#define BOARD_SLOTS 2048
#define BOARD_WHAT  112

/*
 * A worker writes its slot, the master only reads it (and clears it
 * before handing it to a new worker). busy_since is written last when a
 * request starts and cleared when its response is queued.
 */
struct board_slot {
	volatile int64_t busy_since; /* ms, monotonic; 0: idle */
	/* the client being served; a pointer of the worker's own */
	struct transport *volatile tr;
	volatile int32_t sent; /* output already queued */
	volatile uint64_t requests;
	volatile int32_t retire; /* max_requests reached */
	char what[BOARD_WHAT];	 /* "GET /path" */
};

struct board_slot *board_create(void);
void board_begin(struct board_slot *, struct transport *, int sent,
    const char *method, const char *path, size_t len);
void board_end(struct board_slot *);
void board_stuck_reply(struct board_slot *);

#endif
