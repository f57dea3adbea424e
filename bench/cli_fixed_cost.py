"""Fixed cost of CLI commands: wall and CPU seconds of whole `python main.py` runs.

    python bench/cli_fixed_cost.py [--runs 3] [--main OTHER/main.py]

A tmp library of 5 gtzan-mini blues excerpts (00000-00004), scanned and classified once; then
each command runs `--runs` times in a fresh interpreter: `classify` with nothing to do,
`list`, an unchanged `scan`, `--help`. With --main, another checkout's main.py (e.g. the
branch point, exported with `git archive`) runs alternately with this one on the same
library, so both see the same neighbours on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("GENRELENS_TEST_DATA", REPO.parent / "shared" / "data"))
COMMANDS = {"classify (nothing to do)": ["classify"], "list": ["list"],
            "scan (unchanged)": ["scan", "-q"], "--help": ["--help"]}


def timed(main: Path, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one run, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(main), *args], cwd=main.parent, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--main", type=Path, default=None, help="another main.py to compare")
    args = parser.parse_args()
    mains = {"this": REPO / "main.py"} | ({"other": args.main.resolve()} if args.main else {})
    with tempfile.TemporaryDirectory(prefix="genrelens-fixed-") as tmp:
        work = Path(tmp)
        (work / "music").mkdir()
        for n in range(5):
            shutil.copy(DATA / "gtzan-mini" / "blues" / f"blues.0000{n}.flac", work / "music")
        env = {**os.environ, "XDG_DATA_HOME": str(work / "data"),
               "XDG_CONFIG_HOME": str(work / "config"), "XDG_STATE_HOME": str(work / "state"),
               "GENRELENS_DB": str(work / "library.sqlite3")}
        timed(REPO / "main.py", ["scan", "-q", str(work / "music")], env)
        timed(REPO / "main.py", ["classify"], env)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for label, command in COMMANDS.items():
            figures: dict[str, list[tuple[float, float]]] = {name: [] for name in mains}
            for _ in range(args.runs):
                for name, path in mains.items():
                    figures[name].append(timed(path, command, env))
            for name, runs in figures.items():
                walls = " ".join(f"{w:.2f}" for w, _ in runs)
                cpus = " ".join(f"{c:.2f}" for _, c in runs)
                print(f"{label:26s} {name:5s} wall {walls}   cpu {cpus}")


if __name__ == "__main__":
    main()
