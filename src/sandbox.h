/* sandbox.h: a worker's confinement: no_new_privs and Landlock. */
#ifndef GUAD_SANDBOX_H
#define GUAD_SANDBOX_H

#include <stddef.h>

struct conf;

int sandbox_abi(char *why, size_t len);
int sandbox_apply(const struct conf *);

#endif
