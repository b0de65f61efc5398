#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""systemd: the units pass systemd-analyze verify, guad speaks the notify
protocol (READY, RELOADING, STOPPING) on a path or abstract NOTIFY_SOCKET,
and serves the sockets systemd-socket-activate hands it (LISTEN_FDS).

systemd is not needed as PID 1: the notify socket is a datagram socket of
the test's own, and systemd-socket-activate execs guad (same pid)."""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (CONF, GUAD, HOST, Connection, Server, get,  # noqa: E402
                      wait_for)

ANALYZE = shutil.which("systemd-analyze")
ACTIVATE = shutil.which("systemd-socket-activate")


def free_port():
    """A port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def refused(port):
    try:
        socket.create_connection((HOST, port), timeout=1.0).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


# --------------------------------------------------------------------------
# systemd-analyze verify


@unittest.skipIf(ANALYZE is None, "systemd-analyze is not installed")
class UnitVerifyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="guadtest-units-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        sbindir = os.path.join(self.tmp, "sbin")
        self.sysconfdir = os.path.join(self.tmp, "etc")
        self.localstatedir = os.path.join(self.tmp, "var")
        self.units = os.path.join(self.tmp, "units")
        for d in (sbindir, self.sysconfdir, self.localstatedir, self.units):
            os.makedirs(d)
        os.symlink(GUAD, os.path.join(sbindir, "guad"))
        with open(os.path.join(CONF, "guad.service.in")) as f:
            text = f.read()
        for key, value in (("@sbindir@", sbindir),
                           ("@sysconfdir@", self.sysconfdir),
                           ("@localstatedir@", self.localstatedir)):
            text = text.replace(key, value)
        self.assertNotRegex(text, r"@\w+@", "unreplaced placeholder")
        self.service = os.path.join(self.units, "guad.service")
        with open(self.service, "w") as f:
            f.write(text)
        self.socket = os.path.join(self.units, "guad.socket")
        shutil.copyfile(os.path.join(CONF, "guad.socket"), self.socket)

    def verify(self, *units):
        r = subprocess.run([ANALYZE, "verify", "--man=no"] + list(units),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=60, cwd=self.units)
        lines = [l for l in r.stdout.splitlines() if l.strip()]
        return r.returncode, lines

    def test_service_and_socket_verify_without_complaints(self):
        rc, lines = self.verify(self.service, self.socket)
        # Only what concerns our units (a host may have its own broken ones).
        ours = [l for l in lines if self.tmp in l or "guad" in l]
        self.assertEqual(ours, [], "systemd-analyze verify (systemd %s) "
                         "complains:\n%s" % (self.systemd_version(),
                                             "\n".join(lines)))
        self.assertEqual(rc, 0, "\n".join(lines))

    def test_verify_would_catch_an_unknown_directive(self):
        # The test above is not vacuous: a bad key is reported.
        with open(self.service) as f:
            text = f.read()
        with open(self.service, "w") as f:
            f.write(text.replace("[Service]\n",
                                 "[Service]\nNoSuchDirective=1\n"))
        _, lines = self.verify(self.service)
        self.assertTrue(any("NoSuchDirective" in l for l in lines), lines)

    def test_service_is_type_notify_and_stops_with_sigquit(self):
        with open(self.service) as f:
            text = f.read()
        self.assertRegex(text, r"(?m)^Type=notify$")
        self.assertRegex(text, r"(?m)^KillSignal=SIGQUIT$")
        self.assertRegex(text, r"(?m)^ExecStart=%s -c %s$" % (
            re.escape(os.path.join(self.tmp, "sbin", "guad")),
            re.escape(os.path.join(self.sysconfdir, "gua.ini"))))

    def test_service_outlasts_the_shutdown_timeout_and_can_drop(self):
        with open(self.service) as f:
            text = f.read()
        stop = int(re.search(r"(?m)^TimeoutStopSec=(\d+)$", text).group(1))
        self.assertGreater(stop, 30)    # [timeouts] shutdown's default
        # ProtectSystem=strict: pid file, store and logs need their own
        for d in ("RuntimeDirectory", "StateDirectory", "LogsDirectory"):
            self.assertRegex(text, r"(?m)^%s=guad$" % d)
        caps = re.search(r"(?m)^CapabilityBoundingSet=(.*)$", text).group(1)
        self.assertEqual(set(caps.split()), {
            "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN",
            "CAP_KILL"})
        self.assertNotRegex(text, r"(?m)^User=")
        self.assertRegex(text, r"(?m)^SystemCallFilter=.*"
                         r"landlock_restrict_self")

    def systemd_version(self):
        try:
            out = subprocess.run([ANALYZE, "--version"], capture_output=True,
                                 text=True, timeout=10).stdout
            return out.split("\n", 1)[0]
        except (OSError, subprocess.SubprocessError):
            return "?"


# --------------------------------------------------------------------------
# the notify protocol


class NotifyListener:
    """An AF_UNIX datagram socket standing in for systemd's notify socket.
    Records (sender pid, {key: value}, raw text) for each datagram."""

    def __init__(self, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.tmp = None
        if abstract:
            name = "guadtest-notify-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            self.tmp = tempfile.mkdtemp(prefix="guadtest-notify-")
            path = os.path.join(self.tmp, "notify.sock")
            self.sock.bind(path)
            self.env = path
        self.messages = []

    def close(self):
        self.sock.close()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def receive(self, timeout):
        """One datagram within timeout, or None."""
        self.sock.settimeout(timeout)
        try:
            data, anc, _, _ = self.sock.recvmsg(
                4096, socket.CMSG_SPACE(struct.calcsize("3i")))
        except socket.timeout:
            return None
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("3i", payload[:struct.calcsize("3i")])[0]
        text = data.decode("utf-8", "replace")
        fields = {}
        for line in text.split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        msg = (pid, fields, text)
        self.messages.append(msg)
        return msg

    def wait(self, key, timeout=5.0):
        """Receive until a message with key arrives; return it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            msg = self.receive(max(left, 0.01)) if left > 0 else None
            if msg and key in msg[1]:
                return msg
            if msg is None:
                raise AssertionError("no %s on the notify socket within %.1f s;"
                                     " got %r" % (key, timeout, [
                                         m[2] for m in self.messages]))

    def drain(self, timeout=0.3):
        while self.receive(timeout) is not None:
            pass


class NotifyTest(unittest.TestCase):
    def run_protocol(self, abstract):
        n = NotifyListener(abstract)
        self.addCleanup(n.close)
        with Server(workers=2, env={"NOTIFY_SOCKET": n.env}) as s:
            # READY=1 (with a STATUS=) once the workers run
            _, ready, _ = n.wait("READY", 5)
            self.assertEqual(ready["READY"], "1")
            self.assertIn("STATUS", ready)
            self.assertTrue(ready["STATUS"])

            # HUP: RELOADING=1 with MONOTONIC_USEC, then READY=1
            before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
            s.signal(signal.SIGHUP)
            _, reloading, raw = n.wait("RELOADING", 5)
            after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
            self.assertEqual(reloading["RELOADING"], "1")
            self.assertNotIn("READY", reloading, raw)
            self.assertRegex(reloading.get("MONOTONIC_USEC", ""), r"^\d+$",
                             raw)
            usec = int(reloading["MONOTONIC_USEC"])
            # CLOCK_MONOTONIC between the signal and the message (see
            # test_monotonic_usec_is_not_before_the_reload_signal)
            self.assertGreaterEqual(usec, before, raw)
            self.assertLessEqual(usec, after, raw)
            _, ready2, _ = n.wait("READY", 5)
            self.assertEqual(ready2["READY"], "1")
            self.assertRegex(s.log(), r"reloaded")
            self.assertEqual(get(s.port, "/").status, 200)

            # TERM: STOPPING=1
            s.signal(signal.SIGTERM)
            _, stopping, _ = n.wait("STOPPING", 5)
            self.assertEqual(stopping["STOPPING"], "1")
            self.assertEqual(s.wait(5), 0, s.log())
            n.drain(0.2)

            # the order, over everything received
            kinds = []
            for _, f, _ in n.messages:
                for k in ("READY", "RELOADING", "STOPPING"):
                    if k in f:
                        kinds.append(k)
            self.assertEqual(kinds, ["READY", "RELOADING", "READY",
                                     "STOPPING"],
                             [m[2] for m in n.messages])
            # from the master only (systemd's default NotifyAccess=main)
            senders = {m[0] for m in n.messages}
            self.assertEqual(senders, {s.pid}, "senders %s, master %d"
                             % (senders, s.pid))

    def test_path_notify_socket(self):
        self.run_protocol(abstract=False)

    def test_abstract_notify_socket(self):
        self.run_protocol(abstract=True)

    def test_monotonic_usec_is_not_before_the_reload_signal(self):
        # sd_notify(3): MONOTONIC_USEC= is CLOCK_MONOTONIC in µs when the
        # message is sent.  With Type=notify-reload, systemd (253+) only
        # takes RELOADING=1 as the answer to its SIGHUP if MONOTONIC_USEC
        # >= the time it began the reload ("so that we know for sure this
        # is a reload cycle initiated *after* we sent the signal");
        # otherwise the reload hangs until its time-out.  So the value must
        # not be earlier than a CLOCK_MONOTONIC reading taken before the
        # signal was sent.
        n = NotifyListener()
        self.addCleanup(n.close)
        with Server(workers=1, env={"NOTIFY_SOCKET": n.env}) as s:
            n.wait("READY", 5)
            early = []
            for i in range(5):
                before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
                s.signal(signal.SIGHUP)
                _, f, raw = n.wait("RELOADING", 5)
                after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
                n.wait("READY", 5)
                usec = int(f["MONOTONIC_USEC"])
                self.assertLessEqual(usec, after, raw)
                if usec < before:
                    early.append("MONOTONIC_USEC=%d is %d µs before SIGHUP "
                                 "was sent (CLOCK_MONOTONIC %d)"
                                 % (usec, before - usec, before))
                time.sleep(0.05)
            if early:
                self.fail("RELOADING=1 carried a MONOTONIC_USEC from before "
                          "the SIGHUP in %d of 5 reloads:\n%s"
                          % (len(early), "\n".join(early)))

    def test_failed_reload_still_ends_with_ready(self):
        n = NotifyListener()
        self.addCleanup(n.close)
        with Server(workers=1, env={"NOTIFY_SOCKET": n.env}) as s:
            n.wait("READY", 5)
            with open(s.ini, "a") as f:
                f.write("this line is garbage\n")
            s.signal(signal.SIGHUP)
            n.wait("RELOADING", 5)
            _, ready, raw = n.wait("READY", 5)
            self.assertEqual(ready["READY"], "1", raw)
            self.assertRegex(s.log(), r"keeping the running configuration")
            self.assertEqual(get(s.port, "/").status, 200)

    def test_failed_reload_with_a_long_error_reports_it_and_ready(self):
        # Errors start with the file's path: a gua.ini path of 460 bytes
        # makes READY=1 and STATUS= together longer than the 512 bytes
        # guad sends at most, yet the error (up to its line number) fits
        # in one; both must still be sent.
        n = NotifyListener()
        self.addCleanup(n.close)
        s = Server(workers=1, env={"NOTIFY_SOCKET": n.env})
        self.addCleanup(s.cleanup)
        deep = os.path.join(s.tmpdir, "d" * 200,
                            "e" * (460 - len(s.tmpdir) - 210))
        os.makedirs(deep)
        os.rename(s.ini, os.path.join(deep, "gua.ini"))
        s.ini = os.path.join(deep, "gua.ini")
        s.start()
        n.wait("READY", 5)
        with open(s.ini, encoding="utf-8") as f:
            lineno = len(f.read().splitlines()) + 1
        with open(s.ini, "a", encoding="utf-8") as f:
            f.write("this line is garbage\n")
        s.signal(signal.SIGHUP)
        n.wait("RELOADING", 5)
        _, ready, raw = n.wait("READY", 5)
        self.assertEqual(ready["READY"], "1", raw)
        self.assertRegex(ready.get("STATUS", ""), r"^reload failed: %s:%d: "
                         % (re.escape(s.ini), lineno), raw)
        self.assertEqual(len(raw.encode()), 511, raw)
        self.assertEqual(get(s.port, "/").status, 200)

    def test_quit_sends_stopping(self):
        n = NotifyListener()
        self.addCleanup(n.close)
        with Server(workers=1, env={"NOTIFY_SOCKET": n.env}) as s:
            n.wait("READY", 5)
            s.signal(signal.SIGQUIT)
            _, stopping, _ = n.wait("STOPPING", 5)
            self.assertEqual(stopping["STOPPING"], "1")
            self.assertEqual(s.wait(10), 0, s.log())


# --------------------------------------------------------------------------
# socket activation


@unittest.skipIf(ACTIVATE is None, "systemd-socket-activate is not installed")
class SocketActivationTest(unittest.TestCase):
    def start(self, port):
        """guad under systemd-socket-activate -l 127.0.0.1:port.  It execs
        guad only when a first connection arrives: that connection sends a
        request and is kept in self.first."""
        self.first = None

        def kick(server):
            if "as 3" not in server._read(server.stderr_path):
                return False     # not listening yet
            try:
                self.first = Connection(port, timeout=10)
            except OSError:
                return False
            self.first.send("GET /?first HTTP/1.1\r\nHost: x\r\n"
                            "Connection: close\r\n\r\n")
            return True

        s = Server(workers=2, wrapper=[ACTIVATE, "-l", "%s:%d" % (HOST, port)],
                   on_spawn=kick)
        s.__enter__()
        self.addCleanup(s.cleanup)
        self.addCleanup(lambda: self.first and self.first.close())
        return s

    def test_serves_the_passed_socket_and_keeps_it_across_a_reload(self):
        port = free_port()
        s = self.start(port)
        # the connection that woke it is answered by guad
        r = self.first.read_response()
        self.assertEqual(r.status, 200)
        # it is guad itself (exec'd, same pid), on the socket it was given
        with open("/proc/%d/cmdline" % s.pid, "rb") as f:
            self.assertIn(b"guad", f.read())
        self.assertEqual(s.port, port, s.log())
        listening = re.findall(r"master %d: listening on (\S+)" % s.pid,
                               s.log())
        self.assertEqual(listening, ["%s:%d" % (HOST, port)], s.log())
        self.assertGreaterEqual(len(s.workers()), 2)
        for i in range(5):
            self.assertEqual(get(port, "/?n=%d" % i).status, 200)

        # A reload keeps the passed socket, even if gua.ini names another
        # port now: guad never binds one of its own.
        other = free_port()
        with open(s.ini) as f:
            text = f.read()
        with open(s.ini, "w") as f:
            f.write(re.sub(r"(?m)^port = .*$", "port = %d" % other, text))
        mark = len(s.log())
        s.signal(signal.SIGHUP)
        wait_for(lambda: "reloaded" in s.log()[mark:], 5,
                 message=lambda: "'reloaded' in the log\n" + s.log())
        for i in range(10):
            self.assertEqual(get(port, "/?after-reload=%d" % i).status, 200)
        self.assertTrue(refused(other), "guad bound gua.ini's port %d after "
                        "the reload" % other)
        self.assertNotIn("listening on", s.log()[mark:])

        # stop: the guad pid is the one systemd-socket-activate had
        os.kill(s.pid, signal.SIGTERM)
        self.assertEqual(s.wait(5), 0, s.log())
        self.assertTrue(refused(port))



class ListenPidTest(unittest.TestCase):
    def test_listen_pid_of_another_process_is_ignored(self):
        # LISTEN_FDS meant for someone else: guad binds gua.ini's port.
        with Server(workers=1, env={"LISTEN_PID": "1", "LISTEN_FDS": "1"}) as s:
            self.assertNotEqual(s.port, 0)
            self.assertEqual(get(s.port, "/").status, 200)


if __name__ == "__main__":
    unittest.main()
