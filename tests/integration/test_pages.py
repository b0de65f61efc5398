#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""What visitors see besides files: directory listings (columns, sorting,
JSON, hostile names), the error page of every status guad sends (built in,
in the site's stylesheet, or the operator's [errors] file with the status
kept) and redirect routes."""

import calendar
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import (HOST, Connection, Server, get, request,  # noqa: E402
                      run_guad, shipped_routes)

MIB = 1024 * 1024
STYLE_LINK = '<link rel="stylesheet" href="/static/style.css">'
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

# name (bytes, as the file system holds it), size, mtime (UTC)
T0 = calendar.timegm((2024, 5, 17, 8, 30, 0))
FILES = [
    (b"small.txt", 10, T0 - 3 * 86400),
    (b"big.bin", 5000, T0 - 1 * 86400),
    (b"mid.dat", 2 * MIB, T0 - 2 * 86400),
    (b"<", 1, T0),
    (b"&", 2, T0),
    (b'"', 3, T0),
    (b"%", 4, T0),
    (b"a b", 5, T0),
    ("ünï cödé".encode(), 6, T0),
    (b"bad\xff\xfename", 7, T0),
    (b"ctl\x01x", 8, T0),
    (b"a:b", 9, T0),
]
DIRS = [(b"zdir", T0 - 5 * 86400), (b"adir", T0 - 4 * 86400)]

ROW = re.compile(
    r'<tr( class="dir")?><td><a href="([^"]*)">(.*?)</a></td>'
    r'<td class="size"(?: title="(\d+) bytes?")?>(.*?)</td>'
    r'<td class="time"><time datetime="([^"]+)">([^<]+)</time></td></tr>')


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def populate(root):
    files = os.path.join(root.encode(), b"files")
    os.makedirs(files)
    for name, size, mtime in FILES:
        path = os.path.join(files, name)
        with open(path, "wb") as f:
            if size > 4096:
                f.truncate(size)
            else:
                f.write(b"x" * size)
        os.utime(path, (mtime, mtime))
    for name, mtime in DIRS:
        os.makedirs(os.path.join(files, name))
    with open(os.path.join(files, b"adir", b"inner.txt"), "wb") as f:
        f.write(b"inner\n")
    with open(os.path.join(files, b".hidden"), "wb") as f:
        f.write(b"dot\n")
    for name, mtime in DIRS:
        os.utime(os.path.join(files, name), (mtime, mtime))
    os.makedirs(os.path.join(root, "noindex"))


def rows(body):
    """[(is_dir, href, text, exact size or None, shown size, datetime,
    shown time)] of a listing, in page order."""
    return [(bool(m.group(1)), m.group(2), m.group(3),
             int(m.group(4)) if m.group(4) else None, m.group(5),
             m.group(6), m.group(7))
            for m in ROW.finditer(body)]


def names(body):
    return [r[2] for r in rows(body)]


class ListingTest(unittest.TestCase):
    """One server with a listing route beside the shipped routes."""

    @classmethod
    def setUpClass(cls):
        routes = dict(shipped_routes())
        routes["/files/"] = "dir files listing"
        routes["/nol/"] = "dir noindex"
        cls.server = Server(sections={"routes": routes}, own_root=True)
        try:
            populate(cls.server.root)
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def get(self, path, **kw):
        return get(self.server.port, path, **kw)

    def page(self, path="/files/", **kw):
        r = self.get(path, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        # valid UTF-8 whatever bytes the names hold
        return r.body.decode("utf-8")

    def test_columns_name_size_time_folders_first(self):
        got = rows(self.page())
        self.assertEqual(len(got), len(FILES) + len(DIRS), got)
        # folders first, by name, with a trailing slash and no size
        self.assertEqual([(r[0], r[1], r[2], r[3], r[4]) for r in got[:2]],
                         [(True, "adir/", "adir/", None, "-"),
                          (True, "zdir/", "zdir/", None, "-")])
        self.assertEqual(got[0][5], iso(T0 - 4 * 86400))
        by_href = {r[1]: r for r in got}
        for href, exact, shown, mtime in (
                ("small.txt", 10, "10 B", T0 - 3 * 86400),
                ("big.bin", 5000, "4.9 KiB", T0 - 86400),
                ("mid.dat", 2 * MIB, "2.0 MiB", T0 - 2 * 86400),
                ("%3C", 1, "1 B", T0)):
            with self.subTest(href=href):
                r = by_href[href]
                self.assertFalse(r[0])
                self.assertEqual((r[3], r[4]), (exact, shown))
                # UTC, ISO 8601, in the attribute and in the text
                self.assertEqual((r[5], r[6]), (iso(mtime), iso(mtime)))

    def test_page_is_styled_and_usable_on_a_phone(self):
        body = self.page()
        self.assertIn(STYLE_LINK, body)
        self.assertIn(VIEWPORT, body)
        self.assertIn("<title>Index of /files/</title>", body)
        self.assertIn("<h1>Index of /files/</h1>", body)
        self.assertIn('<a href="../" rel="up">', body)
        self.assertIn('<table class="listing">', body)

    def test_parent_link_leads_up(self):
        body = self.page("/files/adir/")
        self.assertIn('<a href="../" rel="up">', body)
        self.assertEqual(names(body), ["inner.txt"])

    def test_hidden_and_only_listing_routes(self):
        self.assertNotIn(".hidden", self.page())
        r = self.get("/nol/")
        self.assertEqual(r.status, 403)
        self.assertIn(STYLE_LINK, r.body.decode())

    def test_sort_by_each_column_and_order(self):
        files = [f for f in FILES]
        by_size = [n for n, s, t in sorted(files, key=lambda f: (f[1], f[0]))]
        by_time = [n for n, s, t in sorted(files, key=lambda f: (f[2], f[0]))]
        by_name = sorted(n for n, s, t in files)

        def file_hrefs(query):
            body = self.page("/files/" + query)
            got = rows(body)
            dirs = [r[1] for r in got if r[0]]
            return dirs, [r[1] for r in got if not r[0]], body

        def href(name):
            return "".join(chr(b) if (chr(b).isalnum() and b < 128) or
                           chr(b) in "-._~" else "%%%02X" % b for b in name)

        for query, want_dirs, want in (
                ("", ["adir/", "zdir/"], by_name),
                ("?sort=name&order=asc", ["adir/", "zdir/"], by_name),
                ("?sort=name&order=desc", ["zdir/", "adir/"], by_name[::-1]),
                ("?sort=size", ["adir/", "zdir/"], by_size),
                ("?sort=size&order=desc", ["zdir/", "adir/"], by_size[::-1]),
                ("?sort=time&order=asc", ["zdir/", "adir/"], by_time),
                ("?sort=time&order=desc", ["adir/", "zdir/"], by_time[::-1]),
                ("?sort=bogus&order=sideways", ["adir/", "zdir/"], by_name)):
            with self.subTest(query=query):
                dirs, hrefs, body = file_hrefs(query)
                self.assertEqual(dirs, want_dirs)
                self.assertEqual(hrefs, [href(n) for n in want])

    def test_headings_link_to_their_sort_and_turn_the_order(self):
        body = self.page("/files/?sort=size&order=asc")
        self.assertIn('<th class="size" aria-sort="ascending">'
                      '<a href="?sort=size&amp;order=desc">Size', body)
        self.assertIn('<a href="?sort=name&amp;order=asc">Name</a>', body)
        self.assertIn('<a href="?sort=time&amp;order=asc">Modified</a>', body)
        body = self.page("/files/?sort=size&order=desc")
        self.assertIn('<th class="size" aria-sort="descending">'
                      '<a href="?sort=size&amp;order=asc">Size', body)
        self.assertEqual(body.count("aria-sort="), 1)

    def test_hostile_names_escaped_for_html_and_urls(self):
        body = self.page()
        by_href = {r[1]: r[2] for r in rows(body)}
        want = {
            "%3C": "&lt;", "%26": "&amp;", "%22": "&quot;", "%25": "%",
            "a%20b": "a b",
            "%C3%BCn%C3%AF%20c%C3%B6d%C3%A9": "ünï cödé",
            # bytes kept in the link, U+FFFD shown for what is not UTF-8
            "bad%FF%FEname": "bad\ufffd\ufffdname",
            "ctl%01x": "ctl\ufffdx",
            # never a scheme
            "a%3Ab": "a:b",
        }
        for href, text in want.items():
            with self.subTest(href=href):
                self.assertEqual(by_href.get(href), text, by_href)
        self.assertNotIn("\x01", body)
        # and each link leads to its file (but two: guad refuses a path
        # that decodes to a control character or to bytes not UTF-8)
        for href, size in (("%3C", 1), ("%26", 2), ("%22", 3), ("%25", 4),
                           ("a%20b", 5), ("%C3%BCn%C3%AF%20c%C3%B6d%C3%A9", 6),
                           ("a%3Ab", 9)):
            with self.subTest(link=href):
                r = self.get("/files/" + href)
                self.assertEqual((r.status, r.body), (200, b"x" * size))

    def test_json_when_asked(self):
        r = self.get("/files/?sort=size&order=desc",
                     extra_headers="Accept: application/json\r\n")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertEqual(r.headers["vary"], "Accept")
        entries = json.loads(r.body.decode("utf-8"))
        self.assertEqual([e["name"] for e in entries[:2]], ["zdir", "adir"])
        self.assertTrue(all(e["is_dir"] for e in entries[:2]))
        byname = {e["name"]: e for e in entries}
        self.assertEqual(set(byname["small.txt"]),
                         {"name", "url", "size", "mtime", "is_dir"})
        self.assertEqual(byname["mid.dat"]["size"], 2 * MIB)
        self.assertEqual(byname["small.txt"]["mtime"], iso(T0 - 3 * 86400))
        self.assertIs(byname["small.txt"]["is_dir"], False)
        self.assertEqual(byname["adir"]["url"], "./adir/")
        self.assertEqual(byname['"']["url"], "./%22")
        self.assertIn("<", byname)
        self.assertIn("&", byname)
        self.assertIn("ünï cödé", byname)
        self.assertEqual(byname["ctl\x01x"]["size"], 8)
        # not UTF-8: U+FFFD in the name, the real bytes in the URL
        self.assertEqual(byname["bad\ufffd\ufffdname"]["url"],
                         "./bad%FF%FEname")
        sizes = [e["size"] for e in entries if not e["is_dir"]]
        self.assertEqual(sizes, sorted(sizes, reverse=True))
        # raw control bytes never appear in JSON text
        self.assertNotIn(b"\x01", r.body)
        self.assertIn(b"ctl\\u0001x", r.body)

    def test_html_when_the_client_prefers_it(self):
        for accept in ("text/html,application/json;q=0.9",
                       "application/json;q=0, */*", "*/*"):
            with self.subTest(accept=accept):
                r = self.get("/files/",
                             extra_headers="Accept: %s\r\n" % accept)
                self.assertEqual(r.headers["content-type"],
                                 "text/html; charset=utf-8")
                self.assertEqual(r.headers["vary"], "Accept")

    def test_head_of_a_listing(self):
        full = self.get("/files/")
        with Connection(self.server.port) as c:
            c.send("HEAD /files/ HTTP/1.1\r\nHost: x\r\n"
                   "Connection: close\r\n\r\n")
            r = c.read_response(head=True)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["content-length"],
                             full.headers["content-length"])
            self.assertEqual(c.read_until_close(), b"")


class BuiltinStyleTest(unittest.TestCase):
    def test_a_tree_without_a_stylesheet_gets_the_built_in_style(self):
        # only the listing route: no route serves /static/style.css
        routes = {path: None for path, _ in shipped_routes()}
        routes["/files/"] = "dir files listing"
        server = Server(sections={"routes": routes}, own_root=True)
        try:
            populate(server.root)
            server.start()
            body = get(server.port, "/files/").body.decode("utf-8")
            self.assertNotIn("<link", body)
            self.assertIn("<style>", body)
            self.assertIn("table.listing", body)
            self.assertIn(VIEWPORT, body)
            r = get(server.port, "/nowhere")
            self.assertEqual(r.status, 404)
            self.assertIn(b"<style>", r.body)
            self.assertNotIn(b"<link", r.body)
        finally:
            server.cleanup()


# --------------------------------------------------------------------------
# error pages


# status -> raw request that gets it from ErrorPagesTest's server
def error_requests(port):
    host = "Host: %s:%d\r\n" % (HOST, port)
    return {
        400: "GET / HTTP/1.1\r\n\r\n",
        403: "GET /nol/ HTTP/1.1\r\n" + host + "\r\n",
        404: "GET /nowhere HTTP/1.1\r\n" + host + "\r\n",
        405: "DELETE / HTTP/1.1\r\n" + host + "\r\n",
        413: "POST /msg HTTP/1.1\r\n" + host +
             "Content-Type: application/x-www-form-urlencoded\r\n"
             "Content-Length: 5000\r\n\r\n",
        414: "GET /" + "a" * 9000 + " HTTP/1.1\r\n" + host + "\r\n",
        415: "POST /msg HTTP/1.1\r\n" + host +
             "Content-Type: text/plain\r\nContent-Length: 1\r\n\r\nx",
        416: "GET /static/style.css HTTP/1.1\r\n" + host +
             "Range: bytes=999999-\r\n\r\n",
        417: "GET / HTTP/1.1\r\n" + host + "Expect: tea\r\n\r\n",
        431: "GET / HTTP/1.1\r\n" + host + "X-Big: " + "b" * 70000 +
             "\r\n\r\n",
        501: "BREW / HTTP/1.1\r\n" + host + "\r\n",
        505: "GET / HTTP/2.0\r\n" + host + "\r\n",
    }


REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout",
           413: "Content Too Large", 414: "URI Too Long",
           415: "Unsupported Media Type", 416: "Range Not Satisfiable",
           417: "Expectation Failed", 431: "Request Header Fields Too Large",
           500: "Internal Server Error", 501: "Not Implemented",
           503: "Service Unavailable", 505: "HTTP Version Not Supported"}

ERROR_LIMITS = {"body_size": "1024", "request_line": "8192"}


def custom(status):
    return ("<!DOCTYPE html><title>custom %d</title><p>our own %d page</p>\n"
            % (status, status)).encode()


def assert_styled(test, r, status):
    test.assertEqual(r.status, status, r)
    test.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
    body = r.body.decode("utf-8")
    test.assertIn(STYLE_LINK, body)
    test.assertIn(VIEWPORT, body)
    test.assertIn("<h1>%d %s</h1>" % (status, REASONS[status]), body)
    test.assertIn("<title>%d %s</title>" % (status, REASONS[status]), body)
    # says what to do: at least a way on
    test.assertIn('<a href="/">', body)
    test.assertIn("</html>", body)
    return body


class ErrorPagesTest(unittest.TestCase):
    """Every status on the built-in page, in the site's stylesheet."""

    @classmethod
    def setUpClass(cls):
        routes = dict(shipped_routes())
        routes["/nol/"] = "dir noindex"
        cls.server = Server(sections={"routes": routes,
                                      "limits": ERROR_LIMITS,
                                      "timeouts": {"header": "1"}},
                            own_root=True)
        try:
            populate(cls.server.root)
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_every_status_has_a_styled_page(self):
        for status, raw in error_requests(self.server.port).items():
            with self.subTest(status=status):
                body = assert_styled(self, request(self.server.port, raw),
                                     status)
                if status == 405:
                    self.assertIn("It takes GET, HEAD, OPTIONS.", body)

    def test_408_has_a_styled_page(self):
        with Connection(self.server.port) as c:
            c.send("GET / HTTP/1.1\r\nHost: x\r\n")
            assert_styled(self, c.read_response(timeout=5), 408)

    def test_redirect_page_links_its_target(self):
        r = get(self.server.port, "/static")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.headers["location"], "/static/")
        self.assertIn('<a href="/static/">/static/</a>', r.body.decode())

    def test_head_and_range_do_not_apply(self):
        with Connection(self.server.port) as c:
            c.send("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n"
                   "Connection: close\r\n\r\n")
            r = c.read_response(head=True)
            self.assertEqual(r.status, 404)
            full = get(self.server.port, "/nowhere")
            self.assertEqual(r.headers["content-length"],
                             str(len(full.body)))
            self.assertEqual(c.read_until_close(), b"")
        r = get(self.server.port, "/nowhere",
                extra_headers="Range: bytes=0-3\r\nIf-None-Match: *\r\n")
        self.assertEqual(r.status, 404)
        self.assertNotIn("content-range", r.headers)
        self.assertEqual(r.body, full.body)


def unavailable_board(tmpdir):
    """A [msg] db that cannot be opened: the board answers 503."""
    return os.path.join(tmpdir, "no-such-folder", "msg.db")


class UnavailableTest(unittest.TestCase):
    def test_503_built_in_and_custom(self):
        for errors in (None, {"503": "errors/503.html"}):
            with self.subTest(errors=errors):
                sections = {"errors": errors} if errors else {}
                server = Server(sections=sections,
                                files={"errors/503.html": custom(503)})
                with open(server.ini) as f:
                    text = f.read()
                with open(server.ini, "w") as f:
                    f.write(re.sub(r"(?m)^db = .*$", "db = " +
                                   unavailable_board(server.tmpdir), text))
                try:
                    server.start()
                    r = get(server.port, "/msg")
                    if errors:
                        self.assertEqual((r.status, r.body),
                                         (503, custom(503)))
                    else:
                        body = assert_styled(self, r, 503)
                        self.assertIn("The message board is unavailable.",
                                      body)
                        self.assertIn('<a href="">Try again</a>', body)
                finally:
                    server.cleanup()


class CustomErrorPagesTest(unittest.TestCase):
    """[errors]: the operator's page, the status kept."""

    STATUSES = (400, 403, 404, 405, 408, 413, 414, 415, 416, 417, 431, 501,
                505)

    @classmethod
    def setUpClass(cls):
        routes = dict(shipped_routes())
        routes["/nol/"] = "dir noindex"
        files = {"errors/%d.html" % s: custom(s) for s in cls.STATUSES}
        files["errors/gone.html"] = b"<p>soon gone</p>\n"
        errors = {str(s): "errors/%d.html" % s for s in cls.STATUSES}
        # 403 through a file that will go away under the server
        errors["403"] = "errors/gone.html"
        cls.server = Server(sections={"routes": routes,
                                      "limits": ERROR_LIMITS,
                                      "timeouts": {"header": "1"},
                                      "errors": errors},
                            files=files)
        try:
            populate(cls.server.root)
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_each_status_sends_its_file_with_its_status(self):
        for status, raw in error_requests(self.server.port).items():
            if status == 403:
                continue
            with self.subTest(status=status):
                r = request(self.server.port, raw)
                self.assertEqual((r.status, r.body), (status, custom(status)))
                self.assertEqual(r.headers["content-type"],
                                 "text/html; charset=utf-8")
                # what a client needs to act on stays
                if status == 405:
                    self.assertEqual(r.headers["allow"], "GET, HEAD, OPTIONS")
                if status == 416:
                    self.assertRegex(r.headers["content-range"],
                                     r"^bytes \*/\d+$")
                self.assertNotIn("etag", r.headers)
                self.assertNotIn("last-modified", r.headers)

    def test_408_sends_its_file(self):
        with Connection(self.server.port) as c:
            c.send("GET / HTTP/1.1\r\nHost: x\r\n")
            r = c.read_response(timeout=5)
            self.assertEqual((r.status, r.body), (408, custom(408)))

    def test_head_and_range_do_not_apply(self):
        with Connection(self.server.port) as c:
            c.send("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n"
                   "Connection: close\r\n\r\n")
            r = c.read_response(head=True)
            self.assertEqual(r.status, 404)
            self.assertEqual(r.headers["content-length"],
                             str(len(custom(404))))
            self.assertEqual(c.read_until_close(), b"")
        r = get(self.server.port, "/nowhere",
                extra_headers="Range: bytes=0-3\r\n"
                "If-None-Match: *\r\nIf-Modified-Since: "
                "Thu, 01 Jan 2099 00:00:00 GMT\r\n")
        self.assertEqual((r.status, r.body), (404, custom(404)))
        self.assertNotIn("content-range", r.headers)
        self.assertNotIn("accept-ranges", r.headers)

    def test_a_missing_file_falls_back_to_the_built_in_page(self):
        r = get(self.server.port, "/nol/")
        self.assertEqual((r.status, r.body), (403, b"<p>soon gone</p>\n"))
        os.remove(os.path.join(self.server.root, "errors", "gone.html"))
        assert_styled(self, get(self.server.port, "/nol/"), 403)

    def test_a_file_grown_past_the_limit_falls_back(self):
        path = os.path.join(self.server.root, "errors", "404.html")
        with open(path, "ab") as f:
            f.write(b"x" * (64 * 1024))
        try:
            assert_styled(self, get(self.server.port, "/nowhere"), 404)
        finally:
            with open(path, "wb") as f:
                f.write(custom(404))
        r = get(self.server.port, "/nowhere")
        self.assertEqual((r.status, r.body), (404, custom(404)))


# --------------------------------------------------------------------------
# gua.ini errors


class ConfigTest(unittest.TestCase):
    def check(self, body, files=None):
        """guad -t on [server] + body: (exit code, stderr)."""
        tmp = tempfile.mkdtemp(prefix="guadtest-pages-")
        root = os.path.join(tmp, "www")
        os.makedirs(os.path.join(root, "errors"))
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write("<p>hi</p>\n")
        for rel, data in (files or {}).items():
            with open(os.path.join(root, rel), "wb") as f:
                f.write(data)
        ini = os.path.join(tmp, "gua.ini")
        with open(ini, "w") as f:
            f.write("[server]\nroot = %s\n[routes]\n/ = file index.html\n%s"
                    % (root, body))
        try:
            p = run_guad(["-t", "-c", ini])
            return p.returncode, p.stderr
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_good_errors_section(self):
        rc, err = self.check("[errors]\n404 = errors/404.html\n",
                             {"errors/404.html": b"<p>x</p>\n"})
        self.assertEqual(rc, 0, err)

    def test_bad_errors_lines(self):
        big = b"x" * (64 * 1024 + 1)
        for line, want in (
                ("200 = errors/404.html",
                 "gua.ini:6: [errors] 200: not an error status guad sends"),
                ("302 = errors/404.html",
                 "gua.ini:6: [errors] 302: not an error status"),
                ("499 = errors/404.html",
                 "gua.ini:6: [errors] 499: not an error status"),
                ("04x = errors/404.html",
                 "gua.ini:6: [errors] 04x: not an error status"),
                ("404 = errors/none.html",
                 "gua.ini:6: [errors] 404: errors/none.html: No such file"),
                ("404 = ../gua.ini",
                 "gua.ini:6: [errors] 404: ../gua.ini: outside the root"),
                ("404 = /etc/passwd",
                 "gua.ini:6: [errors] 404: expected a file below the root"),
                ("404 = errors",
                 "gua.ini:6: [errors] 404: errors: not a regular file"),
                ("404 = errors/big.html",
                 "gua.ini:6: [errors] 404: errors/big.html: not a regular "
                 "file of at most 64 KiB"),
                ("404 = errors/404.html\n404 = errors/404.html",
                 "gua.ini:7: [errors] 404: set twice (first on line 6)")):
            with self.subTest(line=line):
                rc, err = self.check("[errors]\n" + line + "\n",
                                     {"errors/404.html": b"<p>x</p>\n",
                                      "errors/big.html": big})
                self.assertNotEqual(rc, 0)
                self.assertIn(want, err)


# --------------------------------------------------------------------------
# redirect routes


REDIRECTS = {
    "/old": "redirect 301 /new",
    "/found": "redirect 302 /elsewhere?x=1",
    "/temp": "redirect 307 https://example.com/t",
    "/perm": "redirect 308 /p$query",
    "/blog/": "redirect 308 https://blog.example.com$path$query",
    "/docs/": "redirect 301 /manual$path",
    "/whole": "redirect 302 https://example.net$path",
}


class RedirectTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        routes = dict(shipped_routes())
        routes.update(REDIRECTS)
        cls.server = Server(sections={"routes": routes})
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def get(self, path, **kw):
        return get(self.server.port, path, **kw)

    def test_codes_and_targets(self):
        for path, status, location in (
                ("/old", 301, "/new"),
                ("/found", 302, "/elsewhere?x=1"),
                ("/temp", 307, "https://example.com/t"),
                ("/perm", 308, "/p"),
                ("/perm?a=1&b=%20", 308, "/p?a=1&b=%20")):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.headers["location"], location)
                # the page says where, in the site's look
                body = r.body.decode()
                self.assertIn(STYLE_LINK, body)
                self.assertIn("<h1>%d " % status, body)

    def test_placeholders_on_a_tree(self):
        for path, location in (
                ("/blog/", "https://blog.example.com/"),
                ("/blog/2024/post.html",
                 "https://blog.example.com/2024/post.html"),
                ("/blog/a%20b/%C3%A9?x=1&y",
                 "https://blog.example.com/a%20b/%C3%A9?x=1&y"),
                ("/blog/../old", None),
                ("/docs/a/b/", "/manual/a/b/"),
                ("/docs/a?q=1", "/manual/a"),
                ("/whole?z", "https://example.net/whole")):
            with self.subTest(path=path):
                r = self.get(path)
                if location is None:
                    # normalised before routing: /old is another route
                    self.assertEqual(r.headers["location"], "/new")
                    continue
                self.assertIn(r.status, (301, 302, 308), r)
                self.assertEqual(r.headers["location"], location)

    def test_exact_route_is_exact(self):
        self.assertEqual(self.get("/old/more").status, 404)
        self.assertEqual(self.get("/oldx").status, 404)

    def test_methods(self):
        r = self.get("/old", method="POST",
                     extra_headers="Content-Length: 0\r\n")
        self.assertEqual(r.status, 301)
        r = self.get("/old", method="DELETE")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.headers["allow"], "GET, HEAD, POST, OPTIONS")
        with Connection(self.server.port) as c:
            c.send("HEAD /old HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            r = c.read_response(head=True)
            self.assertEqual((r.status, r.headers["location"]), (301, "/new"))
            self.assertEqual(c.read_until_close(), b"")

    def test_guad_T_writes_redirects_back(self):
        p = run_guad(["-T", "-c", self.server.ini])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("/blog/ = redirect 308 "
                      "https://blog.example.com$path$query", p.stdout)
        self.assertIn("/old = redirect 301 /new", p.stdout)


class RedirectConfigTest(unittest.TestCase):
    def check(self, line):
        tmp = tempfile.mkdtemp(prefix="guadtest-pages-")
        try:
            root = os.path.join(tmp, "www")
            os.makedirs(root)
            with open(os.path.join(root, "index.html"), "w") as f:
                f.write("<p>hi</p>\n")
            ini = os.path.join(tmp, "gua.ini")
            with open(ini, "w") as f:
                f.write("[server]\nroot = %s\n[routes]\n"
                        "/ = file index.html\n%s\n" % (root, line))
            p = run_guad(["-t", "-c", ini])
            return p.returncode, p.stderr
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_good_lines(self):
        for line in ("/a = redirect 301 /b", "/a/ = redirect 308 /b$path",
                     "/a = redirect 307 http://h.example:8080/x$query"):
            with self.subTest(line=line):
                rc, err = self.check(line)
                self.assertEqual(rc, 0, err)

    def test_bad_lines(self):
        for line, want in (
                ("/a = redirect 200 /b",
                 "gua.ini:5: [routes] /a: redirect 200: the status must be "
                 "301, 302, 307 or 308"),
                ("/a = redirect 303 /b", "the status must be 301"),
                ("/a = redirect 301",
                 "gua.ini:5: [routes] /a: redirect 301: expected a target"),
                ("/a = redirect 301 b",
                 "gua.ini:5: [routes] /a: redirect 301 b: the target must "
                 "be a path"),
                ("/a = redirect 301 //evil.example/",
                 "the target must be a path"),
                ("/a = redirect 301 ftp://x/", "the target must be a path"),
                ("/a = redirect 301 https://", "the target must be a path"),
                ("/a = redirect 301 /b$host",
                 'gua.ini:5: [routes] /a: redirect 301 /b$host: unknown '
                 'placeholder at "$host"'),
                ('/a = redirect 301 /b"c', "without spaces, quotes"),
                ("/a = redirect 301 /b /c",
                 'gua.ini:5: [routes] /a: redirect 301 /b: one target '
                 'only, not also "/c"')):
            with self.subTest(line=line):
                rc, err = self.check(line)
                self.assertNotEqual(rc, 0)
                self.assertIn(want, err)


if __name__ == "__main__":
    unittest.main()
