#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Privileges: started as root, the workers drop to [server] user with no
supplementary groups and cannot regain root; guad refuses to keep root in
its workers unless allow_root = on; the master gives the message store's
folder to the workers' user.  Needs root (as CI runs it); skipped
otherwise.  Sandbox: with sandbox = on (the default) workers still serve
files and the board, with no_new_privs set; on a kernel without Landlock
(played here by a seccomp filter) guad says so once and still serves.
tests/unit/check_sandbox shows that the confinement holds."""

import ctypes
import errno
import grp
import os
import platform
import pwd
import re
import shutil
import signal
import struct
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import Server, get, request, run_guad, wait_for  # noqa: E402

ROOT = os.geteuid() == 0


def ids(pid):
    """{"Uid": [real, effective, saved, fs], "Gid": [...], "Groups": [...]}"""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Uid", "Gid", "Groups", "NoNewPrivs"):
                out[key] = [int(x) for x in value.split()]
    return out


def settled_ids(pid, key, want, timeout=5.0):
    """ids(pid) once its key reads want, or as it is after timeout: a
    worker just forked has not dropped or confined itself yet."""
    deadline = time.monotonic() + timeout
    while True:
        out = ids(pid)
        if out.get(key) == want or time.monotonic() >= deadline:
            return out
        time.sleep(0.02)


SYS_LANDLOCK_CREATE_RULESET = 444   # the same number on every architecture


def without_landlock():
    """preexec_fn: a seccomp filter makes landlock_create_ruleset fail
    with ENOSYS, as on a kernel without Landlock."""
    insns = [
        (0x20, 0, 0, 0),                        # A = seccomp_data.nr
        (0x15, 0, 1, SYS_LANDLOCK_CREATE_RULESET),  # A == nr ?
        (0x06, 0, 0, 0x00050000 | errno.ENOSYS),    # RET ERRNO(ENOSYS)
        (0x06, 0, 0, 0x7fff0000),               # RET ALLOW
    ]
    code = ctypes.create_string_buffer(
        b"".join(struct.pack("HBBI", *i) for i in insns))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    prog = Prog(len(insns), ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog),
                  0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def post_msg(port, text):
    body = ("message=" + text).encode()
    raw = (b"POST /msg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    return request(port, raw)


@unittest.skipUnless(ROOT, "needs root: guad only switches users as root")
class DropTest(unittest.TestCase):
    def test_workers_run_as_user_with_no_groups_master_stays_root(self):
        nobody = pwd.getpwnam("nobody")
        with Server(workers=2, sections={"server": {"user": "nobody"}}) as s:
            workers = wait_for(lambda: len(s.workers()) == 2 and s.workers())
            for pid in workers:
                i = settled_ids(pid, "Uid", [nobody.pw_uid] * 4)
                self.assertEqual(i["Uid"], [nobody.pw_uid] * 4, i)
                self.assertEqual(i["Gid"], [nobody.pw_gid] * 4, i)
                self.assertEqual(i["Groups"], [], i)
            self.assertEqual(ids(s.pid)["Uid"][1], 0)
            self.assertEqual(get(s.port, "/").status, 200)
            self.assertEqual(get(s.port, "/doge.gif").status, 200)

    def test_group_sets_the_workers_group(self):
        group = "nogroup" if ROOT else ""
        gid = grp.getgrnam(group).gr_gid
        with Server(workers=1, sections={"server": {
                "user": "nobody", "group": group}}) as s:
            pid = wait_for(lambda: s.workers())[0]
            self.assertEqual(settled_ids(pid, "Gid", [gid] * 4)["Gid"],
                             [gid] * 4)

    def test_store_folder_is_given_to_the_user_and_posts_work(self):
        nobody = pwd.getpwnam("nobody")
        base = tempfile.mkdtemp(prefix="guadtest-priv-")
        self.addCleanup(shutil.rmtree, base, True)
        os.chmod(base, 0o755)
        db = os.path.join(base, "store", "msg.db")   # created by guad
        with Server(sections={"server": {"user": "nobody"},
                               "msg": {"db": db}}) as s:
            st = os.stat(os.path.dirname(db))
            self.assertEqual((st.st_uid, st.st_gid),
                             (nobody.pw_uid, nobody.pw_gid))
            self.assertEqual(os.stat(db).st_uid, nobody.pw_uid)
            self.assertEqual(post_msg(s.port, "dropped").status, 303,
                             s.log())
            self.assertIn(b"dropped", get(s.port, "/msg").body)

    def test_store_the_user_cannot_reach_is_reported_at_start(self):
        base = tempfile.mkdtemp(prefix="guadtest-priv-")   # 0700, root's
        self.addCleanup(shutil.rmtree, base, True)
        db = os.path.join(base, "store", "msg.db")
        with Server(sections={"server": {"user": "nobody"},
                               "msg": {"db": db}}) as s:
            self.assertRegex(s.log(), r"answers 503 until %s can be opened "
                             r"by nobody" % re.escape(db))
            self.assertEqual(get(s.port, "/msg").status, 503)
            self.assertEqual(get(s.port, "/").status, 200)

    def test_world_writable_store_folder_is_not_given_away(self):
        base = tempfile.mkdtemp(prefix="guadtest-priv-")
        self.addCleanup(shutil.rmtree, base, True)
        os.chmod(base, 0o1777)
        db = os.path.join(base, "msg.db")
        with Server(sections={"server": {"user": "nobody"},
                               "msg": {"db": db}}) as s:
            self.assertEqual(os.stat(base).st_uid, 0)
            self.assertRegex(s.log(), r"writable by anyone: not giving it")

    def test_root_without_user_refuses_to_start(self):
        with self.assertRaises(AssertionError) as cm:
            with Server(sections={"server": {"user": None}},
                        start_timeout=5):
                pass
        self.assertIn("workers would run as root", str(cm.exception))

    def test_user_root_without_allow_root_refuses_to_start(self):
        with self.assertRaises(AssertionError) as cm:
            with Server(sections={"server": {"user": "root"}},
                        start_timeout=5):
                pass
        self.assertIn("workers would run as root", str(cm.exception))

    def test_allow_root_keeps_root_in_the_workers(self):
        with Server(workers=1, sections={"server": {
                "user": None, "allow_root": "on"}}) as s:
            pid = wait_for(lambda: s.workers())[0]
            self.assertEqual(ids(pid)["Uid"][1], 0)
            self.assertEqual(get(s.port, "/").status, 200)

    def test_reload_to_a_file_without_user_is_refused(self):
        with Server(workers=1, sections={"server": {"user": "nobody"}}) as s:
            with open(s.ini, encoding="utf-8") as f:
                text = f.read()
            with open(s.ini, "w", encoding="utf-8") as f:
                f.write(re.sub(r"(?m)^user = .*\n", "", text))
            s.signal(signal.SIGHUP)
            wait_for(lambda: "keeping the running configuration" in s.log(),
                     5, message=lambda: s.log())
            self.assertIn("workers would run as root", s.log())
            self.assertEqual(get(s.port, "/").status, 200)


class SandboxTest(unittest.TestCase):
    def serves_everything(self, s):
        self.assertEqual(get(s.port, "/").status, 200)
        r = get(s.port, "/doge.gif")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.content_type(), "image/gif")
        self.assertEqual(get(s.port, "/static/style.css").status, 200)
        self.assertEqual(get(s.port, "/static/").status, 403)  # no listing
        self.assertEqual(post_msg(s.port, "sandboxed").status, 303, s.log())
        self.assertIn(b"sandboxed", get(s.port, "/msg").body)
        self.assertNotRegex(s.log(), r"\[(warn|error)\]")

    def test_sandboxed_workers_serve_files_and_the_board(self):
        with Server(workers=2) as s:
            self.assertRegex(s.log(), r"sandbox: landlock ABI \d+")
            for pid in wait_for(lambda: len(s.workers()) == 2
                                and s.workers()):
                self.assertEqual(
                    settled_ids(pid, "NoNewPrivs", [1])["NoNewPrivs"], [1])
            self.serves_everything(s)

    def test_sandbox_off_leaves_workers_unconfined(self):
        with Server(workers=1, sections={"server": {"sandbox": "off"}}) as s:
            pid = wait_for(lambda: s.workers())[0]
            self.serves_everything(s)   # the worker is past its start-up
            self.assertEqual(ids(pid)["NoNewPrivs"], [0])
            self.assertNotIn("landlock", s.log())

    @unittest.skipUnless(ROOT and platform.machine() in ("x86_64", "aarch64"),
                         "needs root and a known syscall table for seccomp")
    def test_without_landlock_says_so_once_and_serves(self):
        with Server(workers=2, preexec_fn=without_landlock) as s:
            for pid in wait_for(lambda: len(s.workers()) == 2
                                and s.workers()):
                self.assertEqual(
                    settled_ids(pid, "NoNewPrivs", [1])["NoNewPrivs"], [1])
            self.assertEqual(len(re.findall(
                r"landlock unavailable: not in this kernel; not confined",
                s.log())), 1, s.log())
            # the one warning is expected; nothing else may complain
            full = s.log
            s.log = lambda: "".join(
                l for l in full().splitlines(True)
                if "landlock unavailable" not in l)
            self.serves_everything(s)


class LookupTest(unittest.TestCase):
    def check(self, lines, lineno, message):
        """gua.ini with lines from line 4 on: guad -t names lineno."""
        tmp = tempfile.mkdtemp(prefix="guadtest-priv-")
        self.addCleanup(shutil.rmtree, tmp, True)
        ini = os.path.join(tmp, "gua.ini")
        with open(ini, "w") as f:
            f.write("[server]\nroot = %s\nport = 0\n%s[routes]\n"
                    "/ = file index.html\n"
                    % (guadtest.WWW, "".join(l + "\n" for l in lines)))
        r = run_guad(["-t", "-c", ini])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("%s:%d: %s" % (ini, lineno, message), r.stderr)

    def test_unknown_user_names_the_line(self):
        self.check(["user = no-such-user-here"], 4,
                   '[server] user: no such user "no-such-user-here"')

    def test_unknown_group_names_the_line(self):
        self.check(["user = nobody", "group = no-such-group-here"], 5,
                   '[server] group: no such group "no-such-group-here"')

    def test_group_without_user_is_an_error(self):
        self.check(["group = nogroup"], 4, "[server] group: needs user")


if __name__ == "__main__":
    unittest.main()
