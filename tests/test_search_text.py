"""`list TEXT` and `--artist` match Python's str.casefold in SQL on both backends, through the
case-folded search_text each track stores: filled by the scan of real files (and refreshed
when their tags change or they move), and by the upgrade of a library from before it. On
PostgreSQL a trigram index serves the search where pg_trgm can be created; where it cannot,
the library is made and searched all the same."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

from library import db
from library.models import Track
from library.repository import TrackFilter, _filtered, list_tracks
from library.search_text import SEPARATOR, search_text
from main import main
from tests.audio_factory import Tags, load_clip, write_audio, write_tags
from tests.postgres_server import SUPERUSER, PgServer

TRIGRAM_INDEX = "ix_tracks_search_trgm"  # made by revision 0003_search_text on PostgreSQL
FILES = {  # name -> (artist, title, album)
    "piaf.flac": ("Édith Piaf", "La Vie en rose", "Chansons"),
    "strasse.mp3": ("Kraftwerk", "Straße", "Autobahn"),
    "davis.flac": ("Miles Davis", "So What", "Kind of Blue"),
    "ΣΊΣΥΦΟΣ.mp3": ("Other", "Σίσυφος", None),  # final sigma: casefold, not lower
}


@pytest.fixture
def music(shared_data: Path, tmp_path: Path) -> Path:
    root = tmp_path / "music"
    root.mkdir()
    samples, rate = load_clip(shared_data, seconds=0.5)
    sources = {ext: write_audio(tmp_path / f"source.{ext}", ext, samples, rate)
               for ext in ("flac", "mp3")}
    for name, (artist, title, album) in FILES.items():
        ext = name.rsplit(".", 1)[1]
        shutil.copyfile(sources[ext], root / name)
        write_tags(root / name, ext, Tags(title=title, artist=artist, album=album))
    return root


def _listed(location: Path | str, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    capsys.readouterr()
    assert main(["--db", str(location), "list", "--json", *args]) == 0
    return sorted(Path(t["path"]).name for t in json.loads(capsys.readouterr().out))


def test_search_folds_all_of_unicode_in_sql_after_a_real_scan(
        music: Path, library_db: Path | str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(library_db), "scan", str(music), "-q"]) == 0
    assert _listed(library_db, capsys, "ÉDITH") == ["piaf.flac"]
    assert _listed(library_db, capsys, "--artist", "édith piaf") == ["piaf.flac"]
    assert _listed(library_db, capsys, "STRASSE") == ["strasse.mp3"]  # ß folds to ss
    assert _listed(library_db, capsys, "σίσυφοσ") == ["ΣΊΣΥΦΟΣ.mp3"]  # the title and the name
    assert _listed(library_db, capsys, "ΣΊΣΥΦΟΣ.MP3") == ["ΣΊΣΥΦΟΣ.mp3"]  # the path
    assert _listed(library_db, capsys, "kind of") == ["davis.flac"]  # the album
    assert _listed(library_db, capsys, "--artist", "what") == []  # a title is no artist
    assert _listed(library_db, capsys, "--artist", "davis", "so") == ["davis.flac"]
    # Typed by a user, the separator folds to "ss": a needle never spans two fields.
    assert _listed(library_db, capsys, "piaf" + SEPARATOR + "la") == []


def test_a_rescan_refreshes_the_search_text_of_changed_and_moved_files(
        music: Path, library_db: Path | str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(library_db), "scan", str(music), "-q"]) == 0
    write_tags(music / "davis.flac", "flac", Tags(title="Blue in Green", artist="Bill Evans"))
    os.rename(music / "piaf.flac", music / "vie.flac")
    assert main(["--db", str(library_db), "scan", str(music), "-q"]) == 0
    assert _listed(library_db, capsys, "--artist", "EVANS") == ["davis.flac"]
    assert _listed(library_db, capsys, "--artist", "davis") == []
    assert _listed(library_db, capsys, "VIE.FLAC") == ["vie.flac"]
    assert _listed(library_db, capsys, "piaf.flac") == []


def _baseline_library(location: Path | str) -> None:
    """A library as GenreLens wrote it before search_text (revision 0001_baseline)."""
    url = location if isinstance(location, str) else f"sqlite:///{location}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.upgrade(config, db.BASELINE)
        tracks = sa.table("tracks", *(sa.column(name) for name in (
            "id", "path", "size", "mtime_ns", "title", "artist", "album", "genres", "status",
            "scanned_at")))
        conn.execute(sa.insert(tracks), [
            {"id": n, "path": os.fsencode(path), "size": 1, "mtime_ns": 2, "title": title,
             "artist": artist, "album": None, "genres": "[]", "status": "ok",
             "scanned_at": "2026-01-01 00:00:00"}
            for n, (path, artist, title) in enumerate([
                ("/m/édith.flac", "Édith Piaf", "Straße"),
                (os.fsdecode(b"/m/\xff-raw.mp3"), None, None)], start=1)])
    engine.dispose()


def test_an_old_library_is_backfilled_when_it_upgrades(
        library_db: Path | str, request: pytest.FixtureRequest) -> None:
    location: Path | str = library_db
    if isinstance(library_db, str):  # a fresh PostgreSQL library is migrated: use an empty one
        location = request.getfixturevalue("pg_server").empty_database()
    else:
        library_db.unlink(missing_ok=True)
    _baseline_library(location)
    sessions = db.session_factory(db.create_db_engine(location))
    with sessions() as session:
        stored = dict(session.execute(sa.select(Track.id, Track.search_text)).all())
        assert stored == {1: search_text("Édith Piaf", "Straße", None, "/m/édith.flac"),
                          2: search_text(None, None, None, os.fsdecode(b"/m/\xff-raw.mp3"))}
        found = [t.path for t in list_tracks(session, TrackFilter(text="STRASSE"))]
        assert found == ["/m/édith.flac"]
        assert [t.id for t in list_tracks(session, TrackFilter(artist="ÉDITH"))] == [1]
        assert [t.id for t in list_tracks(session, TrackFilter(text="\ufffd-RAW"))] == [2]


def _explained(session: Session, where: TrackFilter) -> str:
    """The server's plan for list_tracks' query, with table scans made a last resort."""
    query = _filtered(sa.select(Track.id), where)  # type: ignore[arg-type]
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return "\n".join(session.scalars(sa.text(f"EXPLAIN {compiled}")))


def test_postgresql_searches_through_a_trigram_index(pg_server: PgServer) -> None:
    sessions = db.session_factory(db.create_db_engine(pg_server.fresh_library()))
    with sessions() as session:
        assert TRIGRAM_INDEX in _explained(session, TrackFilter(text="LUNAR OWLS"))
        assert TRIGRAM_INDEX in _explained(session, TrackFilter(artist="golden"))


def test_without_pg_trgm_the_library_is_made_and_searched_all_the_same(
        pg_server: PgServer) -> None:
    role, name = "plain_user", "no_trigrams"
    pg_server.admin(f"CREATE ROLE {role} LOGIN")  # may not create extensions in its database
    pg_server.admin(f"CREATE DATABASE {name}")
    with sa.create_engine(pg_server.url(name)).begin() as conn:
        conn.execute(sa.text(f"GRANT ALL ON SCHEMA public TO {role}"))
    url = pg_server.url(name).replace(f"//{SUPERUSER}@", f"//{role}@")
    sessions = db.session_factory(db.create_db_engine(url))
    with sessions.begin() as session:
        session.add(Track(path="/m/straße.flac", artist="Édith Piaf"))
    with sessions() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = "
                                      f"'{TRIGRAM_INDEX}'")) == 0
        assert [t.path for t in list_tracks(session, TrackFilter(text="STRASSE"))] == [
            "/m/straße.flac"]
        assert len(list_tracks(session, TrackFilter(artist="ÉDITH"))) == 1
