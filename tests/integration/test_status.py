#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The status and metrics routes: exact counts from the scoreboard, totals
that survive a killed worker, both generations during a reload, a strict
Prometheus parser and promtool, and [status] allow."""

import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Server, get, wait_for  # noqa: E402

ROUTES = {"/status": "status", "/metrics": "metrics"}
BIG = 64 * 1024 * 1024  # far more than the socket buffers hold


def server(workers=2, sections=None, **kw):
    sec = {"routes": dict(ROUTES)}
    for name, keys in (sections or {}).items():
        sec.setdefault(name, {}).update(keys)
    return Server(workers=workers, sections=sec, log_files=True, **kw)


def fetch(port, path, accept=None, source=None):
    """One request on its own connection (from source, an address to
    bind the client to); the Response."""
    sock = socket.socket()
    try:
        if source:
            sock.bind((source, 0))
        sock.settimeout(5)
        sock.connect((guadtest.HOST, port))
        extra = "Accept: %s\r\n" % accept if accept else ""
        sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%s"
                      "Connection: close\r\n\r\n" % (path, extra)).encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


class Counted:
    """Requests sent through it are counted, and before the scoreboard is
    read the test waits for the access log line of each: a worker writes
    that line only once it has counted the response."""

    def __init__(self, s):
        self.s = s
        self.sent = 0

    def wait(self):
        wait_for(lambda: len(self.s.access_lines()) >= self.sent, 5,
                 message=lambda: "%d access lines:\n%s"
                 % (self.sent, self.s.access_log()))

    def status(self):
        self.wait()
        st, h, body = fetch(self.s.port, "/status", "application/json")
        self.sent += 1
        if st != 200:
            raise AssertionError("/status: %d %r" % (st, body[:300]))
        if not h.get("content-type", "").startswith("application/json"):
            raise AssertionError(h)
        return json.loads(body)

    def metrics(self):
        self.wait()
        st, h, body = fetch(self.s.port, "/metrics")
        self.sent += 1
        if st != 200:
            raise AssertionError("/metrics: %d %r" % (st, body[:300]))
        return h, body.decode("utf-8")

    def raw(self, data):
        sock = socket.create_connection((guadtest.HOST, self.s.port))
        try:
            sock.settimeout(5)
            sock.sendall(data)
            out = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                out += chunk
        finally:
            sock.close()
        self.sent += 1
        return int(out.split(b" ", 2)[1])


LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:%s(?:,%s)*)?\})? '
                    r'(\S+)$' % (LABEL, LABEL))


def parse_metrics(text):
    """A strict reader of the text format 0.0.4 as guad writes it: every
    sample belongs to a family declared by HELP and TYPE just before it,
    no series twice, values are numbers, histograms have ascending le,
    cumulative buckets ending in +Inf equal to _count. Returns
    {family: (type, [(name, {labels}, value)])}."""
    families, seen, current = {}, set(), None
    if not text.endswith("\n"):
        raise AssertionError("no newline at the end")
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if name in families:
                raise AssertionError("family %s twice" % name)
            families[name] = [None, []]
            current = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            if name != current or families[name][0] is not None:
                raise AssertionError("TYPE out of place: %r" % line)
            if typ not in ("counter", "gauge", "histogram"):
                raise AssertionError(line)
            families[name][0] = typ
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError("not a sample: %r" % line)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        base = current
        typ = families[base][0] if base else None
        ok = name == base or (typ == "histogram" and name in (
            base + "_bucket", base + "_sum", base + "_count"))
        if not ok:
            raise AssertionError("%s outside its family (%s)" % (name, base))
        if typ == "counter" and not name.endswith("_total"):
            raise AssertionError("counter %s without _total" % name)
        if (name, labels) in seen:
            raise AssertionError("series twice: %s%s" % (name, labels))
        seen.add((name, labels))
        lab = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"', labels))
        v = float(value)
        if math.isnan(v) or (typ == "counter" and v < 0):
            raise AssertionError(line)
        families[base][1].append((name, lab, v))
    for name, (typ, samples) in families.items():
        if typ is None or not samples:
            raise AssertionError("family %s: no TYPE or no sample" % name)
        if typ == "histogram":
            buckets = [(s[1]["le"], s[2]) for s in samples
                       if s[0] == name + "_bucket"]
            if buckets[-1][0] != "+Inf":
                raise AssertionError("%s: last bucket not +Inf" % name)
            les = [float(le) for le, _ in buckets]
            if les != sorted(les) or len(set(les)) != len(les):
                raise AssertionError("%s: le not ascending" % name)
            counts = [c for _, c in buckets]
            if counts != sorted(counts):
                raise AssertionError("%s: buckets not cumulative: %s"
                                     % (name, counts))
            count = [s[2] for s in samples if s[0] == name + "_count"]
            if count != [counts[-1]]:
                raise AssertionError("%s: _count %s, +Inf %s"
                                     % (name, count, counts[-1]))
    return {k: (v[0], v[1]) for k, v in families.items()}


def by_class(fam):
    """{class digit: requests} from guad_http_requests_total."""
    out = {c: 0 for c in "12345"}
    for _, lab, v in fam[1]:
        out[lab["code"][0]] += int(v)
    return out


class ExactCountsTest(unittest.TestCase):
    def test_sums_by_class_are_exact_on_status_and_metrics(self):
        with server(workers=3) as s:
            c = Counted(s)

            def all_serving():
                st = c.status()
                return st if [w["state"] for w in st["workers"]] == \
                    ["serving"] * 3 else None
            # "ready" is the master's word: each worker starts on its own
            before = wait_for(all_serving, 10, message=lambda: s.log())
            want = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
            etag = get(s.port, "/").headers["etag"]
            c.sent += 1
            want["2xx"] += 1
            # many connections, so that the workers share them
            for i in range(24):
                self.assertEqual(get(s.port, "/?n=%d" % i).status, 200)
                c.sent += 1
            want["2xx"] += 24
            for i in range(9):
                self.assertEqual(get(s.port, "/missing-%d" % i).status, 404)
                c.sent += 1
            want["4xx"] += 9
            for i in range(5):
                r = get(s.port, "/", extra_headers="If-None-Match: %s\r\n"
                        % etag)
                self.assertEqual(r.status, 304)
                c.sent += 1
            want["3xx"] += 5
            for i in range(4):
                self.assertEqual(c.raw(b"GET / HTTP/1.1\r\n\r\n"), 400)
            want["4xx"] += 4
            want["2xx"] += 1  # the first /status itself
            after = c.status()
            for k, n in want.items():
                self.assertEqual(after["total"]["status"][k]
                                 - before["total"]["status"][k], n,
                                 (k, before["total"], after["total"]))
            self.assertEqual(after["total"]["requests"]
                             - before["total"]["requests"],
                             sum(want.values()))
            # the workers' rows add up to the totals: none has died
            for k in ("requests", "bytes"):
                self.assertEqual(sum(w[k] for w in after["workers"]),
                                 after["total"][k])
            self.assertEqual(len(after["workers"]), 3)
            self.assertEqual({w["state"] for w in after["workers"]},
                             {"serving"})
            # /metrics, read after that /status was counted
            _, text = c.metrics()
            fams = parse_metrics(text)
            classes = by_class(fams["guad_http_requests_total"])
            for k in want:
                self.assertEqual(classes[k[0]],
                                 after["total"]["status"][k] +
                                 (1 if k == "2xx" else 0), (k, classes))
            hist = fams["guad_http_request_duration_seconds"][1]
            count = [v for n, _, v in hist if n.endswith("_count")][0]
            self.assertEqual(count, sum(classes.values()))
            total = [v for _, _, v in
                     fams["guad_http_response_bytes_total"][1]][0]
            self.assertGreaterEqual(total, after["total"]["bytes"])
            workers = {lab["state"]: v for _, lab, v in
                       fams["guad_workers"][1]}
            self.assertEqual(workers["serving"], 3)
            self.assertEqual(
                fams["guad_build_info"][1][0][1]["version"],
                guadtest.version().split()[1])

    def test_metrics_pass_promtool(self):
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool (Debian package "
                             "prometheus, installed by tests/deps.sh)")
        with server() as s:
            c = Counted(s)
            get(s.port, "/")
            get(s.port, "/nothing-here")
            self.assertEqual(guadtest.request(
                s.port, b"POST /msg HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 10\r\nConnection: close\r\n\r\n"
                b"message=hi").status, 303)
            c.sent += 3
            h, text = c.metrics()
            ops = {(lab["op"], lab["result"]): v for _, lab, v in
                   parse_metrics(text)["guad_msg_store_operations_total"][1]}
            self.assertEqual(ops[("add", "ok")], 1)
            self.assertEqual(ops[("add", "error")], 0)
            self.assertEqual(h["content-type"],
                             "text/plain; version=0.0.4; charset=utf-8")
            p = subprocess.run([promtool, "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(p.stdout + p.stderr, "", text)
            parse_metrics(text)

    def test_the_strict_parser_can_fail(self):
        ok = ("# HELP a_seconds x\n# TYPE a_seconds histogram\n"
              'a_seconds_bucket{le="1"} 1\na_seconds_bucket{le="+Inf"} 2\n'
              "a_seconds_sum 3\na_seconds_count 2\n")
        parse_metrics(ok)
        for bad in (ok.replace('} 2\n', '} 0\n', 1),    # not cumulative
                    ok.replace("_count 2", "_count 3"),  # count != +Inf
                    ok.replace("# TYPE a_seconds histogram\n", ""),
                    ok + 'a_seconds_sum 3\n',            # twice
                    ok.replace("a_seconds_sum 3", "a_seconds_sum x")):
            with self.assertRaises((AssertionError, ValueError)):
                parse_metrics(bad)


class RestartTest(unittest.TestCase):
    def test_killed_worker_is_replaced_and_totals_hold(self):
        with server(workers=2) as s:
            c = Counted(s)
            for i in range(10):
                get(s.port, "/?k=%d" % i)
                c.sent += 1
            before = c.status()
            victim = max(before["workers"], key=lambda w: w["requests"])
            self.assertGreater(victim["requests"], 0)
            c.wait()  # the /status above is counted too
            os.kill(victim["pid"], signal.SIGKILL)
            wait_for(lambda: victim["pid"] not in s.workers()
                     and len(s.workers()) == 2, 10,
                     message=lambda: s.log())
            after = c.status()
            self.assertNotIn(victim["pid"],
                             [w["pid"] for w in after["workers"]])
            self.assertEqual(len(after["workers"]), 2)
            # exactly one more: the /status before; none lost, none twice
            self.assertEqual(after["total"]["requests"],
                             before["total"]["requests"] + 1)
            self.assertEqual(after["total"]["status"]["2xx"],
                             before["total"]["status"]["2xx"] + 1)
            self.assertGreaterEqual(after["total"]["bytes"],
                                    before["total"]["bytes"])
            self.assertEqual(after["restarts"]["crash"],
                             before["restarts"]["crash"] + 1)
            _, text = c.metrics()
            fams = parse_metrics(text)
            reasons = {lab["reason"]: v for _, lab, v in
                       fams["guad_worker_restarts_total"][1]}
            self.assertEqual(reasons["crash"], 1)


class ReloadTest(unittest.TestCase):
    def test_both_generations_during_a_reload(self):
        with server(workers=1, files={"big.bin": BIG},
                    sections={"routes": {"/big.bin": "file big.bin"},
                              "timeouts": {"shutdown": "60",
                                           "send": "60"}}) as s:
            c = Counted(s)
            first = c.status()
            self.assertEqual(first["generation"], 1)
            # a download the client does not read keeps an old worker
            slow = socket.socket()
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            slow.connect((guadtest.HOST, s.port))
            try:
                # (its log line waits for the end of the download)
                slow.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                wait_for(lambda: any(
                    (w["request"] or {}).get("path") == "/big.bin"
                    for w in c.status()["workers"]), 5)
                s.signal(signal.SIGHUP)

                def both():
                    st = c.status()
                    states = {(w["generation"], w["state"])
                              for w in st["workers"]}
                    return st if states == {(1, "draining"),
                                            (2, "serving")} else None
                # the old worker drains once it has the signal, the new
                # one serves once it has started
                now = wait_for(both, 10, message=lambda: s.log())
                gens = {w["generation"]: w for w in now["workers"]}
                self.assertEqual(now["generation"], 2)
                self.assertEqual(gens[1]["state"], "draining")
                self.assertEqual(gens[2]["state"], "serving")
                self.assertEqual(gens[1]["request"]["method"], "GET")
                self.assertEqual(gens[1]["request"]["path"], "/big.bin")
                self.assertGreaterEqual(gens[1]["request"]["ms"], 0)
                self.assertGreaterEqual(gens[1]["connections"]["writing"],
                                        1)
                self.assertEqual(now["reloads"]["ok"], 1)
                # the HTML page shows both rows and refreshes itself
                st, h, body = fetch(s.port, "/status")
                c.sent += 1
                self.assertEqual(st, 200)
                self.assertTrue(h["content-type"].startswith("text/html"))
                html = body.decode()
                self.assertRegex(html, r'<meta http-equiv="refresh" '
                                       r'content="\d+">')
                self.assertIn("draining", html)
                self.assertIn("GET /big.bin", html)
                self.assertEqual(html.count("<tr><td>"), 2)
            finally:
                slow.close()


class AllowTest(unittest.TestCase):
    def test_other_addresses_get_403(self):
        with server(workers=1) as s:
            for path in ("/status", "/metrics"):
                with self.subTest(path=path):
                    st, _, _ = fetch(s.port, path, source="127.0.0.2")
                    self.assertEqual(st, 403)
                    st, _, _ = fetch(s.port, path, source="127.0.0.1")
                    self.assertEqual(st, 200)

    def test_allow_is_read(self):
        with server(workers=1,
                    sections={"status": {"allow": "127.0.0.2/32"}}) as s:
            for path in ("/status", "/metrics"):
                with self.subTest(path=path):
                    st, _, _ = fetch(s.port, path, source="127.0.0.2")
                    self.assertEqual(st, 200)
                    st, _, _ = fetch(s.port, path, source="127.0.0.1")
                    self.assertEqual(st, 403)

    def test_bad_block_is_a_config_error(self):
        s = server(sections={"status": {"allow": "127.0.0.1 10.0.0.1/8"}})
        try:
            r = guadtest.run_guad(["-t", "-c", s.ini])
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stderr, r"gua\.ini:\d+: \[status\] allow: "
                             r'"10\.0\.0\.1/8" is not an address')
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
