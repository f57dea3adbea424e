"""Two classify runs on one library, in two real processes, split the tracks instead of
each doing them all; a run killed mid-way leaves nothing claimed for long (at once on this
host; after the expiry for a run of another host, whose heartbeat stopped); a live run's
claims outlast the expiry; a cut-off file that scans as fine becomes a recorded error when
classify finds it (CLI and GUI lists)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import cli.classify
from library import browse, categories
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import ClassifyClaim, Prediction, Track, utcnow
from main import main
from tests.audio_files import load_source, write_audio
from tests.stand_in_bundle import StandInBundle

REPO = Path(__file__).resolve().parents[1]
TRACKS = 32

_CHILD = """
import os, sys, time
import library.claims
from library.db import create_db_engine, session_factory
from library.predictions import tracks_needing_prediction
from tests.stand_in_bundle import StandInBundle, StandInNet
from workflows.classify import classify_tracks

gate = sys.argv[2] if len(sys.argv) > 2 else ""
if len(sys.argv) > 3:  # a run of another machine: its pid says nothing here
    library.claims._HOST = sys.argv[3]

class SlowNet(StandInNet):  # long enough per batch that the two runs overlap
    def forward(self, logmel):
        time.sleep(0.3)
        while gate and not os.path.exists(gate):  # held until the test opens the gate
            time.sleep(0.05)
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


def _start(db: Path | str, *args: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db), *args], cwd=REPO, text=True,
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


def _go(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()


def _claims(location: Path | str) -> list[tuple[str, object]]:
    """(run, claimed_at) of every claim."""
    engine = create_db_engine(location)
    with session_factory(engine)() as session:
        rows = session.execute(select(ClassifyClaim.run, ClassifyClaim.claimed_at)).all()
    engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _wait_for_claims(location: Path | str, child: subprocess.Popen[str]) -> list[str]:
    """The runs holding claims, once the child has claimed its first tracks."""
    while not (found := _claims(location)):
        assert child.poll() is None, "the child ended before claiming"
        time.sleep(0.05)
    return sorted({run for run, _ in found})


def _stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())


def test_claims_of_a_crashed_run_of_another_host_are_taken_over_after_expiry(
        music: Path, library_db: Path | str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _scan(library_db, music)
    child = _start(library_db, str(tmp_path / "never"), "elsewhere")
    _go(child)
    [run] = _wait_for_claims(library_db, child)
    assert run.startswith("elsewhere:")  # its pid cannot be checked from here
    child.send_signal(signal.SIGKILL)  # the node dies: its heartbeat stops
    child.wait(timeout=30)
    held = len(_claims(library_db))
    _stand_in(monkeypatch)
    capsys.readouterr()
    assert main(["--db", str(library_db), "classify", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"Classified {TRACKS - held} of {TRACKS - held} tracks" in out  # not expired yet
    assert f"Skipped {held} tracks claimed by another classify run" in out

    ttl = timedelta(seconds=1)
    monkeypatch.setenv("GENRELENS_CLAIM_TTL", "1")
    while any(utcnow().replace(tzinfo=None) - at <= ttl  # type: ignore[operator]
              for _, at in _claims(library_db)):
        time.sleep(0.1)
    assert main(["--db", str(library_db), "classify", "--device", "cpu"]) == 0
    assert f"Classified {held} of {held} tracks" in capsys.readouterr().out
    with session_factory(create_db_engine(library_db))() as session:
        assert session.scalar(select(func.count()).select_from(Prediction)) == TRACKS
        assert session.scalar(select(func.count()).select_from(ClassifyClaim)) == 0


def test_a_live_slow_run_keeps_its_claims_past_the_expiry(
        music: Path, library_db: Path | str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _scan(library_db, music)
    # For the child and for this process; long enough that a busy machine's stall between
    # two heartbeats (every 1.5 s) does not let this run's claims lapse.
    monkeypatch.setenv("GENRELENS_CLAIM_TTL", "6")
    gate = tmp_path / "gate"
    child = _start(library_db, str(gate), "elsewhere")  # only its heartbeat protects it
    _go(child)
    _wait_for_claims(library_db, child)
    first = min(at for _, at in _claims(library_db))
    deadline = time.monotonic() + 120  # a generous bound, so a broken heartbeat fails
    while not (min(at for _, at in _claims(library_db)) > first  # type: ignore[operator]
               and utcnow().replace(tzinfo=None) - first > timedelta(seconds=8)):
        assert time.monotonic() < deadline, "the live run's claims were never renewed"
        time.sleep(0.1)
    _stand_in(monkeypatch)
    assert main(["--db", str(library_db), "classify", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    gate.touch()
    child_out, _ = child.communicate(timeout=600)
    assert child.returncode == 0
    child_stored = int(child_out.split()[-2])
    assert child_stored > 0  # it kept the tracks it claimed, held longer than the TTL...
    assert f"Classified {TRACKS - child_stored} of {TRACKS - child_stored} tracks" in out
    with session_factory(create_db_engine(library_db))() as session:  # ...and none twice
        assert session.scalar(select(func.count()).select_from(Prediction)) == TRACKS
        assert session.scalar(select(func.count()).select_from(ClassifyClaim)) == 0


def test_a_run_stores_its_results_before_giving_up_its_claims(
        music: Path, library_db: Path | str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Else another run could claim a finished but unstored track and classify it again."""
    import library.claims
    from library.predictions import tracks_needing_prediction
    from workflows.classify import classify_tracks

    _scan(library_db, music)
    sessions = session_factory(create_db_engine(library_db))
    stored_at_release: list[int] = []
    release = library.claims.WorkClaims.release

    def counting_release(self: library.claims.WorkClaims) -> None:
        with sessions() as other:  # what another run sees at this moment
            stored_at_release.append(other.scalar(select(func.count()).select_from(Prediction)))
        release(self)

    monkeypatch.setattr(library.claims.WorkClaims, "release", counting_release)
    bundle = StandInBundle()
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, bundle.version)
    outcome = classify_tracks(sessions, todo, bundle, device="cpu", commit_every=64)
    assert outcome.stored == TRACKS and stored_at_release == [TRACKS]


def test_a_run_that_fails_keeps_what_it_finished_and_frees_the_rest(
        music: Path, library_db: Path | str) -> None:
    """The one sink's rule, local as on Ray (workflows/prediction_sink.py): a failure that is
    not the store's loses no finished prediction, and the claims go, so a rerun does the rest."""
    from library.predictions import tracks_needing_prediction
    from workflows.classify import classify_tracks

    _scan(library_db, music)
    sessions = session_factory(create_db_engine(library_db))
    bundle = StandInBundle()
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, bundle.version)
    seen: list[int] = []

    def fail_at_the_fifth() -> None:  # called per track, before the track is handed on
        seen.append(1)
        if len(seen) == 5:
            raise RuntimeError("the fifth track breaks the run")

    with pytest.raises(RuntimeError, match="fifth"):
        classify_tracks(sessions, todo, bundle, device="cpu", commit_every=64,
                        on_result=fail_at_the_fifth)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Prediction)) == 4
        assert session.scalar(select(func.count()).select_from(ClassifyClaim)) == 0
        todo = tracks_needing_prediction(session, bundle.name, bundle.version)
    assert classify_tracks(sessions, todo, bundle, device="cpu").stored == TRACKS - 4


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
        assert categories.in_category(rows[0], Category.ERRORS)  # the GUI's Errors entry
        assert session.get(Track, track["id"]).status == "error"
    assert main(["--db", str(db_path), "classify", "--device", "cpu"]) == 0  # not retried
