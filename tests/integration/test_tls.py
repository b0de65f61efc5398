#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""HTTPS: the [tls] listener, its handshakes in the workers' event loops,
everything the plain listener does over TLS, resumption across workers,
and the [tls] configuration errors from guad -t and from SIGHUP.

A test CA and ECDSA P-256 and RSA 2048 certificates are made with the
openssl CLI in a temporary directory for each test class."""

import hashlib
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (HOST, WWW, Connection, Server, get, run_guad,  # noqa
                      wait_for)
import tlscerts  # noqa: E402

BIG = 100 * 1024 * 1024


def free_port():
    """A port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def client_context(ca, version=None):
    ctx = ssl.create_default_context(cafile=ca)
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


class TLSConnection(Connection):
    """guadtest's Connection, over TLS."""

    def __init__(self, port, ctx, timeout=5.0, session=None,
                 server_hostname="localhost"):
        super().__init__(port, timeout=timeout)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname,
                                    session=session)

    def _fill(self, deadline):
        try:
            return super()._fill(deadline)
        except ssl.SSLEOFError:
            self.eof = True
            return False


def request_bytes(path, port, method="GET", extra="", close=False):
    return ("%s %s HTTP/1.1\r\nHost: localhost:%d\r\n%s%s\r\n" % (
        method, path, port, extra,
        "Connection: close\r\n" if close else "")).encode("latin-1")


def worker_of(server, client_sock):
    """The worker pid holding the server side of client_sock."""
    lport = client_sock.getsockname()[1]
    rport = client_sock.getpeername()[1]
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (int(local.split(":")[1], 16) == rport and
                    int(remote.split(":")[1], 16) == lport):
                inode = fields[9]
    if inode is None:
        return None
    for pid in server.workers():
        d = "/proc/%d/fd" % pid
        try:
            for fd in os.listdir(d):
                try:
                    if os.readlink(os.path.join(d, fd)) == \
                            "socket:[%s]" % inode:
                        return pid
                except OSError:
                    pass
        except OSError:
            pass
    return None


class TLSBase(unittest.TestCase):
    kind = "ec"

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="guadtls-")
        cls.ca = tlscerts.CA(cls.dir)
        cls.cert, cls.key = cls.ca.leaf("leaf", cls.kind)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def tls_server(self, tls=None, **kw):
        self.tls_port = free_port()
        sections = kw.pop("sections", {})
        sections["tls"] = dict({"port": str(self.tls_port),
                                "certificate": self.cert, "key": self.key},
                               **(tls or {}))
        return Server(sections=sections, **kw)

    def ctx(self, version=None):
        return client_context(self.ca.cert, version)

    def conn(self, **kw):
        return TLSConnection(self.tls_port, self.ctx(), **kw)


class HTTPSTest(TLSBase):
    """One server for the requests that do not change it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = TLSBase.tls_server(cls, files={"static/big.bin": BIG,
                                                 "static/r.txt": b"0123456789" * 10},
                                     sections={"timeouts": {"header": "1"}},
                                     log_files=True)
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        super().tearDownClass()

    def test_get_and_head(self):
        with open(os.path.join(WWW, "index.html"), "rb") as f:
            index = f.read()
        with self.conn() as c:
            c.send(request_bytes("/", self.tls_port))
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, index)
            self.assertEqual(c.sock.version(), "TLSv1.3")
            c.send(request_bytes("/", self.tls_port, method="HEAD"))
            r = c.read_response(head=True)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, b"")
            self.assertEqual(int(r.headers["content-length"]), len(index))

    def test_keepalive_and_pipelining(self):
        with self.conn() as c:
            for _ in range(5):
                c.send(request_bytes("/static/r.txt", self.tls_port))
                self.assertEqual(c.read_response().status, 200)
            c.send(b"".join(request_bytes(p, self.tls_port) for p in
                            ("/static/r.txt", "/doge.gif", "/nope", "/static/r.txt")))
            st = [c.read_response().status for _ in range(4)]
            self.assertEqual(st, [200, 200, 404, 200])

    def test_large_file_by_sha256(self):
        with self.conn(timeout=120) as c:
            c.send(request_bytes("/static/big.bin", self.tls_port))
            c.sock.settimeout(120)
            while b"\r\n\r\n" not in c.buf:
                self.assertTrue(c._fill(time.monotonic() + 120))
            head, rest = c.buf.split(b"\r\n\r\n", 1)
            self.assertIn(b" 200 ", head.split(b"\r\n")[0])
            h = hashlib.sha256(rest)
            n = len(rest)
            while n < BIG:
                chunk = c.sock.recv(1 << 20)
                self.assertTrue(chunk, "closed after %d bytes" % n)
                h.update(chunk)
                n += len(chunk)
            self.assertEqual(n, BIG)
            z = hashlib.sha256()
            block = bytes(1 << 20)
            for _ in range(BIG >> 20):
                z.update(block)
            self.assertEqual(h.hexdigest(), z.hexdigest())

    def test_ranges(self):
        with self.conn() as c:
            c.send(request_bytes("/static/r.txt", self.tls_port,
                                 extra="Range: bytes=3-7\r\n"))
            r = c.read_response()
            self.assertEqual(r.status, 206)
            self.assertEqual(r.body, b"34567")

    def test_post_msg(self):
        body = b"message=over+tls+%d" % os.getpid()
        with self.conn() as c:
            c.send(request_bytes("/msg", self.tls_port, method="POST",
                                 extra="Content-Type: application/"
                                 "x-www-form-urlencoded\r\n"
                                 "Content-Length: %d\r\n" % len(body))
                   + body)
            self.assertEqual(c.read_response().status, 303)
            c.send(request_bytes("/msg", self.tls_port))
            r = c.read_response()
            self.assertIn(b"over tls %d" % os.getpid(), r.body)

    def test_alpn_http11_only(self):
        ctx = self.ctx()
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with TLSConnection(self.tls_port, ctx) as c:
            self.assertEqual(c.sock.selected_alpn_protocol(), "http/1.1")
        ctx = self.ctx()
        ctx.set_alpn_protocols(["h2"])
        with self.assertRaises(ssl.SSLError):
            TLSConnection(self.tls_port, ctx).close()

    def test_tls12_forward_secret(self):
        with TLSConnection(self.tls_port, self.ctx(ssl.TLSVersion.TLSv1_2)) \
                as c:
            self.assertEqual(c.sock.version(), "TLSv1.2")
            self.assertTrue(c.sock.cipher()[0].startswith("ECDHE-"),
                            c.sock.cipher())
            c.send(request_bytes("/static/r.txt", self.tls_port))
            self.assertEqual(c.read_response().status, 200)

    def test_access_log_says_tls(self):
        ua = "tls-log-%d" % os.getpid()
        with self.conn() as c:
            c.send(request_bytes("/static/r.txt", self.tls_port,
                                 extra="User-Agent: %s\r\n" % ua))
            c.read_response()
        get(self.srv.port, "/", extra_headers="User-Agent: plain-%s\r\n" % ua)
        lines = wait_for(lambda: [l for l in self.srv.access_lines()
                                  if ua in l and "r.txt" in l or
                                  "plain-" + ua in l]
                         if len([l for l in self.srv.access_lines()
                                 if ua in l]) == 2 else None)
        tls = [l for l in lines if "r.txt" in l][0]
        plain = [l for l in lines if "plain-" in l][0]
        self.assertRegex(tls, r'"%s" \d+ (new|reused) TLSv1\.3$' % ua)
        self.assertRegex(plain, r'"plain-%s" \d+ (new|reused)$' % ua)

    def test_slow_handshake_is_cut_off(self):
        # a ClientHello's first bytes, then nothing: [timeouts] header (1 s)
        with Connection(self.tls_port, timeout=10) as c:
            c.send(b"\x16\x03\x01")
            start = time.monotonic()
            self.assertTrue(c.closed_by_server(timeout=10))
            took = time.monotonic() - start
            # within the header timeout's margins (guadtest.TIMER_LATE)
            self.assertLessEqual(took, 1 + guadtest.TIMER_LATE,
                                 "closed %.2f s after, header = 1" % took)
        # the worker was not held: a normal request still works
        with self.conn() as c:
            c.send(request_bytes("/static/r.txt", self.tls_port))
            self.assertEqual(c.read_response().status, 200)

    def test_plain_http_to_tls_port_is_closed(self):
        with Connection(self.tls_port, timeout=10) as c:
            c.send(request_bytes("/", self.tls_port))
            data = c.read_until_close(timeout=8)
            self.assertTrue(c.eof)
            self.assertNotIn(b"HTTP/", data)

    def test_plain_port_still_plain(self):
        self.assertEqual(get(self.srv.port, "/").status, 200)

    def test_resumption_across_workers(self):
        # The kernel hands a listener's connections to whichever worker
        # waits first, mostly the same one; so the worker that issued
        # the ticket is told to finish (SIGQUIT), and the session is
        # resumed on a worker that never saw it.
        ctx = self.ctx()
        with TLSConnection(self.tls_port, ctx) as first:
            first.send(request_bytes("/static/r.txt", self.tls_port))
            first.read_response()
            session = first.sock.session
            home = worker_of(self.srv, first.sock)
        self.assertIsNotNone(home)
        self.assertTrue(session.has_ticket)
        self.assertFalse(first.sock.session_reused)
        os.kill(home, signal.SIGQUIT)
        wait_for(lambda: home not in self.srv.workers() and
                 len(self.srv.workers()) == 2, timeout=10)
        with TLSConnection(self.tls_port, ctx, session=session) as c:
            c.send(request_bytes("/static/r.txt", self.tls_port))
            self.assertEqual(c.read_response().status, 200)
            self.assertNotEqual(worker_of(self.srv, c.sock), home)
            self.assertTrue(c.sock.session_reused)


class ReloadResumeTest(TLSBase):
    def test_sessions_resume_after_a_reload(self):
        # the ticket key of the generation before a reload is kept
        with self.tls_server(log_files=True) as srv:
            ctx = self.ctx()
            with TLSConnection(self.tls_port, ctx) as c:
                c.send(request_bytes("/", self.tls_port))
                c.read_response()
                session = c.sock.session
            old = set(srv.workers())
            srv.signal(signal.SIGHUP)
            wait_for(lambda: "reloaded" in srv.log(), message=srv.log)
            wait_for(lambda: not old & set(srv.workers()), timeout=10)
            for _ in range(2):
                with TLSConnection(self.tls_port, ctx, session=session) as c:
                    c.send(request_bytes("/", self.tls_port))
                    self.assertEqual(c.read_response().status, 200)
                    self.assertTrue(c.sock.session_reused)
                    session = c.sock.session
            # two reloads on, the first key is gone: a full handshake
            for _ in range(2):
                n = srv.log().count("reloaded")
                old = set(srv.workers())
                srv.signal(signal.SIGHUP)
                wait_for(lambda: srv.log().count("reloaded") > n)
                wait_for(lambda: not old & set(srv.workers()), timeout=10)
            with TLSConnection(self.tls_port, ctx, session=session) as c:
                c.send(request_bytes("/", self.tls_port))
                self.assertEqual(c.read_response().status, 200)
                self.assertFalse(c.sock.session_reused)


class SNITest(TLSBase):
    def test_sni_picks_the_certificate_that_names_the_host(self):
        other, okey = self.ca.leaf("other", "rsa",
                                   names=("other.test", "*.other.test"),
                                   ips=())
        with self.tls_server(tls={"sni": "%s %s" % (other, okey)}):
            def subject(host):
                with TLSConnection(self.tls_port, self.ctx(),
                                   server_hostname=host) as c:
                    c.send(request_bytes("/", self.tls_port))
                    self.assertEqual(c.read_response().status, 200)
                    return dict(x[0] for x in
                                c.sock.getpeercert()["subject"])
            self.assertEqual(subject("other.test")["commonName"],
                             "other.test")
            self.assertEqual(subject("www.other.test")["commonName"],
                             "other.test")
            self.assertEqual(subject("localhost")["commonName"], "localhost")
            # no name the client may check: the default certificate
            ctx = self.ctx()
            ctx.check_hostname = False
            with TLSConnection(self.tls_port, ctx, server_hostname=None) as c:
                der = c.sock.getpeercert(True)
            with open(self.cert) as f:
                pem = f.read().split("-----END CERTIFICATE-----")[0]
            self.assertEqual(der, ssl.PEM_cert_to_DER_cert(
                pem + "-----END CERTIFICATE-----\n"))

    def test_sni_errors(self):
        _, stray = self.ca.leaf("stray2")
        other, _ = self.ca.leaf("other2", names=("other.test",), ips=())
        for sni, want in (("%s" % other, "in pairs"),
                          ("%s %s" % (other, stray), "does not match")):
            srv = self.tls_server(tls={"sni": sni})
            try:
                r = run_guad(["-t", "-c", srv.ini])
                self.assertNotEqual(r.returncode, 0)
                self.assertRegex(r.stderr, r"gua\.ini:\d+: \[tls\] sni: "
                                 r".*%s" % want)
            finally:
                srv.cleanup()


class RSATest(TLSBase):
    kind = "rsa"

    def test_rsa_certificate(self):
        with self.tls_server() as srv:
            for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                with TLSConnection(self.tls_port, self.ctx(v)) as c:
                    c.send(request_bytes("/", self.tls_port))
                    self.assertEqual(c.read_response().status, 200)
                    if v == ssl.TLSVersion.TLSv1_2:
                        self.assertTrue(
                            c.sock.cipher()[0].startswith("ECDHE-RSA-"))
            self.assertEqual(srv.sanitizer_reports(), [])


class ProtocolsTest(TLSBase):
    def test_tls13_only(self):
        with self.tls_server(tls={"protocols": "TLSv1.3"}):
            with TLSConnection(self.tls_port,
                               self.ctx(ssl.TLSVersion.TLSv1_3)) as c:
                self.assertEqual(c.sock.version(), "TLSv1.3")
            with self.assertRaises(ssl.SSLError):
                TLSConnection(self.tls_port,
                              self.ctx(ssl.TLSVersion.TLSv1_2)).close()


class ConfigTest(TLSBase):
    """guad -t and SIGHUP on [tls] errors."""

    def check(self, tls, want):
        srv = self.tls_server(tls=tls)
        try:
            r = run_guad(["-t", "-c", srv.ini])
            self.assertNotEqual(r.returncode, 0, r.stderr)
            line = None
            with open(srv.ini) as f:
                for i, l in enumerate(f, 1):
                    key = l.split("=")[0].strip()
                    if key == want[0] and l.strip().split()[0] == key and \
                            want[0] in tls:
                        line = i
            self.assertRegex(r.stderr, r"gua\.ini:%d: \[tls\] %s: %s" % (
                line, want[0], want[1]))
        finally:
            srv.cleanup()

    def test_missing_file(self):
        self.check({"certificate": os.path.join(self.dir, "none.pem")},
                   ("certificate", r".*none\.pem"))

    def test_mismatched_key(self):
        _, other = self.ca.leaf("other")
        self.check({"key": other}, ("key", r".* does not match"))

    def test_expired(self):
        cert, key = self.ca.leaf("old", start="20200101000000Z",
                                 end="20200102000000Z")
        self.check({"certificate": cert, "key": key},
                   ("certificate", r".*has expired"))

    def test_bad_protocols(self):
        self.check({"protocols": "TLSv1.1 TLSv1.2"},
                   ("protocols", r"must be TLSv1\.2, TLSv1\.3 or both"))

    def test_good(self):
        srv = self.tls_server()
        try:
            r = run_guad(["-t", "-c", srv.ini])
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            srv.cleanup()

    def fingerprint(self):
        with self.conn() as c:
            return hashlib.sha256(c.sock.getpeercert(True)).hexdigest()

    def test_hup_keeps_out_a_mismatched_key_and_takes_a_good_one(self):
        new_cert, new_key = self.ca.leaf("new")
        with self.tls_server(log_files=True) as srv:
            old = self.fingerprint()
            with open(srv.ini) as f:
                text = f.read()
            _, stray = self.ca.leaf("stray")
            with open(srv.ini, "w") as f:
                f.write(text.replace("key = " + self.key, "key = " + stray))
            srv.signal(signal.SIGHUP)
            wait_for(lambda: "reload failed" in srv.log(),
                     message=srv.log)
            self.assertRegex(srv.log(), r"gua\.ini:\d+: \[tls\] key: .* "
                             r"does not match")
            self.assertEqual(self.fingerprint(), old)
            with open(srv.ini, "w") as f:
                f.write(text.replace(self.cert, new_cert)
                        .replace(self.key, new_key))
            srv.signal(signal.SIGHUP)
            wait_for(lambda: "reloaded" in srv.log(), message=srv.log)
            with open(new_cert) as f:
                pem = f.read().split("-----END CERTIFICATE-----")[0] + \
                    "-----END CERTIFICATE-----\n"
            want = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
            wait_for(lambda: self.fingerprint() == want,
                     message="the new certificate after a good reload")


if __name__ == "__main__":
    unittest.main()
