"""The GUI's longest stall while the worker modules load on a thread, by way of loading them.

    python bench/warmup_variants.py [--runs 3]

Each run is a fresh interpreter: the real main window, shown offscreen on an empty library,
and a 10 ms watchdog (gui/watchdog.py) on the GUI thread while a plain thread imports
gui.warmup.WORKER_MODULES in one of three ways (or, "none", sleeps 2 s: the noise floor):

- plain:     importlib.import_module, as a job importing on first use did
- dlopen:    libtorch mapped first through ctypes' dlopen (lock released), then the imports
- dlopen+gc: the same with the garbage collector off, then gc.freeze() (what the app does)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import gc, importlib, json, sys, tempfile, threading, time
from pathlib import Path
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from gui import warmup
from gui.main_window import MainWindow
from gui.settings import AppSettings
from gui.watchdog import StallWatchdog

variant = sys.argv[1]
app = QApplication([])
tmp = Path(tempfile.mkdtemp())
settings = AppSettings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
window = MainWindow(tmp / "lib.sqlite3", settings, rescan_on_start=False)
window.show()
done = threading.Event()

def load():
    if variant == "none":  # the noise floor: the same wait with nothing loading
        time.sleep(2.0)
    elif variant == "dlopen+gc":
        warmup.load_worker_modules()
    else:
        if variant == "dlopen":
            warmup.preload_torch_libraries()
        for name in warmup.WORKER_MODULES:
            importlib.import_module(name)
    done.set()

def begin():
    dog.start()
    start = time.perf_counter()
    threading.Thread(target=load).start()
    def poll():
        if done.is_set():
            dog.stop()
            top = sorted((late for _, late in dog.stalls), reverse=True)[:4]
            print(json.dumps({"seconds": time.perf_counter() - start, "longest": dog.longest,
                              "cpu": dog.longest_cpu, "top": top}), flush=True)
            app.quit()
    timer.timeout.connect(poll)
    timer.start(20)

dog = StallWatchdog()
timer = QTimer()
QTimer.singleShot(500, begin)  # the window painted and idle
app.exec()
"""


def main() -> None:
    """Run each variant --runs times, alternating, and print each run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for run in range(args.runs):
        for variant in ("none", "plain", "dlopen", "dlopen+gc"):
            load = os.getloadavg()[0]
            result = subprocess.run([sys.executable, "-c", CHILD, variant], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=600, check=True)
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"run {run + 1} {variant:>9} (load {load:.1f}): loaded in "
                  f"{figures['seconds']:.2f} s, longest stall {figures['longest'] * 1000:.0f} ms "
                  f"(GUI thread CPU in it {figures['cpu'] * 1000:.0f} ms); "
                  "over 50 ms: " + ", ".join(f"{s * 1000:.0f}" for s in figures["top"]))


if __name__ == "__main__":
    main()
