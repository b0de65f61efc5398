/* scoreboard.c: shared memory the master maps before fork: a slot per worker. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/mman.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "resp.h"
#include "scoreboard.h"
#include "transport.h"

#define ADD SCOREBOARD_ADD

const char *const scoreboard_state_names[SCOREBOARD_STATE_COUNT] = {
	[SCOREBOARD_FREE] = "free",
	[SCOREBOARD_STARTING] = "starting",
	[SCOREBOARD_SERVING] = "serving",
	[SCOREBOARD_DRAINING] = "draining",
};

const char *const scoreboard_conn_names[SCOREBOARD_CONN_COUNT] = {
	[SCOREBOARD_CONN_NONE] = "active",
	[SCOREBOARD_CONN_READING] = "reading",
	[SCOREBOARD_CONN_WRITING] = "writing",
	[SCOREBOARD_CONN_KEEPALIVE] = "keepalive",
	[SCOREBOARD_CONN_WAITING] = "waiting",
	[SCOREBOARD_CONN_CLOSING] = "closing",
	[SCOREBOARD_CONN_HANDSHAKE] = "handshake",
};

const char *const scoreboard_restart_names[SCOREBOARD_RESTART_COUNT] = {
	[SCOREBOARD_RESTART_CRASH] = "crash",
	[SCOREBOARD_RESTART_STUCK] = "stuck",
	[SCOREBOARD_RESTART_MAX_REQUESTS] = "max_requests",
};

const char *const scoreboard_store_op_names[SCOREBOARD_STORE_OP_COUNT] = {
	[SCOREBOARD_STORE_ADD] = "add",
	[SCOREBOARD_STORE_LIST] = "list",
};

const char
    *const scoreboard_store_result_names[SCOREBOARD_STORE_RESULT_COUNT] = {
	    [SCOREBOARD_STORE_OK] = "ok",
	    [SCOREBOARD_STORE_BUSY] = "busy",
	    [SCOREBOARD_STORE_ERROR] = "error",
    };

const uint64_t scoreboard_bucket_us[SCOREBOARD_BUCKETS] = { 500, 1000, 2500,
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	5000000, 10000000 };

/*
 * The codes counted one by one: index 1..5 stand for "any other code of
 * class 1xx..5xx", 0 for a code out of 100..599 (never sent).
 */
static const uint16_t codes[SCOREBOARD_CODES] = { 0, 1, 2, 3, 4, 5, 100, 101,
	200, 201, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404,
	405, 406, 408, 409, 411, 412, 413, 414, 415, 416, 417, 421, 429, 431,
	500, 501, 503, 505 };

/* Index in codes[] of a status 0..599, built before the fork. */
uint8_t scoreboard_code_index[600];

static struct scoreboard *shared;    /* mapped by the master */
static struct scoreboard_slot *mine; /* in a worker: its own slot */

/* Maps the scoreboard before the workers are forked; NULL on failure. */
struct scoreboard *
scoreboard_create(void)
{
	struct scoreboard *sb;
	size_t i;
	int s;

	sb = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		return NULL;
	sb->master.pid = (int32_t)getpid();
	sb->master.started = (int64_t)time(NULL);
	for (s = 100; s < 600; s++)
		scoreboard_code_index[s] = (uint8_t)(s / 100);
	for (i = 6; i < SCOREBOARD_CODES; i++)
		scoreboard_code_index[codes[i]] = (uint8_t)i;
	shared = sb;
	return sb;
}

/* The scoreboard the master made (inherited by the workers), or NULL. */
struct scoreboard *
scoreboard_get(void)
{
	return shared;
}

/* The code counted at index i of scoreboard_counters.code: 1..5 is "Nxx". */
int
scoreboard_code(size_t i)
{
	return i < SCOREBOARD_CODES ? codes[i] : 0;
}

/* The class (1..5) of the code at index i, or 0. */
int
scoreboard_code_class(size_t i)
{
	int c = scoreboard_code(i);

	return c < 10 ? c : c / 100;
}

static void
seq_begin(struct scoreboard *sb)
{
	__atomic_add_fetch(&sb->master.seq, 1, __ATOMIC_ACQ_REL);
}

static void
seq_end(struct scoreboard *sb)
{
	__atomic_add_fetch(&sb->master.seq, 1, __ATOMIC_RELEASE);
}

/* Readies slot i for a worker about to be forked; returns it. */
struct scoreboard_slot *
scoreboard_slot_start(struct scoreboard *sb, int i, unsigned gen, int id)
{
	struct scoreboard_slot *s = &sb->slots[i];

	seq_begin(sb);
	memset(s, 0, sizeof(*s));
	s->gen = gen;
	s->id = id;
	s->started = (int64_t)time(NULL);
	s->oldest_what = 1;
	__atomic_store_n(&s->state, SCOREBOARD_STARTING, __ATOMIC_RELEASE);
	if ((uint32_t)i >= sb->master.nslots)
		sb->master.nslots = (uint32_t)i + 1;
	seq_end(sb);
	return s;
}

static void
counters_add(struct scoreboard_counters *to,
    const struct scoreboard_counters *from)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;
	size_t i;

	for (i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
		t[i] += f[i];
}

/*
 * The worker of slot i is gone (reaped): its counters move to the
 * retired totals and the slot is free, in one step for readers.
 */
void
scoreboard_slot_gone(struct scoreboard *sb, int i)
{
	struct scoreboard_slot *s = &sb->slots[i];

	seq_begin(sb);
	counters_add(&sb->master.retired, &s->c);
	memset(&s->c, 0, sizeof(s->c));
	__atomic_store_n(&s->state, SCOREBOARD_FREE, __ATOMIC_RELEASE);
	seq_end(sb);
}

void
scoreboard_generation(struct scoreboard *sb, unsigned gen)
{
	sb->master.gen = gen;
}

/* A reload was tried: ok, or failed with error. */
void
scoreboard_reload(struct scoreboard *sb, int ok, const char *error)
{
	seq_begin(sb);
	if (ok)
		sb->master.reloads_ok++;
	else {
		sb->master.reloads_failed++;
		snprintf(sb->master.reload_error,
		    sizeof(sb->master.reload_error), "%s", error);
	}
	seq_end(sb);
}

void
scoreboard_restart(struct scoreboard *sb, enum scoreboard_restart why)
{
	ADD(sb->master.restarts[why], 1);
}

void
scoreboard_backoff(struct scoreboard *sb)
{
	ADD(sb->master.backoffs, 1);
}

/*
 * Copies the scoreboard into v as of one moment: no worker gone and
 * counted twice, or not at all. Returns 0, or -1 if the master kept
 * changing it.
 */
int
scoreboard_read(const struct scoreboard *sb, struct scoreboard_view *v)
{
	uint32_t seq;
	size_t i;
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		seq = __atomic_load_n(&sb->master.seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			usleep(100);
			continue;
		}
		memcpy(&v->master, &sb->master, sizeof(v->master));
		v->nslots = v->master.nslots;
		if (v->nslots > SCOREBOARD_SLOTS)
			v->nslots = SCOREBOARD_SLOTS;
		memcpy(v->slots, sb->slots, v->nslots * sizeof(v->slots[0]));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&sb->master.seq, __ATOMIC_RELAXED) != seq)
			continue;
		v->now_ms = date_mono_ms();
		v->total = v->master.retired;
		for (i = 0; i < v->nslots; i++)
			if (v->slots[i].state != SCOREBOARD_FREE)
				counters_add(&v->total, &v->slots[i].c);
		return 0;
	}
	return -1;
}

/* In a worker: its own slot (for code that is not handed it), or NULL. */
struct scoreboard_slot *
scoreboard_mine(void)
{
	return mine;
}

/* The worker says what it is doing: starting, serving, draining. */
void
scoreboard_state(struct scoreboard_slot *s, enum scoreboard_state st)
{
	if (s == NULL)
		return;
	if (st == SCOREBOARD_STARTING) {
		s->pid = (int32_t)getpid();
		mine = s;
	}
	__atomic_store_n(&s->state, st, __ATOMIC_RELEASE);
}

/* The bucket of a duration in us. */
static size_t
bucket(uint64_t us)
{
	size_t b = 0;

	while (b < SCOREBOARD_BUCKETS && us > scoreboard_bucket_us[b])
		b++;
	return b;
}

/* A message store operation is over. */
void
scoreboard_store(struct scoreboard_slot *s, enum scoreboard_store_op op,
    enum scoreboard_store_result r, uint64_t us)
{
	if (s == NULL)
		return;
	ADD(s->c.store[op][r], 1);
	ADD(s->c.store_us, us);
	ADD(s->c.store_duration[bucket(us)], 1);
}

/*
 * From the signal handler of a worker the master found stuck: tell the
 * client 503 if nothing was sent to it yet, through the connection's
 * transport (see its last_words).
 */
void
scoreboard_stuck_reply(struct scoreboard_slot *s)
{
	_Static_assert(RESP_RETRY_AFTER_S == 1, "the reply's Retry-After");
	static const char reply[] =
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 32\r\nConnection: close\r\nRetry-After: 1\r\n"
	    "X-Content-Type-Options: nosniff\r\n\r\n"
	    "The request took too long here.\n";

	if (s != NULL && s->busy_since != 0 && !s->sent && s->tr != NULL)
		s->tr->ops->last_words(s->tr, reply, sizeof(reply) - 1);
}
