"""Shared helpers for the guad integration tests.

Python 3 standard library only.  Environment:
  GUAD    path to the built binary (default: src/guad, relative to the cwd)
  SRCDIR  top of the source tree (default: .); www/ and conf/ live below it

Nothing is ever written below SRCDIR: every server gets a fresh temporary
directory holding its gua.ini, message database and log files.  Only the
process a Server started (and worker pids discovered as its children) is
ever signalled.
"""
# SPDX-License-Identifier: ISC

import collections
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

GUAD = os.path.abspath(os.environ.get("GUAD") or os.path.join("src", "guad"))
SRCDIR = os.path.abspath(os.environ.get("SRCDIR") or ".")
WWW = os.path.join(SRCDIR, "www")
CONF = os.path.join(SRCDIR, "conf")
SHIPPED_INI = os.path.join(CONF, "gua.ini")

# What AddressSanitizer, LeakSanitizer and UBSan print when they find
# something in the master or a worker (both write to guad's stderr).
SANITIZER_REPORT = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")

# make check names every test and every skip with its reason in the log
# (.ci/run lists the skips): unittest.main() reads -v from the command
# line, which the test driver does not let us pass.
if os.environ.get("GUADTEST_VERBOSE") and "-v" not in sys.argv[1:]:
    sys.argv.append("-v")

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

# Where a timeout is under test, its effect (a 408, a closed connection)
# is expected at the configured value, within these margins, never a loose
# constant.  A worker arms a timer from the time its event-loop turn began
# and sleeps in epoll_wait until the nearest deadline, in milliseconds
# (worker.c); a test starts its own clock after the server's (after
# connect, send or the last byte of a response).  So the effect comes no
# earlier than TIMER_EARLY before the value (one event-loop turn), and no
# later than TIMER_LATE after it: what a loaded 2-core CI machine may
# take to run the worker and then the test.
TIMER_EARLY = 0.1
TIMER_LATE = 1.0

# A time guad shows (a Date header, an access log line, a message's time)
# is its CLOCK_REALTIME_COARSE, in whole seconds (date.c): it lags the
# test's clock by at most one kernel tick (10 ms at HZ=100).
COARSE_LAG = 0.01


def stamped_between(stamp, before, after):
    """True if stamp (whole seconds since the epoch, as guad shows it)
    was taken between the test's time.time() values before and after."""
    return int(before - COARSE_LAG) <= stamp <= after

# The routes of the shipped conf/gua.ini (used if that file cannot be read).
FALLBACK_ROUTES = [
    ("/", "file index.html"),
    ("/doge.gif", "file doge.gif"),
    ("/msg", "msg msg.html"),
    ("/static/", "dir static"),
]


# --------------------------------------------------------------------------
# polling


def wait_for(cond, timeout=5.0, interval=0.02, message=None):
    """Poll cond() until it returns a truthy value; return that value.

    Raises AssertionError after `timeout` seconds.  `message` may be a string
    or a callable returning one (evaluated only on failure)."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            if callable(message):
                message = message()
            raise AssertionError(
                "timed out after %.1f s waiting for %s"
                % (timeout, message or getattr(cond, "__name__", "condition")))
        time.sleep(interval)


# --------------------------------------------------------------------------
# /proc helpers


def _stat(pid):
    """(state, ppid, starttime) of pid, or None if it does not exist."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("ascii", "replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm is in parentheses and may contain spaces or ')'.
    rest = data[data.rindex(")") + 2:].split()
    # rest[0] = state (field 3), rest[1] = ppid (4), rest[19] = starttime (22)
    return rest[0], int(rest[1]), int(rest[19])


def starttime(pid):
    st = _stat(pid)
    return st[2] if st else None


def alive(pid, start=None):
    """True if pid exists, is not a zombie and (if given) has that start time
    (which guards against pid reuse)."""
    st = _stat(pid)
    if st is None or st[0] in ("Z", "X"):
        return False
    return start is None or st[2] == start


def children(pid):
    """Set of the child pids of pid that the kernel lists, zombies
    included (empty if pid is gone)."""
    found = set()
    # Fast path: /proc/PID/task/*/children (CONFIG_PROC_CHILDREN). The
    # kernel walks that list by position, so a sibling reaped during the
    # read can shift the child after it out of the answer; the union of
    # two reads misses a child only if two are reaped within microseconds.
    try:
        for tid in os.listdir("/proc/%d/task" % pid) * 2:
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    found.update(int(x) for x in f.read().split())
            except OSError:
                found = None
                break
    except OSError:
        return set()
    if found is None:
        # Fallback: scan every process for its parent pid.
        found = set()
        for name in os.listdir("/proc"):
            if name.isdigit():
                st = _stat(int(name))
                if st and st[1] == pid:
                    found.add(int(name))
    return found


def live_child(pid, child):
    """True if child is, right now, a child of pid that has not exited."""
    st = _stat(child)
    return bool(st) and st[1] == pid and st[0] not in ("Z", "X")


def workers(pid):
    """Sorted list of the live (non-zombie) child pids of pid."""
    return sorted(c for c in children(pid) if live_child(pid, c))


def unread_bytes(server_port, client_port):
    """Bytes the server has not yet read from the connection whose client
    end is client_port (IPv4, from /proc/net/tcp), or None if the server
    side of it is not established (yet, or any more)."""
    try:
        with open("/proc/net/tcp") as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if (int(local.split(":")[1], 16) == server_port
                and int(remote.split(":")[1], 16) == client_port
                and state == "01"):
            return int(fields[4].split(":")[1], 16)
    return None


# --------------------------------------------------------------------------
# HTTP client


class Response:
    def __init__(self, version, status, reason, header_list, body, head):
        self.version = version
        self.status = status
        self.reason = reason
        self.header_list = header_list      # [(name, value)] as received
        self.headers = {}                   # lowercased name -> value
        for name, value in header_list:
            key = name.lower()
            if key in self.headers:
                self.headers[key] += ", " + value
            else:
                self.headers[key] = value
        self.body = body
        self.head = head                    # raw bytes of the response head

    def header_count(self, name):
        return sum(1 for n, _ in self.header_list if n.lower() == name.lower())

    def content_type(self):
        """Media type without parameters, lowercased."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def __repr__(self):
        return "<Response %s %s %r body=%d bytes>" % (
            self.status, self.reason, self.headers, len(self.body))


class ConnectionClosed(AssertionError):
    """The server closed the connection before the response was complete."""


class BadResponse(AssertionError):
    """What the server sent is not a well-formed HTTP response head."""


class Connection:
    """One client connection that can carry several requests."""

    def __init__(self, port, host=HOST, timeout=5.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.eof = False
        self.received = 0       # bytes read from the server, in total

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("no complete response within %.1f s; got %r"
                                 % (self.timeout, self.buf[:500]))
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        self.received += len(chunk)
        return True

    def _read_exact(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ConnectionClosed(
                    "connection closed after %d of %d body bytes"
                    % (len(self.buf), n))
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _read_line(self, deadline):
        while b"\r\n" not in self.buf:
            if not self._fill(deadline):
                raise ConnectionClosed("connection closed inside chunked body")
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_response(self, head=False, timeout=None):
        """Read one response.  head=True: the request was HEAD (no body)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                raise ConnectionClosed(
                    "connection closed before a complete response head; got %r"
                    % self.buf[:500])
        raw_head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw_head.decode("latin-1").split("\r\n")
        m = re.match(r"(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise BadResponse("bad status line %r" % lines[0])
        version, status, reason = m.group(1), int(m.group(2)), m.group(3) or ""
        header_list = []
        for line in lines[1:]:
            if ":" not in line:
                raise BadResponse("bad header line %r in %r" % (line, raw_head))
            name, value = line.split(":", 1)
            header_list.append((name, value.strip()))
        resp = Response(version, status, reason, header_list, b"", raw_head)
        if head or status in (204, 304) or 100 <= status < 200:
            return resp
        if "chunked" in resp.headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                line = self._read_line(deadline)
                try:
                    size = int(line.split(b";")[0], 16)
                except ValueError:
                    raise BadResponse("bad chunk size line %r" % line)
                if size == 0:
                    while self._read_line(deadline):
                        pass
                    break
                body += self._read_exact(size, deadline)
                self._read_line(deadline)
            resp.body = body
        elif "content-length" in resp.headers:
            resp.body = self._read_exact(int(resp.headers["content-length"]),
                                         deadline)
        else:
            while self._fill(deadline):
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def read_until_close(self, timeout=None):
        """Everything the server still sends until it closes (bounded)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while self._fill(deadline):
            pass
        data, self.buf = self.buf, b""
        return data

    def closed_by_server(self, timeout=2.0):
        """True if the server closes the connection within timeout with
        nothing more sent; False if it stays open that long.  Raises if
        unexpected bytes arrive."""
        if self.buf:
            raise AssertionError("unexpected extra bytes %r" % self.buf[:200])
        if self.eof:
            return True
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if data:
            raise AssertionError("unexpected extra bytes %r" % data[:200])
        self.eof = True
        return True


def _method(raw):
    if isinstance(raw, str):
        raw = raw.encode("latin-1")
    return raw.split(b" ", 1)[0].upper()


def request(port, raw, timeout=5.0, host=HOST):
    """Send raw request bytes on a new connection and return the Response."""
    with Connection(port, host=host, timeout=timeout) as conn:
        conn.send(raw)
        return conn.read_response(head=_method(raw) == b"HEAD")


def requests_on_one_connection(port, raws, timeout=5.0, pipelined=False,
                               host=HOST):
    """Send several requests on one connection, return the Responses.

    pipelined=False: send one, read its response, then the next.
    pipelined=True: send them all at once, then read the responses."""
    out = []
    with Connection(port, host=host, timeout=timeout) as conn:
        if pipelined:
            conn.send(b"".join(r.encode("latin-1") if isinstance(r, str) else r
                               for r in raws))
            for raw in raws:
                out.append(conn.read_response(head=_method(raw) == b"HEAD"))
        else:
            for raw in raws:
                conn.send(raw)
                out.append(conn.read_response(head=_method(raw) == b"HEAD"))
    return out


def get(port, path, extra_headers="", method="GET", version="HTTP/1.1",
        close=True, timeout=5.0):
    """Convenience: one simple request on its own connection."""
    raw = "%s %s %s\r\nHost: %s:%d\r\n%s%s\r\n" % (
        method, path, version, HOST, port, extra_headers,
        "Connection: close\r\n" if close else "")
    return request(port, raw.encode("latin-1"), timeout=timeout)


# --------------------------------------------------------------------------
# configuration


def read_ini(path):
    """Minimal ini reader: [(section, key, value)] in file order."""
    out = []
    section = ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in ";#":
                continue
            if line.startswith("[") and "]" in line:
                section = line[1:line.index("]")].strip()
            elif "=" in line:
                key, value = line.split("=", 1)
                value = re.split(r"\s;", value, 1)[0]
                out.append((section, key.strip(), value.strip()))
    return out


def shipped_routes():
    try:
        routes = [(k, v) for s, k, v in read_ini(SHIPPED_INI) if s == "routes"]
    except OSError:
        routes = []
    return routes or list(FALLBACK_ROUTES)


# Run as root (as CI does), guad refuses to keep root in its workers: they
# run as nobody, like a production set-up.  The master gives the message
# store's folder (each test's temp dir) to that user.
WORKER_USER = "nobody" if os.geteuid() == 0 else None


def default_sections(tmpdir, workers=2):
    return {
        "server": {"host": HOST, "port": "0", "workers": str(workers),
                   "root": WWW, "user": WORKER_USER},
        "msg": {"db": os.path.join(tmpdir, "msg.db")},
        "routes": dict(shipped_routes()),
    }


def render_ini(sections, extra=""):
    order = ["server", "limits", "timeouts", "msg", "mime", "routes"]
    names = [s for s in order if s in sections] + \
            [s for s in sections if s not in order]
    lines = []
    for name in names:
        lines.append("[%s]" % name)
        for key, value in sections[name].items():
            if value is not None:
                lines.append("%s = %s" % (key, value))
        lines.append("")
    text = "\n".join(lines)
    if extra:
        text += extra if extra.endswith("\n") else extra + "\n"
    return text


def run_guad(args, timeout=10.0, cwd=None):
    """Run guad to completion (e.g. -t, -V, -h); returns CompletedProcess
    with text stdout/stderr."""
    return subprocess.run([GUAD] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, cwd=cwd, text=True, errors="replace")


def version():
    """The first line of guad -V: "guad X.Y.Z"."""
    return run_guad(["-V"]).stdout.split("\n", 1)[0].strip()


# --------------------------------------------------------------------------
# the server under test


class Server:
    """Run guad with a generated gua.ini in a fresh temp dir.

    sections: {section: {key: value}} merged over the defaults (value None
    drops a default key); extra: raw text appended to the file (replaces the
    whole file if replace=True)."""

    def __init__(self, sections=None, extra="", workers=2, replace=False,
                 start_timeout=START_TIMEOUT, own_root=False, files=None,
                 preexec_fn=None, env=None, wrapper=None, log_files=False,
                 on_spawn=None):
        """own_root=True: the document root is a copy of www/ in the temp
        dir (self.root), so tests may add files to it.  files: {relative
        path below that root: bytes, or an int = size of a sparse file of
        zeros} created before the server starts (implies own_root).
        preexec_fn: passed to Popen (e.g. to lower resource limits).
        env: extra environment variables for guad ({name: value}; None
        removes one).  wrapper: argv put before guad's own (e.g.
        systemd-socket-activate and its options; it must exec guad so
        that the pid stays the same).  log_files=True: [server] error_log
        and access_log name files in the temp dir (error.log and
        access.log, what log() and access_log() read) and the process's
        own stderr/stdout go to stderr.log/stdout.log.  on_spawn:
        called with the Server right after the process is started,
        before waiting for readiness (and again, every 0.2 s, until
        it returns a true value or the server is ready)."""
        self.tmpdir = tempfile.mkdtemp(prefix="guadtest-")
        self.ini = os.path.join(self.tmpdir, "gua.ini")
        self.error_log_path = os.path.join(self.tmpdir, "error.log")
        self.access_log_path = os.path.join(self.tmpdir, "access.log")
        self.stderr_path = self.error_log_path
        self.stdout_path = self.access_log_path
        if log_files:
            self.stderr_path = os.path.join(self.tmpdir, "stderr.log")
            self.stdout_path = os.path.join(self.tmpdir, "stdout.log")
            sections = dict(sections or {})
            sections["server"] = dict(sections.get("server") or {})
            sections["server"].setdefault("error_log", self.error_log_path)
            sections["server"].setdefault("access_log", self.access_log_path)
        self.preexec_fn = preexec_fn
        self.env = env
        self.wrapper = list(wrapper or [])
        self.on_spawn = on_spawn
        self.root = WWW
        if own_root or files:
            self.root = os.path.join(self.tmpdir, "www")
            shutil.copytree(WWW, self.root)
            for rel, content in (files or {}).items():
                path = os.path.join(self.root, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    if isinstance(content, int):
                        f.truncate(content)
                    else:
                        f.write(content)
        if replace:
            text = extra
        else:
            merged = default_sections(self.tmpdir, workers)
            merged["server"]["root"] = self.root
            for name, keys in (sections or {}).items():
                merged.setdefault(name, {}).update(keys)
            text = render_ini(merged, extra)
        with open(self.ini, "w", encoding="utf-8") as f:
            f.write(text)
        self.start_timeout = start_timeout
        self.proc = None
        self.pid = None
        self.port = None
        self.returncode = None
        self.known_workers = {}             # pid -> starttime

    # -- logs

    def _read(self, path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log(self):
        return self._read(self.error_log_path)

    def access_log(self):
        return self._read(self.access_log_path)

    def access_lines(self):
        return [l for l in self.access_log().split("\n") if l.strip()]

    def _diag(self, what):
        text = "%s\n--- gua.ini ---\n%s--- error log ---\n%s--- access log ---\n%s" % (
            what, self._read(self.ini), self.log(), self.access_log())
        if self.stderr_path != self.error_log_path:
            text += "--- stderr ---\n%s" % self._read(self.stderr_path)
        return text

    # -- life cycle

    def start(self):
        if not os.access(GUAD, os.X_OK):
            raise AssertionError("guad binary %s not found or not executable "
                                 "(set GUAD)" % GUAD)
        self._err = open(self.stderr_path, "ab")
        self._out = open(self.stdout_path, "ab")
        env = None
        if self.env:
            env = dict(os.environ)
            for name, value in self.env.items():
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
        self.proc = subprocess.Popen(self.wrapper + [GUAD, "-c", self.ini],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err,
                                     cwd=self.tmpdir, env=env,
                                     preexec_fn=self.preexec_fn)
        self.pid = self.proc.pid
        spawned = [self.on_spawn is None, 0.0]

        def started():
            if not spawned[0] and time.monotonic() >= spawned[1]:
                spawned[0] = bool(self.on_spawn(self))
                spawned[1] = time.monotonic() + 0.2
            text = self.log()
            m = re.search(r"listening on (\S+):(\d+)", text)
            if m and re.search(r"ready:", text[m.end():]):
                return m
            if self.proc.poll() is not None:
                raise AssertionError(self._diag(
                    "guad exited with status %s before it was ready"
                    % self.proc.returncode))
            return None

        m = wait_for(started, self.start_timeout,
                     message=lambda: self._diag(
                         "'listening on %s:PORT' and then 'ready:' in the "
                         "error log" % HOST))
        self.listen_host = m.group(1)
        self.port = int(m.group(2))
        self.workers()
        return self

    def workers(self):
        """Live worker pids (children of the master); remembered for clean-up."""
        pids = workers(self.pid)
        for pid in pids:
            st = starttime(pid)
            if st is not None:
                self.known_workers.setdefault(pid, st)
        return pids

    def wait(self, timeout=STOP_TIMEOUT):
        """Wait for the master to exit; return its exit status."""
        self.returncode = self.proc.wait(timeout=timeout)
        return self.returncode

    def signal(self, sig):
        if self.proc.poll() is None:
            os.kill(self.pid, sig)

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.kill(self.pid, signal.SIGTERM)
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.kill(self.pid, signal.SIGKILL)
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except ProcessLookupError:
                    pass
            self.returncode = self.proc.returncode
            # Workers we saw: give them a moment to go, then force them.
            leftovers = lambda: [p for p, s in self.known_workers.items()
                                 if alive(p, s)]
            deadline = time.monotonic() + 3.0
            while leftovers() and time.monotonic() < deadline:
                time.sleep(0.05)
            for pid in leftovers():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for f in (getattr(self, "_err", None), getattr(self, "_out", None)):
            if f:
                f.close()
        self._check_sanitizers()

    def sanitizer_reports(self):
        """Sanitizer reports in what guad wrote to its stderr and logs."""
        found = []
        for path in sorted({self.stderr_path, self.error_log_path,
                            self.stdout_path}):
            text = self._read(path)
            for m in SANITIZER_REPORT.finditer(text):
                start = text.rfind("\n", 0, max(0, m.start() - 200)) + 1
                found.append("%s:\n%s" % (path, text[start:m.start() + 3000]))
        return found

    def _check_sanitizers(self):
        """Fail the test (once) if a sanitizer reported anything."""
        if getattr(self, "_sanitizers_checked", False) or self.proc is None:
            return
        self._sanitizers_checked = True
        found = self.sanitizer_reports()
        if found:
            raise AssertionError("guad's sanitizers reported:\n%s"
                                 % "\n".join(found)[:8000])

    def cleanup(self):
        try:
            self.stop()
        finally:
            if not os.environ.get("GUADTEST_KEEP"):
                shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()


# --------------------------------------------------------------------------
# test cases sharing one server


class ServerTestCase(unittest.TestCase):
    """A TestCase whose tests share one guad, started before the first test
    and stopped after the last (by pid, SIGTERM then SIGKILL; its stderr
    and logs are then checked for sanitizer reports, which fail the
    class).

    SERVER: keyword arguments for Server (sections, files, workers, ...);
    a subclass whose arguments depend on its own attributes overrides
    server_args() instead.  prepare(server) runs after the temp dir and
    document root exist and before guad starts (e.g. to add files).  The
    server is self.server, its port self.port."""

    SERVER = {}

    @classmethod
    def server_args(cls):
        return dict(cls.SERVER)

    @classmethod
    def prepare(cls, server):
        pass

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(**cls.server_args())
        try:
            cls.prepare(cls.server)
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.cleanup()
        finally:
            super().tearDownClass()


# --------------------------------------------------------------------------
# load


# Why a request got no answer (LoadClient.failures).
CONNECT_FAILED = "connect failed"
SEND_FAILED = "send failed"
NO_RESPONSE = "closed before any response byte"
TRUNCATED = "closed in the middle of the response"
NO_ANSWER_IN_TIME = "no complete answer in time"
GARBLED = "garbled response"


class Failure:
    """One request that got no answer: tag, kind (one of the constants
    above), reused (True if it went on a keep-alive connection that had
    already carried a request) and the exception's text."""

    def __init__(self, tag, kind, reused, detail):
        self.tag = tag
        self.kind = kind
        self.reused = reused
        self.detail = detail

    def __repr__(self):
        return "<%s: %s on a %s connection: %s>" % (
            self.tag, self.kind, "reused" if self.reused else "new",
            self.detail[:200])


class LoadClient(threading.Thread):
    """One client of a load or fault test.  It never retries.

    make(i) returns the i-th request as (tag, raw bytes), tag being what
    the test wants to know it by (a message text, a path).  Requests go
    one after another on one keep-alive connection (keep_alive=False: a
    new connection each), until `count` requests, the monotonic
    `deadline` or the `stop` Event.  Every request ends in exactly one
    of:
      answered   [(tag, Response)]: a complete, well-formed response
                 (Response.seconds: from sending to the last byte);
      failures   [Failure]: none, with the reason.
    After a failure or a "Connection: close" answer the next request goes
    on a new connection; stop_on_failure=True ends the client at the
    first failure instead.  A keep-alive connection the server closed
    while idle is noticed before a request is written to it (as any
    HTTP client does) and replaced: that is no request, only counted in
    idle_closed.  An exception in the client itself (not in the server's
    answer) ends it and is kept in `error` for the test to report."""

    def __init__(self, port, make, count, keep_alive=True, deadline=None,
                 stop=None, stop_on_failure=False, timeout=10.0, host=HOST):
        super().__init__(daemon=True)
        self.port = port
        self.host = host
        self.make = make
        self.count = count
        self.keep_alive = keep_alive
        self.deadline = deadline
        self.stop = stop
        self.stop_on_failure = stop_on_failure
        self.timeout = timeout
        self.sent = []          # tags, in order
        self.answered = []      # (tag, Response)
        self.failures = []      # Failure
        self.idle_closed = 0
        self.reused = 0         # requests sent on a reused connection
        self.error = None

    def answers(self):
        """collections.Counter of the answers' status codes."""
        return collections.Counter(r.status for _, r in self.answered)

    def tags(self, status):
        """Tags of the requests answered with status."""
        return [t for t, r in self.answered if r.status == status]

    def _done(self, i):
        return (i >= self.count
                or (self.deadline is not None
                    and time.monotonic() >= self.deadline)
                or (self.stop is not None and self.stop.is_set()))

    def run(self):
        conn = None
        served = 0              # requests answered on conn
        try:
            i = 0
            while not self._done(i):
                tag, raw = self.make(i)
                i += 1
                if conn is not None and served and idle_closed(conn):
                    self.idle_closed += 1
                    conn.close()
                    conn = None
                reused = conn is not None
                self.sent.append(tag)
                try:
                    conn = conn or Connection(self.port, host=self.host,
                                              timeout=self.timeout)
                except OSError as e:
                    conn = None
                    self.failures.append(Failure(tag, CONNECT_FAILED, False,
                                                 repr(e)))
                    if self.stop_on_failure:
                        return
                    continue
                got = conn.received
                t0 = time.monotonic()
                try:
                    conn.send(raw)
                    r = conn.read_response(head=_method(raw) == b"HEAD")
                except (OSError, ConnectionClosed, BadResponse) as e:
                    # only what the server's side can cause: an error of
                    # the client itself ends it (self.error)
                    if isinstance(e, BadResponse):
                        kind = GARBLED
                    elif isinstance(e, socket.timeout):
                        kind = NO_ANSWER_IN_TIME
                    elif isinstance(e, ConnectionClosed):
                        kind = (NO_RESPONSE if conn.received == got
                                else TRUNCATED)
                    else:
                        kind = (SEND_FAILED if conn.received == got
                                else TRUNCATED)
                    self.failures.append(Failure(tag, kind, reused, repr(e)))
                    conn.close()
                    conn = None
                    served = 0
                    if self.stop_on_failure:
                        return
                    continue
                r.seconds = time.monotonic() - t0
                self.answered.append((tag, r))
                if reused:
                    self.reused += 1
                served += 1
                if (not self.keep_alive or "close" in
                        r.headers.get("connection", "").lower()):
                    conn.close()
                    conn = None
                    served = 0
        except BaseException as e:  # noqa: B902 -- reported by the test
            self.error = e
        finally:
            if conn is not None:
                conn.close()


def idle_closed(conn):
    """True if the server has closed this idle connection (EOF or reset
    waiting), checked without blocking before a request is written."""
    if conn.buf:
        return False
    r, _, _ = select.select([conn.sock], [], [], 0)
    if not r:
        return False
    try:
        return conn.sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def run_clients(clients, timeout):
    """Start the clients, wait up to timeout seconds for all of them to
    end; raise if one is still running or ended on an error of its own."""
    for c in clients:
        c.start()
    end = time.monotonic() + timeout
    for c in clients:
        c.join(max(0.1, end - time.monotonic()))
    running = [c for c in clients if c.is_alive()]
    if running:
        raise AssertionError("%d clients still running after %.0f s"
                             % (len(running), timeout))
    for c in clients:
        if c.error is not None:
            raise AssertionError("a client failed: %r" % c.error) \
                from c.error
