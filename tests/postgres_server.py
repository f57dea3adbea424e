"""A real, throw-away PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder.

The server listens on a Unix socket in that folder only (no TCP port to collide with), trusts
local connections and runs with fsync off (test data). initdb refuses to run as root, so as
root (CI) it runs as the unprivileged `postgres` user (the Debian package's) or `nobody`.
Each test gets a fresh database copied from a migrated template, which takes milliseconds.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "genrelens"
TEMPLATE = "genrelens_template"


class Unavailable(Exception):
    """The server cannot start here; the message says why."""


def _binaries() -> Path:
    given = os.environ.get("GENRELENS_PG_BIN")
    found = [Path(given)] if given else [
        *(Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)),
        *([Path(shutil.which("pg_ctl")).parent] if shutil.which("pg_ctl") else [])]  # type: ignore[arg-type]
    for folder in found:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl): install the Debian "
                      "package postgresql, or set GENRELENS_PG_BIN")


def _as_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix (and uid, gid) that runs the server as a user initdb accepts."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return (["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
                 "--clear-groups"], entry.pw_uid, entry.pw_gid)
    raise Unavailable("running as root and no unprivileged user (postgres, nobody) to run "
                      "initdb as")


class PgServer:
    """A running server in a temporary folder; `url(name)` names a database on it."""

    def __init__(self, durable: bool = False) -> None:
        self.bin = _binaries()
        self.prefix, uid, gid = _as_user()
        self.base = Path(tempfile.mkdtemp(prefix="genrelens-pg-"))
        if uid is not None:
            os.chown(self.base, uid, gid)  # type: ignore[arg-type]
        self.data = self.base / "data"
        self._numbers = itertools.count(1)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        fast = "" if durable else "-c fsync=off -c synchronous_commit=off "  # benches: durable
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                  "-o", f"-k {self.base} -c listen_addresses='' {fast}-c max_connections=200",
                  "start")

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.prefix, str(self.bin / tool), *args], capture_output=True,
                              text=True, cwd=self.base)
        if done.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise Unavailable(f"{tool} failed ({done.returncode}): {done.stderr.strip()} {tail}")

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of `database` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.base}"

    def admin(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(host=str(self.base), user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def make_template(self) -> None:
        """A migrated empty library every test database starts as a copy of."""
        from library.db import create_db_engine

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        create_db_engine(self.url(TEMPLATE)).dispose()

    def fresh_library(self) -> str:
        """The URL of a new, migrated, empty library database."""
        name = f"library_{next(self._numbers)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def empty_database(self) -> str:
        """The URL of a new database without any table (to test creating a library)."""
        name = f"empty_{next(self._numbers)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        with contextlib.suppress(Unavailable):  # already gone: the folder still goes
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)
