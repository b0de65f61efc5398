#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Operations: the master's signals and guad -s.

HUP reload (valid and broken gua.ini, and under load), QUIT graceful stop
and its shutdown bound, USR1 log reopening, TTIN/TTOU, pid_file and
guad -s, the crash-loop backoff, worker_timeout and max_requests.

Only the guad processes these tests start (and their workers, found as
children of the master) are ever signalled.
"""

import json
import os
import re
import resource
import signal
import socket
import sqlite3
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (HOST, Connection, ConnectionClosed,  # noqa: E402
                      LoadClient, Server, alive, get, run_guad, starttime,
                      wait_for)


def snapshot(pids):
    """{pid: starttime} so later liveness checks are safe from pid reuse."""
    out = {}
    for p in pids:
        st = starttime(p)
        if st is not None:
            out[p] = st
    return out


def any_alive(snap):
    return [p for p, st in snap.items() if alive(p, st)]


def n_workers(s, n, timeout=5.0):
    """Wait until the master has exactly n live children; return them."""
    return wait_for(lambda: (lambda w: w if len(w) == n else None)(
        s.workers()), timeout,
        message=lambda: "%d workers, have %s\n%s" % (n, s.workers(), s.log()))


def append_line(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    with open(path, encoding="utf-8") as f:
        return len(f.read().splitlines())    # the line number just written


def log_wait(s, pattern, timeout=5.0, after=0):
    """Wait for pattern in the error log (from offset after); the match."""
    return wait_for(lambda: re.search(pattern, s.log()[after:]), timeout,
                    message=lambda: "%r in the error log:\n%s"
                    % (pattern, s.log()))


def refused(port):
    """True if a connect to port is refused now."""
    try:
        socket.create_connection((HOST, port), timeout=1.0).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


def master_turned(s):
    """Wait until the master has gone twice round its loop since this
    call: each SIGUSR1 is logged ("logs reopened") in its own turn, the
    second after the first turn has also reaped and spawned what it
    would.  An event to look for a thing not happening, in place of a
    sleep."""
    for _ in range(2):
        n = s.log().count("logs reopened")
        s.signal(signal.SIGUSR1)
        wait_for(lambda: s.log().count("logs reopened") > n, 5,
                 message=lambda: "'logs reopened' in the log\n" + s.log())


def status(s):
    """The status route's JSON (the server has [routes] /status)."""
    r = get(s.port, "/status", "Accept: application/json\r\n")
    if r.status != 200:
        raise AssertionError("/status: %r" % r)
    return json.loads(r.body)


def within(cond, timeout, interval=0.002):
    """True once cond() is, False if it is not within timeout seconds
    (for a state a test tries to catch, and tries again if missed)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def holds(pid, path):
    """True if pid has the file at path open."""
    ino = os.stat(path).st_ino
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.stat("/proc/%d/fd/%s" % (pid, fd)).st_ino == ino:
                return True
        except OSError:
            pass
    return False


def signal_pending(pid, sig):
    """True if sig is pending for pid (a stopped process keeps it)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("ShdPnd:", "SigPnd:")):
                if int(line.split()[1], 16) & (1 << (sig - 1)):
                    return True
    return False


def state(pid):
    """The process state letter from /proc/PID/stat ("T": stopped)."""
    st = guadtest._stat(pid)
    return st[0] if st else None


def wchan(pid):
    try:
        with open("/proc/%d/wchan" % pid) as f:
            return f.read()
    except OSError:
        return ""


class ReloadTest(unittest.TestCase):
    def test_hup_with_a_valid_config_adds_the_route_and_replaces_workers(self):
        with Server(workers=2, own_root=True,
                    files={"extra.txt": b"extra file\n"}) as s:
            old = snapshot(n_workers(s, 2))
            self.assertEqual(get(s.port, "/extra.txt").status, 404)
            append_line(s.ini, "/extra.txt = file extra.txt")
            mark = len(s.log())
            s.signal(signal.SIGHUP)
            log_wait(s, r"reloaded", after=mark)
            # the new route is served (by the new generation)
            r = wait_for(lambda: (lambda r: r if r.status == 200 else None)(
                get(s.port, "/extra.txt")), 5,
                message=lambda: "200 for /extra.txt after the reload\n"
                + s.log())
            self.assertEqual(r.body, b"extra file\n")
            # the old workers exit; two new ones serve
            wait_for(lambda: not any_alive(old), 5,
                     message=lambda: "old workers %s to exit\n%s"
                     % (any_alive(old), s.log()))
            new = n_workers(s, 2)
            self.assertFalse(set(new) & set(old), (old, new))
            for i in range(10):
                self.assertEqual(get(s.port, "/?after-reload=%d" % i).status,
                                 200)
                self.assertEqual(get(s.port, "/extra.txt").status, 200)
            self.assertIsNone(s.proc.poll(), "master died")

    def test_hup_with_a_broken_config_keeps_the_running_one(self):
        with Server(workers=2, own_root=True,
                    files={"extra.txt": b"extra file\n"}) as s:
            before = n_workers(s, 2)
            snap = snapshot(before)
            append_line(s.ini, "/extra.txt = file extra.txt")
            line = append_line(s.ini, "this line is garbage")
            mark = len(s.log())
            s.signal(signal.SIGHUP)
            m = log_wait(s, r"keeping the running configuration.*", after=mark)
            self.assertRegex(m.group(0), re.escape(s.ini) + r":%d:" % line,
                             "the error names FILE:LINE of the garbage")
            self.assertNotIn("reloaded", s.log()[mark:])
            # a wrong reload would have replaced the workers by now
            master_turned(s)
            # the old routes, not the half-read new ones
            self.assertEqual(get(s.port, "/").status, 200)
            self.assertEqual(get(s.port, "/doge.gif").status, 200)
            self.assertEqual(get(s.port, "/extra.txt").status, 404)
            self.assertEqual(s.workers(), before)
            self.assertEqual(len(any_alive(snap)), 2)
            self.assertIsNone(s.proc.poll(), "master died")


class LoadReloadTest(unittest.TestCase):
    """SIGHUP every 0.5 s for ~5 s while clients hammer the server: two
    open a new connection per GET, two reuse keep-alive ones.  No client
    retries (guadtest.LoadClient): every request is answered 200 or is a
    failure with its reason.

    A request written to a reused keep-alive connection just as a
    draining worker let go of it used to get nothing back; a draining
    worker now keeps its idle connections and answers their next request
    with Connection: close (test_zero_fail.py), so none may be lost here:
    KNOWN_DRAIN_RACE is 0.  Any failure -- on a new connection or a
    reused one, a truncated or garbled answer, a status
    other than 200 -- fails the test."""

    DURATION = 5.0
    HUP_EVERY = 0.5
    KNOWN_DRAIN_RACE = 0    # per keep-alive client per SIGHUP, see above

    def test_reload_under_load_fails_no_request(self):
        with Server(workers=2) as s:
            n_workers(s, 2)
            stop = threading.Event()

            def client(tid, path, keep_alive):
                def make(i):
                    p = "%s?t=%d&i=%d" % (path, tid, i)
                    return p, ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n"
                               % p).encode()
                return LoadClient(s.port, make, 10 ** 9,
                                  keep_alive=keep_alive, stop=stop)

            clients = [client(1, "/", False), client(2, "/", False),
                       client(3, "/static/style.css", True),
                       client(4, "/static/style.css", True)]
            for c in clients:
                c.start()
            hups = 0
            end = time.monotonic() + self.DURATION
            try:
                while time.monotonic() < end:
                    time.sleep(self.HUP_EVERY)
                    s.signal(signal.SIGHUP)
                    hups += 1
            finally:
                time.sleep(0.5)
                stop.set()
                for c in clients:
                    c.join(15)
            self.assertFalse(any(c.is_alive() for c in clients),
                             "client threads did not finish")
            for c in clients:
                self.assertIsNone(c.error, c.error)
            ok = sum(len(c.tags(200)) for c in clients)
            not_ok = [(t, r.status) for c in clients
                      for t, r in c.answered if r.status != 200]
            failures = [f for c in clients for f in c.failures]
            raced = [f for f in failures
                     if f.reused and f.kind == guadtest.NO_RESPONSE]
            other = [f for f in failures if f not in raced]
            keep_alive = sum(1 for c in clients if c.keep_alive)
            sys.stderr.write("\n  reload under load: %d requests ok (%d on "
                             "reused keep-alive connections), %d SIGHUPs; "
                             "%d idle keep-alive connections closed by the "
                             "server; %d requests lost to the drain race, "
                             "%d other failures\n"
                             % (ok, sum(c.reused for c in clients), hups,
                                sum(c.idle_closed for c in clients),
                                len(raced), len(other)))
            self.assertGreaterEqual(len(re.findall(r"reloaded", s.log())),
                                    hups // 2, s.log())
            self.assertGreater(ok, 100)
            self.assertEqual(not_ok, [], not_ok[:10])
            self.assertEqual(other, [], other[:20])
            self.assertLessEqual(
                len(raced), self.KNOWN_DRAIN_RACE * keep_alive * hups,
                "more requests lost to the drain race than one per "
                "keep-alive client per SIGHUP: %s" % raced[:10])
            self.assertIsNone(s.proc.poll(), "master died")
            self.assertEqual(get(s.port, "/").status, 200)


class ReloadDrainTest(unittest.TestCase):
    """What an old worker does with the connections it holds when a reload
    tells it to stop (the cases behind failures of the load test)."""

    def test_connection_accepted_before_a_reload_gets_its_first_request_served(self):
        # A client connects; the worker accepts; the request is not there
        # yet when the reload starts.  Closing an idle *keep-alive*
        # connection is allowed, but this one never had a request: its
        # client gets an empty reply instead of an answer.
        with Server(workers=1,
                    sections={"routes": {"/status": "status"}}) as s:
            old = n_workers(s, 1)[0]
            with Connection(s.port) as conn:
                # accepted by the worker: it reads that connection
                wait_for(lambda: status(s)["workers"][0]["connections"]
                         ["reading"] == 1, 5,
                         message=lambda: "the connection accepted: %s"
                         % status(s))
                s.signal(signal.SIGHUP)
                log_wait(s, r"reloaded")
                # the old worker has the signal and drains
                wait_for(lambda: {(w["pid"], w["state"]) for w in
                                  status(s)["workers"]} >= {(old,
                                                             "draining")},
                         5, message=lambda: "worker %d draining: %s"
                         % (old, status(s)))
                conn.send("GET /?fresh HTTP/1.1\r\nHost: x\r\n\r\n")
                try:
                    r = conn.read_response()
                except ConnectionClosed as e:
                    self.fail("a connection accepted by worker %d before the "
                              "reload was closed without an answer to its "
                              "first request (%s)" % (old, e))
                self.assertEqual(r.status, 200)

    def test_request_waiting_on_a_keep_alive_connection_is_answered(self):
        # The old worker is told to stop while a complete request sits
        # unread in the socket of one of its keep-alive connections.
        # SIGSTOP makes that moment deterministic: the signal interrupts
        # the worker's epoll wait before the readable event is handled.
        with Server(workers=1) as s:
            wpid = n_workers(s, 1)[0]
            wst = starttime(wpid)
            with Connection(s.port) as conn:
                conn.send("GET /?one HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(conn.read_response().status, 200)
                # idle in its event loop (not still finishing that request)
                seen = set()
                if not within(lambda: seen.add(wchan(wpid))
                              or "epoll" in wchan(wpid), 2):
                    if seen <= {"", "0"}:
                        self.skipTest("/proc/PID/wchan does not say where "
                                      "a process sleeps on this kernel")
                    self.fail("worker %d never in epoll_wait: %s"
                              % (wpid, seen))
                os.kill(wpid, signal.SIGSTOP)
                try:
                    wait_for(lambda: state(wpid) == "T", 5,
                             message="worker %d to stop" % wpid)
                    conn.send("GET /?two HTTP/1.1\r\nHost: x\r\n\r\n")
                    s.signal(signal.SIGHUP)
                    log_wait(s, r"reloaded")
                    # the master told it to go before it logged that
                    self.assertTrue(signal_pending(wpid, signal.SIGQUIT),
                                    "no SIGQUIT pending for the old worker")
                finally:
                    if alive(wpid, wst):
                        os.kill(wpid, signal.SIGCONT)
                try:
                    r = conn.read_response()
                except ConnectionClosed as e:
                    self.fail("worker %d closed a keep-alive connection "
                              "holding an unread request instead of "
                              "answering it (%s)" % (wpid, e))
                self.assertEqual(r.status, 200)


BIG = 64 * 1024 * 1024


class QuitTest(unittest.TestCase):
    def big_download(self, s):
        """Start GET of the big file; return (conn, content_length, got)."""
        conn = Connection(s.port, timeout=20)
        conn.send("GET /static/big.bin HTTP/1.1\r\nHost: x\r\n"
                  "Connection: close\r\n\r\n")
        deadline = time.monotonic() + 5
        while b"\r\n\r\n" not in conn.buf:
            self.assertTrue(conn._fill(deadline), "no response head")
        head, conn.buf = conn.buf.split(b"\r\n\r\n", 1)
        self.assertRegex(head, rb"^HTTP/1\.1 200 ")
        clen = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
        self.assertEqual(clen, BIG)
        return conn, clen

    def test_quit_lets_a_download_in_progress_finish(self):
        with Server(workers=1, files={"static/big.bin": BIG}) as s:
            snap = snapshot(n_workers(s, 1))
            conn, clen = self.big_download(s)
            got = len(conn.buf)
            conn.buf = b""
            s.signal(signal.SIGQUIT)
            log_wait(s, r"graceful stop")
            self.assertIsNone(s.proc.poll(), "the master did not wait for "
                              "the request in progress")
            # read the rest slowly at first, then all of it
            deadline = time.monotonic() + 30
            for _ in range(10):
                conn._fill(deadline)
                got += len(conn.buf)
                conn.buf = b""
                time.sleep(0.05)
            while got < clen and conn._fill(deadline):
                got += len(conn.buf)
                conn.buf = b""
            conn.close()
            self.assertEqual(got, clen, "the download was cut short")
            self.assertEqual(s.wait(10), 0, s.log())
            self.assertFalse(any_alive(snap))
            self.assertRegex(s.log(), r"graceful stop")

    def test_quit_lets_a_slow_post_finish(self):
        with Server(workers=1) as s:
            n_workers(s, 1)
            body = b"message=" + b"q" * 40
            with Connection(s.port, timeout=10) as conn:
                conn.send(b"POST /msg HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/x-www-form-urlencoded"
                          b"\r\nContent-Length: %d\r\n\r\n" % len(body))
                conn.send(body[:10])
                # the worker has read the head and the start of the body
                client_port = conn.sock.getsockname()[1]
                wait_for(lambda: guadtest.unread_bytes(s.port, client_port)
                         == 0, 5, message="the worker to read the head")
                s.signal(signal.SIGQUIT)
                for i in range(10, len(body), 10):
                    time.sleep(0.1)
                    conn.send(body[i:i + 10])
                r = conn.read_response()
                self.assertEqual(r.status, 303, r)
            self.assertEqual(s.wait(10), 0, s.log())

    def test_quit_refuses_new_connections(self):
        with Server(workers=1, files={"static/big.bin": BIG}) as s:
            n_workers(s, 1)
            conn, _ = self.big_download(s)     # keeps the server stopping
            try:
                s.signal(signal.SIGQUIT)
                log_wait(s, r"graceful stop")
                # After QUIT nobody accepts: a new connection must be
                # refused, not accepted by the kernel and left unserved.
                try:
                    wait_for(lambda: refused(s.port), 2.0,
                             message="connections to port %d to be refused "
                             "once the graceful stop began (the master is "
                             "still running)" % s.port)
                except AssertionError as e:
                    # say what a client gets instead
                    what = "accepted"
                    try:
                        with Connection(s.port, timeout=1.0) as c2:
                            c2.send("GET / HTTP/1.1\r\nHost: x\r\n"
                                    "Connection: close\r\n\r\n")
                            try:
                                r = c2.read_response(timeout=1.0)
                                what = "accepted and answered %d" % r.status
                            except socket.timeout:
                                what = "accepted, no answer within 1 s"
                            except ConnectionClosed:
                                what = "accepted, then closed unanswered"
                    except OSError as e2:
                        what = repr(e2)
                    raise AssertionError("%s; a new connection was %s"
                                         % (e, what)) from None
                self.assertIsNone(s.proc.poll())
            finally:
                conn.close()
            self.assertEqual(s.wait(10), 0, s.log())

    SHUTDOWN = 2

    def test_shutdown_timeout_bounds_a_graceful_stop(self):
        with Server(workers=1, files={"static/big.bin": BIG},
                    sections={"timeouts": {"shutdown":
                                           str(self.SHUTDOWN)}}) as s:
            snap = snapshot(n_workers(s, 1))
            conn, _ = self.big_download(s)     # and never read the rest
            try:
                t0 = time.monotonic()
                s.signal(signal.SIGQUIT)
                status = s.wait(self.SHUTDOWN + 5)
                took = time.monotonic() - t0
            finally:
                conn.close()
            self.assertEqual(status, 0, s.log())
            # the master kills what is left at its deadline, in ms
            # (master.c), and then exits
            self.assertGreaterEqual(took, self.SHUTDOWN - guadtest.TIMER_EARLY,
                                    "the master stopped before shutdown = %d"
                                    % self.SHUTDOWN)
            self.assertLessEqual(took, self.SHUTDOWN + guadtest.TIMER_LATE,
                                 "shutdown = %d took %.1f s"
                                 % (self.SHUTDOWN, took))
            wait_for(lambda: not any_alive(snap), 3,
                     message=lambda: "worker %s to be gone" % any_alive(snap))
            self.assertRegex(s.log(), r"still running, killing")


class ReopenTest(unittest.TestCase):
    def test_usr1_reopens_both_log_files(self):
        with Server(workers=2, log_files=True) as s:
            n_workers(s, 2)
            self.assertEqual(get(s.port, "/?before").status, 200)
            wait_for(lambda: "/?before" in s.access_log(), 5,
                     message=lambda: "the request in %s" % s.access_log_path)
            old_err = s.error_log_path + ".1"
            old_acc = s.access_log_path + ".1"
            os.rename(s.error_log_path, old_err)
            os.rename(s.access_log_path, old_acc)
            self.assertFalse(os.path.exists(s.error_log_path))
            s.signal(signal.SIGUSR1)
            wait_for(lambda: os.path.exists(s.error_log_path)
                     and os.path.exists(s.access_log_path), 5,
                     message=lambda: "new %s and %s; old error log:\n%s" % (
                         s.error_log_path, s.access_log_path,
                         s._read(old_err)))
            log_wait(s, r"logs reopened")
            # every worker took the new access log from the master
            wait_for(lambda: all(holds(w, s.access_log_path)
                                 for w in s.workers()), 5,
                     message="the workers to hold the new access log")
            paths = ["/?after-reopen=%d" % i for i in range(8)]
            for p in paths:
                self.assertEqual(get(s.port, p).status, 200)
            wait_for(lambda: all(p + " " in s.access_log() for p in paths), 5,
                     message=lambda: "requests in the new access log:\n%s\n"
                     "old one:\n%s" % (s.access_log(), s._read(old_acc)))
            self.assertNotIn("after-reopen", s._read(old_acc))
            self.assertNotIn("logs reopened", s._read(old_err))
            # and the error log keeps going to the new file
            s.signal(signal.SIGTTIN)
            log_wait(s, r"workers: 3")
            self.assertNotIn("workers: 3", s._read(old_err))


class WorkerCountSignalTest(unittest.TestCase):
    def test_ttin_adds_a_worker_and_ttou_removes_one(self):
        with Server(workers=2) as s:
            two = n_workers(s, 2)
            s.signal(signal.SIGTTIN)
            three = n_workers(s, 3)
            self.assertTrue(set(two) <= set(three), (two, three))
            log_wait(s, r"workers: 3")
            self.assertEqual(get(s.port, "/").status, 200)
            s.signal(signal.SIGTTOU)
            after = n_workers(s, 2)
            self.assertTrue(set(after) <= set(three), (three, after))
            log_wait(s, r"workers: 2")
            # it stays at 2 (the removed one is not respawned)
            master_turned(s)
            self.assertEqual(s.workers(), after)
            for i in range(5):
                self.assertEqual(get(s.port, "/?n=%d" % i).status, 200)


class SignalCommandTest(unittest.TestCase):
    """guad -s reload|quit|stop|reopen -c FILE, through [server] pid_file."""

    def server(self, **kw):
        # a relative pid_file resolves against the folder of gua.ini
        return Server({"server": {"pid_file": "guad.pid"}}, **kw)

    def pid_file(self, s):
        return os.path.join(s.tmpdir, "guad.pid")

    def ctl(self, s, cmd, ini=None):
        # run from another directory: -s must find the pid file by itself
        return run_guad(["-s", cmd, "-c", ini or s.ini], cwd="/")

    def test_pid_file_holds_the_master_pid_and_is_removed_at_exit(self):
        with self.server() as s:
            with open(self.pid_file(s)) as f:
                self.assertEqual(f.read().strip(), str(s.pid))
            os.kill(s.pid, signal.SIGTERM)
            self.assertEqual(s.wait(5), 0, s.log())
            self.assertFalse(os.path.exists(self.pid_file(s)),
                             "pid file left after exit")

    def test_s_reload_reloads(self):
        with self.server() as s:
            old = snapshot(n_workers(s, 2))
            r = self.ctl(s, "reload")
            self.assertEqual(r.returncode, 0, r.stderr)
            log_wait(s, r"reloaded")
            wait_for(lambda: not any_alive(old), 5,
                     message=lambda: "old workers to exit\n" + s.log())
            self.assertEqual(get(s.port, "/").status, 200)

    def test_s_reopen_reopens_logs(self):
        with self.server() as s:
            r = self.ctl(s, "reopen")
            self.assertEqual(r.returncode, 0, r.stderr)
            log_wait(s, r"logs reopened")
            self.assertEqual(get(s.port, "/").status, 200)

    def test_s_stop_stops_with_status_0(self):
        with self.server() as s:
            snap = snapshot(n_workers(s, 2))
            r = self.ctl(s, "stop")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(s.wait(5), 0, s.log())
            self.assertRegex(s.log(), r"fast stop")
            wait_for(lambda: not any_alive(snap), 3)
            self.assertFalse(os.path.exists(self.pid_file(s)))

    def test_s_quit_stops_gracefully_with_status_0(self):
        with self.server() as s:
            r = self.ctl(s, "quit")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(s.wait(5), 0, s.log())
            self.assertRegex(s.log(), r"graceful stop")
            self.assertFalse(os.path.exists(self.pid_file(s)))

    def test_s_reload_with_a_route_to_a_missing_file_keeps_the_old_config(self):
        with self.server() as s:
            append_line(s.ini, "/gone.txt = file no-such-file.txt")
            r = self.ctl(s, "reload")
            self.assertEqual(r.returncode, 0, r.stderr)
            m = log_wait(s, r"keeping the running configuration.*")
            self.assertIn(s.ini + ":", m.group(0))
            self.assertEqual(get(s.port, "/").status, 200)

    def test_s_reload_with_a_garbage_line_still_signals_the_master(self):
        """guad(8): "The configuration file is read only for pid_file, so
        a broken file can still be reloaded: the master then keeps the
        configuration it has and logs why." """
        with self.server() as s:
            append_line(s.ini, "this line is garbage")
            r = self.ctl(s, "reload")
            self.assertEqual(r.returncode, 0,
                             "guad -s reload refused a gua.ini with a syntax "
                             "error elsewhere than pid_file: %s" % r.stderr)
            log_wait(s, r"keeping the running configuration")
            self.assertEqual(get(s.port, "/").status, 200)

    def test_s_without_pid_file_fails_with_a_message(self):
        with Server() as s:
            r = self.ctl(s, "reload")
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stderr, r"pid_file")
            master_turned(s)
            self.assertNotIn("reload", s.log())

    def test_s_with_no_running_server_fails(self):
        with self.server() as s:
            ini = s.ini
            os.kill(s.pid, signal.SIGTERM)
            self.assertEqual(s.wait(5), 0)
            r = self.ctl(s, "reload", ini)
            self.assertNotEqual(r.returncode, 0)
            self.assertTrue(r.stderr.strip(), "no message")

    def test_s_unknown_command_exits_2(self):
        with self.server() as s:
            r = self.ctl(s, "restart")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, r"restart")
            self.assertIsNone(s.proc.poll())

    def test_second_guad_with_the_same_pid_file_fails(self):
        with self.server() as s:
            pid_file = self.pid_file(s)
            ini2 = os.path.join(s.tmpdir, "second.ini")
            with open(s.ini) as f, open(ini2, "w") as g:
                g.write(f.read())   # same pid_file, port 0: another port
            r = run_guad(["-c", ini2], timeout=10)
            self.assertNotEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stderr, r"already running")
            # the first one is untouched
            self.assertIsNone(s.proc.poll())
            with open(pid_file) as f:
                self.assertEqual(f.read().strip(), str(s.pid))
            self.assertEqual(get(s.port, "/").status, 200)


def age(pid):
    """Seconds since pid's fork (to the kernel's clock tick), or None."""
    st = starttime(pid)
    if st is None:
        return None
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0])
    return up - st / os.sysconf("SC_CLK_TCK")


class CrashLoopTest(unittest.TestCase):
    # heartbeat.c: a worker that dies younger than HEARTBEAT_CRASH_WINDOW_MS
    # before it began serving, or by its own fault, counts as a crash;
    # master.c: respawn delays double up to BACKOFF_MAX_MS
    CRASH_WINDOW = 1.0
    BACKOFF_MAX = 10.0

    def test_workers_dying_at_start_back_off_then_recover(self):
        """With RLIMIT_NOFILE of the master lowered to 3, a new worker
        cannot create its epoll descriptor and exits at once."""
        with Server(workers=1) as s:
            victim = n_workers(s, 1)[0]
            # a healthy worker: its age counts from its fork, before now
            time.sleep(self.CRASH_WINDOW)
            soft, hard = resource.prlimit(s.pid, resource.RLIMIT_NOFILE)
            restored = False
            try:
                resource.prlimit(s.pid, resource.RLIMIT_NOFILE, (3, hard))
                os.kill(victim, signal.SIGKILL)

                def delays():
                    return [int(x) for x in
                            re.findall(r"respawning in (\d+) ms", s.log())]
                wait_for(lambda: len(delays()) >= 4, 8,
                         message=lambda: "4 'respawning in X ms' lines:\n"
                         + s.log())
                d = delays()
                self.assertEqual(d[:4], [100, 200, 400, 800], s.log())
                resource.prlimit(s.pid, resource.RLIMIT_NOFILE, (soft, hard))
                restored = True
            finally:
                if not restored:
                    resource.prlimit(s.pid, resource.RLIMIT_NOFILE,
                                     (soft, hard))
            # the healthy one is replaced at once, not counted as a crash
            self.assertRegex(s.log(), r"worker \d+ \(pid %d\) killed by "
                             r"signal 9 \(\w+\), respawning\n" % victim)

            # a worker comes back and serves: one request, never
            # retried, waits in the listen queue meanwhile; at most the
            # longest delay passes first (a worker forked before the limit
            # was restored may crash once more)
            r = get(s.port, "/",
                    timeout=self.BACKOFF_MAX + guadtest.TIMER_LATE)
            self.assertEqual(r.status, 200, s.log())
            w = s.workers()
            self.assertEqual(len(w), 1, s.log())
            wst = starttime(w[0])
            # it lives past the crash window (from its fork, before the
            # answer)
            time.sleep(self.CRASH_WINDOW)
            self.assertTrue(alive(w[0], wst), s.log())
            self.assertEqual(get(s.port, "/").status, 200)
            self.assertIsNone(s.proc.poll(), "master died")


    def test_young_workers_killed_from_outside_are_replaced_at_once(self):
        """SIGKILL is never a worker's own doing: one killed by it after
        it began serving is replaced at once, however young, and the
        master does not back off. (Backing off there, kills from outside
        faster than the crash window could leave every slot empty.)"""
        want = 6
        with Server(workers=1) as s:
            young = 0
            for _ in range(4 * want):
                if young == want:
                    break
                (victim,) = n_workers(s, 1, 10)
                start = starttime(victim)
                # serving: its loop waits in epoll
                wait_for(lambda: "epoll" in wchan(victim), 10,
                         message=lambda: "worker %d in epoll, in %r\n%s" % (
                             victim, wchan(victim), s.log()))
                lived = age(victim)
                os.kill(victim, signal.SIGKILL)
                if lived is not None and lived < self.CRASH_WINDOW * 0.8:
                    young += 1
                wait_for(lambda: not alive(victim, start), 10)
            self.assertEqual(young, want, "workers killed before 0.8 s")
            self.assertEqual(get(s.port, "/").status, 200)
            log = s.log()
            self.assertNotIn("respawning in", log)
            self.assertGreaterEqual(len(re.findall(
                r"killed by signal 9 \(\w+\), respawning\n", log)), want)
            self.assertIsNone(s.proc.poll(), "master died")


class WorkerTimeoutTest(unittest.TestCase):
    def stop_inside_handler(self, s, wpid):
        """Park a POST behind a lock and SIGSTOP the worker while it is
        inside the handler (in its short in-place nap for the lock), which
        the master then sees as a stuck request. Returns the connection,
        or None (the worker is running again) if the stop missed."""
        conn = Connection(s.port, timeout=10)
        body = b"message=stuck"
        conn.send(b"POST /msg HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/x-www-form-urlencoded"
                  b"\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        if not within(lambda: "sleep" in wchan(wpid), 0.5):
            conn.close()
            return None
        os.kill(wpid, signal.SIGSTOP)
        stuck = re.compile(r'worker \d+ \(pid %d\) stuck for \d+ ms in '
                           r'"POST /msg"; replacing it' % wpid)
        # the master looks every WATCH_MS (1 s) for a request older than
        # [timeouts] worker (1 s): it sees it within 2 s and TIMER_LATE
        if not within(lambda: stuck.search(s.log()),
                      2 + guadtest.TIMER_LATE, 0.02):
            # stopped between tries: not inside the handler; try again.
            # Its loop was silent as long: the watchdog may have killed
            # it meanwhile (the caller then takes the new worker).
            try:
                os.kill(wpid, signal.SIGCONT)
                conn.read_response(timeout=5)
            except (ProcessLookupError, ConnectionClosed):
                pass
            conn.close()
            return None
        os.kill(wpid, signal.SIGCONT)
        return conn

    def test_stuck_worker_is_replaced_and_its_client_gets_503(self):
        with Server(workers=1, sections={"timeouts": {"worker": "1"},
                                         "msg": {"busy_timeout": "900"}}) as s:
            wpid = n_workers(s, 1)[0]
            wst = starttime(wpid)
            self.assertEqual(get(s.port, "/msg").status, 200)  # db is there
            db = sqlite3.connect(os.path.join(s.tmpdir, "msg.db"),
                                 isolation_level=None, timeout=5)
            conn = None
            try:
                db.execute("BEGIN EXCLUSIVE")
                for attempt in range(20):
                    if not alive(wpid, wst):
                        wpid = wait_for(lambda: (
                            lambda w: w[0] if len(w) == 1 and w[0] != wpid
                            else None)(s.workers()), 5,
                            message=lambda: "a new worker\n" + s.log())
                        wst = starttime(wpid)
                    conn = self.stop_inside_handler(s, wpid)
                    if conn is not None:
                        break
                self.assertIsNotNone(conn, "never caught the worker inside "
                                     "its handler")
                r = conn.read_response(timeout=5)
                self.assertEqual(r.status, 503, r)
                self.assertRegex(r.head, rb"^HTTP/1\.1 503 ")
                self.assertEqual(r.headers.get("retry-after"), "1", r)
            finally:
                if alive(wpid, wst):
                    os.kill(wpid, signal.SIGCONT)
                if conn is not None:
                    conn.close()
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                db.close()
            wait_for(lambda: not alive(wpid, wst), 5,
                     message=lambda: "stuck worker %d to be gone\n%s"
                     % (wpid, s.log()))
            new = wait_for(lambda: (lambda w: w if len(w) == 1 and wpid not in w
                                    else None)(s.workers()), 5,
                           message=lambda: "a new worker\n" + s.log())
            self.assertNotIn(wpid, new)
            self.assertEqual(get(s.port, "/").status, 200)
            self.assertEqual(get(s.port, "/msg").status, 200)
            self.assertIsNone(s.proc.poll(), "master died")


class MaxRequestsTest(unittest.TestCase):
    def test_worker_is_recycled_after_max_requests_without_failures(self):
        with Server(workers=1, sections={"limits": {"max_requests": "5"}}) as s:
            first = n_workers(s, 1)[0]
            first_st = starttime(first)
            statuses = []
            for i in range(12):
                statuses.append(get(s.port, "/?n=%d" % i).status)
                time.sleep(0.2)
            self.assertEqual(statuses, [200] * 12)
            log_wait(s, r"worker \d+ \(pid %d\) served \d+ requests; "
                     r"recycling it" % first, 5)
            wait_for(lambda: not alive(first, first_st), 5,
                     message=lambda: "recycled worker to exit\n" + s.log())
            now = n_workers(s, 1)
            self.assertNotEqual(now[0], first)
            for i in range(3):
                self.assertEqual(get(s.port, "/?later=%d" % i).status, 200)
            self.assertIsNone(s.proc.poll(), "master died")

    def test_recycling_is_one_at_a_time_replacement_first(self):
        # Two workers that each reach max_requests many times under load:
        # a replacement starts before the worker it replaces is told to
        # go (never fewer than two live), and only one worker is retiring
        # at a time (never more than three).
        limit, total, threads = 10, 240, 4
        with Server(workers=2,
                    sections={"limits": {"max_requests": str(limit)}}) as s:
            n_workers(s, 2)
            at_most, at_least, stop = [], [], threading.Event()

            def sample():
                # Listing the children and reading each one's state are
                # not one atomic step: a replacement forked after the list
                # was read and its predecessor exiting before its state is
                # read would look like one worker. So each sample bounds
                # the count at the moment of the list read, from both
                # sides. At most: the listed children, less those already
                # seen exited before the read (exit is for good). At
                # least: those still running when looked at afterwards.
                listed = set()
                while not stop.is_set():
                    gone = {p for p in listed
                            if not guadtest.live_child(s.pid, p)}
                    listed = guadtest.children(s.pid)
                    at_most.append(len(listed - gone))
                    at_least.append(sum(guadtest.live_child(s.pid, p)
                                    for p in listed))
                    time.sleep(0.002)

            statuses, lock = [], threading.Lock()

            def client(n):
                # spread over a few seconds: the master looks once a second
                for i in range(n):
                    st = get(s.port, "/?r=%d" % i).status
                    with lock:
                        statuses.append(st)
                    time.sleep(0.08)

            sampler = threading.Thread(target=sample)
            sampler.start()
            clients = [threading.Thread(target=client,
                                        args=(total // threads,))
                       for _ in range(threads)]
            for t in clients:
                t.start()
            for t in clients:
                t.join(60)
            stop.set()
            sampler.join(5)
            self.assertEqual(statuses, [200] * total)
            recycled = len(re.findall(r"recycling it", s.log()))
            self.assertGreaterEqual(recycled, 3, s.log())
            self.assertGreaterEqual(min(at_most), 2,
                                    "a worker left before its replacement"
                                    "\n" + s.log())
            self.assertLessEqual(max(at_least), 3,
                                 "two workers were retiring at once\n"
                                 + s.log())
            n_workers(s, 2)


if __name__ == "__main__":
    unittest.main()
