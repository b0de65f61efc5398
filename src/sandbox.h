/* sandbox.h: a worker's confinement: no_new_privs and Landlock. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_SANDBOX_H
#define GUAD_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct sandbox_rules;

int sandbox_abi(char *why, size_t len);
int sandbox_allow_fd(struct sandbox_rules *, int dirfd, int write,
    const char *name);
int sandbox_allow_dir(struct sandbox_rules *, const char *dir, int write,
    const char *why);
int sandbox_allow_file(struct sandbox_rules *, const char *path);
int sandbox_allow_port(struct sandbox_rules *, uint16_t port);
int sandbox_apply(const struct conf *);
void sandbox_announce(void);
void sandbox_debug_connect(void);

#endif
