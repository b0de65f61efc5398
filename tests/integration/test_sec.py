#!/usr/bin/env python3
"""Web security and conformance: no sniffed active content, preconditions
(RFC 9110 13), Host syntax and server_name, cross-site writes to the
board, the board's validators, absolute symlinks inside a route.

Every fixture is generated at test time in the server's temporary
directory."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import Server, get, request  # noqa: E402

XSS_PAGE = b"<html><script>alert(document.cookie)</script></html>\n"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(1)</script></svg>\n')
XHTML = (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/'
         b'xhtml"><body><script>alert(1)</script></body></html>\n')
XML = b'<?xml version="1.0"?>\n<doc><a>1</a></doc>\n'
NODE = b"#!/usr/bin/env node\nconsole.log(document.cookie);\n"
JS = b'"use strict";\nfunction f() { var x = document.cookie; }\n'

# name: (content, the Content-Type guad must send)
TYPES = {
    # the extension says text: markup inside stays text
    "up/note.txt": (XSS_PAGE, "text/plain; charset=utf-8"),
    "up/log.text": (SVG, "text/plain; charset=utf-8"),
    # no extension, or one no table knows: sniffed, never active
    "up/page": (XSS_PAGE, "text/plain; charset=utf-8"),
    "up/page.zzunknown": (XSS_PAGE, "text/plain; charset=utf-8"),
    "up/pic": (SVG, "text/plain; charset=utf-8"),
    "up/doc": (XHTML, "text/plain; charset=utf-8"),
    "up/data": (XML, "text/plain; charset=utf-8"),
    "up/tool": (NODE, "text/plain; charset=utf-8"),
    "up/lib": (JS, "text/plain; charset=utf-8"),
    # what the extension names is still served as that
    "up/real.html": (XSS_PAGE, "text/html; charset=utf-8"),
    "up/real.svg": (SVG, "image/svg+xml"),
    "up/app.js": (JS, "text/javascript; charset=utf-8"),
    # from /etc/mime.types, which the built-in table lacks
    "up/doc.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    "up/latin1.txt": (b"caf\xe9 na\xefve r\xe9sum\xe9\n",
                      "text/plain; charset=iso-8859-1"),
}


class MimeTest(unittest.TestCase):
    """The extension decides; libmagic never makes a type active."""

    @classmethod
    def setUpClass(cls):
        files = {name: data for name, (data, _) in TYPES.items()}
        cls.server = Server(sections={"routes": {"/up/": "dir up"}},
                            files=files)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_types(self):
        for name, (data, ctype) in TYPES.items():
            with self.subTest(name=name):
                r = get(self.server.port, "/" + name)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.body, data)
                self.assertEqual(r.headers["content-type"], ctype)
                self.assertEqual(r.headers["x-content-type-options"],
                                 "nosniff")

    def test_twice_from_the_cache(self):
        # the second answer comes from the small-file and type caches
        for _ in range(2):
            r = get(self.server.port, "/up/note.txt")
            self.assertEqual(r.headers["content-type"],
                             "text/plain; charset=utf-8")


if __name__ == "__main__":
    unittest.main(verbosity=2)
