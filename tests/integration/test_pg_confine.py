#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The sandbox of a worker whose message board is on PostgreSQL (a
cluster of the module's own, tests/integration/pgcluster.py) allows what
the store needs and no more, proven in the real worker.

A worker opens its first connection before it confines itself, so each
test ends the worker's session on the server (pg_terminate_backend): the
board comes back only if the confined worker may connect again.  The
refusal is seen through GUAD_DEBUG_CONNECT (guad(8)): the worker, once
confined, tries one TCP connect to a loopback port the test listens on,
and logs what the kernel answered: EACCES from Landlock's network rules
with sandbox = on; with sandbox = off the connection reaches the test's
listener.  Landlock restricts TCP ports only from ABI 4 on, and never
addresses (gua.ini(5))."""

import os
import re
import select
import socket
import sys
import unittest
import urllib.parse

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgcluster  # noqa: E402
from guadtest import Server, get, wait_for  # noqa: E402

cluster = None


def setUpModule():
    global cluster
    cluster = pgcluster.for_module()


def socket_uri():
    """The cluster through its Unix socket folder, not TCP."""
    return "postgresql://%s:%s@%s:%d/%s" % (
        pgcluster.USER, pgcluster.PASSWORD,
        urllib.parse.quote(cluster.sock, safe=""), cluster.port,
        pgcluster.DB)


class Listener:
    """A loopback port that nothing of guad's should reach."""

    def __init__(self, test):
        self.sock = socket.socket()
        test.addCleanup(self.sock.close)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def reached(self, timeout):
        """True if a connection came within timeout seconds."""
        return bool(select.select([self.sock], [], [], timeout)[0])


class ConfinedStoreTest(unittest.TestCase):
    def start(self, uri, sandbox, port):
        s = Server(workers=1, sections={
            "server": {"sandbox": sandbox}, "msg": {"db": uri}},
            env={"GUAD_DEBUG": "1", "GUAD_DEBUG_CONNECT": str(port)})
        s.start()
        self.addCleanup(s.cleanup)
        return s

    def landlock_net(self, s):
        m = re.search(r"sandbox: landlock ABI (\d+)", s.log())
        if m is None or int(m.group(1)) < 4:
            self.skipTest("no Landlock network rules in this kernel")

    def debug_connect(self, s, port):
        """What the worker's kernel said to its connect to port."""
        pattern = r"sandbox: a connect to 127\.0\.0\.1:%d(:| was) (.*)" % port
        m = wait_for(lambda: re.search(pattern, s.log()), message=s.log)
        return m.group(2)

    def reconnects(self, s):
        """Ends the worker's session on the server; True once the worker
        connected again and the board answers 200."""
        self.assertEqual(get(s.port, "/msg").status, 200, s.log())
        mark = len(s.log())
        # the worker's session (and the master's, if its backend has not
        # exited yet)
        ended = cluster.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'guad'")
        self.assertGreaterEqual(int(ended), 1)
        # the worker finds its session gone on the next request, and
        # connects again on the one after (store_pg.c down())
        wait_for(lambda: get(s.port, "/msg").status == 200
                 and "connected again" in s.log()[mark:], 10,
                 interval=0.05, message=lambda: s.log()[mark:])
        return True

    def test_tcp_the_database_port_and_no_other(self):
        other = Listener(self)
        s = self.start(cluster.uri(), "on", other.port)
        self.landlock_net(s)
        self.assertEqual(self.debug_connect(s, other.port),
                         "Permission denied")
        self.assertFalse(other.reached(0))
        self.assertTrue(self.reconnects(s))

    def test_unix_socket_and_no_tcp_port(self):
        """Over the socket the worker needs no TCP port at all: even the
        database's own is refused."""
        s = self.start(socket_uri(), "on", cluster.port)
        self.landlock_net(s)
        self.assertEqual(self.debug_connect(s, cluster.port),
                         "Permission denied")
        self.assertTrue(self.reconnects(s))

    def test_without_the_sandbox_the_same_connect_goes_through(self):
        other = Listener(self)
        s = self.start(cluster.uri(), "off", other.port)
        self.assertEqual(self.debug_connect(s, other.port), "not refused")
        self.assertTrue(other.reached(5))
        self.assertTrue(self.reconnects(s))


if __name__ == "__main__":
    unittest.main()
