/* check_mime.c: Content-Type by extension first, libmagic, never active. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "mime.h"
#include "check_main.h"

struct ext_case {
	const char *name;
	const char *type; /* NULL: no type from the name */
};

static const struct ext_case exts[] = {
	{ "/style.css", "text/css" },
	{ "/static/app.js", "text/javascript" },
	{ "/m.mjs", "text/javascript" },
	{ "/data.json", "application/json" },
	{ "/logo.svg", "image/svg+xml" },
	{ "/a.wasm", "application/wasm" },
	{ "/app.js.map", "application/json" },
	{ "/site.webmanifest", "application/manifest+json" },
	{ "/index.html", "text/html" },
	{ "/STYLE.CSS", "text/css" },
	{ "/App.Js", "text/javascript" },
	{ "/Index.HTML", "text/html" },
	{ "relative/x.json", "application/json" },
	{ "x.svg", "image/svg+xml" },
	{ "/notes.txt", "text/plain" },
	{ "/README", NULL },
	{ "/a/README", NULL },
	{ "/a.b/c", NULL },
	{ "/a.css/c", NULL },
	{ "/file.", NULL },
	{ "/doge.gif", NULL },
	{ "/x.cssx", NULL },
	{ "/x.xcss", NULL },
	{ "/css", NULL },
	{ "", NULL },
};

#define NEXTS (int)(sizeof(exts) / sizeof(exts[0]))

START_TEST(test_by_ext)
{
	const struct ext_case *c = &exts[_i];
	const char *t;

	t = mime_by_ext(NULL, NULL, c->name);
	if (c->type == NULL)
		ck_assert_msg(t == NULL, "\"%s\": got \"%s\", expected none",
		    c->name, t);
	else
		ck_assert_msg(t != NULL && strcmp(t, c->type) == 0,
		    "\"%s\": got \"%s\", expected \"%s\"", c->name,
		    t ? t : "(none)", c->type);
}
END_TEST

static struct conf *
mime_conf(void)
{
	static const char text[] =
	    "[mime]\ncss = text/x-custom\n"
	    ".MD = text/markdown\ngif = image/x-mine\n"
	    "csv = text/csv; charset=iso-8859-1\n"
	    "tsv = TEXT/tab-separated-values;Charset =x\n"
	    "ics = Text/Calendar; method=PUBLISH\n"
	    "xml = application/xml\n";
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = conf_parse(text, sizeof(text) - 1, "t.ini", "/tmp", 0, err);
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

START_TEST(test_conf_mime_overrides_builtin)
{
	struct conf *c = mime_conf();

	ck_assert_str_eq(mime_by_ext(NULL, c, "/a.css"),
	    "text/x-custom; charset=utf-8");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/A.CSS"),
	    "text/x-custom; charset=utf-8");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/README.md"),
	    "text/markdown; charset=utf-8");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/README.Md"),
	    "text/markdown; charset=utf-8");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/doge.gif"), "image/x-mine");
	/* a text type keeps the charset it names, and gets one if not */
	ck_assert_str_eq(mime_by_ext(NULL, c, "/a.csv"),
	    "text/csv; charset=iso-8859-1");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/a.tsv"),
	    "TEXT/tab-separated-values;Charset =x");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/a.ics"),
	    "Text/Calendar; method=PUBLISH; charset=utf-8");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/a.xml"), "application/xml");
	/* what [mime] does not name still comes from the built-in table */
	ck_assert_str_eq(mime_by_ext(NULL, c, "/a.js"), "text/javascript");
	ck_assert_str_eq(mime_by_ext(NULL, c, "/a.txt"), "text/plain");
	ck_assert_ptr_null(mime_by_ext(NULL, c, "/a.zzz"));
	ck_assert_ptr_null(mime_by_ext(NULL, c, "/md"));
	ck_assert_ptr_null(mime_by_ext(NULL, c, "/x.md/y"));
	conf_free(c);
}
END_TEST

struct refine_case {
	const char *magic;
	const char *type;
};

static const struct refine_case refines[] = {
	{ "text/plain; charset=us-ascii", "text/plain; charset=utf-8" },
	/* a sniffed active type is never sent: text, or bytes */
	{ "text/html; charset=us-ascii", "text/plain; charset=utf-8" },
	{ "text/html; charset=iso-8859-1", "text/plain; charset=iso-8859-1" },
	{ "application/xhtml+xml; charset=utf-8", "text/plain; charset=utf-8" },
	{ "image/svg+xml; charset=us-ascii", "text/plain; charset=utf-8" },
	{ "text/xml; charset=us-ascii", "text/plain; charset=utf-8" },
	{ "application/xml; charset=utf-8", "text/plain; charset=utf-8" },
	{ "application/javascript; charset=us-ascii",
	    "text/plain; charset=utf-8" },
	{ "text/x-Java-Script; charset=us-ascii", "text/plain; charset=utf-8" },
	{ "application/ecmascript; charset=utf-8",
	    "text/plain; charset=utf-8" },
	{ "image/svg+xml; charset=binary", "application/octet-stream" },
	{ "text/html; charset=unknown-8bit", "application/octet-stream" },
	{ "application/xml", "application/octet-stream" },
	{ "text/plain; charset=utf-8", "text/plain; charset=utf-8" },
	{ "text/x-c; charset=iso-8859-1", "text/x-c; charset=iso-8859-1" },
	{ "image/gif; charset=binary", "image/gif" },
	{ "image/png; charset=binary", "image/png" },
	{ "application/pdf; charset=binary", "application/pdf" },
	{ "application/pdf; charset=iso-8859-1", "application/pdf" },
	{ "application/octet-stream; charset=binary",
	    "application/octet-stream" },
	{ "application/x-empty; charset=binary", "application/octet-stream" },
	{ "inode/x-empty; charset=binary", "application/octet-stream" },
	{ "image/png", "image/png" },
	{ "", "application/octet-stream" },
};

#define NREFINES (int)(sizeof(refines) / sizeof(refines[0]))

START_TEST(test_refine)
{
	const struct refine_case *c = &refines[_i];
	char out[MIME_TYPE_MAX];

	memset(out, 'x', sizeof(out));
	mime_refine(c->magic, out);
	ck_assert_msg(memchr(out, '\0', sizeof(out)) != NULL,
	    "\"%s\": not terminated", c->magic);
	ck_assert_msg(strcmp(out, c->type) == 0,
	    "\"%s\": got \"%s\", expected \"%s\"", c->magic, out, c->type);
}
END_TEST

/* A type too long for the buffer still comes out terminated. */
START_TEST(test_refine_long_input)
{
	char in[300], out[MIME_TYPE_MAX];

	memset(in, 'a', sizeof(in));
	memcpy(in, "text/", 5);
	strcpy(in + 200, "; charset=us-ascii");
	mime_refine(in, out);
	ck_assert_ptr_nonnull(memchr(out, '\0', sizeof(out)));
}
END_TEST

/* Files in a temporary folder, sniffed by a real libmagic. */
static char tmp[64];

static void
tree_setup(void)
{
	strcpy(tmp, "/tmp/check_mime.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
tree_teardown(void)
{
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
put(const char *name, const void *p, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

static void
put_random(const char *name, size_t len)
{
	unsigned char *b = malloc(len);
	uint32_t x = 12345;
	size_t i;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < len; i++) {
		x = (x * 1103515245u + 12345u) & 0x7fffffffu;
		b[i] = (unsigned char)(x >> 16);
	}
	put(name, b, len);
	free(b);
}

static const unsigned char gif[] =
    "GIF89a\x01\x00\x01\x00\x80\x00\x00"
    "\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
    "\x01\x00\x01\x00\x00\x02\x02"
    "D\x01\x00;";
static const unsigned char png[] =
    "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    "\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";
static const char pdf[] =
    "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
static const char text[] = "hello world\nplain text\n";

/* The type of tmp/name as mime_type says, copied out. */
static void
type_of(struct mime *m, const struct conf *c, const char *name,
    char out[MIME_TYPE_MAX])
{
	char path[PATH_MAX];
	struct stat st;
	const char *t;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	t = mime_type(m, c, fd, &st, path);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_lt(strlen(t), MIME_TYPE_MAX);
	strcpy(out, t);
	close(fd);
}

static void
init(struct mime *m)
{
	ck_assert_int_eq(mime_init(m), 0);
	ck_assert_ptr_nonnull(m->magic);
	ck_assert_uint_eq(m->sniffs, 0);
}

START_TEST(test_sniff_by_content)
{
	static const struct {
		const char *name;
		const char *type;
	} want[] = {
		{ "gif", "image/gif" },
		{ "png", "image/png" },
		{ "pdf", "application/pdf" },
		{ "text", "text/plain; charset=utf-8" },
		{ "utf8", "text/plain; charset=utf-8" },
		{ "random", "application/octet-stream" },
		{ "empty", "application/octet-stream" },
	};
	struct mime m;
	char t[MIME_TYPE_MAX];
	size_t i;

	put("gif", gif, sizeof(gif) - 1);
	put("png", png, sizeof(png) - 1);
	put("pdf", pdf, sizeof(pdf) - 1);
	put("text", text, sizeof(text) - 1);
	put("utf8", "caf\xc3\xa9 cr\xc3\xa8me\n", 13);
	put_random("random", 512);
	put("empty", "", 0);
	init(&m);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		type_of(&m, NULL, want[i].name, t);
		ck_assert_msg(strcmp(t, want[i].type) == 0,
		    "%s: got \"%s\", expected \"%s\"", want[i].name, t,
		    want[i].type);
	}
	ck_assert_uint_eq(m.sniffs, sizeof(want) / sizeof(want[0]));
	mime_free(&m);
}
END_TEST

/* The extension decides before any sniffing, [mime] before the tables. */
START_TEST(test_extension_decides)
{
	struct mime m;
	struct conf *c = mime_conf();
	char t[MIME_TYPE_MAX];

	put("looks-like.css", gif, sizeof(gif) - 1);
	put("notes.md", text, sizeof(text) - 1);
	put("real.gif", png, sizeof(png) - 1);
	init(&m);
	type_of(&m, c, "looks-like.css", t);
	ck_assert_str_eq(t, "text/x-custom; charset=utf-8");
	type_of(&m, c, "notes.md", t);
	ck_assert_str_eq(t, "text/markdown; charset=utf-8");
	type_of(&m, c, "real.gif", t);
	ck_assert_str_eq(t, "image/x-mine");
	ck_assert_uint_eq(m.sniffs, 0);
	/* mime.types knows .gif: the name wins over the content */
	type_of(&m, NULL, "real.gif", t);
	ck_assert_str_eq(t, "image/gif");
	ck_assert_uint_eq(m.sniffs, 0);
	/* a text type gets its charset from the content: none for bytes */
	type_of(&m, NULL, "looks-like.css", t);
	ck_assert_str_eq(t, "text/css");
	ck_assert_uint_eq(m.sniffs, 1);
	mime_free(&m);
	conf_free(c);
}
END_TEST

/* Without a system table, the built-in one, then the content. */
START_TEST(test_builtin_table_then_content)
{
	struct mime m;
	char t[MIME_TYPE_MAX];
	size_t nsys;

	put("real.gif", png, sizeof(png) - 1);
	put("app.js", "let a = 1;\n", 11);
	init(&m);
	ck_assert_int_eq(mime_load_types(&m, "/nonexistent/mime.types"), -1);
	nsys = m.nsys;
	m.nsys = 0; /* as on a system without the file */
	type_of(&m, NULL, "real.gif", t);
	ck_assert_str_eq(t, "image/png");
	type_of(&m, NULL, "app.js", t);
	ck_assert_str_eq(t, "text/javascript; charset=utf-8");
	m.nsys = nsys;
	mime_free(&m);
}
END_TEST

/* A text type from a table names the charset libmagic finds. */
START_TEST(test_charset_from_content)
{
	static const struct {
		const char *name, *data, *type;
	} want[] = {
		{ "ascii.txt", "plain words\n", "text/plain; charset=utf-8" },
		{ "utf8.txt", "caf\xc3\xa9 cr\xc3\xa8me\n",
		    "text/plain; charset=utf-8" },
		{ "latin1.txt", "caf\xe9 na\xefve r\xe9sum\xe9 d\xe9j\xe0 vu\n",
		    "text/plain; charset=iso-8859-1" },
		{ "page.html", "<!DOCTYPE html>\n<p>hi</p>\n",
		    "text/html; charset=utf-8" },
		{ "style.css", "body { color: red; }\n",
		    "text/css; charset=utf-8" },
	};
	struct mime m;
	char t[MIME_TYPE_MAX];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		put(want[i].name, want[i].data, strlen(want[i].data));
	init(&m);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		type_of(&m, NULL, want[i].name, t);
		ck_assert_msg(strcmp(t, want[i].type) == 0,
		    "%s: got \"%s\", expected \"%s\"", want[i].name, t,
		    want[i].type);
	}
	mime_free(&m);
}
END_TEST

/*
 * Markup or script in a file whose name says text, or says nothing, is
 * never served as a type a browser would run: note.txt holding a page
 * stays text/plain, and a page, an image/svg+xml, XML or a script
 * without an extension (or with one no table knows) is text/plain.
 */
START_TEST(test_sniffed_active_never_served)
{
	static const struct {
		const char *name, *data, *type;
	} want[] = {
		{ "note.txt", "<html><script>alert(1)</script></html>\n",
		    "text/plain; charset=utf-8" },
		{ "page", "<html><script>alert(1)</script></html>\n",
		    "text/plain; charset=utf-8" },
		{ "page.zzunknown", "<!DOCTYPE html>\n<script>x()</script>\n",
		    "text/plain; charset=utf-8" },
		{ "pic",
		    "<svg xmlns=\"http://www.w3.org/2000/svg\">"
		    "<script>alert(1)</script></svg>\n",
		    "text/plain; charset=utf-8" },
		{ "doc",
		    "<?xml version=\"1.0\"?>\n<html xmlns=\"http://"
		    "www.w3.org/1999/xhtml\"><script>alert(1)</script>"
		    "</html>\n",
		    "text/plain; charset=utf-8" },
		{ "tool", "#!/usr/bin/env node\nconsole.log(1);\n",
		    "text/plain; charset=utf-8" },
		{ "lib",
		    "\"use strict\";\nfunction f(){ var x = "
		    "document.cookie; }\n",
		    "text/plain; charset=utf-8" },
	};
	struct mime m;
	char t[MIME_TYPE_MAX];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		put(want[i].name, want[i].data, strlen(want[i].data));
	init(&m);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		type_of(&m, NULL, want[i].name, t);
		ck_assert_msg(strcmp(t, want[i].type) == 0,
		    "%s: got \"%s\", expected \"%s\"", want[i].name, t,
		    want[i].type);
		ck_assert(!mime_active(t));
	}
	mime_free(&m);
}
END_TEST

/* A mime.types file: comments, case, duplicates (the first wins). */
START_TEST(test_load_types)
{
	static const char file[] =
	    "# a comment line\n"
	    "text/plain\t\ttxt TEXT # a trailing comment\n"
	    "application/x-nothing\n"
	    "image/gif gif\n"
	    "image/x-other gif txt\n"
	    "notatype ext1\n"
	    "\n"
	    "font/woff2 woff2\n";
	char path[PATH_MAX];
	struct mime m;

	put("mime.types", file, sizeof(file) - 1);
	snprintf(path, sizeof(path), "%s/mime.types", tmp);
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(mime_load_types(&m, path), 4);
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.txt"), "text/plain");
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.Text"), "text/plain");
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.GIF"), "image/gif");
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.woff2"), "font/woff2");
	ck_assert_ptr_null(mime_by_ext(&m, NULL, "a.ext1"));
	/* not in the file: the built-in table */
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.css"), "text/css");
	ck_assert_ptr_null(mime_by_ext(&m, NULL, "a.zzz"));
	mime_free(&m);
}
END_TEST

/* The system's own table, as Debian's media-types installs it. */
START_TEST(test_system_table)
{
	struct mime m;

	init(&m);
	ck_assert_uint_gt(m.nsys, 100);
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.pdf"), "application/pdf");
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.PNG"), "image/png");
	ck_assert_str_eq(mime_by_ext(&m, NULL, "a.txt"), "text/plain");
	mime_free(&m);
}
END_TEST

START_TEST(test_cache_hits_for_unchanged_file)
{
	struct mime m;
	char t[MIME_TYPE_MAX];
	int i;

	put("cached", gif, sizeof(gif) - 1);
	init(&m);
	type_of(&m, NULL, "cached", t);
	ck_assert_str_eq(t, "image/gif");
	ck_assert_uint_eq(m.sniffs, 1);
	for (i = 0; i < 5; i++) {
		type_of(&m, NULL, "cached", t);
		ck_assert_str_eq(t, "image/gif");
	}
	ck_assert_uint_eq(m.sniffs, 1);
	mime_free(&m);
}
END_TEST

START_TEST(test_cache_misses_when_size_changes)
{
	struct mime m;
	char t[MIME_TYPE_MAX], path[PATH_MAX];
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	int fd;

	put("grows", gif, sizeof(gif) - 1);
	snprintf(path, sizeof(path), "%s/grows", tmp);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	init(&m);
	type_of(&m, NULL, "grows", t);
	ck_assert_str_eq(t, "image/gif");
	ck_assert_uint_eq(m.sniffs, 1);

	/* rewritten in place as a PNG, same mtime, other size */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, png, sizeof(png) - 1),
	    (ssize_t)(sizeof(png) - 1));
	close(fd);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	type_of(&m, NULL, "grows", t);
	ck_assert_uint_eq(m.sniffs, 2);
	ck_assert_str_eq(t, "image/png");
	mime_free(&m);
}
END_TEST

START_TEST(test_cache_misses_when_mtime_changes)
{
	struct mime m;
	char t[MIME_TYPE_MAX], path[PATH_MAX];
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	put("touched", text, sizeof(text) - 1);
	snprintf(path, sizeof(path), "%s/touched", tmp);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	init(&m);
	type_of(&m, NULL, "touched", t);
	ck_assert_uint_eq(m.sniffs, 1);
	type_of(&m, NULL, "touched", t);
	ck_assert_uint_eq(m.sniffs, 1);

	ts[1].tv_sec += 60;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	type_of(&m, NULL, "touched", t);
	ck_assert_uint_eq(m.sniffs, 2);
	ck_assert_str_eq(t, "text/plain; charset=utf-8");

	ts[1].tv_nsec = 1;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	type_of(&m, NULL, "touched", t);
	ck_assert_uint_eq(m.sniffs, 3);
	mime_free(&m);
}
END_TEST

/* Many files share 512 slots: whatever the cache keeps, answers are right. */
START_TEST(test_cache_never_mixes_files)
{
	struct mime m;
	char t[MIME_TYPE_MAX], name[32];
	int i, round;

	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (i % 2)
			put(name, gif, sizeof(gif) - 1);
		else
			put(name, png, sizeof(png) - 1);
	}
	init(&m);
	for (round = 0; round < 2; round++)
		for (i = 0; i < 64; i++) {
			snprintf(name, sizeof(name), "f%d", i);
			type_of(&m, NULL, name, t);
			ck_assert_str_eq(t, i % 2 ? "image/gif" : "image/png");
		}
	ck_assert_uint_ge(m.sniffs, 64);
	ck_assert_uint_lt(m.sniffs, 128);
	mime_free(&m);
}
END_TEST

START_TEST(test_cache_slot_stable_and_in_range)
{
	struct stat a, b;
	static int used[MIME_CACHE_SLOTS];
	size_t s, i, distinct = 0;

	memset(&a, 0, sizeof(a));
	a.st_dev = 2049;
	a.st_ino = 123456;
	a.st_size = 4096;
	a.st_mtim.tv_sec = 1795487959;
	a.st_mtim.tv_nsec = 123456789;
	b = a;
	ck_assert_uint_eq(mime_cache_slot(&a), mime_cache_slot(&b));
	ck_assert_uint_lt(mime_cache_slot(&a), MIME_CACHE_SLOTS);

	memset(used, 0, sizeof(used));
	for (i = 0; i < 20000; i++) {
		b = a;
		b.st_ino = (ino_t)(i * 2654435761u);
		b.st_size = (off_t)(i * 37);
		b.st_mtim.tv_sec = (time_t)(1700000000 + i * 13);
		b.st_mtim.tv_nsec = (long)(i * 7919 % 1000000000);
		s = mime_cache_slot(&b);
		ck_assert_uint_lt(s, MIME_CACHE_SLOTS);
		ck_assert_uint_eq(mime_cache_slot(&b), s);
		if (!used[s]++)
			distinct++;
	}
	/* the files spread over the slots instead of sharing a few */
	ck_assert_uint_gt(distinct, MIME_CACHE_SLOTS / 2);
}
END_TEST

static Suite *
mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc;

	tc = tcase_create("ext");
	tcase_add_loop_test(tc, test_by_ext, 0, NEXTS);
	tcase_add_test(tc, test_conf_mime_overrides_builtin);
	suite_add_tcase(s, tc);

	tc = tcase_create("refine");
	tcase_add_loop_test(tc, test_refine, 0, NREFINES);
	tcase_add_test(tc, test_refine_long_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("magic");
	tcase_add_unchecked_fixture(tc, tree_setup, tree_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_sniff_by_content);
	tcase_add_test(tc, test_extension_decides);
	tcase_add_test(tc, test_builtin_table_then_content);
	tcase_add_test(tc, test_charset_from_content);
	tcase_add_test(tc, test_sniffed_active_never_served);
	tcase_add_test(tc, test_load_types);
	tcase_add_test(tc, test_system_table);
	tcase_add_test(tc, test_cache_hits_for_unchanged_file);
	tcase_add_test(tc, test_cache_misses_when_size_changes);
	tcase_add_test(tc, test_cache_misses_when_mtime_changes);
	tcase_add_test(tc, test_cache_never_mixes_files);
	tcase_add_test(tc, test_cache_slot_stable_and_in_range);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(mime_suite)
