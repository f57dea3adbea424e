"""The `genrelens` console script ends a command the way `python main.py` does: right after
the atexit handlers and a flush (main.exit_now), without the interpreter's teardown."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What pip's generated `genrelens` script does: import the entry point and call it. An object
# alive until teardown clears the modules says whether the interpreter's teardown ran.
RUN_SCRIPT = """
import importlib, json, os, sys
class Probe:
    def __del__(self, write=os.write):
        write(1, b"teardown ran\\n")
json.probe = Probe()  # a module's global: teardown clears it (__main__'s may be left)
module, function = sys.argv[1].split(":")
sys.argv = ["genrelens", *sys.argv[2:]]
sys.exit(getattr(importlib.import_module(module), function)())
"""


def test_console_script_exits_like_main_py(tmp_path: Path) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    entry = scripts["genrelens"]
    result = subprocess.run(
        [sys.executable, "-c", RUN_SCRIPT, entry, "--db", str(tmp_path / "lib.sqlite3"), "list"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("id  status")  # the command's output is all there
    assert "teardown ran" not in result.stdout
    # ... and the probe does see a teardown when one runs (main() alone, as before).
    plain = subprocess.run(
        [sys.executable, "-c", RUN_SCRIPT, "main:main", "--db", str(tmp_path / "lib.sqlite3"),
         "list"], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert plain.returncode == 0 and "teardown ran" in plain.stdout
