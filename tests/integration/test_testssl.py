#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""testssl.sh (Debian package testssl.sh) against guad's [tls] listener:
no finding rated HIGH or CRITICAL, TLS 1.0 and 1.1 (and SSL) not offered,
and every cipher offered has forward secrecy.

guad serves certificates from a test CA made with the openssl CLI (valid
for 90 days and naming a CRL, as a real one would, so that testssl judges
guad and not the test CA's shortcuts). testssl talks only to 127.0.0.1,
without DNS, and writes its findings as JSON, which this test reads.

The runs are bounded: with the ECDSA P-256 certificate, the checks that
judge the server's TLS (protocols, cipher categories, each cipher,
forward secrecy, the server's defaults and the vulnerabilities); with the
RSA 2048 one, only what depends on the key's kind (protocols, each
cipher, forward secrecy: an RSA key is what lets a server offer RSA key
exchange, which has none). Both with --fast (OpenSSL's ciphers only:
guad offers no other), no client simulation and no HTTP header checks.
About 40 s and 30 s here."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # never write __pycache__ into SRCDIR
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guadtest import HOST, Server  # noqa: E402
import tlscerts  # noqa: E402

# testssl's options for each run, and the ids of findings each must
# give: without them the scan did not run, whatever the severities say.
CHECKS_KEY = ["--protocols", "--each-cipher", "--fs"]
REQUIRED_KEY = ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3",
                "PFS")
CHECKS_ALL = CHECKS_KEY + ["--std", "--server-defaults", "--vulnerable"]
REQUIRED_ALL = REQUIRED_KEY + ("heartbleed", "secure_client_renego",
                               "CRIME_TLS", "ROBOT", "cert_chain_of_trust",
                               "cipherlist_NULL")
# each run takes under a minute here; seven times that is a hang
TESTSSL_TIMEOUT = 400


def free_port():
    """A port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run_testssl(port, ca, tmp, checks):
    """testssl's findings against 127.0.0.1:port, as a list of dicts."""
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    if exe is None:
        raise AssertionError("testssl not found: apt-get install testssl.sh "
                             "(sh tests/deps.sh test)")
    out = os.path.join(tmp, "testssl.json")
    args = [exe, "--quiet", "--color", "0", "--warnings", "off",
            "--nodns", "none", "--ip", HOST, "--add-ca", ca,
            "--jsonfile", out, "--fast"] + checks + ["localhost:%d" % port]
    env = dict(os.environ, TMPDIR=tmp, HOME=tmp)
    r = subprocess.run(args, cwd=tmp, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True,
                       timeout=TESTSSL_TIMEOUT)
    # its exit status counts the checks it could not finish (on a busy
    # machine, one of its openssl runs may fail): the findings the tests
    # need are checked one by one instead
    if not os.path.exists(out):
        raise AssertionError("testssl exited %d without findings:\n%s" % (
            r.returncode, r.stdout[-4000:]))
    if r.returncode != 0:
        print("testssl exited %d:\n%s" % (r.returncode, r.stdout[-4000:]),
              file=sys.stderr)
    with open(out) as f:
        return json.load(f), r.stdout


class Base:
    """One guad with a certificate of kind `kind`, one testssl run."""
    kind = "ec"
    checks = CHECKS_KEY
    required = REQUIRED_KEY

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="guadtestssl-")
        cls.ca = tlscerts.CA(cls.dir)
        cert, key = cls.ca.leaf("leaf", cls.kind, days=90,
                                crl="http://127.0.0.1/guad-test.crl")
        port = free_port()
        cls.srv = Server(sections={"tls": {"port": str(port),
                                           "certificate": cert,
                                           "key": key}})
        cls.srv.start()
        try:
            cls.findings, cls.output = run_testssl(port, cls.ca.cert,
                                                   cls.dir, cls.checks)
        except BaseException:
            cls.srv.cleanup()
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise
        cls.by_id = {}
        for f in cls.findings:
            cls.by_id.setdefault(f["id"], []).append(f)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def finding(self, fid):
        self.assertIn(fid, self.by_id, "testssl said nothing about %s" % fid)
        return self.by_id[fid][0]["finding"]

    def test_scan_ran(self):
        for fid in self.required:
            self.finding(fid)
        problems = [f for f in self.findings
                    if f["id"] == "scanProblem" or f["severity"] == "FATAL"]
        self.assertEqual(problems, [])

    def test_nothing_high_or_critical(self):
        bad = [f for f in self.findings
               if f["severity"] in ("HIGH", "CRITICAL")]
        self.assertEqual(bad, [], "\n" + "\n".join(
            "%s %s: %s" % (f["severity"], f["id"], f["finding"])
            for f in bad))

    def test_old_protocols_not_offered(self):
        for fid in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
            self.assertEqual(self.finding(fid), "not offered", fid)
        self.assertEqual(self.finding("TLS1_2"), "offered")
        self.assertTrue(self.finding("TLS1_3").startswith("offered"))

    def test_forward_secrecy_only(self):
        # one finding per cipher offered: "x1302 NAME KX BITS ..." (the
        # key exchange is ECDH or DH for every cipher with forward
        # secrecy, TLS 1.3's included)
        ciphers = [f["finding"].split() for f in self.findings
                   if f["id"].startswith("cipher_x")]
        self.assertTrue(ciphers, "no cipher listed")
        for c in ciphers:
            self.assertIn(c[2], ("ECDH", "DH"), " ".join(c))
        self.assertEqual(self.finding("PFS"), "offered")


class ECDSATest(Base, unittest.TestCase):
    """ECDSA P-256, every check."""
    checks = CHECKS_ALL
    required = REQUIRED_ALL

    def test_strong_ciphers_only(self):
        # NULL, aNULL, EXPORT, LOW, 3DES/IDEA, AVERAGE (CBC): none
        lists = [f for f in self.findings
                 if f["id"].startswith("cipherlist_") and
                 f["id"] != "cipherlist_STRONG"]
        self.assertEqual(len(lists), 6)
        for f in lists:
            self.assertEqual(f["finding"], "not offered", f["id"])


class RSATest(Base, unittest.TestCase):
    """RSA 2048: protocols, ciphers and forward secrecy."""
    kind = "rsa"


if __name__ == "__main__":
    unittest.main(verbosity=2)
