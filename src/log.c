/* log.c: error log (time, level, role, pid) and access log, one write per line. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "hex.h"
#include "log.h"

const char *const log_level_names[LOG_LEVEL_COUNT] = {
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_ERROR] = "error",
};

/* syslog priorities, which journald reads from "<N>" before a line */
static const char prio[LOG_LEVEL_COUNT] = {
	[LOG_LEVEL_DEBUG] = '7',
	[LOG_LEVEL_INFO] = '6',
	[LOG_LEVEL_WARN] = '4',
	[LOG_LEVEL_ERROR] = '3',
};

/*
 * Repeated lines. A worker logs what goes wrong with a request, so a
 * failure that every request meets (a full disk under a POST flood) would
 * write a line per request: 61,486 lines in 6 s. A warning or error
 * whose text, digits left out, was written less than LOG_REPEAT_QUIET_MS
 * before is counted instead of written; once that message has been
 * quiet for LOG_REPEAT_QUIET_MS (or every LOG_REPEAT_MAX_MS while it
 * goes on), one line says how many times it came. A message that comes
 * once a second or less often is always written. The master's lines
 * (start-up, signals, workers' ends, its own backoff) are few by design
 * and always written.
 */
#define LOG_REPEAT_SLOTS    8 /* messages followed at once */
#define LOG_REPEAT_QUIET_MS 500
#define LOG_REPEAT_MAX_MS   60000
#define LOG_MSG_MAX	    512 /* of the last repeated text kept */

struct repeat {
	uint64_t key;	  /* hash of level and text, without digits */
	int64_t first_ms; /* the written line, or the last summary */
	int64_t last_ms;  /* 0: a free slot */
	uint64_t count;	  /* not written since first_ms */
	enum log_level level;
	char text[LOG_MSG_MAX]; /* the last one not written */
};

/* Slots with a count to say: the worker's loop looks at it each turn. */
size_t log_repeats_pending;

static struct {
	int err_fd;
	int acc_fd;	 /* -1: access log off */
	int err_journal; /* err_fd is journald's stream: "<N>" prefixes */
	int acc_journal;
	int repeats; /* count repeated lines (workers) */
	char role[24];
	struct repeat rep[LOG_REPEAT_SLOTS];
} lg = { .err_fd = 2, .acc_fd = 1, .role = "master" };

/*
 * Sets the role printed in every error line: "master" or "worker N". A
 * worker's repeated warnings are counted, not each written.
 */
void
log_set_role(const char *role, int n)
{
	if (n > 0)
		snprintf(lg.role, sizeof(lg.role), "%s %d", role, n);
	else
		snprintf(lg.role, sizeof(lg.role), "%s", role);
	lg.repeats = strcmp(role, "worker") == 0;
}

static int
open_target(const char *name, int dflt)
{
	if (name == NULL)
		return dflt;
	if (strcmp(name, "stderr") == 0)
		return 2;
	if (strcmp(name, "stdout") == 0)
		return 1;
	if (strcmp(name, "off") == 0)
		return -1;
	return open(name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/*
 * Is fd the stream systemd connected to journald? JOURNAL_STREAM holds
 * its "device:inode" (systemd.exec(5)); a descriptor that merely
 * inherited the variable (a redirected stderr) does not match it.
 */
int
log_is_journal(int fd)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return 0;
	errno = 0;
	dev = strtoull(v, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	ino = strtoull(end + 1, &end, 10);
	if (*end != '\0' || errno != 0)
		return 0;
	if (fd < 0 || fstat(fd, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

static void
replace_fd(int *slot, int fd)
{
	if (*slot > 2 && *slot != fd)
		close(*slot);
	*slot = fd;
}

/*
 * Opens (or reopens, for log rotation) both logs. NULL keeps the default:
 * stderr for errors, stdout for access. Returns 0, or -1 with errno and the
 * old descriptors kept.
 */
int
log_open(const char *error_log, const char *access_log)
{
	const char *debug;
	int efd, afd, saved;

	efd = open_target(error_log, 2);
	if (efd == -1 && error_log != NULL && strcmp(error_log, "off") != 0)
		return -1;
	if (efd == -1)
		efd = 2;
	afd = open_target(access_log, 1);
	if (afd == -1 && access_log != NULL && strcmp(access_log, "off") != 0) {
		saved = errno;
		if (efd > 2)
			close(efd);
		errno = saved;
		return -1;
	}
	replace_fd(&lg.err_fd, efd);
	replace_fd(&lg.acc_fd, afd);
	debug = getenv("GUAD_DEBUG");
	log_debug_on = debug != NULL && strcmp(debug, "1") == 0;
	lg.err_journal = lg.err_fd <= 2 && log_is_journal(lg.err_fd);
	lg.acc_journal =
	    lg.acc_fd >= 0 && lg.acc_fd <= 2 && log_is_journal(lg.acc_fd);
	return 0;
}

/*
 * The descriptors of the logs that are files (-1 for one that is not):
 * what a worker, which may no longer open them, is handed on USR1.
 */
void
log_files(int *err_fd, int *acc_fd)
{
	*err_fd = lg.err_fd > 2 ? lg.err_fd : -1;
	*acc_fd = lg.acc_fd > 2 ? lg.acc_fd : -1;
}

/* Writes from now on to these descriptors (-1: keep that log as it is). */
void
log_adopt(int err_fd, int acc_fd)
{
	if (err_fd != -1)
		replace_fd(&lg.err_fd, err_fd);
	if (acc_fd != -1)
		replace_fd(&lg.acc_fd, acc_fd);
}

/*
 * Hands the log files over the unix socket sock (SCM_RIGHTS), to a
 * worker that reopens its logs with them. Returns 0, or -1 with errno.
 */
int
log_send(int sock)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	int fds[2], n = 0, e, a;
	char which = 0;

	log_files(&e, &a);
	if (e != -1) {
		fds[n++] = e;
		which |= 1;
	}
	if (a != -1) {
		fds[n++] = a;
		which |= 2;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	iov.iov_base = &which;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (n > 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 ? 0 : -1;
}

/*
 * Receives what log_send sent and writes to it from now on. Returns 1
 * (adopted), 0 (nothing waits), or -1 (the socket is closed or broken).
 */
int
log_receive(int sock)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	int fds[2] = { -1, -1 }, got[2] = { -1, -1 }, n = 0, i;
	char which = 0;
	ssize_t r;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &which;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	r = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (r == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (r == 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			if (n > 2)
				n = 2;
			memcpy(got, CMSG_DATA(cm), n * sizeof(int));
		}
	i = 0;
	if ((which & 1) && i < n)
		fds[0] = got[i++];
	if ((which & 2) && i < n)
		fds[1] = got[i++];
	log_adopt(fds[0], fds[1]);
	return 1;
}

int
log_access_enabled(void)
{
	return lg.acc_fd != -1;
}

/*
 * Writes one access log line (the caller ends it with a newline); to
 * journald at info priority.
 */
void
log_access(const char *line, size_t len)
{
	char buf[8192];

	if (lg.acc_fd == -1)
		return;
	if (lg.acc_journal && len <= sizeof(buf) - 3) {
		buf[0] = '<';
		buf[1] = '6';
		buf[2] = '>';
		memcpy(buf + 3, line, len);
		(void)!write(lg.acc_fd, buf, len + 3);
	} else
		(void)!write(lg.acc_fd, line, len);
}

/* Writes the head of an error line (journal priority, time, level, role,
 * pid) into line; returns its length. */
static size_t
line_head(char *line, size_t size, enum log_level level)
{
	struct tm tm;
	time_t now;
	size_t len = 0;
	int n;

	now = time(NULL);
	gmtime_r(&now, &tm);
	if (lg.err_journal) {
		line[len++] = '<';
		line[len++] = prio[level];
		line[len++] = '>';
	}
	len += strftime(line + len, size - len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line + len, size - len,
	    " [%s] %s %ld: ", log_level_names[level], lg.role, (long)getpid());
	if (n > 0)
		len += (size_t)n < size - len ? (size_t)n : size - len - 1;
	return len;
}

/* A hash of the level and the text, its digits left out: a byte a step,
 * on the log's path only. */
static uint64_t
repeat_key(enum log_level level, const char *p, size_t len)
{
	uint64_t h = hex_hash_mix(0, (uint64_t)level);
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			h = hex_hash_mix(h, (unsigned char)p[i]);
	return h;
}

/* Writes r's summary line if it has one, and counts afresh. */
static void
repeat_say(struct repeat *r, int64_t now)
{
	char line[LOG_MSG_MAX + 128];
	int64_t secs;
	size_t len;
	int n;

	if (r->count == 0)
		return;
	len = line_head(line, sizeof(line) - 1, r->level);
	secs = (now - r->first_ms + 999) / 1000;
	n = snprintf(line + len, sizeof(line) - len - 1,
	    "... repeated %llu time%s in %lld s: %s",
	    (unsigned long long)r->count, r->count == 1 ? "" : "s",
	    (long long)(secs > 0 ? secs : 1), r->text);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len - 1
		    ? (size_t)n
		    : sizeof(line) - len - 2;
	line[len++] = '\n';
	(void)!write(lg.err_fd, line, len);
	r->count = 0;
	r->first_ms = now;
	log_repeats_pending--;
}

/*
 * Is the message msg[0..len) at level one that came less than
 * LOG_REPEAT_QUIET_MS ago? Then it is counted (1) and not written;
 * else (0) it is followed from now on, in a free slot or the one seen
 * longest ago (whose count is said first).
 */
static int
repeat_counted(enum log_level level, const char *msg, size_t len)
{
	uint64_t key = repeat_key(level, msg, len);
	int64_t now = date_mono_ms();
	struct repeat *r, *old = &lg.rep[0];
	size_t i;

	for (i = 0; i < LOG_REPEAT_SLOTS; i++) {
		r = &lg.rep[i];
		if (r->last_ms != 0 && r->key == key)
			break;
		if (r->last_ms < old->last_ms)
			old = r;
	}
	if (i < LOG_REPEAT_SLOTS && now - r->last_ms < LOG_REPEAT_QUIET_MS) {
		if (r->count++ == 0)
			log_repeats_pending++;
		r->last_ms = now;
		if (len >= sizeof(r->text))
			len = sizeof(r->text) - 1;
		memcpy(r->text, msg, len);
		r->text[len] = '\0';
		return 1;
	}
	if (i == LOG_REPEAT_SLOTS)
		r = old;
	repeat_say(r, now);
	r->key = key;
	r->level = level;
	r->first_ms = r->last_ms = now;
	return 0;
}

/*
 * When the next summary of repeated lines is due (monotonic ms), or
 * INT64_MAX if none is: the worker's loop wakes up for it.
 */
int64_t
log_repeat_deadline(void)
{
	int64_t d = INT64_MAX, t;
	size_t i;

	if (log_repeats_pending == 0)
		return INT64_MAX;
	for (i = 0; i < LOG_REPEAT_SLOTS; i++) {
		if (lg.rep[i].count == 0)
			continue;
		t = lg.rep[i].last_ms + LOG_REPEAT_QUIET_MS;
		if (lg.rep[i].first_ms + LOG_REPEAT_MAX_MS < t)
			t = lg.rep[i].first_ms + LOG_REPEAT_MAX_MS;
		if (t < d)
			d = t;
	}
	return d;
}

/*
 * From the worker's loop: says the count of every repeated message that
 * has been quiet long enough, or has been counted for LOG_REPEAT_MAX_MS
 * (all: every count, before the worker exits). Never blocks longer than
 * the write of a log line does.
 */
void
log_repeat_tick(int64_t now, int all)
{
	struct repeat *r;
	size_t i;

	for (i = 0; i < LOG_REPEAT_SLOTS && log_repeats_pending > 0; i++) {
		r = &lg.rep[i];
		if (r->count == 0)
			continue;
		if (all || now >= r->last_ms + LOG_REPEAT_QUIET_MS) {
			repeat_say(r, now);
			r->last_ms = 0; /* quiet: the slot is free */
		} else if (now >= r->first_ms + LOG_REPEAT_MAX_MS)
			repeat_say(r, now);
	}
}

void
log_write(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	char line[2048];
	size_t len, head;
	int n, saved = errno;

	len = head = line_head(line, sizeof(line), level);
	/* Leave room for ": strerror" and the newline; long lines are cut. */
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len - 1
		    ? (size_t)n
		    : sizeof(line) - len - 2;
	if (with_errno) {
		n = snprintf(line + len, sizeof(line) - len - 1, ": %s",
		    strerror(saved));
		if (n > 0)
			len += (size_t)n < sizeof(line) - len - 1
			    ? (size_t)n
			    : sizeof(line) - len - 2;
	}
	if (lg.repeats && level >= LOG_LEVEL_WARN &&
	    repeat_counted(level, line + head, len - head)) {
		errno = saved;
		return;
	}
	line[len++] = '\n';
	(void)!write(lg.err_fd, line, len);
	errno = saved;
}

#define LOG_FN(name, level, with_errno) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
\
		va_start(ap, fmt); \
		log_write(level, with_errno, fmt, ap); \
		va_end(ap); \
	}

/* Debug lines: only with GUAD_DEBUG=1 in guad's environment (guad(8)). */
int log_debug_on;

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_write(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

LOG_FN(log_info, LOG_LEVEL_INFO, 0)
/* log_warn appends strerror(errno); log_warnx does not. */
LOG_FN(log_warn, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARN, 0)

/* fatal is for start-up code only: never on the request path. */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOG_LEVEL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}
