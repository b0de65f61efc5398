"""A test CA and certificates for the HTTPS tests, made with the openssl CLI.

Everything lives in one temporary directory owned by the caller.
"""
# SPDX-License-Identifier: ISC

import os
import subprocess

CA_CNF = """[ca]
default_ca = ca_here
[ca_here]
database = %(d)s/index.txt
unique_subject = no
new_certs_dir = %(d)s
serial = %(d)s/serial
default_md = sha256
policy = any
copy_extensions = copy
[any]
commonName = supplied
"""


def openssl(*args, cwd=None):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args), r.stderr))
    return r.stdout


def new_key(path, kind):
    """kind: "ec" (ECDSA P-256) or "rsa" (RSA 2048)."""
    if kind == "ec":
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", path)
    else:
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
                "rsa_keygen_bits:2048", "-out", path)
    os.chmod(path, 0o600)


class CA:
    """A CA in directory d: ca.pem, and leaves signed with `leaf`."""

    def __init__(self, d):
        self.d = d
        self.cert = os.path.join(d, "ca.pem")
        self.key = os.path.join(d, "ca.key")
        new_key(self.key, "ec")
        openssl("req", "-x509", "-new", "-key", self.key, "-out", self.cert,
                "-days", "2", "-subj", "/CN=guad test CA",
                "-addext", "basicConstraints=critical,CA:true",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write(CA_CNF % {"d": d})
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "index.txt.attr"), "w") as f:
            f.write("unique_subject = no\n")
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("1000\n")

    def leaf(self, name, kind="ec", names=("localhost",), ips=("127.0.0.1",),
             start=None, end=None, key=None, days=2, crl=None):
        """Writes NAME.pem (the leaf, then the CA: a chain) and NAME.key
        (or uses key); start/end: "YYYYMMDDHHMMSSZ" validity, default
        from now for `days` days; crl: a CRL distribution point URI.
        Returns (cert path, key path)."""
        cert = os.path.join(self.d, name + ".pem")
        key = key or os.path.join(self.d, name + ".key")
        if not os.path.exists(key):
            new_key(key, kind)
        csr = os.path.join(self.d, name + ".csr")
        san = ",".join(["DNS:" + n for n in names] + ["IP:" + i for i in ips])
        ext = ["-addext", "subjectAltName=" + san]
        if crl:
            ext += ["-addext", "crlDistributionPoints=URI:" + crl]
        openssl("req", "-new", "-key", key, "-out", csr,
                "-subj", "/CN=" + names[0], *ext)
        dates = ["-days", str(days)]
        if start:
            dates = ["-startdate", start, "-enddate", end]
        leaf = os.path.join(self.d, name + ".leaf.pem")
        openssl("ca", "-batch", "-notext", "-config",
                os.path.join(self.d, "ca.cnf"), "-cert", self.cert,
                "-keyfile", self.key, "-in", csr, "-out", leaf, *dates)
        with open(cert, "w") as out:
            for p in (leaf, self.cert):
                with open(p) as f:
                    out.write(f.read())
        return cert, key
