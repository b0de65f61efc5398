#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""HTTP/1.1 protocol behaviour over raw sockets: pipelining, fragmented
requests, HEAD, conditional and range requests, limits and error statuses,
request-parsing strictness, timeouts, chunked and 100-continue request
bodies, many idle connections and running out of file descriptors."""

import email.utils
import os
import re
import resource
import select
import socket
import sqlite3
import sys
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (Connection, Server, ServerTestCase, get,  # noqa: E402
                       request, wait_for)

DATA = bytes((i * 7 + i // 256) % 256 for i in range(10000))
DATA_LEN = len(DATA)
# A fixed mtime with a sub-second part: Last-Modified (whole seconds) must
# still count as "not modified" for If-Modified-Since.
DATA_MTIME_NS = 1577880000 * 10**9 + 500000000

FORM = "application/x-www-form-urlencoded"

LIMITS = {"request_line": "1024", "header_size": "2048",
          "header_fields": "20", "body_size": "1000"}


def raw(text):
    return text.encode("latin-1") if isinstance(text, str) else text


def html_error(test, r, status):
    test.assertEqual(r.status, status, r)
    test.assertEqual(r.content_type(), "text/html", r)
    test.assertIn(str(status).encode(), r.body, r)
    test.assertRegex(r.body.decode("utf-8", "replace"), r"(?i)<!DOCTYPE html>")


def db_texts(path):
    con = sqlite3.connect(path, timeout=5)
    try:
        return [row[0] for row in con.execute("SELECT text FROM message")]
    finally:
        con.close()


def read_all(sock, limit_s):
    """Read until EOF or reset; returns (bytes, how_it_ended)."""
    sock.settimeout(limit_s)
    deadline = time.monotonic() + limit_s
    total = 0
    head = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return total, head, "timeout"
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            return total, head, "timeout"
        except ConnectionResetError:
            return total, head, "reset"
        if not chunk:
            return total, head, "eof"
        if len(head) < 4096:
            head += chunk[:4096 - len(head)]
        total += len(chunk)


# --------------------------------------------------------------------------
# one server with a data file and small limits


class HttpTest(ServerTestCase):
    SERVER = {"files": {"data.bin": DATA},
              "sections": {"routes": {"/data.bin": "file data.bin"},
                           "limits": dict(LIMITS)}}

    @classmethod
    def prepare(cls, server):
        path = os.path.join(server.root, "data.bin")
        os.utime(path, ns=(DATA_MTIME_NS, DATA_MTIME_NS))
        st = os.stat(path)
        cls.etag = '"%x-%x"' % (st.st_mtime_ns, st.st_size)
        cls.last_modified = email.utils.formatdate(
            st.st_mtime_ns // 10**9, usegmt=True)

    def conn(self, timeout=5.0):
        return Connection(self.port, timeout=timeout)

    def req(self, text, timeout=5.0):
        return request(self.port, raw(text), timeout=timeout)

    def get_data(self, extra="", method="GET"):
        return self.req("%s /data.bin HTTP/1.1\r\nHost: x\r\n%s"
                        "Connection: close\r\n\r\n" % (method, extra))

    def post_msg_raw(self, message_body, extra=""):
        body = raw(message_body)
        return raw("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Content-Length: %d\r\n%s\r\n" % (FORM, len(body), extra)) \
            + body

    def db(self):
        return os.path.join(self.server.tmpdir, "msg.db")

    # -- pipelining and fragmentation

    def test_pipelined_requests_answered_in_order_with_intact_bodies(self):
        with open(os.path.join(guadtest.WWW, "doge.gif"), "rb") as f:
            gif = f.read()
        with open(os.path.join(guadtest.WWW, "index.html"), "rb") as f:
            index = f.read()
        reqs = [
            (b"GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n", 200, DATA),
            (b"GET /doge.gif HTTP/1.1\r\nHost: x\r\n\r\n", 200, gif),
            (b"HEAD /data.bin HTTP/1.1\r\nHost: x\r\n\r\n", 200, b""),
            (b"GET /pipeline-missing HTTP/1.1\r\nHost: x\r\n\r\n", 404, None),
            (b"GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199"
             b"\r\n\r\n", 206, DATA[100:200]),
            (self.post_msg_raw("message=pipelined+post"), 303, None),
            (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, index),
            (b"GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n", 200, DATA),
            (b"GET /doge.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
             200, gif),
        ]
        with self.conn(timeout=10) as c:
            c.send(b"".join(r for r, _, _ in reqs))
            got = []
            for r, status, body in reqs:
                resp = c.read_response(head=r.startswith(b"HEAD"))
                got.append(resp.status)
                if body is not None:
                    self.assertEqual(resp.body, body,
                                     "body of response %d (%r)"
                                     % (len(got), r[:40]))
            self.assertEqual(got, [s for _, s, _ in reqs])
            self.assertEqual(c.read_until_close(timeout=3), b"",
                             "bytes after the last pipelined response")
        self.assertIn("pipelined post", db_texts(self.db()))

    def test_request_split_into_one_byte_writes(self):
        reqs = [b"GET /data.bin HTTP/1.1\r\nHost: x\r\n"
                b"Range: bytes=5-14\r\n\r\n",
                self.post_msg_raw("message=one+byte+at+a+time"),
                b"GET /data.bin HTTP/1.1\r\nHost: x\r\nConnection: close"
                b"\r\n\r\n"]
        with self.conn(timeout=10) as c:
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            out = []
            for r in reqs:
                for i in range(len(r)):
                    c.send(r[i:i + 1])
                    time.sleep(0.002)
                out.append(c.read_response())
        self.assertEqual([r.status for r in out], [206, 303, 200])
        self.assertEqual(out[0].body, DATA[5:15])
        self.assertEqual(out[2].body, DATA)
        self.assertIn("one byte at a time", db_texts(self.db()))

    def test_bare_lf_line_endings_are_accepted(self):
        r = self.req(b"GET /data.bin HTTP/1.1\nHost: x\nConnection: close\n\n")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, DATA)

    # -- HEAD

    def test_head_has_get_headers_and_no_body(self):
        g = self.get_data()
        with self.conn() as c:
            c.send(b"HEAD /data.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            h = c.read_response(head=True)
            # a body after the HEAD response would break this next response
            c.send(b"GET /data.bin HTTP/1.1\r\nHost: x\r\n"
                   b"Connection: close\r\n\r\n")
            g2 = c.read_response()
            self.assertEqual(c.read_until_close(timeout=3), b"")
        self.assertEqual(h.status, 200, h)
        self.assertEqual(g2.status, 200, g2)
        self.assertEqual(g2.body, DATA)
        skip = ("date", "connection")
        self.assertEqual({k: v for k, v in h.headers.items() if k not in skip},
                         {k: v for k, v in g.headers.items() if k not in skip})
        self.assertEqual(h.headers["content-length"], str(DATA_LEN))

    # -- validators and conditional requests

    def test_etag_and_last_modified(self):
        r = self.get_data()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("etag"), self.etag, r)
        self.assertEqual(r.headers.get("last-modified"), self.last_modified, r)

    def check_304(self, extra, method="GET"):
        with self.conn() as c:
            c.send("%s /data.bin HTTP/1.1\r\nHost: x\r\n%s\r\n"
                   % (method, extra))
            r = c.read_response(head=True)
            # a body after the 304 would break the next response
            c.send(b"GET /data.bin HTTP/1.1\r\nHost: x\r\n"
                   b"Connection: close\r\n\r\n")
            after = c.read_response()
            self.assertEqual(c.read_until_close(timeout=3), b"")
        self.assertEqual(r.status, 304, r)
        self.assertEqual(r.headers.get("etag"), self.etag, r)
        self.assertEqual(after.status, 200, after)
        self.assertEqual(after.body, DATA)
        return r

    def test_if_none_match_matching_gives_304_without_body(self):
        cases = {
            "exact": self.etag,
            "in a list": '"nope-1", %s, "nope-2"' % self.etag,
            "star": "*",
            "weak form (weak comparison)": "W/" + self.etag,
        }
        for name, value in cases.items():
            with self.subTest(case=name, value=value):
                self.check_304("If-None-Match: %s\r\n" % value)

    def test_head_with_if_none_match_gives_304(self):
        self.check_304("If-None-Match: %s\r\n" % self.etag, method="HEAD")

    def test_if_none_match_not_matching_gives_200(self):
        r = self.get_data('If-None-Match: "0-0", "deadbeef-2710"\r\n')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, DATA)

    def test_if_modified_since_gives_304(self):
        later = email.utils.formatdate(DATA_MTIME_NS // 10**9 + 3600,
                                       usegmt=True)
        for name, value in (("equal to Last-Modified", self.last_modified),
                            ("later than Last-Modified", later)):
            with self.subTest(case=name):
                self.check_304("If-Modified-Since: %s\r\n" % value)

    def test_if_modified_since_earlier_gives_200(self):
        earlier = email.utils.formatdate(DATA_MTIME_NS // 10**9 - 1,
                                         usegmt=True)
        r = self.get_data("If-Modified-Since: %s\r\n" % earlier)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, DATA)

    def test_if_none_match_takes_precedence_over_if_modified_since(self):
        r = self.get_data('If-None-Match: "other-tag"\r\n'
                          "If-Modified-Since: %s\r\n" % self.last_modified)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, DATA)

    # -- ranges

    def test_single_range_gives_206_with_the_slice(self):
        cases = [("0-0", 0, 0), ("10-99", 10, 99), ("9990-", 9990, 9999),
                 ("-25", DATA_LEN - 25, DATA_LEN - 1),
                 ("9990-20000", 9990, 9999), ("0-", 0, DATA_LEN - 1)]
        for spec, first, last in cases:
            with self.subTest(range=spec):
                r = self.get_data("Range: bytes=%s\r\n" % spec)
                self.assertEqual(r.status, 206, r)
                self.assertEqual(r.headers.get("content-range"),
                                 "bytes %d-%d/%d" % (first, last, DATA_LEN))
                self.assertEqual(int(r.headers["content-length"]),
                                 last - first + 1)
                self.assertEqual(r.body, DATA[first:last + 1])
                self.assertEqual(r.headers.get("etag"), self.etag)

    def test_unsatisfiable_range_gives_416(self):
        for spec in ("%d-" % DATA_LEN, "20000-30000", "-0"):
            with self.subTest(range=spec):
                r = self.get_data("Range: bytes=%s\r\n" % spec)
                self.assertEqual(r.status, 416, r)
                self.assertEqual(r.headers.get("content-range"),
                                 "bytes */%d" % DATA_LEN)

    def test_several_ranges_or_other_units_give_the_whole_200(self):
        for spec in ("bytes=0-9,20-29", "bytes=0-9, 5000-", "items=0-9"):
            with self.subTest(range=spec):
                r = self.get_data("Range: %s\r\n" % spec)
                self.assertEqual(r.status, 200, r)
                self.assertNotIn("content-range", r.headers)
                self.assertEqual(r.body, DATA)

    def test_if_range(self):
        r = self.get_data('Range: bytes=0-9\r\nIf-Range: "wrong-etag"\r\n')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, DATA)
        r = self.get_data("Range: bytes=0-9\r\nIf-Range: %s\r\n" % self.etag)
        self.assertEqual(r.status, 206, r)
        self.assertEqual(r.body, DATA[:10])
        # the file is older than a second: its Last-Modified is strong
        r = self.get_data("Range: bytes=0-9\r\nIf-Range: %s\r\n"
                          % self.last_modified)
        self.assertEqual(r.status, 206, r)
        self.assertEqual(r.body, DATA[:10])
        r = self.get_data("Range: bytes=0-9\r\nIf-Range: %s\r\n"
                          % email.utils.formatdate(
                              DATA_MTIME_NS // 10**9 - 1, usegmt=True))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, DATA)

    def test_range_numbers_past_the_end(self):
        huge = "9" * 30
        r = self.get_data("Range: bytes=10-%s\r\n" % huge)
        self.assertEqual(r.status, 206, r)
        self.assertEqual(r.body, DATA[10:])
        self.assertEqual(r.headers["content-range"],
                         "bytes 10-%d/%d" % (len(DATA) - 1, len(DATA)))
        for first in (str(len(DATA)), huge):
            with self.subTest(first=first):
                r = self.get_data("Range: bytes=%s-\r\n" % first)
                self.assertEqual(r.status, 416, r)
                self.assertEqual(r.headers["content-range"],
                                 "bytes */%d" % len(DATA))

    # -- limits and error statuses

    def test_request_line_too_long_is_414(self):
        r = self.req("GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % ("a" * 1100))
        html_error(self, r, 414)

    def test_header_too_large_is_431(self):
        fields = "".join("X-Big-%d: %s\r\n" % (i, "b" * 900) for i in range(3))
        r = self.req("GET / HTTP/1.1\r\nHost: x\r\n%s\r\n" % fields)
        html_error(self, r, 431)

    def test_too_many_header_fields_is_431(self):
        fields = "".join("X-F%d: %d\r\n" % (i, i) for i in range(30))
        r = self.req("GET / HTTP/1.1\r\nHost: x\r\n%s\r\n" % fields)
        html_error(self, r, 431)

    def test_limits_are_not_hit_just_below_them(self):
        fields = "".join("X-F%d: %d\r\n" % (i, i) for i in range(15))
        r = self.req("GET /data.bin HTTP/1.1\r\nHost: x\r\n%s"
                     "Connection: close\r\n\r\n" % fields)
        self.assertEqual(r.status, 200, r)

    def test_body_too_large_is_413(self):
        with self.conn() as c:
            c.send("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Content-Length: 5000\r\n\r\n" % FORM)
            r = c.read_response()
        html_error(self, r, 413)

    def test_chunked_body_too_large_is_413(self):
        with self.conn() as c:
            c.send("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n" % FORM)
            try:
                for _ in range(5):
                    c.send(b"190\r\n" + b"m" * 400 + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            r = c.read_response()
        html_error(self, r, 413)

    def test_unsupported_version_is_505(self):
        for version in ("HTTP/2.0", "HTTP/1.2", "HTTP/3.0"):
            with self.subTest(version=version):
                r = self.req("GET / %s\r\nHost: x\r\n\r\n" % version)
                html_error(self, r, 505)

    def test_unknown_method_or_transfer_coding_is_501(self):
        cases = {
            "method BREW": "BREW / HTTP/1.1\r\nHost: x\r\n\r\n",
            "method FOO": "FOO /data.bin HTTP/1.1\r\nHost: x\r\n\r\n",
            "CONNECT (no tunnels)":
                "CONNECT example.com:443 HTTP/1.1\r\n"
                "Host: example.com:443\r\n\r\n",
            "Transfer-Encoding gzip":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Transfer-Encoding: gzip\r\n\r\n" % FORM,
            "Transfer-Encoding deflate":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Transfer-Encoding: deflate\r\n\r\n" % FORM,
        }
        for name, text in cases.items():
            with self.subTest(case=name):
                html_error(self, self.req(text), 501)

    def test_method_not_allowed_is_405_with_allow(self):
        cases = [("PUT", "/data.bin", False), ("POST", "/data.bin", False),
                 ("DELETE", "/", False), ("PUT", "/msg", True),
                 ("POST", "/doge.gif", False)]
        for method, path, post_ok in cases:
            with self.subTest(method=method, path=path):
                r = self.req("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                             "Content-Length: 9\r\n\r\nmessage=x"
                             % (method, path, FORM))
                html_error(self, r, 405)
                self.assertIn("allow", r.headers, r)
                allow = [m.strip() for m in r.headers["allow"].split(",")]
                self.assertIn("GET", allow)
                self.assertIn("HEAD", allow)
                self.assertNotIn(method, allow)
                self.assertEqual("POST" in allow, post_ok, allow)

    def test_options_star_is_204_with_allow(self):
        with self.conn() as c:
            c.send(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
            r = c.read_response()
            c.send(b"GET /data.bin HTTP/1.1\r\nHost: x\r\n"
                   b"Connection: close\r\n\r\n")
            after = c.read_response()
        self.assertEqual(r.status, 204, r)
        allow = [m.strip() for m in r.headers.get("allow", "").split(",")]
        for m in ("GET", "HEAD", "POST"):
            self.assertIn(m, allow, r)
        self.assertEqual(after.status, 200)
        self.assertEqual(after.body, DATA)

    def test_strictness_violations_are_400(self):
        cases = {
            "bare CR inside a field":
                "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
            "bare CR in the request line":
                "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n",
            "obs-fold":
                "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n",
            "obs-fold with tab":
                "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tfolded\r\n\r\n",
            "space before colon":
                "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            "tab before colon":
                "GET / HTTP/1.1\r\nHost: x\r\nX-A\t: a\r\n\r\n",
            "missing Host on HTTP/1.1":
                "GET / HTTP/1.1\r\nX-A: a\r\n\r\n",
            "duplicate Host":
                "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            "Content-Length and Transfer-Encoding":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n"
                "9\r\nmessage=x\r\n0\r\n\r\n" % FORM,
            "differing Content-Length fields":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length: 9\r\nContent-Length: 10\r\n\r\n"
                "message=xy" % FORM,
            "differing Content-Length list":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length: 9, 10\r\n\r\nmessage=xy" % FORM,
            "non-digit Content-Length 9a":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length: 9a\r\n\r\nmessage=x" % FORM,
            "negative Content-Length":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length: -1\r\n\r\n" % FORM,
            "Content-Length with plus sign":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length: +9\r\n\r\nmessage=x" % FORM,
            "hex Content-Length":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length: 0x9\r\n\r\nmessage=x" % FORM,
            "empty Content-Length":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Content-Length:\r\n\r\n" % FORM,
            "bad chunk size":
                "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Transfer-Encoding: chunked\r\n\r\nzz\r\nmessage=x\r\n"
                "0\r\n\r\n" % FORM,
        }
        for name, text in cases.items():
            with self.subTest(rule=name):
                html_error(self, self.req(text), 400)

    def test_http10_without_host_is_fine(self):
        r = self.req(b"GET /data.bin HTTP/1.0\r\n\r\n")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, DATA)

    # -- request bodies

    def test_chunked_post_to_msg_is_stored(self):
        body = b"message=chunked+hello+%E2%9C%93+end"
        chunks = [body[:5], body[5:17], body[17:]]
        enc = b"%x;ext=1\r\n%s\r\n" % (len(chunks[0]), chunks[0])
        enc += b"%X\r\n%s\r\n" % (len(chunks[1]), chunks[1])
        enc += b"%x\r\n%s\r\n" % (len(chunks[2]), chunks[2])
        enc += b"0\r\n\r\n"
        with self.conn() as c:
            c.send("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n" % FORM)
            c.send(enc)
            r = c.read_response()
            # the connection is still in sync after the chunked body
            c.send(b"GET /msg HTTP/1.1\r\nHost: x\r\nConnection: close"
                   b"\r\n\r\n")
            page = c.read_response()
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.headers.get("location"), "/msg")
        self.assertEqual(page.status, 200, page)
        self.assertIn("chunked hello \u2713 end", page.body.decode("utf-8"))
        self.assertIn("chunked hello \u2713 end", db_texts(self.db()))

    def test_expect_100_continue(self):
        body = b"message=after+continue"
        with self.conn() as c:
            c.send("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n"
                   % (FORM, len(body)))
            interim = c.read_response(timeout=3)
            self.assertEqual((interim.version, interim.status),
                             ("HTTP/1.1", 100), interim)
            c.send(body)
            r = c.read_response()
        self.assertEqual(r.status, 303, r)
        self.assertIn("after continue", db_texts(self.db()))

    def test_expect_100_continue_with_too_large_body_gets_413_at_once(self):
        with self.conn() as c:
            c.send("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n"
                   % FORM)
            r = c.read_response(timeout=3)
        html_error(self, r, 413)


# --------------------------------------------------------------------------
# timeouts


BIG = 50 * 1024 * 1024


class AccessLogTest(unittest.TestCase):
    """Every answered request leaves one access log line, however much its
    fields grow when escaped."""

    def test_long_escaped_fields_are_cut_not_dropped(self):
        quotes = '"' * 1100
        text = ("GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n"
                "Referer: %s\r\nConnection: close\r\n\r\n"
                % (quotes, quotes, "\xe9" * 1100))
        with Server(log_files=True) as s:
            r = request(s.port, raw(text))
            self.assertEqual(r.status, 404, r)
            get(s.port, "/?after")
            # each worker writes its line once its answer is out: two
            # workers may write them in either order
            wait_for(lambda: len(s.access_lines()) >= 2, 5,
                     message=lambda: "both requests in %s"
                     % s.access_log_path)
            lines = s.access_lines()
        self.assertEqual(len(lines), 2, lines)
        (first,) = [ln for ln in lines if "/?after" not in ln]
        (after,) = [ln for ln in lines if "/?after" in ln]
        self.assertLess(len(first), 4096)
        self.assertIn(' 404 ', first)
        # request line, Referer, User-Agent: each cut, each marked
        fields = re.findall(r'"((?:[^"\\]|\\x[0-9a-f]{2})*)"', first)
        self.assertEqual(len(fields), 3, first)
        for f in fields:
            self.assertTrue(f.endswith("..."), f[-40:])
            self.assertLessEqual(len(f), 1024)
        self.assertTrue(fields[0].startswith("GET /\\x22\\x22"), fields[0][:40])
        self.assertTrue(fields[1].startswith("\\xe9\\xe9"), fields[1][:40])
        self.assertIn(' 200 ', after)


class PipelineDeadlineTest(ServerTestCase):
    """A request that begins behind pipelined responses the client is slow
    to read keeps its own deadline: once the output drains, an unfinished
    head or body still ends in 408 (or a close), never in an open
    connection with no timer at all."""

    HEADER = BODY = 2
    # The unfinished request's timer may only start once the output has
    # drained through the client's 2 KiB window; any close before
    # keepalive and send (60 s) is the header or body timer's doing, and
    # none at all means the request had no timer.  So the bound is not a
    # guess of how long the timer takes: it only has to stay below 60.
    SLACK = 8
    SIZE = 2500         # responses small enough to be gathered and batched

    @classmethod
    def server_args(cls):
        return {"workers": 1,
                "files": {"s.txt": b"s" * cls.SIZE},
                "sections": {"timeouts": {"header": str(cls.HEADER),
                                          "body": str(cls.BODY),
                                          "keepalive": "60", "send": "60"},
                             "routes": {"/s.txt": "file s.txt"}}}

    def pipeline(self, n, tail):
        """n GETs and the start of one more request, sent at once on a
        socket that takes little in at a time, so that the server's sends
        fill up while it already holds the unfinished request; then read
        everything, for a bounded time."""
        sock = socket.socket()
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
            sock.connect((guadtest.HOST, self.server.port))
            sock.sendall(b"GET /s.txt HTTP/1.1\r\nHost: x\r\n\r\n" * n
                         + tail)
            limit = self.HEADER + self.SLACK
            data = b""
            sock.settimeout(limit)
            deadline = time.monotonic() + limit
            end = "timeout"
            while time.monotonic() < deadline:
                try:
                    chunk = sock.recv(4096)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    end = "reset"
                    break
                if not chunk:
                    end = "eof"
                    break
                data += chunk
            return data, end
        finally:
            sock.close()

    def check(self, tail):
        for n in (61, 62, 63, 120, 121):
            with self.subTest(n=n):
                data, end = self.pipeline(n, tail)
                self.assertEqual(data.count(b"HTTP/1.1 200 "), n, data[-300:])
                self.assertIn(end, ("eof", "reset"),
                              "connection still open %d s after its "
                              "unfinished request began" %
                              (self.HEADER + self.SLACK))
                tail_head = data[data.rindex(b"HTTP/1.1 "):]
                if not tail_head.startswith(b"HTTP/1.1 200 "):
                    self.assertTrue(tail_head.startswith(b"HTTP/1.1 408 "),
                                    tail_head[:100])

    def test_unfinished_head_behind_pipelined_responses_times_out(self):
        self.check(b"GET /s.txt HTTP/1.1\r\nHo")

    def test_unfinished_body_behind_pipelined_responses_times_out(self):
        # to the board: a route that uses no body answers without it
        self.check(b"POST /msg HTTP/1.1\r\nHost: x\r\n"
                   b"Content-Type: " + FORM.encode() + b"\r\n"
                   b"Content-Length: 10\r\n\r\nabc")


class TimeoutTest(ServerTestCase):
    """Each timeout's effect comes at its configured value: not before
    (minus guadtest.TIMER_EARLY), not after (plus guadtest.TIMER_LATE)."""

    HEADER = BODY = KEEPALIVE = SEND = 1
    TRICKLE = 0.3       # seconds between two trickled bytes

    @classmethod
    def server_args(cls):
        return {"workers": 1,
                "files": {"big/big.bin": BIG},
                "sections": {"timeouts": {"header": str(cls.HEADER),
                                          "body": str(cls.BODY),
                                          "keepalive": str(cls.KEEPALIVE),
                                          "send": str(cls.SEND)},
                             "routes": {"/big/": "dir big"}}}

    def assert_at(self, elapsed, value, what, late=0.0):
        """elapsed (seconds, by the test's clock) is the configured value
        within the timer margins (plus late: the test's own delay in
        noticing)."""
        self.assertGreaterEqual(elapsed, value - guadtest.TIMER_EARLY,
                                "%s after %.2f s; it is %d s"
                                % (what, elapsed, value))
        self.assertLessEqual(elapsed, value + guadtest.TIMER_LATE + late,
                             "%s after %.2f s; it is %d s"
                             % (what, elapsed, value))

    def trickle(self, c, data):
        """Send data one byte every TRICKLE seconds until the server
        answers or closes (True), or all of it went (False).  The answer
        is noticed at most TRICKLE seconds after it came."""
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(data)):
            try:
                c.sock.send(data[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                return True
            readable, _, _ = select.select([c.sock], [], [], self.TRICKLE)
            if readable:
                return True
        return False

    def test_header_timeout_is_not_extended_by_a_trickle(self):
        # 100 bytes at one every TRICKLE s: far longer than the timeout
        data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 100
        with Connection(self.server.port, timeout=10) as c:
            start = time.monotonic()
            self.assertTrue(self.trickle(c, data),
                            "the whole trickled head went unanswered")
            elapsed = time.monotonic() - start
            r = c.read_response()
            self.assertEqual(r.status, 408, r)
            self.assert_at(elapsed, self.HEADER, "the 408", self.TRICKLE)
            self.assertTrue(c.closed_by_server(),
                            "connection not closed after the 408")

    def test_header_timeout_without_any_bytes_closes_silently(self):
        with Connection(self.server.port, timeout=10) as c:
            start = time.monotonic()
            data = c.read_until_close()
            elapsed = time.monotonic() - start
            self.assertTrue(c.eof, "connection still open")
            self.assertEqual(data, b"", "expected a silent close")
            self.assert_at(elapsed, self.HEADER, "closed")

    def test_body_timeout_gives_408(self):
        with Connection(self.server.port, timeout=10) as c:
            c.send("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Content-Length: 100\r\n\r\nmessage=ab" % FORM)
            start = time.monotonic()
            r = c.read_response()
            elapsed = time.monotonic() - start
            self.assertEqual(r.status, 408, r)
            self.assert_at(elapsed, self.BODY, "the 408")
            self.assertTrue(c.closed_by_server())

    def test_body_timeout_is_not_extended_by_a_trickle(self):
        with Connection(self.server.port, timeout=10) as c:
            c.send("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                   "Content-Length: 100\r\n\r\n" % FORM)
            start = time.monotonic()
            self.assertTrue(self.trickle(c, b"message=" + b"t" * 92),
                            "the whole trickled body went unanswered")
            elapsed = time.monotonic() - start
            r = c.read_response()
            self.assertEqual(r.status, 408, r)
            self.assert_at(elapsed, self.BODY, "the 408", self.TRICKLE)

    def test_idle_keepalive_connection_is_closed(self):
        with Connection(self.server.port, timeout=10) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
            start = time.monotonic()
            self.assertTrue(c.closed_by_server(timeout=10),
                            "idle keep-alive connection still open")
            self.assert_at(time.monotonic() - start, self.KEEPALIVE,
                           "the idle connection closed")

    def test_send_timeout_closes_a_client_that_stops_reading(self):
        port = self.server.port
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(5)
            sock.connect((guadtest.HOST, port))
            client_port = sock.getsockname()[1]
            sock.sendall(b"GET /big/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            # The worker has read the request and its sends are stuck
            # (the client reads nothing): the request left the socket.
            wait_for(lambda: guadtest.unread_bytes(port, client_port) == 0,
                     5, message="the worker to read the request")
            # The worker (only one) is not blocked by this client.
            self.assertEqual(get(port, "/").status, 200)
            # The server side of the connection leaves ESTABLISHED when
            # the worker closes it: SEND seconds after its last progress,
            # which was at most the time of the request above.
            start = time.monotonic()
            wait_for(lambda: guadtest.unread_bytes(port, client_port) is None,
                     self.SEND + guadtest.TIMER_LATE, interval=0.01,
                     message="the worker to close the stalled connection "
                     "within send = %d s" % self.SEND)
            total, head, how = read_all(sock, 20)
        finally:
            sock.close()
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:100])
        self.assertIn(how, ("eof", "reset"),
                      "the server neither closed nor finished (%d bytes)"
                      % total)
        self.assertLess(total, BIG, "the whole body arrived: the stalled "
                        "client was not disconnected")
        self.assertEqual(get(port, "/", timeout=5).status, 200)


# --------------------------------------------------------------------------
# many connections


def raise_nofile(need, want=4096):
    """Raise this process's soft RLIMIT_NOFILE towards `want` (servers
    started afterwards inherit it); skip the test if `need` is out of
    reach."""
    inf = resource.RLIM_INFINITY
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == inf or soft >= want:
        return
    if hard != inf and hard < want:
        try:                    # root may raise the hard limit too
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
        except (ValueError, OSError):
            pass
    target = want if hard == inf else min(want, hard)
    if target < need:
        raise unittest.SkipTest("RLIMIT_NOFILE hard limit %d < %d"
                                % (hard, need))
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, target), hard))


def close_all(conns):
    for c in conns:
        c.close()


class IdleConnectionsTest(unittest.TestCase):
    IDLE = 1000
    TRICKLING = 100
    TRICKLE_ROUNDS = 4      # one byte a second on each, then the rest

    def test_thousand_idle_connections_do_not_block_a_new_request(self):
        import threading
        # The server inherits the raised limit: one worker may well end up
        # holding all of them.
        raise_nofile(2 * (self.IDLE + self.TRICKLING) + 100)
        request_bytes = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        with Server(workers=2,
                    sections={"limits": {"connections": "2000"},
                              "timeouts": {"header": "60",
                                           "keepalive": "60"}}) as s:
            conns, tricklers = [], []
            stop = threading.Event()
            rounds = []

            def trickle():
                # one byte a second on every trickling connection, bounded
                for i in range(self.TRICKLE_ROUNDS):
                    for c in tricklers:
                        c.sock.send(request_bytes[i:i + 1])
                    rounds.append(i)
                    if stop.wait(1.0):
                        return

            try:
                for _ in range(self.IDLE):
                    conns.append(Connection(s.port, timeout=5))
                for _ in range(self.TRICKLING):
                    c = Connection(s.port, timeout=5)
                    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                      1)
                    tricklers.append(c)
                t = threading.Thread(target=trickle)
                t.start()
                try:
                    wait_for(lambda: len(rounds) >= 2, 10,
                             message="two rounds of trickled bytes")
                    # answered while the trickle goes on: counted in
                    # its rounds, not by a clock
                    r = get(s.port, "/", timeout=5)
                    self.assertEqual(r.status, 200, r)
                    self.assertLess(len(rounds), self.TRICKLE_ROUNDS,
                                    "the trickle was over before the "
                                    "request was answered")
                finally:
                    stop.set()
                    t.join(30)
                # the idle and trickling connections were kept, and they
                # are served too
                for c in conns[::97]:
                    c.send(request_bytes)
                    self.assertEqual(c.read_response().status, 200)
                for c in tricklers[::9]:
                    c.send(request_bytes[len(rounds):])
                    self.assertEqual(c.read_response().status, 200)
            finally:
                close_all(conns)
                close_all(tricklers)
            self.assertEqual(get(s.port, "/", timeout=5).status, 200)


class PipelineFairnessTest(unittest.TestCase):
    """One connection that keeps its pipeline full cannot hold its worker:
    another client is answered while that pipeline is still being served."""

    N = 20000

    def test_full_pipeline_does_not_hold_the_worker(self):
        import threading
        # Large requests with small answers: the server's reads keep
        # finding input and its writes never block.
        req = (b"HEAD /doge.gif HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 2000
               + b"\r\n\r\n")
        with Server(workers=1) as s:
            a = socket.create_connection((guadtest.HOST, s.port), timeout=30)
            counted = {"n": 0, "done": False}
            first = threading.Event()

            def send():
                try:
                    a.sendall(req * self.N)
                except OSError:
                    pass

            def read():
                tail = b""
                try:
                    while counted["n"] < self.N:
                        chunk = a.recv(1 << 20)
                        if not chunk:
                            break
                        data = tail + chunk
                        counted["n"] += data.count(b"HTTP/1.1 200 ")
                        tail = data[-12:]  # shorter than a match: none counted twice
                        first.set()
                except OSError:
                    pass
                counted["done"] = True
                first.set()

            threads = [threading.Thread(target=send),
                       threading.Thread(target=read)]
            for t in threads:
                t.start()
            try:
                self.assertTrue(first.wait(20), "no response on the pipeline")
                r = get(s.port, "/", timeout=20)
                seen = counted["n"]
            finally:
                for t in threads:
                    t.join(60)
                a.close()
            self.assertEqual(r.status, 200, r)
            self.assertEqual(counted["n"], self.N)
            self.assertLess(seen, self.N,
                            "the other client was answered only after the "
                            "whole pipeline")


class FdExhaustionTest(unittest.TestCase):
    FDS = 64
    CONNS = 150

    def test_server_survives_running_out_of_descriptors(self):
        """With ulimit -n 64, guad says at start what the limit caps and
        holds no more connections than that: past it, a full worker
        closes its oldest idle connections to take new ones.  150 clients
        that each send a request at once: every one is answered or closed
        unanswered, none hangs, the closed ones are exactly those the log
        counts as closed before their first byte was read, and the very
        next request succeeds."""
        fds = self.FDS

        def lower_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (fds, fds))

        raise_nofile(self.CONNS + 100)
        with Server(workers=1, preexec_fn=lower_limit) as s:
            m = re.search(r"ulimit -n %d caps \[limits\] connections at "
                          r"(\d+) per worker" % fds, s.log())
            self.assertIsNotNone(m, s.log())
            cap = int(m.group(1))
            conns = []
            answered = closed = 0
            try:
                # Each client sends its request as soon as it is
                # connected, as a browser does.  A 404 needs no
                # descriptor of its own.  A connection evicted before its
                # request was read is closed under the client: as it
                # sends, or before the answer.
                gone = (guadtest.ConnectionClosed, ConnectionResetError,
                        BrokenPipeError)
                unsent = set()
                for _ in range(self.CONNS):
                    c = Connection(s.port, timeout=10)
                    conns.append(c)
                    try:
                        c.send(b"GET /fd-test-missing HTTP/1.1\r\n"
                               b"Host: x\r\n\r\n")
                    except gone:
                        unsent.add(c)
                for c in conns:
                    try:
                        if c in unsent:
                            raise BrokenPipeError
                        r = c.read_response()
                    except gone:
                        closed += 1
                        continue
                    self.assertEqual(r.status, 404)
                    answered += 1
            finally:
                close_all(conns)
            self.assertGreater(answered, cap,
                               "no more than the cap was served: nothing "
                               "was evicted to make room\n%s" % s.log())
            # The episode's summary comes once it has been quiet for
            # EVICT_QUIET_MS (5 s, evict.h); 1 s of margin on top.
            summary = wait_for(
                lambda: re.search(r"closed (\d+) idle connections .*\((\d+) "
                                  r"keep-alive, (\d+) before their first "
                                  r"byte, (\d+) with an unfinished request "
                                  r"head, (\d+) with an unfinished request "
                                  r"body\)", s.log()),
                5 + 1 + guadtest.TIMER_LATE,
                message=lambda: "the eviction summary:\n%s" % s.log())
            fresh, partial = int(summary.group(3)), int(summary.group(4))
            self.assertEqual(closed, fresh + partial, s.log())
            self.assertEqual(summary.group(5), "0", s.log())
            self.assertIsNone(s.proc.poll(), "master died")
            self.assertTrue(s.workers(), "no worker left")

            # Recovery: once the clients are gone, the very next request
            # succeeds (no retry).
            r = get(s.port, "/", timeout=10)
            self.assertEqual(r.status, 200, s.log()[-2000:])
            with open(os.path.join(guadtest.WWW, "index.html"), "rb") as f:
                self.assertEqual(r.body, f.read())
            for _ in range(5):
                self.assertEqual(get(s.port, "/doge.gif").status, 200)


if __name__ == "__main__":
    unittest.main()
