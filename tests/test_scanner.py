"""The scanner over a real generated library and a real SQLite file."""

from __future__ import annotations

import builtins
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from library import repository, scanner
from library.db import create_db_engine, session_factory
from library.folders import add_folder
from library.models import Prediction
from library.records import FolderRecord, ScanEvent, TrackRecord
from library.scanner import scan
from library.tags import read_file
from tests.audio_factory import Made, Tags, can_bypass_permissions, make_library, write_tags


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("template")
    return root, make_library(root, shared_data)


@pytest.fixture
def library(template: tuple[Path, dict], tmp_path: Path) -> tuple[Path, dict[str, Made]]:
    """A private copy of the generated library (tests change it)."""
    source, made = template
    root = tmp_path / "music"
    shutil.copytree(source, root, symlinks=True)
    moved = {name: Made(root / m.path.relative_to(source), m.format, m.codec, m.tags, m.error)
             for name, m in made.items()}
    return root, moved


@pytest.fixture
def sessions(library_db: Path | str) -> sessionmaker[Session]:
    return session_factory(create_db_engine(library_db))


def _folder(sessions: sessionmaker[Session], root: Path) -> FolderRecord:
    with sessions() as session:
        return add_folder(session, str(root))


def _run(
    sessions: sessionmaker[Session], folder: FolderRecord, **kwargs: object
) -> list[ScanEvent]:
    return list(scan(sessions, [folder], **kwargs))  # type: ignore[arg-type]


def _tracks(sessions: sessionmaker[Session]) -> dict[str, TrackRecord]:
    with sessions() as session:
        return {t.path: t for t in repository.list_tracks(session)}


def test_first_scan_records_every_file_exactly(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, made = library
    events = _run(sessions, _folder(sessions, root))
    tracks = _tracks(sessions)
    locked_readable = can_bypass_permissions()  # root reads mode-000 files: honestly "ok"
    assert len(tracks) == len(made)
    for name, expected in made.items():
        track = tracks[str(expected.path)]
        if expected.error and not (name == "locked" and locked_readable):
            assert (track.status, track.format) == ("error", None), name
            assert expected.error in (track.error or ""), name
        else:
            tags = expected.tags if name != "locked" else made["flac"].tags
            assert (track.status, track.error) == ("ok", None), name
            if name != "locked":
                assert (track.format, track.codec) == (expected.format, expected.codec), name
            assert (track.title, track.genres) == (tags.title, tags.genres), name
    [loop] = [e for e in events if e.is_folder]
    assert loop.outcome == "error" and "symbolic link loop" in (loop.error or "")
    errors = sum(1 for t in tracks.values() if t.status == "error")
    assert events[-1].counts.new == len(made) - errors
    assert events[-1].counts.errors == errors + 1  # + the loop


def test_non_utf8_name_is_stored_as_its_bytes(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, made = library
    _run(sessions, _folder(sessions, root))
    path = str(made["latin1_name"].path)
    with sessions() as session:
        track = repository.get_track_by_path(session, path)
    assert track is not None and os.fsencode(track.path).endswith(b"caf\xe9 \xff.flac")


def test_rescan_of_unchanged_tree_opens_no_file(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, made = library
    folder = _folder(sessions, root)
    _run(sessions, folder)
    before = _tracks(sessions)
    opened: list[str] = []
    real_open = builtins.open

    def counting_open(file: object, *args: object, **kwargs: object) -> object:
        opened.append(os.fsdecode(file) if isinstance(file, (str, bytes, Path)) else "?")
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", counting_open)
    events = _run(sessions, folder)
    assert [p for p in opened if p.startswith(str(root))] == []
    files = [e for e in events if not e.is_folder]
    # Unreadable files are reported again, with the reason stored the first time: a rescan
    # counts the errors the first scan counted (`scan` exits the same way both times).
    errors = {e.path: e.error for e in files if e.outcome == "error"}
    assert errors == {p: t.error for p, t in before.items() if t.status == "error"} != {}
    assert {e.outcome for e in files} == {"unchanged", "error"}
    assert all(e.again for e in files if e.outcome == "error")
    assert events[-1].counts.unchanged == len(made) - len(errors)
    assert _tracks(sessions) == before  # not even scanned_at was rewritten


def test_touched_moved_deleted_and_added_files(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, made = library
    folder = _folder(sessions, root)
    first = _run(sessions, folder)
    before = _tracks(sessions)
    assert {e.path: e.track_id for e in first if not e.is_folder} == {
        path: track.id for path, track in before.items()}  # new files (and broken ones)
    assert {e.outcome for e in first} == {"new", "error"}
    moved_from, moved_to = made["ogg"].path, root / "elsewhere" / "renamed.ogg"
    moved_id = before[str(moved_from)].id
    _add_prediction(sessions, moved_id)
    write_tags(made["flac"].path, "flac", Tags(title="Retitled", genres=("Ambient",)))
    os.utime(made["wav"].path, ns=(1, 1))  # same bytes, other mtime: re-read
    moved_to.parent.mkdir()
    os.rename(moved_from, moved_to)
    made["mp3"].path.unlink()
    shutil.copyfile(made["aiff"].path, root / "good" / "copy.aiff")

    events = {e.path: e for e in _run(sessions, folder) if not e.is_folder}
    after = _tracks(sessions)
    assert events[str(made["flac"].path)].outcome == "changed"
    assert after[str(made["flac"].path)].genres == ("Ambient",)
    assert events[str(made["wav"].path)].outcome == "changed"
    assert events[str(moved_to)].outcome == "moved"
    assert events[str(moved_to)].old_path == str(moved_from)
    assert after[str(moved_to)].id == moved_id and str(moved_from) not in after
    assert _prediction_track_ids(sessions) == [moved_id]
    assert events[str(made["mp3"].path)].outcome == "missing"
    assert after[str(made["mp3"].path)].status == "missing"
    assert after[str(made["mp3"].path)].id == before[str(made["mp3"].path)].id
    assert events[str(root / "good" / "copy.aiff")].outcome == "new"
    assert after[str(made["aiff"].path)].id == before[str(made["aiff"].path)].id
    assert {e.outcome for e in events.values()} == {"unchanged", "changed", "moved", "new",
                                                    "missing", "error"}  # the broken files
    assert {path: e.track_id for path, e in events.items()} == {
        path: track.id for path, track in after.items()}  # each event names its own track


def test_missing_file_that_returns_untouched_is_ok_again_without_reading(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, made = library
    folder = _folder(sessions, root)
    _run(sessions, folder)
    path, aside = made["opus"].path, root.parent / "aside.opus"
    os.rename(path, aside)
    _run(sessions, folder)
    assert _tracks(sessions)[str(path)].status == "missing"
    os.rename(aside, path)
    reads: list[str] = []
    events = _run(sessions, folder, reader=lambda p, h: reads.append(p) or read_file(p, h))
    assert _tracks(sessions)[str(path)].status == "ok"
    assert [e.outcome for e in events if e.path == str(path)] == ["unchanged"] and reads == []


def test_unlistable_folder_keeps_its_tracks(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _ = library
    folder = _folder(sessions, root)
    _run(sessions, folder)
    refused = str(root / "id3")
    real_scandir = os.scandir

    def refusing_scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if str(path) == refused:  # chmod 000 would not stop root, so refuse here
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr("library.walk.os.scandir", refusing_scandir)
    events = _run(sessions, folder)
    [problem] = [e for e in events if e.path == refused]
    assert problem.is_folder and problem.error == "cannot open folder: Permission denied"
    statuses = {t.status for p, t in _tracks(sessions).items() if p.startswith(refused)}
    assert statuses == {"ok"}  # not listed is not gone


def test_fifo_and_dangling_link_are_recorded_not_opened(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    root = tmp_path / "odd"
    root.mkdir()
    os.mkfifo(root / "pipe.mp3")  # opening it would block the scan forever
    os.symlink(root / "nowhere.flac", root / "dangling.flac")
    _run(sessions, _folder(sessions, root))
    tracks = {Path(p).name: (t.status, t.error) for p, t in _tracks(sessions).items()}
    assert tracks == {
        "pipe.mp3": ("error", "not a regular file"),
        "dangling.flac": ("error", "cannot read: broken symbolic link"),
    }


def test_closing_the_generator_keeps_committed_batches(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, made = library
    folder = _folder(sessions, root)
    events = scan(sessions, [folder], batch_size=4)
    seen = [next(events) for _ in range(10)]
    events.close()
    handled = {e.path for e in seen if not e.is_folder}
    assert handled <= set(_tracks(sessions))  # everything handled was written
    rest = [e for e in _run(sessions, folder) if not e.is_folder]
    assert {e.path for e in rest if e.outcome == "unchanged" or e.again} == handled
    assert len(_tracks(sessions)) == len(made)


def test_on_commit_comes_once_the_tracks_of_the_events_so_far_are_readable(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, _ = library
    folder = _folder(sessions, root)
    yielded: dict[str, int | None] = {}  # path -> track id, of the events so far
    unreadable: list[str] = []
    commits = []

    def on_commit() -> None:  # read through another session, as the GUI's row refresh does
        stored = {path: track.id for path, track in _tracks(sessions).items()}
        unreadable.extend(p for p, track_id in yielded.items() if stored.get(p) != track_id)
        commits.append(len(yielded))

    for event in scan(sessions, [folder], batch_size=4, on_commit=on_commit):
        yielded[event.path] = event.track_id
    assert unreadable == [] and len(commits) > 2 and commits[0] < len(yielded)


def test_a_batch_that_holds_the_write_lock_too_long_commits_early(
    library: tuple[Path, dict[str, Made]], db_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SQLite only: a PostgreSQL server has no library-wide write lock to hold too long.
    sessions = session_factory(create_db_engine(db_path))
    root, _ = library
    monkeypatch.setattr(scanner, "LOCK_SECONDS", -1.0)  # any wait is too long: every file
    commits: list[int] = []
    events = _run(sessions, _folder(sessions, root), batch_size=10_000,
                  on_commit=lambda: commits.append(len(_tracks(sessions))))
    new = len([e for e in events if not e.is_folder])
    assert new > 10 and commits == [*range(1, new + 1), new]  # one commit per file, then the end


def test_cancel_from_another_thread_stops_without_marking_missing(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, made = library
    folder = _folder(sessions, root)
    _run(sessions, folder)
    made["flac"].path.unlink()
    cancel = threading.Event()
    seen: list[ScanEvent] = []

    def consume() -> None:
        for event in scan(sessions, [folder], cancel=cancel):
            seen.append(event)
            cancel.set()  # the GUI's Cancel button, pressed at the first event

    worker = threading.Thread(target=consume)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive() and len(seen) == 1
    assert _tracks(sessions)[str(made["flac"].path)].status == "ok"


def _add_prediction(sessions: sessionmaker[Session], track_id: int) -> None:
    with sessions() as session:
        session.add(Prediction(track_id=track_id, bundle="b", bundle_version="1",
                               probabilities={"rock": 1.0}, top_genres=["rock"], confidence=1.0,
                               clip_probabilities=[[1.0]], track_size=1, track_mtime_ns=1))
        session.commit()


def _prediction_track_ids(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(Prediction.track_id)))


def test_tracks_of_a_rewatched_folder_rejoin_it(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    from library.folders import remove_folder

    root, made = library
    _run(sessions, _folder(sessions, root))
    with sessions() as session:
        remove_folder(session, str(root))
    assert {t.folder_id for t in _tracks(sessions).values()} == {None}
    folder = _folder(sessions, root)
    _run(sessions, folder)
    made["wav"].path.unlink()
    _run(sessions, folder)
    tracks = _tracks(sessions)
    assert {t.folder_id for t in tracks.values()} == {folder.id}
    assert tracks[str(made["wav"].path)].status == "missing"


def test_unmounted_folder_is_an_error_and_keeps_its_tracks(
    library: tuple[Path, dict[str, Made]], sessions: sessionmaker[Session]
) -> None:
    root, _ = library
    folder = _folder(sessions, root)
    _run(sessions, folder)
    with sessions() as session:
        scanned_at = repository_folder_time(session, folder.id)
    os.rename(root, root.with_name("unplugged"))
    events = _run(sessions, folder)
    assert [(e.outcome, e.is_folder) for e in events] == [("error", True)]
    assert "No such file or directory" in (events[0].error or "")
    assert {t.status for t in _tracks(sessions).values()} == {"ok", "error"}
    with sessions() as session:
        assert repository_folder_time(session, folder.id) == scanned_at


def repository_folder_time(session: Session, folder_id: int) -> object:
    from library.models import Folder

    return session.get(Folder, folder_id).last_scanned_at  # type: ignore[union-attr]


def test_hidden_files_and_folders_are_skipped(
    tmp_path: Path, sessions: sessionmaker[Session], shared_data: Path
) -> None:
    root = tmp_path / "music"
    (root / ".Trash").mkdir(parents=True)
    source = shared_data / "gtzan-mini" / "jazz" / "jazz.00000.flac"
    shutil.copyfile(source, root / ".Trash" / "deleted.flac")
    (root / "._song.flac").write_bytes(b"\x00\x05\x16\x07" + bytes(60))  # macOS sidecar
    shutil.copyfile(source, root / "song.flac")
    _run(sessions, _folder(sessions, root))
    assert list(_tracks(sessions)) == [str(root / "song.flac")]
