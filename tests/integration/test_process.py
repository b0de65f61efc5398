#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Process model: worker count, respawn after a crash, SIGTERM/SIGINT stop,
workers exit when the master dies, ephemeral port."""

import os
import re
import signal
import socket
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Server, alive, get, starttime, wait_for  # noqa: E402


def snapshot(pids):
    """{pid: starttime} so later liveness checks are safe from pid reuse."""
    return {p: starttime(p) for p in pids if starttime(p) is not None}


def any_alive(snap):
    return [p for p, st in snap.items() if alive(p, st)]


class WorkerCountTest(unittest.TestCase):
    def check_count(self, n):
        with Server(workers=n) as s:
            pids = wait_for(lambda: (lambda w: w if len(w) == n else None)(
                s.workers()), 5,
                message=lambda: "%d workers, have %s" % (n, s.workers()))
            self.assertEqual(len(pids), n)
            self.assertNotIn(s.pid, pids)
            m = re.search(r"ready: (\d+) workers?", s.log())
            self.assertIsNotNone(m, s.log())
            self.assertEqual(int(m.group(1)), n)
            self.assertEqual(get(s.port, "/").status, 200)

    def test_two_workers_configured_gives_two_children(self):
        self.check_count(2)

    def test_three_workers_configured_gives_three_children(self):
        self.check_count(3)

    def test_workers_auto_starts_one_per_cpu(self):
        with Server({"server": {"workers": "auto"}}) as s:
            cpus = len(os.sched_getaffinity(0))
            wait_for(lambda: len(s.workers()) == cpus, 5,
                     message=lambda: "one worker per CPU (%d), have %s"
                     % (cpus, s.workers()))
            self.assertEqual(len(s.workers()), cpus)

    def test_workers_auto_counts_the_cpus_it_may_run_on(self):
        # Under taskset (or a cpuset) guad may use fewer CPUs than are online.
        cpu = min(os.sched_getaffinity(0))
        with Server({"server": {"workers": "auto"}},
                    wrapper=["taskset", "-c", str(cpu)]) as s:
            self.assertIn("ready: 1 workers", s.log())
            wait_for(lambda: len(s.workers()) == 1, 5)


EPOLLEXCLUSIVE = 0x10000000
EPOLLIN = 0x001


def listening_inodes(port):
    """Socket inodes of the TCP listeners on port (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and \
                    int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found


def epoll_watches(pid):
    """{fd number: events mask} of what each epoll fd of pid watches,
    from /proc/PID/fdinfo; and the fds that are sockets, by inode."""
    watches, sockets = [], {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", target)
        if m:
            sockets[m.group(1)] = int(fd)
        if target == "anon_inode:[eventpoll]":
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                for line in f:
                    m = re.match(r"tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)",
                                 line)
                    if m:
                        watches.append((int(m.group(1)),
                                        int(m.group(2), 16)))
    return watches, sockets


class ExclusiveAcceptTest(unittest.TestCase):
    """Each worker waits on the shared listener with EPOLLEXCLUSIVE, so a
    new connection wakes one worker, not all of them."""

    def test_workers_watch_the_listener_exclusively(self):
        with Server(workers=2) as s:
            pids = wait_for(lambda: (lambda w: w if len(w) == 2 else None)(
                s.workers()), 5, message="two workers")
            self.assertEqual(get(s.port, "/").status, 200)
            inodes = listening_inodes(s.port)
            self.assertTrue(inodes, "no listener on port %d" % s.port)
            for pid in pids:
                with self.subTest(worker=pid):
                    watches, sockets = epoll_watches(pid)
                    fds = [sockets[i] for i in inodes if i in sockets]
                    self.assertTrue(fds, "worker %d holds no listener" % pid)
                    masks = [ev for tfd, ev in watches if tfd in fds]
                    self.assertTrue(masks, "worker %d does not watch its "
                                    "listener %s: %s" % (pid, fds, watches))
                    for ev in masks:
                        self.assertTrue(ev & EPOLLEXCLUSIVE, hex(ev))
                        self.assertTrue(ev & EPOLLIN, hex(ev))


class RespawnTest(unittest.TestCase):
    def test_killed_worker_is_logged_and_respawned(self):
        with Server(workers=2) as s:
            before = wait_for(lambda: (lambda w: w if len(w) == 2 else None)(
                s.workers()), 5)
            victim = before[0]
            os.kill(victim, signal.SIGKILL)

            def respawned():
                w = s.workers()
                return w if len(w) == 2 and victim not in w else None
            after = wait_for(respawned, 5, message=lambda: (
                "respawn of %d; workers now %s\n%s"
                % (victim, s.workers(), s.log())))
            self.assertNotIn(victim, after)
            self.assertIn(before[1], after, "the other worker was disturbed")
            new = set(after) - set(before)
            self.assertEqual(len(new), 1)

            pattern = (r"worker \d+ \(pid %d\) killed by signal 9\b.*respawn"
                       % victim)
            wait_for(lambda: re.search(pattern, s.log()), 5,
                     message=lambda: "%r in the log:\n%s" % (pattern, s.log()))
            self.assertIsNone(s.proc.poll(), "master died")

            for i in range(20):
                r = get(s.port, "/?after-respawn=%d" % i)
                self.assertEqual(r.status, 200)

    def test_repeated_worker_kills_keep_worker_count(self):
        with Server(workers=2) as s:
            for _ in range(3):
                w = wait_for(lambda: (lambda w: w if len(w) == 2 else None)(
                    s.workers()), 5)
                os.kill(w[-1], signal.SIGKILL)
                wait_for(lambda: (lambda n: len(n) == 2 and w[-1] not in n)(
                    s.workers()), 5, message=lambda: s.log())
            self.assertEqual(get(s.port, "/").status, 200)


class StopTest(unittest.TestCase):
    def check_stop(self, sig):
        with Server(workers=2) as s:
            snap = snapshot(wait_for(
                lambda: (lambda w: w if len(w) == 2 else None)(s.workers()), 5))
            self.assertEqual(len(snap), 2)
            self.assertEqual(get(s.port, "/").status, 200)
            os.kill(s.pid, sig)
            status = s.wait(5)
            self.assertEqual(status, 0, s.log())
            wait_for(lambda: not any_alive(snap), 3,
                     message=lambda: "workers %s to exit" % any_alive(snap))
            # and nobody listens any more
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", s.port), 1).close()

    def test_sigterm_stops_master_and_workers_with_status_0(self):
        self.check_stop(signal.SIGTERM)

    def test_sigint_stops_master_and_workers_with_status_0(self):
        self.check_stop(signal.SIGINT)

    def test_workers_exit_by_themselves_when_master_is_killed(self):
        with Server(workers=2) as s:
            snap = snapshot(wait_for(
                lambda: (lambda w: w if len(w) == 2 else None)(s.workers()), 5))
            self.assertEqual(len(snap), 2)
            os.kill(s.pid, signal.SIGKILL)
            self.assertEqual(s.wait(5), -signal.SIGKILL)
            wait_for(lambda: not any_alive(snap), 5,
                     message=lambda: "orphaned workers %s to exit by "
                     "themselves" % any_alive(snap))


class EphemeralPortTest(unittest.TestCase):
    def test_port_0_logs_the_bound_port_and_serves_on_it(self):
        with Server({"server": {"port": "0"}}) as s:
            ports = re.findall(r"listening on 127\.0\.0\.1:(\d+)", s.log())
            self.assertEqual(len(ports), 1, s.log())
            port = int(ports[0])
            self.assertNotEqual(port, 0)
            self.assertEqual(port, s.port)
            r = get(port, "/")
            self.assertEqual(r.status, 200)
            self.assertIn(b"/doge.gif", r.body)

    def test_two_servers_on_port_0_get_different_ports(self):
        with Server() as a, Server() as b:
            self.assertNotEqual(a.port, b.port)
            self.assertEqual(get(a.port, "/").status, 200)
            self.assertEqual(get(b.port, "/").status, 200)


class LogFormatTest(unittest.TestCase):
    def test_error_log_lines_have_time_level_role_pid(self):
        with Server() as s:
            line = next(l for l in s.log().splitlines() if "listening on" in l)
            self.assertRegex(
                line,
                r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[info\] master %d: "
                r"listening on 127\.0\.0\.1:%d$" % (s.pid, s.port))


class SanitizerReportTest(unittest.TestCase):
    """A sanitizer report from the master or a worker fails the test that
    ran that server, even though guad itself kept running."""

    REPORTS = [
        "==4242==ERROR: AddressSanitizer: heap-use-after-free on address",
        "==4242==ERROR: LeakSanitizer: detected memory leaks",
        "../src/conn.c:123:45: runtime error: signed integer overflow",
    ]

    def test_a_report_in_the_log_fails_the_stop(self):
        for report in self.REPORTS:
            with self.subTest(report=report):
                s = Server(workers=1)
                s.start()
                try:
                    self.assertEqual(get(s.port, "/").status, 200)
                    with open(s.stderr_path, "a") as f:
                        f.write(report + "\n")
                    with self.assertRaisesRegex(AssertionError,
                                                re.escape(report[8:30])):
                        s.stop()
                finally:
                    s.cleanup()
                self.assertFalse(os.path.exists(s.tmpdir) and
                                 not os.environ.get("GUADTEST_KEEP"))

    def test_a_clean_server_stops_quietly(self):
        with Server(workers=2) as s:
            self.assertEqual(get(s.port, "/").status, 200)
        self.assertEqual(s.sanitizer_reports(), [])


if __name__ == "__main__":
    unittest.main()
