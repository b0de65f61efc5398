/* inifmt.h: writing gua.ini text that inih reads back as it was. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_INIFMT_H
#define GUAD_INIFMT_H

#include <stddef.h>
#include <stdio.h>

/* A writer: lines go to f; the first refusal is kept in err. */
struct inifmt {
	FILE *f;
	char *err;
	size_t errlen;
	int failed;
	int sections; /* written so far */
};

void inifmt_section(struct inifmt *, const char *section);
void inifmt_line(struct inifmt *, const char *section, const char *key,
    const char *value);

#endif
