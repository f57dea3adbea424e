"""Tag writing speed: apply a batch to N small real files, then undo it.

    python bench/tagwrite.py --files 1000

Each file is a copy of a short, tagged, real recording (from ../shared/data, transcoded to
mp3/flac/ogg/opus/m4a/wma/wav). Every file gets two new genres (policy replace) through the
full safe path: copy, write, fsync, re-read, payload hash, log, rename, fsync the folder.
Prints files/s for apply and for undo, wall and CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.scan import make_samples, make_tree  # noqa: E402
from library.db import create_db_engine, session_factory  # noqa: E402
from library.tagplan import TagOptions, plan_tags  # noqa: E402
from workflows.tags import apply_plan, undo_batch  # noqa: E402
from tests.tagging_support import predict, scan_into  # noqa: E402


def timed(work):  # type: ignore[no-untyped-def]
    """Wall seconds, CPU seconds and the result of work()."""
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - start, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="files to tag")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each file")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(
        "GENRELENS_TEST_DATA", REPO.parent / "shared" / "data")), help="shared audio")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="genrelens-bench-") as tmp:
        root = Path(tmp)
        samples = make_samples(root, args.data, args.seconds)
        make_tree(root / "music", samples, args.files)
        sessions = session_factory(create_db_engine(root / "library.sqlite3"))
        scan_into(sessions, root / "music")
        paths = [str(p) for p in (root / "music").rglob("*") if p.is_file()]
        predict(sessions, {p: {"Hip Hop": 0.6, "Soul": 0.4} for p in paths})
        options = TagOptions(policy="replace", min_confidence=0.3)
        with sessions() as session:
            rows = plan_tags(session, options)
        size = sum(os.path.getsize(p) for p in paths) / len(paths) / 1024
        print(f"{len(rows)} files, {size:.0f} KiB each on average, {args.seconds:g} s of audio")
        wall, cpu, batch = timed(lambda: apply_plan(sessions, rows, options))
        assert batch.count("applied") == len(rows), batch.outcomes[:3]
        print(f"apply: {len(rows) / wall:7.1f} files/s  (wall {wall:.1f} s, cpu {cpu:.1f} s)")
        wall, cpu, undone = timed(lambda: undo_batch(sessions, batch.batch_id))
        assert undone.count("undone") == len(rows)
        print(f"undo:  {len(rows) / wall:7.1f} files/s  (wall {wall:.1f} s, cpu {cpu:.1f} s)")


if __name__ == "__main__":
    main()
