"""Scan speed: a first scan and an unchanged rescan of a synthetic tree of small real files.

    python bench/scan.py --files 20000
    python bench/scan.py --files 2000 --beets /tmp/beets-venv/bin/beet --rounds 3

Each file is a copy of a short, tagged, real recording (from ../shared/data, transcoded to
mp3/flac/ogg/opus/m4a/wma/wav), so the first scan sniffs, hashes and parses real headers; the
rescan figure is what an unchanged library costs. Prints files/s for both.

With --beets, each round also times two whole processes on a fresh library, one after the
other so both see the same neighbours: `genrelens scan -q TREE` (start-up and exit included)
and `beet import -A -q TREE` (no autotagging, no copying, no plugins, duplicates kept: it only
reads tags and fills its library, as our scan does). beets is not a dependency: install it anywhere.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from library.db import create_db_engine, session_factory  # noqa: E402
from library.folders import add_folder  # noqa: E402
from library.scanner import scan  # noqa: E402
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags  # noqa: E402

BENCH_KINDS = ("mp3", "flac", "ogg", "opus", "aac", "wma", "wav")
PER_FOLDER = 100


def make_samples(folder: Path, data: Path, seconds: float) -> list[Path]:
    """One tagged file per kind, `seconds` long."""
    samples, rate = load_clip(data, seconds)
    made = []
    for kind in BENCH_KINDS:
        path = write_audio(folder / f"sample_{kind}{KINDS[kind][0]}", kind, samples, rate)
        write_tags(path, kind, Tags(title="Bench", artist="Artist", album="Album", year=2001,
                                    track_number=1, genres=("Rock", "Blues")))
        made.append(path)
    return made


def make_tree(root: Path, samples: list[Path], files: int) -> None:
    """`files` copies of the samples, PER_FOLDER per folder, two levels deep."""
    for index in range(files):
        source = samples[index % len(samples)]
        album = index // PER_FOLDER
        folder = root / f"artist{album // 10:04d}" / f"album{album:05d}"
        if index % PER_FOLDER == 0:
            folder.mkdir(parents=True)
        shutil.copyfile(source, folder / f"track{index:06d}{source.suffix}")


def timed_scan(sessions, folder) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds of one scan, and its final counts."""
    start, cpu = time.perf_counter(), time.process_time()
    last = None
    for last in scan(sessions, [folder]):
        pass
    return time.perf_counter() - start, time.process_time() - cpu, last.counts if last else None


BEETS_CONFIG = """directory: {music}
library: {library}
plugins: []
import:
  copy: no
  move: no
  write: no
  autotag: no
  resume: no
  incremental: no
  duplicate_action: keep
"""


def timed_process(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys of the child) seconds of one command, which must succeed."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode:
        sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def rows_in(database: Path, table: str) -> int:
    """Rows of a table in an SQLite file."""
    with closing(sqlite3.connect(database)) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def versus_beets(work: Path, beet: str, files: int, rounds: int) -> None:
    """Whole-process first scans, GenreLens and beets alternately, a fresh library each."""
    music = work / "music"
    for round_ in range(1, rounds + 1):
        home = work / f"round{round_}"
        home.mkdir()
        (home / "config.yaml").write_text(
            BEETS_CONFIG.format(music=music, library=home / "beets.db"))
        env = {**os.environ, "BEETSDIR": str(home), "XDG_DATA_HOME": str(home / "data"),
               "XDG_STATE_HOME": str(home / "state")}
        load = os.getloadavg()[0]
        ours = timed_process([sys.executable, str(REPO / "main.py"), "--db",
                              str(home / "genrelens.sqlite3"), "scan", "-q", str(music)], env)
        theirs = timed_process([beet, "import", "-A", "-q", str(music)], env)
        rows = [rows_in(home / name, table) for name, table in
                (("genrelens.sqlite3", "tracks"), ("beets.db", "items"))]
        if rows != [files, files]:  # a fair race: both read every file
            sys.exit(f"round {round_}: tracks / beets items {rows}, not {files}")
        print(f"round {round_} (load {load:.1f}): genrelens {ours[0]:.2f} s wall "
              f"{ours[1]:.2f} s cpu; beets {theirs[0]:.2f} s wall {theirs[1]:.2f} s cpu; "
              f"beets/genrelens {theirs[0] / ours[0]:.1f}x wall {theirs[1] / ours[1]:.1f}x cpu "
              f"({files} files)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20_000, help="files in the tree")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each file")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(
        "GENRELENS_TEST_DATA", REPO.parent / "shared" / "data")), help="shared audio")
    parser.add_argument("--beets", metavar="BEET", help="a beets `beet` executable: compare "
                        "whole-process first scans with `beet import -A`")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the beets comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="genrelens-bench-") as tmp:
        work = Path(tmp)
        samples = make_samples(work, args.data, args.seconds)
        start = time.perf_counter()
        make_tree(work / "music", samples, args.files)
        print(f"built {args.files} files in {time.perf_counter() - start:.1f} s "
              f"(kinds: {', '.join(BENCH_KINDS)}; {args.seconds:g} s each)")
        sessions = session_factory(create_db_engine(work / "library.sqlite3"))
        with sessions() as session:
            folder = add_folder(session, str(work / "music"))
        print(f"load average before scanning: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for label in ("first scan", "rescan (unchanged)"):
            seconds, cpu, counts = timed_scan(sessions, folder)
            # CPU time too: on a shared machine the wall clock also measures the neighbours.
            print(f"{label:20s} {seconds:7.2f} s wall {cpu:7.2f} s cpu "
                  f"{args.files / seconds:9.0f} files/s  {counts}")
        if args.beets:
            versus_beets(work, args.beets, args.files, args.rounds)


if __name__ == "__main__":
    main()
