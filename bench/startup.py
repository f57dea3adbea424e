"""Time from `python main.py` to the window, and the GUI's longest stall while the model loads.

    python bench/startup.py [--runs 5] [--db LIBRARY] [--classify] [--after 1.5]

Each run starts the real app (`main.py --db LIBRARY`) in a fresh interpreter with a probe that
wraps MainWindow.show. It prints, in seconds from just before the process was started: the
window shown, its first paint, the library's rows in the table, the model libraries ready; and
the longest event-loop stall (a 10 ms timer, gui/watchdog.py) from the window's showing until
`--after` seconds past the model being ready (or, with --classify, past a classification
started right after the window showed, as a user clicking Classify at once would), and apart
the longest of those that ended after the rows were in: the model loading, the rescan. Without
--db it scans the gtzan-mini excerpts of ../shared/data into a temporary library first.
Offscreen unless DISPLAY is set and --platform says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("GENRELENS_TEST_DATA", ROOT.parent / "shared" / "data"))

# Runs inside the app's process, before main.py; gui.main_window is imported first here
# (main.py would import it anyway before the window shows).
PROBE = r"""
import json, sys, time, runpy
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
import gui.main_window as mw
from gui.watchdog import StallWatchdog

AFTER, CLASSIFY = float(sys.argv[1]), sys.argv[2] == "1"
sys.argv = ["main.py"] + sys.argv[3:]
state = {"ready_at": None, "classified_at": None, "library_at": None}

def report(event, **extra):
    print(json.dumps(dict(event=event, t=time.time(), **extra)), flush=True)

def model_ready():
    try:
        from gui import warmup
    except ImportError:  # before issue 16: loaded before the window showed
        return True
    return warmup.is_ready()

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and self.parent() is not None:
            report("painted")
            QApplication.instance().removeEventFilter(self)
            self.setParent(None)
        return False

original_show = mw.MainWindow.show

def show(window):
    original_show(window)
    report("shown", torch="torch" in sys.modules)
    app = QApplication.instance()
    painter = FirstPaint(window)
    app.installEventFilter(painter)
    dog = StallWatchdog(parent=window)
    dog.start()
    def finished(outcome):
        if outcome.name == "load":
            report("library", rows=window.table.rowCount())
            state["library_at"] = time.perf_counter()
        if outcome.name == "classify" and state["classified_at"] is None:  # the click's
            report("classified", done=outcome.done, error=outcome.error)
            state["classified_at"] = time.perf_counter()
    window.runner.job_finished.connect(finished)
    if CLASSIFY:
        window.classify()
    def poll():
        now = time.perf_counter()
        if state["ready_at"] is None and model_ready():
            state["ready_at"] = now
            report("model", torch="torch" in sys.modules)
        end = state["classified_at"] if CLASSIFY else state["ready_at"]
        if end is not None and now - end >= AFTER:
            dog.stop()
            stalls = sorted(((late, time.time() - (time.perf_counter() - end))
                             for end, late in dog.stalls), reverse=True)
            after_library = [late for end, late in dog.stalls if end > state["library_at"]]
            report("stalls", longest=dog.longest, cpu=dog.longest_cpu, ticks=dog.ticks,
                   loading=max(after_library, default=0.0),
                   over_100=sum(s > 0.1 for s, _ in stalls), top=stalls[:5])
            timer.stop()
            window.close()
            app.quit()
    timer = QTimer(window)
    timer.timeout.connect(poll)
    timer.start(20)

mw.MainWindow.show = show
runpy.run_path("main.py", run_name="__main__")
"""


def scanned_library(folder: Path) -> Path:
    """A library of the gtzan-mini excerpts (symlinked), scanned by the real CLI."""
    music = folder / "Music"
    for source in sorted((DATA / "gtzan-mini").glob("*/*.flac")):
        (music / source.parent.name).mkdir(parents=True, exist_ok=True)
        (music / source.parent.name / source.name).symlink_to(source)
    db = folder / "library.sqlite3"
    subprocess.run([sys.executable, "main.py", "--db", str(db), "scan", str(music)], cwd=ROOT,
                   check=True, capture_output=True)
    return db


def one_run(db: Path, home: Path, args: argparse.Namespace) -> dict[str, dict]:
    """Start the app once under the probe; its events by name."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"))
    if args.platform:
        env["QT_QPA_PLATFORM"] = args.platform
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(args.after), "1" if args.classify else "0",
         "--db", str(db)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        check=False)
    events = {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            event["t"] -= start
            if event["event"] == "stalls":
                event["started"] = start
            events[event.pop("event")] = event
    if "stalls" not in events:
        raise SystemExit(f"the app did not finish its run:\n{result.stderr[-3000:]}")
    return events


def main() -> None:
    """Run the app --runs times, print each run and the medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None, help="library to open (default: "
                        "gtzan-mini scanned into a temporary one)")
    parser.add_argument("--classify", action="store_true",
                        help="click Classify right after the window shows")
    parser.add_argument("--after", type=float, default=1.5,
                        help="seconds to keep watching after the model (or classify) is done")
    parser.add_argument("--platform", default=None if os.environ.get("DISPLAY") else "offscreen")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or scanned_library(Path(tmp))
        rows = []
        for run in range(args.runs):
            load = os.getloadavg()[0]
            home = Path(tmp) / f"home{run}"
            if args.classify and args.db is None:  # the same work each run
                subprocess.run(["cp", str(db), str(home.with_suffix(".sqlite3"))], check=True)
                events = one_run(home.with_suffix(".sqlite3"), home, args)
            else:
                events = one_run(db, home, args)
            rows.append(events)
            stalls = events["stalls"]
            started = stalls["started"]
            print(f"run {run + 1} (load {load:.1f}): window shown {events['shown']['t']:.2f} s "
                  f"(torch imported by then: {events['shown']['torch']}), first paint "
                  f"{events['painted']['t']:.2f} s, {events['library']['rows']} rows in "
                  f"{events['library']['t']:.2f} s, model ready {events['model']['t']:.2f} s"
                  + (f", classify of {events['classified']['done']} tracks done "
                     f"{events['classified']['t']:.2f} s (error: {events['classified']['error']})"
                     if "classified" in events else "")
                  + f"; longest stall after the rows: {stalls['loading'] * 1000:.0f} ms (0: none "
                  f"over 50); overall {stalls['longest'] * 1000:.0f} ms (GUI thread CPU in it "
                  f"{stalls['cpu'] * 1000:.0f} ms), {stalls['over_100']} over 100 ms; over 50 ms "
                  "(ms @ s): " + ", ".join(f"{s * 1000:.0f} @ {end - started:.2f}"
                                           for s, end in stalls["top"]))
        for name in ("shown", "painted", "library", "model"):
            print(f"median {name}: {statistics.median(r[name]['t'] for r in rows):.2f} s")
        print(f"longest stall after the rows (the model loading): "
              f"median {statistics.median(r['stalls']['loading'] for r in rows) * 1000:.0f} ms, "
              f"worst {max(r['stalls']['loading'] for r in rows) * 1000:.0f} ms")
        print(f"median longest stall overall: "
              f"{statistics.median(r['stalls']['longest'] for r in rows) * 1000:.0f} ms; "
              f"worst: {max(r['stalls']['longest'] for r in rows) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
