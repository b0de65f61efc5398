/* board.c: a shared-memory slot per worker, read by the master. */
#include "config.h"

#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include "board.h"
#include "date.h"
#include "transport.h"

/* Maps the slots before the workers are forked; NULL on failure. */
struct board_slot *
board_create(void)
{
	void *p;

	p = mmap(NULL, BOARD_SLOTS * sizeof(struct board_slot),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* A request enters its handler: the master may now time it. */
void
board_begin(struct board_slot *s, struct transport *tr, int sent,
    const char *method, const char *path, size_t len)
{
	size_t m = strlen(method);

	if (s == NULL)
		return;
	s->tr = tr;
	s->sent = sent;
	memcpy(s->what, method, m);
	s->what[m] = ' ';
	if (len > BOARD_WHAT - m - 2)
		len = BOARD_WHAT - m - 2;
	memcpy(s->what + m + 1, path, len);
	s->what[m + 1 + len] = '\0';
	__atomic_store_n(&s->busy_since, date_mono_ms() | 1, __ATOMIC_RELEASE);
}

void
board_end(struct board_slot *s)
{
	if (s == NULL)
		return;
	__atomic_store_n(&s->busy_since, 0, __ATOMIC_RELEASE);
	s->requests++;
}

/*
 * From the signal handler of a worker the master found stuck: tell the
 * client 503 if nothing was sent to it yet, through the connection's
 * transport (see its last_words).
 */
void
board_stuck_reply(struct board_slot *s)
{
	static const char reply[] =
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 32\r\nConnection: close\r\n"
	    "X-Content-Type-Options: nosniff\r\n\r\n"
	    "The request took too long here.\n";

	if (s != NULL && s->busy_since != 0 && !s->sent && s->tr != NULL)
		s->tr->ops->last_words(s->tr, reply, sizeof(reply) - 1);
}
