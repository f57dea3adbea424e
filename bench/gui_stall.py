"""The longest GUI event-loop stall while a 2,000-track library is scanned and classified.

    python bench/gui_stall.py [--tracks 2000]

A 10 ms watchdog timer on the GUI thread records its longest late tick while the app's real
workers scan a folder of generated WAV files and classify them. Until library.scanner and
classifier.predict are wired into gui/backend.py, the stand-ins of tests/gui/standins.py do
the scanning and classifying (real files, real database writes, commit per file).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import soundfile  # noqa: E402
from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui import backend  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.settings import AppSettings  # noqa: E402
from gui.watchdog import StallWatchdog  # noqa: E402


def make_music(root: Path, count: int) -> None:
    """`count` one-second WAV files of filtered noise in album folders."""
    rng = np.random.default_rng(1)
    for i in range(count):
        folder = root / f"Artist {i // 100:02d}" / f"Album {i // 10 % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        noise = np.cumsum(rng.standard_normal(22050)) * (0.001 + (i % 7) * 0.002)
        soundfile.write(folder / f"{i:04d} Track.wav", np.clip(noise, -1, 1), 22050)


def use_standins_if_needed() -> str:
    """Wire the test stand-ins where the real backends are not there yet."""
    try:
        import library.scanner  # noqa: F401
        return "real backends"
    except ImportError:
        from tests.gui import standins

        for name in ("add_folder", "remove_folder", "scan_events", "classify_events"):
            setattr(backend, name, getattr(standins, name))
        return "test stand-ins for scanner and classifier"


def run_until(app: QApplication, done: object) -> None:
    """Run the real event loop (it sleeps in C++, letting workers run) until done()."""
    timer = QTimer()
    timer.timeout.connect(lambda: done() and app.quit())  # type: ignore[operator]
    timer.start(20)
    app.exec()
    timer.stop()


def main() -> None:
    """Generate, scan, classify, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=2000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        music = Path(tmp) / "Music"
        make_music(music, args.tracks)
        print(f"backends: {use_standins_if_needed()}")
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window = MainWindow(Path(tmp) / "library.sqlite3", settings, rescan_on_start=False)
        window.show()
        run_until(app, lambda: not window.runner.running())
        watchdog = StallWatchdog()
        watchdog.start()
        start = time.perf_counter()
        window.add_folders([str(music)])
        run_until(app, lambda: not window.runner.running() and not window._queue)
        elapsed = time.perf_counter() - start
        longest = watchdog.stop()
        print(f"scanned and classified {window.table.rowCount():,} tracks in {elapsed:.1f} s")
        print(f"watchdog ticks: {watchdog.ticks:,} (10 ms timer)")
        print(f"longest GUI event-loop stall: {longest * 1000:.1f} ms "
              f"(GUI thread CPU during it: {watchdog.longest_cpu * 1000:.1f} ms)")
        window.close()


if __name__ == "__main__":
    main()
