"""The library on SQLite vs PostgreSQL: bulk writes, rescan load, list, browse, classify writes.

    python bench/db_backends.py --tracks 100000 [--pg-url postgresql+psycopg://…]

Without --pg-url a throw-away PostgreSQL server is started (tests/postgres_server.py, with
fsync on: as durable as a real one) on this machine, talking over a Unix socket. Prints
seconds (wall and this process's CPU) per step and the database size, for each backend.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from bench.backends import backend_arguments, on_both_backends, timed  # noqa: E402
from library import browse, repository  # noqa: E402
from library.db import create_db_engine, session_factory  # noqa: E402
from library.predictions import store_predictions, tracks_needing_prediction  # noqa: E402
from library.records import PredictionRecord, PredictionWrite  # noqa: E402
from library.repository import TrackFilter  # noqa: E402
from library.scanner import _KNOWN_COLUMNS  # noqa: E402
from tools.demo_library import populate  # noqa: E402

CLASSIFY_TRACKS = 5000
CLASSIFY_BATCH = 32  # results per commit, as the classify writer stores them




def _writes(ids: list[int]) -> list[PredictionWrite]:
    labels = {"Rock": 0.7, "Jazz": 0.2, "Pop": 0.1}
    return [PredictionWrite(PredictionRecord(i, "bench", "1", labels, ("Rock",), 0.7, False,
                                             ((0.7, 0.2, 0.1),) * 3, (0.0, 10.0, 20.0)),
                            5_000_000 + i, 1_700_000_000_000_000_000 + i) for i in ids]


def classify_writes(sessions, count: int) -> int:  # type: ignore[no-untyped-def]
    """What classify does around the network: find the work, store results in batches."""
    with sessions() as session:
        todo = [t.id for t in tracks_needing_prediction(session, "bench", "1")][:count]
    for start in range(0, len(todo), CLASSIFY_BATCH):
        with sessions.begin() as session:
            store_predictions(session, _writes(todo[start:start + CLASSIFY_BATCH]))
    return len(todo)


def _back_to_baseline(location: Path | str) -> None:
    """Take the library back to before search_text, to time its upgrade."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from library.db import MIGRATIONS_DIR, REVISIONS

    engine = create_engine(location if isinstance(location, str) else f"sqlite:///{location}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.downgrade(config, REVISIONS[REVISIONS.index("0003_search_text") - 1])
    engine.dispose()


def measure(location: Path | str, tracks: int) -> None:
    """Every step on one backend."""
    timed(f"generate {tracks:,} tracks (bulk insert)", lambda: populate(location, tracks))
    sessions = session_factory(create_db_engine(location))
    with sessions() as s:
        timed("rescan: load every known track row", lambda: s.execute(
            select(*_KNOWN_COLUMNS)).all())
        timed("list (all tracks, records)", lambda: repository.list_tracks(s))
        timed("list --genre Rock", lambda: repository.list_tracks(s, TrackFilter(genre="Rock")))
        timed("list --artist 'golden' (~6 % of tracks)", lambda: repository.list_tracks(
            s, TrackFilter(artist="golden")))
        timed("list 'LUNAR OWLS' (text, ~0.4 %)", lambda: repository.list_tracks(
            s, TrackFilter(text="LUNAR OWLS")))
        timed("list 'no such words' (text, none)", lambda: repository.list_tracks(
            s, TrackFilter(text="no such words")))
        timed("browse: every row page (GUI load)", lambda: sum(
            len(p) for p in browse.iter_row_pages(s)))
    count = min(CLASSIFY_TRACKS, tracks)
    timed(f"classify writes: {count:,} results, {CLASSIFY_BATCH}/commit",
          lambda: classify_writes(sessions, count))
    with sessions() as s:
        if s.get_bind().dialect.name == "sqlite":
            size = os.path.getsize(location)
        else:
            size = s.scalar(text("SELECT pg_database_size(current_database())"))
    print(f"  {'database size':<46} {size / 1e6:8.1f} MB", flush=True)
    sessions.kw["bind"].dispose()
    _back_to_baseline(location)  # last: it leaves free pages (SQLite) and dead rows behind
    timed("upgrade to 0003: fill search_text", lambda: create_db_engine(location).dispose())


def main() -> None:
    """Measure SQLite, then PostgreSQL."""
    args = backend_arguments(__doc__.splitlines()[0])
    on_both_backends(lambda where: measure(where, args.tracks), args.pg_url, "SQLite (file, WAL)")


if __name__ == "__main__":
    main()
