/* fsopen.c: opening paths that the kernel keeps below a directory. */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#include "fsopen.h"

#ifndef RESOLVE_BENEATH
struct open_how {
	unsigned long long	 flags;
	unsigned long long	 mode;
	unsigned long long	 resolve;
};
#define RESOLVE_NO_MAGICLINKS	0x02
#define RESOLVE_BENEATH		0x08
#endif
#ifndef SYS_openat2
#define SYS_openat2	437
#endif

static int	 no_openat2;

/* Before openat2: is what fd names really below dirfd? */
static int
below(int dirfd, int fd)
{
	char	 proc[64], dir[PATH_MAX], file[PATH_MAX];
	ssize_t	 dl, fl;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	if ((dl = readlink(proc, dir, sizeof(dir) - 1)) <= 0)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((fl = readlink(proc, file, sizeof(file) - 1)) <= 0)
		return 0;
	if (dl == 1)			/* the root directory itself */
		return 1;
	return fl >= dl && memcmp(dir, file, (size_t)dl) == 0 &&
	    (fl == dl || file[dl] == '/');
}

/*
 * Opens path (a normalised path; a leading '/' is ignored) relative to
 * dirfd, so that the kernel refuses anything that resolves outside it: ".."
 * or a symlink that leaves the tree, or a /proc magic link. Returns an fd,
 * or -1 with errno (EXDEV for an escape).
 *
 * openat2 arrived in Linux 5.6. On an older kernel it fails with ENOSYS,
 * and this falls back to openat followed by a check, through /proc, that
 * the opened file lies below dirfd. The path can then still be resolved
 * through a symlink pointing outside, but nothing outside is ever
 * returned.
 */
int
fsopen_beneath(int dirfd, const char *path, int flags)
{
	struct open_how	 how;
	int		 fd;

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	flags |= O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY);
	if (!no_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)flags;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd != -1 || errno != ENOSYS)
			return fd;
		no_openat2 = 1;
	}
	if ((fd = openat(dirfd, path, flags)) == -1)
		return -1;
	if (!below(dirfd, fd)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}
