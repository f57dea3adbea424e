"""`genrelens classify` end to end: real files in several formats, a real SQLite library."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

import cli.classify
import workflows.prediction_sink
from classifier.bundle import load_bundle
from classifier.predict import DEFAULT_CLIPS
from library.db import create_db_engine, session_factory
from library.models import Embedding, Prediction, Track
from library.roots import at_path
from tests.library_queries import local_rows
from main import main
from tests.audio_files import load_source, write_audio
from tests.stand_in_bundle import StandInBundle

SOURCES = [
    "blues/blues.00001",
    "classical/classical.00002",
    "jazz/jazz.00003",
    "metal/metal.00000",
    "reggae/reggae.00004",
]
EXTENSIONS = [".flac", ".ogg", ".mp3", ".m4a", ".opus"]


@pytest.fixture
def library(
    shared_data: Path, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Path]:
    """Five real tracks in five formats and one corrupt file, as rows in a fresh library."""
    music = tmp_path / "music"
    music.mkdir()
    files = {}
    for source, ext in zip(SOURCES, EXTENSIONS):
        files[source] = write_audio(
            music / f"{Path(source).name}{ext}",
            *load_source(shared_data / f"gtzan-mini/{source}.flac"),
        )
    files["broken"] = music / "broken.mp3"
    files["broken"].write_bytes(b"ID3" + os.urandom(20_000))
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for path in files.values():
            stat = path.stat()
            session.add(Track(path=str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    return files


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tiny seeded bundle, for tests of the run's mechanics (skip, redo, commit, resume):
    they classify 11+ tracks, and what the network says is not what they are about."""
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())


def classify(db_path: Path, *args: str) -> int:
    return main(["--db", str(db_path), "classify", "--device", "cpu", *args])


def stored(db_path: Path) -> dict[str, tuple[int, object]]:
    """path -> (prediction id, created_at) of every stored prediction."""
    with session_factory(create_db_engine(db_path))() as session:
        rows = local_rows(session, select(Track.root_id, Track.path, Prediction.id,
                                          Prediction.created_at).join(Prediction.track))
        assert session.scalar(select(func.count()).select_from(Embedding)) == len(rows)
        return {path: (pid, created) for path, pid, created in rows}


def test_classify_with_the_real_broad_bundle_stores_predictions_and_reports_the_broken_file(
    library: dict[str, Path], db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert classify(db_path) == 1
    out, err = capsys.readouterr()
    assert "Classified 5 of 6 tracks" in out
    assert "broken.mp3" in err and "1 track could not be classified" in err
    assert sorted(stored(db_path)) == sorted(str(p) for k, p in library.items() if k != "broken")
    with session_factory(create_db_engine(db_path))() as session:
        prediction = session.scalars(select(Prediction)).first()
        assert prediction.bundle == "broad"
        # every clip, or the first 2 when they settled the track (classifier/early_exit.py)
        assert len(prediction.clip_probabilities) in (2, DEFAULT_CLIPS)
        assert len(prediction.clip_starts) == len(prediction.clip_probabilities)
        assert list(prediction.probabilities) == list(load_bundle("broad").labels)
        assert all(len(clip) == 16 for clip in prediction.clip_probabilities)
        by_path = dict(local_rows(session, select(Track.root_id, Track.path,  # type: ignore[arg-type]
                                                  Prediction.top_genres).join(Prediction.track)))
        # the real network, not a stand-in:
        assert by_path[str(library["classical/classical.00002"])][:1] == ["Classical"]


def test_rerun_skips_force_redoes_changed_file_is_redone(
    library: dict[str, Path], stand_in: None, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    classify(db_path)
    first = stored(db_path)
    library["broken"].unlink()  # so that "nothing to do" can be reached
    with session_factory(create_db_engine(db_path)).begin() as session:
        session.query(Track).filter(at_path(session, Track, str(library["broken"]))).delete()
    capsys.readouterr()
    assert classify(db_path) == 0
    assert "Nothing to do" in capsys.readouterr().out
    assert stored(db_path) == first

    changed = library["jazz/jazz.00003"]
    samples, rate = load_source(changed)
    write_audio(changed, samples[: len(samples) // 2], rate)  # the user edited the file
    assert classify(db_path) == 0
    assert "Classified 1 of 1" in capsys.readouterr().out
    after = stored(db_path)
    assert after[str(changed)][1] > first[str(changed)][1]
    assert {p: v for p, v in after.items() if p != str(changed)} == {
        p: v for p, v in first.items() if p != str(changed)
    }

    assert classify(db_path, "--force", str(library["metal/metal.00000"].parent)) == 0
    assert "Classified 5 of 5" in capsys.readouterr().out
    assert all(stored(db_path)[p][1] > after[p][1] for p in after)


def test_interrupted_run_keeps_committed_batches_and_rerun_continues(
    library: dict[str, Path],
    stand_in: None,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real_store = workflows.prediction_sink.store_predictions
    calls = []

    def store_then_interrupt(session: object, writes: list[object]) -> None:
        calls.append(len(writes))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second batch is being written
        real_store(session, writes)

    monkeypatch.setattr(workflows.prediction_sink, "store_predictions", store_then_interrupt)
    assert classify(db_path, "--commit-every", "2") == 130
    assert "committed so far is kept" in capsys.readouterr().err
    kept = stored(db_path)
    assert len(kept) == 2

    monkeypatch.setattr(workflows.prediction_sink, "store_predictions", real_store)
    assert classify(db_path, "--commit-every", "2") == 1  # only the broken file fails
    assert "Classified 3 of 4 tracks" in capsys.readouterr().out
    final = stored(db_path)
    assert len(final) == 5 and all(final[p] == kept[p] for p in kept)


def test_bad_device_and_bad_clips_are_clear_errors(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())
    assert main(["--db", str(db_path), "classify", "--device", "tpu"]) == 2
    assert "unknown device 'tpu'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--db", str(db_path), "classify", "--clips", "0"])
