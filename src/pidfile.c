/* pidfile.c: the master's pid file, and signalling the master through it. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"

/* Returns the pid in the file, 0 if it holds none, -1 if unreadable. */
pid_t
pidfile_read(const char *path)
{
	char buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || (*end != '\n' && *end != '\0') || v <= 1)
		return 0;
	return (pid_t)v;
}

/*
 * Writes our pid to path, refusing if it names another live process (a
 * guad already running). Returns 0, or -1 (logged).
 */
int
pidfile_write(const char *path)
{
	char buf[32];
	pid_t old;
	int fd, n;

	old = pidfile_read(path);
	if (old > 0 && old != getpid() && kill(old, 0) == 0) {
		log_warnx("%s: guad is already running as pid %ld", path,
		    (long)old);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pid file %s", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (n < 0 || write(fd, buf, (size_t)n) != n) {
		log_warn("pid file %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Finds [server] pid_file in gua.ini, whatever else the file holds, so
 * that guad -s can signal a master even when the file is broken. Returns
 * the path (resolved against the file's folder; the caller frees it), or
 * NULL if there is none or the file cannot be read (errno set).
 */
char *
pidfile_find(const char *path)
{
	FILE *f;
	char line[1024], *p, *e, *v, *out = NULL, *copy;
	int server = 0;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '[') {
			server = strncmp(p, "[server]", 8) == 0;
			continue;
		}
		if (!server || strncmp(p, "pid_file", 8) != 0)
			continue;
		for (v = p + 8; *v == ' ' || *v == '\t'; v++)
			;
		if (*v != '=' && *v != ':')
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		e = v + strcspn(v, "\r\n");
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*v == '\0')
			continue;
		free(out);
		out = NULL;
		if (*v == '/')
			out = strdup(v);
		else if ((copy = strdup(path)) != NULL) {
			if (asprintf(&out, "%s/%s", dirname(copy), v) == -1)
				out = NULL;
			free(copy);
		}
	}
	fclose(f);
	if (out == NULL)
		errno = ENOENT;
	return out;
}
