"""Crash safety: a bulk write of 240 real files is SIGKILLed at random moments (several
seeds). Every file must still open, hold the same audio, and carry exactly its old or its new
genres; undo of the interrupted batch must bring every file back."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from library.db import create_db_engine, session_factory
from library.models import TagBatch
from workflows.tags import undo_batch
from library.tags import read_file
from library.tagwriter import TEMP_SUFFIX
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.tagging_support import payload, plain_genres, predict, scan_into

REPO = Path(__file__).resolve().parents[1]
FILES = 240
ROTATION = ("mp3", "flac", "ogg", "aac", "wav", "opus")
SEEDS = (1, 2, 3, 4)


def _old(number: int) -> list[str]:
    return [] if number % 5 == 0 else [f"Old {number}", "Shared"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, shared_data: Path
             ) -> tuple[Path, Path, dict[str, tuple[str, list[str]]]]:
    """A scanned library of FILES small files with predictions, kept aside to restore."""
    work = tmp_path_factory.mktemp("crash")
    music, db = work / "music", work / "library.sqlite3"
    music.mkdir()
    samples, rate = load_clip(shared_data, seconds=0.5)
    sources = {k: write_audio(work / f"source{KINDS[k][0]}", k, samples, rate) for k in ROTATION}
    for number in range(FILES):
        kind = ROTATION[number % len(ROTATION)]
        path = music / f"{number:03d}{KINDS[kind][0]}"
        shutil.copyfile(sources[kind], path)
        write_tags(path, kind, Tags(title=str(number)), raw_genres=_old(number))
    sessions = session_factory(create_db_engine(db))
    scan_into(sessions, music)
    predict(sessions, {str(p): {f"New {p.stem}": 0.8, "Other": 0.2} for p in music.iterdir()})
    sessions.kw["bind"].dispose()
    expected = {str(p): (payload(p), plain_genres(p)) for p in music.iterdir()}
    shutil.copytree(music, work / "pristine-music", copy_function=shutil.copy2)
    shutil.copyfile(db, work / "pristine.sqlite3")
    return music, db, expected


def _restore(music: Path, db: Path) -> None:
    """Put back the pristine files (mtimes too, so they match the scan) and database."""
    shutil.rmtree(music)
    shutil.copytree(music.parent / "pristine-music", music, copy_function=shutil.copy2)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(music.parent / "pristine.sqlite3", db)


def _run_and_kill(db: Path, rng: random.Random) -> int:
    """Start the batch, SIGKILL it a random moment after a random file; files written."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.tag_crash_child", str(db)], cwd=REPO,
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert child.stdout is not None
    target, written = rng.randrange(0, FILES - 10), 0
    for line in child.stdout:
        if line.strip().isdigit():
            written = int(line)
        if line.startswith("ready") and target == 0 or written >= target:
            break
    time.sleep(rng.uniform(0, 0.03))  # land anywhere inside the next file's write
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, "the batch finished before the kill"
    return written


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_sigkill_mid_batch_loses_nothing_and_undo_restores_all(
    pristine: tuple[Path, Path, dict[str, tuple[str, list[str]]]], seed: int
) -> None:
    music, db, expected = pristine
    _restore(music, db)
    written = _run_and_kill(db, random.Random(seed))

    changed = 0
    for path, (audio, old) in expected.items():
        read_file(path)  # opens and parses, whatever state it is in
        assert payload(Path(path)) == audio, path
        genres = plain_genres(Path(path))
        assert genres in (old, [f"New {Path(path).stem}"]), path
        changed += genres != old
    assert written <= changed < FILES  # files finish between the last line read and the kill
    leftovers = [n for n in os.listdir(music) if n.endswith(TEMP_SUFFIX)]
    assert len(leftovers) <= 1

    sessions = session_factory(create_db_engine(db))
    with sessions() as session:
        [batch] = session.scalars(select(TagBatch)).all()
        assert batch.state == "running"  # the kill left it unfinished
    result = undo_batch(sessions, batch.id)

    assert {o.state for o in result.outcomes} <= {"undone"}
    for path, (audio, old) in expected.items():
        assert plain_genres(Path(path)) == old, path
        assert payload(Path(path)) == audio, path
    assert not [n for n in os.listdir(music) if n.endswith(TEMP_SUFFIX)]
