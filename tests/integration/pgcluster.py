"""A PostgreSQL cluster of its own for the tests: initdb and pg_ctl in a
temp dir, on a free loopback port and a Unix socket in that dir, as an
unprivileged user when run as root.  Only the postmaster it started is
ever signalled, by the pid it wrote.

Python 3 standard library and Debian's postgresql package (its binaries
in /usr/lib/postgresql/VERSION/bin, psql).
"""
# SPDX-License-Identifier: ISC

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

PASSWORD = "s3cret-pw"
USER = "guad"
DB = "guad"


def bindir():
    """The newest installed server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """start() makes and starts it; stop() stops it by pid; cleanup()
    also removes the folder."""

    def __init__(self, durable=False):
        """durable: fsync on (the benchmark's), else off (the tests')."""
        self.durable = durable
        self.bin = bindir()
        if self.bin is None:
            raise AssertionError("PostgreSQL is not installed: "
                                 "sh tests/deps.sh test")
        self.dir = tempfile.mkdtemp(prefix="guadpg-")
        self.data = os.path.join(self.dir, "data")
        self.sock = self.dir
        self.logfile = os.path.join(self.dir, "postgres.log")
        self.port = free_port()
        self.pid = None
        self.user = None
        if os.geteuid() == 0:
            # the server refuses to run as root: nobody owns the folder
            self.user = pwd.getpwnam("nobody")
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        os.chmod(self.dir, 0o755)

    def _demote(self):
        if self.user is not None:
            os.setgid(self.user.pw_gid)
            os.setgroups([])
            os.setuid(self.user.pw_uid)

    def run(self, args, check=True, timeout=60):
        env = dict(os.environ, LC_ALL="C", PGTZ="UTC")
        env.pop("PGPASSFILE", None)
        p = subprocess.run(args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", timeout=timeout,
                           cwd=self.dir, env=env, preexec_fn=self._demote)
        if check and p.returncode != 0:
            raise AssertionError("%s: exit %d\n%s\n--- server log ---\n%s"
                                 % (" ".join(args), p.returncode, p.stdout,
                                    self.server_log()))
        return p

    def server_log_all(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def server_log(self):
        return self.server_log_all()[-4000:]

    def initdb(self):
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.user is not None:
            os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
        # TCP needs the password; the harness's own psql uses the socket
        self.run([os.path.join(self.bin, "initdb"), "-D", self.data,
                  "-U", USER, "--pwfile", pwfile, "-E", "UTF8",
                  "--locale=C", "--auth-local=trust",
                  "--auth-host=scram-sha-256", "--no-sync"])
        os.unlink(pwfile)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            # fsync is about the machine crashing; the tests stop the
            # server, whose written WAL the next start replays
            f.write("listen_addresses = '127.0.0.1'\n"
                    "port = %d\n"
                    "unix_socket_directories = '%s'\n"
                    "fsync = %s\n"
                    "full_page_writes = %s\n"
                    "max_connections = 60\n"
                    "shared_buffers = 16MB\n"
                    "log_min_messages = warning\n"
                    # the tests count the statements guad sends
                    "log_statement = '%s'\n"
                    % (self.port, self.sock, "on" if self.durable else "off",
                       "on" if self.durable else "off",
                       "none" if self.durable else "all"))

    def start(self):
        if not os.path.isdir(self.data):
            self.initdb()
        self.run([os.path.join(self.bin, "pg_ctl"), "-D", self.data,
                  "-l", self.logfile, "-w", "-t", "60", "start"])
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            self.pid = int(f.readline())
        return self

    def stop(self, mode="fast"):
        """pg_ctl stop (smart, fast or immediate), waiting for it."""
        if self.pid is None:
            return
        self.run([os.path.join(self.bin, "pg_ctl"), "-D", self.data,
                  "-m", mode, "-w", "-t", "60", "stop"])
        self.pid = None

    def kill(self):
        """The end: the postmaster this started, by its pid."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGQUIT)
        except ProcessLookupError:
            self.pid = None
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None

    def cleanup(self):
        try:
            self.kill()
        finally:
            if not os.environ.get("GUADTEST_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    def psql_path(self):
        return os.path.join(self.bin, "psql")

    def psql(self, sql, db=DB):
        """Runs sql over the socket; returns its unaligned output."""
        p = self.run([self.psql_path(), "-X", "-q", "-A", "-t",
                      "-v", "ON_ERROR_STOP=1", "-h", self.sock,
                      "-p", str(self.port), "-U", USER, "-d", db,
                      "-c", sql])
        return p.stdout.strip()

    def createdb(self, name=DB):
        self.psql("CREATE DATABASE %s" % name, db="postgres")

    def uri(self, db=DB, password=PASSWORD, extra=""):
        return "postgresql://%s:%s@127.0.0.1:%d/%s%s" % (
            USER, password, self.port, db, extra)


def for_module(createdb=True):
    """A started cluster for one test module's setUpModule, with the
    database DB if createdb; stopped and removed once the module's tests
    are done, or at once if it cannot start."""
    cluster = Cluster()
    try:
        cluster.start()
        if createdb:
            cluster.createdb()
    except BaseException:
        cluster.cleanup()
        raise
    unittest.addModuleCleanup(cluster.cleanup)
    return cluster
