"""The scanner's write path over small batches: each batch's first new track inserted at once,
the rest in one executemany, unreadable files recorded among them and the run going on; and
one open per file giving the same hash, format and tags as separate reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from library.db import create_db_engine, session_factory
from library.folders import add_folder
from library.models import Track
from library.scanner import HEAD_BYTES, scan
from library.tags import TagError, read_file
from tests.audio_factory import Made, make_library


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory,
          shared_data: Path) -> tuple[Path, dict[str, Made]]:
    root = tmp_path_factory.mktemp("music")
    return root, make_library(root, shared_data)


def test_batches_of_three_record_every_file_and_every_error(
        music: tuple[Path, dict[str, Made]], tmp_path: Path) -> None:
    root, made = music
    sessions = session_factory(create_db_engine(tmp_path / "lib.sqlite3"))
    with sessions() as session:
        folder = add_folder(session, str(root))
    commits: list[int] = []
    events = list(scan(sessions, [folder], batch_size=3,
                       on_commit=lambda: commits.append(len(commits))))
    with sessions() as session:
        rows = {str(root / t.path): t for t in session.scalars(select(Track))}  # root-relative
    files = [e for e in events if not e.is_folder]
    assert len(rows) == len(files) == len(made) and len(commits) > len(made) // 3
    assert sorted(t.id for t in rows.values()) == sorted(e.track_id for e in files)  # ids as said
    for name, expected in made.items():
        track = rows[str(expected.path)]
        try:
            info = read_file(str(expected.path))
        except TagError as exc:
            assert (track.status, track.format, track.error) == ("error", None, str(exc)), name
            continue
        except OSError:  # cannot even be opened (not as root): no hash either
            assert track.status == "error" and track.head_hash is None, name
            continue
        assert track.status == "ok" and track.error is None, name
        assert (track.format, track.codec, track.title, track.artist, tuple(track.genres)) == (
            info.format, info.codec, info.title, info.artist, info.genres), name
        with open(expected.path, "rb") as handle:
            assert track.head_hash == hashlib.sha1(handle.read(HEAD_BYTES)).hexdigest(), name
    errors = [t for t in rows.values() if t.status == "error"]
    assert errors and all(t.error for t in errors)
    assert any(t.head_hash for t in errors)  # opened and hashed, then refused by its tags
