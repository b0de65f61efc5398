#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Listening: host = :: serves IPv4 and IPv6 on one socket; with
ipv6only = on it serves IPv6 only, and IPv4 on that port is free."""

import errno
import os
import socket
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Server, run_guad  # noqa: E402


def ipv6_loopback():
    """None if ::1 can be bound here, else why not."""
    if not socket.has_ipv6:
        return "Python was built without IPv6"
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError as e:
        return "cannot bind ::1: %s" % e
    return None


def get_from(host, port):
    raw = ("GET / HTTP/1.1\r\nHost: guad.test\r\nConnection: close\r\n\r\n")
    return guadtest.request(port, raw.encode("ascii"), host=host)


def bind_ipv4(port):
    """Binds 127.0.0.1:port (no SO_REUSEADDR); None or the errno."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            return e.errno
    return None


NO_IPV6 = ipv6_loopback()


@unittest.skipIf(NO_IPV6, "no IPv6 loopback: %s" % NO_IPV6)
class DualStack(unittest.TestCase):
    def test_any_serves_both_stacks(self):
        with Server({"server": {"host": "::"}}) as srv:
            self.assertEqual(srv.listen_host, "[::]", srv.log())
            for host in ("127.0.0.1", "::1"):
                r = get_from(host, srv.port)
                self.assertEqual(r.status, 200, "GET / over %s" % host)
                self.assertIn(b"Hello Gua", r.body)
            # The one socket holds IPv4 on that port as well.
            self.assertEqual(bind_ipv4(srv.port), errno.EADDRINUSE)
            # Each client by its own address (a line follows its answer).
            for client in ("::ffff:127.0.0.1 ", "::1 "):
                guadtest.wait_for(
                    lambda: any(l.startswith(client)
                                for l in srv.access_lines()),
                    message=lambda: "an access log line from %s in:\n%s"
                    % (client, srv.access_log()))

    def test_ipv6only_refuses_ipv4(self):
        with Server({"server": {"host": "::", "ipv6only": "on"}}) as srv:
            r = get_from("::1", srv.port)
            self.assertEqual(r.status, 200)
            with self.assertRaises(ConnectionRefusedError):
                get_from("127.0.0.1", srv.port)
            # IPv4 on that port is not guad's: anyone may bind it.
            self.assertIsNone(bind_ipv4(srv.port))
            self.assertEqual(get_from("::1", srv.port).status, 200)

    def test_ipv6only_off_is_the_default_spelled_out(self):
        with Server({"server": {"host": "::", "ipv6only": "off"}}) as srv:
            self.assertEqual(get_from("127.0.0.1", srv.port).status, 200)


class Value(unittest.TestCase):
    def test_not_a_boolean(self):
        srv = Server({"server": {"ipv6only": "yes"}})
        try:
            r = run_guad(["-t", "-c", srv.ini])
        finally:
            srv.cleanup()
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, r"gua\.ini:\d+: \[server\] ipv6only: ")


if __name__ == "__main__":
    unittest.main()
