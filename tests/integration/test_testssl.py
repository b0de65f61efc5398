#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""testssl.sh (Debian package testssl.sh) against guad's [tls] listener:
no finding rated HIGH or CRITICAL, TLS 1.0 and 1.1 (and SSL) not offered,
and every cipher offered has forward secrecy and an AEAD.

guad serves certificates from a test CA made with the openssl CLI (valid
for 90 days and naming a CRL, as a real one would, so that testssl judges
guad and not the test CA's shortcuts). testssl talks only to 127.0.0.1,
without DNS, and writes its findings as JSON, which this test reads.

Two guads and two testssl runs, side by side to bound the wall time:
with the ECDSA P-256 certificate, the checks that judge the server's TLS
(protocols, each cipher, forward secrecy, the server's defaults and the
vulnerabilities); with the RSA 2048 one, each cipher only: an RSA key is
what lets a server offer RSA key exchange, which has no forward secrecy.
Both with --fast (OpenSSL's ciphers only: guad offers no other), no
client simulation and no HTTP header checks. About 40 s here."""

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
CHECKS = {
    "ec": ["--protocols", "--each-cipher", "--fs", "--server-defaults",
           "--vulnerable"],
    "rsa": ["--each-cipher"],
}
REQUIRED = {
    "ec": ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3", "PFS",
           "heartbleed", "secure_client_renego", "CRIME_TLS", "ROBOT",
           "cert_chain_of_trust", "cipher_x1301"),
    "rsa": ("cipher_x1301",),
}
# each run takes under a minute here; seven times that is a hang
TESTSSL_TIMEOUT = 400

# kind -> (findings, testssl's output), filled by setUpModule
RESULTS = {}
SERVERS = []
TMP = []


def free_port():
    """A port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_testssl(port, ca, tmp, checks):
    """testssl against 127.0.0.1:port; returns (process, its JSON file)."""
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    if exe is None:
        raise AssertionError("testssl not found: apt-get install testssl.sh "
                             "(sh tests/deps.sh test)")
    out = os.path.join(tmp, "testssl.json")
    args = [exe, "--quiet", "--color", "0", "--warnings", "off",
            "--nodns", "none", "--ip", HOST, "--add-ca", ca,
            "--jsonfile", out, "--fast"] + checks + ["localhost:%d" % port]
    env = dict(os.environ, TMPDIR=tmp, HOME=tmp)
    return subprocess.Popen(args, cwd=tmp, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True), out


def finish_testssl(proc, out):
    """Waits for one run; returns (its findings as dicts, its output)."""
    try:
        stdout, _ = proc.communicate(timeout=TESTSSL_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("testssl ran past %d s" % TESTSSL_TIMEOUT)
    # its exit status counts the checks it could not finish (on a busy
    # machine, one of its openssl runs may fail): the findings the tests
    # need are checked one by one instead
    if not os.path.exists(out):
        raise AssertionError("testssl exited %d without findings:\n%s" % (
            proc.returncode, stdout[-4000:]))
    if proc.returncode != 0:
        print("testssl exited %d:\n%s" % (proc.returncode, stdout[-4000:]),
              file=sys.stderr)
    with open(out) as f:
        return json.load(f), stdout


def setUpModule():
    runs = []
    try:
        for kind in ("ec", "rsa"):
            d = tempfile.mkdtemp(prefix="guadtestssl-")
            TMP.append(d)
            ca = tlscerts.CA(d)
            cert, key = ca.leaf("leaf", kind, days=90,
                                crl="http://127.0.0.1/guad-test.crl")
            port = free_port()
            srv = Server(sections={"tls": {"port": str(port),
                                           "certificate": cert,
                                           "key": key}})
            SERVERS.append(srv)
            srv.start()
            runs.append((kind,) + start_testssl(port, ca.cert, d,
                                                CHECKS[kind]))
        for kind, proc, out in runs:
            RESULTS[kind] = finish_testssl(proc, out)
    except BaseException:
        for _, proc, _ in runs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        tearDownModule()
        raise


def tearDownModule():
    for srv in SERVERS:
        srv.cleanup()
    for d in TMP:
        shutil.rmtree(d, ignore_errors=True)
    del SERVERS[:], TMP[:]


class Base:
    """The findings of one run: kind's."""
    kind = "ec"

    @classmethod
    def setUpClass(cls):
        cls.findings, cls.output = RESULTS[cls.kind]
        cls.by_id = {}
        for f in cls.findings:
            cls.by_id.setdefault(f["id"], []).append(f)

    def finding(self, fid):
        self.assertIn(fid, self.by_id, "testssl said nothing about %s" % fid)
        return self.by_id[fid][0]["finding"]

    def test_scan_ran(self):
        for fid in REQUIRED[self.kind]:
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

    def test_forward_secrecy_and_aead_only(self):
        # one finding per cipher offered: "x1302 NAME KX BITS ENC SIZE
        # ...": the key exchange is ECDH or DH for every cipher with
        # forward secrecy (TLS 1.3's included), the encryption an AEAD
        # (CBC would say AES or CAMELLIA)
        ciphers = [f["finding"].split() for f in self.findings
                   if f["id"].startswith("cipher_x")]
        self.assertTrue(ciphers, "no cipher listed")
        for c in ciphers:
            self.assertIn(c[2], ("ECDH", "DH"), " ".join(c))
            enc = c[4] if c[3].isdigit() else c[3]
            self.assertIn(enc, ("AESGCM", "CHACHA20", "AESCCM"),
                          " ".join(c))


class ECDSATest(Base, unittest.TestCase):
    """ECDSA P-256, every check."""

    def test_old_protocols_not_offered(self):
        for fid in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
            self.assertEqual(self.finding(fid), "not offered", fid)
        self.assertEqual(self.finding("TLS1_2"), "offered")
        self.assertTrue(self.finding("TLS1_3").startswith("offered"))

    def test_forward_secrecy_offered(self):
        self.assertEqual(self.finding("PFS"), "offered")


class RSATest(Base, unittest.TestCase):
    """RSA 2048: each cipher."""
    kind = "rsa"


if __name__ == "__main__":
    unittest.main(verbosity=2)
