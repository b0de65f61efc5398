#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A failure every request meets is logged once, then counted.

The message store's disk is full (RLIMIT_FSIZE on guad): every POST of
a flood fails its insert, is answered 503, and the worker meets the same
warning each time.  Unbounded, that is one line per POST (61,486 lines
in 6 s were seen).  log.c writes a warning whose text, digits left out,
came less than LOG_REPEAT_QUIET_MS (500 ms) before only as a count: one
line when the flood begins and one "... repeated N times in S s" once it
has been quiet that long (or every 60 s while it goes on).

Bound: the flood below is POSTS back-to-back requests from CLIENTS
threads, well under 60 s, so its insert failures make one line and one
summary.  A stall of this client longer than 500 ms in the middle would
make a second pair: at most 4 lines, whatever POSTS is.  Nothing is
lost: the lines written plus the counts summed are exactly the POSTs
refused.  A warning that comes once a second or less often is still
written each time (test_confine counts those).
"""

import os
import re
import resource
import signal
import sys
import threading
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import Connection, Server, HOST, wait_for  # noqa: E402

LIMIT = 256 * 1024     # RLIMIT_FSIZE: the store's disk
CLIENTS = 4
POSTS = 100            # per client
BIG = 60000            # a message that never fits in a full store
INSERT = "message store: insert"
SUMMARY = re.compile(r"\.\.\. repeated (\d+) times? in \d+ s: "
                     + re.escape(INSERT))


def post_raw(text):
    body = ("message=" + text).encode()
    return (("POST /msg HTTP/1.1\r\nHost: %s\r\nContent-Type: "
             "application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
             "\r\n" % (HOST, len(body))).encode() + body)


def small_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


class DiskFullFlood(unittest.TestCase):

    def test_a_post_flood_on_a_full_disk_writes_a_bounded_log(self):
        with Server({"msg": {"max_length": str(BIG + 100)}}, workers=1,
                    preexec_fn=small_files) as s:
            with Connection(s.port) as c:
                for i in range(2 * LIMIT // BIG + 2):
                    c.send(post_raw("%02d" % i + "x" * BIG))
                    if c.read_response().status == 503:
                        break
                else:
                    self.fail("the store never filled up")
            before = s.log().count(INSERT)
            statuses = []
            lock = threading.Lock()

            def client(k):
                with Connection(s.port, timeout=10) as c:
                    for i in range(POSTS):
                        c.send(post_raw("f%d-%d" % (k, i) + "y" * BIG))
                        r = c.read_response()
                        with lock:
                            statuses.append(r.status)

            threads = [threading.Thread(target=client, args=(k,))
                       for k in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(len(statuses), CLIENTS * POSTS)
            self.assertEqual(set(statuses), {503})
            # the count comes once the flood has been quiet for 500 ms
            wait_for(lambda: SUMMARY.search(s.log()), 10,
                     message="the summary of the repeated warning")
            lines = [l for l in s.log().split("\n") if INSERT in l]
            flood = lines[before:]
            counted = sum(int(m.group(1)) for m in
                          (SUMMARY.search(l) for l in flood) if m)
            written = len([l for l in flood if not SUMMARY.search(l)])
            self.assertLessEqual(len(flood), 4, "\n".join(flood[:20]))
            self.assertEqual(written + counted, CLIENTS * POSTS,
                             "\n".join(flood[:20]))


if __name__ == "__main__":
    unittest.main()
