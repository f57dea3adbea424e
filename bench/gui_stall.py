"""The longest GUI event-loop stall while a 2,000-track library is scanned and classified.

    python bench/gui_stall.py [--tracks 2000] [--clips 1] [--seconds 4]

A 10 ms watchdog timer on the GUI thread records its longest late tick while the app's real
workers (workflows/scan.py: library.scanner, then the default bundle through workflows.classify)
scan a folder of generated FLAC files and classify them, as "Add Folder" does.
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
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.warmup import load_worker_modules  # noqa: E402
from workflows.classify_run import ClassifyOptions  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.settings import AppSettings  # noqa: E402
from gui.watchdog import StallWatchdog  # noqa: E402
from gui.workers import Outcome  # noqa: E402


def make_music(root: Path, count: int, seconds: float) -> None:
    """`count` FLAC files of filtered noise (16 kHz, the model's rate) in album folders."""
    rng = np.random.default_rng(1)
    rate = 16000
    for i in range(count):
        folder = root / f"Artist {i // 100:02d}" / f"Album {i // 10 % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        noise = np.cumsum(rng.standard_normal(int(rate * seconds))) * (0.001 + (i % 7) * 0.002)
        soundfile.write(folder / f"{i:04d} Track.flac", np.clip(noise, -1, 1), rate)


def run_until(app: QApplication, done: object) -> None:
    """Run the real event loop (it sleeps in C++, letting workers run) until done().

    A local loop, not app.exec(): app.quit() closes every window, and a closed window's
    runner starts no more jobs, so the scan and classify measured after the first wait
    never ran (as in bench/gui_scale.py)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: done() and loop.quit())  # type: ignore[operator]
    timer.start(20)
    loop.exec()
    timer.stop()


def main() -> None:
    """Generate, scan, classify, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=2000)
    parser.add_argument("--clips", type=int, default=1, help="clips per track (the app: 5)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each file")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    start = time.perf_counter()
    load_worker_modules()  # as gui.app.run_gui does (on a thread, once the window shows)
    print(f"model libraries loaded before the window in {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        music = Path(tmp) / "Music"
        make_music(music, args.tracks, args.seconds)
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        settings.save_classify_options(ClassifyOptions(device="cpu", clips_per_track=args.clips))
        print(f"{args.tracks} files of {args.seconds:g} s; real scanner; default bundle on the "
              f"CPU, {args.clips} clip(s) per track")
        window = MainWindow(Path(tmp) / "library.sqlite3", settings, rescan_on_start=False)
        window.show()
        run_until(app, lambda: not window.runner.running())
        watchdog = StallWatchdog()
        watchdog.start()
        start = time.perf_counter()
        window.add_folders([str(music)])
        outcomes: list[tuple[float, Outcome]] = []
        window.runner.job_finished.connect(
            lambda outcome: outcomes.append((time.perf_counter() - start, outcome)))
        run_until(app, lambda: window.runner.settled())
        elapsed = time.perf_counter() - start
        longest = watchdog.stop()
        for ended, outcome in outcomes:
            print(f"job {outcome.name}: {outcome.done:,} items, ended at {ended:.1f} s, "
                  f"error: {outcome.error}")
        classified = sum(r.confidence is not None for r in window.table.rows())
        print(f"scanned {window.table.rowCount():,} and classified {classified:,} tracks "
              f"in {elapsed:.1f} s")
        print(f"watchdog ticks: {watchdog.ticks:,} (10 ms timer)")
        print(f"longest GUI event-loop stall: {longest * 1000:.1f} ms "
              f"(GUI thread CPU during it: {watchdog.longest_cpu * 1000:.1f} ms), "
              f"ended at {watchdog.longest_at - start:.1f} s")
        over = [late for _, late in watchdog.stalls]
        print(f"stalls over 50 ms: {len(over)}, over 100 ms: {sum(late > 0.1 for late in over)}; "
              "the five longest (ms, ended at s): "
              + ", ".join(f"{late * 1000:.0f} @ {end - start:.1f}"
                          for end, late in sorted(watchdog.stalls, key=lambda s: -s[1])[:5]))
        window.close()


if __name__ == "__main__":
    main()
