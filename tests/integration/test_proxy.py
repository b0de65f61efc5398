#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Behind a load balancer: the PROXY protocol (v1 and v2, plain and over
TLS) on a listener with proxy_protocol = on, and X-Forwarded-For and
Forwarded from [server] trusted_proxies. The access log and the status
route's allow list see the client the proxy names.

Different peers are different loopback addresses: a client socket bound
to 127.0.0.2 is the trusted proxy, one bound to 127.0.0.3 is not."""

import os
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
import tlscerts  # noqa: E402
from guadtest import Connection, Server, wait_for  # noqa: E402

SIG = b"\r\n\r\n\x00\r\nQUIT\n"
HEADER_TIMEOUT = 30  # s: a refused header must be closed long before it


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def v2(command, fam, block, tlvs=b""):
    """A v2 header: command 0 LOCAL, 1 PROXY; fam the family and
    transport byte (0x11 TCP over IPv4, 0x21 over IPv6, 0x00 UNSPEC)."""
    body = block + tlvs
    return SIG + bytes([0x20 | command, fam]) + struct.pack("!H", len(body)) \
        + body


def v2_tcp4(src, dst="10.0.0.1", sport=4711, dport=443, tlvs=b""):
    return v2(1, 0x11, socket.inet_aton(src) + socket.inet_aton(dst) +
              struct.pack("!HH", sport, dport), tlvs)


def v2_tcp6(src, dst="2001:db8::1", sport=4711, dport=443, tlvs=b""):
    return v2(1, 0x21, socket.inet_pton(socket.AF_INET6, src) +
              socket.inet_pton(socket.AF_INET6, dst) +
              struct.pack("!HH", sport, dport), tlvs)


# TLVs a balancer sends: ALPN, authority, a CRC32c, an SSL block, NOOP
TLVS = (b"\x01\x00\x02h2" + b"\x02\x00\x0bexample.com" +
        b"\x03\x00\x04\x00\x00\x00\x00" +
        b"\x20\x00\x05\x01\x00\x00\x00\x00" + b"\x04\x00\x03abc")


def get_bytes(tag, extra=""):
    return ("GET /?t=%s HTTP/1.1\r\nHost: localhost\r\n%s"
            "Connection: close\r\n\r\n" % (tag, extra)).encode("latin-1")


def connect(port, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_all(sock):
    """Everything until the server closes; a reset counts as the close."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return data


def log_client(server, tag):
    """The client address of the access log line of request ?t=tag."""
    needle = "/?t=%s " % tag

    def line():
        for l in server.access_lines():
            if needle in l:
                return l
        return None
    return wait_for(line, 10, message=lambda: "an access log line for %s in:"
                    "\n%s" % (tag, server.access_log())).split(" ", 1)[0]


class ProxyProtocolTest(guadtest.ServerTestCase):
    """proxy_protocol = on on both listeners; 10.0.0.0/8 is trusted, so
    a PROXY header naming such a peer lets X-Forwarded-For speak."""

    @classmethod
    def server_args(cls):
        cls.dir = tempfile.mkdtemp(prefix="guadproxy-")
        ca = tlscerts.CA(cls.dir)
        cert, key = ca.leaf("leaf", "ec")
        cls.ctx = ssl.create_default_context(cafile=ca.cert)
        cls.tls_port = free_port()
        return {"log_files": True, "sections": {
            "server": {"proxy_protocol": "on",
                       "trusted_proxies": "10.0.0.0/8"},
            "timeouts": {"header": str(HEADER_TIMEOUT)},
            "tls": {"port": str(cls.tls_port), "certificate": cert,
                    "key": key, "proxy_protocol": "on"}}}

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.dir, ignore_errors=True)

    def exchange(self, header, tag, tls=False, bytewise=False, extra=""):
        """Sends header then a request (over TLS if tls); the response."""
        sock = connect(self.tls_port if tls else self.port)
        try:
            if bytewise:
                for i in range(len(header)):
                    sock.sendall(header[i:i + 1])
            else:
                sock.sendall(header)
            if tls:
                sock = self.ctx.wrap_socket(sock,
                                            server_hostname="localhost")
            sock.sendall(get_bytes(tag, extra))
            return read_all(sock)
        finally:
            sock.close()

    def assert_client(self, header, tag, client, **kw):
        data = self.exchange(header, tag, **kw)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data[:200])
        self.assertEqual(log_client(self.server, tag), client)

    def test_v1_tcp4(self):
        self.assert_client(
            b"PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\n", "v1tcp4",
            "203.0.113.7")

    def test_v1_tcp6(self):
        self.assert_client(
            b"PROXY TCP6 2001:db8::7 2001:db8::1 56324 443\r\n", "v1tcp6",
            "2001:db8::7")

    def test_v1_unknown_keeps_the_socket_peer(self):
        self.assert_client(b"PROXY UNKNOWN\r\n", "v1unknown", "127.0.0.1")
        self.assert_client(
            b"PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n", "v1unknown2",
            "127.0.0.1")

    def test_v2_proxy_tcp4_with_tlvs(self):
        self.assert_client(v2_tcp4("198.51.100.9", tlvs=TLVS), "v2tcp4",
                           "198.51.100.9")

    def test_v2_proxy_tcp6(self):
        self.assert_client(v2_tcp6("2001:db8::9"), "v2tcp6", "2001:db8::9")

    def test_v2_local_keeps_the_socket_peer(self):
        self.assert_client(v2(0, 0x00, b""), "v2local", "127.0.0.1")
        # LOCAL with an address block and TLVs: all of it read past
        self.assert_client(v2(0, 0x11, socket.inet_aton("198.51.100.9") * 2
                              + b"\0\1\0\2", TLVS), "v2local2", "127.0.0.1")

    def test_v2_unspec_keeps_the_socket_peer(self):
        self.assert_client(v2(1, 0x00, b"", TLVS), "v2unspec", "127.0.0.1")

    def test_long_tlvs_are_read_past(self):
        # more TLV bytes than a socket read or a peek takes
        big = b"\x04" + struct.pack("!H", 60000) + b"x" * 60000
        self.assert_client(v2_tcp4("198.51.100.10", tlvs=big), "v2big",
                           "198.51.100.10")

    def test_header_split_byte_by_byte(self):
        self.assert_client(
            b"PROXY TCP4 203.0.113.8 10.0.0.1 1 2\r\n", "v1split",
            "203.0.113.8", bytewise=True)
        self.assert_client(v2_tcp6("2001:db8::8", tlvs=TLVS), "v2split",
                           "2001:db8::8", bytewise=True)

    def test_over_tls(self):
        self.assert_client(
            b"PROXY TCP4 203.0.113.20 10.0.0.1 1 443\r\n", "tlsv1",
            "203.0.113.20", tls=True)
        self.assert_client(v2_tcp6("2001:db8::20", tlvs=TLVS), "tlsv2",
                           "2001:db8::20", tls=True, bytewise=True)
        self.assert_client(v2(0, 0x00, b""), "tlslocal", "127.0.0.1",
                           tls=True)

    def test_proxy_header_then_trusted_forwarded_for(self):
        # the PROXY header's peer is a proxy of ours: its XFF is believed
        self.assert_client(
            b"PROXY TCP4 10.1.2.3 10.0.0.1 1 2\r\n", "pxff", "192.0.2.44",
            extra="X-Forwarded-For: 192.0.2.44\r\n")
        # an untrusted peer's is not
        self.assert_client(
            b"PROXY TCP4 203.0.113.9 10.0.0.1 1 2\r\n", "pxff2",
            "203.0.113.9", extra="X-Forwarded-For: 192.0.2.44\r\n")

    def assert_closed_unanswered(self, data, tls=False):
        """data opens a connection: it is closed with no byte of answer,
        long before the header timeout could have closed it."""
        with Connection(self.tls_port if tls else self.port,
                        timeout=HEADER_TIMEOUT / 2) as c:
            try:
                c.send(data)
            except (BrokenPipeError, ConnectionResetError):
                return
            self.assertTrue(c.closed_by_server(timeout=HEADER_TIMEOUT / 2),
                            "still open after %r" % data[:60])

    def test_no_header_is_closed(self):
        workers = sorted(self.server.workers())
        self.assert_closed_unanswered(get_bytes("nohdr"))
        # a TLS ClientHello without a header, on the TLS listener
        sock = connect(self.tls_port)
        try:
            with self.assertRaises((ssl.SSLError, OSError)):
                self.ctx.wrap_socket(sock, server_hostname="localhost")
        finally:
            sock.close()
        self.assertEqual(sorted(self.server.workers()), workers)

    def test_malformed_headers_are_closed(self):
        workers = sorted(self.server.workers())
        bad = [
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",           # LF alone
            b"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",       # no address
            b"PROXY TCP4 ::1 ::1 1 2\r\n",                 # v6 in TCP4
            b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",     # port
            b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",        # two spaces
            b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
            b"PROXY UNKNOWN " + b"x" * 100 + b"\r\n",      # past 107 bytes
            b"PROXY \x00\x01\x02",
            b"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
            SIG[:11] + b"X",                               # signature
            SIG + b"\x11\x11\x00\x0c" + b"\0" * 12,        # version 1
            SIG + b"\x23\x11\x00\x0c" + b"\0" * 12,        # command 3
            SIG + b"\x21\x51\x00\x0c" + b"\0" * 12,        # family 5
            SIG + b"\x21\x11\x00\x0b" + b"\0" * 11,        # block short
            SIG + b"\x21\x21\x00\x0c" + b"\0" * 12,        # v6 block short
            b"\x16\x03\x01\x00\x05hello",                  # TLS, no header
            b"\xff" * 200,
        ]
        for data in bad:
            self.assert_closed_unanswered(data)
        for data in bad[:3]:
            self.assert_closed_unanswered(data, tls=True)
        # nobody crashed, and both listeners still serve
        self.assertEqual(sorted(self.server.workers()), workers)
        self.assert_client(b"PROXY TCP4 203.0.113.30 10.0.0.1 1 2\r\n",
                           "after", "203.0.113.30")
        self.assert_client(b"PROXY TCP4 203.0.113.31 10.0.0.1 1 2\r\n",
                           "aftertls", "203.0.113.31", tls=True)

    def test_eof_inside_the_header(self):
        workers = sorted(self.server.workers())
        for cut in (b"PROXY TCP4 1.2", SIG[:5], v2_tcp4("1.2.3.4")[:20],
                    v2_tcp4("1.2.3.4", tlvs=TLVS)[:40]):
            sock = connect(self.port)
            sock.sendall(cut)
            sock.shutdown(socket.SHUT_WR)
            self.assertEqual(read_all(sock), b"")
            sock.close()
        self.assertEqual(sorted(self.server.workers()), workers)


class HeaderTimeoutTest(unittest.TestCase):
    def test_a_partial_header_waits_for_the_header_timeout(self):
        header = 1
        with Server(sections={"server": {"proxy_protocol": "on"},
                              "timeouts": {"header": str(header)}}) as s:
            with Connection(s.port, timeout=header + 10) as c:
                c.send(b"PROXY TCP4 203.0.113.7 ")
                self.assertTrue(c.closed_by_server(timeout=header + 10))
            # and a header completed in time is served
            with Connection(s.port) as c:
                c.send(b"PROXY TCP4 203.0.113.7 ")
                c.send(b"10.0.0.1 1 2\r\n" + get_bytes("late"))
                self.assertEqual(c.read_response().status, 200)


class ForwardedForTest(guadtest.ServerTestCase):
    """No PROXY protocol; 127.0.0.2 and ::1 are trusted, 127.0.0.3 not."""

    SERVER = {"log_files": True, "sections": {
        "server": {"trusted_proxies": "127.0.0.2, 10.0.0.0/8 ::1"},
        "status": {"allow": "127.0.0.0/8"},
        "routes": {"/status": "status"}}}

    def fetch(self, source, tag, extra, path=None):
        sock = connect(self.port, source)
        try:
            raw = get_bytes(tag, extra)
            if path is not None:
                raw = raw.replace(b"/?t=%s" % tag.encode(), path.encode())
            sock.sendall(raw)
            return read_all(sock)
        finally:
            sock.close()

    def assert_client(self, source, extra, client, tag):
        data = self.fetch(source, tag, extra)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data[:200])
        self.assertEqual(log_client(self.server, tag), client)

    def test_trusted_peer_xff(self):
        self.assert_client("127.0.0.2", "X-Forwarded-For: 203.0.113.7\r\n",
                           "203.0.113.7", "xff1")

    def test_rightmost_untrusted_wins(self):
        self.assert_client(
            "127.0.0.2",
            "X-Forwarded-For: 198.51.100.66, 203.0.113.7, 10.9.9.9\r\n",
            "203.0.113.7", "xff2")
        self.assert_client(
            "127.0.0.2",
            "X-Forwarded-For: 198.51.100.66\r\n"
            "X-Forwarded-For: 203.0.113.8, 10.9.9.9\r\n",
            "203.0.113.8", "xff3")

    def test_untrusted_peer_is_not_believed(self):
        self.assert_client("127.0.0.3", "X-Forwarded-For: 203.0.113.7\r\n",
                           "127.0.0.3", "untrusted")
        self.assert_client("127.0.0.3", "Forwarded: for=203.0.113.7\r\n",
                           "127.0.0.3", "untrusted2")

    def test_forwarded(self):
        self.assert_client(
            "127.0.0.2", 'Forwarded: for="[2001:db8::1]:4711";proto=https\r\n',
            "2001:db8::1", "fwd1")
        self.assert_client(
            "127.0.0.2",
            "Forwarded: for=198.51.100.1, for=203.0.113.9;by=10.0.0.1\r\n",
            "203.0.113.9", "fwd2")

    def test_malformed_keeps_the_peer(self):
        for i, extra in enumerate([
                "X-Forwarded-For: 203.0.113.7, unknown\r\n",
                "X-Forwarded-For: 203.0.113.256\r\n",
                "X-Forwarded-For: [2001:db8::1\r\n",
                "Forwarded: for=unknown\r\n",
                'Forwarded: for="203.0.113.7\r\n',
                "Forwarded: for=2001:db8::1\r\n",
                "Forwarded: for=1.2.3.4;for=5.6.7.8\r\n"]):
            self.assert_client("127.0.0.2", extra, "127.0.0.2", "bad%d" % i)

    def test_ipv6_trusted_peer(self):
        try:
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            sock.bind(("::1", 0))
        except OSError as e:
            self.skipTest("no IPv6 loopback: %s" % e)
        sock.close()
        with Server(sections={"server": {
                "host": "::1", "trusted_proxies": "::1"}},
                log_files=True) as s:
            with Connection(s.port, host="::1") as c:
                c.send(get_bytes("v6", "X-Forwarded-For: 203.0.113.70\r\n"))
                self.assertEqual(c.read_response().status, 200)
            self.assertEqual(log_client(s, "v6"), "203.0.113.70")

    def test_status_allow_sees_the_real_client(self):
        # allowed: 127.0.0.0/8. The trusted proxy forwarding an outside
        # client is refused; forwarding a loopback client is not.
        out = self.fetch("127.0.0.2", "st1",
                         "X-Forwarded-For: 203.0.113.7\r\n", path="/status")
        self.assertTrue(out.startswith(b"HTTP/1.1 403 "), out[:200])
        out = self.fetch("127.0.0.2", "st2",
                         "X-Forwarded-For: 127.0.0.9\r\n", path="/status")
        self.assertTrue(out.startswith(b"HTTP/1.1 200 "), out[:200])

    def test_keepalive_requests_each_their_client(self):
        # one proxy connection carries requests of different clients
        sock = connect(self.port, "127.0.0.2")
        try:
            for n, client in enumerate(("203.0.113.1", "203.0.113.2")):
                sock.sendall(("GET /?t=ka%d HTTP/1.1\r\nHost: a\r\n"
                              "X-Forwarded-For: %s\r\n\r\n"
                              % (n, client)).encode())
            sock.sendall(b"GET /?t=ka2 HTTP/1.1\r\nHost: a\r\n"
                         b"Connection: close\r\n\r\n")
            read_all(sock)
        finally:
            sock.close()
        self.assertEqual(log_client(self.server, "ka0"), "203.0.113.1")
        self.assertEqual(log_client(self.server, "ka1"), "203.0.113.2")
        self.assertEqual(log_client(self.server, "ka2"), "127.0.0.2")


if __name__ == "__main__":
    unittest.main()
