"""Scan speed: a first scan and an unchanged rescan of a synthetic tree of small real files.

    python bench/scan.py --files 20000

Each file is a copy of a short, tagged, real recording (from ../shared/data, transcoded to
mp3/flac/ogg/opus/m4a/wma/wav), so the first scan sniffs, hashes and parses real headers; the
rescan figure is what an unchanged library costs. Prints files/s for both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20_000, help="files in the tree")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each file")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(
        "GENRELENS_TEST_DATA", REPO.parent / "shared" / "data")), help="shared audio")
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


if __name__ == "__main__":
    main()
