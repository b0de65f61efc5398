#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Soak (issue 8): two workers under mixed traffic from several threads
for GUADTEST_SOAK_SECONDS (default 20; tests/all.sh runs 180). Small and
large files, ranges, HEAD, conditional GETs, message posts and the page,
pipelined requests, malformed requests, clients that trickle their request
and clients that connect and say nothing. At the end: every well-formed
request was answered correctly, the database holds exactly the
acknowledged messages, the workers are the ones that started, and once
idle each has the file descriptors it had after the warm-up, and its
memory (VmRSS) has grown by no more than what guad's own sizes allow
(rss_bound_kb: SQLite's page cache up to the database's size, the
connections' buffer pools, the file cache)."""

import collections
import os
import random
import re
import socket
import sqlite3
import sys
import threading
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import (GUAD, TIMER_LATE, BadResponse,  # noqa: E402
                      Connection, ConnectionClosed, Server, read_ini,
                      wait_for)

SECONDS = int(os.environ.get("GUADTEST_SOAK_SECONDS") or 20)
WORKERS = 2
CLIENTS = 4             # threads of well-formed (and malformed) traffic
SLOW_CLIENTS = 1        # threads of trickling and idle connections
HEADER_TIMEOUT = 5
KEEPALIVE_TIMEOUT = 3
PAGE_SIZE = 20
HEADER_SIZE = 4096

# What a worker's VmRSS may still grow by after the warm-up, when the
# clients have done every kind of request, the same way, as often at once
# (rss_bound_kb).  Each term is a most, from guad's own sizes:
# - SQLite's page cache: the database grows by every post, and SQLite
#   keeps pages up to its default cache_size of 2000 KiB (store_sqlite.c
#   sets none); it cannot hold more than the database and its WAL hold;
SQLITE_CACHE_KB = 2000
# - the connections' buffer pools (worker.c: a header_size + 1 input and
#   a 16 KiB output buffer each, 64 kept): one pair per connection held
#   at once, had the warm-up not reached as many: each Traffic client
#   holds its keep-alive connection and one more for a malformed request,
#   each Slow client a silent, a used and a trickling one;
POOL_BUFFERS_KB = ((HEADER_SIZE + 1 + 16384) * (2 * CLIENTS + 3 * SLOW_CLIENTS)
                   + 1023) // 1024
# - the file cache: every small file the soak asks for (8 KiB at most,
#   FCACHE_FILE_MAX), had a worker not met one in the warm-up.
SMALL_FILES = 4         # files/small.txt, /, /doge.gif, /static/style.css
FILE_CACHE_KB = 8 * SMALL_FILES
# The rendered message list is the same size as in the warm-up (as many
# messages, of the same length), and no other buffer grows with traffic.
# Under AddressSanitizer freed memory waits in quarantine: 1 MiB overall
# (quarantine_size_mb, set below) and 1 MiB in the thread's own (its
# default thread_local_quarantine_size_kb; a worker has one thread); and
# every byte has an eighth of one in shadow memory, plus the allocations'
# redzones: a quarter more, and the quarantines.
ASAN_QUARANTINE_KB = 1024 + 1024


def database_kb(path):
    """The size of the database at path, in pages as SQLite counts them
    (its file and what its WAL adds), in KiB."""
    con = sqlite3.connect(path, timeout=10)
    try:
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        size = con.execute("PRAGMA page_size").fetchone()[0]
    finally:
        con.close()
    return (pages * size + 1023) // 1024


def rss_bound_kb(db_kb, asan):
    """The VmRSS growth allowed: the terms above, SQLite's cache no more
    than the database's db_kb."""
    kb = min(SQLITE_CACHE_KB, db_kb) + POOL_BUFFERS_KB + FILE_CACHE_KB
    return kb + kb // 4 + ASAN_QUARANTINE_KB if asan else kb


def asan_build():
    """True if guad was built with AddressSanitizer, whose allocator keeps
    what it needs to report errors (freed memory in a quarantine, every
    allocation's stack) and so grows VmRSS by design; LeakSanitizer checks
    each worker for leaks when it exits instead."""
    try:
        with open(GUAD, "rb") as f:
            return b"AddressSanitizer" in f.read()
    except OSError:
        return False
FORM = "application/x-www-form-urlencoded"

ITEM = re.compile(
    r'<li><time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">'
    r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</time> '
    r'<span class="text">soak-[a-z0-9-]+</span></li>')


def file_tree():
    """The test's own files below the document root: small ones the file
    cache keeps, larger ones sent with sendfile."""
    rng = random.Random(8)

    def noise(n):
        return rng.getrandbits(8 * n).to_bytes(n, "little")

    return {
        "files/small.txt": bytes(32 + b % 95 for b in noise(3000)),
        "files/medium.bin": noise(300001),
        "files/large.bin": noise(1024 * 1024 + 7),
    }


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def server_connections(port):
    """Connections the server side holds open on port (established, or
    closed by the client and not yet by the server)."""
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (int(fields[1].split(":")[1], 16) == port
                    and fields[3] in ("01", "08")):
                n += 1
    return n


class Stats:
    """What the clients did, shared by every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.failures = []
        self.acked = []

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] += n

    def fail(self, what):
        with self.lock:
            self.failures.append(what)

    def ack(self, text):
        with self.lock:
            self.acked.append(text)


class Client(threading.Thread):
    """One of the soak's client threads: runs for rounds, or until the
    deadline; an unexpected exception is kept in error for the test."""

    def __init__(self, soak, name, deadline=None, rounds=None):
        super().__init__(daemon=True)
        self.soak = soak
        self.stats = soak.stats
        self.port = soak.server.port
        self.deadline = deadline
        self.rounds = rounds
        self.rng = random.Random(name)
        self.error = None


class Traffic(Client):
    """Well-formed requests on keep-alive connections (sometimes closed
    by the client), and now and then a malformed one on its own."""

    OPS = [("small", 6), ("large", 2), ("range", 4), ("head", 2),
           ("conditional", 3), ("post", 3), ("page", 2), ("pipelined", 1),
           ("malformed", 1)]

    def __init__(self, soak, name, deadline=None, rounds=None):
        super().__init__(soak, name, deadline, rounds)
        self.prefix = name
        self.conn = None
        self.used = 0.0
        self.n = 0
        self.ops = [op for op, w in self.OPS for _ in range(w)]

    # -- connections

    def connection(self):
        # like a client's pool: an idle connection is not reused after
        # half the server's keep-alive time
        now = time.monotonic()
        if self.conn is not None and now - self.used > KEEPALIVE_TIMEOUT / 2:
            self.drop()
        if self.conn is None:
            self.conn = Connection(self.port, timeout=30)
            self.stats.count("connections")
        return self.conn

    def drop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def exchange(self, raws, heads):
        """Sends the requests at once, reads one response each."""
        c = self.connection()
        c.send(b"".join(raws))
        out = [c.read_response(head=h) for h in heads]
        self.used = time.monotonic()
        if out[-1].headers.get("connection", "").lower() == "close":
            self.drop()
        return out

    def one(self, raw, head=False):
        return self.exchange([raw], [head])[0]

    # -- requests

    def raw(self, method, path, fields=""):
        close = "Connection: close\r\n" if self.rng.random() < 0.1 else ""
        return ("%s %s HTTP/1.1\r\nHost: x\r\n%s%s\r\n"
                % (method, path, fields, close)).encode("latin-1")

    def expect(self, what, r, status, body=None, check=None):
        self.stats.count(what)
        if r.status != status:
            self.stats.fail("%s: %d, not %d: %r" % (what, r.status, status,
                                                    r.head[:200]))
        elif body is not None and r.body != body:
            self.stats.fail("%s: %d bytes differ from the file's %d"
                            % (what, len(r.body), len(body)))
        elif check is not None:
            why = check(r)
            if why:
                self.stats.fail("%s: %s" % (what, why))

    def op_small(self):
        path = self.rng.choice(self.soak.small)
        self.expect("get", self.one(self.raw("GET", path)), 200,
                    self.soak.files[path])

    def op_large(self):
        path = self.rng.choice(self.soak.large)
        self.expect("get", self.one(self.raw("GET", path)), 200,
                    self.soak.files[path])

    def range_request(self, path):
        data = self.soak.files[path]
        size = len(data)
        kind = self.rng.randrange(4)
        a = self.rng.randrange(size)
        b = self.rng.randrange(a, size + 100)
        if kind == 0:
            spec, start, end = "%d-%d" % (a, b), a, min(b, size - 1)
        elif kind == 1:
            spec, start, end = "%d-" % a, a, size - 1
        elif kind == 2:
            n = self.rng.randrange(1, size + 100)
            spec, start, end = "-%d" % n, max(0, size - n), size - 1
        else:
            spec, start, end = "%d-" % (size + a), None, None
        raw = self.raw("GET", path, "Range: bytes=%s\r\n" % spec)
        if start is None:
            want = "bytes */%d" % size
            return raw, lambda r: self.expect(
                "range", r, 416, check=lambda r: None
                if r.headers.get("content-range") == want
                else "Content-Range %r, not %r"
                % (r.headers.get("content-range"), want))
        want = "bytes %d-%d/%d" % (start, end, size)
        return raw, lambda r: self.expect(
            "range", r, 206, data[start:end + 1], lambda r: None
            if r.headers.get("content-range") == want
            else "Content-Range %r, not %r"
            % (r.headers.get("content-range"), want))

    def op_range(self):
        raw, judge = self.range_request(self.rng.choice(self.soak.paths))
        judge(self.one(raw))

    def head_check(self, path):
        size = len(self.soak.files[path])
        return lambda r: self.expect(
            "head", r, 200, b"", lambda r: None
            if r.headers.get("content-length") == str(size)
            else "Content-Length %r, not %d"
            % (r.headers.get("content-length"), size))

    def op_head(self):
        path = self.rng.choice(self.soak.paths)
        self.head_check(path)(self.one(self.raw("HEAD", path), head=True))

    def op_conditional(self):
        path = self.rng.choice(self.soak.paths)
        etag, modified = self.soak.validators[path]
        if self.rng.random() < 0.5:
            field = "If-None-Match: %s\r\n" % self.rng.choice(
                [etag, "W/" + etag, '"nothing", ' + etag, "*"])
        else:
            field = "If-Modified-Since: %s\r\n" % modified
        self.expect("conditional", self.one(self.raw("GET", path, field)),
                    304, b"")

    def post_raw(self, text):
        body = urllib.parse.urlencode({"message": text}).encode("ascii")
        return (b"POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                b"Content-Length: %d\r\n\r\n%s"
                % (FORM.encode(), len(body), body))

    def op_post(self):
        self.n += 1
        text = "soak-%s-%06d" % (self.prefix, self.n)
        # a post is never resent, so it never goes on a connection that
        # may have been closed: it gets its own when the last one idled
        r = self.one(self.post_raw(text))
        self.expect("post", r, 303)
        if r.status == 303:
            self.stats.ack(text)

    def page_check(self, r):
        items = ITEM.findall(r.body.decode("utf-8", "replace"))
        if len(items) != PAGE_SIZE:
            return "%d well-formed messages on the page, not %d" % (
                len(items), PAGE_SIZE)
        return None

    def op_page(self):
        self.expect("page", self.one(self.raw("GET", "/msg")), 200,
                    check=self.page_check)

    def op_pipelined(self):
        small = self.rng.choice(self.soak.small)
        head = self.rng.choice(self.soak.paths)
        rraw, judge = self.range_request(self.rng.choice(self.soak.large))
        rs = self.exchange([self.raw("GET", small).replace(
            b"Connection: close\r\n", b""), self.raw("HEAD", head).replace(
            b"Connection: close\r\n", b""), rraw], [False, True, False])
        self.expect("get", rs[0], 200, self.soak.files[small])
        self.head_check(head)(rs[1])
        judge(rs[2])
        self.stats.count("pipelined")

    MALFORMED = [
        ("bad method", b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        ("bad header", b"GET / HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n", 400),
        ("bad header", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("oversize header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
         + b"b" * HEADER_SIZE + b"\r\n\r\n", 431),
    ]

    def op_malformed(self):
        what, raw, status = self.rng.choice(self.MALFORMED)
        with Connection(self.port, timeout=30) as c:
            c.send(raw)
            r = c.read_response()
        self.expect("malformed", r, status)
        self.stats.count(what)

    def do(self, op):
        try:
            getattr(self, "op_" + op)()
        except (OSError, ConnectionClosed, BadResponse) as e:
            # what the server can cause, each a failure of the test; an
            # error of the client itself ends the thread (self.error)
            self.stats.fail("%s: %s: %s" % (op, type(e).__name__, e))
            self.drop()

    def run(self):
        try:
            if self.rounds is not None:
                for op, _ in self.OPS:  # each kind at least once
                    self.do(op)
                for _ in range(self.rounds):
                    self.do(self.rng.choice(self.ops))
            else:
                while time.monotonic() < self.deadline:
                    self.do(self.rng.choice(self.ops))
        except BaseException as e:  # noqa: B902 -- reported by the test
            self.error = e
        finally:
            self.drop()


class Slow(Client):
    """Clients that trickle a request within the header timeout, and
    connections left idle (before any byte, or after a response) that
    the server must close by its timeouts."""

    def trickle(self):
        path = self.rng.choice(self.soak.small)
        data = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode()
        pause = 2.0 / len(data)         # about 2 s, well within the timeout
        with Connection(self.port, timeout=30) as c:
            start = time.monotonic()
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(len(data)):
                c.send(data[i:i + 1])
                time.sleep(pause)
            late = time.monotonic() - start > HEADER_TIMEOUT - 1
            try:
                r = c.read_response()
            except ConnectionClosed:
                r = None
        self.stats.count("trickled")
        if late:
            # this machine was too slow to trickle in time: a 408 (or a
            # close) is then the right answer, and nothing is judged
            self.stats.count("trickled late")
        elif r is None:
            self.stats.fail("trickle: closed without an answer")
        elif r.status != 200 or r.body != self.soak.files[path]:
            self.stats.fail("trickle: %d, %d bytes" % (r.status, len(r.body)))

    def idle(self):
        """Two connections: one silent, one after a response. Trickles
        while waiting for the server to close them."""
        silent = Connection(self.port, timeout=30)
        used = Connection(self.port, timeout=30)
        try:
            used.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            r = used.read_response()
            if r.status != 200 or r.body != self.soak.files["/"]:
                self.stats.fail("idle: first request %d" % r.status)
            self.trickle()
            for what, c, limit in (("idle silent", silent, HEADER_TIMEOUT),
                                   ("idle keep-alive", used,
                                    KEEPALIVE_TIMEOUT)):
                # Both timers started before the trickle (about 2 s):
                # each connection is closed within its timeout (and
                # TIMER_LATE) of now.
                self.stats.count(what)
                if not c.closed_by_server(limit + TIMER_LATE):
                    self.stats.fail("%s: still open %.1f s after its "
                                    "timeout" % (what, TIMER_LATE))
        finally:
            silent.close()
            used.close()

    def run(self):
        try:
            if self.rounds is not None:
                for _ in range(self.rounds):
                    self.idle()
            else:
                while time.monotonic() < self.deadline:
                    self.idle()
                    self.trickle()
        except BaseException as e:  # noqa: B902 -- reported by the test
            self.error = e


class SoakTest(unittest.TestCase):
    def run_clients(self, phase, deadline=None, rounds=None):
        """Every client thread, until deadline or for rounds; phase
        names them (and so the messages they post)."""
        threads = [Traffic(self, "%s%d" % (phase, i), deadline, rounds)
                   for i in range(CLIENTS)]
        threads += [Slow(self, "%s-slow%d" % (phase, i), deadline,
                         rounds and 1) for i in range(SLOW_CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            # a request has 30 s, an idle round about 20 s
            t.join(max(0, (deadline or time.monotonic())
                       - time.monotonic()) + 120)
        self.assertFalse([t for t in threads if t.is_alive()],
                         "clients still running")
        for t in threads:
            self.assertIsNone(t.error, t.error)

    def idle_levels(self, pids, want=None):
        """Once the server holds no connection: {pid: (fds, rss_kb)}.
        With want, waits (bounded) until the fds are back at its level."""
        s = self.server

        def settled():
            if server_connections(s.port):
                return None
            fds = {p: proc_fds(p) for p in pids}
            if want is not None and any(fds[p] != want[p][0] for p in pids):
                return None
            return {p: (fds[p], proc_rss_kb(p)) for p in pids}

        return wait_for(settled, HEADER_TIMEOUT + KEEPALIVE_TIMEOUT + 30,
                        interval=0.2, message=lambda: "no connection held "
                        "and the fds %s: %d connections, fds %s" % (
                            want and {p: want[p][0] for p in pids} or "",
                            server_connections(s.port),
                            {p: proc_fds(p) for p in pids}))

    def test_mixed_traffic_answers_everything_and_leaks_nothing(self):
        tree = file_tree()
        # Under AddressSanitizer a small quarantine (256 MiB by default)
        # and more room for the rest of its bookkeeping.
        asan = ":".join(o for o in (os.environ.get("ASAN_OPTIONS"),
                                    "quarantine_size_mb=1") if o)
        with Server(workers=WORKERS, files=tree, env={"ASAN_OPTIONS": asan},
                    sections={
                "limits": {"header_size": str(HEADER_SIZE)},
                "timeouts": {"header": str(HEADER_TIMEOUT),
                             "keepalive": str(KEEPALIVE_TIMEOUT)},
                "msg": {"page_size": str(PAGE_SIZE)},
                "routes": {"/files/": "dir files"}}) as s:
            self.server = s
            self.stats = Stats()
            self.files = {"/" + k: v for k, v in tree.items()}
            for path, rel in (("/", "index.html"), ("/doge.gif", "doge.gif"),
                              ("/static/style.css", "static/style.css")):
                with open(os.path.join(s.root, rel), "rb") as f:
                    self.files[path] = f.read()
            self.large = ["/files/medium.bin", "/files/large.bin"]
            self.small = [p for p in self.files if p not in self.large]
            self.paths = sorted(self.files)
            self.validators = {}
            for path in self.paths:
                with Connection(s.port) as c:
                    c.send("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
                    r = c.read_response()
                self.assertEqual((r.status, r.body), (200, self.files[path]))
                self.validators[path] = (r.headers["etag"],
                                         r.headers["last-modified"])
            pids = wait_for(lambda: (lambda w: w if len(w) == WORKERS
                                     else None)(s.workers()), 5)

            # warm-up: a full page of messages, every kind of request,
            # caches and pools filled; then the levels to come back to
            seeder = Traffic(self, "seed", rounds=0)
            for _ in range(PAGE_SIZE):
                seeder.op_post()
            seeder.drop()
            self.run_clients("w", rounds=200)
            start = self.idle_levels(pids)
            warm = dict(self.stats.counts)

            began = time.monotonic()
            self.run_clients("c", deadline=began + SECONDS)
            ran = time.monotonic() - began
            end = self.idle_levels(pids, want=start)

            st = self.stats
            self.assertEqual(st.failures, [], "%d failures, the first: %s"
                             % (len(st.failures), st.failures[:10]))
            self.assertEqual(s.workers(), pids, "workers replaced (crashed?)")
            self.assertIsNone(s.proc.poll(), "master died")
            db = [v for sec, k, v in read_ini(s.ini)
                  if sec == "msg" and k == "db"][0]
            db_kb = database_kb(db)
            slack = rss_bound_kb(db_kb, asan_build())
            for p in pids:
                self.assertEqual(end[p][0], start[p][0], "fds of %d" % p)
                self.assertLessEqual(
                    end[p][1], start[p][1] + slack,
                    "VmRSS of worker %d grew from %d kB to %d kB, more "
                    "than the %d kB derived (database %d kB)"
                    % (p, start[p][1], end[p][1], slack, db_kb))
            s.stop()
            con = sqlite3.connect(db, timeout=10)
            try:
                rows = [r[0] for r in
                        con.execute("SELECT text FROM message").fetchall()]
                integrity = con.execute("PRAGMA integrity_check").fetchall()
            finally:
                con.close()
            self.assertEqual(integrity, [("ok",)])
            self.assertEqual(len(rows), len(st.acked),
                             "rows in the database vs acknowledged posts")
            self.assertEqual(sorted(rows), sorted(st.acked))

            c = st.counts
            main = {k: c[k] - warm.get(k, 0) for k in c}
            sys.stderr.write(
                "\n  soak: %.0f s, %d workers, %d requests after warm-up "
                "(get %d, range %d, head %d, conditional %d, post %d, "
                "page %d, pipelined %d, malformed %d) over %d connections; "
                "%d trickled (%d late), %d idle closed; 0 failures; "
                "%d messages acknowledged = %d rows; fds %s; "
                "VmRSS kB %s (%d allowed)\n" % (
                    ran, WORKERS,
                    sum(main.get(k, 0) for k in (
                        "get", "range", "head", "conditional", "post",
                        "page", "malformed", "trickled")),
                    main.get("get", 0), main.get("range", 0),
                    main.get("head", 0), main.get("conditional", 0),
                    main.get("post", 0), main.get("page", 0),
                    main.get("pipelined", 0), main.get("malformed", 0),
                    main.get("connections", 0), main.get("trickled", 0),
                    main.get("trickled late", 0),
                    main.get("idle silent", 0) + main.get("idle keep-alive",
                                                          0),
                    len(st.acked), len(rows),
                    " ".join("%d->%d" % (start[p][0], end[p][0])
                             for p in pids),
                    " ".join("%d->%d" % (start[p][1], end[p][1])
                             for p in pids), slack))


if __name__ == "__main__":
    unittest.main()
