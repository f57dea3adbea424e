"""Text search on PostgreSQL with and without the trigram index on tracks.search_text.

    python bench/search_index.py --tracks 100000

Starts a throw-away PostgreSQL (tests/postgres_server.py, fsync on), fills a generated
library (tools/demo_library.py) without the index, times a few searches (best of three),
builds the index, times them again; then the bulk insert into an empty library with and
without the index. Prints milliseconds and seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from library import repository  # noqa: E402
from library.db import create_db_engine, session_factory  # noqa: E402
from library.repository import TrackFilter  # noqa: E402
from tools.demo_library import populate  # noqa: E402

INDEX = "ix_tracks_search_trgm"  # as revision 0003_search_text names it
SEARCHES = (TrackFilter(artist="golden"), TrackFilter(text="LUNAR OWLS"),
            TrackFilter(text="no such words"), TrackFilter(text="ab"))


def searches(url: str, label: str) -> None:
    """Each search's best of three, in ms, and how many rows it found."""
    sessions = session_factory(create_db_engine(url))
    with sessions() as session:
        for where in SEARCHES:
            best, found = float("inf"), 0
            for _ in range(3):
                start = time.perf_counter()
                found = len(repository.list_tracks(session, where))
                best = min(best, time.perf_counter() - start)
            name = f"--artist {where.artist}" if where.artist else repr(where.text)
            print(f"  {label:<14} {name:<22} {found:6d} rows {best * 1000:8.1f} ms", flush=True)


def drop_index(url: str) -> None:
    """Take the revision's index away (the table scan's case)."""
    with create_db_engine(url).begin() as conn:
        conn.execute(text(f"DROP INDEX IF EXISTS {INDEX}"))


def build_index(url: str) -> None:
    """The index as revision 0003_search_text builds it; prints the time and size."""
    start = time.perf_counter()
    with create_db_engine(url).begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text(f"CREATE INDEX {INDEX} ON tracks USING gin "
                          "(search_text gin_trgm_ops)"))
        conn.execute(text("ANALYZE tracks"))
        size = conn.scalar(text(f"SELECT pg_relation_size('{INDEX}')"))
    print(f"  index build {time.perf_counter() - start:.2f} s, {size / 1e6:.1f} MB", flush=True)


def main() -> None:
    """Searches without and with the index, then bulk inserts without and with it."""
    from tests.postgres_server import PgServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    args = parser.parse_args()
    server = PgServer(durable=True)
    try:
        for name, indexed in (("searched", None), ("plain", False), ("indexed", True)):
            server.admin(f"CREATE DATABASE {name}")
            url = server.url(name)
            create_db_engine(url).dispose()
            if not indexed:
                drop_index(url)
            start = time.perf_counter()
            populate(url, args.tracks)
            kind = "with" if indexed else "without"
            print(f"  generate {args.tracks:,} tracks {kind} the index: "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
            if indexed is None:
                searches(url, "table scan")
                build_index(url)
                searches(url, "trigram index")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
