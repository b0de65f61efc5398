#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Every 503 says when to try again: Retry-After: 1 (RESP_RETRY_AFTER_S).

Each way to a 503 that a test can reach from outside: the message store
cannot be opened (GET, POST, and the same through a custom [errors] 503
page), the store is locked past [msg] busy_timeout, and the store's disk
is full (RLIMIT_FSIZE).  PostgreSQL being down is in test_pg.py, a worker
stuck in one request in test_ops.py.
"""

import os
import resource
import signal
import sqlite3
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import Connection, Server, get, request, HOST  # noqa: E402

RETRY_AFTER = "1"
CUSTOM_503 = b"<!DOCTYPE html><title>later</title><p>come back later</p>\n"


def post_raw(text, close=True):
    body = ("message=" + text).encode()
    return (("POST /msg HTTP/1.1\r\nHost: %s\r\nContent-Type: "
             "application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
             "%s\r\n" % (HOST, len(body), "Connection: close\r\n"
                         if close else "")).encode() + body)


class RetryAfterTest(unittest.TestCase):

    def assert_503(self, r):
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.header_count("retry-after"), 1, r)
        self.assertEqual(r.headers["retry-after"], RETRY_AFTER, r)

    def unopenable(self, errors=None):
        """A server whose [msg] db lies in a folder that does not exist."""
        s = Server({"errors": errors or {}}, workers=1,
                   files={"errors/503.html": CUSTOM_503})
        db = os.path.join(s.tmpdir, "no-such-folder", "msg.db")
        with open(s.ini) as f:
            text = f.read()
        with open(s.ini, "w") as f:
            f.write(text.replace("db = %s" % os.path.join(s.tmpdir,
                                                          "msg.db"),
                                 "db = %s" % db))
        return s

    def test_store_cannot_be_opened(self):
        with self.unopenable() as s:
            self.assert_503(get(s.port, "/msg"))
            self.assert_503(request(s.port, post_raw("x")))
            self.assert_503(get(s.port, "/msg", method="HEAD"))

    def test_custom_503_page_keeps_retry_after(self):
        with self.unopenable({"503": "errors/503.html"}) as s:
            r = get(s.port, "/msg")
            self.assert_503(r)
            self.assertEqual(r.body, CUSTOM_503)

    def test_store_locked_past_busy_timeout(self):
        with Server({"msg": {"busy_timeout": "0"}}, workers=1) as s:
            self.assertEqual(get(s.port, "/msg").status, 200)
            lock = sqlite3.connect(os.path.join(s.tmpdir, "msg.db"),
                                   isolation_level=None, timeout=5)
            try:
                lock.execute("BEGIN EXCLUSIVE")
                self.assert_503(request(s.port, post_raw("locked")))
            finally:
                lock.execute("ROLLBACK")
                lock.close()

    def test_store_disk_full(self):
        limit = 256 * 1024

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        with Server({"msg": {"max_length": "65536"}}, workers=1,
                    preexec_fn=small_files) as s:
            with Connection(s.port) as c:
                for i in range(2 * limit // 60000 + 2):
                    c.send(post_raw("%02d" % i + "x" * 60000, close=False))
                    r = c.read_response()
                    if r.status != 303:
                        break
                self.assert_503(r)


if __name__ == "__main__":
    unittest.main()
