#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Faults the server must survive (issue 8): workers killed at random
under mixed load, the master killed, and gua.ini replaced by garbage, an
empty file or nothing before a reload. Afterwards the server answers and
no acknowledged message is missing."""

import collections
import os
import random
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (Connection, LoadClient, Server, alive, get,  # noqa: E402
                      starttime, wait_for)

FORM = "application/x-www-form-urlencoded"


def post_raw(text):
    body = urllib.parse.urlencode({"message": text}).encode("ascii")
    return (b"POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (FORM.encode(), len(body), body))


def get_raw(path):
    return b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode()


def db_query(path, sql):
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def chaos_client(port, name, count, deadline, posting):
    """A client sending up to count requests over keep-alive connections
    until the deadline: posts of distinct messages NAME-0000, ... or GETs
    of the shipped pages."""
    rng = random.Random()

    def make(i):
        if posting:
            text = "%s-%04d" % (name, i)
            return text, post_raw(text)
        path = rng.choice(["/", "/doge.gif", "/msg"])
        return path, get_raw(path)
    client = LoadClient(port, make, count, deadline=deadline)
    client.posting = posting
    return client


def wrong_answers(client):
    """Answers that should never happen: a post is answered 303 (stored)
    or 503 (an honest "not stored": a busy bound passed); a GET has no
    excuse for anything but 200."""
    ok = (303, 503) if client.posting else (200,)
    return [(t, r.status) for t, r in client.answered if r.status not in ok]


class WorkerChaosTest(unittest.TestCase):
    WORKERS = 4
    SECONDS = 8
    POSTERS = 3
    GETTERS = 3
    PER_CLIENT = 3000

    def test_random_worker_kills_under_mixed_load_lose_nothing(self):
        with Server(workers=self.WORKERS) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            wait_for(lambda: len(s.workers()) == self.WORKERS, 5)
            deadline = time.monotonic() + self.SECONDS
            clients = [chaos_client(s.port, "p%d" % i, self.PER_CLIENT,
                                    deadline, True)
                       for i in range(self.POSTERS)]
            clients += [chaos_client(s.port, "g%d" % i, self.PER_CLIENT,
                                     deadline, False)
                        for i in range(self.GETTERS)]
            for c in clients:
                c.start()
            rng = random.Random()
            killed = []
            while time.monotonic() < deadline:
                time.sleep(rng.uniform(0.2, 0.3))
                kids = s.workers()
                if kids:
                    victim = rng.choice(kids)
                    try:
                        os.kill(victim, signal.SIGKILL)
                        killed.append(victim)
                    except ProcessLookupError:
                        pass
            for c in clients:
                c.join(30)
            self.assertFalse([c for c in clients if c.is_alive()],
                             "clients still running")
            for c in clients:
                self.assertIsNone(c.error, c.error)
                self.assertEqual(wrong_answers(c), [], wrong_answers(c)[:5])
            self.assertGreater(len(killed), 5, "too few workers killed")

            # every worker replaced, and the server answers
            wait_for(lambda: len(s.workers()) == self.WORKERS
                     and not set(s.workers()) & set(killed), 30,
                     interval=0.1,
                     message=lambda: "%d workers again, none of the killed; "
                     "have %s\n%s" % (self.WORKERS, s.workers(),
                                      s.log()[-3000:]))
            self.assertEqual(get(s.port, "/").status, 200)
            self.assertIsNone(s.proc.poll(), "master died")
            s.stop()

            acked = [t for c in clients if c.posting for t in c.tags(303)]
            sent = {t for c in clients if c.posting for t in c.sent}
            rows = [r[0] for r in db_query(db, "SELECT text FROM message")]
            counts = collections.Counter(rows)
            self.assertEqual([t for t, n in counts.items() if n > 1], [],
                             "messages stored twice")
            self.assertEqual(set(rows) - sent, set(), "unknown messages")
            lost = set(acked) - set(rows)
            self.assertEqual(sorted(lost)[:10], [],
                             "%d acknowledged messages lost" % len(lost))
            self.assertEqual(
                db_query(db, "PRAGMA integrity_check"), [("ok",)])
            self.assertGreater(len(acked), 0, "nothing was acknowledged")
            # A SIGKILLed worker loses the requests it held: each client
            # has at most one in flight, so a kill costs at most one
            # request per client, and only as a connection closed under it
            # (never a garbled answer, never a wait past the timeout).
            failures = [f for c in clients for f in c.failures]
            failed = len(failures)
            self.assertLessEqual(failed, len(clients) * len(killed),
                                 "more failed requests than in flight at "
                                 "the kills: %s" % failures[:5])
            self.assertEqual([f for f in failures if f.kind not in (
                guadtest.NO_RESPONSE, guadtest.TRUNCATED,
                guadtest.SEND_FAILED)], [])
            answers = sum((c.answers() for c in clients),
                          collections.Counter())
            sys.stderr.write(
                "\n  chaos: %d workers killed; %d answers %s; %d requests "
                "failed with their worker; %d messages acknowledged, %d "
                "stored\n" % (len(killed), sum(answers.values()),
                              dict(answers), failed, len(acked), len(rows)))


class MasterKillTest(unittest.TestCase):
    def test_workers_exit_when_the_master_is_killed(self):
        dbdir = tempfile.mkdtemp(prefix="guadtest-db-")
        self.addCleanup(shutil.rmtree, dbdir, True)
        db = os.path.join(dbdir, "msg.db")
        acked = []
        with Server({"msg": {"db": db}}, workers=3) as s:
            kids = wait_for(lambda: (lambda w: w if len(w) == 3 else None)(
                s.workers()), 5)
            starts = {k: starttime(k) for k in kids}
            for i in range(20):
                text = "before-master-kill-%02d" % i
                with Connection(s.port) as c:
                    c.send(post_raw(text))
                    if c.read_response().status == 303:
                        acked.append(text)
            self.assertEqual(len(acked), 20)
            os.kill(s.pid, signal.SIGKILL)
            s.proc.wait(5)
            # no orphans: each worker notices and goes by itself
            wait_for(lambda: not [k for k in kids if alive(k, starts[k])],
                     10, interval=0.05,
                     message=lambda: "workers %s to exit after the master"
                     % [k for k in kids if alive(k, starts[k])])
        with Server({"msg": {"db": db}}, workers=2) as s:
            self.assertEqual(get(s.port, "/").status, 200)
            with Connection(s.port) as c:
                c.send(post_raw("after-master-kill"))
                self.assertEqual(c.read_response().status, 303)
            page = get(s.port, "/msg")
            self.assertEqual(page.status, 200)
            for text in acked:
                self.assertIn(text, page.body.decode("utf-8"))
        rows = [r[0] for r in db_query(db, "SELECT text FROM message")]
        self.assertEqual(sorted(rows), sorted(acked + ["after-master-kill"]))
        self.assertEqual(db_query(db, "PRAGMA integrity_check"), [("ok",)])


class BrokenConfigTest(unittest.TestCase):
    def replace_ini(self, s, content):
        if content is None:
            os.unlink(s.ini)
            return
        # a new file renamed over the old one, as an editor would
        tmp = s.ini + ".new"
        with open(tmp, "wb") as f:
            f.write(content)
        os.rename(tmp, s.ini)

    def test_garbage_empty_or_missing_gua_ini_keeps_the_old_one(self):
        rng = random.Random(8)
        garbage = bytes(rng.randrange(256) for _ in range(4096))
        with Server(workers=2, own_root=True,
                    files={"extra.txt": b"extra\n"},
                    sections={"routes": {"/extra.txt": "file extra.txt"}}) \
                as s:
            before = s.workers()
            for name, content, says in (
                    ("random bytes", garbage, r"%s:\d+: " % re.escape(s.ini)),
                    ("an empty file", b"", r"no \[routes\]"),
                    ("no file", None, r"No such file")):
                with self.subTest(gua_ini=name):
                    self.replace_ini(s, content)
                    mark = len(s.log())
                    s.signal(signal.SIGHUP)
                    m = wait_for(lambda: re.search(
                        r"reload failed, keeping the running configuration: "
                        r"(.*)", s.log()[mark:]), 5,
                        message=lambda: "a failed reload in the log:\n%s"
                        % s.log()[mark:])
                    self.assertIn(s.ini, m.group(1))
                    self.assertRegex(m.group(1), says)
                    self.assertNotIn("reloaded", s.log()[mark:])
                    for path, status in (("/", 200), ("/doge.gif", 200),
                                         ("/extra.txt", 200), ("/msg", 200),
                                         ("/nothing-here", 404)):
                        self.assertEqual(get(s.port, path).status, status,
                                         path)
                    self.assertEqual(s.workers(), before)
                    self.assertIsNone(s.proc.poll(), "master died")


if __name__ == "__main__":
    unittest.main()
