#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The message board: the GET and POST ways, 303, content types, length and
UTF-8 checks, HTML escaping, order and page size, persistence across a
restart, concurrent posting over several workers (also while a worker is
killed) and an unusable database."""

import calendar
import collections
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (Connection, LoadClient, Server,  # noqa: E402
                       ServerTestCase, get, request, wait_for)

FORM = "application/x-www-form-urlencoded"

ITEM = re.compile(
    r'<li><time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)">'
    r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC</time> '
    r'<span class="text">(.*?)</span></li>', re.S)


def unique(prefix="m"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def form(text):
    return urllib.parse.urlencode({"message": text}).encode("ascii")


def post_raw(body, content_type=FORM, close=True):
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = "POST /msg HTTP/1.1\r\nHost: x\r\n"
    if content_type is not None:
        head += "Content-Type: %s\r\n" % content_type
    head += "Content-Length: %d\r\n" % len(body)
    if close:
        head += "Connection: close\r\n"
    return head.encode("latin-1") + b"\r\n" + body


def post(port, body, content_type=FORM):
    return request(port, post_raw(body, content_type))


def page_items(port):
    """[(datetime, shown time, escaped text)] of /msg, top to bottom."""
    r = get(port, "/msg")
    assert r.status == 200, r
    return ITEM.findall(r.body.decode("utf-8"))


def page_texts(port):
    return [t for _, _, t in page_items(port)]


def db_rows(path):
    con = sqlite3.connect(path, timeout=10)
    try:
        return [row[0] for row in con.execute("SELECT text FROM message")]
    finally:
        con.close()


def db_integrity(path):
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


class MsgTest(ServerTestCase):
    @classmethod
    def prepare(cls, server):
        cls.db = os.path.join(server.tmpdir, "msg.db")

    def assert_stored(self, text):
        self.assertIn(text, db_rows(self.db))
        self.assertIn(text, page_texts(self.port))

    def test_get_way_stores_and_renders_the_page(self):
        text = unique("get way")
        r = get(self.port, "/msg?" + form(text).decode())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type(), "text/html")
        texts = [t for _, _, t in ITEM.findall(r.body.decode("utf-8"))]
        self.assertEqual(texts[:1], [text], "new message first on the page")
        self.assertEqual(db_rows(self.db).count(text), 1)

    def test_post_way_answers_303_to_msg_and_stores(self):
        text = unique("post way")
        r = post(self.port, form(text))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.headers.get("location"), "/msg", r)
        self.assertEqual(db_rows(self.db).count(text), 1)
        self.assertEqual(page_texts(self.port)[:1], [text])

    def test_post_then_follow_location_on_the_same_connection(self):
        text = unique("follow")
        with Connection(self.port) as c:
            c.send(post_raw(form(text), close=False))
            r = c.read_response()
            self.assertEqual(r.status, 303, r)
            c.send("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                   % r.headers["location"])
            page = c.read_response()
        self.assertEqual(page.status, 200)
        self.assertIn(text, page.body.decode("utf-8"))

    def test_form_decoding(self):
        tag = unique("dec")
        cases = [
            ("plus is a space", "message=a+b+%s" % tag, "a b %s" % tag),
            ("percent UTF-8", "message=%%C3%%A9t%%C3%%A9+%%E2%%9C%%93+%s" % tag,
             "\u00e9t\u00e9 \u2713 %s" % tag),
            ("other fields", "a=1&message=among+others+%s&b=2" % tag,
             "among others %s" % tag),
            ("percent sign and ampersand", "message=100%%25+%%26+%s" % tag,
             "100% &amp; " + tag),
        ]
        for name, body, shown in cases:
            with self.subTest(case=name):
                r = post(self.port, body)
                self.assertEqual(r.status, 303, r)
                self.assertEqual(page_texts(self.port)[0], shown)

    def test_content_type_with_charset_parameter_is_accepted(self):
        text = unique("charset")
        r = post(self.port, form(text), FORM + "; charset=UTF-8")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(db_rows(self.db).count(text), 1)

    def test_other_content_types_are_415(self):
        for ctype in ("text/plain", "multipart/form-data; boundary=x",
                      "application/json", None):
            with self.subTest(content_type=ctype):
                text = unique("ctype")
                r = post(self.port, form(text), ctype)
                self.assertEqual(r.status, 415, r)
                self.assertEqual(r.content_type(), "text/html")
                self.assertNotIn(text, db_rows(self.db))

    def test_empty_or_invalid_messages_are_400(self):
        cases = {
            "empty": "message=",
            "no message field": "other=%s" % unique("nofield"),
            "invalid UTF-8 %FF": "message=%FF",
            "invalid UTF-8 among text": "message=ab%FFcd",
            "truncated UTF-8": "message=ab%C3",
            "overlong UTF-8": "message=%C0%AF",
            "UTF-16 surrogate": "message=%ED%A0%80",
        }
        before = len(db_rows(self.db))
        for name, body in cases.items():
            with self.subTest(case=name, way="POST"):
                r = post(self.port, body)
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.content_type(), "text/html")
            if name == "no message field":
                continue    # GET /msg?other=... just shows the page
            with self.subTest(case=name, way="GET"):
                r = get(self.port, "/msg?" + body)
                self.assertEqual(r.status, 400, r)
        self.assertEqual(len(db_rows(self.db)), before,
                         "a rejected message was stored")

    def test_html_is_escaped_on_the_page(self):
        tag = unique("esc")
        text = "<script>alert(1)</script> & %s" % tag
        self.assertEqual(post(self.port, form(text)).status, 303)
        body = get(self.port, "/msg").body.decode("utf-8")
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt; &amp; %s" % tag,
                      body)
        self.assertNotIn("<script>alert(1)", body)
        self.assertEqual(db_rows(self.db).count(text), 1,
                         "stored as typed, escaped only on output")

    def test_newest_first_with_utc_times(self):
        texts = [unique("order%d" % i) for i in range(4)]
        before = time.time()
        for t in texts:
            self.assertEqual(post(self.port, form(t)).status, 303)
        after = time.time()
        items = page_items(self.port)
        self.assertEqual([t for _, _, t in items[:4]], texts[::-1])
        for iso, shown, _ in items[:4]:
            self.assertEqual(iso.replace("T", " ").rstrip("Z"), shown)
            stamp = calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))
            self.assertTrue(guadtest.stamped_between(stamp, before, after),
                            "%s, posted between %s and %s"
                            % (iso, before, after))


class MsgLimitsTest(ServerTestCase):
    SERVER = {"sections": {"msg": {"max_length": "10", "page_size": "3"}}}

    @classmethod
    def prepare(cls, server):
        cls.db = os.path.join(server.tmpdir, "msg.db")

    def test_max_length_in_bytes(self):
        port = self.server.port
        cases = [("1234567890", 303), ("12345678901", 413),
                 ("\u00e9" * 5, 303), ("\u00e9" * 6, 413),
                 ("a" * 500, 413)]
        for text, status in cases:
            with self.subTest(text=text, way="POST"):
                r = post(port, form(text))
                self.assertEqual(r.status, status, r)
                if status == 413:
                    self.assertEqual(r.content_type(), "text/html")
                    self.assertNotIn(text, db_rows(self.db))
        r = get(port, "/msg?" + form("abcdefghijk").decode())
        self.assertEqual(r.status, 413, r)
        self.assertNotIn("abcdefghijk", db_rows(self.db))

    def test_page_size_shows_only_the_newest(self):
        port = self.server.port
        texts = ["ps%d-%s" % (i, uuid.uuid4().hex[:5]) for i in range(5)]
        for t in texts:
            self.assertEqual(post(port, form(t)).status, 303)
        self.assertEqual(page_texts(port), texts[:1:-1])
        for t in texts:
            self.assertEqual(db_rows(self.db).count(t), 1)


class LargestPageTest(unittest.TestCase):
    # Messages of quotes, each escaped to six times its length: a full
    # page of them is larger than 64 MiB.
    ROWS = 172
    LENGTH = 65536

    def test_a_page_of_the_longest_messages_renders_whole(self):
        with Server({"msg": {"max_length": str(self.LENGTH),
                             "page_size": str(self.ROWS)}},
                    workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            self.assertEqual(get(s.port, "/msg").status, 200)
            con = sqlite3.connect(db, isolation_level=None, timeout=10)
            try:
                con.execute("BEGIN")
                for i in range(self.ROWS):
                    con.execute("INSERT INTO message (created, text) "
                                "VALUES (?, ?)", (i, '"' * self.LENGTH))
                con.execute("COMMIT")
            finally:
                con.close()
            sock = socket.create_connection((guadtest.HOST, s.port),
                                            timeout=30)
            data = bytearray()
            try:
                sock.sendall(b"GET /msg HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\n\r\n")
                while True:
                    chunk = sock.recv(1 << 20)
                    if not chunk:
                        break
                    data += chunk
            finally:
                sock.close()
            head, _, body = bytes(data).partition(b"\r\n\r\n")
            self.assertRegex(head, rb"^HTTP/1\.1 200 ", head)
            self.assertGreater(len(body), 64 * 1024 * 1024)
            m = re.search(rb"(?i)\r\ncontent-length: (\d+)", head)
            self.assertEqual(int(m.group(1)), len(body))
            self.assertEqual(body.count(b"&quot;" * self.LENGTH + b"</span>"),
                             self.ROWS)


class PersistenceTest(unittest.TestCase):
    def test_restart_keeps_every_message(self):
        dbdir = tempfile.mkdtemp(prefix="guadtest-db-")
        self.addCleanup(shutil.rmtree, dbdir, True)
        db = os.path.join(dbdir, "msg.db")
        texts = [unique("keep%d" % i) for i in range(6)]
        with Server({"msg": {"db": db}}) as s:
            for t in texts[:5]:
                self.assertEqual(post(s.port, form(t)).status, 303)
            r = get(s.port, "/msg?" + form(texts[5]).decode())
            self.assertEqual(r.status, 200)
            self.assertEqual(page_texts(s.port)[:6], texts[::-1])
        with Server({"msg": {"db": db}}) as s:
            self.assertEqual(page_texts(s.port), texts[::-1])
            more = unique("after-restart")
            self.assertEqual(post(s.port, form(more)).status, 303)
            self.assertEqual(page_texts(s.port), [more] + texts[::-1])
        self.assertEqual(sorted(db_rows(db)), sorted(texts + [more]))
        con = sqlite3.connect(db)
        try:
            self.assertEqual(
                con.execute("PRAGMA journal_mode").fetchone()[0], "wal")
            self.assertEqual(
                con.execute("PRAGMA user_version").fetchone()[0], 1)
        finally:
            con.close()


class RenderCacheTest(unittest.TestCase):
    def test_a_row_written_by_another_process_shows_on_the_next_get(self):
        with Server(workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            first = unique("cached")
            self.assertEqual(post(s.port, form(first)).status, 303)
            # rendered, then served from the worker's cache
            self.assertEqual(page_texts(s.port)[:1], [first])
            self.assertEqual(page_texts(s.port)[:1], [first])
            text = unique("foreign")
            con = sqlite3.connect(db, isolation_level=None, timeout=10)
            try:
                con.execute("INSERT INTO message (created, text) "
                            "VALUES (?, ?)", (int(time.time()), text))
            finally:
                con.close()
            self.assertEqual(page_texts(s.port)[:2], [text, first])


# --------------------------------------------------------------------------
# concurrency


def poster(port, name, count, reconnect=False, stop=None):
    """A client posting count distinct messages NAME-0000, NAME-0001, ...
    over keep-alive connections; without reconnect it ends at its first
    failed request."""
    def make(i):
        text = "%s-%04d" % (name, i)
        return text, post_raw(form(text), close=False)
    return LoadClient(port, make, count, stop=stop,
                      stop_on_failure=not reconnect)


def not_303(client):
    """(text, response) of the posts a client got an answer other than
    303 for."""
    return [(t, r) for t, r in client.answered if r.status != 303]


class ConcurrencyTest(unittest.TestCase):
    CLIENTS = 8
    POSTS = 500
    WORKERS = 4
    # Only keeps the test bounded (a hang fails it): the posts take a few
    # seconds; speed is measured in bench/, never asserted here.
    BOUND = 60

    def test_concurrent_posts_are_all_stored_exactly_once(self):
        with Server(workers=self.WORKERS) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            wait_for(lambda: len(s.workers()) == self.WORKERS, 5)
            posters = [poster(s.port, "c%d" % i, self.POSTS)
                       for i in range(self.CLIENTS)]
            start = time.monotonic()
            for p in posters:
                p.start()
            for p in posters:
                p.join(max(1, self.BOUND - (time.monotonic() - start)))
            self.assertFalse([p for p in posters if p.is_alive()],
                             "posting took longer than %d s" % self.BOUND)
            for p in posters:
                self.assertIsNone(p.error, p.error)
                self.assertEqual(p.failures, [], p.failures[:3])
            bad = [b for p in posters for b in not_303(p)]
            s.stop()
            rows = db_rows(db)
            self.assertFalse(
                bad, "%d of %d POSTs not answered 303: %s; stored anyway: "
                "%d; error log warnings:\n%s" % (
                    len(bad), self.CLIENTS * self.POSTS,
                    ", ".join("%s -> %d after %.2f s" % (t, r.status,
                                                          r.seconds)
                              for t, r in bad[:5]),
                    len({t for t, _ in bad} & set(rows)),
                    "\n".join(l for l in s.log().splitlines()
                              if "[info]" not in l)[:2000]))
            for p in posters:
                self.assertEqual(len(p.tags(303)), self.POSTS)
            expected = {"c%d-%04d" % (i, j) for i in range(self.CLIENTS)
                        for j in range(self.POSTS)}
            self.assertEqual(len(rows), self.CLIENTS * self.POSTS)
            dups = [t for t, n in collections.Counter(rows).items() if n > 1]
            self.assertEqual(dups, [], "duplicated messages")
            self.assertEqual(set(rows), expected)
            self.assertEqual(db_integrity(db), "ok")

    def test_kill_9_of_a_worker_loses_no_acknowledged_message(self):
        with Server(workers=self.WORKERS) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            wait_for(lambda: len(s.workers()) == self.WORKERS, 5)
            stop = threading.Event()
            posters = [poster(s.port, "k%d" % i, 400, reconnect=True,
                              stop=stop) for i in range(self.CLIENTS)]
            start = time.monotonic()
            for p in posters:
                p.start()
            acked = lambda: sum(len(p.tags(303)) for p in posters)  # noqa: E731
            killed = []
            try:
                for threshold in (300, 900, 1500):
                    wait_for(lambda: acked() >= threshold, 30,
                             message=lambda: "%d acknowledged posts (have %d)"
                             % (threshold, acked()))
                    victims = [w for w in s.workers() if w not in killed]
                    self.assertTrue(victims, "no worker to kill")
                    victim = victims[len(killed) % len(victims)]
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
            finally:
                for p in posters:
                    p.join(max(1, self.BOUND - (time.monotonic() - start)))
                stop.set()
                for p in posters:
                    p.join(5)
            self.assertFalse([p for p in posters if p.is_alive()],
                             "posting took longer than %d s" % self.BOUND)
            # A 503 is an honest "not stored" (the concurrency test above
            # is where it counts as a failure); any other answer is wrong.
            refused = set()
            for p in posters:
                self.assertIsNone(p.error, p.error)
                bad = not_303(p)
                self.assertEqual([b for b in bad if b[1].status != 503], [],
                                 bad[:3])
                refused.update(b[0] for b in bad)
            wait_for(lambda: len(s.workers()) == self.WORKERS
                     and not set(s.workers()) & set(killed), 10,
                     message=lambda: "respawned workers; have %s, killed %s"
                     % (s.workers(), killed))
            # still serving after the kills
            self.assertEqual(post(s.port, form("after-kills")).status, 303)
            s.stop()

            rows = db_rows(db)
            counts = collections.Counter(rows)
            dups = [t for t, n in counts.items() if n > 1]
            self.assertEqual(dups, [], "duplicated messages")
            attempted = set().union(*(p.sent for p in posters))
            attempted.add("after-kills")
            strange = set(rows) - attempted
            self.assertEqual(strange, set(), "corrupted or unknown messages")
            acked_all = set().union(*(p.tags(303) for p in posters))
            lost = acked_all - set(rows)
            self.assertEqual(sorted(lost)[:10], [],
                             "%d acknowledged messages lost" % len(lost))
            self.assertEqual(sorted(refused & set(rows)), [],
                             "stored although answered 503")
            # A SIGKILLed worker loses the requests it held: each poster
            # has at most one in flight, so a kill costs at most one post
            # per poster, and only as a connection closed under it (never
            # a garbled answer, never a wait past the client's timeout).
            failed = [f for p in posters for f in p.failures]
            self.assertLessEqual(len(failed), self.CLIENTS * len(killed),
                                 "more failed posts than in flight at the "
                                 "kills: %s" % failed[:5])
            self.assertEqual([f for f in failed if f.kind not in (
                guadtest.NO_RESPONSE, guadtest.TRUNCATED,
                guadtest.SEND_FAILED)], [])
            self.assertEqual(db_integrity(db), "ok")
            self.assertGreaterEqual(len(acked_all), 1500)


# --------------------------------------------------------------------------
# a database another process holds locked


class BusyStoreTest(unittest.TestCase):
    """While another process holds the write lock, a message waits without
    holding up the worker: other connections are served, and the message
    is acknowledged once committed, or refused with 503 past the bound."""

    def lock(self, db):
        con = sqlite3.connect(db, isolation_level=None, timeout=10)
        self.addCleanup(con.close)
        con.execute("BEGIN IMMEDIATE")
        return con

    def send_parked(self, s, raw):
        """Send raw on a new connection and wait until the worker has read
        it (and so tried it: it reads and handles in one go)."""
        c = Connection(s.port, timeout=10)
        self.addCleanup(c.close)
        c.send(raw)
        client_port = c.sock.getsockname()[1]
        wait_for(lambda: guadtest.unread_bytes(s.port, client_port) == 0, 5,
                 message="the worker to read the request")
        return c

    def assert_no_response_yet(self, c):
        c.sock.setblocking(False)
        try:
            data = c.sock.recv(4096)
        except BlockingIOError:
            data = None
        finally:
            c.sock.setblocking(True)
        self.assertIsNone(data, "answered while the store was locked: %r"
                          % (data or b"(closed)")[:200])

    def test_other_connections_are_served_while_a_post_waits(self):
        with Server(workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            self.assertEqual(get(s.port, "/msg").status, 200)
            text = unique("waited")
            lock = self.lock(db)
            waiting = self.send_parked(s, post_raw(form(text)))
            # the one worker answers a new connection meanwhile
            self.assertEqual(get(s.port, "/").status, 200)
            r = get(s.port, "/msg")
            self.assertEqual(r.status, 200, r)
            self.assertNotIn(text, r.body.decode("utf-8"))
            self.assert_no_response_yet(waiting)
            self.assertEqual(db_rows(db).count(text), 0)
            lock.execute("ROLLBACK")
            r = waiting.read_response()
            self.assertEqual(r.status, 303, r)
            self.assertEqual(r.headers.get("location"), "/msg")
            self.assertEqual(db_rows(db).count(text), 1)
            self.assertEqual(page_texts(s.port)[:1], [text])

    def test_get_way_waits_too(self):
        with Server(workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            self.assertEqual(get(s.port, "/msg").status, 200)
            text = unique("get waited")
            lock = self.lock(db)
            waiting = self.send_parked(
                s, "GET /msg?%s HTTP/1.1\r\nHost: x\r\nConnection: close"
                "\r\n\r\n" % form(text).decode())
            self.assertEqual(get(s.port, "/doge.gif").status, 200)
            self.assert_no_response_yet(waiting)
            lock.execute("COMMIT")
            r = waiting.read_response()
            self.assertEqual(r.status, 200, r)
            self.assertIn(text, r.body.decode("utf-8"))
            self.assertEqual(db_rows(db).count(text), 1)

    def test_pipelined_answers_before_a_waiting_post_go_out_first(self):
        with Server(workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            self.assertEqual(get(s.port, "/msg").status, 200)
            text = unique("pipelined")
            lock = self.lock(db)
            c = self.send_parked(
                s, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                + post_raw(form(text), close=False)
                + b"GET /doge.gif HTTP/1.1\r\nHost: x\r\n"
                b"Connection: close\r\n\r\n")
            first = c.read_response()
            self.assertEqual(first.status, 200, first)
            self.assert_no_response_yet(c)
            lock.execute("ROLLBACK")
            r = c.read_response()
            self.assertEqual(r.status, 303, r)
            last = c.read_response()
            self.assertEqual(last.status, 200, last)
            self.assertEqual(last.content_type(), "image/gif")
            self.assertEqual(db_rows(db).count(text), 1)

    def test_chunked_post_waits_with_its_decoded_body(self):
        with Server(workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            self.assertEqual(get(s.port, "/msg").status, 200)
            text = unique("chunked")
            body = form(text)
            half = len(body) // 2
            chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p)
                               for p in (body[:half], body[half:])) + \
                b"0\r\n\r\n"
            lock = self.lock(db)
            c = self.send_parked(
                s, b"POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n%s"
                % (FORM.encode(), chunked))
            self.assertEqual(get(s.port, "/").status, 200)
            self.assert_no_response_yet(c)
            lock.execute("ROLLBACK")
            r = c.read_response()
            self.assertEqual(r.status, 303, r)
            self.assertEqual(db_rows(db).count(text), 1)

    def test_lock_held_past_busy_timeout_gives_503_with_retry_after(self):
        with Server({"msg": {"busy_timeout": "300"}}, workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            self.assertEqual(get(s.port, "/msg").status, 200)
            text = unique("refused")
            lock = self.lock(db)
            waiting = self.send_parked(s, post_raw(form(text)))
            self.assertEqual(get(s.port, "/").status, 200)
            r = waiting.read_response()
            self.assertEqual(r.status, 503, r)
            self.assertRegex(r.headers.get("retry-after", ""), r"^[1-9]\d*$",
                             r)
            self.assertEqual(r.content_type(), "text/html")
            lock.execute("ROLLBACK")
            self.assertEqual(db_rows(db).count(text), 0)
            self.assertRegex(s.log(), r"\[warn\].*POST /msg.*busy")
            # the store is usable again at once
            again = unique("after")
            self.assertEqual(post(s.port, form(again)).status, 303)
            self.assertEqual(db_rows(db).count(again), 1)

    def test_busy_timeout_0_refuses_at_once(self):
        with Server({"msg": {"busy_timeout": "0"}}, workers=1) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            self.assertEqual(get(s.port, "/msg").status, 200)
            lock = self.lock(db)
            r = post(s.port, form("not now"))
            self.assertEqual(r.status, 503, r)
            self.assertIn("retry-after", r.headers)
            lock.execute("ROLLBACK")
            self.assertEqual(db_rows(db).count("not now"), 0)


# --------------------------------------------------------------------------
# unusable database


class UnusableDbTest(unittest.TestCase):
    def check_503(self, s, db):
        r = get(s.port, "/msg")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.content_type(), "text/html")
        self.assertIn(b"503", r.body)
        r = post(s.port, form("into the void"))
        self.assertEqual(r.status, 503, r)
        r = get(s.port, "/msg?" + form("void via get").decode())
        self.assertEqual(r.status, 503, r)
        r = get(s.port, "/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(get(s.port, "/doge.gif").status, 200)
        wait_for(lambda: re.search(r"\[(warn|error)\].*%s" % re.escape(db),
                                   s.log()), 5,
                 message=lambda: "a warning naming %s in the log:\n%s"
                 % (db, s.log()))
        self.assertIsNone(s.proc.poll(), "guad exited")

    def make_db(self):
        """A database guad created, holding one message; its path."""
        base = tempfile.mkdtemp(prefix="guadtest-db-")
        self.addCleanup(shutil.rmtree, base, True)
        db = os.path.join(base, "msg.db")
        with Server({"msg": {"db": db}}, workers=1) as s:
            self.assertEqual(post(s.port, form("before")).status, 303)
        return db

    def read_only_server(self, target, db):
        """A Server whose view of target (the database file or its
        folder) is a read-only bind mount in its own mount namespace."""
        if os.geteuid() != 0:
            self.skipTest("needs root for a read-only bind mount")
        if not shutil.which("unshare") or subprocess.run(
                ["unshare", "-m", "true"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("cannot make a mount namespace (unshare -m)")
        script = ('mount --bind "$GUADTEST_RO" "$GUADTEST_RO" && '
                  'mount -o remount,bind,ro "$GUADTEST_RO" && '
                  'exec "$0" "$@"')
        return Server({"msg": {"db": db}}, workers=1,
                      wrapper=["unshare", "-m", "sh", "-c", script],
                      env={"GUADTEST_RO": target})

    def test_read_only_database_file_gives_503(self):
        # SQLite would fall back to reading a file it cannot write: the
        # page would show while every post failed.
        db = self.make_db()
        with self.read_only_server(db, db) as s:
            self.check_503(s, db)
            self.assertRegex(s.log(), r"%s: opened read-only" % re.escape(db))
            self.assertEqual(len(s.workers()), 1)
        self.assertEqual(db_rows(db), ["before"])

    def test_read_only_database_folder_gives_503(self):
        db = self.make_db()
        with self.read_only_server(os.path.dirname(db), db) as s:
            self.check_503(s, db)
        self.assertEqual(db_rows(db), ["before"])

    def test_disk_full_gives_503_and_loses_nothing_acknowledged(self):
        limit = 512 * 1024

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        with Server({"msg": {"max_length": "65536"}}, workers=2,
                    preexec_fn=small_files) as s:
            db = os.path.join(s.tmpdir, "msg.db")
            before = s.workers()
            acked, refused = [], []
            for i in range(40):
                text = "full%02d-" % i + "x" * 60000
                r = post(s.port, form(text))
                self.assertIn(r.status, (303, 503), r)
                (acked if r.status == 303 else refused).append(text)
                if len(refused) >= 3:
                    break
            self.assertTrue(acked, "nothing could be stored at all")
            self.assertEqual(len(refused), 3,
                             "a %d-byte file limit never filled the store"
                             % limit)
            self.assertEqual(get(s.port, "/").status, 200)
            self.assertEqual(get(s.port, "/doge.gif").status, 200)
            r = get(s.port, "/msg")
            self.assertEqual(r.status, 200, r)
            self.assertIn(acked[-1][:20], r.body.decode("utf-8"))
            self.assertEqual(s.workers(), before, "a worker died")
            self.assertRegex(s.log(), r"\[warn\].*message store: insert")
            s.stop()
            rows = db_rows(db)
            self.assertEqual(sorted(set(rows) & set(acked)), sorted(acked),
                             "acknowledged messages lost")
            self.assertEqual(set(rows) & set(refused), set(),
                             "stored although answered 503")
            self.assertEqual(db_integrity(db), "ok")

    def test_newer_schema_version_refuses_to_start_naming_the_file(self):
        """A newer guad's database is never served (test_newer_schema has
        the reload and guad -t): no start, and the file is untouched."""
        base = tempfile.mkdtemp(prefix="guadtest-db-")
        self.addCleanup(shutil.rmtree, base, True)
        db = os.path.join(base, "msg.db")
        con = sqlite3.connect(db, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, "
                        "created INTEGER NOT NULL, text TEXT NOT NULL, "
                        "author TEXT)")
            con.execute("INSERT INTO message (created, text, author) "
                        "VALUES (0, 'from the future', 'x')")
            con.execute("PRAGMA user_version=2")
        finally:
            con.close()
        s = Server({"msg": {"db": db}})
        self.addCleanup(s.cleanup)
        with self.assertRaisesRegex(AssertionError, "exited with status 1"):
            s.start()
        self.assertEqual(s.proc.wait(), 1)
        self.assertRegex(s.log(), r"%s: schema version 2 is newer"
                         % re.escape(db))
        con = sqlite3.connect(db)
        try:
            self.assertEqual(
                con.execute("PRAGMA user_version").fetchone()[0], 2,
                "a newer database was downgraded")
        finally:
            con.close()
        self.assertEqual(db_rows(db), ["from the future"])

    def test_missing_database_directory_gives_503(self):
        db = "/nonexistent-dir/x/msg.db"
        self.assertFalse(os.path.exists("/nonexistent-dir"))
        with Server({"msg": {"db": db}}) as s:
            self.check_503(s, db)
            self.assertRegex(s.log(), r"(?i)unable to open|no such|cannot")

    def parent_is_a_regular_file(self, sandbox):
        base = tempfile.mkdtemp(prefix="guadtest-db-")
        self.addCleanup(shutil.rmtree, base, True)
        parent = os.path.join(base, "plainfile")
        with open(parent, "w") as f:
            f.write("not a directory\n")
        db = os.path.join(base, "plainfile", "msg.db")
        with Server({"msg": {"db": db}, "server": {"sandbox": sandbox}}) as s:
            self.check_503(s, db)
            # The board comes back once the path is usable (by the
            # workers' user, the way guad itself would have prepared it).
            os.unlink(parent)
            os.mkdir(parent)
            if guadtest.WORKER_USER:
                pw = pwd.getpwnam(guadtest.WORKER_USER)
                os.chmod(base, 0o755)
                os.chown(parent, pw.pw_uid, pw.pw_gid)
            if sandbox == "on":
                # Landlock rules name folders that exist when a worker
                # starts: this one is reached by the next generation.
                s.signal(signal.SIGHUP)

            def board_ok():
                r = get(s.port, "/msg")
                return r if r.status == 200 else None
            wait_for(board_ok, 10, interval=0.2,
                     message=lambda: "/msg 200 after the directory appeared"
                     "\n%s" % s.log())
            text = unique("recovered")
            self.assertEqual(post(s.port, form(text)).status, 303)
            self.assertIn(text, db_rows(db))

    def test_parent_is_a_regular_file_gives_503_then_recovers(self):
        self.parent_is_a_regular_file(sandbox="off")

    def test_parent_is_a_regular_file_gives_503_then_a_reload_recovers(self):
        self.parent_is_a_regular_file(sandbox="on")


if __name__ == "__main__":
    unittest.main()
