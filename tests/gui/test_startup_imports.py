"""The app imports the model libraries once its window shows (gui/warmup.py), so no worker
imports them later.

A worker's first `import torch` or `import mutagen` holds the interpreter lock for up to 0.6 s at
a time and freezes the GUI; gui.warmup.load_worker_modules exists to prevent that. This runs the
workers' own functions in a fresh interpreter and lists what they still import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

SCRIPT = """
import json, shutil, sys, threading
from pathlib import Path
from gui.warmup import load_worker_modules, preload_torch_libraries
from library.folders import add_folder
from workflows import browse, classify_run, scan
from gui.workers import JobContext
from library.db import create_db_engine, session_factory

music, db = Path(sys.argv[1]), Path(sys.argv[2])
engine = create_db_engine(db)
ctx = JobContext(session_factory(engine), threading.Event())
with ctx.sessions.begin() as session:
    add_folder(session, str(music))
preload_torch_libraries()  # libtorch mapped with the interpreter lock released, torch not imported
mapped = "libtorch_cpu" in Path("/proc/self/maps").read_text() and "torch" not in sys.modules
load_worker_modules()
import gc
frozen = gc.get_freeze_count()
before = set(sys.modules)
list(scan.scan_events(ctx.sessions, ctx.cancelled, [str(music)]))
events = classify_run.classify_events(ctx.sessions, ctx.cancelled, classify_run.ClassifyOptions(device="cpu", clips_per_track=1), None)
classified = [e for e in events if e.touched() is not None]
browse.mel_picture(str(next(music.iterdir())), 3.0)
late = sorted({name.split(".")[0] for name in set(sys.modules) - before})
print(json.dumps({"classified": len(classified), "late": late, "frozen": frozen, "mapped": mapped}))
"""

HEAVY = {"torch", "librosa", "numba", "scipy", "sklearn", "llvmlite", "mutagen", "sqlalchemy"}


def test_workers_import_no_model_library_late(tmp_path: Path, shared_data: Path) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    source = next((shared_data / "gtzan-mini" / "jazz").iterdir())
    (music / source.name).symlink_to(source)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(music), str(tmp_path / "lib.sqlite3")],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["classified"] == 1  # the workers really ran the model
    assert HEAVY.isdisjoint(report["late"]), report["late"]
    assert report["frozen"] > 10_000  # start-up objects kept out of full collections
    assert report["mapped"]  # the stall-free dlopen found libtorch before `import torch`
