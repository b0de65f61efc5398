#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A worker full of idle or trickling connections still serves new clients.

Ten times a worker's connections are held open by one client that never
finishes a request: a quarter only connected, a quarter sent half a
request head, a quarter had one request answered and stayed idle
(keep-alive), a quarter sent a POST's head and the start of its body.
More are opened between the fresh requests, so the worker stays full.
20 fresh requests, each on a new connection, must each succeed the
first time (no retry), within a client timeout a sixth of [timeouts]
header and keepalive: without eviction a fresh client waits in the
listen queue until one of the held connections runs out of its header,
body or keep-alive time, five times as long as it waits here. Idle
connections go first; a request body that has not arrived whole is
closed only when no idle connection is left.

The worker logs one line when it starts closing idle connections and one
summary when it is done (after EVICT_QUIET_MS without having to close
one), with the counts: never a line per connection.

The same with the defaults (2 workers of 1,024 connections) and 2,100
held sockets, and with a low ulimit -n (64) that guad may not raise (a
root master without CAP_SYS_RESOURCE): the worker holds fewer
connections than [limits] connections, as many as its descriptors
allow, says so at start, and never runs out of descriptors (no
"accept (pausing" line).
"""

import ctypes
import os
import re
import resource
import signal
import socket
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import (Connection, Server, HOST, get,  # noqa: E402
                      wait_for)
from test_ops import state  # noqa: E402
from test_watchdog import server_inodes, socket_inodes  # noqa: E402

CONNECTIONS = 100
HELD = 10 * CONNECTIONS
FRESH = 20
MORE = 10          # held connections opened before each fresh request
TIMEOUT = 30       # [timeouts] header and keepalive, seconds
CLIENT_TIMEOUT = TIMEOUT / 6
QUIET_S = 5        # EVICT_QUIET_MS
LOW_NOFILE = 64

START = re.compile(r"(connections full|out of file descriptors) \(\d+ open\)"
                   r": closing the oldest idle connections")
SUMMARY = re.compile(r"for \d+ ms: closed (\d+) idle connections to accept "
                     r"new ones \((\d+) keep-alive, (\d+) before their first "
                     r"byte, (\d+) with an unfinished request head, (\d+) "
                     r"with an unfinished request body\)")
SERVED = re.compile(r"request body\); served (\d+) found with a request "
                    r"waiting")
KINDS = 4

PR_CAPBSET_DROP = 24
CAP_SYS_RESOURCE = 24


def client_fds_enough(n):
    """Raise this process's own descriptor limit to hold n sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 256
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            return False
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return True


def low_nofile():
    """preexec_fn: a limit guad cannot raise (as root: without the
    capability that would let it)."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (LOW_NOFILE, LOW_NOFILE))


class Holder:
    """The connections one careless or hostile client keeps open."""

    def __init__(self, port):
        self.port = port
        self.socks = []
        self.kinds = [0] * KINDS

    def open(self, n):
        for i in range(n):
            kind = len(self.socks) % KINDS
            s = socket.create_connection((HOST, self.port), timeout=10)
            if kind == 1:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUser-Ag")
            elif kind == 3:
                s.sendall(b"POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          b"application/x-www-form-urlencoded\r\n"
                          b"Content-Length: 100\r\n\r\nmessage=trick")
            elif kind == 2:
                c = Connection(self.port, timeout=CLIENT_TIMEOUT)
                s.close()
                c.send("GET /doge.gif HTTP/1.1\r\nHost: x\r\n\r\n")
                r = c.read_response()
                if r.status != 200:
                    raise AssertionError("keep-alive request: %r" % r)
                s = c.sock
            self.socks.append(s)
            self.kinds[kind] += 1

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []


class EvictTest(unittest.TestCase):

    def flood(self, s, per_worker):
        """Hold 10x per_worker connections, then 20 fresh requests."""
        held = 10 * per_worker
        if not client_fds_enough(held + FRESH * MORE + 64):
            self.skipTest("this process may not hold %d sockets" % held)
        h = Holder(s.port)
        self.addCleanup(h.close)
        h.open(held)
        for i in range(FRESH):
            h.open(MORE)
            r = get(s.port, "/?fresh=%d" % i, timeout=CLIENT_TIMEOUT)
            self.assertEqual(r.status, 200, r)
        opened = len(h.socks)
        log = s.log()
        self.assertEqual(len(START.findall(log)), 1, log[-3000:])
        h.close()
        m = wait_for(lambda: SUMMARY.search(s.log()),
                     timeout=QUIET_S + 10,
                     message="the episode's summary line")
        closed = int(m.group(1))
        # at most per_worker of the held ones can still have been open
        self.assertGreaterEqual(closed, opened - per_worker, m.group(0))
        kinds = range(2, 2 + KINDS)
        self.assertEqual(closed, sum(int(m.group(k)) for k in kinds))
        for k in kinds:
            self.assertGreater(int(m.group(k)), 0, m.group(0))
        log = s.log()
        self.assertLessEqual(log.count("idle connections"), 2, log[-3000:])
        self.assertNotIn("accept (pausing", log)
        return log

    def test_full_worker_closes_idle_connections_for_fresh_clients(self):
        with Server({"limits": {"connections": str(CONNECTIONS)},
                     "timeouts": {"header": str(TIMEOUT),
                                  "body": str(TIMEOUT),
                                  "keepalive": str(TIMEOUT)}},
                    workers=1) as s:
            self.flood(s, CONNECTIONS)

    def test_defaults_with_2100_idle_sockets_serve_fresh_clients(self):
        """The issue's own case: the default 2 workers of 1,024
        connections each, and 2,100 sockets held by one client; 20 fresh
        requests on new connections each succeed the first time, each
        within a client timeout well below the timeouts the held ones
        would otherwise have to run out."""
        held = 2100
        if not client_fds_enough(held + FRESH + 64):
            self.skipTest("this process may not hold %d sockets" % held)
        with Server({"timeouts": {"header": str(TIMEOUT),
                                  "body": str(TIMEOUT),
                                  "keepalive": str(TIMEOUT)}},
                    workers=2) as s:
            self.assertNotIn("caps [limits] connections", s.log())
            h = Holder(s.port)
            self.addCleanup(h.close)
            h.open(held)
            for i in range(FRESH):
                r = get(s.port, "/?fresh=%d" % i, timeout=CLIENT_TIMEOUT)
                self.assertEqual(r.status, 200, r)
            log = s.log()
            self.assertGreaterEqual(len(START.findall(log)), 1, log[-3000:])
            self.assertNotIn("accept (pausing", log)

    def test_a_request_waiting_unread_is_served_not_closed(self):
        """The oldest connection, which sent nothing for a while, sends
        its request just as the full worker must close one for a new
        client: the worker finds the request waiting and answers it
        (closing it would lose a request the client had sent). The
        worker is stopped while both arrive, the new client first, so
        that it sees the new client (epoll reports in the order things
        happen) before it has read that request."""
        n = 8
        with Server({"limits": {"connections": str(n)}},
                    workers=1) as s:
            (worker,) = s.workers()
            held = [Connection(s.port, timeout=CLIENT_TIMEOUT)
                    for _ in range(n)]
            self.addCleanup(lambda: [c.close() for c in held])
            ports = {c.sock.getsockname()[1] for c in held}
            wait_for(lambda: len([p for p, i in server_inodes(s.port).items()
                                  if p in ports
                                  and i in socket_inodes(worker)]) == n,
                     10, message="the worker holds the %d connections" % n)
            os.kill(worker, signal.SIGSTOP)
            try:
                wait_for(lambda: state(worker) == "T", 10)
                new = Connection(s.port, timeout=CLIENT_TIMEOUT)
                self.addCleanup(new.close)
                held[0].send("GET /doge.gif HTTP/1.1\r\nHost: x\r\n\r\n")
            finally:
                os.kill(worker, signal.SIGCONT)
            r = held[0].read_response()
            self.assertEqual(r.status, 200, s.log()[-2000:])
            new.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(new.read_response().status, 200)
            m = wait_for(lambda: SERVED.search(s.log()),
                         timeout=QUIET_S + 10,
                         message="the episode's summary line")
            self.assertEqual(m.group(1), "1", m.group(0))

    def test_low_ulimit_caps_connections_and_still_serves(self):
        with Server({"limits": {"connections": "1000"},
                     "timeouts": {"header": str(TIMEOUT),
                                  "body": str(TIMEOUT),
                                  "keepalive": str(TIMEOUT)}},
                    workers=1, preexec_fn=low_nofile) as s:
            m = re.search(r"ulimit -n %d caps \[limits\] connections at "
                          r"(\d+) per worker" % LOW_NOFILE, s.log())
            self.assertIsNotNone(m, s.log())
            cap = int(m.group(1))
            self.assertTrue(0 < cap < LOW_NOFILE // 2, m.group(0))
            self.flood(s, cap)


if __name__ == "__main__":
    unittest.main()
