#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""File descriptors: what routes hold, and the process limit.

Dir routes: every process keeps a dir route's directory open (the root
that requests are opened beneath).  Routes naming the same directory
share one descriptor, so 2,000 dir routes over five folders hold as many
descriptors as five routes, one per folder: the worker's /proc/PID/fd
count with 2,000 routes is compared with the same server's count with
five, and must not be larger.  Each route still serves its folder
(under Landlock, sandbox = on, the default), and a path that climbs out
of it is still refused.

The limit: the master raises RLIMIT_NOFILE (the soft limit up to the
hard one; as root the hard one too) to what a worker with [limits]
connections needs, which the workers inherit.  If it cannot (a low hard
limit and no CAP_SYS_RESOURCE), guad -t and the start log say how many
descriptors there are and at how many connections per worker that caps
[limits] connections.
"""

import ctypes
import os
import re
import resource
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import (GUAD, Server, get, request, wait_for,  # noqa: E402
                      HOST)

FOLDERS = 5
ROUTES = 2000


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def server_conns(port):
    """Connections the server side of port still has (IPv4, any state but
    LISTEN and TIME_WAIT, which hold no descriptor)."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.read().splitlines()[1:]:
            fields = line.split()
            if (int(fields[1].split(":")[1], 16) == port
                    and fields[3] not in ("0A", "06")):
                n += 1
    return n


def folder_files():
    return {"f%d/name.txt" % k: b"folder %d\n" % k for k in range(FOLDERS)}


def dir_routes(n):
    """n dir routes, /d0000/ ... over the FOLDERS folders in turn."""
    return {"/d%04d/" % i: "dir f%d" % (i % FOLDERS) for i in range(n)}


class DirRouteDescriptors(unittest.TestCase):

    def fds_with(self, n):
        """(worker fds, master fds) of a one-worker server with n dir
        routes, after it served a file through the last of them."""
        with Server({"routes": dir_routes(n)}, workers=1,
                    files=folder_files()) as s:
            last = n - 1
            r = get(s.port, "/d%04d/name.txt" % last)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, b"folder %d\n" % (last % FOLDERS))
            # the worker closes its end once it reads the client's EOF
            wait_for(lambda: server_conns(s.port) == 0,
                     message="the worker closing the connection")
            (w,) = s.workers()
            return open_fds(w), open_fds(s.pid)

    def test_many_dir_routes_over_few_folders_hold_one_fd_per_folder(self):
        few_w, few_m = self.fds_with(FOLDERS)
        many_w, many_m = self.fds_with(ROUTES)
        self.assertLessEqual(many_w, few_w,
                             "%d dir routes over %d folders: the worker "
                             "holds %d descriptors, %d with one route per "
                             "folder" % (ROUTES, FOLDERS, many_w, few_w))
        self.assertLessEqual(many_m, few_m, "the master's descriptors")

    def test_a_shared_folder_serves_every_route_and_refuses_escapes(self):
        with Server({"routes": dir_routes(50)}, workers=1,
                    files=folder_files()) as s:
            for i in (0, 7, 49):
                r = get(s.port, "/d%04d/name.txt" % i)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body, b"folder %d\n" % (i % FOLDERS))
            for path in ("/d0001/../f2/name.txt", "/d0001/%2e%2e/gua.ini",
                         "/d0003/..%2f..%2fgua.ini"):
                raw = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close" \
                      "\r\n\r\n" % (path, HOST)
                r = request(s.port, raw)
                self.assertNotIn(b"folder 2", r.body, path)
                self.assertNotIn(b"[server]", r.body, path)


CONNECTIONS = 1000
PR_CAPBSET_DROP = 24
CAP_SYS_RESOURCE = 24


def nofile(pid):
    """(soft, hard) RLIMIT_NOFILE of pid."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)
    raise AssertionError("no Max open files in /proc/%d/limits" % pid)


def limit_nofile(soft, hard, drop_cap=False):
    """A preexec_fn: RLIMIT_NOFILE soft and hard (None: unchanged); with
    drop_cap, as root, guad starts without CAP_SYS_RESOURCE (it cannot
    raise the hard limit, as in a container)."""
    def preexec():
        if drop_cap and os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl")
        old = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (soft, old[1] if hard is None else hard))
    return preexec


def may_raise_hard_limits():
    """Has this process CAP_SYS_RESOURCE (which guad would inherit)?"""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> CAP_SYS_RESOURCE & 1)
    return False


def check(server, preexec):
    """guad -t on server's gua.ini, under preexec: its stderr."""
    return subprocess.run([GUAD, "-t", "-c", server.ini],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=10,
                          preexec_fn=preexec).stderr


class DescriptorLimit(unittest.TestCase):
    SECTIONS = {"limits": {"connections": str(CONNECTIONS)}}

    def raised(self, preexec):
        s = Server(self.SECTIONS, workers=1, preexec_fn=preexec)
        try:
            self.assertNotIn("caps", check(s, preexec))
            s.start()
            m = re.search(r"ulimit -n raised from 64 to (\d+) for \[limits\] "
                          r"connections = %d" % CONNECTIONS, s.log())
            self.assertIsNotNone(m, s.log())
            got = int(m.group(1))
            self.assertGreaterEqual(got, 2 * CONNECTIONS)
            (w,) = s.workers()
            self.assertEqual(nofile(w)[0], got)
            self.assertEqual(get(s.port, "/").status, 200)
        finally:
            s.cleanup()

    def test_soft_limit_raised_up_to_the_hard_one(self):
        if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 2 * CONNECTIONS \
                + 100:
            self.skipTest("the hard limit here is below what guad needs")
        self.raised(limit_nofile(64, None))

    def test_root_raises_the_hard_limit_too(self):
        if not may_raise_hard_limits():
            self.skipTest("raising a hard limit takes CAP_SYS_RESOURCE, "
                          "which this process has not")
        self.raised(limit_nofile(64, 64))

    def test_a_limit_that_cannot_be_raised_is_reported_with_its_cap(self):
        low = 200
        preexec = limit_nofile(low, low, drop_cap=True)
        s = Server(self.SECTIONS, workers=1, preexec_fn=preexec)
        try:
            said = re.compile(r"ulimit -n %d caps \[limits\] connections at "
                              r"(\d+) per worker \(of %d" % (low, CONNECTIONS))
            err = check(s, preexec)
            self.assertRegex(err, said)
            cap = int(said.search(err).group(1))
            self.assertTrue(0 < cap < low // 2, err)
            s.start()
            self.assertEqual(said.search(s.log()).group(1), str(cap))
            self.assertEqual(get(s.port, "/").status, 200)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
