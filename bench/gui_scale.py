"""Figures for a 50,000-track library in the app: load, filter, search, sort, updates, scroll,
the artist/album browser (its tree built in a worker, choosing artists and albums).

    python bench/gui_scale.py [--tracks 50000]

Prints seconds per step; the longest GUI stall while the loader worker fills the table. Each
step is timed with the events it posts (the view's relayout), as the GUI thread would spend it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.item_models.track_table import Column  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.settings import AppSettings  # noqa: E402
from gui.widgets.browser import build_tree  # noqa: E402
from gui.watchdog import StallWatchdog  # noqa: E402
from library.categories import Category  # noqa: E402
from bench.similar import fill  # noqa: E402


def timed(label: str, action: object) -> tuple[float, float]:
    """Run `action` and the events it posts; print and return (wall, CPU) seconds it took."""
    start, cpu = time.perf_counter(), time.thread_time()
    action()  # type: ignore[operator]
    QApplication.processEvents()
    seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
    if label:  # CPU time too: on a busy machine the wall clock also counts other processes
        print(f"{label:<34} {seconds:8.3f} s  (CPU {cpu:.3f} s)")
    return seconds, cpu


def type_search(window: MainWindow, text: str) -> None:
    """One filter pass per keystroke (the worst case: typing slower than the debounce)."""
    keys = [timed("", lambda n=n: window.proxy.set_search(text[:n])) for n in range(1, len(text) + 1)]
    wall, cpu = max(keys), max(k[1] for k in keys)
    print(f"{'search as typed, slowest key':<34} {wall[0]:8.3f} s  (CPU {wall[1]:.3f} s;"
          f" most CPU of {len(keys)} keys {cpu:.3f} s)")


def update_batches(window: MainWindow) -> None:
    """Worker-sized batches of changed rows, spread over the library, while filtered."""
    table = window.table
    every = table.rows()
    rows = every[:: max(len(every) // 200, 1)][:200]
    window.proxy.set_category(Category.ALL)
    timed("update 200 rows, all tracks", lambda: table.upsert_rows(
        [replace(r, title=f"{r.title} (live)") for r in rows]))
    more = every[:: max(len(every) // 1000, 1)][:1000]
    timed("update 1,000 rows, all tracks", lambda: table.upsert_rows(
        [replace(r, album="Live") for r in more]))
    window.proxy.set_category(Category.GENRE, "Jazz")
    timed("update 200 rows joining Jazz", lambda: table.upsert_rows(
        [replace(r, predicted=("Jazz",), user_genres=()) for r in rows]))
    timed("update 200 rows leaving Jazz", lambda: table.upsert_rows(
        [replace(r, predicted=("Rock",), user_genres=()) for r in rows]))


def tree_built_in_worker(app: QApplication, window: MainWindow, label: str,
                         action: object) -> None:
    """Change the view and run the loop until the browser shows a tree counting that view
    (a tree built for an earlier view may arrive first): wall time and the longest GUI stall
    meanwhile. Starts once the browser is idle, so no earlier step's build is counted."""
    browser = window.browser
    run_until(app, lambda: not browser.runner.running() and not browser._timer.isActive())
    watchdog = StallWatchdog()
    watchdog.start()
    start = time.perf_counter()
    action()  # type: ignore[operator]
    # No artist is chosen here: a tree of this view counts every row the table shows.
    run_until(app, lambda: browser.tree.tracks == window.proxy.rowCount()
              and not browser.runner.running() and not browser._timer.isActive())
    print(f"{label:<34} {time.perf_counter() - start:8.3f} s  (longest GUI stall "
          f"{watchdog.stop() * 1000:.1f} ms, its GUI CPU {watchdog.longest_cpu * 1000:.1f} ms)")


def browse_artists(app: QApplication, window: MainWindow) -> None:
    """The Artists | Albums browser: its tree built in a worker, choosing artists and albums."""
    browser, proxy = window.browser, window.proxy
    proxy.set_category(Category.ALL)
    tree_built_in_worker(app, window, "artist tree: genre Jazz (worker)",
                         lambda: proxy.set_category(Category.GENRE, "Jazz"))
    tree_built_in_worker(app, window, "artist tree: all tracks (worker)",
                         lambda: proxy.set_category(Category.ALL))
    tree = browser.tree
    print(f"{'  artists, albums, tracks':<34} {len(tree.artists):,} / "
          f"{len(tree.albums(None)):,} / {tree.tracks:,}")
    timed("artist tree: job start (GUI part)", lambda: build_tree(window.table, proxy, 0))
    timed("artist tree: shown in the lists", lambda: browser.show_tree(tree))
    biggest = max(tree.artists, key=lambda a: a.count)
    timed(f"choose artist ({biggest.count:,} tracks)", lambda: browser.choose_artist(biggest.key))
    album = max(biggest.albums, key=lambda a: a.count)
    timed(f"choose album ({album.count:,} tracks)", lambda: browser.choose_album(album.key))
    timed("album activated: select its tracks", browser._select_tracks)
    window.track_view.clearSelection()
    timed("back to all artists", lambda: browser.choose_artist(None))
    timed("all albums listed (scroll 50 frames)", lambda: scroll(browser.album_view))


def scroll(view: object) -> None:
    """Paint 50 frames down a view's whole length."""
    bar = view.verticalScrollBar()  # type: ignore[attr-defined]
    for step in range(0, bar.maximum(), max(bar.maximum() // 50, 1)):
        bar.setValue(step)
        view.viewport().grab()  # type: ignore[attr-defined]  # forces a real paint offscreen


def run_until(app: QApplication, done: object) -> None:
    """Run the real event loop (it sleeps in C++, letting workers run) until done().

    A local loop, not app.exec(): app.quit() closes every window, and a closed window's
    runners start no more jobs (the browser's tree is built after the load)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: done() and loop.quit())  # type: ignore[operator]
    timer.start(20)
    loop.exec()
    timer.stop()


VECTOR_DIM = 200  # musicnn-msd's embedding, as broad stores it


def generate(db_path: Path, tracks: int) -> None:
    """tools.demo_library's tracks and predictions with a stored vector per classified track
    (bench/similar.py's fill): after the load the app reads them, as it does a real library's,
    for "More like this" and the review queue. Run in a child process."""
    child = multiprocessing.get_context("spawn").Process(target=fill,
                                                         args=(db_path, tracks, VECTOR_DIM))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"generating the library failed (exit code {child.exitcode})")


def main() -> None:
    """Generate the library, open the window, measure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=50_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "library.sqlite3"
        # In a process of its own: the app opens a library it did not just write (this
        # process's heap stays as a starting app's, for the collector and the RSS figure).
        timed(f"generate {args.tracks:,} tracks", lambda: generate(db_path, args.tracks))
        settings = AppSettings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        start = time.perf_counter()
        window = MainWindow(db_path, settings, rescan_on_start=False)
        window.show()
        app.processEvents()  # building and first paint are start-up, not loading
        watchdog = StallWatchdog()
        watchdog.start()
        rows_in: list[float] = []  # when the load job ended, its last page in the table
        window.runner.job_finished.connect(lambda outcome: outcome.kind.name == "load" and (
            rows_in.append(time.perf_counter())))
        run_until(app, lambda: not window.runner.running() and not window.sidebar_timer.isActive())
        print(f"{'all rows in the table (worker)':<34} {rows_in[0] - start:8.3f} s"
              f"  ({window.table.rowCount():,} rows)")
        print(f"{'  and the sidebar counted':<34} {time.perf_counter() - start:8.3f} s")
        print(f"{'  longest GUI stall while loading':<34} {watchdog.stop() * 1000:8.1f} ms"
              f" (GUI thread CPU in it: {watchdog.longest_cpu * 1000:.1f} ms)")
        proxy = window.proxy
        timed("filter: genre Jazz", lambda: proxy.set_category(Category.GENRE, "Jazz"))
        timed("filter: Not yet classified", lambda: proxy.set_category(Category.UNCLASSIFIED))
        timed("filter: all tracks", lambda: proxy.set_category(Category.ALL))
        type_search(window, "midnight")
        timed("filter: search cleared", lambda: proxy.set_search(""))
        timed("sort by confidence", lambda: proxy.sort(Column.CONFIDENCE, Qt.SortOrder.DescendingOrder))
        timed("sort by title", lambda: proxy.sort(Column.TITLE))
        timed("sidebar counts (tally)", lambda: window.table.tally.counts())
        update_batches(window)
        proxy.set_category(Category.ALL)
        timed("scroll: 50 painted frames", lambda: scroll(window.track_view))
        browse_artists(app, window)
        window.close()


if __name__ == "__main__":
    main()
