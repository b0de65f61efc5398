#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Helpers for bench/run.sh (Python 3 standard library only).

Every network call goes to 127.0.0.1 and is bounded by a socket timeout.

  freeport                       print a free TCP port on 127.0.0.1
  waitport PORT SECS             wait until PORT accepts a connection
  fetch PORT PATH [OUT] [HDR..]  GET PATH; print "status length"; body -> OUT
  rawresp PORT PATH OUT ka|close the whole response (head and body) -> OUT
  post PORT N                    POST N messages to /msg; print how many got 303
  tree PID                       print PID and its descendants
  cpu PID                        CPU ticks (utime+stime, incl. reaped children) of PID's tree
  mem PID                        "rss_kib pss_kib nprocs" summed over PID's tree
  idle PORT N PID PATH           memory before/after holding N idle keep-alive connections
  fillmsg DB N                   add N messages to guad's database DB in one transaction
  routes N WHICH                 print generated [routes] lines (WHICH: all, file, dir)
  client PORT PATH N MODE CONNS  N requests, MODE ka (over CONNS connections) or close
  wrk FILE                       parse wrk output -> key=value lines
  strace FILE                    parse strace -c output -> key=value lines
  callgrind FILE                 print the total Ir of a callgrind.out file
  cgtop RUN BASE N               per-request inclusive Ir by function (callgrind_annotate)
  report TSV META OUT_MD         print the table, write Markdown to OUT_MD
"""
import os
import re
import socket
import statistics
import sys
import time

HOST = "127.0.0.1"
TIMEOUT = 30.0


# ---------------------------------------------------------------- HTTP bits

def read_response(sock, buf=b"", head_only=False):
    """Read one HTTP/1.1 response (Content-Length or EOF framed).

    Returns (status, headers dict, body, leftover bytes, closed)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("EOF before response head (%d bytes)" % len(buf))
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    closed = False
    if head_only:
        return status, hdrs, b"", rest, closed
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        while len(rest) < n:
            chunk = sock.recv(max(65536, n - len(rest)))
            if not chunk:
                raise ConnectionError("EOF in body (%d of %d)" % (len(rest), n))
            rest += chunk
        return status, hdrs, rest[:n], rest[n:], closed
    # no length: read to EOF
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, hdrs, rest, b"", True


def connect(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def request_bytes(path, close=False, extra=()):
    lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1"]
    if close:
        lines.append("Connection: close")
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# ---------------------------------------------------------------- /proc bits

def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        out.append(p)
        todo.extend(sorted(kids.get(p, [])))
    return out


def stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    # fields after "(comm)": index 0 = state (field 3)
    return st[st.rindex(")") + 2:].split()


def cpu_ticks(pid):
    """utime+stime of the tree, plus cutime+cstime of the root (reaped kids)."""
    total = 0
    for i, p in enumerate(tree(pid)):
        try:
            f = stat_fields(p)
        except OSError:
            continue
        total += int(f[11]) + int(f[12])          # utime, stime
        if i == 0:
            total += int(f[13]) + int(f[14])      # cutime, cstime
    return total


def mem_kib(pid):
    rss = pss = n = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for ln in f:
                    if ln.startswith("Rss:"):
                        rss += int(ln.split()[1])
                    elif ln.startswith("Pss:"):
                        pss += int(ln.split()[1])
            n += 1
        except OSError:
            continue
    return rss, pss, n


# ---------------------------------------------------------------- commands

def cmd_freeport():
    s = socket.socket()
    s.bind((HOST, 0))
    print(s.getsockname()[1])
    s.close()


def cmd_waitport(port, secs):
    end = time.time() + float(secs)
    while time.time() < end:
        try:
            socket.create_connection((HOST, int(port)), timeout=1).close()
            return 0
        except OSError:
            time.sleep(0.1)
    return 1


def cmd_fetch(port, path, out=None, *hdrs):
    s = connect(int(port))
    s.sendall(request_bytes(path, close=True, extra=hdrs))
    st, h, body, _, _ = read_response(s)
    s.close()
    if out and out != "-":
        with open(out, "wb") as f:
            f.write(body)
    print(st, len(body))


def cmd_rawresp(port, path, out, mode):
    """Saves the exact bytes of one response, for bench/floor.c to send."""
    s = connect(int(port))
    s.sendall(request_bytes(path, close=(mode == "close")))
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("EOF before the response head")
        buf += chunk
    head = buf[:buf.index(b"\r\n\r\n") + 4]
    m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
    if not m:
        raise ConnectionError("no Content-Length in the response")
    total = len(head) + int(m.group(1))
    while len(buf) < total:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("EOF in the body")
        buf += chunk
    s.close()
    with open(out, "wb") as f:
        f.write(buf[:total])
    print(total)


def cmd_post(port, n):
    ok = 0
    s = connect(int(port))
    buf = b""
    for i in range(int(n)):
        text = "benchmark message %03d: the quick brown fox jumps over the lazy dog" % i
        body = ("message=" + text.replace(" ", "+").replace(":", "%3A")).encode()
        req = ("POST /msg HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\n"
               "Content-Length: %d\r\n\r\n" % len(body)).encode() + body
        s.sendall(req)
        st, h, _, buf, _ = read_response(s, buf)
        if st == 303:
            ok += 1
        if h.get("connection", "").lower() == "close":
            s.close()
            s = connect(int(port))
            buf = b""
    s.close()
    print(ok)


def cmd_tree(pid):
    print(" ".join(str(p) for p in tree(int(pid))))


def cmd_cpu(pid):
    print(cpu_ticks(int(pid)))


def cmd_mem(pid):
    print("%d %d %d" % mem_kib(int(pid)))


# Slab caches that grow with each TCP connection held open. Every
# connection has two ends on this machine (the client's socket and the
# server's accepted one), each with one object of the "symmetric" caches;
# only the server end is in an epoll set (the idle client uses none).
SLAB_SYM = ("TCP", "TCPv6", "sock_inode_cache", "filp", "dentry",
            "lsm_inode_cache", "lsm_file_cache")
SLAB_SRV = ("eventpoll_epi", "eventpoll_pwq")


def slab_bytes():
    """cache -> bytes in use (active objects x object size), or {} if
    /proc/slabinfo cannot be read (it needs root)."""
    out = {}
    try:
        with open("/proc/slabinfo") as f:
            for ln in f:
                x = ln.split()
                if len(x) < 4 or x[0] in ("slabinfo", "#"):
                    continue
                out[x[0]] = int(x[1]) * int(x[3])
    except OSError:
        return {}
    return out


def tcp_mem_pages():
    """Pages of TCP buffer memory of the whole machine (/proc/net/sockstat)."""
    with open("/proc/net/sockstat") as f:
        for ln in f:
            if ln.startswith("TCP:"):
                x = ln.split()
                d = dict(zip(x[1::2], x[2::2]))
                return int(d.get("mem", 0))
    return 0


def cmd_idle(port, n, pid, path):
    """Opens N keep-alive connections, each does one request, reads the
    answer and stays open. Prints key=value lines: the server tree's RSS
    and PSS before and after (KiB), and the kernel's slab and TCP buffer
    memory growth over the whole machine (bytes)."""
    port, n, pid = int(port), int(n), int(pid)
    # warm up: a few requests so lazily initialised state is not counted
    s = connect(port)
    buf = b""
    for _ in range(20):
        s.sendall(request_bytes(path))
        _, _, _, buf, _ = read_response(s, buf)
    s.close()
    time.sleep(0.5)
    rss0, pss0, np0 = mem_kib(pid)
    slab0, tmem0 = slab_bytes(), tcp_mem_pages()
    socks, errors = [], {}
    t0 = time.time()
    for i in range(n):
        try:
            c = connect(port)
            c.settimeout(10)
            c.sendall(request_bytes(path))
            st, h, _, _, _ = read_response(c)
            if st != 200:
                errors["status %d" % st] = errors.get("status %d" % st, 0) + 1
            socks.append(c)
        except OSError as e:
            k = type(e).__name__ + ":" + str(e)[:40]
            errors[k] = errors.get(k, 0) + 1
    t1 = time.time()
    time.sleep(1.0)
    rss1, pss1, np1 = mem_kib(pid)
    slab1, tmem1 = slab_bytes(), tcp_mem_pages()
    # how many are still open (the server did not close them)
    alive = 0
    for c in socks:
        c.setblocking(False)
        try:
            d = c.recv(1)
            if d:
                alive += 1      # unexpected data, but open
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    for c in socks:
        c.close()
    err = ";".join("%s=%d" % kv for kv in errors.items()) or "-"
    out = {"rss0": rss0, "rss1": rss1, "pss0": pss0, "pss1": pss1,
           "nprocs": np1, "opened": len(socks), "alive": alive,
           "open_secs": "%.2f" % (t1 - t0), "errors": err.replace(" ", "_"),
           "tcp_mem": (tmem1 - tmem0) * os.sysconf("SC_PAGE_SIZE")}
    if slab0 and slab1:
        d = {k: slab1.get(k, 0) - slab0.get(k, 0) for k in set(slab0) | set(slab1)}
        sym = sum(d.get(k, 0) for k in SLAB_SYM)
        srv = sum(d.get(k, 0) for k in SLAB_SRV)
        out["slab_sym"] = sym
        out["slab_srv"] = srv
        out["slab_all"] = sum(d.values())
        top = sorted(((v, k) for k, v in d.items() if v), reverse=True)[:8]
        out["slab_top"] = ",".join("%s:%d" % (k, v) for v, k in top) or "-"
    for k, v in out.items():
        print("%s=%s" % (k, v))


MSG_TEXT = "benchmark message %03d: the quick brown fox jumps over the lazy dog"


def cmd_fillmsg(db, n):
    """Adds N messages to the message table of DB (made by guad) in one
    transaction; the newest 100 read like the ones `post` sends."""
    import sqlite3
    n = int(n)
    con = sqlite3.connect(db, isolation_level=None)
    cols = [r[1] for r in con.execute("PRAGMA table_info(message)")]
    if cols != ["id", "created", "text"]:
        print("unexpected schema: %s" % cols)
        return 1
    now = int(time.time())
    con.execute("BEGIN")
    con.executemany("INSERT INTO message (created, text) VALUES (?, ?)",
                    ((now, MSG_TEXT % (i % 1000)) for i in range(n)))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(con.execute("SELECT count(*) FROM message").fetchone()[0])
    con.close()


def probes(n, i):
    """Probes a binary search of n sorted entries makes to find entry i."""
    lo, hi, k = 0, n, 0
    while lo < hi:
        mid = lo + (hi - lo) // 2
        k += 1
        if mid == i:
            return k
        if i < mid:
            hi = mid
        else:
            lo = mid + 1
    return k


def cmd_routes(n, which):
    """Prints [routes] lines: N routes in all, N/2 file routes
    /rt/fNNNN.html and N/2 dir routes /rt/dNNNN/ (zero-padded, so that
    the text order is the number order). WHICH: all, file (only the
    measured file route) or dir (only the measured dir route). The
    measured number is near the middle of each sorted table but not the
    entry a binary search tries first: of the middle half, the one that
    takes it the most probes, so a lucky first probe flatters nothing."""
    per = max(int(n) // 2, 1)
    cand = range(per // 4, max(3 * per // 4, per // 4 + 1))
    pick = max(cand, key=lambda i: (probes(per, i), -abs(i - per // 2)))
    idx = range(per) if which == "all" else [pick]
    if which in ("all", "file"):
        for i in idx:
            print("/rt/f%04d.html = file small.html" % i)
    if which in ("all", "dir"):
        for i in idx:
            print("/rt/d%04d/ = dir ." % i)


def cmd_client(port, path, n, mode, conns):
    """N requests; ka: round-robin over CONNS keep-alive connections;
    close: one connection per request with Connection: close."""
    port, n, conns = int(port), int(n), int(conns)
    ok = bad = 0
    if mode == "ka":
        socks = [connect(port) for _ in range(conns)]
        bufs = [b""] * conns
        req = request_bytes(path)
        for i in range(n):
            k = i % conns
            socks[k].sendall(req)
            st, h, _, bufs[k], _ = read_response(socks[k], bufs[k])
            ok += st == 200
            bad += st != 200
        for s in socks:
            s.close()
    else:
        req = request_bytes(path, close=True)
        for i in range(n):
            s = connect(port)
            s.sendall(req)
            st, h, _, _, _ = read_response(s)
            # wait for the server's close so its work is done before the next
            try:
                while s.recv(65536):
                    pass
            except OSError:
                pass
            s.close()
            ok += st == 200
            bad += st != 200
    print("ok=%d bad=%d" % (ok, bad))
    return 0 if bad == 0 else 1


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}
UNIT_MB = {"B": 1 / 1048576, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0, "TB": 1048576.0}


def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m|h)$", v)
    return float(m.group(1)) * UNIT_MS[m.group(2)] if m else float("nan")


def cmd_wrk(path):
    txt = open(path, errors="replace").read()
    out = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read", txt)
    if m:
        out["requests"] = int(m.group(1))
        out["secs"] = ms(m.group(2) + m.group(3)) / 1000
        out["read_mb"] = float(m.group(4)) * UNIT_MB.get(m.group(5), float("nan"))
    m = re.search(r"Requests/sec:\s*([\d.]+)", txt)
    if m:
        out["rps"] = float(m.group(1))
    # wrk samples each thread's rate every 100 ms from the moment it has
    # opened its connections: the mean of these samples leaves out the
    # time spent connecting, which Requests/sec includes
    m = re.search(r"^\s*Req/Sec\s+([\d.]+)([kMG]?)\s", txt, re.M)
    if m:
        out["rps_steady"] = float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
    m = re.search(r"Transfer/sec:\s*([\d.]+)(\w+)", txt)
    if m:
        out["mbps"] = float(m.group(1)) * UNIT_MB.get(m.group(2), float("nan"))
    for pct in ("50", "75", "90", "99"):
        m = re.search(r"^\s*%s%%\s+([\d.]+\w+)" % pct, txt, re.M)
        if m:
            out["p" + pct] = ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", txt)
    out["sock_err"] = sum(int(x) for x in m.groups()) if m else 0
    out["sock_err_detail"] = ("c%s/r%s/w%s/t%s" % m.groups()) if m else "-"
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", txt)
    out["non2xx"] = int(m.group(1)) if m else 0
    for k, v in out.items():
        print("%s=%s" % (k, v))


def cmd_strace(path):
    calls = errors = None
    per = []
    for ln in open(path, errors="replace"):
        f = ln.split()
        if len(f) >= 5 and f[-1] == "total":
            nums = [x for x in f[:-1]]
            # % time, seconds, usecs/call, calls, [errors]
            calls = int(nums[3])
            errors = int(nums[4]) if len(nums) > 4 else 0
        elif len(f) >= 5 and re.match(r"^[\d.]+$", f[0]) and f[-1] != "total":
            try:
                c = int(f[3])
                per.append((c, f[-1]))
            except ValueError:
                pass
    print("calls=%s" % calls)
    print("errors=%s" % errors)
    per.sort(reverse=True)
    print("top=%s" % ",".join("%s:%d" % (n, c) for c, n in per[:8]))


def cmd_callgrind(path):
    tot = None
    for ln in open(path, errors="replace"):
        if ln.startswith("summary:") or ln.startswith("totals:"):
            tot = int(ln.split()[1])
    print(tot if tot is not None else "")


def cg_inclusive(path):
    """function -> inclusive Ir, from callgrind_annotate."""
    import subprocess
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True, timeout=120).stdout
    inc = {}
    for ln in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(.*\)\s+PROGRAM TOTALS", ln)
        if m:
            inc["__total__"] = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S+?):(\S.*?)(?:\s+\[(.*)\])?$", ln)
        if not m:
            continue
        fn = m.group(3).strip()
        obj = os.path.basename(m.group(4) or "")
        key = fn if fn.startswith("0x") is False else fn + "@" + obj
        inc[key] = inc.get(key, 0) + int(m.group(1).replace(",", ""))
    return inc


def cmd_cgtop(run, base, n, top=12):
    """Per-request inclusive Ir by function: (run - baseline) / N. Skips
    the event-loop frames (more than 80% of the total)."""
    n = int(n)
    a, b = cg_inclusive(run), cg_inclusive(base)
    diff = {k: (v - b.get(k, 0)) / n for k, v in a.items()}
    total = diff.pop("__total__", 0)
    rows = sorted(((v, k) for k, v in diff.items()
                   if 0 < v < 0.45 * total and "@" not in k), reverse=True)[:int(top)]
    print("top=" + ", ".join("%s %.0f" % (k, v) for v, k in rows))
    print("below=%.0f" % diff.get("below", 0))


# ---------------------------------------------------------------- report

SERVERS = ["guad", "nginx", "lighttpd"]

# (key, label, unit, fmt, better)  better: "hi" or "lo"
METRICS = [
    ("small_ka.rps", "small file, keep-alive: req/s", "req/s", "%.0f", "hi"),
    ("small_ka.p50", "small file, keep-alive: p50 latency", "ms", "%.3f", "lo"),
    ("small_ka.p99", "small file, keep-alive: p99 latency", "ms", "%.3f", "lo"),
    ("small_ka.cpu_us", "small file, keep-alive: server CPU per request", "µs", "%.2f", "lo"),
    ("ka_high.rps", "small file, keep-alive, {CONNS_HIGH} connections: req/s", "req/s", "%.0f", "hi"),
    ("ka_high.p50", "small file, keep-alive, {CONNS_HIGH} connections: p50 latency", "ms", "%.2f", "lo"),
    ("ka_high.p99", "small file, keep-alive, {CONNS_HIGH} connections: p99 latency", "ms", "%.2f", "lo"),
    ("ka_high.cpu_us", "small file, keep-alive, {CONNS_HIGH} connections: server CPU per request", "µs", "%.2f", "lo"),
    ("small_close.rps", "small file, Connection: close: req/s", "req/s", "%.0f", "hi"),
    ("small_close.p50", "small file, Connection: close: p50 latency", "ms", "%.3f", "lo"),
    ("small_close.p99", "small file, Connection: close: p99 latency", "ms", "%.3f", "lo"),
    ("small_close.cpu_us", "small file, Connection: close: server CPU per request", "µs", "%.2f", "lo"),
    ("big.rps", "1 MiB file: req/s", "req/s", "%.1f", "hi"),
    ("big.mbps", "1 MiB file: throughput", "MiB/s", "%.0f", "hi"),
    ("big.p50", "1 MiB file: p50 latency", "ms", "%.2f", "lo"),
    ("big.p99", "1 MiB file: p99 latency", "ms", "%.2f", "lo"),
    ("big.cpu_us", "1 MiB file: server CPU per request", "µs", "%.1f", "lo"),
    ("notfound.rps", "404: req/s", "req/s", "%.0f", "hi"),
    ("notfound.p50", "404: p50 latency", "ms", "%.3f", "lo"),
    ("notfound.p99", "404: p99 latency", "ms", "%.3f", "lo"),
    ("notfound.cpu_us", "404: server CPU per request", "µs", "%.2f", "lo"),
    ("msg.rps", "GET /msg (100 messages): req/s", "req/s", "%.0f", "hi"),
    ("msg.p50", "GET /msg: p50 latency", "ms", "%.3f", "lo"),
    ("msg.p99", "GET /msg: p99 latency", "ms", "%.3f", "lo"),
    ("msg.cpu_us", "GET /msg: server CPU per request", "µs", "%.2f", "lo"),
    ("msgstatic.rps", "same bytes as a static file: req/s", "req/s", "%.0f", "hi"),
    ("msgstatic.p50", "same bytes as a static file: p50 latency", "ms", "%.3f", "lo"),
    ("msgstatic.p99", "same bytes as a static file: p99 latency", "ms", "%.3f", "lo"),
    ("msgstatic.cpu_us", "same bytes as a static file: server CPU per request", "µs", "%.2f", "lo"),
    ("msgbig.rps", "GET /msg with {MSG_BIG} messages stored: req/s", "req/s", "%.0f", "hi"),
    ("msgbig.p99", "GET /msg with {MSG_BIG} messages stored: p99 latency", "ms", "%.3f", "lo"),
    ("msgbig.cpu_us", "GET /msg with {MSG_BIG} messages stored: server CPU per request", "µs", "%.2f", "lo"),
    ("rt_1_file.rps", "file route, 1 route configured: req/s", "req/s", "%.0f", "hi"),
    ("rt_n_file.rps", "file route, {ROUTES_N} routes configured: req/s", "req/s", "%.0f", "hi"),
    ("rt_1_dir.rps", "file under a dir route, 1 route configured: req/s", "req/s", "%.0f", "hi"),
    ("rt_n_dir.rps", "file under a dir route, {ROUTES_N} routes configured: req/s", "req/s", "%.0f", "hi"),
    ("rt_1_file.cpu_us", "file route, 1 route: server CPU per request", "µs", "%.2f", "lo"),
    ("rt_n_file.cpu_us", "file route, {ROUTES_N} routes: server CPU per request", "µs", "%.2f", "lo"),
    ("rt_1_dir.cpu_us", "dir route, 1 route: server CPU per request", "µs", "%.2f", "lo"),
    ("rt_n_dir.cpu_us", "dir route, {ROUTES_N} routes: server CPU per request", "µs", "%.2f", "lo"),
    ("sys_ka", "syscalls per request, keep-alive", "calls", "%.2f", "lo"),
    ("sys_close", "syscalls per request, Connection: close", "calls", "%.2f", "lo"),
    ("ir_ka", "instructions (Ir) per request, keep-alive", "Ir", "%.0f", "lo"),
    ("ir_close", "instructions (Ir) per request, Connection: close", "Ir", "%.0f", "lo"),
    ("ir_ka_adj", "Ir per request, keep-alive, minus guad's valgrind-only openat2 fallback", "Ir", "%.0f", "lo"),
    ("ir_close_adj", "Ir per request, close, minus guad's valgrind-only openat2 fallback", "Ir", "%.0f", "lo"),
    ("ir_rt1_file_adj", "Ir per request, file route, 1 route (minus the openat2 fallback)", "Ir", "%.0f", "lo"),
    ("ir_rtn_file_adj", "Ir per request, file route, {ROUTES_N} routes (minus the openat2 fallback)", "Ir", "%.0f", "lo"),
    ("ir_rt1_dir_adj", "Ir per request, dir route, 1 route (minus the openat2 fallback)", "Ir", "%.0f", "lo"),
    ("ir_rtn_dir_adj", "Ir per request, dir route, {ROUTES_N} routes (minus the openat2 fallback)", "Ir", "%.0f", "lo"),
    ("ir_msg", "Ir per request, GET /msg, 100 messages stored", "Ir", "%.0f", "lo"),
    ("ir_msgbig", "Ir per request, GET /msg, {MSG_BIG} messages stored", "Ir", "%.0f", "lo"),
    ("idle_user", "memory per idle keep-alive connection, user space: growth + slot (RSS)", "B", "%.0f", "lo"),
    ("idle_rss", "user-space growth per idle keep-alive connection opened (RSS)", "B", "%.0f", "lo"),
    ("idle_pss", "user-space growth per idle keep-alive connection opened (PSS)", "B", "%.0f", "lo"),
    ("slot_rss", "user space reserved per connection slot, used or not (RSS)", "B", "%.0f", "lo"),
    ("slot_pss", "user space reserved per connection slot, used or not (PSS)", "B", "%.0f", "lo"),
    ("idle_ksrv", "kernel slab per idle connection, server end (estimate)", "B", "%.0f", "lo"),
    ("idle_kboth", "kernel slab per idle connection, both ends on this machine", "B", "%.0f", "lo"),
    ("idle_tcpmem", "kernel TCP buffer memory per idle connection, both ends", "B", "%.0f", "lo"),
    ("small_ka.bytes", "small file: bytes per response, headers + body (from wrk's total)", "B", "%.0f", "lo"),
    ("notfound.bytes", "404: bytes per response, headers + body", "B", "%.0f", "lo"),
    ("base_rss", "RSS of all server processes, idle (before)", "KiB", "%.0f", "lo"),
    ("base_pss", "PSS of all server processes, idle (before)", "KiB", "%.0f", "lo"),
]

WRK_SCEN = ["small_ka", "ka_high", "small_close", "big", "notfound", "msg", "msgstatic",
            "msgbig", "rt_1_file", "rt_n_file", "rt_1_dir", "rt_n_dir"]


def params():
    e = os.environ
    return {"CONNS": e.get("CONNS", "64"), "CONNS_HIGH": e.get("CONNS_HIGH", "10000"),
            "ROUTES_N": e.get("ROUTES_N", "1000"), "MSG_BIG": e.get("MSG_BIG", "1000000"),
            "CONN_LIMIT": e.get("CONN_LIMIT", "?"), "IDLE_N": e.get("IDLE_N", "2000")}


def by_round(tsv):
    """(server, key) -> {round: value}"""
    out = {}
    for ln in open(tsv, errors="replace"):
        f = ln.rstrip("\n").split("\t")
        if len(f) < 4:
            continue
        try:
            out.setdefault((f[1], f[2]), {})[f[0]] = float(f[3])
        except ValueError:
            pass
    return out


def round_ratios(rnd, srv, num, den):
    """Per-round num/den of one server, where both were measured."""
    a, b = rnd.get((srv, num), {}), rnd.get((srv, den), {})
    return [a[r] / b[r] for r in sorted(a) if r in b and b[r]]


def spread(vs, fmt="%.2f"):
    if not vs:
        return "—"
    s = fmt % statistics.median(vs)
    if len(vs) > 1:
        s += " [" + (fmt % min(vs)) + "–" + (fmt % max(vs)) + "]"
    return s


def scaling_rows(vals, rnd, P):
    """Rows: what, server, low, high, ratio high/low, target."""
    rows = []
    med = lambda k, s="guad": statistics.median(vals[(s, k)]) if vals.get((s, k)) else None
    f0 = lambda v, fmt="%.0f": "—" if v is None else fmt % v
    for s in SERVERS + ["floor"]:
        rr = round_ratios(rnd, s, "ka_high.rps_steady", "small_ka.rps_steady")
        if rr:
            rows.append(["concurrency: small file keep-alive req/s once connected (mean of wrk's "
                         "100 ms samples), %s against %s connections" % (P["CONNS_HIGH"], P["CONNS"]),
                         s, f0(med("small_ka.rps_steady", s)), f0(med("ka_high.rps_steady", s)),
                         spread(rr), "≥ 0.90"])
        rr = round_ratios(rnd, s, "ka_high.rps", "small_ka.rps")
        if rr:
            rows.append(["concurrency: the same, req/s over the whole run (opening the "
                         "connections included)", s, f0(med("small_ka.rps", s)),
                         f0(med("ka_high.rps", s)), spread(rr), "—"])
        rr = round_ratios(rnd, s, "ka_high.cpu_us", "small_ka.cpu_us")
        if rr:
            rows.append(["concurrency: server CPU per request (µs), %s against %s connections"
                         % (P["CONNS_HIGH"], P["CONNS"]), s, f0(med("small_ka.cpu_us", s), "%.2f"),
                         f0(med("ka_high.cpu_us", s), "%.2f"), spread(rr), "—"])
    for kind, what in (("file", "a file route"), ("dir", "a file under a dir route")):
        a, b = med("ir_rt1_%s_adj" % kind), med("ir_rtn_%s_adj" % kind)
        if a and b:
            rows.append(["routes: Ir per request, %s, %s routes against 1 (difference %+.0f Ir)"
                         % (what, P["ROUTES_N"], b - a), "guad", f0(a), f0(b), "%.3f" % (b / a),
                         "no slowdown (≈ 1.00)"])
        rr = round_ratios(rnd, "guad", "rt_n_%s.rps" % kind, "rt_1_%s.rps" % kind)
        if rr:
            rows.append(["routes: req/s, %s, %s routes against 1" % (what, P["ROUTES_N"]), "guad",
                         f0(med("rt_1_%s.rps" % kind)), f0(med("rt_n_%s.rps" % kind)), spread(rr),
                         "no slowdown (≈ 1.00)"])
        rr = round_ratios(rnd, "guad", "rt_n_%s.cpu_us" % kind, "rt_1_%s.cpu_us" % kind)
        if rr:
            rows.append(["routes: server CPU per request (µs), %s, %s routes against 1"
                         % (what, P["ROUTES_N"]), "guad", f0(med("rt_1_%s.cpu_us" % kind), "%.2f"),
                         f0(med("rt_n_%s.cpu_us" % kind), "%.2f"), spread(rr), "no slowdown (≈ 1.00)"])
    rr = round_ratios(rnd, "guad", "msgbig.rps", "msg.rps")
    if rr:
        rows.append(["message board: GET /msg req/s, %s messages stored against 100" % P["MSG_BIG"],
                     "guad", f0(med("msg.rps")), f0(med("msgbig.rps")), spread(rr), "no slowdown (≈ 1.00)"])
    rr = round_ratios(rnd, "guad", "msgbig.cpu_us", "msg.cpu_us")
    if rr:
        rows.append(["message board: server CPU per GET /msg (µs), %s messages against 100" % P["MSG_BIG"],
                     "guad", f0(med("msg.cpu_us"), "%.2f"), f0(med("msgbig.cpu_us"), "%.2f"), spread(rr),
                     "no slowdown (≈ 1.00)"])
    a, b = med("ir_msg"), med("ir_msgbig")
    if a and b:
        rows.append(["message board: Ir per GET /msg, %s messages against 100 (difference %+.0f Ir)"
                     % (P["MSG_BIG"], b - a), "guad", f0(a), f0(b), "%.3f" % (b / a),
                     "no slowdown (≈ 1.00)"])
    return rows


# What bench/floor.c (read and write, nothing else) costs, beside the servers
FLOOR_KEYS = [
    ("small_ka.cpu_us", "small file, keep-alive: server CPU per request", "µs", "%.2f"),
    ("ka_high.cpu_us", "small file, keep-alive, {CONNS_HIGH} connections: server CPU per request",
     "µs", "%.2f"),
    ("small_close.cpu_us", "small file, Connection: close: server CPU per request", "µs", "%.2f"),
    ("sys_ka", "syscalls per request, keep-alive", "calls", "%.2f"),
    ("sys_close", "syscalls per request, Connection: close", "calls", "%.2f"),
    ("small_ka.rps", "small file, keep-alive: req/s", "req/s", "%.0f"),
    ("small_close.rps", "small file, Connection: close: req/s", "req/s", "%.0f"),
]
FLOOR_HDR = ["metric", "floor", "guad", "nginx", "lighttpd", "guad/floor", "floor/nginx",
             "floor/lighttpd"]


def floor_rows(vals, P):
    rows = []
    for key, label, unit, fmt in FLOOR_KEYS:
        f = vals.get(("floor", key))
        if not f:
            continue
        rows.append([label.format(**P) + " (" + unit + ")", fmt_cell(f, fmt, [])]
                    + [fmt_cell(vals.get((s, key), []), fmt, []) for s in SERVERS]
                    + [ratio(vals.get(("guad", key)), f), ratio(f, vals.get(("nginx", key))),
                       ratio(f, vals.get(("lighttpd", key)))])
    return rows


def target_rows(vals, rnd, P):
    """Rows: target, measured, verdict, what bounds it (for a miss)."""
    med = lambda s, k: statistics.median(vals[(s, k)]) if vals.get((s, k)) else None
    rows = []

    def add(target, measured, ok, bound=""):
        verdict = "not measured" if ok is None else ("met" if ok else "missed")
        rows.append([target, measured, verdict, bound if ok is False else ""])

    def vs_floor(key, peer, target):
        f, p, g = med("floor", key), med(peer, key), med("guad", key)
        if f is None or p is None or g is None:
            return ""
        txt = ("the floor (bench/floor.c: read and write, nothing else) costs %.2f× %s's; "
               "guad costs %.2f× the floor" % (f / p, peer, g / f))
        if f / p > target:
            txt += (": the kernel's read and write alone cost more than the target allows "
                    "on this machine")
        return txt

    def bound_by(srv, scen):
        w = med(srv, scen + ".wrk_cpu")
        return "" if w is None else ("wrk used %.0f%% of its core: wrk-bound" % w if w >= 90
                                     else "wrk used %.0f%% of its core" % w)

    peers = [s for s in ("nginx", "lighttpd") if med(s, "small_ka.rps")]
    g = med("guad", "small_ka.rps")
    if g and peers:
        best = max(peers, key=lambda s: med(s, "small_ka.rps"))
        r = g / med(best, "small_ka.rps")
        add("keep-alive req/s at least level with the faster peer",
            "%.2f× %s" % (r, best), r >= 1.0, bound_by("guad", "small_ka"))
    for key, what, lim in (("small_ka.cpu_us", "server CPU per keep-alive request", 0.6),
                           ("ir_ka", "instructions per keep-alive request", 0.6)):
        g, l = med("guad", key), med("lighttpd", key)
        if g and l:
            add("%s at most %.1f× lighttpd's" % (what, lim), "%.2f×" % (g / l), g / l <= lim,
                vs_floor(key, "lighttpd", lim) if key.endswith("cpu_us") else "")
    g = med("guad", "sys_ka")
    if g:
        add("at most 3 syscalls per keep-alive request", "%.2f" % g, g <= 3)
    for key, what in (("small_close.cpu_us", "server CPU per Connection: close request"),
                      ("ir_close", "instructions per Connection: close request")):
        g = med("guad", key)
        ps = [(med(s, key), s) for s in ("nginx", "lighttpd") if med(s, key)]
        if g and ps:
            best, who = min(ps)
            add("%s at most 0.8× the better peer's" % what, "%.2f× %s" % (g / best, who),
                g / best <= 0.8, vs_floor(key, who, 0.8) if key.endswith("cpu_us") else "")
    g, l = med("guad", "big.mbps"), med("lighttpd", "big.mbps")
    if g and l:
        bound = "%s; lighttpd's run: %s" % (bound_by("guad", "big"), bound_by("lighttpd", "big"))
        gc, lc = med("guad", "big.cpu_us"), med("lighttpd", "big.cpu_us")
        if gc and lc:
            bound += "; guad's CPU per file is %.2f× lighttpd's" % (gc / lc)
        # wrk's own CPU per file: its share of a core over the files it got per second
        gw, lw = med("guad", "big.wrk_cpu"), med("lighttpd", "big.wrk_cpu")
        gr, lr = med("guad", "big.rps"), med("lighttpd", "big.rps")
        if gw and lw and gr and lr:
            bound += ("; wrk's CPU per file (receiving it) is %.0f µs against guad, %.0f µs "
                      "against lighttpd" % (gw / 100 / gr * 1e6, lw / 100 / lr * 1e6))
        add("1 MiB file: MiB/s at least level with lighttpd", "%.2f×" % (g / l), g / l >= 1.0,
            bound)
    g, sl = med("guad", "idle_rss"), med("guad", "slot_rss")
    if g is not None:
        add("at most 256 B of memory per idle keep-alive connection",
            "%.0f B" % (g + (sl or 0)), g + (sl or 0) <= 256)
    gm, gs = med("guad", "msg.rps"), med("guad", "msgstatic.rps")
    if gm and gs:
        add("GET /msg (100 messages) at least 0.8× the req/s of a static file of its size",
            "%.2f×" % (gm / gs), gm / gs >= 0.8)
    rr = round_ratios(rnd, "guad", "ka_high.rps_steady", "small_ka.rps_steady")
    if rr:
        m = statistics.median(rr)
        bound = bound_by("guad", "ka_high")
        others = ["%s %.2f" % (s, statistics.median(round_ratios(rnd, s, "ka_high.rps_steady",
                                                                 "small_ka.rps_steady")))
                  for s in ("nginx", "lighttpd", "floor")
                  if round_ratios(rnd, s, "ka_high.rps_steady", "small_ka.rps_steady")]
        if others:
            bound += "; the same ratio for " + ", ".join(others)
        cr = round_ratios(rnd, "guad", "ka_high.cpu_us", "small_ka.cpu_us")
        fr = round_ratios(rnd, "floor", "ka_high.cpu_us", "small_ka.cpu_us")
        if cr and fr:
            bound += ("; CPU per request grows %.2f× for guad, %.2f× for the floor"
                      % (statistics.median(cr), statistics.median(fr)))
        add("%s keep-alive connections: req/s within 10%% of %s" % (P["CONNS_HIGH"], P["CONNS"]),
            "%.2f×" % m, m >= 0.9, bound)
    for a, b, what in (("ir_rt1_file_adj", "ir_rtn_file_adj", "a file route"),
                       ("ir_rt1_dir_adj", "ir_rtn_dir_adj", "a file under a dir route"),
                       ("ir_msg", "ir_msgbig", "GET /msg")):
        x, y = med("guad", a), med("guad", b)
        if x and y:
            n = P["MSG_BIG"] + " messages" if a == "ir_msg" else P["ROUTES_N"] + " routes"
            add("%s costs no more with %s" % (what, n), "%.3f× the instructions" % (y / x),
                y / x <= 1.02)
    return rows


def memory_lines(vals, P):
    out = []
    med = lambda s, k: statistics.median(vals[(s, k)]) if vals.get((s, k)) else None
    for s in SERVERS:
        g, sl, ks, tm = (med(s, "idle_rss"), med(s, "slot_rss"), med(s, "idle_ksrv"),
                         med(s, "idle_tcpmem"))
        if g is None:
            continue
        txt = "%s: %.0f B of user space per idle keep-alive connection" % (
            s, g + (sl or 0))
        txt += " (%.0f B growth per connection opened%s)" % (
            g, "" if sl is None else " + %.0f B reserved per connection slot" % sl)
        if ks is not None:
            txt += "; in the kernel about %.0f B more for the server's end of the socket" % ks
        if tm and tm > 64:
            txt += " (+ %.0f B of TCP buffers, both ends)" % tm
        out.append(txt + ".")
    return out


def load_tsv(path):
    vals, fails, notes = {}, {}, {}
    for ln in open(path, errors="replace"):
        f = ln.rstrip("\n").split("\t")
        if len(f) < 4:
            continue
        rnd, srv, key, val = f[:4]
        if val == "FAIL":
            fails.setdefault((srv, key), []).append("r%s: %s" % (rnd, f[4] if len(f) > 4 else ""))
            continue
        if val == "NOTE":
            notes.setdefault((srv, key), []).append("r%s: %s" % (rnd, f[4] if len(f) > 4 else ""))
            continue
        try:
            vals.setdefault((srv, key), []).append(float(val))
        except ValueError:
            pass
    return vals, fails, notes


def fmt_cell(vs, fmt, failed):
    if not vs:
        return "FAIL" if failed else "—"
    med = statistics.median(vs)
    s = fmt % med
    if len(vs) > 1:
        s += " [" + (fmt % min(vs)) + "–" + (fmt % max(vs)) + "]"
    if failed:
        s += " (+%d FAIL)" % len(failed)
    return s


def ratio(a, b):
    if not a or not b:
        return "—"
    ma, mb = statistics.median(a), statistics.median(b)
    if mb <= 0 or ma < 0:
        return "—"      # e.g. a slot cost that is page noise around 0
    return "%.2f" % (ma / mb)


def limit_note(vals, srv_list, scen):
    """Names what bounded a wrk scenario, per server."""
    out = []
    for s in srv_list:
        w = vals.get((s, scen + ".wrk_cpu"))
        c = vals.get((s, scen + ".srv_cpu"))
        o = vals.get((s, scen + ".other_cpu"))
        if not w or not c:
            continue
        wm, cm = statistics.median(w), statistics.median(c)
        tag = ""
        if wm >= 90:
            tag = "wrk-bound"
        elif cm >= 90:
            tag = "server-bound"
        om = max(o) if o else 0
        out.append("%s: wrk %.0f%%/srv %.0f%%%s%s" % (
            s, wm, cm, (" " + tag) if tag else "",
            (" (other load up to %.0f%%)" % om) if om >= 15 else ""))
    return "; ".join(out)


def md_table(hdr, rows):
    """A Markdown table; a '|' inside a cell would split it, so it becomes '/'."""
    return (["| " + " | ".join(hdr) + " |", "|" + "|".join(["---"] * len(hdr)) + "|"]
            + ["| " + " | ".join(str(x).replace("|", "/") for x in r) + " |" for r in rows])


def md_section(md, title, intro=None):
    """Appends a "## title" heading, and its opening paragraph if any."""
    md.extend(["", "## " + title, ""] + ([intro, ""] if intro else []))


def cmd_report(tsv, meta, out_md):
    vals, fails, notes = load_tsv(tsv)
    rnd = by_round(tsv)
    P = params()
    meta_lines = open(meta).read().rstrip("\n").split("\n") if os.path.exists(meta) else []
    rows = []
    for key, label, unit, fmt, better in METRICS:
        scen = key.split(".")[0] if "." in key else None
        cells = []
        for s in SERVERS:
            cells.append(fmt_cell(vals.get((s, key), []), fmt, fails.get((s, key), [])))
        if all(c == "—" for c in cells):
            continue
        g = vals.get(("guad", key))
        note = ""
        if scen in WRK_SCEN and key.endswith(".rps"):
            note = limit_note(vals, SERVERS, scen)
        label = label.format(**P)
        rows.append([label + " (" + unit + ", " + ("higher" if better == "hi" else "lower") + " is better)"]
                    + cells + [ratio(g, vals.get(("nginx", key))),
                               ratio(g, vals.get(("lighttpd", key))), note])
    # derived: /msg vs the static file of the same size
    gm, gs = vals.get(("guad", "msg.rps")), vals.get(("guad", "msgstatic.rps"))
    derived = []
    if gm and gs:
        derived.append("guad GET /msg runs at %.2f× the req/s of a static file of the same "
                       "size (%.0f vs %.0f req/s, medians)." % (
                           statistics.median(gm) / statistics.median(gs),
                           statistics.median(gm), statistics.median(gs)))
    gm, gs = vals.get(("guad", "msg.cpu_us")), vals.get(("guad", "msgstatic.cpu_us"))
    if gm and gs:
        derived.append("guad CPU per GET /msg: %.1f µs vs %.1f µs for the static copy." % (
            statistics.median(gm), statistics.median(gs)))
    hdr = ["metric", "guad", "nginx", "lighttpd", "guad/nginx", "guad/lighttpd", "what bounded it (median CPU of wrk on core 1 / of the server on core 0; other load = CPU used by anything else)"]

    # plain-text table for the terminal
    widths = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(6)]
    lines = []
    lines.append("  ".join(h.ljust(widths[i]) for i, h in enumerate(hdr[:6])))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(r[i]).ljust(widths[i]) for i in range(6)))
        if r[6]:
            lines.append("    ↳ " + r[6])
    srows = scaling_rows(vals, rnd, P)
    shdr = ["how cost grows", "server", "low", "high", "ratio high/low: median [min–max] over rounds", "target"]
    trows = target_rows(vals, rnd, P)
    thdr = ["target", "guad", "verdict", "what bounds a miss"]
    frows = floor_rows(vals, P)
    mem = memory_lines(vals, P)
    print("\n".join(meta_lines))
    print()
    for t in trows:
        print("%-8s %s: %s%s" % (t[2], t[0], t[1], (" (" + t[3] + ")") if t[3] else ""))
    print()
    print("\n".join(lines))
    if frows:
        print()
        fw = [max(len(str(r[i])) for r in frows + [FLOOR_HDR]) for i in range(len(FLOOR_HDR))]
        print("  ".join(h.ljust(fw[i]) for i, h in enumerate(FLOOR_HDR)))
        for r in frows:
            print("  ".join(str(r[i]).ljust(fw[i]) for i in range(len(FLOOR_HDR))))
    for d in derived:
        print(d)
    if srows:
        print()
        sw = [max(len(str(r[i])) for r in srows + [shdr]) for i in range(len(shdr))]
        print("  ".join(h.ljust(sw[i]) for i, h in enumerate(shdr)))
        for r in srows:
            print("  ".join(str(r[i]).ljust(sw[i]) for i in range(len(shdr))))
    if mem:
        print()
        print("Memory per idle keep-alive connection (target: at most 256 B):")
        for m in mem:
            print("  " + m)
    fail_lines = []
    for (s, k), v in sorted(fails.items()):
        fail_lines.append("%s %s: %s" % (s, k, "; ".join(v)))
    note_lines = []
    for (s, k), v in sorted(notes.items()):
        note_lines.append("%s %s: %s" % (s, k, "; ".join(v)))
    if fail_lines:
        print("\nFAILURES:")
        print("\n".join("  " + x for x in fail_lines))
    if note_lines:
        print("\nNOTES:")
        print("\n".join("  " + x for x in note_lines))

    md = []
    md.append("# guad benchmark results")
    md.append("")
    md.append("Produced by `bash bench/run.sh`. Cells: median over rounds [min–max]. "
              "Ratios are guad's median divided by the peer's median (for req/s "
              "and MiB/s >1 means guad is faster; for latency, CPU, syscalls, "
              "instructions and memory <1 means guad is cheaper).")
    md.append("")
    for m in meta_lines:
        md.append("- " + m)
    if trows:
        md_section(md, "Targets")
        md.extend(md_table(thdr, trows))
    md_section(md, "Measurements")
    md.extend(md_table(hdr, rows))
    md.append("")
    md.extend("- " + d for d in derived)
    if frows:
        md_section(md, "The floor: what reading and writing alone cost",
                   "bench/floor.c answers every request with guad's own response bytes and "
                   "does nothing else: no parsing, no file, one read and one write per "
                   "request (with Connection: close: accept4, read, write, close). It "
                   "runs like the servers (CPU 0, same wrk runs), so its figures are what the "
                   "kernel's loopback TCP path costs per request on this machine. CPU per "
                   "request also depends on how busy a process is: one that keeps up with wrk "
                   "waits, and is woken, more often per request than one that does not, so a "
                   "server can come out somewhat under the floor; the floor still shows how "
                   "much of each figure is the kernel's. Ratios are medians over medians.")
        md.extend(md_table(FLOOR_HDR, frows))
    if srows:
        md_section(md, "How cost grows",
                   "Ratios are taken within each round (both sides measured minutes apart, "
                   "on the same build), then summarised; callgrind figures come from one run "
                   "each.")
        md.extend(md_table(shdr, srows))
    if mem:
        md_section(md, "Memory per idle keep-alive connection",
                   "Target: at most 256 bytes. User space = the growth of the server's "
                   "processes per connection opened plus what they reserve per connection "
                   "slot (every configured slot, used or not; measured between connection "
                   "limits of 1024 and %s). Kernel = socket slab objects (see Method); it is "
                   "about the same for any server that keeps one socket per connection in an "
                   "epoll set." % P["CONN_LIMIT"])
        md.extend("- " + m for m in mem)
    if fail_lines:
        md_section(md, "Failures")
        md.extend("- " + x for x in fail_lines)
    if note_lines:
        md_section(md, "Notes recorded during the run")
        md.extend("- " + x for x in note_lines)
    md_section(md, "Method")
    md.append(METHOD)
    # bench/pg.py's section, measured on its own, is kept
    kept = ""
    if os.path.exists(out_md):
        old = open(out_md).read()
        if "<!-- bench/pg.py -->" in old:
            kept = "\n" + old[old.index("<!-- bench/pg.py -->"):]
    with open(out_md, "w") as f:
        f.write("\n".join(md) + "\n" + kept)


METHOD = """\
- Each server runs with one worker process on CPU 0 (`taskset -c 0`), wrk
  (`-t1 -c64 --latency`) on CPU 1, all on 127.0.0.1, access logs off,
  keep-alive on, sendfile on, the same document root (a temp dir: `small.html`
  = www/index.html, `big.bin` = 1 MiB of random bytes, www/'s files, and for
  guad `msgpage.html` = the saved body of GET /msg). Servers are started
  fresh in every round, in the order guad, nginx, lighttpd (guad's slot
  also holds the message-board and route scaling runs below). Every server
  has the same connection limit, CONN_LIMIT (guad `[limits] connections`,
  nginx `worker_connections`, lighttpd `server.max-connections`, with
  room for twice as many descriptors), and the same listen backlog (the
  kernel's `net.core.somaxconn`, which caps guad's SOMAXCONN; nginx
  `listen ... backlog=`, lighttpd `server.listen-backlog`).
- Server CPU per request: utime+stime from /proc/PID/stat of the master and
  its workers (plus cutime/cstime of reaped workers) before and after the
  wrk run, divided by the requests wrk completed. Clock-tick resolution
  (10 ms) over the whole run.
- "wrk-bound": wrk's own CPU (user+sys / wall) on core 1 was >= 90%, so the
  req/s figure is at least partly a measure of the load generator, not of
  the server; "server-bound": the server used >= 90% of core 0. "other
  load" is the machine's busy CPU (from /proc/stat) minus the server's and
  wrk's during the run, in % of one core, shown when >= 15%: other
  processes (or kernel work not charged to either) competed for the cores.
  With much other load, req/s and latency say more about the machine's
  contention than about the server; CPU per request, syscalls, instructions
  and memory are much less affected by it.
- Syscalls per request: `strace -c -f -p WORKER` attached during a wrk run
  (same options, STRACE_DURATION seconds), total calls / requests wrk
  completed. strace slows the server a lot, so batching per epoll_wait
  differs from the unstraced runs.
- Instructions per request: the server under `valgrind --tool=callgrind`
  (guad: workers = 1, `--trace-children=yes`, the worker's file; nginx:
  `master_process off`; lighttpd: `-D`), CG_N requests from a Python client
  (keep-alive over 4 connections, or one connection per request with
  `Connection: close`), minus the Ir of a run with 0 requests, divided by
  CG_N. User-space instructions only (the kernel's work is not counted).
- Concurrency: wrk `-t1 -cCONNS_HIGH` on the small file for CONC_DURATION
  seconds, right after the CONNS run on the same server process; the
  ratios (CONNS_HIGH over CONNS) are taken within each round. wrk opens
  all its connections before it sends a request, and its Requests/sec
  counts that time: on loopback each connect() does the whole handshake,
  about a second for 10,000. So the req/s compared is the mean of wrk's
  own 100 ms rate samples ("Req/Sec", which start once the connections
  are open), for both runs; the whole-run figure is shown too. The server
  CPU per request of the CONNS_HIGH run still includes accepting and
  closing its connections. With one wrk thread handling CONNS_HIGH
  sockets, wrk itself costs more per request: see "what bounded it"
  before reading the req/s ratio as the server's.
- Routes: guad alone with one route (the file route `/rt/fNNNN.html`, or
  the dir route `/rt/dNNNN/`), and with ROUTES_N routes (ROUTES_N/2 file
  routes `/rt/f0000.html`…, ROUTES_N/2 dir routes `/rt/d0000/`…). The
  measured number is in the middle half of each sorted table, but not
  its middle entry, which a binary search finds with its first probe:
  of the middle half, the entry nearest the middle that takes a binary
  search the most probes (with 500 entries: 9 probes, number 251).
  Measured paths: the file route itself and `small.html` below the dir
  route. Instructions per request under callgrind as above, except that
  the baseline is per configuration and path and is not idle: both runs
  first send CG_WARM requests to the path, so that start-up (parsing
  ROUTES_N routes), first-request work (opening the file or the database,
  filling caches) and shutdown cancel out and the figure is the steady
  cost of one more request. Req/s and CPU per request with wrk as for the
  other scenarios.
- Message board: a second database is created by starting guad on it
  once, then python3's sqlite3 adds MSG_BIG messages in one transaction
  (the schema guad made: `message(id INTEGER PRIMARY KEY, created, text)`;
  the newest 100 read like the 100 messages POSTed to the first one).
  GET /msg on guad with that database is measured right after guad's slot
  and compared, within the round, with GET /msg on the 100 messages; its
  instructions per request are measured under callgrind like the routes'.
- Memory per idle connection, in three parts:
  - growth: RSS and PSS (smaps_rollup) summed over the server's
    processes before and after opening IDLE_N keep-alive connections
    (each sends one request, reads the answer, stays open for a second),
    divided by the connections opened;
  - slots: what the processes reserve for every connection they may
    hold, used or not (guad callocs `[limits] connections` connection
    structures at start and touches them all when it links its free
    list; nginx likewise for `worker_connections` connections and their
    events). Measured as the RSS after 20 requests with a connection
    limit of CONN_LIMIT minus that with 1024, divided by the difference.
    A server that allocates connections as they come shows about 0 here
    (a few bytes either way are page noise) and its cost in the growth.
    Growth + slot is the user-space memory an idle connection costs when
    the limit is sized to the connections held;
  - kernel: /proc/slabinfo (active objects x object size) before and
    after, over the whole machine. The socket caches (TCP, sock_inode_cache,
    filp, dentry, lsm_*) hold one object per end of a connection, and both
    ends are on this machine, so the server's end is estimated as half of
    their growth plus the whole growth of the epoll caches (eventpoll_epi,
    eventpoll_pwq; only the server's end is in an epoll set). Other
    processes' activity on the machine adds noise to these figures. TCP
    buffer memory (`/proc/net/sockstat` mem) is shown separately; idle
    connections with nothing queued hold none.
"""


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    fn = globals().get("cmd_" + cmd)
    if fn is None:
        print(__doc__)
        return 2
    r = fn(*args)
    return r or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
