/* master.c: the master process: binds, forks workers, supervises, signals. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "date.h"
#include "fdlimit.h"
#include "listen.h"
#include "handler.h"
#include "heartbeat.h"
#include "log.h"
#include "master.h"
#include "notify.h"
#include "pidfile.h"
#include "priv.h"
#include "proctitle.h"
#include "sandbox.h"
#include "scoreboard.h"
#include "tls.h"
#include "worker.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
/* After a fast stop, workers still alive this long are killed. */
#define FAST_STOP_MS 5000

/* How often the master looks at the workers' slots. */
#define WATCH_MS 1000
/* A stuck worker that has not gone this long after SIGUSR2 is killed. */
#define STUCK_KILL_MS 2000

struct child {
	pid_t pid;
	int id;
	unsigned gen; /* configuration generation */
	int64_t started;
	int retiring;	 /* told to stop: not replaced */
	int recycling;	 /* retiring for max_requests */
	int64_t kill_at; /* SIGKILL if still here; 0: none */
	int slot;	 /* index in the scoreboard */
	int ctl;	 /* its socket: USR1 hands the reopened logs over */
};

struct master {
	struct conf *conf;
	int fds[2 * LISTEN_MAX]; /* plain, then ntls for TLS */
	size_t nfds;
	size_t ntls;
	int lifeline[2];
	struct child *kids;
	size_t nkids;
	size_t capkids;
	unsigned gen;
	unsigned want;
	int crashes; /* deaths in a row inside the window */
	int64_t respawn_at;
	int stopping;	       /* SIGQUIT or SIGTERM being acted on */
	int inherited;	       /* sockets from systemd: never rebound */
	struct scoreboard *sb; /* shared with workers; NULL: none */
	char *pid_file;	       /* written at start, removed at exit */
	int64_t kill_at;
};

static volatile sig_atomic_t sig_term, sig_quit, sig_hup, sig_usr1, sig_ttin,
    sig_ttou;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		sig_term = 1;
		break;
	case SIGQUIT:
		sig_quit = 1;
		break;
	case SIGHUP:
		sig_hup = 1;
		break;
	case SIGUSR1:
		sig_usr1 = 1;
		break;
	case SIGTTIN:
		sig_ttin = 1;
		break;
	case SIGTTOU:
		sig_ttou = 1;
		break;
	}
	/* SIGCHLD only interrupts the wait; reaping is done in the loop. */
}

static const int handled[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1,
	SIGTTIN, SIGTTOU, SIGCHLD };

static void
signals_setup(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++) {
		sigaddset(&block, handled[i]);
		sigaction(handled[i], &sa, NULL);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Blocked except while waiting: no flag can be missed. */
	sigprocmask(SIG_BLOCK, &block, waitmask);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigdelset(waitmask, handled[i]);
}

static struct child *
find_kid(struct master *m, pid_t pid)
{
	size_t i;

	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].pid == pid)
			return &m->kids[i];
	return NULL;
}

static int
free_slot(struct master *m)
{
	size_t i;
	int s, used;

	for (s = 0; s < SCOREBOARD_SLOTS; s++) {
		used = 0;
		for (i = 0; i < m->nkids && !used; i++)
			used = m->kids[i].slot == s;
		if (!used)
			return s;
	}
	return -1;
}

static int
spawn(struct master *m, int id)
{
	struct scoreboard_slot *ss = NULL;
	struct child *k;
	pid_t pid;
	int slot, sv[2];
	size_t i;

	if (m->nkids == m->capkids) {
		size_t n = m->capkids ? m->capkids * 2 : 8;
		if ((k = realloc(m->kids, n * sizeof(*k))) == NULL) {
			log_warn("spawn");
			return -1;
		}
		m->kids = k;
		m->capkids = n;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		0, sv) == -1) {
		/* it is started anyway: only USR1 cannot reach it */
		log_warn(
		    "worker %d: socketpair (USR1 will not reopen its logs)",
		    id);
		sv[0] = sv[1] = -1;
	}
	slot = free_slot(m);
	if (slot != -1 && m->sb != NULL)
		ss = scoreboard_slot_start(m->sb, slot, m->gen, id);
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		if (ss != NULL)
			scoreboard_slot_gone(m->sb, slot);
		if (sv[0] != -1) {
			close(sv[0]);
			close(sv[1]);
		}
		return -1;
	case 0:
		close(m->lifeline[1]);
		if (sv[0] != -1)
			close(sv[0]);
		for (i = 0; i < m->nkids; i++)
			if (m->kids[i].ctl != -1)
				close(m->kids[i].ctl);
		free(m->kids);
		proctitle_set("guad: worker %d", id);
		worker_run(m->conf, m->fds, m->nfds, m->ntls, id,
		    m->lifeline[0], sv[1], ss);
		_exit(1);
	}
	if (sv[1] != -1)
		close(sv[1]);
	k = &m->kids[m->nkids++];
	memset(k, 0, sizeof(*k));
	k->pid = pid;
	k->id = id;
	k->gen = m->gen;
	k->started = date_mono_ms();
	k->slot = slot;
	k->ctl = sv[0];
	if (ss != NULL)
		ss->pid = (int32_t)pid;
	return 0;
}

/* Starts every worker of the current generation that is missing. */
static void
spawn_missing(struct master *m)
{
	unsigned id;
	size_t i;
	int have;

	if (m->stopping || date_mono_ms() < m->respawn_at)
		return;
	for (id = 1; id <= m->want; id++) {
		have = 0;
		for (i = 0; i < m->nkids; i++)
			if (m->kids[i].gen == m->gen &&
			    m->kids[i].id == (int)id && !m->kids[i].retiring)
				have = 1;
		if (!have && spawn(m, (int)id) == -1) {
			m->respawn_at = date_mono_ms() + BACKOFF_MIN_MS;
			return;
		}
	}
}

static void
signal_kids(struct master *m, int sig, int old_only)
{
	size_t i;

	for (i = 0; i < m->nkids; i++) {
		if (old_only && m->kids[i].gen == m->gen)
			continue;
		if (sig != SIGKILL)
			m->kids[i].retiring = 1;
		kill(m->kids[i].pid, sig);
	}
}

static void
describe(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %d (%s)%s",
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(out, len, "stopped with status %d", status);
}

/*
 * How long to wait before replacing a worker after the crashes-th crash
 * in a row right after start: 100 ms, doubling, at most 10 s.
 */
long
master_backoff_ms(unsigned crashes)
{
	long delay = BACKOFF_MIN_MS;

	while (crashes-- > 1 && delay < BACKOFF_MAX_MS)
		delay *= 2;
	return delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS;
}

static void
reap(struct master *m)
{
	struct scoreboard_slot *slot;
	struct child *k;
	char how[96];
	int64_t delay, lived;
	pid_t pid;
	int status, crashed;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((k = find_kid(m, pid)) == NULL)
			continue;
		lived = date_mono_ms() - k->started;
		describe(status, how, sizeof(how));
		slot = m->sb != NULL && k->slot != -1 ? &m->sb->slots[k->slot]
						      : NULL;
		crashed = heartbeat_crashed(slot, status, lived);
		if (slot != NULL)
			scoreboard_slot_gone(m->sb, k->slot);
		if (k->retiring || m->stopping) {
			if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
				log_warnx("worker %d (pid %ld) %s", k->id,
				    (long)pid, how);
		} else if (crashed) {
			delay = master_backoff_ms((unsigned)++m->crashes);
			m->respawn_at = date_mono_ms() + delay;
			if (m->sb != NULL) {
				scoreboard_restart(m->sb,
				    SCOREBOARD_RESTART_CRASH);
				scoreboard_backoff(m->sb);
			}
			log_warnx(
			    "worker %d (pid %ld) %s %lld ms after it started; respawning in %lld ms",
			    k->id, (long)pid, how, (long long)lived,
			    (long long)delay);
		} else {
			m->crashes = 0;
			if (m->sb != NULL)
				scoreboard_restart(m->sb,
				    SCOREBOARD_RESTART_CRASH);
			log_warnx("worker %d (pid %ld) %s, respawning", k->id,
			    (long)pid, how);
		}
		if (k->ctl != -1)
			close(k->ctl);
		*k = m->kids[--m->nkids];
	}
}

/*
 * Retires m->kids[i], which reached max_requests, once its replacement is
 * running. Returns 0, or -1 if no replacement could be started (crash-loop
 * backoff, fork failure): the worker then keeps serving and is tried again
 * on a later turn, so recycling never leaves a hole.
 */
static int
recycle(struct master *m, size_t i)
{
	struct child *k = &m->kids[i];
	uint64_t requests;
	pid_t pid = k->pid;
	int id = k->id;

	if (date_mono_ms() < m->respawn_at)
		return -1;
	requests = m->sb->slots[k->slot].c.requests;
	if (spawn(m, id) == -1) /* may move m->kids */
		return -1;
	k = find_kid(m, pid);
	log_info("worker %d (pid %ld) served %llu requests; recycling it", id,
	    (long)pid, (unsigned long long)requests);
	k->retiring = 1;
	k->recycling = 1;
	scoreboard_restart(m->sb, SCOREBOARD_RESTART_MAX_REQUESTS);
	kill(pid, SIGQUIT);
	return 0;
}

/*
 * Looks at the workers' slots: a worker stuck in one request past
 * worker_timeout is replaced (its client gets 503 if nothing was sent),
 * one whose loop has not turned for as long (stopped, hung) is killed:
 * SIGKILL ends even a stopped process, and closes its connections so
 * that their clients reconnect; one that reached max_requests is
 * recycled, one at a time, its replacement started first.
 */
static void
watch(struct master *m)
{
	const struct conf *c = m->conf;
	struct scoreboard_slot *s;
	struct child *k;
	enum heartbeat_verdict v;
	int64_t now = date_mono_ms(), late;
	size_t i;
	int recycling = 0;

	for (i = 0; i < m->nkids; i++) {
		k = &m->kids[i];
		if (k->kill_at != 0 && now >= k->kill_at) {
			kill(k->pid, SIGKILL);
			k->kill_at = 0;
		}
		recycling |= k->recycling;
	}
	if (m->sb == NULL)
		return;
	for (i = 0; i < m->nkids; i++) {
		k = &m->kids[i];
		if (k->slot == -1 || k->retiring)
			continue;
		s = &m->sb->slots[k->slot];
		v = heartbeat_check(s, c->worker_timeout, now, &late);
		if (v != HEARTBEAT_OK) {
			heartbeat_log(s, v, k->id, (long)k->pid, late);
			scoreboard_restart(m->sb, SCOREBOARD_RESTART_STUCK);
			k->retiring = 1;
			k->kill_at = now + STUCK_KILL_MS;
			kill(k->pid, v == HEARTBEAT_STUCK ? SIGUSR2 : SIGKILL);
		} else if (s->retire && !recycling && recycle(m, i) == 0)
			recycling = 1;
	}
}

/* Starts a new generation of workers, then lets the old one drain. */
static void
renew(struct master *m)
{
	m->gen++;
	if (m->sb != NULL)
		scoreboard_generation(m->sb, m->gen);
	m->want = conf_workers(m->conf);
	m->crashes = 0;
	m->respawn_at = 0;
	spawn_missing(m);
	signal_kids(m, SIGQUIT, 1);
}

/* USR1: every worker gets the reopened logs, and keeps running. */
static void
hand_logs(struct master *m)
{
	size_t i;

	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].ctl != -1 && log_send(m->kids[i].ctl) == -1)
			log_warn("worker %d (pid %ld): handing over the logs",
			    m->kids[i].id, (long)m->kids[i].pid);
}

/* True if a log goes to a file (which USR1 reopens). */
static int
log_is_file(const char *name)
{
	return name != NULL && strcmp(name, "stderr") != 0 &&
	    strcmp(name, "stdout") != 0 && strcmp(name, "off") != 0;
}

/* A reload that failed: the running configuration stays, and says why. */
static void
reload_refused(struct master *m, struct conf *nc, const char *why)
{
	log_warnx("reload failed, keeping the running configuration: %s", why);
	notify_send("READY=1\nSTATUS=reload failed: %s", why);
	if (m->sb != NULL)
		scoreboard_reload(m->sb, 0, why);
	conf_free(nc);
}

/*
 * SIGHUP: validate the new gua.ini, and prepare what its routes need
 * (the board's schema); if either fails, keep serving and say why. Else
 * start the new generation first, then let the old one drain.
 */
static void
reload(struct master *m)
{
	struct conf *nc;
	char err[CONF_ERR_MAX], lerr[256];
	int fds[2 * LISTEN_MAX];
	size_t nfds = 0, ntls = 0, i;
	struct timespec ts;

	/* systemd wants the precise time, not the loop's coarse one */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_send("RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading",
	    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	log_info("reloading %s", m->conf->path);
	if ((nc = conf_load(m->conf->path, err)) == NULL ||
	    priv_check(nc, err, sizeof(err)) == -1 ||
	    handler_prepare_all(nc, err, sizeof(err)) == -1) {
		reload_refused(m, nc, err);
		return;
	}
	if (listen_again(m->conf, nc, m->inherited, m->ntls, fds, &nfds, &ntls,
		lerr, sizeof(lerr)) == -1) {
		reload_refused(m, nc, lerr);
		return;
	}
	if (log_open(nc->error_log, nc->access_log) == -1)
		log_warn("reload: opening logs (keeping the old ones)");
	conf_free(m->conf);
	m->conf = nc;
	fdlimit_apply(nc);
	if (tls_tickets_rotate() == -1)
		log_warnx("tls: no new session ticket key (random generator)");
	if (nfds > 0) {
		listen_close(m->fds, m->nfds);
		for (i = 0; i < nfds; i++)
			m->fds[i] = fds[i];
		m->nfds = nfds;
		m->ntls = ntls;
		listen_announce(m->fds, m->nfds, m->ntls);
	}
	renew(m);
	if (m->sb != NULL)
		scoreboard_reload(m->sb, 1, NULL);
	log_info("reloaded: %u workers", m->want);
	notify_send("READY=1\nSTATUS=serving with %u workers", m->want);
}

static void
stop(struct master *m, int graceful)
{
	if (m->stopping && graceful)
		return;
	notify_send("STOPPING=1\nSTATUS=stopping");
	log_info("%s stop", graceful ? "graceful" : "fast");
	m->stopping = 1;
	/* Once the workers close theirs, new connections are refused. */
	listen_close(m->fds, m->nfds);
	m->nfds = m->ntls = 0;
	signal_kids(m, graceful ? SIGQUIT : SIGTERM, 0);
	m->kill_at = date_mono_ms() +
	    (graceful ? (int64_t)m->conf->shutdown_timeout * 1000
		      : FAST_STOP_MS);
}

/* Acts on the signals that arrived since the last turn. */
static void
act(struct master *m)
{
	size_t i;

	if (sig_term) {
		sig_term = 0;
		stop(m, 0);
	}
	if (sig_quit) {
		sig_quit = 0;
		stop(m, 1);
	}
	if (m->stopping)
		return;
	if (sig_hup) {
		sig_hup = 0;
		reload(m);
	}
	if (sig_usr1) {
		sig_usr1 = 0;
		/*
		 * Workers may no longer be allowed to open the logs (they
		 * dropped root, the sandbox): the master reopens them and
		 * hands each worker the new descriptors, in place.
		 */
		if (log_open(m->conf->error_log, m->conf->access_log) == -1)
			log_warn("reopening logs");
		else {
			log_info("logs reopened");
			if (log_is_file(m->conf->error_log) ||
			    log_is_file(m->conf->access_log))
				hand_logs(m);
		}
	}
	if (sig_ttin) {
		sig_ttin = 0;
		if (m->want < 1024)
			m->want++;
		log_info("workers: %u", m->want);
	}
	if (sig_ttou) {
		sig_ttou = 0;
		if (m->want > 1) {
			for (i = 0; i < m->nkids; i++)
				if (m->kids[i].gen == m->gen &&
				    m->kids[i].id == (int)m->want &&
				    !m->kids[i].retiring) {
					m->kids[i].retiring = 1;
					kill(m->kids[i].pid, SIGQUIT);
				}
			m->want--;
		}
		log_info("workers: %u", m->want);
	}
}

/*
 * Binds, starts the workers and supervises them until told to stop.
 * Owns conf (a reload replaces it). Returns the exit status.
 */
int
master_run(struct conf *conf)
{
	struct master m;
	struct timespec ts;
	sigset_t waitmask;
	char err[CONF_ERR_MAX];
	int64_t wake, now;
	int rc;

	memset(&m, 0, sizeof(m));
	m.conf = conf;
	date_update();
	/* what the routes need first: a newer guad's database is refused */
	if (handler_prepare_all(conf, err, sizeof(err)) == -1) {
		log_warnx("%s; not starting", err);
		conf_free(conf);
		return 1;
	}
	rc = listen_inherit(conf, m.fds, &m.nfds, &m.ntls, err, sizeof(err));
	m.inherited = rc > 0;
	if (rc == -1 ||
	    (rc == 0 &&
		listen_all(conf, m.fds, &m.nfds, &m.ntls, err, sizeof(err)) ==
		    -1)) {
		log_warnx("%s", err);
		conf_free(conf);
		return 1;
	}
	if (pipe2(m.lifeline, O_CLOEXEC) == -1) {
		log_warn("pipe");
		listen_close(m.fds, m.nfds);
		conf_free(conf);
		return 1;
	}
	if (conf->pid_file != NULL && pidfile_write(conf->pid_file) == -1) {
		listen_close(m.fds, m.nfds);
		conf_free(conf);
		return 1;
	}
	if (conf->pid_file != NULL)
		m.pid_file = strdup(conf->pid_file);
	signals_setup(&waitmask);
	proctitle_set("guad: master");
	listen_announce(m.fds, m.nfds, m.ntls);
	if (tls_tickets_rotate() == -1)
		log_warnx("tls: no session ticket key: no resumption");
	if (conf->sandbox)
		sandbox_announce();
	if ((m.sb = scoreboard_create()) == NULL)
		log_warn(
		    "scoreboard (no worker_timeout, max_requests, status or metrics)");
	m.gen = 1; /* the first configuration; a reload starts the next */
	if (m.sb != NULL)
		scoreboard_generation(m.sb, m.gen);
	m.want = conf_workers(conf);
	spawn_missing(&m);
	log_info("ready: %u workers", m.want);
	notify_send("READY=1\nSTATUS=serving with %u workers", m.want);

	for (;;) {
		date_update();
		reap(&m);
		act(&m);
		now = date_mono_ms();
		if (m.stopping) {
			if (m.nkids == 0)
				break;
			if (now >= m.kill_at) {
				log_warnx(
				    "%zu workers still running, killing them",
				    m.nkids);
				signal_kids(&m, SIGKILL, 0);
				m.kill_at = now + FAST_STOP_MS;
			}
			wake = m.kill_at;
		} else {
			spawn_missing(&m);
			watch(&m);
			wake = m.respawn_at > now ? m.respawn_at : -1;
			if (m.conf->worker_timeout > 0 ||
			    m.conf->max_requests > 0) {
				if (wake == -1 || wake > now + WATCH_MS)
					wake = now + WATCH_MS;
			}
		}
		if (wake == -1)
			ppoll(NULL, 0, NULL, &waitmask);
		else {
			wake -= date_mono_ms();
			if (wake < 0)
				wake = 0;
			ts.tv_sec = wake / 1000;
			ts.tv_nsec = (wake % 1000) * 1000000;
			ppoll(NULL, 0, &ts, &waitmask);
		}
	}
	listen_close(m.fds, m.nfds);
	free(m.kids);
	if (m.pid_file != NULL) {
		unlink(m.pid_file);
		free(m.pid_file);
	}
	conf_free(m.conf);
	log_info("stopped");
	return 0;
}
