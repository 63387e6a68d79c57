"""A throwaway PostgreSQL cluster for the test session, and a fresh database for each test.

The cluster lives in a temporary folder (initdb, fsync off), listens on 127.0.0.1 on a free port
and on a unix socket in that folder, and is stopped and removed at the end of the session
whatever happens. As root, the server runs as the `postgres` user (initdb refuses root). With no
PostgreSQL on the machine the tests fail — never skip — saying which package to install.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import psycopg

MISSING = ("PostgreSQL server not found (initdb, pg_ctl, postgres): the review store is tested on "
           "it — install Debian's `postgresql` package (apt-get install --no-install-recommends "
           "postgresql)")
ADMIN = "grader"
"""The cluster's superuser (trust authentication: nothing leaves 127.0.0.1)."""


def bindir() -> Path:
    """The server binaries: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    found: list[Path] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        found.append(Path(out.stdout.strip()))
    found += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                      key=lambda p: int(Path(p).parent.name), reverse=True)]
    if shutil.which("initdb"):
        found.append(Path(shutil.which("initdb") or "").parent)
    for folder in found:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    pytest.fail(MISSING, pytrace=False)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    bindir: Path
    root: Path
    port: int = 0
    watchdog: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def run(self, *cmd: str | Path) -> None:
        res = subprocess.run(_as_server_user([str(c) for c in cmd]), capture_output=True,
                             text=True, timeout=60, cwd=self.root)
        if res.returncode != 0:
            log = (self.root / "server.log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{cmd[0]} failed: {res.stderr or res.stdout}\n{tail}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.run(self.bindir / "initdb", "-D", self.data, "-U", ADMIN, "--auth=trust",
                 "-E", "UTF8", "--locale=C", "--no-sync")

    def start(self) -> None:
        for attempt in itertools.count(1):  # a free port may be taken before we listen on it
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                       f"-c unix_socket_directories={self.root} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=60 -c shared_buffers=32MB")
            try:
                self.run(self.bindir / "pg_ctl", "start", "-w", "-t", "30", "-D", self.data,
                         "-l", self.root / "server.log", "-o", options)
                return
            except RuntimeError:
                if attempt == 3:
                    raise

    def watch(self) -> None:
        """A sleeping shell that stops and removes the cluster if this process dies without
        its teardown (SIGTERM, SIGKILL): nothing is left running or on disk."""
        stop = shlex.join(_as_server_user([str(self.bindir / "pg_ctl"), "stop", "-D",
                                           str(self.data), "-m", "immediate"]))
        script = (f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
                  f"{stop} >/dev/null 2>&1; rm -rf {shlex.quote(str(self.root))}")
        self.watchdog = subprocess.Popen(["sh", "-c", script], start_new_session=True,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait()
            self.watchdog = None
        if (self.data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([str(self.bindir / "pg_ctl"), "stop", "-D",
                                            str(self.data), "-m", "immediate", "-w"]),
                           capture_output=True, timeout=60, cwd=self.root)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, user: str = ADMIN) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres", user: str = ADMIN) -> psycopg.Connection[Any]:
        """A plain psycopg connection in autocommit, for CREATE DATABASE, roles, grants."""
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=user, dbname=database,
                               autocommit=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """Started on first use, stopped and removed at the end of the session."""
    folder = bindir()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg (PostgreSQL's driver) missing: pip install -e '.[test]'",
                    pytrace=False)
    cluster = Cluster(folder, Path(tempfile.mkdtemp(prefix="grader-pg-", dir="/tmp")))
    atexit.register(cluster.stop)  # even if the session is interrupted before teardown
    try:
        cluster.watch()
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


_numbers = itertools.count(1)


@pytest.fixture
def pg_database(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh, empty database for one test; its SQLAlchemy URL."""
    name = f"review_{os.getpid()}_{next(_numbers)}"
    with pg_cluster.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" STRATEGY FILE_COPY')
    yield pg_cluster.url(name)
    with pg_cluster.admin() as conn:  # FORCE: a connection the test left open is closed
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


__all__ = ["ADMIN", "MISSING", "Cluster", "bindir", "pg_cluster", "pg_database"]
