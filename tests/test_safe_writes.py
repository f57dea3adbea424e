"""Safe by default, end to end on the CLI: the default policy leaves the user's genres (and
file bytes) alone, and predictions follow the audio, not the file: `tag --apply`, `undo`,
and a tag edit by another program leave `classify` nothing to do, with counts agreeing."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
import soundfile as sf
from mutagen import File as MutagenFile
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import cli.classify
import main
from library import browse, categories
from library.categories import Category
from library.db import HEAD_USER_VERSION, create_db_engine, session_factory
from library.models import Prediction, Track
from library.predictions import (
    FLAC_MD5,
    audio_fingerprint,
    stat_on_disk,
    tracks_needing_prediction,
)
from library.tags import audio_payload_hash
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.old_library import baseline_file, downgrade_to_schema_1
from tests.stand_in_bundle import StandInBundle
from tests.tagging_support import plain_genres, scan_into

# name -> (kind, genres the user typed into the file)
FILES = {"a": ("mp3", []), "b": ("flac", ["Heavy Metal"]), "c": ("aac", []),
         "d": ("ogg", ["Hiphop"]), "e": ("flac", [])}


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    root = tmp_path_factory.mktemp("safe") / "music"
    root.mkdir()
    samples, rate = load_clip(shared_data, seconds=4.0)
    for name, (kind, genres) in FILES.items():
        path = write_audio(root / f"{name}{KINDS[kind][0]}", kind, samples, rate)
        write_tags(path, kind, Tags(title=name, artist="Someone"), raw_genres=genres)
    return root


@pytest.fixture
def music(template: Path, tmp_path: Path, db_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "music"
    shutil.copytree(template, root)
    scan_into(session_factory(create_db_engine(db_path)), root)
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())
    return root


def run(db_path: Path, *args: str) -> int:
    return main.main(["--db", str(db_path), *args])


def to_classify(db_path: Path) -> tuple[int, int, int]:
    """(what classify would run, the sidebar's "to classify", stale rows) of the library."""
    sessions: sessionmaker[Session] = session_factory(create_db_engine(db_path))
    with sessions() as session:
        todo = tracks_needing_prediction(session, "stand-in", "0.1", current_stat=stat_on_disk)
        rows = [r for page in browse.iter_row_pages(session) for r in page]
    return (len(todo), categories.count_sidebar(rows)[Category.UNCLASSIFIED],
            sum(r.stale for r in rows))


def test_apply_undo_and_outside_edits_leave_nothing_to_classify(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, "classify") == 0
    assert to_classify(db_path) == (0, 0, 0)
    typed = {p: md5(p) for p in music.iterdir() if FILES[p.stem][1]}
    before = {p: md5(p) for p in music.iterdir()}
    capsys.readouterr()
    # The stand-in's guesses are far below the default minimum: nothing is written.
    assert run(db_path, "tag", "--apply", "--bundle", "stand-in") == 0
    assert "Nothing to write." in capsys.readouterr().out
    assert {p: md5(p) for p in music.iterdir()} == before
    # Any genre at all, still the default policy: only the files without one get one.
    assert run(db_path, "tag", "--apply", "--bundle", "stand-in", "--min-confidence", "0") == 0
    assert "3 applied" in capsys.readouterr().out
    assert {p: md5(p) for p in typed} == typed  # the user's genres: not a byte changed
    assert plain_genres(music / "b.flac") == ["Heavy Metal"]
    assert all(plain_genres(music / n) for n in ("a.mp3", "c.m4a", "e.flac"))
    assert to_classify(db_path) == (0, 0, 0)
    assert run(db_path, "classify") == 0
    assert "Nothing to do" in capsys.readouterr().out

    assert run(db_path, "undo", "-q") == 0
    assert "3 undone" in capsys.readouterr().out
    assert to_classify(db_path) == (0, 0, 0)  # rows do not stay "changed" after undo
    assert run(db_path, "classify") == 0
    assert "Nothing to do" in capsys.readouterr().out

    edited = music / "e.flac"  # another tagger changes the title (and the file's size)
    tags = MutagenFile(edited)
    tags["title"] = "A much longer title, written by another program" * 4
    tags.save()
    assert run(db_path, "scan", str(music)) == 0
    assert to_classify(db_path) == (0, 0, 0)
    capsys.readouterr()
    assert run(db_path, "classify") == 0
    assert "Nothing to do" in capsys.readouterr().out


def test_new_audio_is_classified_again(music: Path, db_path: Path,
                                       shared_data: Path) -> None:
    assert run(db_path, "classify") == 0
    samples, rate = load_clip(shared_data, seconds=3.5)  # other audio, same name
    write_audio(music / "e.flac", "flac", samples, rate)
    assert run(db_path, "scan", str(music)) == 0
    assert to_classify(db_path) == (1, 1, 1)


def test_list_genre_matches_any_spelling(music: Path, db_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    for spelling in ("Hip-Hop", "hip hop", "HIPHOP"):
        assert run(db_path, "list", "--genre", spelling, "--csv") == 0
        out = capsys.readouterr().out
        assert "d.ogg" in out and "a.mp3" not in out, spelling


def test_old_database_upgrades_and_keeps_its_predictions(db_path: Path) -> None:
    baseline_file(db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO tracks (path, size, mtime_ns, status, genres, scanned_at) "
                     "VALUES (?, 10, 20, 'ok', '[]', '2026-01-01')", (b"/m/a.flac",))
    downgrade_to_schema_1(db_path)  # back to the schema before predictions knew audio
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO predictions (track_id, bundle, bundle_version, probabilities, "
            "top_genres, confidence, uncertain, clip_probabilities, clip_starts, track_size, "
            "track_mtime_ns, created_at) VALUES (1, 'broad', '1', '{}', '[\"Jazz\"]', 0.9, 0, "
            "'[]', '[]', 10, 20, '2026-01-01 00:00:00.000000')")
    with session_factory(create_db_engine(db_path))() as session:
        (kept,) = session.scalars(select(Prediction))
        assert (kept.top_genres, kept.track_size, kept.audio_hash) == (["Jazz"], 10, None)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (HEAD_USER_VERSION,)


def test_flac_audio_is_known_by_its_encoders_md5_of_the_samples(music: Path) -> None:
    """The MD5 read from STREAMINFO is that of the decoded samples (so the right 16 bytes),
    and a FLAC file whose encoder left it unset falls back to hashing the payload."""
    path = music / "e.flac"
    info = MutagenFile(path).info
    stat = stat_on_disk(str(path))
    samples, _ = sf.read(path, dtype="int16")
    assert info.bits_per_sample == 16
    digest = audio_fingerprint(str(path), *stat)
    assert digest is not None and digest.startswith(FLAC_MD5)
    assert digest.split(":")[1] == hashlib.md5(samples.tobytes()).hexdigest()
    data = bytearray(path.read_bytes())
    at = data.index(b"fLaC") + 8 + 18  # STREAMINFO's data, then its MD5
    assert bytes(data[at:at + 16]) == info.md5_signature.to_bytes(16, "big")
    data[at:at + 16] = bytes(16)  # "unset", as some encoders leave it
    unset = music / "unset.flac"
    unset.write_bytes(data)
    assert audio_fingerprint(str(unset), *stat_on_disk(str(unset))) == audio_payload_hash(
        str(unset), "flac")


def test_predictions_stored_with_the_payload_hash_still_follow_a_flac_tag_edit(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, "classify") == 0
    sessions = session_factory(create_db_engine(db_path))
    edited = music / "e.flac"
    with sessions() as session:  # as a release before FLAC's MD5 was used stored it
        (prediction,) = session.scalars(select(Prediction).join(Prediction.track)
                                        .where(Track.title == "e"))
        assert prediction.audio_hash.startswith(FLAC_MD5)
        prediction.audio_hash = audio_payload_hash(str(edited), "flac")
        session.commit()
    tags = MutagenFile(edited)
    tags["title"] = "A much longer title, written by another program" * 4
    tags.save()
    assert run(db_path, "scan", str(music)) == 0
    assert to_classify(db_path) == (0, 0, 0)
    edited.write_bytes(edited.read_bytes()[:-2000])  # the audio itself changed: not kept
    assert run(db_path, "scan", str(music)) in (0, 1)
    assert to_classify(db_path)[0] == 1


def test_a_cut_off_flac_file_is_classified_again(music: Path, db_path: Path) -> None:
    """A copy cut short keeps STREAMINFO's MD5 of the samples it was encoded from: the
    frames' length tells it apart, so its old prediction is not kept."""
    assert run(db_path, "classify") == 0
    path = music / "e.flac"
    path.write_bytes(path.read_bytes()[:-2000])
    assert run(db_path, "scan", str(music)) in (0, 1)
    assert to_classify(db_path)[0] == 1
