#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""HTTPS around the TLS listener: [tls] redirect (the plain port answers
308 to the https URL), [tls] hsts (Strict-Transport-Security on TLS
responses only), [tls] ktls (which way files go), their gua.ini errors,
the sockets systemd passes, named by FileDescriptorName= (http and
https), under systemd-socket-activate as in test_systemd.py, and reloads
that change the certificate under load without a failed request, and
key files out of a confined worker's reach.

Certificates are made by the openssl CLI (tlscerts.py) in a temporary
directory for each test class."""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import ssl
import sys
import tempfile
import threading
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import (GUAD, HOST, Connection, Server, run_guad,  # noqa
                      wait_for)
from test_tls import (TLSBase, TLSConnection, free_port,  # noqa: E402
                      request_bytes)

HSTS = "max-age=63072000; includeSubDomains"


def raw(port, path, host=None, method="GET", extra="", version="1.1",
        body=b""):
    """One request on a new plain connection; returns the Response."""
    lines = "%s %s HTTP/%s\r\n" % (method, path, version)
    if host is not None:
        lines += "Host: %s\r\n" % host
    if body:
        lines += ("Content-Type: application/x-www-form-urlencoded\r\n"
                  "Content-Length: %d\r\n" % len(body))
    with Connection(port) as c:
        c.send((lines + extra + "\r\n").encode("latin-1") + body)
        return c.read_response(head=method == "HEAD")


class RedirectTest(TLSBase):
    """One server: redirect = on, hsts set."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = TLSBase.tls_server(cls, files={"static/r.txt": b"r" * 10},
                                     tls={"redirect": "on", "hsts": HSTS})
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        super().tearDownClass()

    def tls_get(self, path, method="GET", body=b"", extra=""):
        with self.conn() as c:
            if body:
                extra += ("Content-Type: application/x-www-form-urlencoded"
                          "\r\nContent-Length: %d\r\n" % len(body))
            c.send(request_bytes(path, self.tls_port, method=method,
                                 extra=extra) + body)
            return c.read_response(head=method == "HEAD")

    def test_plain_port_answers_308_to_the_same_path_and_query(self):
        p = self.srv.port
        for path, want in (
                ("/static/r.txt?a=1&b=two", "/static/r.txt?a=1&b=two"),
                ("/", "/"),
                ("/nope/x?", "/nope/x?"),
                # decoded and normalised, then encoded again
                ("/static/../static/r%2Etxt", "/static/r.txt"),
                ("/a%20b", "/a%20b")):
            r = raw(p, path, host="localhost:%d" % p)
            self.assertEqual(r.status, 308, path)
            self.assertEqual(r.headers["location"], "https://localhost:%d%s"
                             % (self.tls_port, want))
            self.assertNotIn("strict-transport-security", r.headers)
        # HEAD too, and the host the client named, IPv6 literal included
        r = raw(p, "/x", host="[::1]:%d" % p, method="HEAD")
        self.assertEqual(r.status, 308)
        self.assertEqual(r.headers["location"],
                         "https://[::1]:%d/x" % self.tls_port)
        r = raw(p, "/x", host="Example.COM")
        self.assertEqual(r.headers["location"],
                         "https://Example.COM:%d/x" % self.tls_port)

    def test_the_location_serves_the_same_file_over_tls(self):
        r = raw(self.srv.port, "/static/r.txt", host="localhost")
        loc = r.headers["location"]
        self.assertTrue(loc.startswith("https://localhost:%d/" %
                                       self.tls_port), loc)
        r = self.tls_get(loc[len("https://localhost:%d" % self.tls_port):])
        self.assertEqual((r.status, r.body), (200, b"r" * 10))

    def test_a_post_is_redirected_not_stored(self):
        # 308 keeps the method: the browser posts again to the https URL
        text = "redirected-post-%d" % os.getpid()
        body = ("message=" + text).encode()
        r = raw(self.srv.port, "/msg", host="localhost", method="POST",
                body=body)
        self.assertEqual(r.status, 308)
        self.assertEqual(r.headers["location"],
                         "https://localhost:%d/msg" % self.tls_port)
        self.assertNotIn(text.encode(), self.tls_get("/msg").body)
        self.assertEqual(self.tls_get("/msg", method="POST", body=body)
                         .status, 303)
        self.assertIn(text.encode(), self.tls_get("/msg").body)

    def test_without_a_host_there_is_nowhere_to_go(self):
        r = raw(self.srv.port, "/", version="1.0")
        self.assertEqual(r.status, 400)
        self.assertIn(b"named no host", r.body)

    def test_tls_answers_carry_hsts(self):
        for path in ("/", "/static/r.txt", "/nope"):
            r = self.tls_get(path)
            self.assertEqual(r.headers.get("strict-transport-security"),
                             HSTS, path)
            self.assertEqual(r.header_count("strict-transport-security"), 1)
        # the redirect is not followed over TLS: TLS serves
        self.assertEqual(self.tls_get("/static/r.txt").status, 200)


class NoRedirectTest(TLSBase):
    def test_defaults_serve_plain_and_send_no_hsts(self):
        with self.tls_server() as srv:
            r = raw(srv.port, "/", host="localhost")
            self.assertEqual(r.status, 200)
            with self.conn() as c:
                c.send(request_bytes("/", self.tls_port))
                r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertNotIn("strict-transport-security", r.headers)


class ConfigTest(TLSBase):
    def check(self, tls, key, want, with_port=True):
        srv = self.tls_server(tls=tls)
        try:
            if not with_port:
                with open(srv.ini) as f:
                    text = f.read()
                with open(srv.ini, "w") as f:
                    f.write(text.replace("port = %d\n" % self.tls_port, ""))
            r = run_guad(["-t", "-c", srv.ini])
            self.assertNotEqual(r.returncode, 0, r.stderr)
            with open(srv.ini) as f:
                line = [i for i, l in enumerate(f, 1)
                        if l.startswith(key + " =")][0]
            self.assertRegex(r.stderr, r"gua\.ini:%d: \[tls\] %s: %s" % (
                line, key, want))
        finally:
            srv.cleanup()

    def test_redirect_needs_a_tls_port(self):
        self.check({"redirect": "on"}, "redirect", r"needs \[tls\] port",
                   with_port=False)

    def test_bad_hsts(self):
        for v in ("on", "max-age=1; includeSubdomain", "preload"):
            self.check({"hsts": v}, "hsts", r"must be off, or max-age=")


STRACE = shutil.which("strace")


class Strace:
    """strace attached to running processes, recording their setsockopt
    calls: the kernel is asked for kTLS by TCP_ULP "tls", then SOL_TLS
    (TLS_TX, TLS_RX) with the session's keys."""

    def __init__(self, pids):
        self.dir = tempfile.mkdtemp(prefix="guadtest-strace-")
        self.out = os.path.join(self.dir, "trace")
        self.err = open(os.path.join(self.dir, "stderr"), "w+")
        args = [STRACE, "-f", "-qq", "-e", "trace=setsockopt", "-o",
                self.out]
        for pid in pids:
            args += ["-p", str(pid)]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        self.pids = pids

    def attached(self):
        """True once every pid is traced; False if strace cannot (no
        ptrace here)."""
        def status():
            for pid in self.pids:
                with open("/proc/%d/status" % pid) as f:
                    tracer = [l for l in f if l.startswith("TracerPid:")]
                if int(tracer[0].split()[1]) != self.proc.pid:
                    return "gone" if self.proc.poll() is not None else None
            return "yes"
        return wait_for(status, timeout=10) == "yes"

    def calls(self):
        """Ends the trace (strace detaches on SIGINT); its lines."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        self.err.close()
        try:
            with open(self.out) as f:
                return f.read().splitlines()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def ktls_calls(lines):
    return [l for l in lines if "TCP_ULP" in l or "SOL_TLS" in l]


class KTLSTest(TLSBase):
    """[tls] ktls. This machine's kernel has no tls module, so the kTLS
    path itself (SSL_sendfile once the kernel holds the keys) cannot run
    here: what is tested is everything up to it. With ktls = on the
    worker asks the kernel (TCP_ULP "tls", seen by strace), sees whether
    it took the session (BIO_get_ktls_send), says in the log which way
    files go, and a file arrives byte for byte either way (by sha256).
    With ktls = off the kernel is never asked. On a kernel that does take
    the session (its tls module loaded: /proc/net/tls_stat), the same
    test checks that the log says so and that SSL_sendfile delivers the
    same bytes."""

    SIZE = 3 * 1024 * 1024 + 12345   # several reads, a short last one

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = os.urandom(cls.SIZE)
        cls.digest = hashlib.sha256(cls.data).hexdigest()

    def server(self, ktls):
        return self.tls_server(tls={"ktls": ktls}, workers=1,
                               files={"static/f.bin": self.data},
                               env={"GUAD_DEBUG": "1"}, log_files=True)

    def fetch(self):
        with self.conn(timeout=60) as c:
            c.send(request_bytes("/static/f.bin", self.tls_port))
            r = c.read_response(timeout=60)
        self.assertEqual(r.status, 200)
        return hashlib.sha256(r.body).hexdigest()

    def test_ktls_on_says_which_way_and_files_arrive_whole(self):
        with self.server("on") as srv:
            for _ in range(2):
                self.assertEqual(self.fetch(), self.digest)
            log = wait_for(lambda: srv.log() if srv.log().count(
                "tls: TLSv1.3") >= 2 else None, message=srv.log)
            if os.path.exists("/proc/net/tls_stat"):
                way, conn = "files go by SSL_sendfile", "kTLS send on"
            else:
                way, conn = ("the kernel did not take the session",
                             "kTLS send refused")
            self.assertEqual(log.count("ktls = on"), 1, log)  # once
            self.assertIn(way, log)
            self.assertEqual(log.count(conn), 2, log)   # each connection
            self.assertNotIn("ktls = off", log)
            self.assertEqual(srv.sanitizer_reports(), [])

    def test_ktls_off_never_asks(self):
        with self.server("off") as srv:
            self.assertEqual(self.fetch(), self.digest)
            log = wait_for(lambda: srv.log() if "kTLS send" in srv.log()
                           else None, message=srv.log)
            self.assertIn("tls: ktls = off: files are read and written in "
                          "whole TLS records", log)
            self.assertIn("kTLS send not asked", log)
            self.assertNotIn("ktls = on", log)

    @unittest.skipIf(STRACE is None, "strace is not installed")
    def test_the_kernel_is_asked_only_with_ktls_on(self):
        for ktls in ("on", "off"):
            with self.server(ktls) as srv:
                trace = Strace(srv.workers())
                if not trace.attached():
                    trace.calls()
                    self.skipTest("strace cannot attach (no ptrace here)")
                self.assertEqual(self.fetch(), self.digest)
                asked = ktls_calls(trace.calls())
                if ktls == "on":
                    self.assertTrue(any("TCP_ULP" in l for l in asked),
                                    asked)
                else:
                    self.assertEqual(asked, [])


def fingerprint_of_file(path):
    with open(path) as f:
        pem = f.read().split("-----END CERTIFICATE-----")[0] + \
            "-----END CERTIFICATE-----\n"
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


class TLSLoadClient(threading.Thread):
    """Requests over TLS until stopped, never retrying: every request
    that does not end in a whole 200 with the file is a failure, counted
    with why. keep_alive: one connection for as long as the server keeps
    it (a new one after its Connection: close); else a new connection,
    and so a full handshake, for each request. Records the certificate
    each new connection got."""

    def __init__(self, port, ctx, keep_alive, want, stop):
        super().__init__(daemon=True)
        self.port, self.ctx, self.keep_alive = port, ctx, keep_alive
        self.want, self.stop = want, stop
        self.answered = 0
        self.failures = []
        self.certs = []         # fingerprints, in order
        self.error = None

    def run(self):
        conn = None
        try:
            while not self.stop.is_set():
                if conn is None:
                    try:
                        conn = TLSConnection(self.port, self.ctx, timeout=10)
                    except (OSError, ssl.SSLError) as e:
                        self.failures.append(("handshake", repr(e)))
                        continue
                    self.certs.append(hashlib.sha256(
                        conn.sock.getpeercert(True)).hexdigest())
                    served = 0
                try:
                    conn.send(request_bytes("/static/r.txt", self.port))
                    r = conn.read_response()
                except (OSError, ssl.SSLError, AssertionError) as e:
                    self.failures.append(("request %d on its connection"
                                          % (served + 1), repr(e)))
                    conn.close()
                    conn = None
                    continue
                served += 1
                if (r.status, r.body) != (200, self.want):
                    self.failures.append(("answer", repr(r)))
                else:
                    self.answered += 1
                if not self.keep_alive or \
                        "close" in r.headers.get("connection", ""):
                    conn.close()
                    conn = None
        except BaseException as e:  # noqa: B902 -- reported by the test
            self.error = e
        finally:
            if conn is not None:
                conn.close()


class ReloadUnderLoadTest(TLSBase):
    """HUP to a new certificate while clients keep requesting, on
    keep-alive connections and on a new connection for each request:
    not one request fails, and after each reload new connections get the
    new certificate. Three reloads: two replace the files gua.ini names
    (as a renewal does), one points gua.ini at another pair."""

    def test_certificate_changes_under_load_lose_nothing(self):
        pairs = [self.ca.leaf("gen%d" % i) for i in range(3)]
        live = os.path.join(self.dir, "live")
        os.makedirs(live, exist_ok=True)
        cert = os.path.join(live, "cert.pem")
        key = os.path.join(live, "key.pem")

        def install(pair):
            for src, dst in zip(pair, (cert, key)):
                shutil.copyfile(src, dst + ".new")
                os.replace(dst + ".new", dst)

        install((self.cert, self.key))
        body = b"0123456789" * 50
        srv = self.tls_server(tls={"certificate": cert, "key": key},
                              files={"static/r.txt": body}, log_files=True)
        self.addCleanup(srv.cleanup)
        srv.start()
        stop = threading.Event()
        clients = [TLSLoadClient(self.tls_port, self.ctx(), ka, body, stop)
                   for ka in (True, True, False, False)]
        for c in clients:
            c.start()
        self.addCleanup(stop.set)

        def progress(n):
            marks = [c.answered for c in clients]
            wait_for(lambda: all(c.answered >= m + n or not c.is_alive()
                                 for c, m in zip(clients, marks)),
                     timeout=30, message="every client makes progress")

        def probe():
            with self.conn() as c:
                c.send(request_bytes("/static/r.txt", self.tls_port))
                self.assertEqual(c.read_response().body, body)
                return hashlib.sha256(c.sock.getpeercert(True)).hexdigest()

        progress(5)
        steps = (("files", pairs[0]), ("gua.ini", pairs[1]),
                 ("files", pairs[2]))
        for i, (how, pair) in enumerate(steps):
            old = set(srv.workers())
            if how == "files":
                install(pair)
            else:
                with open(srv.ini) as f:
                    text = f.read()
                with open(srv.ini, "w") as f:
                    f.write(text.replace(cert, pair[0])
                            .replace(key, pair[1]))
                cert, key = pair
            srv.signal(signal.SIGHUP)
            wait_for(lambda: srv.log().count("reloaded") == i + 1,
                     message=srv.log)
            wait_for(lambda: not old & set(srv.workers()), timeout=20,
                     message="the old workers finish")
            # every new connection now gets the new certificate
            want = fingerprint_of_file(pair[0])
            for _ in range(3):
                self.assertEqual(probe(), want)
            progress(5)
        stop.set()
        for c in clients:
            c.join(30)
            self.assertFalse(c.is_alive())
            self.assertIsNone(c.error, repr(c.error))
        failures = [f for c in clients for f in c.failures]
        self.assertEqual(failures, [], "%d failed of %d" % (
            len(failures), sum(c.answered for c in clients)))
        # the clients that connect anew each time saw every certificate
        fresh = set(clients[2].certs) | set(clients[3].certs)
        self.assertTrue({fingerprint_of_file(p[0]) for p in pairs} <= fresh)
        self.assertEqual(srv.sanitizer_reports(), [])


def no_new_privs(pid):
    with open("/proc/%d/status" % pid) as f:
        return [int(l.split()[1]) for l in f
                if l.startswith("NoNewPrivs:")][0]


class KeyConfinedTest(TLSBase):
    """The master reads the keys; a worker, once it has dropped its
    privileges and applied the sandbox, tries to open each key file
    itself (the real worker, as test_confine.py proves the store's
    confinement) and says what it found. The key here is readable by
    everyone (0644, in a folder anyone may enter), so that only Landlock
    can refuse it: with sandbox = on the worker cannot open it, with
    sandbox = off the same worker can, and warns."""

    def server(self, sandbox):
        d = tempfile.mkdtemp(prefix="guadtest-key-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        other, okey = self.ca.leaf("sni-confined", names=("other.test",),
                                   ips=())
        paths = []
        for src in (self.key, okey):
            dst = os.path.join(d, os.path.basename(src))
            shutil.copyfile(src, dst)
            os.chmod(dst, 0o644)
            paths.append(dst)
        srv = self.tls_server(tls={"key": paths[0],
                                   "sni": "%s %s" % (other, paths[1])},
                              sections={"server": {"sandbox": sandbox}},
                              workers=1, env={"GUAD_DEBUG": "1"},
                              log_files=True)
        return srv, paths

    def test_the_confined_worker_cannot_open_the_keys(self):
        srv, keys = self.server("on")
        with srv:
            if "landlock unavailable" in srv.log():
                self.skipTest("no Landlock in this kernel")
            pid = srv.workers()[0]
            log = wait_for(lambda: srv.log() if srv.log().count(
                "tls: the worker cannot read") == 2 else None,
                message=srv.log)
            for k in keys:
                self.assertIn("worker 1 %d: tls: the worker cannot read "
                              "%s: Permission denied" % (pid, k), log)
            self.assertNotIn("readable by the worker", log)
            self.assertEqual(no_new_privs(pid), 1)
            # and it serves with the keys it got from the master
            with self.conn() as c:
                c.send(request_bytes("/", self.tls_port))
                self.assertEqual(c.read_response().status, 200)

    def test_without_the_sandbox_the_worker_can(self):
        srv, keys = self.server("off")
        with srv:
            pid = srv.workers()[0]
            log = wait_for(lambda: srv.log() if srv.log().count(
                "readable by the worker") == 2 else None, message=srv.log)
            for k in keys:
                self.assertIn("worker 1 %d: tls: %s is readable by the "
                              "worker" % (pid, k), log)
            self.assertEqual(no_new_privs(pid), 0)


ACTIVATE = shutil.which("systemd-socket-activate")


@unittest.skipIf(ACTIVATE is None, "systemd-socket-activate is not installed")
class SocketActivationTest(TLSBase):
    """systemd-socket-activate listens on two ports, names them
    (--fdname, as FileDescriptorName= does) and execs guad at the first
    connection, with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES."""

    def activate(self, order, names, tls=True):
        """order: the ports' roles in the order they are passed ("plain",
        "tls"); names: LISTEN_FDNAMES, or None."""
        self.plain_port = free_port()
        self.tls_port = free_port()
        srv = self.tls_server() if tls else Server()
        port = {"plain": self.plain_port, "tls": self.tls_port}
        args = [ACTIVATE]
        for role in order:
            args += ["-l", "%s:%d" % (HOST, port[role])]
        if names is not None:
            args.append("--fdname=" + names)
        srv.wrapper = args
        if self.first is not None:
            self.first.close()
        self.first = None

        def kick(server):
            if "as %d" % (2 + len(order)) not in server.log():
                return False     # not listening yet
            try:
                self.first = Connection(self.plain_port, timeout=10)
            except OSError:
                return False
            self.first.send("GET /?first HTTP/1.1\r\nHost: x\r\n"
                            "Connection: close\r\n\r\n")
            return True

        srv.on_spawn = kick
        self.addCleanup(srv.cleanup)
        self.addCleanup(lambda: self.first and self.first.close())
        return srv

    first = None

    def tls_works(self):
        with self.conn() as c:
            c.send(request_bytes("/", self.tls_port))
            r = c.read_response()
            return r.status == 200 and c.sock.version() == "TLSv1.3"

    def test_the_socket_named_https_gets_tls_the_other_plain(self):
        for order, names in ((("plain", "tls"), "http:https"),
                             (("tls", "plain"), "https:http")):
            srv = self.activate(order, names)
            srv.start()
            self.assertEqual(self.first.read_response().status, 200)
            log = srv.log()
            self.assertIn("listening on %s:%d" % (HOST, self.plain_port), log)
            self.assertIn("listening for https on %s:%d" % (
                HOST, self.tls_port), log)
            self.assertTrue(self.tls_works())
            # plain HTTP to the https socket: no HTTP answer
            with Connection(self.tls_port, timeout=10) as c:
                c.send(request_bytes("/", self.tls_port))
                self.assertNotIn(b"HTTP/", c.read_until_close(timeout=8))
            # a reload keeps both, and cannot take TLS from the https one
            with open(srv.ini) as f:
                text = f.read()
            with open(srv.ini, "w") as f:
                f.write(re.sub(r"(?m)^(port|certificate|key) = .*%s.*\n"
                               % re.escape(self.dir), "", text)
                        .replace("port = %d\n" % self.tls_port, ""))
            srv.signal(signal.SIGHUP)
            wait_for(lambda: "reload failed" in srv.log(), message=srv.log)
            self.assertIn("the socket named https that systemd passed needs "
                          "[tls] port, certificate and key", srv.log())
            with open(srv.ini, "w") as f:
                f.write(text)
            srv.signal(signal.SIGHUP)
            wait_for(lambda: "reloaded" in srv.log(), message=srv.log)
            self.assertTrue(self.tls_works())
            with Connection(self.plain_port) as c:
                c.send(request_bytes("/", self.plain_port))
                self.assertEqual(c.read_response().status, 200)
            srv.cleanup()

    def test_without_names_every_socket_is_plain(self):
        srv = self.activate(("plain", "tls"), None)
        srv.start()
        self.assertEqual(self.first.read_response().status, 200)
        self.assertIn("systemd passed no socket named https", srv.log())
        with Connection(self.tls_port) as c:
            c.send(request_bytes("/", self.tls_port))
            self.assertEqual(c.read_response().status, 200)

    def test_an_https_socket_without_tls_is_refused(self):
        srv = self.activate(("plain", "tls"), "http:https", tls=False)
        with self.assertRaisesRegex(AssertionError, "exited with status 1"):
            srv.start()
        self.assertIn("systemd passed a socket named https "
                      "(LISTEN_FDNAMES), but %s has no [tls] port, "
                      "certificate and key" % srv.ini, srv.log())


if __name__ == "__main__":
    unittest.main()
