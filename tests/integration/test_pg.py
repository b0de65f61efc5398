#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The message board on PostgreSQL: a cluster of the test's own (initdb,
pg_ctl, one for the whole module), two guad masters on one database, an
outage in the middle of a POST flood, a wrong password, a missing
database, a connection dropped in mid-statement, guad -t, and the store's
own unit test (check_store_pg) driven against the same cluster."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse
import uuid

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
import pgcluster  # noqa: E402
from guadtest import (BadResponse, Connection, ConnectionClosed,  # noqa: E402
                      Server, get, request, wait_for)

FORM = "application/x-www-form-urlencoded"


def header_ms(name):
    """A millisecond constant of src/store_pg.h, in seconds."""
    with open(os.path.join(guadtest.SRCDIR, "src", "store_pg.h")) as f:
        m = re.search(r"^#define %s\s+(\d+)$" % name, f.read(), re.M)
    return int(m.group(1)) / 1000


# after a failure a worker connects again at most this long after its
# last try (store_pg.h)
BACKOFF_MAX = header_ms("STORE_PG_BACKOFF_MAX_MS")
# the outage's end: pages in a row that say the board is back, and the
# pause between them
STREAK = 4
POLL = 0.1
cluster = None


def setUpModule():
    global cluster
    cluster = pgcluster.for_module()


def unique(prefix="m"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def post_raw(text, close=True):
    body = urllib.parse.urlencode({"message": text}).encode("ascii")
    head = ("POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n%s\r\n"
            % (FORM, len(body), "Connection: close\r\n" if close else ""))
    return head.encode("latin-1") + body


def post(port, text):
    return request(port, post_raw(text))


def rows(like):
    """The stored texts that start with like."""
    out = cluster.psql("SELECT text FROM message WHERE text LIKE '%s%%'"
                       % like)
    return out.split("\n") if out else []


def pg_server(uri=None, **kw):
    return Server(sections={"msg": {"db": uri or cluster.uri()}}, **kw)


def no_password(test, server, password=pgcluster.PASSWORD):
    for text in (server.log(), server.access_log()):
        test.assertNotIn(password, text, "a password in guad's log")


class Poster(threading.Thread):
    """Posts count messages over keep-alive connections, to each of ports
    in turn; records what was acknowledged (303) and what was not."""

    def __init__(self, ports, prefix, count, stop=None):
        super().__init__(daemon=True)
        self.ports = ports
        self.prefix = prefix
        self.count = count
        self.stop = stop
        self.acked = []
        self.statuses = {}
        self.failed = []
        self.error = None

    def run(self):
        conns = {}
        try:
            for i in range(self.count):
                if self.stop is not None and self.stop.is_set():
                    break
                port = self.ports[i % len(self.ports)]
                text = "%s-%04d" % (self.prefix, i)
                try:
                    if port not in conns:
                        conns[port] = Connection(port, timeout=15)
                    conns[port].send(post_raw(text, close=False))
                    r = conns[port].read_response()
                except (OSError, ConnectionClosed, BadResponse) as e:
                    # what the server can cause; an error of the client
                    # itself ends the thread (self.error)
                    self.failed.append((text, repr(e)))
                    conns.pop(port).close()
                    continue
                self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
                if r.status == 303:
                    self.acked.append((port, text))
                elif r.headers.get("connection", "").lower() == "close":
                    conns.pop(port).close()
        except BaseException as e:  # noqa: B902 -- reported by the test
            self.error = e
        finally:
            for c in conns.values():
                c.close()


class StaticProber(threading.Thread):
    """GETs the static files in turn, each on a new connection and never
    again on failure, until stop is set; every answer is kept."""

    PATHS = ("/", "/doge.gif", "/static/style.css")

    def __init__(self, port, stop):
        super().__init__(daemon=True)
        self.port = port
        self.stop = stop
        self.answers = []       # (path, status)
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                path = self.PATHS[len(self.answers) % len(self.PATHS)]
                self.answers.append((path, get(self.port, path).status))
        except Exception as e:  # noqa: BLE001 (reported by the test)
            self.error = "%s after %d answers" % (e, len(self.answers))


class StoreTest(unittest.TestCase):
    def test_the_store_on_its_own(self):
        """check_store_pg: add, list, notifications, two inserts in flight,
        nothing listening; built beside guad by make check."""
        binary = os.path.join(os.path.dirname(guadtest.GUAD), os.pardir,
                              "tests", "unit", "check_store_pg")
        if not os.path.exists(binary):
            subprocess.run(["make", "tests/unit/check_store_pg"],
                           cwd=os.path.join(os.path.dirname(guadtest.GUAD),
                                            os.pardir),
                           stdout=subprocess.DEVNULL, check=True)
        env = dict(os.environ, GUAD_TEST_PG=cluster.uri(),
                   GUAD_TEST_PG_DEAD="postgresql://guad:x@127.0.0.1:%d/guad"
                   % pgcluster.free_port())
        p = subprocess.run([binary], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("100%", p.stdout)


class CheckTest(unittest.TestCase):
    def ini(self, db):
        s = Server(sections={"msg": {"db": db}})
        self.addCleanup(s.cleanup)
        return s.ini

    def test_t_says_the_server_answered(self):
        r = guadtest.run_guad(["-t", "-c", self.ini(cluster.uri())])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"\[msg\] db: postgresql://guad@127\.0\.0"
                         r"\.1:\d+/guad: PostgreSQL 1\d\.\d+ answered")
        self.assertNotIn(pgcluster.PASSWORD, r.stderr)

    def test_t_says_nothing_answered_and_still_accepts(self):
        uri = cluster.uri().replace(":%d/" % cluster.port,
                                    ":%d/" % pgcluster.free_port())
        r = guadtest.run_guad(["-t", "-c", self.ini(uri)])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration ok", r.stderr)
        self.assertRegex(r.stderr, r"\[msg\] db: .*(refused|failed).*answers "
                         r"503 until it is reachable")
        self.assertNotIn(pgcluster.PASSWORD, r.stderr)

    def test_bad_uris_are_config_errors(self):
        cases = [
            ("postgresql://guad@db.example/guad", r"host db\.example is a "
             r"name"),
            ("postgresql://guad@127.0.0.1:99999/guad", r"port 99999: must "
             r"be 1\.\.65535"),
            ("postgres://guad@127.0.0.1/guad?nosuchoption=1",
             r"invalid URI query parameter"),
            ("postgresql://guad@10.0.0.1,10.0.0.2/guad", r"one host only"),
        ]
        for uri, want in cases:
            with self.subTest(uri=uri):
                r = guadtest.run_guad(["-t", "-c", self.ini(uri)])
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertRegex(r.stderr, r"gua\.ini:\d+: \[msg\] db: " + want)


class TwoHostsTest(unittest.TestCase):
    CLIENTS = 8
    POSTS = 500

    def test_two_masters_one_database(self):
        """8 clients x 500 POSTs spread over two masters: 4,000
        acknowledged, 4,000 rows, and each host's next page shows what
        was posted through the other."""
        tag = unique("two")
        with pg_server() as a, pg_server() as b:
            posters = [Poster([a.port, b.port][i % 2:] +
                              [a.port, b.port][:i % 2],
                              "%s-c%d" % (tag, i), self.POSTS)
                       for i in range(self.CLIENTS)]
            for p in posters:
                p.start()
            for p in posters:
                p.join(240)
            self.assertFalse([p for p in posters if p.is_alive()])
            for p in posters:
                self.assertIsNone(p.error, p.error)
                self.assertEqual(p.failed, [], p.failed[:3])
                self.assertEqual(p.statuses, {303: self.POSTS},
                                 "\n".join(a.log().splitlines()[-20:]))
            acked = {t for p in posters for _, t in p.acked}
            self.assertEqual(len(acked), self.CLIENTS * self.POSTS)
            stored = rows(tag)
            self.assertEqual(len(stored), self.CLIENTS * self.POSTS)
            self.assertEqual(set(stored), acked)
            for here, there in ((a, b), (b, a)):
                text = unique("through %d" % here.port)
                self.assertEqual(post(here.port, text).status, 303)
                page = get(there.port, "/msg")
                self.assertEqual(page.status, 200)
                self.assertIn(text, page.body.decode())
            no_password(self, a)
            no_password(self, b)

    def test_get_asks_nothing_when_nothing_changed(self):
        """GET /msg renders from its cache while no notification came:
        the server's statement log shows no SELECT for 50 pages."""
        with pg_server(workers=1) as s:
            self.assertEqual(get(s.port, "/msg").status, 200)
            before = cluster.server_log_all().count("FROM message ORDER BY")
            for _ in range(50):
                self.assertEqual(get(s.port, "/msg").status, 200)
            after = cluster.server_log_all().count("FROM message ORDER BY")
            self.assertEqual(after, before)
            # and one change: one list
            self.assertEqual(post(s.port, unique("one")).status, 303)
            self.assertEqual(get(s.port, "/msg").status, 200)
            self.assertEqual(
                cluster.server_log_all().count("FROM message ORDER BY"),
                after + 1)


class OutageTest(unittest.TestCase):
    def test_stop_immediate_in_a_post_flood(self):
        """pg_ctl stop -m immediate while 4 clients post: /msg answers 503
        with Retry-After, static files are served throughout, nothing
        acknowledged is lost, and /msg works again soon after the
        database is back, without touching guad."""
        tag = unique("outage")
        with pg_server(workers=2) as s:
            stop = threading.Event()
            posters = [Poster([s.port], "%s-c%d" % (tag, i), 100000, stop)
                       for i in range(4)]
            prober = StaticProber(s.port, stop)
            for p in posters + [prober]:
                p.start()
            acked = lambda: sum(len(p.acked) for p in posters)  # noqa: E731
            try:
                wait_for(lambda: acked() >= 200, 60)
                cluster.stop("immediate")
                down_from = len(prober.answers)
                # down: /msg 503 with Retry-After, static 200
                r = get(s.port, "/msg")
                self.assertEqual(r.status, 503, r)
                self.assertIn("retry-after", r.headers)
                for path in ("/", "/doge.gif", "/static/style.css"):
                    self.assertEqual(get(s.port, path).status, 200, path)
                down_acked = acked()
                # static files answered while the database was down
                wait_for(lambda: len(prober.answers) >= down_from + 6
                         or prober.error, 30,
                         message=lambda: "static answers while the database "
                         "is down\n" + s.log()[-3000:])
                self.assertIsNone(prober.error, "%s\n%s" % (
                    prober.error, s.log()[-3000:]))
                cluster.start()
                # back: each worker, driven by the posters' requests,
                # connects again at most BACKOFF_MAX after its last try,
                # so /msg answers STREAK pages in a row (polled POLL
                # apart) within BACKOFF_MAX + STREAK x POLL + TIMER_LATE
                # = 0.25 + 0.4 + 1.0 = 1.65 s of the database being back,
                # under the 2 s the board promises
                bound = BACKOFF_MAX + STREAK * POLL + guadtest.TIMER_LATE
                self.assertLessEqual(bound, 2.0)
                streak, polls = 0, 0
                deadline = time.monotonic() + bound
                while streak < STREAK and time.monotonic() < deadline:
                    polls += 1
                    streak = streak + 1 if get(s.port, "/msg").status == 200 \
                        else 0
                    if streak < STREAK:
                        time.sleep(POLL)
                self.assertEqual(streak, STREAK,
                                 "not back after %d polls\n%s"
                                 % (polls, s.log()[-3000:]))
                wait_for(lambda: acked() >= down_acked + 100, 60)
            finally:
                stop.set()
                for p in posters + [prober]:
                    p.join(30)
                # the module's later tests need the cluster up
                if cluster.pid is None:
                    cluster.start()
            # static files, before, during and after the outage: all 200
            self.assertIsNone(prober.error, prober.error)
            self.assertEqual([a for a in prober.answers if a[1] != 200], [])
            for p in posters:
                self.assertIsNone(p.error, p.error)
                # the outage is answered 503, never by a connection
                # closed or garbled under the client
                self.assertEqual(p.failed, [], p.failed[:3])
            stored = set(rows(tag))
            lost = [t for p in posters for _, t in p.acked if t not in stored]
            self.assertEqual(lost, [], "acknowledged but not stored")
            self.assertTrue(any(p.statuses.get(503) for p in posters),
                            "no POST answered 503 during the outage")
            for p in posters:
                self.assertEqual(set(p.statuses) - {303, 503}, set(),
                                 p.statuses)
            log = s.log()
            down = len(re.findall(r"answers 503 until it is back", log))
            # once per worker per outage at most, never once per request
            self.assertGreaterEqual(down, 1, log)
            self.assertLessEqual(down, 2, log)
            self.assertIn("connected again", log)
            no_password(self, s)


class SchemaTest(unittest.TestCase):
    def test_the_master_makes_the_schema_at_start_and_on_hup(self):
        """The master records the schema's version in guad_version at
        start; a database that lost it gets it again on the next HUP,
        and one written by a newer guad is named as such, not touched."""
        with pg_server(workers=1) as s:
            version = cluster.psql("SELECT max(version) FROM guad_version")
            self.assertRegex(version, r"^[1-9][0-9]*$")
            cluster.psql("DROP TABLE guad_version")
            mark = len(s.log())
            s.signal(signal.SIGHUP)
            wait_for(lambda: re.search(
                r"schema version %s created" % version, s.log()[mark:]), 10,
                message=lambda: "the schema made again on HUP:\n"
                + s.log()[mark:])
            self.assertEqual(
                cluster.psql("SELECT max(version) FROM guad_version"),
                version)
            self.assertEqual(post(s.port, unique("after-hup")).status, 303)
            newer = int(version) + 1
            cluster.psql("UPDATE guad_version SET version = %d" % newer)
            try:
                mark = len(s.log())
                s.signal(signal.SIGHUP)
                wait_for(lambda: re.search(
                    r"schema version %d is newer than this guad's %s"
                    % (newer, version), s.log()[mark:]), 10,
                    message=lambda: "the newer schema named on HUP:\n"
                    + s.log()[mark:])
                self.assertEqual(
                    cluster.psql("SELECT max(version) FROM guad_version"),
                    str(newer))
            finally:
                cluster.psql("UPDATE guad_version SET version = %s"
                             % version)
            no_password(self, s)


class FailureTest(unittest.TestCase):
    def assert_unavailable(self, s):
        for _ in range(3):
            r = get(s.port, "/msg")
            self.assertEqual(r.status, 503, r)
            self.assertIn("retry-after", r.headers)
            r = post(s.port, unique("refused"))
            self.assertEqual(r.status, 503, r)
        self.assertEqual(get(s.port, "/").status, 200)

    def test_wrong_password(self):
        wrong = "not-the-password"
        with pg_server(cluster.uri(password=wrong)) as s:
            self.assert_unavailable(s)
            log = s.log()
            self.assertIn('password authentication failed for user "guad"',
                          log)
            self.assertNotIn(wrong, log)
            self.assertEqual(len(s.workers()), 2)

    def test_missing_database(self):
        with pg_server(cluster.uri(db="nosuchdb")) as s:
            self.assert_unavailable(s)
            self.assertIn('database "nosuchdb" does not exist', s.log())
            self.assertEqual(len(s.workers()), 2)
            no_password(self, s)

    def test_connection_dropped_mid_statement(self):
        """A session holds the table locked, so a POST waits inside
        PostgreSQL; its connection is then terminated: the POST is
        answered 503, the worker lives, and the board comes back."""
        with pg_server(workers=1) as s:
            self.assertEqual(post(s.port, unique("before")).status, 303)
            locker = subprocess.Popen(
                [cluster.psql_path(), "-X", "-q", "-h", cluster.sock, "-p",
                 str(cluster.port), "-U", pgcluster.USER, "-d", pgcluster.DB],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, text=True,
                preexec_fn=cluster._demote)
            try:
                locker.stdin.write("BEGIN; LOCK TABLE message IN ACCESS "
                                   "EXCLUSIVE MODE;\n")
                locker.stdin.flush()
                wait_for(lambda: cluster.psql(
                    "SELECT count(*) FROM pg_locks WHERE mode = "
                    "'AccessExclusiveLock' AND granted AND relation = "
                    "'message'::regclass") == "1", 10)
                result = {}
                t = threading.Thread(target=lambda: result.setdefault(
                    "r", post(s.port, unique("dropped"))), daemon=True)
                t.start()
                wait_for(lambda: cluster.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE "
                    "application_name = 'guad' AND wait_event_type = "
                    "'Lock'") == "1", 10)
                self.assertEqual(cluster.psql(
                    "SELECT count(pg_terminate_backend(pid)) FROM "
                    "pg_stat_activity WHERE application_name = 'guad'"), "1")
                t.join(15)
                self.assertFalse(t.is_alive(), "the POST hung")
                self.assertEqual(result["r"].status, 503, result["r"])
            finally:
                locker.stdin.close()
                locker.wait(10)
            for polls in range(1, 21):
                if get(s.port, "/msg").status == 200:
                    break
                time.sleep(0.1)
            self.assertEqual(post(s.port, unique("after")).status, 303)
            self.assertRegex(s.log(), r"terminat")
            self.assertEqual(len(s.workers()), 1)
            no_password(self, s)


if __name__ == "__main__":
    unittest.main()
