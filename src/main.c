/* main.c: guad's command line. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fdlimit.h"
#include "fsopen.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "pidfile.h"
#include "priv.h"
#include "proctitle.h"
#include "store.h"
#include "version.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: guad [-c file] [-t | -T] [-s signal] [-h] [-V]\n"
	    "  -c file    configuration file (default %s)\n"
	    "  -t         check the configuration and exit\n"
	    "  -T         check it, print the effective configuration and exit\n"
	    "  -s signal  send reload, quit, stop or reopen to the running master\n"
	    "  -h         show this help\n"
	    "  -V         show the version, libraries and configure options\n",
	    GUAD_CONF);
}

static const struct {
	const char *name;
	int sig;
} commands[] = {
	{ "reload", SIGHUP },
	{ "quit", SIGQUIT },
	{ "stop", SIGTERM },
	{ "reopen", SIGUSR1 },
};

/*
 * -s: signals the master named by gua.ini's pid_file, like nginx -s. Only
 * that key is read, so even a broken gua.ini can be sent a reload (the
 * master then keeps its old configuration and says why).
 */
static int
send_command(const char *path, const char *cmd)
{
	char *pid_file;
	size_t i;
	pid_t pid;
	int sig = 0, rc = 1;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			sig = commands[i].sig;
	if (sig == 0) {
		fprintf(stderr,
		    "guad: -s %s: expected reload, quit, stop or reopen\n",
		    cmd);
		return 2;
	}
	if ((pid_file = pidfile_find(path)) == NULL) {
		if (errno == ENOENT && access(path, R_OK) == 0)
			fprintf(stderr, "guad: %s: no pid_file in [server]\n",
			    path);
		else
			fprintf(stderr, "guad: %s: %s\n", path,
			    strerror(errno));
		return 1;
	}
	pid = pidfile_read(pid_file);
	if (pid <= 0)
		fprintf(stderr, "guad: %s: %s\n", pid_file,
		    pid == 0 ? "holds no pid" : strerror(errno));
	else if (kill(pid, sig) == -1)
		fprintf(stderr, "guad: pid %ld (from %s): %s\n", (long)pid,
		    pid_file, strerror(errno));
	else
		rc = 0;
	free(pid_file);
	return rc;
}

/*
 * For -t: whether the message store's server answers, if it has one and
 * a route uses it. Its absence is no configuration error: the board
 * answers 503 until it is back. A newer guad's database is one: guad
 * would not start. Returns 0, or -1 for that.
 */
static int
probe_store(const struct conf *c)
{
	char msg[512];
	size_t i;
	int rc;

	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].handler == &handler_msg) {
			rc = store_probe(c, msg, sizeof(msg));
			if (rc == 0) {
				if (msg[0] != '\0')
					fprintf(stderr, "guad: [msg] db: %s\n",
					    msg);
			} else if (rc == STORE_NEWER) {
				fprintf(stderr,
				    "guad: [msg] db: %s: guad would not start with it\n",
				    msg);
				return -1;
			} else
				fprintf(stderr,
				    "guad: [msg] db: %s (the message board "
				    "answers 503 until it is reachable)\n",
				    msg);
			return 0;
		}
	return 0;
}

int
main(int argc, char **argv)
{
	struct conf *conf;
	const char *path = GUAD_CONF, *cmd = NULL;
	char err[CONF_ERR_MAX];
	int ch, test = 0, rc;

	while ((ch = getopt(argc, argv, "c:s:tThV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 's':
			cmd = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'T':
			test = 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version_print(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cmd != NULL)
		return send_command(path, cmd);
	if ((conf = conf_load(path, err)) == NULL) {
		/* An unreadable file, often none at all: say who and what next. */
		if (path != NULL && access(path, R_OK) == -1)
			fprintf(stderr,
			    "guad: %s; try 'guad -c file' or 'guad -h'\n", err);
		else
			fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (test == 2 && conf_dump(conf, stdout, err) == -1) {
		fprintf(stderr, "guad: %s: -T: %s\n", path, err);
		conf_free(conf);
		return 1;
	}
	if (test) {
		fprintf(stderr, "guad: %s: configuration ok\n", path);
		if (test == 1 && fdlimit_raise(conf, err, sizeof(err)) != 0)
			fprintf(stderr, "guad: %s\n", err);
		rc = test == 1 && probe_store(conf) == -1;
		conf_free(conf);
		return rc;
	}
	if (priv_check(conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "guad: %s\n", err);
		conf_free(conf);
		return 1;
	}
	if (log_open(conf->error_log, conf->access_log) == -1) {
		fprintf(stderr, "guad: opening logs: %m\n");
		return 1;
	}
	/* the master's start-up log: what the system grants */
	fdlimit_apply(conf);
	log_info("files opened with %s", fsopen_mode());
	proctitle_init(argc, argv);
	return master_run(conf);
}
