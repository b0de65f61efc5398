#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Documented behaviours of gua.ini(5) and guad(8) that no other test
would notice being ignored: each test here fails if guad disregarded the
key or the promise it is named after."""

import os
import socket
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (GUAD, HOST, Connection, Server, get,  # noqa: E402
                      wait_for)


def served(conn, path="/"):
    conn.send("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
    return conn.read_response().status


class ConnectionsLimitTest(unittest.TestCase):
    """[limits] connections: what one worker holds open at once."""

    LIMIT = 4

    def test_a_worker_holds_exactly_its_configured_connections(self):
        with Server(workers=1,
                    sections={"limits": {"connections": str(self.LIMIT)}}) \
                as s:
            held = [Connection(s.port) for _ in range(self.LIMIT)]
            try:
                # all of them open at once, each answered: the worker
                # holds every one it is allowed
                for c in held:
                    self.assertEqual(served(c), 200)
                # one more is answered: the worker, full, closes its
                # oldest idle connection to take it, and only that one
                extra = Connection(s.port)
                held.append(extra)
                self.assertEqual(served(extra), 200)
                self.assertTrue(held[0].closed_by_server(5),
                                "the oldest idle connection is still open")
                for c in held[1:]:
                    self.assertEqual(served(c), 200)
            finally:
                for c in held:
                    c.close()


class AccessLogOffTest(unittest.TestCase):
    """[server] access_log = off: no access lines anywhere."""

    def test_off_writes_no_access_line_to_stdout_or_the_error_log(self):
        with Server({"server": {"access_log": "off"}}, log_files=True) as s:
            for path in ("/", "/doge.gif", "/nothing-here"):
                get(s.port, path)
            self.assertEqual(get(s.port, "/").status, 200)
            s.stop()
            for what, text in (("stdout", s._read(s.stdout_path)),
                               ("stderr", s._read(s.stderr_path)),
                               ("error log", s.log()),
                               ("access log file", s.access_log())):
                self.assertNotIn("GET /", text, what)

    def test_the_default_writes_access_lines_to_stdout(self):
        # the control: the same requests, access_log left at stdout
        with Server() as s:
            get(s.port, "/doge.gif")
            wait_for(lambda: "GET /doge.gif" in s._read(s.stdout_path), 5,
                     message="the access line on stdout")


class HostTest(unittest.TestCase):
    """[server] host as an IPv6 address and as a host name."""

    def test_ipv6_loopback_address(self):
        if not socket.has_ipv6:
            self.skipTest("Python was built without IPv6")
        try:
            with socket.socket(socket.AF_INET6) as probe:
                probe.bind(("::1", 0))
        except OSError as e:
            self.skipTest("no ::1 on this machine: %s" % e)
        with Server({"server": {"host": "::1"}}) as s:
            r = guadtest.request(s.port, b"GET / HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n", host="::1")
            self.assertEqual(r.status, 200)

    def test_host_name(self):
        with Server({"server": {"host": "localhost"}}) as s:
            self.assertEqual(get(s.port, "/").status, 200)


class PortInUseTest(unittest.TestCase):
    """guad(8) EXIT STATUS 1: the address cannot be bound."""

    def test_port_held_by_another_socket_exits_1(self):
        holder = socket.socket()
        holder.bind((HOST, 0))
        holder.listen(1)
        self.addCleanup(holder.close)
        port = holder.getsockname()[1]
        s = Server({"server": {"port": str(port)}})
        self.addCleanup(s.cleanup)
        p = subprocess.run([GUAD, "-c", s.ini], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=s.tmpdir, timeout=10, text=True,
                           errors="replace")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(str(port), p.stderr)
        self.assertNotIn("runtime error", p.stderr)
        self.assertNotIn("AddressSanitizer", p.stderr)


class OptionsOnAPathTest(unittest.TestCase):
    """guad(8): OPTIONS is answered everywhere, with the route's methods."""

    def test_options_on_each_kind_of_route(self):
        with Server() as s:
            for path, post in (("/", False), ("/doge.gif", False),
                               ("/static/style.css", False), ("/msg", True)):
                with self.subTest(path=path):
                    r = get(s.port, path, method="OPTIONS")
                    self.assertIn(r.status, (200, 204), r)
                    allow = {m.strip() for m in
                             r.headers.get("allow", "").split(",")}
                    self.assertTrue({"GET", "HEAD", "OPTIONS"} <= allow, r)
                    self.assertEqual("POST" in allow, post, r)
                    self.assertEqual(r.body, b"")


if __name__ == "__main__":
    unittest.main()
