/* sandbox.c: a worker's confinement: no_new_privs and Landlock. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LINUX_LANDLOCK_H
#include <linux/landlock.h>
#endif

#include "conf.h"
#include "handler.h"
#include "log.h"
#include "sandbox.h"

#ifdef HAVE_LINUX_LANDLOCK_H

/* Rights newer than the headers of older distributions. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule	    445
#define SYS_landlock_restrict_self  446
#endif

/* Network rights (ABI 4), newer than Debian 12's headers. */
#define SANDBOX_NET_BIND_TCP	(1ULL << 0)
#define SANDBOX_NET_CONNECT_TCP (1ULL << 1)
#define SANDBOX_RULE_NET_PORT	2

/* struct landlock_ruleset_attr with its ABI 4 field. */
struct ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};

/* struct landlock_net_port_attr (ABI 4). */
struct net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
} __attribute__((packed));

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_STORE \
	(FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG | \
	    LANDLOCK_ACCESS_FS_TRUNCATE)

/* Every file-system right the kernel's Landlock ABI knows. */
static uint64_t
handled_rights(int abi)
{
	uint64_t r;

	r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1 */
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

/* Allows rights beneath the directory dirfd names. Returns 0 or -1. */
static int
allow(int ruleset, int dirfd, uint64_t rights)
{
	struct landlock_path_beneath_attr pb;

	memset(&pb, 0, sizeof(pb));
	pb.parent_fd = dirfd;
	pb.allowed_access = rights;
	return (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

#endif /* HAVE_LINUX_LANDLOCK_H */

/* What a worker is being allowed: the ruleset being built. */
struct sandbox_rules {
	int ruleset;	  /* -1: Landlock is not in force */
	uint64_t handled; /* the rights the ruleset restricts */
	int net;	  /* TCP connect and bind are restricted too */
};

/*
 * Lets the worker read (or, with write, also create, write and remove
 * files) beneath the directory dirfd. Returns 0, or -1 (logged).
 */
int
sandbox_allow_fd(struct sandbox_rules *sr, int dirfd, int write,
    const char *name)
{
#ifdef HAVE_LINUX_LANDLOCK_H
	if (sr->ruleset == -1)
		return 0;
	if (allow(sr->ruleset, dirfd,
		(write ? FS_STORE : FS_READ) & sr->handled) == -1) {
		log_warn("landlock: %s", name);
		return -1;
	}
#endif
	return 0;
}

/*
 * As sandbox_allow_fd, for a folder named by path. A folder that does
 * not exist yet is reached after a reload (logged, not an error).
 */
int
sandbox_allow_dir(struct sandbox_rules *sr, const char *dir, int write,
    const char *why)
{
	int fd, rc;

	if (sr->ruleset == -1)
		return 0;
	if ((fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("sandbox: %s (%s until a reload)", dir, why);
		return 0;
	}
	rc = sandbox_allow_fd(sr, fd, write, dir);
	close(fd);
	return rc;
}

/*
 * Lets the worker read one file, if it is there. Returns 0, or -1
 * (logged).
 */
int
sandbox_allow_file(struct sandbox_rules *sr, const char *path)
{
#ifdef HAVE_LINUX_LANDLOCK_H
	int fd, rc;

	if (sr->ruleset == -1 || (fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return 0;
	rc = allow(sr->ruleset, fd, LANDLOCK_ACCESS_FS_READ_FILE);
	close(fd);
	if (rc == -1) {
		log_warn("landlock: %s", path);
		return -1;
	}
#endif
	return 0;
}

/*
 * Lets the worker connect to a TCP port (where Landlock has network
 * rules; elsewhere every port is). Returns 0, or -1 (logged).
 */
int
sandbox_allow_port(struct sandbox_rules *sr, uint16_t port)
{
#ifdef HAVE_LINUX_LANDLOCK_H
	struct net_port_attr np;

	if (sr->ruleset == -1 || !sr->net)
		return 0;
	memset(&np, 0, sizeof(np));
	np.allowed_access = SANDBOX_NET_CONNECT_TCP;
	np.port = port;
	if (syscall(SYS_landlock_add_rule, sr->ruleset, SANDBOX_RULE_NET_PORT,
		&np, 0) == -1) {
		log_warn("landlock: TCP port %u", port);
		return -1;
	}
#endif
	return 0;
}

/*
 * The Landlock ABI version the kernel offers, or 0 with the reason in why
 * when there is none.
 */
int
sandbox_abi(char *why, size_t len)
{
#ifdef HAVE_LINUX_LANDLOCK_H
	long abi;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi >= 1)
		return (int)abi;
	snprintf(why, len, "%s",
	    errno == ENOSYS	      ? "not in this kernel"
		: errno == EOPNOTSUPP ? "disabled at boot"
				      : strerror(errno));
	return 0;
#else
	snprintf(why, len, "guad was built without <linux/landlock.h>");
	return 0;
#endif
}

/*
 * With GUAD_DEBUG=1 and GUAD_DEBUG_CONNECT=PORT in guad's environment,
 * a worker that has confined itself (or not: sandbox = off) tries one
 * TCP connect to 127.0.0.1:PORT and logs what the kernel answered, so
 * that the network rules can be seen at work in a real worker (guad(8)).
 * Does nothing otherwise.
 */
void
sandbox_debug_connect(void)
{
	struct sockaddr_in sin;
	const char *v;
	char *end;
	long port;
	int fd;

	if (!log_debug_on || (v = getenv("GUAD_DEBUG_CONNECT")) == NULL)
		return;
	port = strtol(v, &end, 10);
	if (end == v || *end != '\0' || port < 1 || port > 65535)
		return;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("sandbox: socket");
		return;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno == EINPROGRESS)
		log_debug("sandbox: a connect to 127.0.0.1:%ld was not refused",
		    port);
	else
		log_debug("sandbox: a connect to 127.0.0.1:%ld: %s", port,
		    strerror(errno));
	close(fd);
}

/* In the master at start: says what confinement the workers will get. */
void
sandbox_announce(void)
{
	char why[64];
	int abi;

	if ((abi = sandbox_abi(why, sizeof(why))) == 0)
		log_warnx("landlock unavailable: %s; not confined", why);
	else
		log_info("sandbox: landlock ABI %d%s", abi,
		    abi >= 4 ? "" : " (no network rules)");
}

/*
 * Confines the calling process for good: no_new_privs, then, where the
 * kernel has Landlock, reading only beneath the document root and the
 * routes' folders, binding no TCP port, and reaching what each route's
 * handler kind says it needs (the board: its store's folder, or its
 * database's port). Everything else a worker
 * needs (libmagic's database, the store's connection, the
 * logs) must be open before. Returns 0 when confined, 1 when Landlock is
 * unavailable (only no_new_privs holds), -1 on failure (logged).
 */
int
sandbox_apply(const struct conf *c)
{
#ifdef HAVE_LINUX_LANDLOCK_H
	struct ruleset_attr attr;
	struct sandbox_rules sr;
	char why[64];
	int abi, rs, rc = -1;
#endif

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl(PR_SET_NO_NEW_PRIVS)");
		return -1;
	}
#ifdef HAVE_LINUX_LANDLOCK_H
	if ((abi = sandbox_abi(why, sizeof(why))) == 0)
		return 1;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled_rights(abi);
	/* workers bind nothing and connect only where a handler says */
	if (abi >= 4)
		attr.handled_access_net =
		    SANDBOX_NET_BIND_TCP | SANDBOX_NET_CONNECT_TCP;
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs), 0);
	if (rs == -1) {
		log_warn("landlock_create_ruleset");
		return -1;
	}
	if (allow(rs, c->root_fd, FS_READ) == -1) {
		log_warn("landlock: %s", c->root);
		goto done;
	}
	sr.ruleset = rs;
	sr.handled = attr.handled_access_fs;
	sr.net = abi >= 4;
	if (handler_sandbox_all(c, &sr) == -1)
		goto done;
	if (syscall(SYS_landlock_restrict_self, rs, 0) == -1) {
		log_warn("landlock_restrict_self");
		goto done;
	}
	rc = 0;
done:
	close(rs);
	return rc;
#else
	return 1;
#endif
}
