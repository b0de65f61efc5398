#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""HTTPS around the TLS listener: [tls] redirect (the plain port answers
308 to the https URL), [tls] hsts (Strict-Transport-Security on TLS
responses only), and their gua.ini errors.

Certificates are made by the openssl CLI (tlscerts.py) in a temporary
directory for each test class."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import Connection, run_guad  # noqa: E402
from test_tls import TLSBase, TLSConnection, request_bytes  # noqa: E402

HSTS = "max-age=63072000; includeSubDomains"


def raw(port, path, host=None, method="GET", extra="", version="1.1",
        body=b""):
    """One request on a new plain connection; returns the Response."""
    lines = "%s %s HTTP/%s\r\n" % (method, path, version)
    if host is not None:
        lines += "Host: %s\r\n" % host
    if body:
        lines += ("Content-Type: application/x-www-form-urlencoded\r\n"
                  "Content-Length: %d\r\n" % len(body))
    with Connection(port) as c:
        c.send((lines + extra + "\r\n").encode("latin-1") + body)
        return c.read_response(head=method == "HEAD")


class RedirectTest(TLSBase):
    """One server: redirect = on, hsts set."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = TLSBase.tls_server(cls, files={"static/r.txt": b"r" * 10},
                                     tls={"redirect": "on", "hsts": HSTS})
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        super().tearDownClass()

    def tls_get(self, path, method="GET", body=b"", extra=""):
        with self.conn() as c:
            if body:
                extra += ("Content-Type: application/x-www-form-urlencoded"
                          "\r\nContent-Length: %d\r\n" % len(body))
            c.send(request_bytes(path, self.tls_port, method=method,
                                 extra=extra) + body)
            return c.read_response(head=method == "HEAD")

    def test_plain_port_answers_308_to_the_same_path_and_query(self):
        p = self.srv.port
        for path, want in (
                ("/static/r.txt?a=1&b=two", "/static/r.txt?a=1&b=two"),
                ("/", "/"),
                ("/nope/x?", "/nope/x?"),
                # decoded and normalised, then encoded again
                ("/static/../static/r%2Etxt", "/static/r.txt"),
                ("/a%20b", "/a%20b")):
            r = raw(p, path, host="localhost:%d" % p)
            self.assertEqual(r.status, 308, path)
            self.assertEqual(r.headers["location"], "https://localhost:%d%s"
                             % (self.tls_port, want))
            self.assertNotIn("strict-transport-security", r.headers)
        # HEAD too, and the host the client named, IPv6 literal included
        r = raw(p, "/x", host="[::1]:%d" % p, method="HEAD")
        self.assertEqual(r.status, 308)
        self.assertEqual(r.headers["location"],
                         "https://[::1]:%d/x" % self.tls_port)
        r = raw(p, "/x", host="Example.COM")
        self.assertEqual(r.headers["location"],
                         "https://Example.COM:%d/x" % self.tls_port)

    def test_the_location_serves_the_same_file_over_tls(self):
        r = raw(self.srv.port, "/static/r.txt", host="localhost")
        loc = r.headers["location"]
        self.assertTrue(loc.startswith("https://localhost:%d/" %
                                       self.tls_port), loc)
        r = self.tls_get(loc[len("https://localhost:%d" % self.tls_port):])
        self.assertEqual((r.status, r.body), (200, b"r" * 10))

    def test_a_post_is_redirected_not_stored(self):
        # 308 keeps the method: the browser posts again to the https URL
        text = "redirected-post-%d" % os.getpid()
        body = ("message=" + text).encode()
        r = raw(self.srv.port, "/msg", host="localhost", method="POST",
                body=body)
        self.assertEqual(r.status, 308)
        self.assertEqual(r.headers["location"],
                         "https://localhost:%d/msg" % self.tls_port)
        self.assertNotIn(text.encode(), self.tls_get("/msg").body)
        self.assertEqual(self.tls_get("/msg", method="POST", body=body)
                         .status, 303)
        self.assertIn(text.encode(), self.tls_get("/msg").body)

    def test_without_a_host_there_is_nowhere_to_go(self):
        r = raw(self.srv.port, "/", version="1.0")
        self.assertEqual(r.status, 400)
        self.assertIn(b"named no host", r.body)

    def test_tls_answers_carry_hsts(self):
        for path in ("/", "/static/r.txt", "/nope"):
            r = self.tls_get(path)
            self.assertEqual(r.headers.get("strict-transport-security"),
                             HSTS, path)
            self.assertEqual(r.header_count("strict-transport-security"), 1)
        # the redirect is not followed over TLS: TLS serves
        self.assertEqual(self.tls_get("/static/r.txt").status, 200)


class NoRedirectTest(TLSBase):
    def test_defaults_serve_plain_and_send_no_hsts(self):
        with self.tls_server() as srv:
            r = raw(srv.port, "/", host="localhost")
            self.assertEqual(r.status, 200)
            with self.conn() as c:
                c.send(request_bytes("/", self.tls_port))
                r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertNotIn("strict-transport-security", r.headers)


class ConfigTest(TLSBase):
    def check(self, tls, key, want, with_port=True):
        srv = self.tls_server(tls=tls)
        try:
            if not with_port:
                with open(srv.ini) as f:
                    text = f.read()
                with open(srv.ini, "w") as f:
                    f.write(text.replace("port = %d\n" % self.tls_port, ""))
            r = run_guad(["-t", "-c", srv.ini])
            self.assertNotEqual(r.returncode, 0, r.stderr)
            with open(srv.ini) as f:
                line = [i for i, l in enumerate(f, 1)
                        if l.startswith(key + " =")][0]
            self.assertRegex(r.stderr, r"gua\.ini:%d: \[tls\] %s: %s" % (
                line, key, want))
        finally:
            srv.cleanup()

    def test_redirect_needs_a_tls_port(self):
        self.check({"redirect": "on"}, "redirect", r"needs \[tls\] port",
                   with_port=False)

    def test_bad_hsts(self):
        for v in ("on", "max-age=1; includeSubdomain", "preload"):
            self.check({"hsts": v}, "hsts", r"must be off, or max-age=")


if __name__ == "__main__":
    unittest.main()
