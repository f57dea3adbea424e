"""The app starts: in-process with pytest-qt, and as `python main.py` in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.conftest import REPO_ROOT

LOADING = "Loading the genre model…"


def test_main_window_shows(qtbot: QtBot, db_path: Path, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow
    from gui.settings import AppSettings

    # Private settings: the window keeps its layout there when it closes.
    settings = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(db_path, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("GenreLens")


def test_python_main_py_launches_the_gui(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GENRELENS_DB=str(tmp_path / "lib.db"))
    proc = subprocess.Popen(
        [sys.executable, "main.py"], cwd=REPO_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()[1].decode(errors="replace")
        assert (tmp_path / "lib.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# Runs `main.py` with MainWindow.show wrapped: what is loaded when the window shows, then a
# click on Classify at once, then the outcome and the state once the model libraries are in.
PROBE = r"""
import json, runpy, sys
from PySide6.QtCore import QTimer
import gui.main_window as mw
from gui import warmup

seen = {}
original_show = mw.MainWindow.show
original_load = mw.jobs.load_library

def load_library(*args, **kwargs):
    job = original_load(*args, **kwargs)
    def wrapped(ctx):
        yield from job(ctx)  # on the load's thread, before its end starts the warm-up
        seen["torch_after_load_job"] = "torch" in sys.modules
    return wrapped

def show(window):
    original_show(window)
    seen.update(torch_at_show="torch" in sys.modules,
                settings_at_show=window.action_by_name["settings"].isEnabled())
    def finished(outcome):
        if outcome.name == "load":
            seen["rows_at_load"] = window.table.rowCount()
        if outcome.name == "classify":
            seen.update(classified=outcome.done, error=outcome.error, ready=warmup.is_ready(),
                        settings_after=window.action_by_name["settings"].isEnabled(),
                        message=window.statusBar().currentMessage())
            print(json.dumps(seen), flush=True)
            window.close()
    window.runner.job_finished.connect(finished)
    window.classify()  # clicked as soon as the window shows

mw.MainWindow.show = show
mw.jobs.load_library = load_library
sys.argv = ["main.py"] + sys.argv[1:]
runpy.run_path("main.py", run_name="__main__")
"""


def test_window_shows_before_torch_and_an_early_classify_runs(
    tmp_path: Path, shared_data: Path
) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    for genre in ("jazz", "metal"):
        source = shared_data / "gtzan-mini" / genre / f"{genre}.00001.flac"
        (music / source.name).symlink_to(source)
    db = tmp_path / "lib.sqlite3"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    subprocess.run([sys.executable, "main.py", "--db", str(db), "scan", str(music)],
                   cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=300)
    result = subprocess.run([sys.executable, "-c", PROBE, "--db", str(db)], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["torch_at_show"] is False  # the window did not wait for the model libraries
    assert seen["rows_at_load"] == 2  # the library is in the table ...
    assert seen["torch_after_load_job"] is False  # ... read without the model libraries
    assert seen["settings_at_show"] is False  # its bundle list would import torch here
    assert (seen["classified"], seen["error"]) == (2, None)  # waited for them, then ran
    assert seen["ready"] and seen["settings_after"] and seen["message"] != LOADING
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM predictions").fetchone() == (2,)
