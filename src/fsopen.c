/* fsopen.c: opening paths that the kernel keeps below a directory. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#include "fsopen.h"

#ifndef RESOLVE_BENEATH
struct open_how {
	unsigned long long flags;
	unsigned long long mode;
	unsigned long long resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_BENEATH	      0x08
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static int probed;
static int no_openat2;
static int probe_errno;

/*
 * Writes the path of what fd names, as the kernel resolves it now (from
 * /proc/self/fd), NUL-terminated, to buf (size bytes). Returns its
 * length, or -1 (errno; EINVAL if it is not a path, such as a socket's
 * "socket:[N]").
 */
ssize_t
fsopen_fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, buf, size - 1)) == -1)
		return -1;
	buf[n] = '\0';
	if (n == 0 || buf[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	return n;
}

/* Before openat2: is what fd names really below dirfd? */
static int
below(int dirfd, int fd)
{
	char dir[PATH_MAX], file[PATH_MAX];
	ssize_t dl, fl;

	if ((dl = fsopen_fd_path(dirfd, dir, sizeof(dir))) == -1 ||
	    (fl = fsopen_fd_path(fd, file, sizeof(file))) == -1)
		return 0;
	if (dl == 1) /* the root directory itself */
		return 1;
	return fl >= dl && memcmp(dir, file, (size_t)dl) == 0 &&
	    (fl == dl || file[dl] == '/');
}

/*
 * Finds out, once, whether openat2 can be used. It arrived in Linux 5.6:
 * an older kernel answers ENOSYS. A seccomp profile written before it
 * (container runtimes, systemd's SystemCallFilter) refuses it with EPERM.
 * Either way, or on any other failure to open "/" beneath itself, the
 * fallback of fsopen_beneath is used. Returns 1 if openat2 is used, 0 if
 * not. Called by fsopen_beneath before its first open.
 */
int
fsopen_probe(void)
{
	struct open_how how;
	int dfd, fd;

	if (probed)
		return !no_openat2;
	probed = 1;
	if ((dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		probe_errno = errno;
		no_openat2 = 1;
		return 0;
	}
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dfd, ".", &how, sizeof(how));
	if (fd == -1) {
		probe_errno = errno;
		no_openat2 = 1;
	} else
		close(fd);
	close(dfd);
	return !no_openat2;
}

/* Says which way fsopen_beneath confines paths, for the log. */
const char *
fsopen_mode(void)
{
	static char text[160];

	if (fsopen_probe())
		return "openat2 with RESOLVE_BENEATH";
	snprintf(text, sizeof(text),
	    "openat and a check through /proc (openat2: %s)",
	    strerror(probe_errno));
	return text;
}

/*
 * Opens path (a normalised path; a leading '/' is ignored) relative to
 * dirfd, so that the kernel refuses anything that resolves outside it: ".."
 * or a symlink that leaves the tree, or a /proc magic link. Returns an fd,
 * or -1 with errno (EXDEV for an escape).
 *
 * An absolute symlink whose target lies below dirfd is followed like a
 * relative one.
 *
 * Where openat2 cannot be used (see fsopen_probe: a kernel before Linux
 * 5.6, or a seccomp filter that refuses it), this falls back to openat
 * followed by a check, through /proc, that the opened file lies below
 * dirfd. The path can then still be resolved through a symlink pointing
 * outside, but nothing outside is ever returned.
 */
int
fsopen_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how;
	int fd;

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	flags |= O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY);
	if (fsopen_probe()) {
		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)flags;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		/*
		 * RESOLVE_BENEATH refuses every absolute symlink, even one
		 * naming a file below dirfd (EXDEV). The path has no ".."
		 * (it is normalised), so only a symlink brings EXDEV: open it
		 * the way a relative one would be, and keep it only if what
		 * it reaches lies below dirfd. A magic link stays refused
		 * (ELOOP).
		 */
		if (fd != -1 || errno != EXDEV)
			return fd;
		/* what it cannot open (outside a sandbox) is outside too */
		if ((fd = openat(dirfd, path, flags)) == -1) {
			errno = EXDEV;
			return -1;
		}
	} else if ((fd = openat(dirfd, path, flags)) == -1)
		return -1;
	if (!below(dirfd, fd)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/*
 * Reads a whole file (up to 16 MiB) into a NUL-terminated buffer the
 * caller frees. Returns 0, or -1 with errno set.
 */
int
fsopen_read_all(const char *path, char **out, size_t *outlen)
{
	FILE *f;
	char *s = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	do {
		if (cap - len < 4096) {
			char *ns = realloc(s, cap + 65536);
			if (ns == NULL) {
				free(s);
				fclose(f);
				errno = ENOMEM;
				return -1;
			}
			s = ns;
			cap += 65536;
		}
		n = fread(s + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0 && len < (size_t)16 * 1024 * 1024);
	if (ferror(f)) {
		free(s);
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	s[len] = '\0';
	*out = s;
	*outlen = len;
	return 0;
}
