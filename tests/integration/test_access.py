#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The access log (request time, reused connections, JSON lines, bytes
actually sent), syslog priorities for journald, and guad -V."""

import json
import os
import re
import signal
import socket
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Server, get, run_guad, wait_for  # noqa: E402

BIG = 64 * 1024 * 1024  # far more than the socket buffers hold

JSON_FIELDS = {"time", "remote_addr", "request", "status", "bytes",
               "referer", "user_agent", "request_time_us",
               "connection_reused"}


def wait_lines(s, n):
    wait_for(lambda: len(s.access_lines()) >= n, 5,
             message=lambda: "%d access log lines, got:\n%s"
             % (n, s.access_log()))
    return s.access_lines()


class JsonAccessLogTest(unittest.TestCase):
    def test_json_lines_parse_with_every_field(self):
        # a user agent with a quote, a backslash and bytes past ASCII
        agent = b'ua "quoted" \\ back \xc3\xa9\xff'
        with Server(sections={"server": {"access_log_format": "json"}},
                    log_files=True) as s:
            r1 = get(s.port, "/", extra_headers="Referer: http://x/\r\n")
            r2 = guadtest.request(
                s.port, b"GET /doge.gif HTTP/1.1\r\nHost: x\r\n"
                b"User-Agent: " + agent + b"\r\nConnection: close\r\n\r\n")
            ka = guadtest.requests_on_one_connection(s.port, [
                "GET /?n=1 HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /missing-x HTTP/1.1\r\nHost: x\r\n"
                "Connection: close\r\n\r\n"])
            lines = wait_lines(s, 4)
            self.assertEqual(len(lines), 4, s.access_log())
            recs = [json.loads(line) for line in lines]
            for rec in recs:
                self.assertEqual(set(rec), JSON_FIELDS, rec)
                self.assertIsInstance(rec["request_time_us"], int)
                self.assertGreaterEqual(rec["request_time_us"], 0)
                self.assertRegex(rec["time"],
                                 r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
                self.assertEqual(rec["remote_addr"], "127.0.0.1")
            by = {rec["request"]: rec for rec in recs}
            first = by["GET / HTTP/1.1"]
            self.assertEqual(first["status"], 200)
            self.assertEqual(first["bytes"], len(r1.body))
            self.assertEqual(first["referer"], "http://x/")
            self.assertIs(first["connection_reused"], False)
            gif = by["GET /doge.gif HTTP/1.1"]
            self.assertEqual(gif["bytes"], len(r2.body))
            # each byte past ASCII is kept, as the Latin-1 character
            self.assertEqual(gif["user_agent"].encode("latin-1"), agent)
            self.assertIs(by["GET /?n=1 HTTP/1.1"]["connection_reused"],
                          False)
            second = by["GET /missing-x HTTP/1.1"]
            self.assertEqual(second["status"], ka[1].status)
            self.assertEqual(second["bytes"], len(ka[1].body))
            self.assertIs(second["connection_reused"], True)

    def test_unknown_format_is_a_config_error(self):
        s = Server(sections={"server": {"access_log_format": "xml"}})
        try:
            r = run_guad(["-t", "-c", s.ini])
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stderr, r"gua\.ini:\d+: \[server\] "
                             r"access_log_format: must be combined or json")
        finally:
            s.cleanup()


class CombinedAccessLogTest(unittest.TestCase):
    def test_time_and_reuse_fields(self):
        with Server(log_files=True) as s:
            guadtest.requests_on_one_connection(s.port, [
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"])
            lines = wait_lines(s, 2)
            ends = [re.search(r'" (\d+) (new|reused)$', l) for l in lines]
            self.assertTrue(all(ends), lines)
            self.assertEqual([m.group(2) for m in ends], ["new", "reused"])

    def test_bytes_are_what_was_sent_to_a_client_that_left(self):
        with Server(files={"big.bin": BIG}, log_files=True,
                    sections={"routes": {"/big.bin": "file big.bin"}}) as s:
            sock = socket.create_connection((guadtest.HOST, s.port))
            try:
                sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                got = sock.recv(65536)
                self.assertTrue(got.startswith(b"HTTP/1.1 200 "), got[:100])
            finally:
                # unread data: the close is a reset, and the send fails
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
            line = wait_lines(s, 1)[0]
            m = re.search(r'"GET /big\.bin HTTP/1\.1" 200 (\d+) ', line)
            self.assertIsNotNone(m, line)
            self.assertGreater(int(m.group(1)), 0, line)
            self.assertLess(int(m.group(1)), BIG, line)


class JournalTest(unittest.TestCase):
    """JOURNAL_STREAM names stderr's device and inode: each line starts
    with its syslog priority, as journald reads it."""

    def start(self, same_stream, match=True, **kw):
        s = Server(**kw)
        if same_stream:
            s.stdout_path = s.stderr_path
        open(s.stderr_path, "ab").close()
        st = os.stat(s.stderr_path)
        ino = st.st_ino if match else st.st_ino + 1
        s.env = {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, ino)}
        return s

    def test_error_and_access_lines_carry_priorities(self):
        with self.start(True) as s:
            get(s.port, "/")
            # the line is written once the response is out: wait for it
            wait_for(lambda: "GET / HTTP/1.1" in s.log(), 5,
                     message=lambda: s.log())
            pid = s.workers()[0]
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: re.search(r"killed by signal 9", s.log()), 5,
                     message=lambda: s.log())
            lines = [l for l in s.log().split("\n") if l]
            for line in lines:
                self.assertRegex(line, r"^<[3-7]>", line)
            self.assertTrue(any(re.match(r"<6>.* \[info\] .*ready:", l)
                                for l in lines), lines)
            self.assertTrue(any(re.match(r"<4>.* \[warn\] .*killed by "
                                         r"signal 9", l) for l in lines),
                            lines)
            self.assertTrue(any(re.match(r'<6>127\.0\.0\.1 .*"GET / ', l)
                                for l in lines), lines)

    def test_access_file_has_no_priority(self):
        with self.start(False) as s:
            get(s.port, "/")
            line = wait_lines(s, 1)[0]
            self.assertTrue(line.startswith("127.0.0.1 "), line)
            self.assertRegex(s.log().split("\n")[0], r"^<6>")

    def test_other_stream_gets_no_prefix(self):
        with self.start(True, match=False) as s:
            self.assertRegex(s.log().split("\n")[0], r"^\d{4}-")
            self.assertNotRegex(s.log(), r"(?m)^<\d>")


class VersionTest(unittest.TestCase):
    def test_version_names_libraries_and_configure_arguments(self):
        r = run_guad(["-V"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertRegex(out, r"^guad \d+\.\d+")
        self.assertRegex(out, r"(?m)^built with \S+")
        self.assertRegex(out, r"(?m)^inih \S+")
        self.assertRegex(out, r"(?m)^libmagic [\d.]+ \(running \d+\.\d+\)$")
        self.assertRegex(out,
                         r"(?m)^sqlite3 [\d.]+ \(running [\d.]+\)$")
        self.assertRegex(out, r"(?m)^configure arguments: ")
        status = os.path.join(os.path.dirname(guadtest.GUAD), "..",
                              "config.status")
        if os.path.exists(status):
            # the arguments this build was configured with, as given
            with open(status) as f:
                m = re.search(r"^ac_cs_config=(.*)$", f.read(), re.M)
            if m:
                # the same words, whatever the quoting
                def words(t):
                    return re.sub(r"[\\'\"]", "", t).split()
                line = re.search(r"(?m)^configure arguments: (.*)$", out)
                self.assertEqual(words(line.group(1)), words(m.group(1)))


if __name__ == "__main__":
    unittest.main()
