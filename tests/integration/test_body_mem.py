#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A request body is held only up to what its route's handler can use.

The board takes a form of [msg] max_length: a larger Content-Length is
answered 413 before the body is read, and a chunked body is cut off with
413 at the same limit. A route that uses no body (a file, a folder, a
redirect, status) answers without it. A worker's memory stays under the
formula gua.ini(5) states: what it had at start plus, per connection,
3 x header_size + 2 x B + 32 KiB, B being the largest body a route can
use."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Connection, Server, wait_for  # noqa: E402

FORM = "application/x-www-form-urlencoded"
HEADER_SIZE = 16384     # [limits] header_size, the default
MAX_LENGTH = 1000       # [msg] max_length, the default
BODY_SIZE = 1048576     # [limits] body_size, the default
# What the board can use (msg.c MSG_FORM_MAX): its message percent-encoded
# and room for the field names.
BOARD_MAX = min(BODY_SIZE, 3 * MAX_LENGTH + 1024)
# gua.ini(5): the most a connection holds on top of what the worker had
PER_CONNECTION = 3 * HEADER_SIZE + 2 * BOARD_MAX + 32 * 1024

CONNECTIONS = 400
BIG = 1048576           # the POST announced
SENT = 900 * 1024       # of which this much is sent
# the body timeout is the bound of every wait for an answer: an answer
# that only comes once it expires is the wrong one (408)
BODY_TIMEOUT = 10


def kib(pid, field):
    """VmRSS, VmHWM ... of pid in KiB, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (field, pid))


def unread(server_port, client_ports):
    """{client port: bytes the server has not read} for those of
    client_ports whose server side is established, from one read of
    /proc/net/tcp (it lists every socket of the machine: slow to read)."""
    found = {}
    with open("/proc/net/tcp") as f:
        for line in f.read().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            cport = int(remote.split(":")[1], 16)
            if (int(local.split(":")[1], 16) == server_port
                    and cport in client_ports and fields[3] == "01"):
                found[cport] = int(fields[4].split(":")[1], 16)
    return found


def head(path, length, method="POST", extra=""):
    return ("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n%s\r\n" % (method, path, FORM, length,
                                             extra)).encode()


class BodyMemoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server({"timeouts": {"body": str(BODY_TIMEOUT)},
                             "routes": {"/old": "redirect 301 /"}},
                            workers=1)
        cls.server.start()
        cls.port = cls.server.port
        # the worker warmed up: one page and one message served
        r = guadtest.get(cls.port, "/msg")
        assert r.status == 200, r
        r = guadtest.request(cls.port, head("/msg", 9) + b"message=w")
        assert r.status == 303, r
        (cls.worker,) = cls.server.workers()
        cls.start_kib = kib(cls.worker, "VmRSS")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def bound_kib(self, connections):
        return self.start_kib + connections * PER_CONNECTION // 1024

    def early(self, data, status):
        """Sends data, a request whose body is not all there: the answer,
        status, comes without the rest, and says the connection closes.
        Returns the connection."""
        c = Connection(self.port, timeout=BODY_TIMEOUT + 5)
        c.send(data)
        r = c.read_response()
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.headers.get("connection"), "close", r)
        return c

    def test_a_large_post_is_refused_before_its_body(self):
        # nothing of the body is sent: the answer cannot wait for it
        with self.early(head("/msg", BIG), 413) as c:
            # a client that sends the body anyway is drained, then closed
            c.send(b"m" * SENT)
            self.assertEqual(c.read_until_close(), b"")

    def test_400_unfinished_large_posts_hold_no_body(self):
        conns = []
        try:
            for i in range(CONNECTIONS):
                c = Connection(self.port, timeout=BODY_TIMEOUT + 5)
                conns.append(c)
                c.send(head("/msg", BIG) + b"m" * SENT)
                r = c.read_response()
                self.assertEqual(r.status, 413, "connection %d: %r" % (i, r))
            peak = kib(self.worker, "VmHWM")
        finally:
            for c in conns:
                c.close()
        print("\nworker RSS %d KiB at start, peak %d KiB under %d x %d KiB "
              "sent (bound %d KiB)" % (self.start_kib, peak, CONNECTIONS,
                                       SENT // 1024,
                                       self.bound_kib(CONNECTIONS)),
              file=sys.stderr)
        self.assertLessEqual(peak, self.bound_kib(CONNECTIONS))

    def test_400_unfinished_board_posts_stay_under_the_formula(self):
        # bodies the board can use are held: the formula's worst case
        conns = []
        try:
            for i in range(CONNECTIONS):
                c = Connection(self.port, timeout=BODY_TIMEOUT + 5)
                conns.append(c)
                c.send(head("/msg", BOARD_MAX) + b"m" * (BOARD_MAX - 1))
            # held once the worker has read all of each
            ports = {c.sock.getsockname()[1] for c in conns}

            def all_read():
                found = unread(self.port, ports)
                return len(found) == len(ports) and not any(found.values())
            wait_for(all_read, timeout=BODY_TIMEOUT,
                     message="the worker reading every held body")
            held = kib(self.worker, "VmRSS")
            peak = kib(self.worker, "VmHWM")
            # the last byte completes a body the board refuses (no message
            # field): each answered, so each was held whole, not refused
            for c in conns[:3]:
                c.send(b"m")
                self.assertEqual(c.read_response().status, 400)
        finally:
            for c in conns:
                c.close()
        print("\nworker RSS %d KiB at start, %d KiB holding %d bodies of "
              "%d bytes, peak %d KiB (bound %d KiB)"
              % (self.start_kib, held, CONNECTIONS, BOARD_MAX - 1, peak,
                 self.bound_kib(CONNECTIONS)), file=sys.stderr)
        self.assertLessEqual(peak, self.bound_kib(CONNECTIONS))

    def test_a_board_post_at_its_limit_is_taken(self):
        text = "%41" * MAX_LENGTH   # 'A' percent-encoded: 3 bytes each
        body = ("message=" + text).encode()
        self.assertLessEqual(len(body), BOARD_MAX)
        r = guadtest.request(self.port, head("/msg", len(body)) + body)
        self.assertEqual(r.status, 303, r)
        r = guadtest.request(self.port, head("/msg", BOARD_MAX + 1))
        self.assertEqual(r.status, 413, r)

    def chunked(self, path, chunks):
        data = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" % (path, FORM)).encode()
        for chunk in chunks:
            data += b"%x\r\n%s\r\n" % (len(chunk), chunk)
        return data

    def test_a_chunked_post_is_cut_off_at_the_limit(self):
        # two chunks of which the second passes the limit; no end
        self.early(self.chunked("/msg", [b"message=" + b"x" * 3000,
                                         b"y" * 2000]), 413).close()
        # one within it is stored
        r = guadtest.request(self.port, self.chunked(
            "/msg", [b"message=", b"chunk-ok"]) + b"0\r\n\r\n")
        self.assertEqual(r.status, 303, r)

    def test_a_post_to_a_file_is_405_without_its_body(self):
        # as nginx does: the method is refused, the body never needed
        self.early(head("/", BIG), 405).close()

    def test_a_body_a_route_does_not_use_is_passed_over(self):
        # arrived whole with the head: passed over, the connection kept
        with Connection(self.port) as c:
            c.send(head("/", 5, method="GET") + b"abcde")
            r = c.read_response()
            self.assertEqual(r.status, 200, r)
            self.assertNotEqual(r.headers.get("connection"), "close", r)
            c.send(b"GET /doge.gif HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
        # not arrived: answered at once without it, and closed
        for path, status in (("/", 200), ("/old", 301), ("/static/style.css", 200),
                             ("/nowhere", 404)):
            with self.subTest(path=path):
                self.early(head(path, BIG, method="GET"), status).close()


if __name__ == "__main__":
    unittest.main()
