/* priv.c: workers give up root; the master prepares what they will need. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/fsuid.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "priv.h"

/* True if workers started now would change user. */
static int
switching(const struct conf *c)
{
	return c->user != NULL && geteuid() == 0;
}

/*
 * Before binding or reloading: would workers end up as root without
 * allow_root, or does user name someone this process cannot become?
 * Returns 0, or -1 with the reason in err.
 */
int
priv_check(const struct conf *c, char *err, size_t len)
{
	uid_t euid = geteuid();

	if (euid == 0 && !c->allow_root && (c->user == NULL || c->uid == 0)) {
		snprintf(err, len,
		    "%s: workers would run as root: set [server] user (for example user = nobody), or allow_root = on",
		    c->path);
		return -1;
	}
	if (euid != 0 && c->user != NULL &&
	    (c->uid != euid || c->gid != getegid())) {
		snprintf(err, len,
		    "%s: [server] user %s: only root can switch to another user or group",
		    c->path, c->user);
		return -1;
	}
	return 0;
}

/*
 * In a worker, before it opens anything: becomes user and group with no
 * supplementary groups, checks that the change took and cannot be undone,
 * and refuses to go on as root unless allow_root. Returns 0, or -1
 * (logged): the worker must then exit.
 */
int
priv_drop(const struct conf *c)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (switching(c)) {
		if (setgroups(0, NULL) == -1) {
			log_warn("setgroups");
			return -1;
		}
		if (setresgid(c->gid, c->gid, c->gid) == -1) {
			log_warn("setresgid %ld", (long)c->gid);
			return -1;
		}
		if (setresuid(c->uid, c->uid, c->uid) == -1) {
			log_warn("setresuid %ld (%s)", (long)c->uid, c->user);
			return -1;
		}
		if (getresuid(&ru, &eu, &su) == -1 ||
		    getresgid(&rg, &eg, &sg) == -1) {
			log_warn("getresuid");
			return -1;
		}
		if (ru != c->uid || eu != c->uid || su != c->uid ||
		    rg != c->gid || eg != c->gid || sg != c->gid) {
			log_warnx(
			    "dropping to %s did not take: uid %ld/%ld/%ld gid %ld/%ld/%ld",
			    c->user, (long)ru, (long)eu, (long)su, (long)rg,
			    (long)eg, (long)sg);
			return -1;
		}
		if (getgroups(0, NULL) != 0) {
			log_warnx("supplementary groups left after setgroups");
			return -1;
		}
		if (c->uid != 0 && setuid(0) != -1) {
			log_warnx(
			    "could become root again after dropping to %s",
			    c->user);
			return -1;
		}
	}
	if (geteuid() == 0 && !c->allow_root) {
		log_warnx(
		    "refusing to serve as root: set [server] user in %s (for example user = nobody), or allow_root = on",
		    c->path);
		return -1;
	}
	return 0;
}

/* Gives a file to the workers' user; a missing one is fine. */
static void
give(const struct conf *c, const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			log_warn("%s", path);
		return;
	}
	if (!S_ISREG(st.st_mode) ||
	    (st.st_uid == c->uid && st.st_gid == c->gid))
		return;
	if (lchown(path, c->uid, c->gid) == -1)
		log_warn("chown %s to %s", path, c->user);
}

/*
 * In the master, as root with a user set: the folder of path is created
 * if missing (one level), and it and the files path + each of suffix (a
 * NULL-terminated list) are given to the workers' user, so that they can
 * write them. A folder anyone may write (such as /tmp) is left alone.
 * Failures are logged: what needs the files then fails in the workers.
 */
void
priv_own_files(const struct conf *c, const char *path,
    const char *const *suffix)
{
	struct stat st;
	char *copy, *dir, name[4096];
	size_t i;
	int n;

	if (!switching(c))
		return;
	if ((copy = strdup(path)) == NULL) {
		log_warn("strdup");
		return;
	}
	dir = dirname(copy);
	if (mkdir(dir, 0750) == 0)
		log_info("created %s for %s", dir, path);
	else if (errno != EEXIST) {
		log_warn("mkdir %s", dir);
		goto done;
	}
	if (lstat(dir, &st) == -1) {
		log_warn("%s", dir);
		goto done;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("%s: not a directory", dir);
		goto done;
	}
	if (st.st_uid == c->uid && st.st_gid == c->gid)
		goto done;
	if (st.st_mode & (S_IWOTH | S_ISVTX)) {
		log_warnx(
		    "%s is writable by anyone: not giving it to %s; put %s in a folder of its own",
		    dir, c->user, path);
		goto done;
	}
	/* the files first: root may not search the folder once it is given */
	for (i = 0; suffix[i] != NULL; i++) {
		n = snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		if (n > 0 && (size_t)n < sizeof(name))
			give(c, name);
	}
	if (chown(dir, c->uid, c->gid) == -1)
		log_warn("chown %s to %s", dir, c->user);
	else
		log_info("gave %s to %s for %s", dir, c->user, path);
done:
	free(copy);
}

/*
 * With on, file access in the master is checked (and new files owned) as
 * the workers' user, so that the database the master prepares is theirs
 * and a path they cannot reach fails here, logged, too; off goes back.
 */
void
priv_fs_as_user(const struct conf *c, int on)
{
	if (!switching(c))
		return;
	if (on) {
		(void)setfsgid(c->gid);
		(void)setfsuid(c->uid);
	} else {
		(void)setfsuid(geteuid());
		(void)setfsgid(getegid());
	}
}
