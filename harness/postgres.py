"""A throwaway PostgreSQL cluster on 127.0.0.1 in a temporary directory, for tests and benchmarks.

It uses Debian's `postgresql` package (`make system` installs it). PostgreSQL refuses to run
as root, so as root its programs run in a user namespace of their own where they are not uid 0
(`unshare --user --map-user`): that works for the real root and inside scripts/offline's
namespace alike, where no other user can be switched to. The server is this process's child
in a process group of its own, stopped by its PID (the group killed if it will not stop).
"""

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from harness.server import free_port

USER = "digitnet"


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs; RuntimeError saying how to install them."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (make system does, as root)")
    return Path(found[-1]).parent


def _as_not_root() -> list[str]:
    """The command prefix that runs a program as someone other than root (none when not root)."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        user = pwd.getpwnam("nobody")
    return ["unshare", "--user", f"--map-user={user.pw_uid}", f"--map-group={user.pw_gid}"]


class Cluster:
    """A cluster in `directory` listening on 127.0.0.1:`port` (and a socket in `directory`)."""

    def __init__(self, directory: Path, port: int):
        self.directory, self.port = directory, port
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.url = f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        self.process: subprocess.Popen | None = None
        self.databases = 0

    def create(self) -> None:
        subprocess.run([*_as_not_root(), postgres_bin() / "initdb", "-D", self.data, "-A", "trust", "-U", USER,
                        "--no-sync"], check=True, capture_output=True)

    def start(self, timeout: float = 30) -> None:
        import psycopg

        command = [*_as_not_root(), postgres_bin() / "postgres", "-D", self.data, "-k", self.directory,
                   "-p", str(self.port), "-h", "127.0.0.1"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited ({self.process.returncode}): {self.log.read_text()[-2000:]}")
            try:
                psycopg.connect(self.url, connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"PostgreSQL did not answer within {timeout} s") from None
                time.sleep(0.05)

    def stop(self, immediate: bool = False) -> None:
        """Fast shutdown (SIGINT: sessions are cut, work is saved), or immediate (SIGQUIT: as a crash)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGQUIT if immediate else signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def new_database(self) -> str:
        """A new, empty database in the cluster; its URL."""
        import psycopg

        self.databases += 1
        name = f"board_{self.databases}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def throwaway_cluster():
    """A new cluster on a free port, removed with its directory at the end."""
    directory = Path(tempfile.mkdtemp(prefix="digitnet-pg-"))
    cluster = Cluster(directory, free_port())
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
