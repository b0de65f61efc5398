/*
 * replay.c: runs a libFuzzer harness without libFuzzer, on every file
 * below the directories (or on the files) named, in name order. Hidden
 * files and README* are skipped. For "make check" and for reproducing.
 *
 * An input that breaks the harness aborts the run, so make check fails.
 *
 *	replay [-v] DIR|FILE...
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static const char *prog = "replay";
static int verbose;
static unsigned long nran;

static int
skipped(const char *name)
{
	return name[0] == '.' || strncmp(name, "README", 6) == 0;
}

static int
read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f;
	uint8_t *p = NULL, *np;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				fclose(f);
				return -1;
			}
			p = np;
		}
		n = fread(p + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(p);
		fclose(f);
		return -1;
	}
	fclose(f);
	*data = p;
	*size = len;
	return 0;
}

/* Runs one input; a broken harness aborts. Returns 0, or -1 if unread. */
static int
run(const char *path, const char *name)
{
	uint8_t *data, *copy;
	size_t size;

	if (read_file(path, &data, &size) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (verbose)
		printf("run %s\n", path);
	fflush(stdout);
	/* the harness copies it again, to a buffer of exactly size */
	copy = (uint8_t *)fuzz_dup(data, size);
	free(data);
	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
	nran++;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk(const char *path, const char *name)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL, **nn, *sub;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run(path, name);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (skipped(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				abort();
			names = nn;
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (asprintf(&sub, "%s/%s", path, names[i]) == -1)
			abort();
		if (walk(sub, names[i]) == -1)
			rc = -1;
		free(sub);
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *base;
	int i, rc = 0;

	if (argc > 0 && (base = strrchr(argv[0], '/')) != NULL)
		prog = base + 1;
	else if (argc > 0)
		prog = argv[0];
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s [-v] DIR|FILE...\n", prog);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		base = strrchr(argv[i], '/');
		if (walk(argv[i], base != NULL ? base + 1 : argv[i]) == -1)
			rc = 1;
	}
	printf("%s: %lu inputs ran\n", prog, nran);
	return rc;
}
