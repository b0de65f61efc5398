/* store.h: the message board's SQLite database, one connection per worker. */
#ifndef GUAD_STORE_H
#define GUAD_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION	1

struct store {
	void		*db;		/* sqlite3 */
	void		*ins;		/* prepared statements */
	void		*list;
	void		*ver;
	int64_t		 data_version;
	int		 dirty;		/* this connection wrote */
	int64_t		 busy_start;	/* ms, for the busy handler */
};

typedef int store_row_cb(void *arg, int64_t id, int64_t created,
    const char *text, size_t len);

int	store_prepare(const char *path);
int	store_open(struct store *, const char *path);
void	store_close(struct store *);
int	store_add(struct store *, const char *text, size_t len, int64_t now);
int	store_changed(struct store *);
int	store_list(struct store *, size_t limit, store_row_cb *, void *arg);

#endif
