#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Routes of the shipped configuration: /, /doge.gif, /msg, 404, HEAD,
common response headers and the access log."""

import datetime
import email.utils
import os
import re
import sys
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (Server, ServerTestCase, get, request,  # noqa: E402
                      wait_for)


class RoutesTest(ServerTestCase):
    def get(self, path, **kw):
        return get(self.server.port, path, **kw)

    def test_root_is_html_page_with_doge_and_greeting(self):
        r = self.get("/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type(), "text/html")
        self.assertIn(b"/doge.gif", r.body)
        self.assertRegex(r.body.decode("utf-8"), r"(?i)hello\s+gua")

    def test_root_serves_index_html_verbatim(self):
        r = self.get("/")
        with open(os.path.join(guadtest.WWW, "index.html"), "rb") as f:
            self.assertEqual(r.body, f.read())

    def test_doge_gif_is_served_byte_identical_as_image_gif(self):
        r = self.get("/doge.gif")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type(), "image/gif")
        with open(os.path.join(guadtest.WWW, "doge.gif"), "rb") as f:
            expected = f.read()
        self.assertEqual(len(r.body), len(expected))
        self.assertEqual(r.body, expected)

    def test_msg_page_contains_the_post_form(self):
        r = self.get("/msg")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type(), "text/html")
        body = r.body.decode("utf-8")
        self.assertIn("<form", body)
        self.assertRegex(body, r'(?i)method="post"')
        self.assertIn('name="message"', body)
        self.assertNotIn("{{messages}}", body,
                         "template placeholder must be replaced")

    def test_unknown_path_is_404_with_html_body(self):
        r = self.get("/no/such/page-4711")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.content_type(), "text/html")
        body = r.body.decode("utf-8")
        self.assertRegex(body, r"(?i)<!DOCTYPE html>")
        self.assertIn("404 Not Found", body)

    def test_head_has_same_headers_as_get_and_no_body(self):
        for path in ("/", "/doge.gif", "/msg", "/missing-head"):
            with self.subTest(path=path):
                g = self.get(path)
                # HEAD then GET on one connection: if HEAD sent a body, the
                # second response would not parse as a status line.
                h, g2 = guadtest.requests_on_one_connection(
                    self.server.port,
                    [b"HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode(),
                     b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                     % path.encode()])
                self.assertEqual(h.status, g.status)
                self.assertEqual(g2.status, g.status)
                self.assertEqual(h.headers.get("content-length"),
                                 g.headers.get("content-length"))
                self.assertEqual(h.headers.get("content-type"),
                                 g.headers.get("content-type"))
                self.assertEqual(
                    sorted(k for k in h.headers if k not in ("connection",)),
                    sorted(k for k in g.headers if k not in ("connection",)))
                self.assertEqual(g2.body, g.body)

    def test_head_with_connection_close_sends_no_body(self):
        with guadtest.Connection(self.server.port) as c:
            c.send(b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            r = c.read_response(head=True)
            self.assertEqual(r.status, 200)
            self.assertGreater(int(r.headers["content-length"]), 0)
            self.assertEqual(c.read_until_close(), b"")

    def test_every_response_carries_the_standard_headers(self):
        cases = [("GET", "/"), ("GET", "/doge.gif"), ("GET", "/msg"),
                 ("GET", "/nope-404"), ("HEAD", "/"), ("HEAD", "/nope-404")]
        for method, path in cases:
            with self.subTest(method=method, path=path):
                before = time.time()
                r = self.get(path, method=method)
                after = time.time()
                h = r.headers
                for name in ("date", "server", "content-length",
                             "content-type", "x-content-type-options"):
                    self.assertIn(name, h, r)
                    self.assertEqual(r.header_count(name), 1, r)
                self.assertEqual(h["x-content-type-options"], "nosniff")
                self.assertRegex(h["server"], r"^guad/\S+$")
                self.assertRegex(h["content-length"], r"^\d+$")
                if method == "GET":
                    self.assertEqual(int(h["content-length"]), len(r.body))
                else:
                    self.assertEqual(r.body, b"")
                self.assertTrue(h["date"].endswith(" GMT"), h["date"])
                date = email.utils.parsedate_to_datetime(h["date"])
                self.assertTrue(guadtest.stamped_between(
                    date.timestamp(), before, after),
                    "%s, asked between %s and %s" % (h["date"], before,
                                                     after))

    def test_server_header_matches_version_option(self):
        r = self.get("/")
        v = guadtest.version()           # "guad X.Y.Z"
        self.assertEqual(r.headers["server"], v.replace(" ", "/", 1))


class FreshMessageDbTest(unittest.TestCase):
    def test_every_worker_serves_msg_when_db_is_created_at_start(self):
        # Several workers open (and create) a fresh msg.db at the same time;
        # none of them may end up without a usable message store.
        for attempt in range(3):
            with Server(workers=4) as s:
                conns = [guadtest.Connection(s.port) for _ in range(12)]
                try:
                    for c in conns:
                        c.send(b"GET /msg HTTP/1.1\r\nHost: x\r\n"
                               b"Connection: close\r\n\r\n")
                    statuses = [c.read_response().status for c in conns]
                finally:
                    for c in conns:
                        c.close()
                statuses += [get(s.port, "/msg").status for _ in range(12)]
                counts = {st: statuses.count(st) for st in set(statuses)}
                self.assertEqual(counts, {200: len(statuses)},
                                 "status counts on attempt %d; error log:\n%s"
                                 % (attempt, s.log()))
                self.assertNotRegex(s.log(), r"\[(warn|error)\]", s.log())


CLF = re.compile(
    r'^(?P<host>\S+) (?P<ident>\S+) (?P<user>\S+) '
    r'\[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] '
    r'"(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}) (?P<bytes>\d+|-) '
    r'"(?P<referer>(?:[^"\\]|\\.)*)" "(?P<agent>(?:[^"\\]|\\.)*)" '
    r'(?P<us>\d+) (?P<conn>new|reused)$')


class AccessLogTest(unittest.TestCase):
    def test_one_combined_log_format_line_per_request(self):
        agent = "guad-integration/1.0 (access-log)"
        referer = "http://127.0.0.1/from-here"
        hdrs = "User-Agent: %s\r\nReferer: %s\r\n" % (agent, referer)
        with Server() as s:
            sent = []
            before = time.time()
            for method, path in [("GET", "/"), ("GET", "/doge.gif"),
                                 ("GET", "/log-missing-xyz"), ("HEAD", "/"),
                                 ("GET", "/msg")]:
                r = get(s.port, path, method=method, extra_headers=hdrs)
                sent.append((method, path, r))
            # two more on one keep-alive connection
            ka = guadtest.requests_on_one_connection(s.port, [
                "GET /?ka=1 HTTP/1.1\r\nHost: x\r\n%s\r\n" % hdrs,
                "GET /?ka=2 HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                % hdrs])
            sent.append(("GET", "/?ka=1", ka[0]))
            sent.append(("GET", "/?ka=2", ka[1]))
            after = time.time()

            wait_for(lambda: len(s.access_lines()) >= len(sent), 5,
                     message=lambda: "%d access log lines, got:\n%s"
                     % (len(sent), s.access_log()))
            lines = s.access_lines()
            self.assertEqual(len(lines), len(sent), s.access_log())

            by_request = {}
            for line in lines:
                m = CLF.match(line)
                self.assertIsNotNone(m, "not Combined Log Format: %r" % line)
                by_request.setdefault(m.group("request"), []).append(m)
            for method, path, r in sent:
                req = "%s %s HTTP/1.1" % (method, path)
                with self.subTest(request=req):
                    self.assertIn(req, by_request, s.access_log())
                    m = by_request[req].pop(0)
                    self.assertEqual(m.group("host"), "127.0.0.1")
                    self.assertEqual(int(m.group("status")), r.status)
                    if method == "HEAD":
                        self.assertIn(m.group("bytes"), ("-", "0"))
                    else:
                        self.assertEqual(m.group("bytes"),
                                         str(len(r.body)) if r.body else "-")
                    self.assertEqual(m.group("referer"), referer)
                    self.assertEqual(m.group("agent"), agent)
                    t = datetime.datetime.strptime(m.group("time"),
                                                   "%d/%b/%Y:%H:%M:%S %z")
                    self.assertTrue(guadtest.stamped_between(
                        t.timestamp(), before, after),
                        "%s, asked between %s and %s" % (m.group("time"),
                                                         before, after))


if __name__ == "__main__":
    unittest.main()
