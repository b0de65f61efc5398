/* version.c: what guad -V prints: version, libraries, configure options. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>

#include <magic.h>
#include <sqlite3.h>

#include "version.h"

/*
 * Prints, like nginx -V, the version, the compiler, each library with
 * the version it was built with and (where it says) the one running,
 * and the arguments given to configure.
 */
void
version_print(FILE *f)
{
	const char *args = GUAD_CONFIGURE_ARGS;
	int mv = magic_version();

	fprintf(f, "guad %s\n", PACKAGE_VERSION);
	fprintf(f, "built with %s\n", GUAD_CC_VERSION);
	fprintf(f, "inih %s\n", GUAD_INIH_VERSION);
	fprintf(f, "libmagic %s (running %d.%02d)\n", GUAD_MAGIC_VERSION,
	    mv / 100, mv % 100);
	fprintf(f, "sqlite3 %s (running %s)\n", GUAD_SQLITE_VERSION,
	    sqlite3_libversion());
	while (*args == ' ')
		args++;
	fprintf(f, "configure arguments: %s\n", args);
}
