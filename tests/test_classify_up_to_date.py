"""`classify` with nothing to do answers from the bundle's spec: torch is never imported and
the words are the same; `--force` still classifies, and a device to check still loads it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from library.db import create_db_engine, session_factory
from workflows.classify_todo import up_to_date

REPO = Path(__file__).resolve().parents[1]
# Run one command as `python main.py` does, then say its exit code and whether torch loaded.
RUN_AND_REPORT = ("import sys, main; code = main.main(sys.argv[1:]); "
                  "print(code, 'torch' in sys.modules)")


def _run(tmp_path: Path, *args: str) -> tuple[str, str, str]:
    """(exit code, torch imported, the command's own output) of one classify run."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, "--db", str(tmp_path / "lib.sqlite3"), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    *said, last = result.stdout.strip().splitlines()
    code, torch = last.split(" ")
    return code, torch, "\n".join(said) + result.stderr


def test_nothing_to_do_never_imports_torch(tmp_path: Path, shared_data: Path) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    shutil.copy(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac", music)
    assert _run(tmp_path, "scan", str(music))[0] == "0"

    code, torch, said = _run(tmp_path, "classify")
    assert (code, torch) == ("0", "True") and "Classified 1 of 1 tracks with broad" in said

    code, torch, said = _run(tmp_path, "classify")
    assert (code, torch) == ("0", "False"), said
    assert "Nothing to do: every selected track has a current broad prediction." in said

    code, torch, said = _run(tmp_path, "classify", str(music))  # a selection, up to date too
    assert (code, torch) == ("0", "False") and "Nothing to do" in said

    code, torch, said = _run(tmp_path, "classify", "--force")
    assert (code, torch) == ("0", "True") and "Classified 1 of 1 tracks" in said

    # A device that may be missing is checked by the model's loader, as before.
    code, _, said = _run(tmp_path, "classify", "--device", "nonsense")
    assert code == "2" and "unknown device 'nonsense'" in said


def test_work_left_or_a_tagger_goes_to_the_loader(tmp_path: Path, shared_data: Path) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    shutil.copy(shared_data / "gtzan-mini" / "jazz" / "jazz.00001.flac", music)
    assert _run(tmp_path, "scan", str(music))[0] == "0"
    sessions = session_factory(create_db_engine(tmp_path / "lib.sqlite3"))
    assert up_to_date(sessions, None) is None  # a track without a prediction: work to do
    assert up_to_date(sessions, "tags") is None  # a tagger: the loader refuses it in words
    assert up_to_date(sessions, "no-such-bundle") is None  # the loader says it is not found
    assert up_to_date(sessions, None, paths=[tmp_path / "elsewhere"]) is not None  # none chosen
