#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench/pg.py: the message board on PostgreSQL next to SQLite.

    GUAD=build/src/guad python3 bench/pg.py

Starts a PostgreSQL cluster of its own (tests/integration/pgcluster.py,
fsync on, like SQLite's synchronous=FULL) and two guad masters, one
worker each: [msg] db a SQLite file, and [msg] db the cluster. Both
boards get the same 100 messages. Then, in ROUNDS interleaved rounds
(SQLite, PostgreSQL, SQLite, ...), with wrk on CONNS connections for
DURATION seconds each:
  - GET /msg: req/s and latency (nothing changes: the page cache);
  - POST /msg: acknowledged (303) POSTs per second, each a new message;
  - GET /msg latency while POST_CONNS connections post on the same worker.
Prints a Markdown section and puts it in bench/RESULTS.md, after the
line "<!-- bench/pg.py -->" (replacing what followed it, up to the next
benchmark's "<!-- bench/..." line), with the load average at start and
end: the machine may be shared.

Environment: GUAD, ROUNDS (3), DURATION (5), CONNS (64), POST_CONNS (8).
Needs wrk and Debian's postgresql (sh tests/deps.sh test; apt-get
install wrk).
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(HERE)
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(SRCDIR, "tests", "integration"))
os.environ.setdefault("SRCDIR", SRCDIR)
import guadtest  # noqa: E402
import pgcluster  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "5"))
CONNS = int(os.environ.get("CONNS", "64"))
POST_CONNS = int(os.environ.get("POST_CONNS", "8"))
MARK = "<!-- bench/pg.py -->"

POST_LUA = r"""
-- each wrk thread has its own Lua state: done() adds up theirs
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  n, acked, other = 0, 0, 0
  tag = tostring(os.time()) .. tostring(math.random(1e9))
end
function request()
  n = n + 1
  return wrk.format("POST", "/msg",
    {["Content-Type"] = "application/x-www-form-urlencoded"},
    "message=bench+" .. tag .. "+" .. n)
end
function response(status, headers, body)
  if status == 303 then acked = acked + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acked")
    o = o + t:get("other")
  end
  io.write(string.format("ACKED %d OTHER %d\n", a, o))
end
"""


def wrk(port, path, conns, secs, script=None):
    args = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % secs, "--latency"]
    if script:
        args += ["-s", script]
    args.append("http://127.0.0.1:%d%s" % (port, path))
    if shutil.which("taskset"):
        args = ["taskset", "-c", "1"] + args
    out = subprocess.run(args, stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)
                        .group(1))}
    for q in ("50", "99"):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % q, out)
        if m:
            v = float(m.group(1))
            res["p" + q] = v / 1000 if m.group(2) == "us" else (
                v * 1000 if m.group(2) == "s" else v)
    m = re.search(r"ACKED (\d+) OTHER (\d+)", out)
    if m:
        res["acked"] = int(m.group(1)) / secs
        res["other"] = int(m.group(2))
    return res


def server(db):
    s = guadtest.Server(sections={"msg": {"db": db}}, workers=1)
    s.start()
    if shutil.which("taskset"):
        for pid in [s.pid] + s.workers():
            subprocess.run(["taskset", "-pc", "0", str(pid)],
                           stdout=subprocess.DEVNULL)
    for i in range(100):
        r = guadtest.request(s.port, (
            "POST /msg HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
            "x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: "
            "close\r\n\r\nmessage=seed+%03d" % (len("message=seed+000"), i)
        ).encode())
        assert r.status == 303, r
    return s


def flood_and_get(port, lua):
    """GET latency while POST_CONNS connections post."""
    post = subprocess.Popen(
        ["wrk", "-t1", "-c%d" % POST_CONNS, "-d%ds" % (DURATION + 1),
         "-s", lua, "http://127.0.0.1:%d/msg" % port],
        stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    res = wrk(port, "/msg", 8, DURATION)
    out = post.communicate()[0]
    m = re.search(r"ACKED (\d+)", out)
    res["acked"] = int(m.group(1)) / (DURATION + 1) if m else 0
    return res


def med(rs, key):
    vs = [r[key] for r in rs if key in r]
    return statistics.median(vs) if vs else float("nan")


def main():
    cluster = pgcluster.Cluster(durable=True)
    tmp = tempfile.mkdtemp(prefix="guadbench-")
    lua = os.path.join(tmp, "post.lua")
    with open(lua, "w") as f:
        f.write(POST_LUA)
    servers = {}
    load_start = os.getloadavg()
    try:
        cluster.start()
        cluster.createdb()
        servers["SQLite"] = server(os.path.join(tmp, "msg.db"))
        servers["PostgreSQL"] = server(cluster.uri())
        res = {k: {"get": [], "post": [], "mixed": []} for k in servers}
        for rnd in range(ROUNDS):
            for name, s in servers.items():
                res[name]["get"].append(wrk(s.port, "/msg", CONNS, DURATION))
            for name, s in servers.items():
                res[name]["post"].append(
                    wrk(s.port, "/msg", POST_CONNS, DURATION, lua))
            for name, s in servers.items():
                res[name]["mixed"].append(flood_and_get(s.port, lua))
            print("round %d done" % (rnd + 1), file=sys.stderr)
    finally:
        for s in servers.values():
            s.cleanup()
        cluster.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    sq, pg = res["SQLite"], res["PostgreSQL"]
    lines = [
        MARK,
        "## The message board on PostgreSQL",
        "",
        "Produced by `python3 bench/pg.py`: one guad worker per backend "
        "(server on CPU 0, wrk on CPU 1), PostgreSQL %s on the same "
        "machine (its own cluster, fsync on), SQLite in WAL mode with "
        "synchronous=FULL; %d interleaved rounds of %d s, medians." % (
            cluster_version(), ROUNDS, DURATION),
        "",
        "- Date: %s; guad at commit %s" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), commit()),
        "- Load average (1/5/15 min) at start: %.2f %.2f %.2f; at end: "
        "%.2f %.2f %.2f" % (load_start + os.getloadavg()),
        "",
        "| measure | SQLite | PostgreSQL | PostgreSQL / SQLite |",
        "|---|---|---|---|",
    ]

    def row(label, key, which, fmt):
        a, b = med(sq[which], key), med(pg[which], key)
        lines.append("| %s | %s | %s | %.2f |" % (
            label, fmt % a, fmt % b, b / a if a else float("nan")))

    row("GET /msg, %d connections, nothing changing: req/s" % CONNS,
        "rps", "get", "%.0f")
    row("GET /msg: p50 latency (ms)", "p50", "get", "%.3f")
    row("GET /msg: p99 latency (ms)", "p99", "get", "%.3f")
    row("POST /msg, %d connections: acknowledged (303) POSTs/s"
        % POST_CONNS, "acked", "post", "%.0f")
    row("POST /msg: p50 latency (ms)", "p50", "post", "%.3f")
    row("POST /msg: p99 latency (ms)", "p99", "post", "%.3f")
    row("GET /msg during the POST flood, 8 connections: req/s", "rps",
        "mixed", "%.0f")
    row("GET /msg during the POST flood: p50 latency (ms)", "p50", "mixed",
        "%.3f")
    row("GET /msg during the POST flood: p99 latency (ms)", "p99", "mixed",
        "%.3f")
    row("acknowledged POSTs/s meanwhile", "acked", "mixed", "%.0f")
    ratio = med(pg["get"], "rps") / med(sq["get"], "rps")
    lines += ["", "GET /msg on PostgreSQL is %.2f× SQLite's req/s (target: "
              "at least 0.9×: %s)." % (ratio, "met" if ratio >= 0.9
                                        else "missed"), "",
              "Absolute figures on a shared 2-core machine are low and "
              "noisy; ratios within a round are what to read. During a "
              "POST flood, SQLite's commit (fsync) runs inside the "
              "worker's event loop, so GETs wait behind it; PostgreSQL's "
              "commit runs in the server while the worker keeps serving, "
              "and between two commits every GET is served from the "
              "rendered page. Acknowledged POSTs/s on one connection per "
              "worker are bounded by one fsync per commit on either "
              "backend.", ""]
    text = "\n".join(lines)
    print(text)
    path = os.path.join(HERE, "RESULTS.md")
    old = open(path).read() if os.path.exists(path) else ""
    before, after = old, ""
    if MARK in old:
        before = old[:old.index(MARK)]
        rest = old[old.index(MARK) + len(MARK):]
        # the next benchmark's section stays
        if "<!-- bench/" in rest:
            after = rest[rest.index("<!-- bench/"):]
    with open(path, "w") as f:
        f.write(before.rstrip("\n") + "\n\n" + text
                + ("\n" + after if after else ""))


def cluster_version():
    try:
        out = subprocess.run([os.path.join(pgcluster.bindir(), "postgres"),
                              "--version"], stdout=subprocess.PIPE,
                             text=True).stdout
        return out.split()[-1]
    except (OSError, IndexError, TypeError):
        return "?"


def commit():
    try:
        return subprocess.run(["git", "-C", SRCDIR, "rev-parse", "--short",
                               "HEAD"], stdout=subprocess.PIPE,
                              text=True).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
