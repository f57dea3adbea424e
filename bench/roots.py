"""Paths per library root: what the 0002_roots upgrade and resolving stored paths cost.

    python bench/roots.py --tracks 100000 [--pg-url postgresql+psycopg://…]

Builds a library as the release before roots wrote it (0001_baseline: absolute paths, two
watched folders, one prediction per track), then times opening it with this GenreLens (the
upgrade: roots made, every path split), and a rescan's load of every known track as the
scanner does it (rows read and turned into this machine's paths) against the bare read.
Without --pg-url a throw-away PostgreSQL server is started (tests/postgres_server.py).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.backends import backend_arguments, on_both_backends, timed  # noqa: E402
from library.db import create_db_engine, session_factory  # noqa: E402
from library.folders import list_folders  # noqa: E402
from library.scanner import _KNOWN_COLUMNS, _Scan  # noqa: E402
from library.tags import read_file  # noqa: E402
from tests.old_library import migrate_to  # noqa: E402

FOLDERS = {1: b"/mnt/nas/music", 2: b"/home/me/Music"}
WHEN = datetime(2026, 1, 1)




def _old_library(url: str, tracks: int) -> None:
    """An 0001_baseline library with `tracks` tracks (absolute paths) and predictions."""
    migrate_to(url, "0001_baseline")
    meta = sa.MetaData()
    meta.reflect(sa.create_engine(url), only=("folders", "tracks", "predictions"))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(meta.tables["folders"].insert(), [
            {"id": i, "path": p, "added_at": WHEN} for i, p in FOLDERS.items()])
        for start in range(1, tracks + 1, 5000):
            ids = range(start, min(start + 5000, tracks + 1))
            conn.execute(meta.tables["tracks"].insert(), [
                {"id": i, "folder_id": i % 2 + 1, "size": i, "mtime_ns": i, "status": "ok",
                 "path": FOLDERS[i % 2 + 1] + f"/Artist {i % 700}/Album {i % 97}/{i:06d}.flac"
                 .encode(), "genres": [], "scanned_at": WHEN} for i in ids])
            conn.execute(meta.tables["predictions"].insert(), [
                {"track_id": i, "bundle": "broad", "bundle_version": "2.0.0",
                 "probabilities": {"Rock": 1.0}, "top_genres": ["Rock"], "confidence": 1.0,
                 "uncertain": False, "not_music": False, "clip_probabilities": [],
                 "clip_starts": [], "track_size": i, "track_mtime_ns": i,
                 "created_at": WHEN} for i in ids])
    engine.dispose()


def measure(location: Path | str, url: str, tracks: int) -> None:
    """Build, upgrade, load."""
    timed(f"build the old library ({tracks:,} tracks)", lambda: _old_library(url, tracks))
    engine = timed("open = upgrade to 0002_roots", lambda: create_db_engine(location))
    sessions = session_factory(engine)  # type: ignore[arg-type]
    with sessions() as session:
        folders = list_folders(session)
        timed("rescan load: bare rows", lambda: session.execute(
            sa.select(*_KNOWN_COLUMNS)).all())
        run = timed("rescan load: rows + local paths (_Scan)",
                    lambda: _Scan(session, folders, None, read_file, 500))
        assert len(run.known) == tracks  # type: ignore[attr-defined]
    engine.dispose()  # type: ignore[attr-defined]


def main() -> None:
    """Measure SQLite, then PostgreSQL."""
    args = backend_arguments(__doc__.splitlines()[0])
    on_both_backends(lambda where: measure(where, where if isinstance(where, str)
                                           else f"sqlite:///{where}", args.tracks),
                     args.pg_url)


if __name__ == "__main__":
    main()
