/* version.h: what guad -V prints: version, libraries, configure options. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_VERSION_H
#define GUAD_VERSION_H

#include <stdio.h>

void version_print(FILE *);

#endif
