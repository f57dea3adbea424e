"""Paths per library root: one share reached through two mount points (a real bind mount, or
a symlink) by two "machines" with their own GENRELENS_ROOTS agree on one set of tracks,
predictions, tag writes and undo, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import cli.classify
import main
from library.db import create_db_engine, session_factory
from library.records import StoredPath
from library.repository import list_tracks
from library.roots import (ROOTS_ENV_VAR, RootError, RootInfo, RootMap, parse_mapping, resolve,
                           unique_name)
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.stand_in_bundle import StandInBundle
from tests.tagging_support import plain_genres, predict
from tests.test_write_hardening import _mounted

ODD_NAME = os.fsdecode(b"caf\xe9 \xff.flac")  # not UTF-8: stored and mapped as exact bytes


@pytest.fixture(scope="module")
def share(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """The NAS share's real content: real audio in three formats, one in a subfolder."""
    root = tmp_path_factory.mktemp("nas") / "share"
    (root / "Album").mkdir(parents=True)
    samples, rate = load_clip(shared_data, seconds=4.0)  # long enough to classify
    for name, kind in (("a", "mp3"), ("Album/b", "flac"), ("c", "aac")):
        path = write_audio(root / f"{name}{KINDS[kind][0]}", kind, samples, rate)
        write_tags(path, kind, Tags(title=Path(name).name))
    odd = write_audio(root / "odd.flac", "flac", samples, rate)  # soundfile wants UTF-8 names
    write_tags(odd, "flac", Tags(title="odd"))
    odd.rename(root / ODD_NAME)
    return root


@contextlib.contextmanager
def _mount(share: Path, at: Path, how: str) -> Iterator[Path]:
    """`share` reached at `at`: a bind mount (as a NAS mounted twice) or a symlink."""
    at.parent.mkdir(parents=True, exist_ok=True)
    if how == "symlink":
        at.symlink_to(share, target_is_directory=True)
        yield at
        return
    at.mkdir()
    with _mounted(["--bind", str(share)], at):
        yield at


@pytest.fixture(params=["bind", "symlink"])
def two_mounts(request: pytest.FixtureRequest, share: Path, tmp_path: Path
               ) -> Iterator[tuple[Path, Path]]:
    """The share as machine A (/mnt/nas/music) and machine B (/Volumes/music) see it."""
    copy = tmp_path / "share"  # each test writes tags: its own copy of the share
    os.system(f"cp -a '{share}' '{copy}'")
    with _mount(copy, tmp_path / "a/mnt/nas/music", request.param) as a, \
            _mount(copy, tmp_path / "b/Volumes/music", request.param) as b:
        yield a, b


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No roots file of the user's; no mapping in the environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(ROOTS_ENV_VAR, raising=False)


def run(db: Path | str, *args: str) -> int:
    return main.main(["--db", str(db), *args])


def _tracks(db: Path | str) -> dict[str, int]:
    """Path on this machine -> track id, of every track."""
    engine = create_db_engine(db)
    with session_factory(engine)() as session:
        found = {t.path: t.id for t in list_tracks(session)}
    engine.dispose()
    return found


def _md5(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_machines_mounting_one_share_elsewhere_share_one_library(
        library_db: Path | str, two_mounts: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    at_a, at_b = two_mounts
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())
    # Machine A: its mount is where the root is recorded; no mapping needed.
    assert run(library_db, "scan", str(at_a), "-q") == 0
    assert "4 new" in capsys.readouterr().out
    assert run(library_db, "classify", "--device", "cpu") == 0
    on_a = _tracks(library_db)
    assert sorted(on_a) == sorted(str(at_a / n) for n in ("Album/b.flac", "a.mp3", "c.m4a",
                                                           ODD_NAME))
    sessions = session_factory(create_db_engine(library_db))
    predict(sessions, {str(at_a / "a.mp3"): {"Jazz": 0.9, "Rock": 0.1},
                       str(at_a / "Album/b.flac"): {"Metal": 0.8, "Rock": 0.2}})

    # Machine B: the same share at /Volumes/music, mapped by name.
    monkeypatch.setenv(ROOTS_ENV_VAR, f"music={at_b}")
    capsys.readouterr()
    assert run(library_db, "scan", str(at_b), "-q") == 0
    assert capsys.readouterr().out.startswith("0 new, 0 changed, 4 unchanged, 0 moved, 0 missing")
    on_b = _tracks(library_db)
    assert on_b == {str(at_b / Path(p).relative_to(at_a)): i for p, i in on_a.items()}
    assert run(library_db, "classify", "--device", "cpu") == 0  # A's predictions hold on B
    assert "Nothing to do" in capsys.readouterr().out
    assert run(library_db, "folders") == 0
    listed = capsys.readouterr().out
    assert listed.startswith(f"music  {at_b}  (") and f"root recorded at {at_a}" in listed

    before = _md5(at_b)
    assert run(library_db, "tag", "--apply", "-q") == 0  # written by B, through B's mount
    assert plain_genres(at_b / "a.mp3") == ["Jazz"]
    assert plain_genres(at_b / "Album/b.flac") == ["Metal"]
    assert _md5(at_b) != before

    # Back on machine A: undo B's batch through A's mount, byte for byte.
    monkeypatch.delenv(ROOTS_ENV_VAR)
    capsys.readouterr()
    assert run(library_db, "undo", "-q") == 0
    assert "2 undone" in capsys.readouterr().out
    assert _md5(at_a) == before
    assert run(library_db, "scan", "-q") == 0  # A's own folder: still the same tracks
    assert capsys.readouterr().out.startswith("0 new, 0 changed, 4 unchanged, 0 moved, 0 missing")
    assert _tracks(library_db) == on_a


def test_adding_the_share_from_another_mount_asks_for_its_root(
        share: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without a mapping, machine B adding its mount of A's share would list every file
    twice: refused with the command that maps it; `--as` remembers it for this machine."""
    at_a = tmp_path / "mnt/music"
    with _mount(share, at_a, "symlink"):
        assert run(db_path, "scan", str(at_a), "-q") == 0
    at_a.unlink()  # machine B: A's mount point does not exist here
    with _mount(share, tmp_path / "Volumes/nas", "symlink") as at_b:
        capsys.readouterr()
        assert run(db_path, "scan", str(at_b), "-q") == 1
        err = capsys.readouterr().err
        assert "holds the files of root 'music'" in err and "--as music" in err
        assert run(db_path, "folders", "add", str(at_b), "--as", "music") == 0
        assert f"watching {at_b} (root music)" in capsys.readouterr().out
        assert (tmp_path / "config/GenreLens/roots").read_text() == f"music={at_b}\n"
        assert run(db_path, "scan", "-q") == 0
        assert capsys.readouterr().out.startswith("0 new, 0 changed, 4 unchanged, 0 moved, 0 ")
        assert run(db_path, "folders") == 0
        assert f"root recorded at {at_a}" in capsys.readouterr().out
        assert run(db_path, "folders", "roots") == 0
        assert capsys.readouterr().out == f"music  {at_b}  (recorded at {at_a})\n"


def test_the_same_folder_reached_another_way_is_not_a_second_root(
        two_mounts: tuple[Path, Path], db_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Both paths exist here (a link to the share, or a second bind mount of it): adding the
    second would list every file twice, so it is refused with the command that maps it."""
    at_a, at_b = two_mounts
    assert run(db_path, "scan", str(at_a), "-q") == 0
    capsys.readouterr()
    assert run(db_path, "scan", str(at_b), "-q") == 1
    err = capsys.readouterr().err
    assert f"is the folder of root 'music' ({at_a}) reached another way" in err
    assert "--as music" in err
    assert len(_tracks(db_path)) == 4
    assert run(db_path, "folders", "add", str(at_b), "--as", "music") == 0
    assert run(db_path, "scan", "-q") == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("0 new, 0 changed, 4 unchanged")
    here = _tracks(db_path)
    assert len(here) == 4 and all(p.startswith(f"{at_b}/") for p in here)


def test_classify_leaves_a_root_not_found_here_alone_and_says_so(
        share: Path, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A share not mounted on this machine: its tracks wait (one line says so), none is
    tried and reported unreadable, and they are classified once it is there again."""
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())
    at_a = tmp_path / "mnt/music"
    with _mount(share, at_a, "symlink"):
        assert run(db_path, "scan", str(at_a), "-q") == 0
    at_a.unlink()  # the share is not mounted now
    capsys.readouterr()
    assert run(db_path, "classify", "--device", "cpu") == 0
    out, err = capsys.readouterr()
    assert out.startswith("Nothing to do on this machine")
    assert err == (f"Skipped 4 tracks of 'music': {at_a} is not found on this machine (mount "
                   "it there, or map it: genrelens folders add PATH --as music)\n")
    assert run(db_path, "list", "--status", "error", "--csv") == 0
    assert capsys.readouterr().out.count("\n") == 1  # the header: no track marked unreadable
    with _mount(share, at_a, "symlink"):
        assert run(db_path, "classify", "--device", "cpu") == 0
        assert "Classified 4 of 4" in capsys.readouterr().out


def test_stored_paths_map_both_ways() -> None:
    roots = RootMap([RootInfo(1, "music", "/mnt/music", "/Volumes/music"),
                     RootInfo(2, "jazz", "/mnt/music/jazz", "/srv/jazz"),
                     RootInfo(3, "top", "/", "/")])
    assert roots.split("/Volumes/music/a/b.mp3") == (1, "a/b.mp3")
    assert roots.split("/Volumes/music") == (1, "")
    assert roots.split("/Volumes/musicals/x.mp3") == (3, "Volumes/musicals/x.mp3")
    assert roots.split("/srv/jazz/x.flac") == (2, "x.flac")
    assert roots.local(1, "a/b.mp3") == "/Volumes/music/a/b.mp3"
    assert roots.local(3, "etc/x.mp3") == "/etc/x.mp3"
    assert roots.local(None, "/abs/x.mp3") == "/abs/x.mp3"
    assert RootInfo(4, "m", "/music", "/music2").mapped  # a longer path, not the same one
    assert resolve(StoredPath("music", "/mnt/music", "a.mp3"), {}) == "/mnt/music/a.mp3"
    assert resolve(StoredPath("music", "/mnt/music", "a.mp3"), {"music": "/n"}) == "/n/a.mp3"


def test_mapping_text_and_root_names() -> None:
    assert parse_mapping(f"nas-music=/Volumes/music{os.pathsep} x = ~/y/ ") == {
        "nas-music": "/Volumes/music", "x": os.path.expanduser("~/y")}
    with pytest.raises(RootError, match="not NAME=PATH"):
        parse_mapping("just-a-path")
    assert unique_name("music", ["music", "music-2"]) == "music-3"
    assert unique_name("a=b", []) == "a-b" and unique_name("", []) == "root"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_library(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path | str, str]:
    """An empty library of the release before roots (0001_baseline): (location, URL)."""
    if request.param == "sqlite":
        path = tmp_path / "old.sqlite3"
        return path, f"sqlite:///{path}"
    url = request.getfixturevalue("pg_server").empty_database()
    return url, url


OLD_FOLDERS = {1: b"/music/Main", 2: b"/music/Main/Jazz", 3: b"/backup/Main"}
OLD_TRACKS = {  # id: (folder, absolute path as the old release stored it)
    1: (1, b"/music/Main/a.flac"), 2: (2, b"/music/Main/Jazz/b.mp3"),
    3: (3, b"/backup/Main/caf\xe9.ogg"), 4: (None, b"/gone/d.mp3")}


def _fill_old(url: str) -> None:
    """What the old release wrote: absolute paths, a prediction, a label, an undo log."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        for folder_id, path in OLD_FOLDERS.items():
            conn.execute(text("INSERT INTO folders (id, path, added_at) VALUES (:i, :p, :t)"),
                         {"i": folder_id, "p": path, "t": "2026-01-01"})
        for track_id, (folder_id, path) in OLD_TRACKS.items():
            conn.execute(text(
                "INSERT INTO tracks (id, folder_id, path, size, mtime_ns, status, genres, "
                "scanned_at) VALUES (:i, :f, :p, 1, 2, 'ok', '[]', :t)"),
                {"i": track_id, "f": folder_id, "p": path, "t": "2026-01-01"})
        conn.execute(text(
            "INSERT INTO predictions (track_id, bundle, bundle_version, probabilities, "
            "top_genres, confidence, uncertain, not_music, clip_probabilities, clip_starts, "
            "track_size, track_mtime_ns, created_at) VALUES (1, 'broad', '2.0.0', "
            "'{\"Rock\": 0.7}', '[\"Rock\"]', 0.7, false, false, '[]', '[]', 1, 2, :t)"),
            {"t": "2026-01-01"})
        conn.execute(text("INSERT INTO user_labels (track_id, genres, created_at) "
                          "VALUES (2, '[\"Jazz\"]', :t)"), {"t": "2026-01-01"})
        conn.execute(text("INSERT INTO tag_batches (id, created_at, options, state) "
                          "VALUES (1, :t, '{}', 'done')"), {"t": "2026-01-01"})
        conn.execute(text(
            "INSERT INTO tag_changes (id, batch_id, track_id, path, new_genres, state) "
            "VALUES (1, 1, 3, :p, '[\"Rock\"]', 'applied')"), {"p": OLD_TRACKS[3][1]})
        conn.execute(text(
            "INSERT INTO tag_originals (change_id, prefix, suffix, middle, original_size, "
            "original_sha1, written_sha1, mtime_ns) VALUES (1, 0, 0, :m, 1, 'a', 'b', 2)"),
            {"m": b"old bytes"})
    engine.dispose()


def test_an_old_library_upgrades_keeping_everything_with_paths_per_root(
        old_library: tuple[Path | str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import func, select

    from library import db
    from library.convert import local
    from library.folders import list_folders
    from library.models import Prediction, TagChange, TagOriginal, Track, UserLabel
    from tests.old_library import migrate_to

    location, url = old_library
    migrate_to(url, "0001_baseline")
    _fill_old(url)
    engine = create_db_engine(location)  # upgrades in place
    with engine.connect() as conn:
        assert db.alembic_revision(conn) == db.HEAD
    sessions = session_factory(engine)
    with sessions() as session:
        folders = {f.path: (f.root, f.recorded) for f in list_folders(session)}
        assert folders == {"/music/Main": ("Main", "/music/Main"),
                           "/music/Main/Jazz": ("Main", "/music/Main"),  # inside Main's root
                           "/backup/Main": ("Main-2", "/backup/Main")}
        assert {t.id: os.fsencode(t.path) for t in list_tracks(session)} == {
            i: p for i, (_, p) in OLD_TRACKS.items()}
        stored = dict(session.execute(select(Track.id, Track.path)).all())
        assert stored[2] == "Jazz/b.mp3" and stored[4] == "/gone/d.mp3"  # the orphan: as was
        assert session.scalar(select(func.count()).select_from(Prediction)) == 1  # no cascade
        assert session.scalar(select(func.count()).select_from(UserLabel)) == 1
        assert session.scalar(select(TagOriginal.middle)) == b"old bytes"
        change = session.scalars(select(TagChange)).one()
        assert (change.path, os.fsencode(local(change))) == (os.fsdecode(b"caf\xe9.ogg"),
                                                             OLD_TRACKS[3][1])
    monkeypatch.setenv(ROOTS_ENV_VAR, "Main=/Volumes/main")  # another machine's mount
    with sessions() as session:
        assert {t.id: t.path for t in list_tracks(session)}[2] == "/Volumes/main/Jazz/b.mp3"
    engine.dispose()


def test_a_root_added_over_tracks_from_before_roots_adopts_them(
        share: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A track whose folder was removed before roots existed kept its absolute path; watching
    that folder again moves it into the new root instead of listing it twice."""
    from library.models import Track
    from library.repository import get_track_by_path

    old = tmp_path / "old"
    os.system(f"cp -a '{share}' '{old}'")
    orphan = old / "a.mp3"
    info = orphan.stat()
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:  # as 0002_roots leaves such a track
        session.add(Track(id=7, path=str(orphan), size=info.st_size, mtime_ns=info.st_mtime_ns,
                          head_hash=None, status="ok", genres=[]))
        session.commit()
        assert get_track_by_path(session, str(orphan)).id == 7  # type: ignore[union-attr]
    engine.dispose()
    assert run(db_path, "scan", str(old), "-q") == 0
    assert capsys.readouterr().out.startswith("3 new, 0 changed, 1 unchanged, 0 moved, 0 ")
    tracks = _tracks(db_path)
    assert tracks[str(orphan)] == 7 and len(tracks) == 4
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:  # stored under the root: portable now
        adopted = session.get(Track, 7)
        assert adopted is not None and (adopted.root_id, adopted.path) == (1, "a.mp3")
    engine.dispose()


def test_a_malformed_mapping_is_a_usage_error_in_words(
        db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ROOTS_ENV_VAR, "/Volumes/music")  # the NAME= forgotten
    assert run(db_path, "list") == 2
    assert capsys.readouterr().err == (f"error: {ROOTS_ENV_VAR}: '/Volumes/music' is not "
                                       f"NAME=PATH (pairs are separated by '{os.pathsep}')\n")
