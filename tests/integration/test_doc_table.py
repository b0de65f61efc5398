#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""tests/documented.tsv names, for every key of gua.ini(5) and every
signal of guad(8), the test that exercises it: every documented key and
signal is in it, and every test it names exists."""

import os
import re
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
SRCDIR = os.environ.get("SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
TABLE = os.path.join(SRCDIR, "tests", "documented.tsv")
TESTS = os.path.join(SRCDIR, "tests", "integration")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def documented_keys():
    """"section key" for each .TP entry of gua.ini(5)'s SECTIONS, and
    "mime *" / "errors *" for the sections whose keys are free."""
    out = set()
    section = None
    lines = read(os.path.join(SRCDIR, "man", "gua.ini.5.in")).split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"\.SS \[(\w+)\]", line)
        if m:
            section = m.group(1)
            if section in ("mime", "errors"):
                out.add(section + " *")
            continue
        if line.startswith(".SH"):
            section = None
        if line == ".TP" and section and i + 1 < len(lines):
            m = re.match(r"\.BI? +\"?([\w=]+)", lines[i + 1])
            if m:
                out.add("%s %s" % (section, m.group(1)))
    return out


def documented_signals():
    text = read(os.path.join(SRCDIR, "man", "guad.8.in"))
    part = text.split(".SH SIGNALS", 1)[1].split("\n.SH ", 1)[0]
    return {"signal " + s for s in re.findall(r"\bSIG[A-Z0-9]+\b", part)
            if s != "SIGKILL"}


def table():
    rows = {}
    for n, line in enumerate(read(TABLE).split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise AssertionError("%s:%d: want 3 tab-separated fields"
                                 % (TABLE, n))
        rows.setdefault(fields[0], []).append((n, fields[1], fields[2]))
    return rows


class DocTableTest(unittest.TestCase):
    def test_the_man_pages_have_keys_and_signals(self):
        # guards the parsing below: a change of markup must not empty it
        self.assertGreater(len(documented_keys()), 40)
        self.assertIn("server sandbox", documented_keys())
        self.assertIn("signal SIGHUP", documented_signals())

    def test_every_documented_key_and_signal_has_a_test(self):
        missing = sorted((documented_keys() | documented_signals())
                         - set(table()))
        self.assertEqual(missing, [], "not in tests/documented.tsv")

    def test_every_row_names_a_documented_key_or_signal(self):
        extra = sorted(set(table()) - documented_keys()
                       - documented_signals())
        self.assertEqual(extra, [], "in tests/documented.tsv, not in man/")

    def test_every_named_test_exists(self):
        for rows in table().values():
            for n, name, test in rows:
                path = os.path.join(TESTS, name)
                self.assertTrue(os.path.isfile(path), "%s:%d: %s"
                                % (TABLE, n, name))
                cls, _, meth = test.partition(".")
                text = read(path)
                m = re.search(r"^class %s\b.*?(?=^\S|\Z)" % re.escape(cls),
                              text, re.M | re.S)
                self.assertIsNotNone(m, "%s:%d: no class %s in %s"
                                     % (TABLE, n, cls, name))
                self.assertTrue(re.search(r"\n    def %s\(self"
                                          % re.escape(meth), m.group(0)),
                                "%s:%d: no %s in %s"
                                % (TABLE, n, test, name))


if __name__ == "__main__":
    unittest.main()
