#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Confinement proven in the real worker, and the message store's upgrade.

Landlock: a worker that could not open its message store at start tries
again (once a second) while it serves.  The store's folder is made only
after guad started, so it is in no Landlock rule of the running workers:
with sandbox = on the kernel refuses the worker's open (the database file
is never created and /msg keeps answering 503); with sandbox = off the
same worker, as the same user, creates it and the board works.

Upgrade: a store written before the schema had a version (a message table,
PRAGMA user_version 0) is upgraded in place and its messages are served."""

import os
import pwd
import shutil
import sqlite3
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import Server, get, wait_for  # noqa: E402

ROOT = os.geteuid() == 0


def no_new_privs(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("NoNewPrivs:"):
                return int(line.split()[1])
    return None


class LateStoreFolder:
    """A message store whose folder does not exist when guad starts."""

    def __init__(self, test):
        self.base = tempfile.mkdtemp(prefix="guadtest-confine-")
        test.addCleanup(shutil.rmtree, self.base, True)
        os.chmod(self.base, 0o755)     # the workers' user walks through
        # two missing levels: the master (as root) makes only the last
        self.folder = os.path.join(self.base, "late", "store")
        self.db = os.path.join(self.folder, "msg.db")

    def make(self):
        os.makedirs(self.folder)
        os.chmod(os.path.dirname(self.folder), 0o755)
        if ROOT:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)

    def failures(self, s):
        """How many times a worker failed to open the store, as logged."""
        return s.log().count("message store: %s:" % self.db)


class LandlockTest(unittest.TestCase):
    def start(self, store, sandbox):
        return Server(workers=1, sections={
            "server": {"sandbox": sandbox}, "msg": {"db": store.db}})

    def test_a_folder_outside_the_rules_stays_refused(self):
        store = LateStoreFolder(self)
        with self.start(store, "on") as s:
            self.assertRegex(s.log(), r"sandbox: landlock ABI \d+")
            pid = wait_for(lambda: s.workers())[0]
            self.assertEqual(get(s.port, "/msg").status, 503)
            wait_for(lambda: store.failures(s) >= 1, message=s.log)
            self.assertEqual(no_new_privs(pid), 1)
            store.make()
            # the worker tries again at most once a second: two more
            # failed opens mean at least one came after the folder existed
            seen = store.failures(s)
            wait_for(lambda: get(s.port, "/msg").status != 503
                     or store.failures(s) >= seen + 2, 10,
                     interval=0.2, message=s.log)
            self.assertEqual(get(s.port, "/msg").status, 503, s.log())
            self.assertEqual(os.listdir(store.folder), [],
                             "the confined worker created files: "
                             + s.log())
            self.assertEqual(s.workers(), [pid])  # refused, not crashed
            self.assertEqual(get(s.port, "/").status, 200)

    def test_without_the_sandbox_the_same_folder_is_used(self):
        store = LateStoreFolder(self)
        with self.start(store, "off") as s:
            pid = wait_for(lambda: s.workers())[0]
            self.assertEqual(get(s.port, "/msg").status, 503)
            wait_for(lambda: store.failures(s) >= 1, message=s.log)
            self.assertEqual(no_new_privs(pid), 0)
            store.make()
            wait_for(lambda: get(s.port, "/msg").status == 200, 10,
                     interval=0.2, message=s.log)
            self.assertTrue(os.path.exists(store.db))
            self.assertEqual(s.workers(), [pid])


class UpgradeTest(unittest.TestCase):
    def test_unversioned_store_is_upgraded_and_served(self):
        base = tempfile.mkdtemp(prefix="guadtest-confine-")
        self.addCleanup(shutil.rmtree, base, True)
        os.chmod(base, 0o755)
        db = os.path.join(base, "msg.db")
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE message (id INTEGER PRIMARY KEY,"
                    " created INTEGER NOT NULL, text TEXT NOT NULL)")
        con.executemany("INSERT INTO message (created, text) VALUES (?, ?)",
                        [(1700000000, "written-before-versions"),
                         (1700000060, "second-old-message")])
        con.commit()
        self.assertEqual(con.execute("PRAGMA user_version").fetchone(), (0,))
        con.close()
        with Server(workers=1, sections={"msg": {"db": db}}) as s:
            r = get(s.port, "/msg")
            self.assertEqual(r.status, 200, s.log())
            self.assertIn(b"written-before-versions", r.body)
            self.assertIn(b"second-old-message", r.body)
            self.assertNotIn("message store", s.log())
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone(), (1,))
        self.assertEqual(con.execute("SELECT count(*) FROM message")
                         .fetchone(), (2,))
        con.close()


if __name__ == "__main__":
    unittest.main()
