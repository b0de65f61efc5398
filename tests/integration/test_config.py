#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Command line and configuration checking: -t, -V, -h, and config errors
reported as PATH:LINE: with the right line number."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import GUAD, run_guad  # noqa: E402

# A valid configuration; each {NAME} placeholder is replaced by a list of
# lines.  In a case, a line starting with '!' is the one the error must be
# reported on; '?' marks a line that is also acceptable (e.g. the header of
# an unknown section, or its first key).
TEMPLATE = """\
; guad integration test configuration
[server]
host = 127.0.0.1
{PORT}
{WORKERS}
root = {ROOT}
{SERVER}

[msg]
db = {DB}

[routes]
/ = file index.html
/doge.gif = file doge.gif
/msg = msg msg.html
{ROUTES}
{TAIL}
"""


def build(tmpdir, **parts):
    """Write gua.ini from TEMPLATE; return (path, expected_lines)."""
    fill = {"PORT": ["port = 0"], "WORKERS": ["workers = 1"], "SERVER": [],
            "ROUTES": [], "TAIL": []}
    fill.update(parts)
    text = TEMPLATE.replace("{ROOT}", guadtest.WWW).replace(
        "{DB}", os.path.join(tmpdir, "msg.db"))
    for name, lines in fill.items():
        text = text.replace("{%s}" % name, "\n".join(lines))
    out, expected = [], []
    for line in text.split("\n"):
        if line[:1] in ("!", "?"):
            expected.append(len(out) + 1)
            line = line[1:]
        out.append(line)
    path = os.path.join(tmpdir, "gua.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return path, expected


# name: (parts, text that must appear on the error line)
BROKEN = {
    "unknown_key": ({"SERVER": ["!frobnicate = 1"]}, "frobnicate"),
    "unknown_section": ({"TAIL": ["?[bogus]", "?colour = blue"]}, "bogus"),
    "port_not_a_number": ({"PORT": ["!port = abc"]}, "port"),
    "port_out_of_range": ({"PORT": ["!port = 70000"]}, "65535"),
    "port_negative": ({"PORT": ["!port = -1"]}, "port"),
    "workers_not_a_number": ({"WORKERS": ["!workers = lots"]}, "workers"),
    "limit_not_a_number": ({"TAIL": ["[limits]", "!connections = 12abc"]},
                           "connections"),
    "route_to_missing_file": ({"ROUTES": ["!/x = file no-such-file.html"]},
                              "/x"),
    "route_to_missing_template": ({"ROUTES": ["!/m = msg no-such.html"]},
                                  "/m"),
    "duplicate_route": ({"ROUTES": ["!/doge.gif = file index.html"]},
                        "/doge.gif"),
    "unknown_handler": ({"ROUTES": ["!/y = frobnicate index.html"]}, "/y"),
    "line_without_equals": ({"SERVER": ["!garbage without equals sign"]}, ""),
}


class ConfigCheckTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="guadtest-conf-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def assert_error_at(self, stderr, path, lines, mention):
        found = [n for n in lines
                 if re.search(r"(?m)^(?:guad: )?%s:%d: " % (re.escape(path), n),
                              stderr)]
        self.assertTrue(found, "expected '%s:LINE: ' with LINE in %s, stderr:\n%s"
                        % (path, lines, stderr))
        if mention:
            line = re.search(r"(?m)^.*%s:%d: .*$" % (re.escape(path), found[0]),
                             stderr).group(0)
            self.assertIn(mention, line)

    def test_shipped_config_checks_ok_from_another_directory(self):
        db = os.path.join(guadtest.CONF, "msg.db")
        db_existed = os.path.exists(db)
        r = run_guad(["-t", "-c", guadtest.SHIPPED_INI], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("%s: configuration ok" % guadtest.SHIPPED_INI, r.stderr)
        if not db_existed:
            self.assertFalse(os.path.exists(db),
                             "-t created %s in the source tree" % db)

    def test_shipped_config_checks_ok_with_relative_path(self):
        r = run_guad(["-t", "-c", os.path.join("conf", "gua.ini")],
                     cwd=guadtest.SRCDIR)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("conf/gua.ini: configuration ok", r.stderr)

    def test_generated_base_config_checks_ok(self):
        # The control for the broken cases below: the template itself is valid.
        path, _ = build(self.tmp)
        r = run_guad(["-t", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration ok", r.stderr)

    def test_broken_configs_are_rejected_with_file_and_line(self):
        for name, (parts, mention) in BROKEN.items():
            with self.subTest(case=name):
                path, lines = build(self.tmp, **parts)
                r = run_guad(["-t", "-c", path])
                self.assertEqual(r.returncode, 1,
                                 "status %d, stderr:\n%s" % (r.returncode,
                                                             r.stderr))
                self.assertNotIn("configuration ok", r.stderr)
                self.assert_error_at(r.stderr, path, lines, mention)

    def test_port_out_of_range_message_gives_the_range(self):
        path, lines = build(self.tmp, PORT=["!port = 70000"])
        r = run_guad(["-t", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:%d: [server] port: " % (path, lines[0]), r.stderr)
        # spec wording: "must be 0..65535"; any message naming the range will do
        self.assertRegex(r.stderr, r"\b0\b.*\b65535\b")

    def test_error_uses_the_path_as_given(self):
        _, lines = build(self.tmp, SERVER=["!frobnicate = 1"])
        r = run_guad(["-t", "-c", "gua.ini"], cwd=self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"(?m)^(?:guad: )?gua\.ini:%d: " % lines[0])

    def test_error_in_a_default_names_no_line(self):
        # No root key: the default document root is used, and when it is
        # missing no line of the file is to blame, so none is named.
        path = os.path.join(self.tmp, "gua.ini")
        with open(path, "w") as f:
            f.write("[server]\nport = 0\n[routes]\n"
                    "/ = file no-such-file.html\n")
        r = run_guad(["-t", "-c", path])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertNotIn("%s:0:" % path, r.stderr)
        self.assertRegex(r.stderr, r"%s(:4)?: \[(server\] root|routes\] /)"
                         % re.escape(path))

    def test_missing_config_file_fails(self):
        missing = os.path.join(self.tmp, "nope", "gua.ini")
        r = run_guad(["-t", "-c", missing])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(missing, r.stderr)

    def test_starting_with_broken_config_exits_quickly_with_message(self):
        for name in ("unknown_key", "port_out_of_range", "route_to_missing_file",
                     "line_without_equals"):
            parts, mention = BROKEN[name]
            with self.subTest(case=name):
                path, lines = build(self.tmp, **parts)
                proc = subprocess.Popen([GUAD, "-c", path],
                                        stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
                try:
                    out, err = proc.communicate(timeout=5)
                except subprocess.TimeoutExpired:
                    for pid in guadtest.workers(proc.pid) + [proc.pid]:
                        os.kill(pid, signal.SIGKILL)
                    proc.communicate(timeout=5)
                    self.fail("guad kept running with a broken config")
                err = err.decode("utf-8", "replace")
                self.assertEqual(proc.returncode, 1, err)
                self.assert_error_at(err, path, lines, mention)
                self.assertNotIn("ready:", err)
                self.assertNotIn("listening on", err)


class CommandLineTest(unittest.TestCase):
    def test_version_option_prints_version(self):
        r = run_guad(["-V"])
        self.assertEqual(r.returncode, 0, r.stderr)
        first = r.stdout.split("\n", 1)[0]
        self.assertRegex(first, r"^guad \d+\.\d+\S*$")
        ac = os.path.join(guadtest.SRCDIR, "configure.ac")
        if os.path.exists(ac):
            with open(ac) as f:
                m = re.search(r"AC_INIT\(\[?guad\]?,\s*\[?([^\],)]+)", f.read())
            if m:
                self.assertEqual(first, "guad " + m.group(1).strip())

    def test_help_option_prints_usage(self):
        r = run_guad(["-h"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?i)usage")
        for opt in ("-c", "-t", "-h", "-V"):
            self.assertIn(opt, r.stdout)

    def test_unknown_option_is_usage_error(self):
        r = run_guad(["-Z"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertTrue(r.stderr.strip())

    def test_binary_exists(self):
        self.assertTrue(os.access(GUAD, os.X_OK), GUAD)


if __name__ == "__main__":
    unittest.main()
