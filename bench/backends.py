"""Run one measurement on an SQLite file, then on PostgreSQL (a temporary server of the
tests' kind, unless the caller names a database on a running one)."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def timed(label: str, action: Callable[[], T], width: int = 46) -> T:
    """Run `action`; print wall and CPU seconds; return its result."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    print(f"  {label:<{width}} {time.perf_counter() - start:8.3f} s  "
          f"(CPU {time.process_time() - cpu:.3f} s)", flush=True)
    return result


def backend_arguments(description: str) -> argparse.Namespace:
    """--tracks and --pg-url, the options every backend bench takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--pg-url", help="an empty database on a running server")
    return parser.parse_args()


@contextlib.contextmanager
def postgres_database(url: str | None, name: str = "bench") -> Iterator[str]:
    """`url`, or a fresh database `name` on a temporary server stopped afterwards."""
    if url is not None:
        yield url
        return
    from tests.postgres_server import PgServer

    server = PgServer(durable=True)
    try:
        server.admin(f"CREATE DATABASE {name}")
        yield server.url(name)
    finally:
        server.stop()


def on_both_backends(measure: Callable[[Path | str], None], pg_url: str | None = None,
                     sqlite_label: str = "SQLite (file)", name: str = "bench") -> None:
    """measure(an SQLite file's path), then measure(a PostgreSQL URL), each under a heading."""
    with tempfile.TemporaryDirectory() as tmp:
        print(sqlite_label, flush=True)
        measure(Path(tmp) / "library.sqlite3")
    with postgres_database(pg_url, name) as url:
        print("PostgreSQL (Unix socket, same machine)", flush=True)
        measure(url)
