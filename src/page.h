/* page.h: the look of the pages guad writes itself, and error pages. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PAGE_H
#define GUAD_PAGE_H

#include <sys/types.h>

#include <stddef.h>

#include "buf.h"
#include "resp.h"

struct conf;

/* A custom error page ([errors]) larger than this is not sent. */
#define PAGE_ERROR_FILE_MAX ((off_t)64 * 1024)

extern const char page_style[];

void page_head(struct buf *, const char *style, const char *title, size_t tlen);
void page_error_builtin(struct response *, const char *style);
void page_error_finish(const struct conf *, struct response *);
const char *page_find_style(const struct conf *);
int page_conf_add(struct conf *, const char *status, const char *file, int line,
    char *err, size_t errlen);
int page_conf_check(const struct conf *, char *err, size_t errlen);
void page_conf_free(struct conf *);
const char *page_advice(int status);

#endif
