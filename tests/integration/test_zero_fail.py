#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Zero-failure worker replacement: nothing is dropped when workers go.

Keep-alive clients made with python's http.client (one request after
another, as a browser or a script would) never retry: every request that
does not get a complete 200 is a failure, counted with its reason.  While
they run, workers are replaced by HUP, TTOU, max_requests, or the whole
server stops on QUIT.  A draining worker keeps its idle connections,
answers each one's next request with Connection: close and closes only
after a lingering close, so 0 requests fail.

Only the guad processes these tests start are ever signalled.
"""

import http.client
import os
import random
import re
import signal
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import HOST, Server, wait_for  # noqa: E402

CLIENTS = 4
# each busy client's requests, at most: the signals are sent meanwhile
BUSY_MAX = 4000


class Load:
    """CLIENTS threads, each one keep-alive http.client connection, one
    request after another, never retrying.  pause: (lo, hi) seconds
    between requests; count: requests per client (None: until stop(),
    at most BUSY_MAX)."""

    def __init__(self, port, pause=None, count=None):
        self.port = port
        self.pause = pause
        self.count = count
        self.ok = 0
        self.failures = []
        self.quit_at = None  # a request begun later on a new connection
        self.after_quit = []  # may be refused: the server is going away
        self.errors = []     # the clients' own exceptions
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(i,))
                        for i in range(CLIENTS)]
        self.started = threading.Event()
        self.nstarted = 0

    def client(self, tid):
        try:
            self.requests(tid)
        except BaseException as e:  # noqa: B902 -- reported by the test
            with self.lock:
                self.errors.append(e)

    def requests(self, tid):
        rnd = random.Random(tid)
        conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
        n = self.count if self.count is not None else BUSY_MAX
        for i in range(n):
            if self.count is None and self.done.is_set():
                break
            path = "/?t=%d&i=%d" % (tid, i)
            begun = time.monotonic()
            fresh = conn.sock is None   # http.client connects on request
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException) as e:
                # what the server can cause; an error of the client
                # itself ends the thread and fails the test (errors)
                conn.close()  # the next request opens a new connection
                with self.lock:
                    if (self.quit_at is not None and begun >= self.quit_at
                            and fresh):
                        self.after_quit.append(e)
                    else:
                        self.failures.append("GET %s: %s: %s" % (
                            path, type(e).__name__, e))
            else:
                with self.lock:
                    if r.status != 200 or not body:
                        self.failures.append(
                            "GET %s: status %d, %d body bytes"
                            % (path, r.status, len(body)))
                    else:
                        self.ok += 1
                        if self.ok == CLIENTS:
                            self.started.set()
            if self.pause is not None:
                time.sleep(rnd.uniform(*self.pause))
        conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        self.started.wait(10)
        return self

    def __exit__(self, *exc):
        self.done.set()
        for t in self.threads:
            t.join(60)

    def report(self):
        return "%d ok, %d failed%s%s" % (
            self.ok, len(self.failures),
            "".join("\n  " + f for f in self.failures[:20]),
            "".join("\n  client error: %r" % e for e in self.errors))


def reloads(s):
    return len(re.findall(r"reloaded: \d+ workers", s.log()))


def hup(s, times, spacing=0.1):
    """Sends HUP times, each once the last generation has started."""
    for i in range(times):
        s.signal(signal.SIGHUP)
        wait_for(lambda: reloads(s) > i, 10,
                 message=lambda: "reload %d in the log\n%s" % (i + 1, s.log()))
        time.sleep(spacing)


class ReplacementTest(unittest.TestCase):
    def check(self, load, s):
        self.assertFalse(load.failures or load.errors, load.report())
        self.assertGreater(load.ok, 0)
        self.assertIsNone(s.proc.poll(), "master died")

    def test_20_hups_busy_clients(self):
        with Server(workers=2) as s:
            with Load(s.port) as load:
                hup(s, 20)
            self.check(load, s)

    def test_20_hups_pausing_clients(self):
        with Server(workers=2) as s:
            with Load(s.port, pause=(0, 2), count=8) as load:
                hup(s, 20, spacing=0.3)
            self.check(load, s)

    def test_ttou(self):
        with Server(workers=4) as s:
            with Load(s.port) as load:
                for want in (3, 2, 1):
                    s.signal(signal.SIGTTOU)
                    wait_for(lambda: "workers: %d" % want in s.log(), 10,
                             message=s.log)
                    time.sleep(0.5)
            self.check(load, s)

    def test_max_requests_50(self):
        with Server(workers=2,
                    sections={"limits": {"max_requests": "50"}}) as s:
            # the master looks at the slots once a second: the clients
            # go on (at most BUSY_MAX requests each) until two workers
            # were recycled, counted in its log, not guessed from a clock
            with Load(s.port, pause=(0, 0.005)) as load:
                wait_for(lambda: len(re.findall("recycling it",
                                                s.log())) >= 2, 60,
                         message=lambda: "two recyclings: " + s.log())
            self.check(load, s)

    def test_20_usr1_reopen_in_place(self):
        with Server(workers=2, log_files=True) as s:
            before = sorted(s.workers())
            with Load(s.port) as load:
                for i in range(20):
                    for path in (s.error_log_path, s.access_log_path):
                        os.rename(path, "%s.%d" % (path, i))
                    s.signal(signal.SIGUSR1)
                    wait_for(lambda: "logs reopened" in s.log(), 10,
                             message=lambda: "logs reopened, in the new "
                             "error log")
                    # the workers write their lines to the new file
                    wait_for(lambda: len(s.access_lines()) > 0, 10,
                             message=lambda: "lines in the new access log "
                             "after USR1 %d" % (i + 1))
            self.check(load, s)
            self.assertEqual(sorted(s.workers()), before,
                             "USR1 replaced workers")

    def test_quit_answers_what_was_sent(self):
        with Server(workers=2) as s:
            idle = []
            for i in range(4):
                c = http.client.HTTPConnection(HOST, s.port, timeout=10)
                c.request("GET", "/?idle=%d" % i)
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
                idle.append(c)
            with Load(s.port) as load:
                time.sleep(0.5)
                with load.lock:
                    load.quit_at = time.monotonic()
                s.signal(signal.SIGQUIT)
                time.sleep(0.2)
            self.assertFalse(load.failures or load.errors, load.report())
            self.assertGreater(load.ok, 0)
            # After QUIT only a new connection may fail, and only as one
            # the server no longer takes: refused once the listeners are
            # closed, or reset if it was still queued when they closed.
            self.assertEqual([e for e in load.after_quit if not isinstance(
                e, (ConnectionRefusedError, ConnectionResetError,
                    http.client.RemoteDisconnected))], [],
                load.after_quit[:5])
            # idle connections: their next request is answered, with close
            for i, c in enumerate(idle):
                c.request("GET", "/?after-quit=%d" % i)
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
                self.assertEqual(r.getheader("Connection"), "close")
                c.close()
            self.assertEqual(s.wait(), 0)


if __name__ == "__main__":
    unittest.main()
