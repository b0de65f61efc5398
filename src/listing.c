/* listing.c: a directory's entries as an HTML table or as JSON. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "fsopen.h"
#include "hex.h"
#include "html.h"
#include "listing.h"
#include "log.h"
#include "page.h"
#include "router.h"
#include "static.h"
#include "uri.h"

/* One entry shown. */
struct entry {
	const char *name;
	off_t size;
	time_t mtime;
	int isdir;
};

static const char *const sort_names[LISTING_SORT_COUNT] = {
	[LISTING_SORT_NAME] = "name",
	[LISTING_SORT_SIZE] = "size",
	[LISTING_SORT_TIME] = "time",
};

static const char *const sort_titles[LISTING_SORT_COUNT] = {
	[LISTING_SORT_NAME] = "Name",
	[LISTING_SORT_SIZE] = "Size",
	[LISTING_SORT_TIME] = "Modified",
};

static int
keep_entry(const struct dirent *d)
{
	return !(d->d_name[0] == '.' &&
	    (d->d_name[1] == '\0' ||
		(d->d_name[1] == '.' && d->d_name[2] == '\0')));
}

/*
 * Reads ?sort=name|size|time&order=asc|desc from a query; anything else
 * leaves the default, by name, ascending.
 */
void
listing_order(const struct http_slice *query, enum listing_sort *sort,
    int *desc)
{
	const char *v;
	size_t vlen;
	int i;

	*sort = LISTING_SORT_NAME;
	*desc = 0;
	if (query->p == NULL)
		return;
	if (uri_form_get(query->p, query->len, "sort", &v, &vlen))
		for (i = 0; i < LISTING_SORT_COUNT; i++)
			if (strlen(sort_names[i]) == vlen &&
			    memcmp(sort_names[i], v, vlen) == 0)
				*sort = (enum listing_sort)i;
	if (uri_form_get(query->p, query->len, "order", &v, &vlen))
		*desc = vlen == 4 && memcmp(v, "desc", 4) == 0;
}

struct order {
	enum listing_sort sort;
	int desc;
};

/* Folders first; then the chosen key, ties broken by name. */
static int
compare(const void *pa, const void *pb, void *arg)
{
	const struct entry *a = pa, *b = pb;
	const struct order *o = arg;
	int c = 0;

	if (a->isdir != b->isdir)
		return a->isdir ? -1 : 1;
	if (o->sort == LISTING_SORT_SIZE && !a->isdir)
		c = (a->size > b->size) - (a->size < b->size);
	else if (o->sort == LISTING_SORT_TIME)
		c = (a->mtime > b->mtime) - (a->mtime < b->mtime);
	if (c == 0)
		c = strcmp(a->name, b->name);
	return o->desc ? -c : c;
}

/*
 * Is the entry d of the directory dfd (rel below the route's directory)
 * one to list, and what is it? A symlink is followed the way a request
 * for it would be: opened below the route's directory, so one that
 * leaves it, or that leads to a dotfile while they are off, is hidden.
 * Only folders and regular files are listed: the rest would be refused.
 */
static int
stat_entry(const struct conf *c, const struct route *rt, int dfd,
    const char *rel, const struct dirent *d, struct entry *e)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, n, ok;

	if (d->d_name[0] == '.' && !c->dotfiles)
		return 0;
	if (d->d_type != DT_UNKNOWN && d->d_type != DT_LNK) {
		if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return 0;
	} else {
		n = snprintf(path, sizeof(path), "%s/%s", rel, d->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			return 0;
		if ((fd = fsopen_beneath(rt->fd, path, O_PATH)) == -1)
			return 0;
		ok = fstat(fd, &st) == 0 &&
		    (c->dotfiles || !static_dot_resolved(rt, fd));
		close(fd);
		if (!ok)
			return 0;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0;
	e->name = d->d_name;
	e->isdir = S_ISDIR(st.st_mode);
	e->size = st.st_size;
	e->mtime = st.st_mtim.tv_sec;
	return 1;
}

/*
 * Length of the UTF-8 sequence at s (len bytes left): 1 to 4, or 0 if
 * it is not a valid one (overlong, a surrogate, past U+10FFFF, cut).
 */
static size_t
utf8_len(const unsigned char *s, size_t len)
{
	unsigned cp, min;
	size_t n, k;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A name as text: HTML-escaped, every byte that is not valid UTF-8 and
 * every control character shown as U+FFFD, so the page stays valid
 * whatever bytes the file system holds.
 */
static void
add_name_html(struct buf *b, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), i = 0, n;

	while (i < len) {
		n = utf8_len(p + i, len - i);
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			BUF_ADDLIT(b, "\xef\xbf\xbd");
			i++;
		} else {
			html_escape(b, name + i, n);
			i += n;
		}
	}
}

/*
 * A name as a JSON string's content (RFC 8259): quotes, backslashes
 * and control characters escaped, a byte that is not valid UTF-8
 * replaced by \ufffd (JSON text must be Unicode; "url" keeps the bytes).
 */
static void
add_name_json(struct buf *b, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), i = 0, n;

	while (i < len) {
		n = utf8_len(p + i, len - i);
		if (n == 0) {
			BUF_ADDLIT(b, "\\ufffd");
			i++;
		} else if (p[i] == '"' || p[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)p[i++]);
		} else if (p[i] < 0x20) {
			BUF_ADDLIT(b, "\\u00");
			buf_addc(b, hex_lower[p[i] >> 4]);
			buf_addc(b, hex_lower[p[i] & 15]);
			i++;
		} else {
			buf_add(b, name + i, n);
			i += n;
		}
	}
}

/*
 * A name as a relative URL: every byte but the unreserved ones
 * percent-encoded, so ':' cannot start a scheme nor '?' a query.
 */
static void
add_href(struct buf *b, const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			buf_addc(b, (char)*p);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex_upper[*p >> 4]);
			buf_addc(b, hex_upper[*p & 15]);
		}
	}
}

/*
 * A size for people, "1023 B", "4.5 KiB", "12 MiB", into out.
 * Exported for the unit test.
 */
void
listing_size(char out[16], off_t size)
{
	static const char units[] = "KMGTPE";
	double v = (double)size / 1024;
	int u = 0;

	if (size < 1024) {
		snprintf(out, 16, "%d B", (int)size);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	/* "10.0" would be three digits: past ten, whole units */
	if (v < 9.95)
		snprintf(out, 16, "%.1f %ciB", v, units[u]);
	else
		snprintf(out, 16, "%.0f %ciB", v, units[u]);
}

/* An ISO 8601 UTC time, "2026-12-03T10:12:20Z", into out. */
static void
iso_time(char out[32], time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* A column heading that sorts by its column, or turns the order over. */
static void
add_heading(struct buf *b, enum listing_sort col, enum listing_sort sort,
    int desc)
{
	int now = col == sort;

	BUF_ADDLIT(b, "<th");
	if (col != LISTING_SORT_NAME)
		buf_adds(b,
		    col == LISTING_SORT_SIZE ? " class=\"size\""
					     : " class=\"time\"");
	if (now)
		buf_adds(b,
		    desc ? " aria-sort=\"descending\""
			 : " aria-sort=\"ascending\"");
	BUF_ADDLIT(b, "><a href=\"?sort=");
	buf_adds(b, sort_names[col]);
	buf_adds(b, now && !desc ? "&amp;order=desc\">" : "&amp;order=asc\">");
	buf_adds(b, sort_titles[col]);
	if (now)
		buf_adds(b, desc ? " \xe2\x96\xbc" : " \xe2\x96\xb2");
	BUF_ADDLIT(b, "</a></th>");
}

static void
add_html(struct buf *b, const struct conf *c, const char *path,
    const struct entry *e, size_t n, enum listing_sort sort, int desc)
{
	char title[PATH_MAX + 16], size[16], when[32];
	size_t i;
	int tlen;

	tlen = snprintf(title, sizeof(title), "Index of %s", path);
	if (tlen < 0 || (size_t)tlen >= sizeof(title))
		tlen = (int)sizeof(title) - 1;
	page_head(b, c->style, title, (size_t)tlen);
	BUF_ADDLIT(b, "<h1>Index of ");
	add_name_html(b, path);
	BUF_ADDLIT(b, "</h1>\n");
	if (strcmp(path, "/") != 0)
		BUF_ADDLIT(b,
		    "<p><a href=\"../\" rel=\"up\">"
		    "\xe2\x86\x91 Parent folder</a></p>\n");
	BUF_ADDLIT(b, "<table class=\"listing\">\n<thead><tr>");
	add_heading(b, LISTING_SORT_NAME, sort, desc);
	add_heading(b, LISTING_SORT_SIZE, sort, desc);
	add_heading(b, LISTING_SORT_TIME, sort, desc);
	BUF_ADDLIT(b, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		iso_time(when, e[i].mtime);
		buf_adds(b,
		    e[i].isdir ? "<tr class=\"dir\"><td><a href=\""
			       : "<tr><td><a href=\"");
		add_href(b, e[i].name);
		buf_adds(b, e[i].isdir ? "/\">" : "\">");
		add_name_html(b, e[i].name);
		buf_adds(b,
		    e[i].isdir ? "/</a></td><td class=\"size\">-</td>"
			       : "</a></td><td class=\"size\" title=\"");
		if (!e[i].isdir) {
			listing_size(size, e[i].size);
			buf_addu(b, (uint64_t)e[i].size);
			buf_adds(b, e[i].size == 1 ? " byte\">" : " bytes\">");
			buf_adds(b, size);
			BUF_ADDLIT(b, "</td>");
		}
		BUF_ADDLIT(b, "<td class=\"time\"><time datetime=\"");
		buf_adds(b, when);
		BUF_ADDLIT(b, "\">");
		buf_adds(b, when);
		BUF_ADDLIT(b, "</time></td></tr>\n");
	}
	BUF_ADDLIT(b, "</tbody>\n</table>\n</body>\n</html>\n");
}

static void
add_json(struct buf *b, const struct entry *e, size_t n)
{
	char when[32];
	size_t i;

	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		iso_time(when, e[i].mtime);
		BUF_ADDLIT(b, "\n{\"name\":\"");
		add_name_json(b, e[i].name);
		BUF_ADDLIT(b, "\",\"url\":\"./");
		add_href(b, e[i].name);
		buf_adds(b, e[i].isdir ? "/\",\"size\":" : "\",\"size\":");
		buf_addu(b, (uint64_t)e[i].size);
		BUF_ADDLIT(b, ",\"mtime\":\"");
		buf_adds(b, when);
		buf_adds(b,
		    e[i].isdir ? "\",\"is_dir\":true}"
			       : "\",\"is_dir\":false}");
		if (i + 1 < n)
			buf_addc(b, ',');
	}
	BUF_ADDLIT(b, "\n]\n");
}

/*
 * Does Accept ask for JSON rather than HTML? A browser's asks for
 * text/html first; a client that names application/json and not
 * text/html gets JSON.
 */
static int
wants_json(const struct http_slice *accept)
{
	return accept->p != NULL &&
	    static_accepts(accept, "application/json") &&
	    !static_accepts(accept, "text/html");
}

/*
 * Lists the directory dfd (rel below the route rt's directory, path in
 * the URL) into page, as a table in the site's style or, if the client
 * asks for it, as JSON; sorted as the query says, folders first. r's
 * body borrows page. Returns 0 or an error status.
 */
int
listing_serve(struct buf *page, const struct conf *c, const struct route *rt,
    int dfd, const char *rel, const char *path, const struct http_request *req,
    struct response *r)
{
	struct dirent **names;
	struct entry *e = NULL;
	struct order o;
	size_t k = 0;
	int i, n, json;

	n = scandirat(dfd, ".", &names, keep_entry, NULL);
	if (n == -1)
		return static_errno_status(path);
	if (n > 0 && (e = calloc((size_t)n, sizeof(*e))) == NULL) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return HTTP_STATUS_SERVICE_UNAVAILABLE;
	}
	for (i = 0; i < n; i++)
		if (stat_entry(c, rt, dfd, rel, names[i], &e[k]))
			k++;
	listing_order(&req->query, &o.sort, &o.desc);
	if (k > 1)
		qsort_r(e, k, sizeof(*e), compare, &o);
	json = wants_json(&req->accept);
	page->len = 0;
	page->failed = 0;
	if (json)
		add_json(page, e, k);
	else
		add_html(page, c, path, e, k, o.sort, o.desc);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(e);
	if (page->failed) {
		log_warnx("listing %s: larger than %zu bytes", path, page->max);
		return HTTP_STATUS_INTERNAL_SERVER_ERROR;
	}
	r->content_type =
	    json ? "application/json" : "text/html; charset=utf-8";
	r->vary_accept = 1;
	resp_body(r, page->data, page->len);
	return 0;
}
