/* msg.h: the message board page: GET and POST ways in, a store behind. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_MSG_H
#define GUAD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "resp.h"
#include "store.h"

/* A busy store is tried again this often, up to [msg] busy_timeout. */
#define MSG_RETRY_MS 5
/* A list item's markup around its time and text, at most. */
#define MSG_ITEM_MARKUP 160

struct conf;
struct route;
struct handler;

extern const struct handler handler_msg;

struct msg {
	const struct conf *conf;
	struct store store;
	int open;
	time_t retry_at; /* reopen no sooner */
	struct buf list; /* rendered <li> items */
	int list_ok;
	size_t nlisted;	     /* items on the list */
	int64_t newest_id;   /* of the first item; 0: none */
	int64_t newest_time; /* its time */
	char *text;	     /* decoded message */
};

int msg_init(struct msg *, const struct conf *);
void msg_free(struct msg *);
int msg_decode(const char *raw, size_t len, size_t max, char *out,
    size_t *outlen, const char **why);
size_t msg_list_max(size_t page_size, size_t max_length);
void msg_render_item(struct buf *, int64_t created, const char *, size_t);

#endif
