#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""What guad -t checks beyond the syntax: [server] host is resolved
(an unresolvable one is named by its line, by -t and at start alike),
and a line longer than inih's buffer is refused with its length, never
split in two."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import GUAD  # noqa: E402

# RFC 6761 6.4: no name below .invalid resolves. The resolver may still
# ask a DNS server about it; with one try of one second the answer is a
# failure either way (NXDOMAIN, or no server), with or without a network.
UNRESOLVABLE = "nonexistent.invalid"
RESOLVER_ENV = {"RES_OPTIONS": "timeout:1 attempts:1"}

# The longest line inih's buffer takes (200 bytes: the line, its line
# break and a NUL), as guad reports it.
LINE_MAX = 198

HEAD = """\
[server]
port = 0
workers = 1
root = {root}
host = {host}

[msg]
db = {db}

[routes]
/ = file index.html
"""
HOST_LINE = 5


class ConfCheckTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="guad-confcheck-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, host="127.0.0.1", tail=""):
        path = os.path.join(self.tmp, "gua.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(HEAD.format(root=guadtest.WWW, host=host,
                                db=os.path.join(self.tmp, "msg.db")) + tail)
        return path

    def guad(self, args, timeout=30):
        env = dict(os.environ, **RESOLVER_ENV)
        return subprocess.run([GUAD] + args, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=timeout, text=True,
                              errors="replace")

    def assert_host_error(self, r):
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("gua.ini:%d: [server] host: %s: "
                      % (HOST_LINE, UNRESOLVABLE), r.stderr)

    def test_unresolvable_host_is_refused_by_t(self):
        self.assert_host_error(self.guad(["-t", "-c", self.write(
            host=UNRESOLVABLE)]))

    def test_unresolvable_host_is_refused_at_start(self):
        # the same check, before anything is bound or forked: guad exits
        r = self.guad(["-c", self.write(host=UNRESOLVABLE)])
        self.assert_host_error(r)
        self.assertNotIn("worker", r.stderr)

    def test_localhost_resolves(self):
        r = self.guad(["-t", "-c", self.write(host="localhost")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration ok", r.stderr)

    def test_longest_line_is_read_whole(self):
        # a route line of exactly LINE_MAX bytes: its option arrives whole
        start = "/long = file index.html cache="
        value = "x" * (LINE_MAX - len(start))
        path = self.write(tail=start + value + "\n")
        r = self.guad(["-T", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cache=" + value + "\n", r.stdout)

    def test_longer_line_is_refused_with_its_line(self):
        start = "/long = file index.html cache="
        value = "x" * (LINE_MAX + 1 - len(start))
        path = self.write(tail="\n" + start + value + "\n")
        r = self.guad(["-t", "-c", path])
        self.assertNotEqual(r.returncode, 0, r.stderr)
        line = HEAD.count("\n") + 2
        self.assertIn("gua.ini:%d: line longer than %d bytes"
                      % (line, LINE_MAX), r.stderr)


if __name__ == "__main__":
    unittest.main()
