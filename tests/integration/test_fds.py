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
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import Server, get, request, wait_for, HOST  # noqa: E402

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


if __name__ == "__main__":
    unittest.main()
