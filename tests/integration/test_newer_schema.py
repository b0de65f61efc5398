#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A message store written by a newer guad is never served, on either
backend: guad refuses to start with it (a clear error, exit status 1), a
HUP that finds it keeps the running configuration and workers and says
why, and guad -t says so and fails.  PostgreSQL's version is in the table
guad_version (a cluster of the module's own, tests/integration/
pgcluster.py), SQLite's in PRAGMA user_version."""

import os
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
import pgcluster  # noqa: E402
from guadtest import Server, get, wait_for  # noqa: E402

cluster = None


def setUpModule():
    global cluster
    cluster = pgcluster.for_module(createdb=False)


def newer_than(version):
    return r"schema version %d is newer than this guad's %d" % (
        version + 1, version)


class Backend:
    """The three cases, for one backend: db() is the [msg] db value,
    version() the store's version, set_version(n) marks it."""

    def test_start_is_refused(self):
        self.prepare_store()
        self.set_version(self.version() + 1)
        s = Server(workers=1, sections={"msg": {"db": self.db()}})
        self.addCleanup(s.cleanup)
        with self.assertRaisesRegex(AssertionError, "exited with status 1"):
            s.start()
        self.assertEqual(s.proc.wait(), 1)
        self.assertRegex(s.log(), r"\[msg\] db: .*%s.*; not starting"
                         % newer_than(self.version() - 1))
        self.assertEqual(s.workers(), [])

    def test_hup_keeps_the_running_configuration(self):
        with Server(workers=1, sections={"msg": {"db": self.db()}}) as s:
            self.assertEqual(get(s.port, "/msg").status, 200)
            before = s.workers()
            version = self.version()
            self.set_version(version + 1)
            mark = len(s.log())
            s.signal(signal.SIGHUP)
            wait_for(lambda: "reload failed" in s.log()[mark:],
                     message=lambda: s.log()[mark:])
            self.assertRegex(
                s.log()[mark:], r"reload failed, keeping the running "
                r"configuration: \[msg\] db: .*" + newer_than(version))
            # the old generation serves on: no new worker was started
            self.assertEqual(s.workers(), before)
            self.assertNotIn("reloaded:", s.log()[mark:])
            self.assertEqual(get(s.port, "/").status, 200)
            # and the store itself is untouched
            self.assertEqual(self.version(), version + 1)

    def test_check_says_so(self):
        self.prepare_store()
        ini = os.path.join(self.tmp, "gua.ini")
        with open(ini, "w") as f:
            f.write(guadtest.render_ini(self.sections()))
        r = guadtest.run_guad(["-t", "-c", ini])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.set_version(self.version() + 1)
        r = guadtest.run_guad(["-t", "-c", ini])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"guad: \[msg\] db: .*%s.*would not "
                         r"start" % newer_than(self.version() - 1))

    def sections(self):
        sections = guadtest.default_sections(self.tmp, 1)
        sections["msg"] = dict(sections.get("msg") or {}, db=self.db())
        return sections

    def prepare_store(self):
        """A store as guad makes it: one start and stop."""
        with Server(workers=1, sections={"msg": {"db": self.db()}}) as s:
            self.assertEqual(get(s.port, "/msg").status, 200, s.log())


class PostgreSQLTest(Backend, unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="guadtest-newer-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        # each test its own database, so one's mark never leaks into the
        # next
        self.name = "newer_%s" % self._testMethodName[5:20]
        cluster.createdb(self.name)

    def db(self):
        return cluster.uri(db=self.name)

    def version(self):
        return int(cluster.psql("SELECT max(version) FROM guad_version",
                                db=self.name))

    def set_version(self, n):
        cluster.psql("UPDATE guad_version SET version = %d" % n, db=self.name)


class SQLiteTest(Backend, unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="guadtest-newer-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.chmod(self.tmp, 0o777)   # the workers' user writes the store

    def db(self):
        return os.path.join(self.tmp, "msg.db")

    def version(self):
        con = sqlite3.connect(self.db())
        try:
            return con.execute("PRAGMA user_version").fetchone()[0]
        finally:
            con.close()

    def set_version(self, n):
        con = sqlite3.connect(self.db())
        try:
            con.execute("PRAGMA user_version = %d" % n)
            con.commit()
        finally:
            con.close()


if __name__ == "__main__":
    unittest.main()
