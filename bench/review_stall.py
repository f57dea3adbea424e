"""The longest GUI event-loop stall while answering the Review queue by keyboard (issue #22:
< 100 ms), with the coalesced relearns the answers start.

    python bench/review_stall.py LIBRARY.sqlite3 [--answers 10] [--gap 0.3]

The library (scanned and classified, e.g. by `main.py scan` + `classify`) is copied to a tmp
folder first: the answers are stored in the copy. A 10 ms watchdog timer on the GUI thread
records its longest late tick from the first answer until the last relearn has ended.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui import jobs  # noqa: E402
from gui.item_models.sidebar import KEY_ROLE  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.settings import AppSettings  # noqa: E402
from gui.warmup import load_worker_modules  # noqa: E402
from gui.watchdog import StallWatchdog  # noqa: E402
from gui.workers import Outcome  # noqa: E402
from library.categories import Category  # noqa: E402


def run_until(_app: QApplication, done: Callable[[], bool]) -> None:
    """Run an event loop until done(). Not app.exec()/quit(): Qt 6's quit() closes the
    windows first (bench/gui_stall.py's helper shuts the window's runner down that way)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: done() and loop.quit())
    timer.start(20)
    loop.exec()
    timer.stop()


def open_review(app: QApplication, window: MainWindow) -> None:
    """Choose the Review entry and wait for its queue."""
    library = window.sidebar_model.library
    entry = next(library.child(r) for r in range(library.rowCount())
                 if library.child(r).data(KEY_ROLE)[0] == Category.REVIEW)
    window.sidebar.setCurrentIndex(entry.index())
    run_until(app, lambda: bool(window.review.queue.items) and window.runner.settled())


def main() -> None:
    """Open, answer, relearn, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("library", type=Path)
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between answers")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    load_worker_modules()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "library.sqlite3"
        shutil.copyfile(args.library, db)
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window = MainWindow(db, settings, rescan_on_start=False)
        window.show()
        run_until(app, window.runner.settled)
        open_review(app, window)
        before = len(window.review.queue.items)
        relearns: list[Outcome] = []
        window.runner.job_finished.connect(
            lambda o: relearns.append(o) if o.kind == jobs.RELEARN else None)
        watchdog = StallWatchdog()
        watchdog.start()
        start = time.perf_counter()
        for _ in range(args.answers):  # Enter: accept the shown genre
            QTest.keyClick(window.review.panel.view, Qt.Key.Key_Return)
            pause = time.perf_counter() + args.gap
            run_until(app, lambda p=pause: time.perf_counter() >= p)  # type: ignore[misc]
        run_until(app, lambda: bool(relearns) and window.runner.settled()
                  and not window.review.relearn_timer.isActive())
        longest = watchdog.stop()
        print(f"{args.answers} answers ({args.gap:g} s apart) on {window.table.rowCount():,} "
              f"tracks: queue {before} -> {len(window.review.queue.items)}, "
              f"{len(relearns)} relearn(s), all done in {time.perf_counter() - start:.1f} s")
        print(f"longest GUI event-loop stall: {longest * 1000:.1f} ms (GUI thread CPU "
              f"during it: {watchdog.longest_cpu * 1000:.1f} ms); stalls over 100 ms: "
              f"{sum(late > 0.1 for _, late in watchdog.stalls)}")
        window.close()


if __name__ == "__main__":
    main()
