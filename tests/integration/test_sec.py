#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Web security and conformance: no sniffed active content, preconditions
(RFC 9110 13), Host syntax and server_name, cross-site writes to the
board, the board's validators, absolute symlinks inside a route.

Every fixture is generated at test time in the server's temporary
directory."""

import email.utils
import html
import os
import re
import shutil
import socket
import ssl
import sys
import tempfile
import unittest
import urllib.parse

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import (Server, get, request,  # noqa: E402
                      requests_on_one_connection, run_guad)
import tlscerts  # noqa: E402

XSS_PAGE = b"<html><script>alert(document.cookie)</script></html>\n"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(1)</script></svg>\n')
XHTML = (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/'
         b'xhtml"><body><script>alert(1)</script></body></html>\n')
XML = b'<?xml version="1.0"?>\n<doc><a>1</a></doc>\n'
NODE = b"#!/usr/bin/env node\nconsole.log(document.cookie);\n"
JS = b'"use strict";\nfunction f() { var x = document.cookie; }\n'

# name: (content, the Content-Type guad must send)
TYPES = {
    # the extension says text: markup inside stays text
    "up/note.txt": (XSS_PAGE, "text/plain; charset=utf-8"),
    "up/log.text": (SVG, "text/plain; charset=utf-8"),
    # no extension, or one no table knows: sniffed, never active
    "up/page": (XSS_PAGE, "text/plain; charset=utf-8"),
    "up/page.zzunknown": (XSS_PAGE, "text/plain; charset=utf-8"),
    "up/pic": (SVG, "text/plain; charset=utf-8"),
    "up/doc": (XHTML, "text/plain; charset=utf-8"),
    "up/data": (XML, "text/plain; charset=utf-8"),
    "up/tool": (NODE, "text/plain; charset=utf-8"),
    "up/lib": (JS, "text/plain; charset=utf-8"),
    # what the extension names is still served as that
    "up/real.html": (XSS_PAGE, "text/html; charset=utf-8"),
    "up/real.svg": (SVG, "image/svg+xml"),
    "up/app.js": (JS, "text/javascript; charset=utf-8"),
    # from /etc/mime.types, which the built-in table lacks
    "up/doc.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    "up/latin1.txt": (b"caf\xe9 na\xefve r\xe9sum\xe9\n",
                      "text/plain; charset=iso-8859-1"),
}


class MimeTest(unittest.TestCase):
    """The extension decides; libmagic never makes a type active."""

    @classmethod
    def setUpClass(cls):
        files = {name: data for name, (data, _) in TYPES.items()}
        cls.server = Server(sections={"routes": {"/up/": "dir up"}},
                            files=files)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_types(self):
        for name, (data, ctype) in TYPES.items():
            with self.subTest(name=name):
                r = get(self.server.port, "/" + name)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.body, data)
                self.assertEqual(r.headers["content-type"], ctype)
                self.assertEqual(r.headers["x-content-type-options"],
                                 "nosniff")

    def test_twice_from_the_cache(self):
        # the second answer comes from the small-file and type caches
        for _ in range(2):
            r = get(self.server.port, "/up/note.txt")
            self.assertEqual(r.headers["content-type"],
                             "text/plain; charset=utf-8")


# Hosts RFC 9112 3.2 and RFC 3986's authority grammar refuse.
BAD_HOSTS = [
    "example.com.:1.2",
    "1.2.3.4:9000:80",
    "[::1",
    "a]b",
    "example.com:http",
    "example.com:65536",
    "[1:2:3:4:5:6:7:8:9]",
    "[1::2::3]",
    "[::1]x",
    "%zz.example",
    "[::1]:80:80",
    ":80",
    "[127.0.0.1]",
    "<script>",
    "a\"b",
]
# ... and some that they accept.
GOOD_HOSTS = [
    "example.com", "EXAMPLE.com.:8080", "127.0.0.1", "[::1]:3000",
    "[::ffff:192.0.2.1]", "[v1.fe80::a+en1]", "localhost:", "%41b.example",
]


def raw(port, line, host):
    return request(port, ("%s\r\nHost: %s\r\nConnection: close\r\n\r\n"
                          % (line, host)).encode("latin-1"))


class HostTest(unittest.TestCase):
    """Host syntax in the field and in absolute-form targets."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_bad_host_field_is_400(self):
        for host in BAD_HOSTS:
            with self.subTest(host=host):
                r = raw(self.server.port, "GET / HTTP/1.1", host)
                self.assertEqual(r.status, 400)

    def test_bad_absolute_form_authority_is_400(self):
        for host in BAD_HOSTS:
            with self.subTest(host=host):
                r = raw(self.server.port,
                        "GET http://%s/ HTTP/1.1" % host, "example.com")
                self.assertEqual(r.status, 400)

    def test_good_hosts_are_served(self):
        for host in GOOD_HOSTS:
            with self.subTest(host=host):
                r = raw(self.server.port, "GET / HTTP/1.1", host)
                self.assertEqual(r.status, 200)
                r = raw(self.server.port,
                        "GET http://%s/ HTTP/1.1" % host, "example.com")
                self.assertEqual(r.status, 200)

    def test_connect_authority_form(self):
        r = raw(self.server.port, "CONNECT example.com:443 HTTP/1.1",
                "example.com:443")
        self.assertEqual(r.status, 501)
        for target in ("example.com", "example.com:", "a]b:443",
                       "1.2.3.4:9000:80"):
            with self.subTest(target=target):
                r = raw(self.server.port, "CONNECT %s HTTP/1.1" % target,
                        "example.com:443")
                self.assertEqual(r.status, 400)


class ServerNameTest(unittest.TestCase):
    """[server] server_name: another host's name gets 421."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(sections={"server": {
            "server_name": "www.example.com  127.0.0.1\t[::1]"}})
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_own_names_are_served(self):
        for host in ("www.example.com", "WWW.Example.COM.:80",
                     "127.0.0.1:%d" % self.server.port, "[::1]:1"):
            with self.subTest(host=host):
                r = raw(self.server.port, "GET / HTTP/1.1", host)
                self.assertEqual(r.status, 200)

    def test_other_names_are_misdirected(self):
        for host in ("evil.example", "example.com", "www.example.com.evil",
                     "127.0.0.2", "[::2]", "localhost"):
            with self.subTest(host=host):
                r = raw(self.server.port, "GET / HTTP/1.1", host)
                self.assertEqual(r.status, 421)
                self.assertEqual(r.reason, "Misdirected Request")
                self.assertNotIn(b"Hello", r.body)
                r = raw(self.server.port, "POST /msg HTTP/1.1", host)
                self.assertEqual(r.status, 421)

    def test_absolute_form_names_the_host(self):
        r = raw(self.server.port, "GET http://evil.example/ HTTP/1.1",
                "www.example.com")
        self.assertEqual(r.status, 421)
        r = raw(self.server.port, "GET http://www.example.com/ HTTP/1.1",
                "evil.example")
        self.assertEqual(r.status, 200)

    def test_http10_without_host_is_served(self):
        r = request(self.server.port, b"GET / HTTP/1.0\r\n\r\n")
        self.assertEqual(r.status, 200)

    def test_bad_server_name_is_a_config_error(self):
        for bad in ("example.com:80", "a]b", "exa/mple"):
            with self.subTest(name=bad):
                ini = os.path.join(self.server.tmpdir, "bad.ini")
                with open(self.server.ini) as f:
                    text = f.read()
                text = text.replace(
                    "server_name = www.example.com",
                    "server_name = ok.example %s" % bad)
                with open(ini, "w") as f:
                    f.write(text)
                p = run_guad(["-t", "-c", ini])
                self.assertNotEqual(p.returncode, 0)
                self.assertRegex(
                    p.stderr, r"bad\.ini:\d+: \[server\] server_name: \"%s\""
                    % re.escape(bad))


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


class PreconditionTest(unittest.TestCase):
    """RFC 9110 13.2.2 on static files, small (from memory) and large."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(sections={"routes": {"/f/": "dir f"}},
                            files={"f/small.txt": b"small\n",
                                   "f/large.bin": b"\x00\x01" * 20000})
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def check(self, path, method="GET"):
        first = get(self.server.port, path)
        self.assertEqual(first.status, 200)
        etag = first.headers["etag"]
        mtime = email.utils.parsedate_to_datetime(
            first.headers["last-modified"]).timestamp()
        earlier, same, later = (http_date(mtime - 86400), http_date(mtime),
                                http_date(mtime + 86400))
        other = '"not-%s"' % etag.strip('"')
        cases = [
            ({}, 200),
            ({"If-Match": etag}, 200),
            ({"If-Match": other}, 412),
            ({"If-Match": "*"}, 200),
            ({"If-Match": "W/" + etag}, 412),
            ({"If-Match": other + ", " + etag}, 200),
            ({"If-Unmodified-Since": earlier}, 412),
            ({"If-Unmodified-Since": same}, 200),
            ({"If-Unmodified-Since": later}, 200),
            ({"If-Match": etag, "If-Unmodified-Since": earlier}, 200),
            ({"If-Match": other, "If-Unmodified-Since": later}, 412),
            ({"If-None-Match": etag}, 304),
            ({"If-None-Match": "W/" + etag}, 304),
            ({"If-None-Match": "*"}, 304),
            ({"If-None-Match": other}, 200),
            ({"If-None-Match": other, "If-Modified-Since": later}, 200),
            ({"If-Modified-Since": later}, 304),
            ({"If-Modified-Since": earlier}, 200),
            ({"If-Match": other, "If-None-Match": etag}, 412),
            ({"If-Match": etag, "If-None-Match": etag}, 304),
            ({"If-Unmodified-Since": earlier, "If-None-Match": etag}, 412),
            ({"If-Unmodified-Since": earlier,
              "If-Modified-Since": later}, 412),
            ({"If-Match": other, "Range": "bytes=0-1"}, 412),
            ({"If-Match": etag, "Range": "bytes=0-1"}, 206),
            ({"If-None-Match": etag, "Range": "bytes=0-1"}, 304),
        ]
        for fields, want in cases:
            extra = "".join("%s: %s\r\n" % kv for kv in fields.items())
            if method == "HEAD" and want == 206:
                want = 200  # a range applies to GET only
            with self.subTest(path=path, method=method, fields=fields):
                r = get(self.server.port, path, extra_headers=extra,
                        method=method)
                self.assertEqual(r.status, want)
                if want == 412:
                    self.assertEqual(r.body, b"")
                    self.assertEqual(r.headers["content-length"], "0")
                    self.assertNotIn("etag", r.headers)
                if want == 200 and method == "GET":
                    self.assertEqual(r.body, first.body)

    def test_small_file(self):
        self.check("/f/small.txt")
        # twice: the second time from the small-file cache
        self.check("/f/small.txt")

    def test_large_file(self):
        self.check("/f/large.bin")

    def test_head(self):
        self.check("/f/small.txt", method="HEAD")

    def test_412_keeps_the_connection(self):
        conn_raws = [
            ("GET /f/small.txt HTTP/1.1\r\nHost: x\r\n"
             'If-Match: "nope"\r\n\r\n'),
            "GET /f/small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]
        rs = requests_on_one_connection(self.server.port, conn_raws)
        self.assertEqual([r.status for r in rs], [412, 200])
        self.assertEqual(rs[1].body, b"small\n")


class BoardTest(unittest.TestCase):
    """The board refuses writes another site's page asks for; its page
    carries validators."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def origin(self):
        return "http://127.0.0.1:%d" % self.server.port

    def post(self, text, extra=""):
        body = urllib.parse.urlencode({"message": text})
        return request(self.server.port, (
            "POST /msg HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: %d\r\n%sConnection: close\r\n\r\n%s"
            % (self.server.port, len(body), extra, body)).encode("latin-1"))

    def page(self, extra=""):
        return get(self.server.port, "/msg", extra_headers=extra)

    def stored(self, text):
        return html.escape(text).encode() in self.page().body

    def test_writes_another_site_asks_for_are_403(self):
        cases = {
            "cross-site form": "Origin: http://evil.example\r\n"
                               "Sec-Fetch-Site: cross-site\r\n",
            "cross-site, no Origin": "Sec-Fetch-Site: cross-site\r\n",
            "same-site, other origin": "Origin: http://127.0.0.1:1\r\n"
                                       "Sec-Fetch-Site: same-site\r\n",
            "other Origin only": "Origin: http://evil.example\r\n",
            "Origin null": "Origin: null\r\n",
            "other port": "Origin: http://127.0.0.1:%d\r\n"
                          % (self.server.port + 1),
            "prefetch": "Sec-Purpose: prefetch\r\n",
            "old prefetch": "Purpose: prefetch\r\n",
        }
        for name, extra in cases.items():
            for way in ("POST", "GET"):
                text = "xsite %s %s %s" % (way, name, os.getpid())
                with self.subTest(case=name, way=way):
                    if way == "POST":
                        r = self.post(text, extra)
                    else:
                        r = get(self.server.port, "/msg?" +
                                urllib.parse.urlencode({"message": text}),
                                extra_headers=extra)
                    self.assertEqual(r.status, 403)
                    self.assertRegex(r.body, b"own page|prefetch")
                    self.assertFalse(self.stored(text))

    def test_same_origin_and_curl_still_post(self):
        cases = {
            "curl": "",
            "same-origin form": "Origin: %s\r\nSec-Fetch-Site: "
                                "same-origin\r\n" % self.origin(),
            "our Origin only": "Origin: %s\r\n" % self.origin(),
            "address bar": "Sec-Fetch-Site: none\r\n",
        }
        for name, extra in cases.items():
            with self.subTest(case=name):
                text = "ok POST %s %d" % (name, os.getpid())
                r = self.post(text, extra)
                self.assertEqual(r.status, 303)
                self.assertTrue(self.stored(text))
                text = "ok GET %s %d" % (name, os.getpid())
                r = get(self.server.port, "/msg?" +
                        urllib.parse.urlencode({"message": text}),
                        extra_headers=extra)
                self.assertEqual(r.status, 200)
                self.assertTrue(self.stored(text))

    def test_reading_the_page_is_never_refused(self):
        r = self.page("Origin: http://evil.example\r\n"
                      "Sec-Fetch-Site: cross-site\r\n"
                      "Sec-Purpose: prefetch\r\n")
        self.assertEqual(r.status, 200)

    def test_page_validators_and_304(self):
        first = self.page()
        self.assertEqual(first.status, 200)
        self.assertEqual(first.headers["cache-control"], "no-cache")
        etag = first.headers["etag"]
        r = self.page("If-None-Match: %s\r\n" % etag)
        self.assertEqual(r.status, 304)
        self.assertEqual(r.body, b"")
        self.assertEqual(r.headers["etag"], etag)
        self.assertEqual(r.headers["cache-control"], "no-cache")
        text = "validators %d" % os.getpid()
        self.assertEqual(self.post(text).status, 303)
        after = self.page("If-None-Match: %s\r\n" % etag)
        self.assertEqual(after.status, 200)
        self.assertNotEqual(after.headers["etag"], etag)
        self.assertIn("last-modified", after.headers)
        self.assertIn(html.escape(text).encode(), after.body)
        r = self.page("If-Modified-Since: %s\r\n"
                      % after.headers["last-modified"])
        self.assertEqual(r.status, 304)

    def test_post_preconditions(self):
        etag = self.page().headers["etag"]
        text = "stale %d" % os.getpid()
        r = self.post(text, 'If-Match: "m0-00000000"\r\n')
        self.assertEqual(r.status, 412)
        self.assertEqual(r.body, b"")
        self.assertFalse(self.stored(text))
        r = self.post(text, "If-None-Match: *\r\n")
        self.assertEqual(r.status, 412)
        self.assertFalse(self.stored(text))
        text = "fresh %d" % os.getpid()
        r = self.post(text, "If-Match: %s\r\n" % etag)
        self.assertEqual(r.status, 303)
        self.assertTrue(self.stored(text))
        # the page has changed: the old tag no longer matches
        r = self.post("late %d" % os.getpid(), "If-Match: %s\r\n" % etag)
        self.assertEqual(r.status, 412)


class AbsoluteSymlinkTest(unittest.TestCase):
    """An absolute symlink inside the route's folder is served like a
    relative one; one that leaves the folder stays refused."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(sections={"routes": {"/d/": "dir d listing"}},
                            files={"d/real.txt": b"inside\n",
                                   "d/sub/deep.txt": b"deep\n",
                                   "elsewhere.txt": b"in root, not in d\n"})
        try:
            d = os.path.join(cls.server.root, "d")
            canary = os.path.join(cls.server.tmpdir, "canary.txt")
            with open(canary, "wb") as f:
                f.write(b"CANARY\n")
            os.symlink(os.path.join(d, "real.txt"), os.path.join(d, "abs"))
            os.symlink(os.path.join(d, "sub"), os.path.join(d, "absdir"))
            os.symlink(canary, os.path.join(d, "absout"))
            os.symlink(os.path.join(cls.server.root, "elsewhere.txt"),
                       os.path.join(d, "absroot"))
            os.symlink("/etc/passwd", os.path.join(d, "passwd"))
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_inside_is_served(self):
        for path, body in (("/d/abs", b"inside\n"),
                           ("/d/absdir/deep.txt", b"deep\n")):
            with self.subTest(path=path):
                r = get(self.server.port, path)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.body, body)

    def test_leaving_the_folder_is_refused(self):
        for path in ("/d/absout", "/d/absroot", "/d/passwd"):
            with self.subTest(path=path):
                r = get(self.server.port, path)
                self.assertEqual(r.status, 404)
                self.assertNotIn(b"CANARY", r.body)
                self.assertNotIn(b"root:", r.body)

    def test_listing_shows_only_what_is_served(self):
        r = get(self.server.port, "/d/")
        self.assertEqual(r.status, 200)
        self.assertIn(b'href="abs"', r.body)
        self.assertIn(b'href="absdir/"', r.body)
        self.assertNotIn(b'href="absout"', r.body)
        self.assertNotIn(b'href="passwd"', r.body)


class TLSOriginTest(unittest.TestCase):
    """On the [tls] port the board's own origin is https://, on the plain
    one http://."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="guadsec-")
        ca = tlscerts.CA(cls.dir)
        cert, key = ca.leaf("leaf", "ec")
        cls.ctx = ssl.create_default_context(cafile=ca.cert)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            cls.tls_port = s.getsockname()[1]
        cls.server = Server(sections={"tls": {
            "port": str(cls.tls_port), "certificate": cert, "key": key}})
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, port, origin, tls):
        body = b"message=origin+%d" % os.getpid()
        raw = (("POST /msg HTTP/1.1\r\nHost: localhost:%d\r\n"
                "Origin: %s\r\nContent-Type: application/"
                "x-www-form-urlencoded\r\nContent-Length: %d\r\n"
                "Connection: close\r\n\r\n") % (port, origin, len(body))
               ).encode("latin-1") + body
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            if tls:
                s = self.ctx.wrap_socket(s, server_hostname="localhost")
            s.sendall(raw)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return int(data.split(b" ", 2)[1])

    def test_https_origin_on_the_tls_port(self):
        port = self.tls_port
        self.assertEqual(self.post(port, "https://localhost:%d" % port,
                                   True), 303)
        self.assertEqual(self.post(port, "http://localhost:%d" % port,
                                   True), 403)

    def test_http_origin_on_the_plain_port(self):
        port = self.server.port
        self.assertEqual(self.post(port, "http://localhost:%d" % port,
                                   False), 303)
        self.assertEqual(self.post(port, "https://localhost:%d" % port,
                                   False), 403)


if __name__ == "__main__":
    unittest.main(verbosity=2)
