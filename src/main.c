/* main.c: guad's command line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "master.h"
#include "proctitle.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: guad [-c file] [-t] [-h] [-V]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -t       check the configuration and exit\n"
	    "  -h       show this help\n"
	    "  -V       show the version\n", GUAD_CONF);
}

int
main(int argc, char **argv)
{
	struct conf	*conf;
	const char	*path = GUAD_CONF;
	char		 err[CONF_ERR_MAX];
	int		 ch, test = 0;

	while ((ch = getopt(argc, argv, "c:thV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("guad %s\n", PACKAGE_VERSION);
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
	if ((conf = conf_load(path, err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (test) {
		fprintf(stderr, "guad: %s: configuration ok\n", path);
		conf_free(conf);
		return 0;
	}
	if (log_open(conf->error_log, conf->access_log) == -1) {
		fprintf(stderr, "guad: opening logs: %m\n");
		return 1;
	}
	proctitle_init(argc, argv);
	return master_run(conf);
}
