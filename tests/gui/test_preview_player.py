"""The preview player: in sight at 1280x800, says when there is no audio device, and Qt's
FFmpeg keeps its stream dump off the terminal. Real files, real widgets, the real app."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui import layout_state
from gui.main_window import MainWindow
from gui.settings import AppSettings
from gui.theme import apply_theme
from gui.widgets import player as player_module
from gui.widgets.player import NO_AUDIO_DEVICE, Player
from tests.conftest import REPO_ROOT
from tests.gui.conftest import wait_idle

SLOW_JOB_MS = 300_000
# A long folder path wraps the details pane's File field over several lines: the pane's worst
# case, which pushed a player at the bottom of the pane out of sight.
DEEP = ("A rather long artist name for testing", "An album with a long title (Deluxe Edition)")


@pytest.fixture
def themed() -> Iterator[None]:
    """The app's own style, palette and stylesheet (their paddings decide the layout), put
    back afterwards so other tests keep the plain look."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    apply_theme(app)
    yield
    app.setStyleSheet(sheet)
    app.setPalette(palette)
    app.setStyle(style)


def test_player_is_in_sight_at_1280x800_without_scrolling(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window: Callable[..., MainWindow], db_path: Path, tmp_path: Path,
    shared_data: Path, quick_classify: AppSettings, themed: None,
) -> None:
    folder = tmp_path.joinpath("Music", *DEEP)
    folder.mkdir(parents=True)
    shutil.copy(shared_data / "gtzan-mini" / "jazz" / "jazz.00000.flac", folder)
    window = make_window(db_path)
    window.resize(1280, 800)
    window.splitter.setSizes(layout_state.pane_sizes(1280))  # the panes a first run opens with
    window.add_folders([str(tmp_path / "Music")])
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    window.track_view.selectRow(0)
    details = window.details
    qtbot.waitUntil(lambda: details.mel.pixmap() is not None and not details.mel.pixmap().isNull(),
                    timeout=60000)  # everything the pane shows for a classified track
    assert details.chart.bars, "the track was classified: its genre chart is in the pane"
    qtbot.wait(50)  # the layout after the last picture
    viewport = details.viewport()
    player = details.player
    where = QRect(player.mapTo(viewport, QPoint(0, 0)), player.size())
    assert window.width() == 1280 and window.height() == 800
    assert details.verticalScrollBar().value() == 0  # as the pane opens, not scrolled
    assert viewport.rect().contains(where), (where, viewport.rect())
    assert player.button.isVisible()


def test_no_audio_device_is_said_in_the_window(qtbot: QtBot, shared_data: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player_module, "audio_outputs", lambda module: [])
    player = Player()
    qtbot.addWidget(player)
    player.show()
    player.set_source(str(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac"))
    assert player.media is not None  # Qt Multimedia is there; the sound card is not
    assert not player.button.isEnabled()
    assert player.note.isVisible() and player.note.text() == NO_AUDIO_DEVICE
    assert player.button.toolTip().startswith(NO_AUDIO_DEVICE)

    monkeypatch.setattr(player_module, "audio_outputs", lambda module: [object()])
    player.set_source(str(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac"))
    assert player.button.isEnabled() and not player.note.isVisible()
    assert player.button.toolTip() == "Play or pause a preview"


APP = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gui.app import run_gui
from gui import layout_state
from gui.main_window import MainWindow

qapp = QApplication(sys.argv[:1])

def window():
    return next(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow))

def select_and_load():
    w = window()
    if w.table.rowCount() == 0:
        QTimer.singleShot(100, select_and_load)
        return
    w.cancel_jobs()  # the rescan and classify at start are not this test's business
    w.track_view.selectRow(0)
    w.details.player.toggle()  # opens the file in Qt's FFmpeg: where the dump came from
    QTimer.singleShot(100, report)

def report():
    media = window().details.player.media
    if media.duration() <= 0:
        QTimer.singleShot(100, report)
        return
    print("LOADED", media.source().toLocalFile(), media.duration(), flush=True)
    window().close()

QTimer.singleShot(0, select_and_load)
from main import exit_now  # the app's own way out (python main.py)
exit_now(run_gui(Path(sys.argv[1]), sys.argv[:1]))
"""


def test_ffmpeg_stream_dump_stays_off_stderr(tmp_path: Path, shared_data: Path) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    track = shutil.copy(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac", music)
    db = tmp_path / "library.sqlite3"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               GENRELENS_LOG_DIR=str(tmp_path / "logs"))
    env.pop("QT_FFMPEG_DEBUG", None)
    subprocess.run([sys.executable, "main.py", "--db", str(db), "scan", "-q", str(music)],
                   cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "-c", APP, str(db)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert f"LOADED {track}" in done.stdout  # Qt's FFmpeg opened the file and read its length
    assert "Input #0" not in done.stderr and "Stream #0" not in done.stderr, done.stderr
