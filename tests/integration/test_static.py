#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Static files: containment (traversal vectors, symlinks, dotfiles),
directories (301, index, 403, listings), large files with and without
sendfile, Content-Type, precompressed variants and Cache-Control.

Every fixture is generated at test time in the server's temporary
directory; the canary file lies beside the document root, outside it."""

import gzip
import hashlib
import os
import re
import socket
import struct
import sys
import time
import unittest
import zlib

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guadtest  # noqa: E402
from guadtest import (HOST, Server, ServerTestCase, get,  # noqa: E402
                      request, wait_for)

CANARY = b"CANARY-7f3a9c-outside-the-root\n"
DOTFILE = b"DOTFILE-SECRET-41d2\n"
CACHE = "public,max-age=60"
MIB = 1024 * 1024

HOSTILE_NAMES = ["<img src=x onerror=alert(1)>", "a&b\"q'"]


# --------------------------------------------------------------------------
# fixtures of each kind, built here


def png_bytes():
    def chunk(kind, data):
        body = kind + data
        return (struct.pack(">I", len(data)) + body +
                struct.pack(">I", zlib.crc32(body) & 0xffffffff))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def gif_bytes():
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
            b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01"
            b"\x00\x00\x02\x02D\x01\x00;")


def jpeg_bytes():
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) +
            app0 + b"\xff\xd9")


def pdf_bytes():
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, xref))
    return out


TYPE_FIXTURES = {
    "t.html": (b"<!DOCTYPE html>\n<html><head><title>t</title></head>"
               b"<body><p>hi</p></body></html>\n",
               "text/html; charset=utf-8"),
    "t.css": (b"body { color: #333; }\n", "text/css; charset=utf-8"),
    "t.js": (b"console.log('hi');\n", "text/javascript; charset=utf-8"),
    "t.json": (b'{"a": [1, 2, 3]}\n', "application/json"),
    "t.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="1" '
              b'height="1"><rect width="1" height="1"/></svg>\n',
              "image/svg+xml"),
    "t.gif": (gif_bytes(), "image/gif"),
    "t.png": (png_bytes(), "image/png"),
    "t.jpg": (jpeg_bytes(), "image/jpeg"),
    "t.pdf": (pdf_bytes(), "application/pdf"),
    "t.txt": (b"just some plain text\nover two lines\n",
              "text/plain; charset=utf-8"),
    "t.bin": (bytes([0, 1, 2, 0xfe, 0xff, 0x80, 0x7f, 0x10]) * 64,
              "application/octet-stream"),
    # [mime] overrides: a text type gets a charset unless it names one
    "t.md": (b"# title\n", "text/markdown; charset=utf-8"),
    "t.csv": (b"a,b\n", "text/csv; charset=iso-8859-1"),
    "t.thing": (b"thing\n", "application/x-thing"),
}

MIME = {"md": "text/markdown", "csv": "text/csv; charset=iso-8859-1",
        "thing": "application/x-thing"}

ROUTES = {
    "/": "dir .",
    "/nol/": "dir noindex",
    "/list/": "dir listdir listing cache=" + CACHE,
    "/c/": "dir cached cache=" + CACHE,
    "/pre/": "dir pre precompressed",
    "/plainpre/": "dir pre",
}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def populate(root):
    """The tree every server of this file serves; the canary beside it."""
    top = os.path.dirname(root)
    write(os.path.join(top, "canary.txt"), CANARY)
    write(os.path.join(root, "sub", "index.html"), b"<p>sub index</p>\n")
    write(os.path.join(root, "sub", "deeper", "index.html"), b"<p>deep</p>\n")
    write(os.path.join(root, "\\evil.example", "index.html"), b"<p>bs</p>\n")
    write(os.path.join(root, ".env"), DOTFILE)
    write(os.path.join(root, ".hidden", "x.txt"), DOTFILE)
    write(os.path.join(root, "noindex", "a.txt"), b"a\n")
    write(os.path.join(root, "cached", "file.txt"), b"cached\n")
    write(os.path.join(root, "cached", "sub", "index.html"), b"<p>c</p>\n")
    os.symlink("../canary.txt", os.path.join(root, "esc"))
    os.symlink("/etc/passwd", os.path.join(root, "passwd"))
    os.symlink("..", os.path.join(root, "updir"))
    os.symlink(".env", os.path.join(root, "innocent"))
    os.symlink(".hidden", os.path.join(root, "innodir"))
    ld = os.path.join(root, "listdir")
    for name in HOSTILE_NAMES:
        write(os.path.join(ld, name), b"x\n")
    write(os.path.join(ld, "plain.txt"), b"plain\n")
    write(os.path.join(ld, ".dot"), b"dot\n")
    os.symlink("../../canary.txt", os.path.join(ld, "escaping-link"))
    os.symlink("/etc", os.path.join(ld, "etc-link"))
    write(os.path.join(ld, "subdir", "in.txt"), b"in\n")
    os.symlink("subdir", os.path.join(ld, "inner-link"))
    # inside the document root, but outside the /list/ route's directory
    os.symlink("../sub", os.path.join(ld, "sideways-link"))
    os.symlink(".dot", os.path.join(ld, "dot-link"))
    for name, (data, _) in TYPE_FIXTURES.items():
        write(os.path.join(root, "types", name), data)
    populate_precompressed(os.path.join(root, "pre"))
    big = os.path.join(root, "big")
    os.makedirs(big)
    for name, size in (("1m.bin", MIB), ("100m.bin", 100 * MIB)):
        with open(os.path.join(big, name), "wb") as f:
            left = size
            while left:
                n = min(left, 4 * MIB)
                f.write(os.urandom(n))
                left -= n


JS = b"export const greeting = 'hello';\n" * 40


def populate_precompressed(pre):
    now = time.time()
    write(os.path.join(pre, "app.js"), JS)
    write(os.path.join(pre, "app.js.gz"), gzip.compress(JS, mtime=0))
    write(os.path.join(pre, "app.js.br"), b"not really brotli, opaque\n")
    os.utime(os.path.join(pre, "app.js"), (now - 10, now - 10))
    # only a gzip variant here
    write(os.path.join(pre, "gzonly.css"), b"a { color: red; }\n" * 20)
    write(os.path.join(pre, "gzonly.css.gz"),
          gzip.compress(b"a { color: red; }\n" * 20, mtime=0))
    os.utime(os.path.join(pre, "gzonly.css"), (now - 10, now - 10))
    # a stale variant: older than what it compresses
    write(os.path.join(pre, "stale.txt"), b"fresh text\n")
    write(os.path.join(pre, "stale.txt.gz"), gzip.compress(b"old", mtime=0))
    os.utime(os.path.join(pre, "stale.txt.gz"), (now - 3600, now - 3600))
    # a variant of the same size and time as its original
    write(os.path.join(pre, "same.txt"), b"0123456789abcdef")
    write(os.path.join(pre, "same.txt.gz"), b"fedcba9876543210")
    for name in ("same.txt", "same.txt.gz"):
        os.utime(os.path.join(pre, name), ns=(10 ** 18, 10 ** 18))


def raw_get(port, target, extra=b""):
    """A request whose target goes on the wire exactly as given."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    return request(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" +
                   extra + b"Connection: close\r\n\r\n")


def fetch_digest(port, path, timeout=60.0):
    """GET path; returns (status, headers, body length, sha256 hex),
    hashing the body as it arrives (large files never sit in memory)."""
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                     % path.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError("closed before the head: %r" % buf)
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        want = int(headers["content-length"])
        h = hashlib.sha256(rest[:want])
        got = len(rest[:want])
        view = bytearray(1 << 20)
        while got < want:
            n = sock.recv_into(view)
            if n == 0:
                break
            h.update(view[:min(n, want - got)])
            got += n
        return status, headers, got, h.hexdigest()
    finally:
        sock.close()


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            h.update(block)
    return h.hexdigest()


def body_paths(server, mark):
    """{"sendfile" or "pread": bytes} of the file bodies guad sent since
    error log offset mark, from its debug lines (GUAD_DEBUG=1)."""
    out = {}
    for m in re.finditer(r"\[debug\] .*file body: (-?\d+) bytes by (\w+)",
                         server.log()[mark:]):
        if int(m.group(1)) > 0:
            out[m.group(2)] = out.get(m.group(2), 0) + int(m.group(1))
    return out


class StaticTest(ServerTestCase):
    """One server, dotfiles off, sendfile on, over the generated tree."""

    # GUAD_DEBUG=1: a debug line says how each piece of a file body went
    SERVER = {"sections": {"routes": ROUTES, "mime": MIME}, "own_root": True,
              "env": {"GUAD_DEBUG": "1"}}

    @classmethod
    def prepare(cls, server):
        populate(server.root)

    def get(self, path, **kw):
        return get(self.server.port, path, **kw)

    # -- containment

    def test_log_says_how_files_are_opened(self):
        self.assertRegex(self.server.log(), r"files opened with (openat2 "
                         r"with RESOLVE_BENEATH|openat and a check through "
                         r"/proc \(openat2: .+\))")

    def test_canary_sits_beside_the_root(self):
        # the vectors below would reach it if anything let them out
        path = os.path.join(os.path.dirname(self.server.root), "canary.txt")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), CANARY)
        self.assertEqual(self.get("/sub/").status, 200)

    def test_traversal_vectors_never_leave_the_root(self):
        vectors = [
            "/../canary.txt", "/sub/../../canary.txt", "/./../canary.txt",
            "/%2e%2e/canary.txt", "/%2E%2E/canary.txt",
            "/sub/%2e%2e/%2e%2e/canary.txt",
            "/%252e%252e/canary.txt", "/sub/%252e%252e/%252e%252e/canary.txt",
            "/..%2fcanary.txt", "/sub/..%2f..%2fcanary.txt",
            "/.%2e/canary.txt", "/%2e./canary.txt", "/sub/.%2e/.%2e/canary.txt",
            "/..\\canary.txt", "/sub\\..\\..\\canary.txt",
            "/..%5ccanary.txt", "/sub%5c..%5c..%5ccanary.txt",
            "/%00", "/canary.txt%00", "/sub/%00/../../canary.txt",
            "/..%00/canary.txt",
            "/%c0%ae%c0%ae/canary.txt", "/%c0%ae%c0%ae%c0%afcanary.txt",
            "/%e0%80%ae%e0%80%ae/canary.txt",
            "/static/../../canary.txt", "/static/%2e%2e/%2e%2e/canary.txt",
            "/nol/..%2f..%2fcanary.txt", "/list/%2e%2e/%2e%2e/canary.txt",
            "http://x/../canary.txt", "http://x/%2e%2e/canary.txt",
            "/esc", "/updir/canary.txt", "/sub/../esc",
        ]
        for target in vectors:
            with self.subTest(target=target):
                r = raw_get(self.server.port, target)
                self.assertIn(r.status, (400, 404), r)
                self.assertNotIn(b"CANARY", r.body)

    def test_symlink_escapes_are_refused(self):
        for path in ("/esc", "/passwd", "/updir/canary.txt",
                     "/list/escaping-link", "/list/etc-link/passwd"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, 404, r)
                self.assertNotIn(b"CANARY", r.body)
                self.assertNotIn(b"root:", r.body)

    def test_dotfiles_are_404_by_default(self):
        for path in ("/.env", "/.hidden/x.txt", "/.hidden/", "/%2eenv",
                     "/list/.dot"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, 404, r)
                self.assertNotIn(b"DOTFILE", r.body)

    def test_dotfile_behind_an_innocent_symlink_is_404(self):
        for path in ("/innocent", "/innodir/x.txt", "/innodir/",
                     "/list/dot-link"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, 404, r)
                self.assertNotIn(b"DOTFILE", r.body)
                self.assertNotIn(b"dot\n", r.body)

    # -- directories

    def test_directory_without_slash_is_301_with_slash(self):
        r = self.get("/sub")
        self.assertEqual(r.status, 301, r)
        self.assertEqual(r.headers["location"], "/sub/")
        r = self.get("/sub/deeper")
        self.assertEqual(r.headers["location"], "/sub/deeper/")

    def test_301_keeps_the_query(self):
        r = self.get("/sub?a=1&b=two")
        self.assertEqual(r.status, 301, r)
        self.assertEqual(r.headers["location"], "/sub/?a=1&b=two")

    def test_301_location_is_built_from_the_normalised_path(self):
        cases = {
            "//evil.example/../sub": "/sub/",
            "//evil.example/%2e%2e/sub": "/sub/",
            "/%2fevil.example/../sub": "/sub/",
            "///sub": "/sub/",
            "/./sub": "/sub/",
            "//evil.example/../sub?q=1": "/sub/?q=1",
            "/%5cevil.example": "/%5Cevil.example/",
            "/\\evil.example": "/%5Cevil.example/",
        }
        for target, want in cases.items():
            with self.subTest(target=target):
                r = raw_get(self.server.port, target)
                self.assertEqual(r.status, 301, r)
                loc = r.headers["location"]
                self.assertEqual(loc, want)
                self.assertFalse(loc.startswith("//") or
                                 loc.startswith("/\\"), loc)

    def test_dir_route_path_without_slash_is_301_despite_catch_all(self):
        for path, want in (("/nol", "/nol/"), ("/list", "/list/"),
                           ("/c?x=1", "/c/?x=1")):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, 301, r)
                self.assertEqual(r.headers["location"], want)

    def test_index_html_is_served_for_a_directory(self):
        r = self.get("/sub/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"<p>sub index</p>\n")
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")

    def test_directory_without_index_is_403(self):
        r = self.get("/nol/")
        self.assertEqual(r.status, 403, r)
        self.assertNotIn(b"a.txt", r.body)
        self.assertEqual(self.get("/nol/a.txt").body, b"a\n")

    def test_listing_escapes_hostile_names(self):
        r = self.get("/list/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        body = r.body.decode("utf-8")
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", body)
        self.assertIn("a&amp;b&quot;q&#39;", body)
        self.assertNotIn("<img", body)
        self.assertNotIn("a&b", body)
        self.assertIn("plain.txt", body)
        # and each link leads to its file
        r2 = self.get("/list/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E")
        self.assertEqual((r2.status, r2.body), (200, b"x\n"))

    def test_listing_hides_dotfiles_and_escaping_symlinks(self):
        body = self.get("/list/").body.decode("utf-8")
        self.assertIn('href="inner-link/"', body)
        self.assertEqual(self.get("/list/inner-link/in.txt").body, b"in\n")
        for name in (".dot", "escaping-link", "etc-link", "dot-link",
                     "sideways-link"):
            with self.subTest(name=name):
                self.assertNotIn(name, body)
                self.assertEqual(self.get("/list/" + name).status, 404)

    # -- large files

    def test_large_files_arrive_byte_identical(self):
        for name in ("1m.bin", "100m.bin"):
            with self.subTest(name=name):
                path = os.path.join(self.server.root, "big", name)
                mark = len(self.server.log())
                status, headers, n, digest = fetch_digest(
                    self.server.port, "/big/" + name)
                self.assertEqual(status, 200)
                self.assertEqual(n, os.path.getsize(path))
                self.assertEqual(digest, file_digest(path))
                # and by sendfile (sendfile = on, the default)
                # the worker logs a piece just after it sent it
                wait_for(lambda: body_paths(self.server, mark)
                         == {"sendfile": n}, 5, message=lambda:
                         "%d bytes by sendfile, nothing else; got %s"
                         % (n, body_paths(self.server, mark)))

    # -- Content-Type

    def test_content_type_of_each_kind(self):
        for name, (data, ctype) in TYPE_FIXTURES.items():
            with self.subTest(name=name):
                r = self.get("/types/" + name)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body, data)
                self.assertEqual(r.headers["content-type"], ctype)
                self.assertEqual(r.headers["x-content-type-options"],
                                 "nosniff")

    # -- precompressed variants

    def pre(self, name, ae=None, extra=""):
        if ae is not None:
            extra += "Accept-Encoding: %s\r\n" % ae
        return self.get("/pre/" + name, extra_headers=extra)

    def test_identity_without_accept_encoding(self):
        r = self.pre("app.js")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, JS)
        self.assertNotIn("content-encoding", r.headers)
        self.assertEqual(r.headers["vary"], "Accept-Encoding")
        self.assertEqual(r.headers["content-type"],
                         "text/javascript; charset=utf-8")

    def test_gzip_variant_with_its_own_etag(self):
        plain = self.pre("gzonly.css")
        r = self.pre("gzonly.css", "gzip")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-encoding"], "gzip")
        self.assertEqual(r.headers["vary"], "Accept-Encoding")
        self.assertEqual(r.headers["content-type"], "text/css; charset=utf-8")
        self.assertEqual(gzip.decompress(r.body), plain.body)
        self.assertNotEqual(r.headers["etag"], plain.headers["etag"])
        # each ETag validates its own representation only
        r304 = self.pre("gzonly.css", "gzip",
                        "If-None-Match: %s\r\n" % r.headers["etag"])
        self.assertEqual(r304.status, 304)
        r200 = self.pre("gzonly.css", "gzip",
                        "If-None-Match: %s\r\n" % plain.headers["etag"])
        self.assertEqual(r200.status, 200)

    def test_etags_differ_when_size_and_time_are_equal(self):
        plain = self.pre("same.txt")
        gz = self.pre("same.txt", "gzip")
        self.assertEqual(gz.headers["content-encoding"], "gzip")
        self.assertEqual(len(plain.body), len(gz.body))
        self.assertEqual(plain.headers["last-modified"],
                         gz.headers["last-modified"])
        self.assertNotEqual(plain.headers["etag"], gz.headers["etag"])

    def test_br_preferred_when_both_are_accepted(self):
        for ae in ("gzip, br", "br, gzip", "gzip;q=1, br;q=0.5"):
            with self.subTest(ae=ae):
                r = self.pre("app.js", ae)
                self.assertEqual(r.headers.get("content-encoding"), "br")
                self.assertEqual(r.body, b"not really brotli, opaque\n")
        etags = {self.pre("app.js", ae).headers["etag"]
                 for ae in (None, "gzip", "br")}
        self.assertEqual(len(etags), 3)

    def test_br_refused_with_q0_falls_back_to_gzip(self):
        r = self.pre("app.js", "br;q=0, gzip")
        self.assertEqual(r.headers.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(r.body), JS)

    def test_stale_variant_is_ignored(self):
        r = self.pre("stale.txt", "gzip")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("content-encoding", r.headers)
        self.assertEqual(r.body, b"fresh text\n")

    def test_no_variant_without_the_route_option(self):
        # the same directory through a route that lacks the option
        r = self.get("/plainpre/app.js",
                     extra_headers="Accept-Encoding: gzip, br\r\n")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, JS)
        self.assertNotIn("content-encoding", r.headers)
        self.assertNotIn("vary", r.headers)

    # -- Cache-Control

    def test_cache_control_per_route(self):
        for path, status in (("/c/file.txt", 200), ("/c/sub", 301),
                             ("/c", 301), ("/c/sub/", 200), ("/list/", 200),
                             ("/list", 301)):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.headers.get("cache-control"), CACHE)
        for path in ("/types/t.txt", "/sub", "/sub/", "/c/missing"):
            with self.subTest(path=path):
                self.assertNotIn("cache-control", self.get(path).headers)


class DotfilesOnTest(ServerTestCase):
    """dotfiles = on, sendfile = off, over the same kind of tree."""

    SERVER = {"sections": {"server": {"dotfiles": "on", "sendfile": "off"},
                           "routes": ROUTES, "mime": MIME},
              "own_root": True, "env": {"GUAD_DEBUG": "1"}}

    @classmethod
    def prepare(cls, server):
        populate(server.root)

    def test_dotfiles_are_served_when_on(self):
        for path in ("/.env", "/innocent", "/.hidden/x.txt"):
            with self.subTest(path=path):
                r = get(self.server.port, path)
                self.assertEqual((r.status, r.body), (200, DOTFILE))

    def test_escapes_stay_refused_when_on(self):
        for path in ("/esc", "/passwd", "/updir/canary.txt"):
            with self.subTest(path=path):
                r = get(self.server.port, path)
                self.assertEqual(r.status, 404, r)
                self.assertNotIn(b"CANARY", r.body)

    def test_large_files_arrive_byte_identical_without_sendfile(self):
        for name in ("1m.bin", "100m.bin"):
            with self.subTest(name=name):
                path = os.path.join(self.server.root, "big", name)
                mark = len(self.server.log())
                status, headers, n, digest = fetch_digest(
                    self.server.port, "/big/" + name)
                self.assertEqual(status, 200)
                self.assertEqual(n, os.path.getsize(path))
                self.assertEqual(digest, file_digest(path))
                wait_for(lambda: body_paths(self.server, mark)
                         == {"pread": n}, 5, message=lambda:
                         "%d bytes by pread, nothing else; got %s"
                         % (n, body_paths(self.server, mark)))


class FileCacheTest(unittest.TestCase):
    """Small files answered from a worker's memory (file_cache), checked
    against the file system at most once a second."""

    def server(self, file_cache=None):
        sections = {"routes": {"/": "dir ."}}
        if file_cache is not None:
            sections["server"] = {"file_cache": str(file_cache)}
        # one worker: the second request must meet the first one's cache
        s = Server(sections=sections, own_root=True, workers=1)
        self.addCleanup(s.cleanup)
        return s

    @staticmethod
    def write(path, data, ns=None):
        with open(path, "r+b" if os.path.exists(path) else "wb") as f:
            f.write(data)
            f.truncate()
        if ns is not None:
            os.utime(path, ns=ns)

    @staticmethod
    def next_second(port, first):
        """Wait for an answer (to a request for a missing file, which the
        cache does not hold) dated after the response first: the
        worker's clock, which the cache goes by, has turned to a new
        second.  It does within a second (and guadtest.TIMER_LATE)."""
        def later():
            r = get(port, "/no-such-file")
            return r.headers["date"] != first.headers["date"]
        wait_for(later, 1 + guadtest.TIMER_LATE, interval=0.01,
                 message="a Date header after %s" % first.headers["date"])

    def test_an_edit_is_served_from_the_next_second_on(self):
        # gua.ini(5): "an edited or replaced file is served as it was for
        # at most one second": the worker's own clock (its Date header)
        # tells when that second is over, not the test's.
        s = self.server()
        path = os.path.join(s.root, "f.txt")
        self.write(path, b"one\n")
        s.start()
        first = get(s.port, "/f.txt")
        self.assertEqual(first.body, b"one\n")
        self.write(path, b"second version\n")
        self.next_second(s.port, first)
        self.assertEqual(get(s.port, "/f.txt").body, b"second version\n")

    def test_conditionals_and_ranges_from_memory(self):
        s = self.server()
        self.write(os.path.join(s.root, "r.txt"), b"0123456789")
        s.start()
        first = get(s.port, "/r.txt")
        again = get(s.port, "/r.txt")  # from the cache
        self.assertEqual((again.status, again.body), (200, b"0123456789"))
        self.assertEqual(again.headers["etag"], first.headers["etag"])
        self.assertEqual(again.headers["content-type"],
                         "text/plain; charset=utf-8")
        r = get(s.port, "/r.txt", "If-None-Match: %s\r\n"
                % first.headers["etag"])
        self.assertEqual((r.status, r.body), (304, b""))
        r = get(s.port, "/r.txt", "Range: bytes=2-4\r\n")
        self.assertEqual((r.status, r.body), (206, b"234"))
        self.assertEqual(r.headers["content-range"], "bytes 2-4/10")
        r = get(s.port, "/r.txt", "Range: bytes=20-\r\n")
        self.assertEqual(r.status, 416)
        r = get(s.port, "/r.txt", method="HEAD")
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertEqual(r.headers["content-length"], "10")

    def check_in_place_rewrite(self, file_cache, size, expect_cached):
        # Same inode, size and modification time, other bytes: only the
        # cache can still hold the old ones once the second has passed.
        s = self.server(file_cache)
        path = os.path.join(s.root, "same.bin")
        old, new = b"a" * size, b"b" * size
        self.write(path, old)
        s.start()
        first = get(s.port, "/same.bin")
        self.assertEqual(first.body, old)
        st = os.stat(path)
        self.write(path, new, ns=(st.st_atime_ns, st.st_mtime_ns))
        # past the second in which it was checked, by the worker's clock
        self.next_second(s.port, first)
        want = old if expect_cached else new
        self.assertEqual(get(s.port, "/same.bin").body, want)

    def test_small_files_are_answered_from_memory(self):
        self.check_in_place_rewrite(None, 8192, True)

    def test_files_over_8_kib_are_read_each_time(self):
        self.check_in_place_rewrite(None, 8193, False)

    def test_file_cache_0_reads_each_time(self):
        self.check_in_place_rewrite(0, 100, False)


if __name__ == "__main__":
    unittest.main(verbosity=2)
