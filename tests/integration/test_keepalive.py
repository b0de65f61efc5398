#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Persistent connections: HTTP/1.1 default keep-alive, Connection: close,
HTTP/1.0 with and without Connection: keep-alive."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Connection, ServerTestCase  # noqa: E402


class KeepAliveTest(ServerTestCase):
    def conn(self):
        return Connection(self.server.port)

    def test_http11_two_requests_on_one_connection_both_answered(self):
        with self.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            r1 = c.read_response()
            self.assertEqual(r1.status, 200)
            self.assertNotEqual(r1.headers.get("connection", "").lower(),
                                "close")
            # not closed now (looked at without waiting), and the next
            # request on it is answered
            self.assertFalse(guadtest.idle_closed(c), "server closed an HTTP/1.1 keep-alive connection")
            c.send(b"GET /doge.gif HTTP/1.1\r\nHost: x\r\n\r\n")
            r2 = c.read_response()
            self.assertEqual(r2.status, 200)
            self.assertEqual(r2.content_type(), "image/gif")
            with open(os.path.join(guadtest.WWW, "doge.gif"), "rb") as f:
                self.assertEqual(r2.body, f.read())

    def test_http11_keepalive_survives_a_404(self):
        with self.conn() as c:
            c.send(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 404)
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)

    def test_http11_pipelined_requests_answered_in_order(self):
        rs = guadtest.requests_on_one_connection(self.server.port, [
            b"GET /doge.gif HTTP/1.1\r\nHost: x\r\n\r\n",
            b"HEAD /msg HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /pipelined-404 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ], pipelined=True)
        self.assertEqual([r.status for r in rs], [200, 200, 404, 200])
        self.assertEqual(rs[0].content_type(), "image/gif")
        self.assertEqual(rs[1].content_type(), "text/html")
        self.assertIn(b"/doge.gif", rs[3].body)

    def test_connection_close_is_echoed_and_server_closes(self):
        with self.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers.get("connection", "").lower(), "close")
            self.assertTrue(c.closed_by_server(3.0),
                            "server kept the connection open after "
                            "Connection: close")

    def test_connection_close_on_second_request_closes_after_it(self):
        with self.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
            c.send(b"GET /msg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers.get("connection", "").lower(), "close")
            self.assertTrue(c.closed_by_server(3.0))

    def test_http10_without_keepalive_closes(self):
        with self.conn() as c:
            c.send(b"GET / HTTP/1.0\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertIn(b"/doge.gif", r.body)
            self.assertNotEqual(r.headers.get("connection", "").lower(),
                                "keep-alive")
            self.assertTrue(c.closed_by_server(3.0),
                            "server kept an HTTP/1.0 connection open")

    def test_http10_with_connection_keepalive_stays_open(self):
        with self.conn() as c:
            c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r1 = c.read_response()
            self.assertEqual(r1.status, 200)
            self.assertNotEqual(r1.headers.get("connection", "").lower(),
                                "close")
            # not closed now (looked at without waiting), and the next
            # request on it is answered
            self.assertFalse(guadtest.idle_closed(c), "server closed an HTTP/1.0 keep-alive connection")
            c.send(b"GET /doge.gif HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r2 = c.read_response()
            self.assertEqual(r2.status, 200)
            self.assertEqual(r2.content_type(), "image/gif")
            # A third request without keep-alive ends the connection.
            c.send(b"GET / HTTP/1.0\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
            self.assertTrue(c.closed_by_server(3.0))

    def test_http10_keepalive_response_announces_keep_alive(self):
        # An HTTP/1.0 client only knows the connection persists if the
        # response says so (RFC 7230 A.1.2).
        with self.conn() as c:
            c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.headers.get("connection", "").lower(),
                             "keep-alive", r)


if __name__ == "__main__":
    unittest.main()
