#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""guad -T: the effective configuration, printed in gua.ini syntax.

What -T prints names every key with its value (defaults included), then
[mime] and [routes]; it is itself a gua.ini that guad -t accepts and that
-T prints identically again."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import run_guad  # noqa: E402

# Every key guad has, each set to a value other than its default.  A key
# added to guad must be added here (the test below says so).
EVERY_KEY = {
    "server": {
        "host": "127.0.0.2",
        "port": "8081",
        "ipv6only": "on",
        "workers": "3",
        "root": "{TMP}/www",
        "error_log": "{TMP}/error.log",
        "access_log": "off",
        "access_log_format": "json",
        "pid_file": "{TMP}/guad.pid",
        "dotfiles": "on",
        "sendfile": "off",
        "file_cache": "16",
        "user": "nobody",
        "group": "nogroup",
        "allow_root": "on",
        "sandbox": "off",
        "server_name": "example.org www.example.org [::1]",
        "proxy_protocol": "on",
        "trusted_proxies": "10.0.0.0/8 2001:db8::/32",
    },
    "limits": {
        "connections": "10",
        "request_line": "100",
        "header_size": "1000",
        "header_fields": "20",
        "body_size": "2000",
        "max_requests": "500",
    },
    "timeouts": {
        "header": "1",
        "body": "2",
        "keepalive": "3",
        "send": "4",
        "shutdown": "5",
        "worker": "6",
    },
    "msg": {
        "db": "{TMP}/board.db",
        "max_length": "280",
        "page_size": "7",
        "busy_timeout": "2500",
    },
    "tls": {
        "port": "8443",
        "certificate": "{TMP}/cert.pem",
        "key": "{TMP}/key.pem",
        "protocols": "TLSv1.3",
        "sni": "{TMP}/other.pem {TMP}/other.key",
        "redirect": "on",
        "hsts": "max-age=600; includeSubDomains",
        "ktls": "on",
        "proxy_protocol": "on",
    },
    "status": {
        "allow": "10.0.0.0/8 192.168.1.7 fd00::/8",
    },
}

MIME = [("md", "text/markdown; charset=utf-8"), ("webp", "image/webp")]

ROUTES = [
    ("/", "file index.html cache=no-cache"),
    ("/doge.gif", "file doge.gif precompressed"),
    ("/board", "msg msg.html"),
    ("/status", "status"),
    ("/metrics", "metrics"),
    ("/static/", "dir static listing precompressed cache=public,max-age=60"),
]

ERRORS = [("404", "index.html"), ("503", "static/style.css")]


def parse(text):
    """gua.ini text to ([(section, key, value)], {section: [unset keys]})."""
    lines, unset, section = [], {}, None
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif line.startswith("; ") and line.endswith(": not set"):
            unset.setdefault(section, []).append(line[2:-len(": not set")])
        elif line and line[0] not in ";#":
            key, value = line.split(" = ", 1)
            lines.append((section, key, value))
    return lines, unset


class ConfDumpTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="guadtest-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def dump(self, path):
        r = run_guad(["-T", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration ok", r.stderr)
        return r.stdout

    def assert_round_trip(self, first):
        """first, written to a file, is accepted by -t and printed again
        by -T byte for byte."""
        again_path = self.write("dumped.ini", first)
        r = run_guad(["-t", "-c", again_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.dump(again_path), first)

    def test_shipped_ini_round_trips(self):
        out = self.dump(guadtest.SHIPPED_INI)
        lines, unset = parse(out)
        got = {(s, k): v for s, k, v in lines}
        # what the shipped file sets shows, paths made absolute
        for section, key, value in guadtest.read_ini(guadtest.SHIPPED_INI):
            want = value
            if (section, key) in (("server", "root"), ("msg", "db")):
                want = os.path.join(guadtest.CONF, value)
            self.assertEqual(got.get((section, key)), want,
                             "[%s] %s" % (section, key))
        # and what it leaves out shows its default
        self.assertEqual(got[("server", "port")], "3000")
        self.assertEqual(got[("server", "workers")], "auto")
        self.assertEqual(got[("server", "error_log")], "stderr")
        self.assertEqual(got[("server", "access_log")], "stdout")
        self.assertEqual(got[("server", "sandbox")], "on")
        self.assertEqual(got[("limits", "body_size")], "1048576")
        self.assertEqual(got[("timeouts", "keepalive")], "60")
        self.assertEqual(got[("msg", "busy_timeout")], "5000")
        self.assertIn("pid_file", unset["server"])
        self.assertIn("user", unset["server"])
        # the routes close the file, in the file's order
        self.assertEqual([(k, v) for s, k, v in lines if s == "routes"],
                         guadtest.shipped_routes())
        self.assertIn("\n[routes]\n" + "".join(
            "%s = %s\n" % r for r in guadtest.shipped_routes()), out)
        self.assert_round_trip(out)

    def test_every_key_with_other_values_round_trips(self):
        shutil.copytree(guadtest.WWW, os.path.join(self.tmp, "www"))
        # [tls] names certificates and keys that must load
        for cert, key, name in (("cert.pem", "key.pem", "localhost"),
                                ("other.pem", "other.key",
                                 "other.example")):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                            "-keyout", os.path.join(self.tmp, key),
                            "-out", os.path.join(self.tmp, cert),
                            "-days", "2", "-subj", "/CN=" + name,
                            "-addext", "subjectAltName=DNS:" + name],
                           check=True, capture_output=True, timeout=60)
        text = []
        for section, keys in EVERY_KEY.items():
            text.append("[%s]" % section)
            for key, value in keys.items():
                text.append("%s = %s" % (key, value.replace("{TMP}",
                                                             self.tmp)))
        text.append("[mime]")
        text += [".%s = %s" % m for m in MIME]
        text.append("[routes]")
        text += ["%s = %s" % r for r in ROUTES]
        text.append("[errors]")
        text += ["%s = %s" % e for e in ERRORS]
        out = self.dump(self.write("every.ini", "\n".join(text) + "\n"))
        lines, unset = parse(out)
        self.assertEqual(unset, {}, "every key was set")
        got = {}
        for section, key, value in lines:
            if section in ("mime", "routes", "errors"):
                continue
            self.assertIn(key, EVERY_KEY.get(section, {}),
                          "[%s] %s is new: add it to EVERY_KEY in %s"
                          % (section, key, os.path.basename(__file__)))
            got[(section, key)] = value
        for section, keys in EVERY_KEY.items():
            for key, value in keys.items():
                self.assertEqual(got.get((section, key)),
                                 value.replace("{TMP}", self.tmp),
                                 "[%s] %s" % (section, key))
        self.assertEqual([(k, v) for s, k, v in lines if s == "mime"], MIME)
        self.assertEqual([(k, v) for s, k, v in lines if s == "routes"],
                         ROUTES)
        self.assertEqual([(k, v) for s, k, v in lines if s == "errors"],
                         ERRORS)
        self.assert_round_trip(out)

    def test_a_broken_file_prints_nothing(self):
        path = self.write("bad.ini", "[server]\nport = 70000\n")
        r = run_guad(["-T", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr.strip(), '%s:2: [server] port: must be a '
                         'number from 0 to 65535, not "70000"' % path)

    def test_a_value_gua_ini_cannot_hold_is_refused(self):
        # a relative root in a folder whose name holds " ;", which inih
        # would read back as the start of a comment
        folder = os.path.join(self.tmp, "a ;b")
        shutil.copytree(guadtest.WWW, os.path.join(folder, "www"))
        path = os.path.join(folder, "gua.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write("[server]\nroot = www\n[msg]\ndb = %s/m.db\n"
                    "[routes]\n/ = file index.html\n" % self.tmp)
        r = run_guad(["-t", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_guad(["-T", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("[server] root: the value", r.stderr)
        self.assertIn("cannot be written in gua.ini syntax", r.stderr)

    def test_help_names_T(self):
        r = run_guad(["-h"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"\n  -T +\S")


if __name__ == "__main__":
    unittest.main()
