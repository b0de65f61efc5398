#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The watchdog sees a worker that is not in a request: each worker's loop
beats in the scoreboard, and a worker whose loop has not turned for
[timeouts] worker (stopped with SIGSTOP, or hung between requests) is
killed and replaced. Its keep-alive clients see their connections closed
(EOF or reset, never a hang) and reconnect to a worker that answers;
the other worker's clients are not touched."""

import os
import signal
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Connection, Server, alive, wait_for  # noqa: E402

WORKER_TIMEOUT = 2      # [timeouts] worker, s
WATCH = 1               # how often the master looks (master.c WATCH_MS)
# Every wait for the watchdog is bounded by what it is configured to take
# plus this margin, for a loaded machine and a sanitizer build.
MARGIN = 10
BOUND = WORKER_TIMEOUT + WATCH + MARGIN
CLIENTS = 12
GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def socket_inodes(pid):
    """The inodes of pid's sockets."""
    found = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def server_inodes(server_port):
    """{client port: inode of the server's end} from /proc/net/tcp."""
    found = {}
    with open("/proc/net/tcp") as f:
        for line in f.read().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == server_port:
                found[int(fields[2].split(":")[1], 16)] = int(fields[9])
    return found


class WatchdogTest(unittest.TestCase):
    def test_a_stopped_worker_is_replaced_and_its_clients_closed(self):
        with Server({"timeouts": {"worker": str(WORKER_TIMEOUT)},
                     "msg": {"busy_timeout": "1000"}},
                    workers=2) as s:
            old = set(s.workers())
            self.assertEqual(len(old), 2)
            conns = []
            self.addCleanup(lambda: [c.close() for c in conns])
            for i in range(CLIENTS):
                c = Connection(s.port, timeout=BOUND)
                conns.append(c)
                c.send(GET)
                self.assertEqual(c.read_response().status, 200)
            # which worker holds each connection
            inodes = server_inodes(s.port)
            owner = {}
            for pid in old:
                mine = socket_inodes(pid)
                for c in conns:
                    if inodes.get(c.sock.getsockname()[1]) in mine:
                        owner[c] = pid
            self.assertEqual(len(owner), CLIENTS, "a connection's worker")
            counts = {pid: sum(1 for p in owner.values() if p == pid)
                      for pid in old}
            victim = max(counts, key=counts.get)
            (other,) = old - {victim}
            stopped = [c for c in conns if owner[c] == victim]
            kept = [c for c in conns if owner[c] == other]
            start = guadtest.starttime(victim)

            def never_left_stopped():
                if alive(victim, start):
                    os.kill(victim, signal.SIGKILL)
            self.addCleanup(never_left_stopped)
            os.kill(victim, signal.SIGSTOP)

            # the master says so, kills it and starts another
            wait_for(lambda: "has not run its loop" in s.log(),
                     timeout=BOUND, message=lambda: "the watchdog's line "
                     "about the stopped worker in\n" + s.log())
            self.assertIn("worker", s.log())
            self.assertIn("(pid %d) has not run its loop" % victim, s.log())
            wait_for(lambda: not alive(victim, start), timeout=BOUND,
                     message="the stopped worker's end")
            new = wait_for(lambda: [p for p in s.workers() if p not in old],
                           timeout=BOUND, message="a new worker")
            self.assertEqual(len(s.workers()), 2, s.workers())

            # its clients see their connections closed, not a hang
            for c in stopped:
                c.sock.settimeout(BOUND)
                try:
                    data = c.sock.recv(100)
                except ConnectionResetError:
                    data = b""
                self.assertEqual(data, b"")
            # the other worker's clients go on on the same connections:
            # idle through all of it, longer than [timeouts] worker, it
            # beat all along
            for c in kept:
                c.send(GET)
                self.assertEqual(c.read_response().status, 200)
            # a fresh request is answered
            self.assertEqual(guadtest.get(s.port, "/").status, 200)
            print("\n%d connections of worker %d closed, %d kept; new "
                  "worker %s" % (len(stopped), victim, len(kept), new),
                  file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
