/* user.c: [server] user and group, names to ids while /etc can be read. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "user.h"

/*
 * Looks up user (NULL: keep, and uid and gid are left alone) and group
 * (NULL: the user's own). Returns 0, or -1 with *bad naming the key at
 * fault ("user" or "group") and a message in err ("[server] ...").
 */
int
user_resolve(const char *user, const char *group, uid_t *uid, gid_t *gid,
    const char **bad, char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	if (group != NULL && user == NULL) {
		*bad = "group";
		snprintf(err, errlen, "[server] group: needs user");
		return -1;
	}
	if (user == NULL)
		return 0;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		*bad = "user";
		if (errno == 0 || errno == ENOENT)
			snprintf(err, errlen,
			    "[server] user: no such user \"%s\"", user);
		else
			snprintf(err, errlen, "[server] user: \"%s\": %s", user,
			    strerror(errno));
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group == NULL)
		return 0;
	errno = 0;
	if ((gr = getgrnam(group)) == NULL) {
		*bad = "group";
		if (errno == 0 || errno == ENOENT)
			snprintf(err, errlen,
			    "[server] group: no such group \"%s\"", group);
		else
			snprintf(err, errlen, "[server] group: \"%s\": %s",
			    group, strerror(errno));
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}
