"""library.folders.forget_missing on both backends, and missing files out of genre counts:
real files scanned, one deleted, rescanned, forgotten; the files on disk stay as they were."""

from __future__ import annotations

import shutil
from pathlib import Path

from mutagen.flac import FLAC
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from library import browse, categories
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.folders import add_folder, forget_missing
from library.models import Track, UserLabel
from library.scanner import scan


def _rows(sessions: sessionmaker[Session]) -> list[browse.BrowseRow]:
    with sessions() as session:
        return [row for page in browse.iter_row_pages(session) for row in page]


def test_forget_missing_on_each_backend(library_db: Path | str, tmp_path: Path,
                                        shared_data: Path) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    paths = []
    for n in range(3):
        path = Path(shutil.copy(shared_data / "gtzan-mini" / "jazz" / f"jazz.0000{n}.flac",
                                music))
        audio = FLAC(path)
        audio["genre"] = "Jazz"
        audio.save()
        paths.append(path)
    sessions = session_factory(create_db_engine(library_db))
    with sessions() as session:
        folder = add_folder(session, str(music))
        session.commit()
    list(scan(sessions, [folder]))
    gone = paths[0]
    (gone_id,) = [row.id for row in _rows(sessions) if Path(row.path) == gone]
    with sessions() as session:
        browse.set_user_genres(session, [gone_id], ["Bebop"])
        session.commit()
    assert dict(categories.count_sidebar(_rows(sessions)).tagged) == {"Jazz": 3}

    gone.unlink()
    list(scan(sessions, [folder]))
    counts = categories.count_sidebar(_rows(sessions))
    assert dict(counts.tagged) == {"Jazz": 2} and dict(counts.predicted) == {}  # not Bebop
    assert counts[Category.ALL] == 3 and counts[Category.ERRORS] == 1  # the record stays until forgotten
    missing = next(r for r in _rows(sessions) if r.id == gone_id)
    assert not categories.in_category(missing, Category.TAG, "Jazz")
    assert not categories.in_category(missing, Category.GENRE, "Bebop")

    before = {p: p.read_bytes() for p in paths[1:]}
    with sessions() as session:
        assert forget_missing(session) == [gone_id]
        session.commit()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Track)) == 2
        assert session.get(UserLabel, gone_id) is None  # its label went with it
        assert forget_missing(session) == []  # nothing left to forget
    assert {p: p.read_bytes() for p in paths[1:]} == before and not gone.exists()
