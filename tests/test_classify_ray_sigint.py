"""A real Ctrl-C to `python main.py classify --ray`: SIGINT to the command's whole process
group (as a terminal sends it, so Ray's own processes get it too), once during Ray's
start-up and once while results stream in. The command exits 130 (docs/library.md), keeps
what it committed, leaves no claim and no Ray process behind, and a rerun classifies
exactly the rest."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library.db import create_db_engine, session_factory
from library.models import ClassifyClaim, Prediction
from tests.audio_files import load_source, write_audio
from tests.postgres_server import PgServer

pytestmark = pytest.mark.slow  # starts Ray twice and loads the real bundle in its actors
pytest.importorskip("ray", reason="Ray is not installed (pip install genrelens[cluster])")

REPO = Path(__file__).resolve().parents[1]
GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae",
          "rock")
COPIES = 6  # 60 tracks: the run is still busy when the first result is committed


def _music(shared_data: Path, root: Path) -> int:
    root.mkdir()
    for genre in GENRES:
        source = write_audio(root / f"{genre}-0.flac", *load_source(
            shared_data / f"gtzan-mini/{genre}/{genre}.00002.flac", 8.0))
        for n in range(1, COPIES):
            shutil.copyfile(source, root / f"{genre}-{n}.flac")
    return len(GENRES) * COPIES


def _counts(url: str) -> tuple[int, int]:
    """(predictions, claims) in the library."""
    engine = create_db_engine(url)
    with session_factory(engine)() as session:
        counts = (session.scalar(select(func.count()).select_from(Prediction)) or 0,
                  session.scalar(select(func.count()).select_from(ClassifyClaim)) or 0)
    engine.dispose()
    return counts


def _cli(url: str, *args: str) -> subprocess.Popen[str]:
    # Its own session: the test signals its process group as a terminal would.
    return subprocess.Popen([sys.executable, "main.py", "--db", url, *args], cwd=REPO,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def _group(pgid: int) -> list[str]:
    """The command lines of the live processes in process group `pgid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                found.append((stat.parent / "cmdline").read_text().replace("\0", " "))
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
    return found


def _interrupt(run: subprocess.Popen[str]) -> str:
    """Ctrl-C as a terminal sends it; the command's stderr, once it and Ray have ended."""
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 130, (out, err)
    assert "Interrupted; work committed so far is kept." in err and "Traceback" not in err
    deadline = time.monotonic() + 60  # Ray's processes were in the group: all have ended
    while left := _group(run.pid):
        assert time.monotonic() < deadline, f"outlived the interrupted command: {left}"
        time.sleep(0.2)
    return err


def test_ctrl_c_on_classify_ray_keeps_the_committed_and_a_rerun_does_the_rest(
        pg_server: PgServer, shared_data: Path, tmp_path: Path) -> None:
    url = pg_server.fresh_library()
    total = _music(shared_data, tmp_path / "music")
    assert subprocess.run([sys.executable, "main.py", "--db", url, "scan",
                           str(tmp_path / "music"), "-q"], cwd=REPO).returncode == 0

    # During Ray's start-up: its raylet runs, the driver is still in ray.init.
    run = _cli(url, "classify", "--ray", "--commit-every", "1")
    while not any("raylet" in command for command in _group(run.pid)):
        assert run.poll() is None, run.communicate()
        time.sleep(0.02)
    _interrupt(run)
    assert _counts(url) == (0, 0)

    # While results stream in.
    run = _cli(url, "classify", "--ray", "--commit-every", "1")
    while _counts(url)[0] == 0:
        assert run.poll() is None, run.communicate()
        time.sleep(0.05)
    _interrupt(run)
    kept, claims = _counts(url)
    assert 0 < kept < total, "the run ended before the interrupt: give it more tracks"
    assert claims == 0  # released on the way out

    rerun = _cli(url, "classify", "--ray")
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, (out, err)
    left = total - kept
    assert f"Classified {left} of {left} tracks" in out  # exactly the rest, none again
    assert _counts(url) == (total, 0)
