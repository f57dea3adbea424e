""""More like this" at scale: a query's cost on a generated library with 100,000 embeddings.

    /work/main/.venv/bin/python bench/similar.py [--tracks 100000] [--dim 200]

Fills a real SQLite file in a temporary folder (tools/demo_library.py: tracks and broad
predictions) and gives every classified track a random float16 vector of the stored
dimension (musicnn-msd: 200) under the backbone "broad", as classify stores them. Then times
(best of a few, in this process, after one warm-up): loading the matrix, the cosine query
alone on a loaded matrix, a whole query as `similar` runs it (load + query + re-rank + rows),
the same with the matrix kept from the last query (the app), and `python main.py similar`
end to end once. Memory: the matrix's bytes and tracemalloc's
peak while it loads. Prints the load average and CPU flags: the figures are taken on a shared
machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, select  # noqa: E402

from library.db import create_db_engine, session_factory  # noqa: E402
from library.models import Embedding, Prediction  # noqa: E402
from library.repository import get_track  # noqa: E402
from library import similarity  # noqa: E402
from library.similarity import embedding_matrix, nearest  # noqa: E402
from tools.demo_library import populate  # noqa: E402
from workflows.similar import find_similar  # noqa: E402


def fill(db: Path, tracks: int, dim: int) -> None:
    """Generated tracks and predictions, and a random vector per classified track."""
    populate(db, tracks, classified=0.95)
    engine = create_db_engine(db)
    rng = np.random.default_rng(0)
    with engine.begin() as conn:
        ids = list(conn.scalars(select(Prediction.track_id).order_by(Prediction.track_id)))
        for start in range(0, len(ids), 10000):
            chunk = ids[start:start + 10000]
            vectors = rng.standard_normal((len(chunk), dim)).astype("<f2")
            conn.execute(insert(Embedding), [
                {"track_id": i, "backbone": "broad", "dim": dim, "vector": v.tobytes()}
                for i, v in zip(chunk, vectors)])
    engine.dispose()


def best_ms(run: Callable[[], object], times: int) -> float:
    """The fastest of `times` runs after one warm-up, in ms."""
    run()
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def machine() -> str:
    """Load average and the CPU's vector flags."""
    flags = Path("/proc/cpuinfo").read_text().split()
    wanted = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    return f"load average {os.getloadavg()}, {os.cpu_count()} CPUs, flags {wanted}"


def main() -> None:
    """Build the library, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "lib.sqlite3"
        start = time.perf_counter()
        fill(db, args.tracks, args.dim)
        print(f"{args.tracks:,} tracks filled in {time.perf_counter() - start:.1f} s, "
              f"file {db.stat().st_size / 1e6:.0f} MB; {machine()}")
        sessions = session_factory(create_db_engine(db))
        with sessions() as session:
            tracemalloc.start()
            matrix = embedding_matrix(session, "broad", args.dim)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"matrix {matrix.vectors.shape} {matrix.vectors.dtype}: "
                  f"{matrix.nbytes / 1e6:.1f} MB held, {peak / 1e6:.1f} MB peak while loading")
            query = matrix.vectors[123].astype(np.float32)
            load = best_ms(lambda: embedding_matrix(session, "broad", args.dim), 3)
            alone = best_ms(lambda: nearest(matrix, query, 100, {1}), 10)
            track = get_track(session, int(matrix.track_ids[123]))
            assert track is not None
            def cold() -> object:
                similarity._matrices.clear()  # as the first query of a process (the CLI's)
                return find_similar(session, track, 10)

            whole = best_ms(cold, 3)
            cached = best_ms(lambda: find_similar(session, track, 10), 5)
        print(f"load the matrix        {load:8.1f} ms (best of 3)")
        print(f"cosine query, loaded   {alone:8.1f} ms (best of 10)")
        print(f"whole similar query    {whole:8.1f} ms (best of 3: load + query + re-rank "
              "+ rows)")
        print(f"the same, matrix kept  {cached:8.1f} ms (best of 5: the app's next queries; "
              "checks the stored vectors are unchanged)")
        command = [sys.executable, "main.py", "--db", str(db), "similar", track.path]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        print(f"python main.py similar {(time.perf_counter() - start) * 1000:8.1f} ms wall "
              f"(exit {done.returncode}, {len(done.stdout.splitlines())} lines; "
              "process start-up included)")
        print(machine())


if __name__ == "__main__":
    main()
