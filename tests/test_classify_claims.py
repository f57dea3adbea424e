"""Two classify runs on one library, in two real processes, split the tracks instead of
each doing them all; a run killed mid-way leaves nothing claimed for long; a cut-off file
that scans as fine becomes a recorded error when classify finds it (CLI and GUI lists)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

import cli.classify
from library import browse
from library.db import create_db_engine, session_factory
from library.models import ClassifyClaim, Prediction, Track
from main import main
from tests.audio_files import load_source, write_audio
from tests.stand_in_bundle import StandInBundle

REPO = Path(__file__).resolve().parents[1]
TRACKS = 32

_CHILD = """
import sys, time
from library.db import create_db_engine, session_factory
from library.predictions import tracks_needing_prediction
from tests.stand_in_bundle import StandInBundle, StandInNet
from workflows.classify import classify_tracks

class SlowNet(StandInNet):  # long enough per batch that the two runs overlap
    def forward(self, logmel):
        time.sleep(0.3)
        return super().forward(logmel)

bundle = StandInBundle(model=SlowNet())
sessions = session_factory(create_db_engine(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
with sessions() as session:
    todo = tracks_needing_prediction(session, bundle.name, bundle.version)
outcome = classify_tracks(sessions, todo, bundle, device="cpu")
print("stored", outcome.stored, len(todo), flush=True)
"""


@pytest.fixture
def music(shared_data: Path, tmp_path: Path) -> Path:
    root = tmp_path / "music"
    root.mkdir()
    source = write_audio(tmp_path / "source.flac",
                         *load_source(shared_data / "gtzan-mini/rock/rock.00000.flac", 4.0))
    for n in range(TRACKS):
        shutil.copyfile(source, root / f"{n:02d}.flac")
    return root


def _scan(db: Path | str, music: Path) -> None:
    assert main(["--db", str(db), "scan", str(music), "-q"]) == 0


def _start(db: Path | str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db)], cwd=REPO, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    return child


def test_two_runs_in_two_processes_split_the_tracks(music: Path, library_db: Path | str) -> None:
    _scan(library_db, music)
    runs = [_start(library_db), _start(library_db)]
    for run in runs:
        assert run.stdin is not None
        run.stdin.write("go\n")
        run.stdin.flush()
    stored = []
    for run in runs:
        out, _ = run.communicate(timeout=600)
        assert run.returncode == 0
        _, count, listed = out.split()[-3:]
        assert int(listed) == TRACKS  # both saw every track as to do...
        stored.append(int(count))
    assert sum(stored) == TRACKS and min(stored) > 0  # ...and each did only its share
    with session_factory(create_db_engine(library_db))() as session:
        assert session.scalar(select(func.count()).select_from(Prediction)) == TRACKS
        assert session.scalar(select(func.count()).select_from(ClassifyClaim)) == 0


def test_claims_of_a_killed_run_do_not_hold_the_tracks(music: Path, library_db: Path | str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _scan(library_db, music)
    child = _start(library_db)
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()
    sessions = session_factory(create_db_engine(library_db))
    while True:  # wait until it has claimed work, then kill it mid-run
        with sessions() as session:
            if session.scalar(select(func.count()).select_from(ClassifyClaim)):
                break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())
    assert main(["--db", str(library_db), "classify", "--device", "cpu"]) == 0
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Prediction)) == TRACKS
        assert session.scalar(select(func.count()).select_from(ClassifyClaim)) == 0


def test_a_cut_off_file_that_scans_fine_becomes_an_error_at_classify(
        music: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    cut = music / "00.flac"
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # FLAC declares no length the scan could check
    _scan(db_path, music)
    capsys.readouterr()
    assert main(["--db", str(db_path), "list", "--status", "error", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # the scan cannot tell

    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())
    assert main(["--db", str(db_path), "classify", "--device", "cpu"]) == 1

    capsys.readouterr()
    assert main(["--db", str(db_path), "list", "--status", "error", "--json"]) == 0
    [track] = json.loads(capsys.readouterr().out)
    assert track["path"] == str(cut) and track["status"] == "error"
    assert track["error"].startswith("cannot decode")  # the decoder's own words follow
    with session_factory(create_db_engine(db_path))() as session:
        rows = browse.rows_for_ids(session, [track["id"]])
        assert browse.in_category(rows[0], browse.ERRORS)  # the GUI's Errors entry
        assert session.get(Track, track["id"]).status == "error"
    assert main(["--db", str(db_path), "classify", "--device", "cpu"]) == 0  # not retried
