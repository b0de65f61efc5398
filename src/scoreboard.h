/* scoreboard.h: shared memory the master maps before fork: a slot per worker. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_SCOREBOARD_H
#define GUAD_SCOREBOARD_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

struct transport;

/* Workers of two generations (up to 1024 each) during a reload. */
#define SCOREBOARD_SLOTS 2048
#define SCOREBOARD_WHAT	 112
#define SCOREBOARD_ERR	 256
/* Upper bounds of the request duration histogram, then +Inf. */
#define SCOREBOARD_BUCKETS 14
/* Status codes counted one by one; others count as "Nxx" of their class. */
#define SCOREBOARD_CODES 40

enum scoreboard_state {
	SCOREBOARD_FREE, /* no worker */
	SCOREBOARD_STARTING,
	SCOREBOARD_SERVING,
	SCOREBOARD_DRAINING,
	SCOREBOARD_STATE_COUNT
};

/* What an open connection waits for. */
enum scoreboard_conn {
	SCOREBOARD_CONN_NONE, /* not counted: closed, or being served */
	SCOREBOARD_CONN_READING,
	SCOREBOARD_CONN_WRITING,
	SCOREBOARD_CONN_KEEPALIVE, /* idle between requests */
	SCOREBOARD_CONN_WAITING,   /* a handler waits (a busy store) */
	SCOREBOARD_CONN_CLOSING,   /* output done, discarding input */
	SCOREBOARD_CONN_HANDSHAKE, /* TLS handshake */
	SCOREBOARD_CONN_COUNT
};

enum scoreboard_restart {
	SCOREBOARD_RESTART_CRASH,	 /* died unasked */
	SCOREBOARD_RESTART_STUCK,	 /* past worker_timeout */
	SCOREBOARD_RESTART_MAX_REQUESTS, /* recycled */
	SCOREBOARD_RESTART_COUNT
};

enum scoreboard_store_op {
	SCOREBOARD_STORE_ADD,
	SCOREBOARD_STORE_LIST,
	SCOREBOARD_STORE_OP_COUNT
};

enum scoreboard_store_result {
	SCOREBOARD_STORE_OK,
	SCOREBOARD_STORE_BUSY,
	SCOREBOARD_STORE_ERROR,
	SCOREBOARD_STORE_RESULT_COUNT
};

/*
 * What a worker has done. Each field only grows; the master adds those of
 * a worker that is gone to its retired totals.
 */
struct scoreboard_counters {
	uint64_t requests;
	uint64_t bytes;	      /* response bytes sent */
	uint64_t duration_us; /* sum of request durations */
	uint64_t duration[SCOREBOARD_BUCKETS + 1]; /* per bucket, not summed */
	uint64_t code[SCOREBOARD_CODES][HTTP_METHOD_COUNT];
	uint64_t store[SCOREBOARD_STORE_OP_COUNT]
		      [SCOREBOARD_STORE_RESULT_COUNT];
	uint64_t store_us;
	uint64_t store_duration[SCOREBOARD_BUCKETS + 1];
};

/*
 * One worker. The master fills the first fields before the fork, the
 * worker writes the rest, with plain stores: a reader may see a request
 * counted in one field and not yet in the next, never a torn number.
 */
struct scoreboard_slot {
	uint32_t gen;
	int32_t id;
	int64_t started; /* s, wall clock */
	int32_t pid;
	int32_t state; /* enum scoreboard_state */

	/* The request inside its handler, for the master's stuck watch. */
	int64_t busy_since; /* ms, monotonic; 0: idle */
	/* the worker's loop last turned (heartbeat.h); ms, monotonic; 0: not
	 * yet */
	int64_t beat;
	/* the client being served; a pointer of the worker's own */
	struct transport *tr;
	int32_t sent;	   /* output already queued */
	int32_t retire;	   /* max_requests reached */
	uint8_t busy_what; /* what[] of the request in its handler */
	uint8_t oldest_what;
	uint8_t method[2];    /* enum http_method, of what[i] */
	int64_t oldest_since; /* ms, monotonic; 0: no request in progress */
	char what[2][SCOREBOARD_WHAT]; /* the paths, raw */

	int32_t conns[SCOREBOARD_CONN_COUNT];
	struct scoreboard_counters c;
};

/* The master's own figures; seq is odd while it changes them. */
struct scoreboard_master {
	uint32_t seq;
	uint32_t nslots; /* slots ever used: readers look no further */
	int32_t pid;
	uint32_t gen;
	int64_t started; /* s, wall clock */
	uint64_t reloads_ok;
	uint64_t reloads_failed;
	char reload_error[SCOREBOARD_ERR];
	uint64_t restarts[SCOREBOARD_RESTART_COUNT];
	uint64_t backoffs; /* respawns put off by the crash-loop delay */
	struct scoreboard_counters retired;
};

struct scoreboard {
	struct scoreboard_master master;
	struct scoreboard_slot slots[SCOREBOARD_SLOTS];
};

/* A reader's copy, taken at one moment: scoreboard_read. */
struct scoreboard_view {
	struct scoreboard_master master;
	struct scoreboard_counters total; /* retired and living */
	int64_t now_ms;			  /* monotonic, when taken */
	size_t nslots;
	struct scoreboard_slot slots[SCOREBOARD_SLOTS];
};

extern const char *const scoreboard_state_names[SCOREBOARD_STATE_COUNT];
extern const char *const scoreboard_conn_names[SCOREBOARD_CONN_COUNT];
extern const char *const scoreboard_restart_names[SCOREBOARD_RESTART_COUNT];
extern const char *const scoreboard_store_op_names[SCOREBOARD_STORE_OP_COUNT];
extern const char
    *const scoreboard_store_result_names[SCOREBOARD_STORE_RESULT_COUNT];
extern const uint64_t scoreboard_bucket_us[SCOREBOARD_BUCKETS];

/* The master. */
struct scoreboard *scoreboard_create(void);
struct scoreboard *scoreboard_get(void);
struct scoreboard_slot *
scoreboard_slot_start(struct scoreboard *, int slot, unsigned gen, int id);
void scoreboard_slot_gone(struct scoreboard *, int slot);
void scoreboard_generation(struct scoreboard *, unsigned gen);
void scoreboard_reload(struct scoreboard *, int ok, const char *error);
void scoreboard_restart(struct scoreboard *, enum scoreboard_restart);
void scoreboard_backoff(struct scoreboard *);

/* Adds n to a field only its writer changes: no lock, no torn value. */
#define SCOREBOARD_ADD(field, n) \
	__atomic_store_n(&(field), \
	    __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n), \
	    __ATOMIC_RELAXED)

/* Index in scoreboard_counters.code of each status 0..599. */
extern uint8_t scoreboard_code_index[600];

/* A worker, in its own slot. */
void scoreboard_state(struct scoreboard_slot *, enum scoreboard_state);
struct scoreboard_slot *scoreboard_mine(void);
void scoreboard_store(struct scoreboard_slot *, enum scoreboard_store_op,
    enum scoreboard_store_result, uint64_t us);
void scoreboard_stuck_reply(struct scoreboard_slot *);

/*
 * A request enters its handler: the master may now time it. With follow,
 * it is also the one shown as in progress until scoreboard_unfollow. Its
 * path goes to the half of what[] that the followed one does not use.
 * On every request: inline, and no more than a copy of the path.
 */
static inline void
scoreboard_begin(struct scoreboard_slot *s, struct transport *tr, int sent,
    enum http_method m, const char *path, size_t len, int64_t start_ms,
    int64_t now_ms, int follow)
{
	uint8_t k;

	if (s == NULL)
		return;
	k = s->oldest_what ^ 1;
	s->tr = tr;
	s->sent = sent;
	if (len > SCOREBOARD_WHAT - 1)
		len = SCOREBOARD_WHAT - 1;
	memcpy(s->what[k], path, len);
	s->what[k][len] = '\0';
	s->method[k] = (uint8_t)m;
	s->busy_what = k;
	if (follow) {
		s->oldest_what = k;
		__atomic_store_n(&s->oldest_since, start_ms | 1,
		    __ATOMIC_RELEASE);
	}
	__atomic_store_n(&s->busy_since, now_ms | 1, __ATOMIC_RELEASE);
}

/* The request left its handler. */
static inline void
scoreboard_end(struct scoreboard_slot *s)
{
	if (s != NULL)
		__atomic_store_n(&s->busy_since, 0, __ATOMIC_RELEASE);
}

/* The followed request is over. */
static inline void
scoreboard_unfollow(struct scoreboard_slot *s)
{
	if (s != NULL)
		__atomic_store_n(&s->oldest_since, 0, __ATOMIC_RELEASE);
}

/* A response is over: status, method, body bytes sent, time taken. */
static inline void
scoreboard_count(struct scoreboard_slot *s, unsigned status, enum http_method m,
    uint64_t bytes, uint64_t us)
{
	extern const uint64_t scoreboard_bucket_us[SCOREBOARD_BUCKETS];
	size_t b = 0;

	if (s == NULL)
		return;
	/* a fast request takes a compare or two */
	while (b < SCOREBOARD_BUCKETS && us > scoreboard_bucket_us[b])
		b++;
	SCOREBOARD_ADD(s->c.requests, 1);
	SCOREBOARD_ADD(s->c.bytes, bytes);
	SCOREBOARD_ADD(s->c.duration_us, us);
	SCOREBOARD_ADD(s->c.duration[b], 1);
	SCOREBOARD_ADD(s->c.code[status < 600 ? scoreboard_code_index[status]
					      : 0][m],
	    1);
}

/*
 * Moves a connection from one state to another in the slot's gauges:
 * called only when the state changes.
 */
static inline void
scoreboard_conn_move(struct scoreboard_slot *s, unsigned from, unsigned to)
{
	if (s == NULL)
		return;
	if (from != SCOREBOARD_CONN_NONE)
		__atomic_store_n(&s->conns[from],
		    __atomic_load_n(&s->conns[from], __ATOMIC_RELAXED) - 1,
		    __ATOMIC_RELAXED);
	if (to != SCOREBOARD_CONN_NONE)
		__atomic_store_n(&s->conns[to],
		    __atomic_load_n(&s->conns[to], __ATOMIC_RELAXED) + 1,
		    __ATOMIC_RELAXED);
}

/* Readers (the status and metrics handlers). */
int scoreboard_read(const struct scoreboard *, struct scoreboard_view *);
int scoreboard_code(size_t i);
int scoreboard_code_class(size_t i);

#endif
