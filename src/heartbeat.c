/* heartbeat.c: a worker's loop beats in its slot; the master sees it stop. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include "heartbeat.h"
#include "http.h"
#include "log.h"

/* The longest a worker's loop sleeps when nothing is due. */
#define HEARTBEAT_IDLE_MS 60000

/*
 * How long a worker's loop may sleep at most, so that it beats well
 * within worker_timeout (seconds; 0: no watchdog, no need to wake): a
 * quarter of it, at most a second. An idle worker wakes that often; a
 * turn with nothing to do costs one epoll_wait.
 */
int
heartbeat_interval_ms(unsigned worker_timeout)
{
	if (worker_timeout == 0)
		return HEARTBEAT_IDLE_MS;
	return worker_timeout >= 4 ? 1000 : (int)worker_timeout * 250;
}

/*
 * The master's look at one serving worker at now_ms: stuck in a request
 * (busy_since, which scoreboard_begin sets), or silent (its loop has
 * not turned: stopped by SIGSTOP, or hung between requests), each for
 * more than worker_timeout seconds; *for_ms says how long. A worker
 * that has not beaten yet (starting) is not judged.
 */
enum heartbeat_verdict
heartbeat_check(const struct scoreboard_slot *s, unsigned worker_timeout,
    int64_t now_ms, int64_t *for_ms)
{
	int64_t limit = (int64_t)worker_timeout * 1000, busy, beat;

	*for_ms = 0;
	if (worker_timeout == 0)
		return HEARTBEAT_OK;
	busy = __atomic_load_n(&s->busy_since, __ATOMIC_ACQUIRE);
	beat = __atomic_load_n(&s->beat, __ATOMIC_ACQUIRE);
	/* a request in its handler is judged as one: it gets its 503 */
	if (busy != 0) {
		*for_ms = now_ms - busy;
		return *for_ms > limit ? HEARTBEAT_STUCK : HEARTBEAT_OK;
	}
	if (beat != 0 && now_ms - beat > limit) {
		*for_ms = now_ms - beat;
		return HEARTBEAT_SILENT;
	}
	return HEARTBEAT_OK;
}

/*
 * Whether a worker's end (status, as waitpid gives it), lived_ms after
 * its fork, counts toward the master's crash-loop backoff: it died
 * within HEARTBEAT_CRASH_WINDOW_MS and either never reached its loop
 * (s NULL, or never beaten: a start-up failure) or ended by its own
 * doing. SIGKILL never is a worker's own doing: the operator, the OOM
 * killer or the master's watchdog sends it. A worker killed so after it
 * began serving is replaced at once, however young, so that killing
 * workers from outside never leaves every slot empty for a backoff.
 */
int
heartbeat_crashed(const struct scoreboard_slot *s, int status, int64_t lived_ms)
{
	if (lived_ms >= HEARTBEAT_CRASH_WINDOW_MS)
		return 0;
	if (s == NULL || __atomic_load_n(&s->beat, __ATOMIC_ACQUIRE) == 0)
		return 1;
	return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Says why the worker id (pid) is being replaced. */
void
heartbeat_log(const struct scoreboard_slot *s, enum heartbeat_verdict v, int id,
    long pid, int64_t for_ms)
{
	unsigned k = s->busy_what & 1;

	if (v == HEARTBEAT_STUCK)
		log_warnx(
		    "worker %d (pid %ld) stuck for %lld ms in \"%s %.*s\"; replacing it",
		    id, pid, (long long)for_ms,
		    http_method_names[s->method[k] % HTTP_METHOD_COUNT],
		    SCOREBOARD_WHAT, s->what[k]);
	else if (v == HEARTBEAT_SILENT)
		log_warnx(
		    "worker %d (pid %ld) has not run its loop for %lld ms (stopped or hung); killing it, its connections close",
		    id, pid, (long long)for_ms);
}
