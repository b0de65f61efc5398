/* notify.c: systemd's notify protocol, spoken directly over its socket. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

/*
 * Sends one datagram ("READY=1", "STATUS=...") to $NOTIFY_SOCKET, a path
 * or, with a leading '@', an abstract socket. Without the variable it
 * does nothing. A message longer than 511 bytes is cut to fit. Returns 0,
 * or -1 if the message could not be sent.
 */
int
notify_send(const char *fmt, ...)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	char msg[512];
	size_t plen;
	va_list ap;
	socklen_t sl;
	int fd, n, rc;

	if (path == NULL || *path == '\0')
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	/*
	 * A long STATUS= (a reload error quoting gua.ini) is cut rather than
	 * dropped: READY=1 before it must still arrive. The cut falls before
	 * a UTF-8 continuation byte, never inside a character.
	 */
	if ((size_t)n >= sizeof(msg)) {
		n = (int)sizeof(msg) - 1;
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sun,
		 sl) == n
	    ? 0
	    : -1;
	close(fd);
	return rc;
}
