"""How long the review learner takes on a large library: relearn (read, fit, store) and the
queue, at 10,000 generated tracks with embeddings drawn around real ones.

    python bench/review_speed.py [TRACKS] [REAL_LIBRARY.sqlite3]

REAL_LIBRARY: a classified library whose stored embeddings seed the generated ones (each
generated track is a real one plus noise, so neighbourhoods are as dense as real music's);
without it, random vectors. Prints wall seconds of each step.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from library.db import create_db_engine, session_factory  # noqa: E402
from library.learned import EMBEDDING_BACKBONE, learner_inputs  # noqa: E402
from library.models import Embedding  # noqa: E402
from tools.demo_library import populate  # noqa: E402
from workflows.browse import ModelInUse  # noqa: E402
from workflows.review import AnswerLog, answer, relearn, review_queue  # noqa: E402


def seeds(real: Path | None, rng: np.random.Generator) -> np.ndarray:
    """Real embeddings to draw around, or random ones."""
    if real is None:
        return rng.normal(size=(500, 200)).astype(np.float32)
    with session_factory(create_db_engine(real))() as session:
        return learner_inputs(session).vectors


def add_embeddings(db: Path, tracks: int, base: np.ndarray, rng: np.random.Generator) -> None:
    """An embedding for every track: a real one (chosen at random) plus 10 % noise."""
    engine = create_db_engine(db)
    picks = base[rng.integers(0, len(base), tracks)]
    vectors = picks + 0.1 * picks.std() * rng.normal(size=picks.shape)
    with engine.begin() as conn:
        conn.execute(insert(Embedding), [
            {"track_id": i + 1, "backbone": EMBEDDING_BACKBONE, "dim": 200,
             "vector": vectors[i].astype("<f2").tobytes()} for i in range(tracks)])
    engine.dispose()


def timed(label: str, run: object) -> float:
    started = time.perf_counter()
    result = run() if callable(run) else None
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s", flush=True)
    return result  # type: ignore[return-value]


def main() -> None:
    tracks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    real = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "lib.sqlite3"
        populate(db, tracks)
        add_embeddings(db, tracks, seeds(real, rng), rng)
        sessions = session_factory(create_db_engine(db))
        model, log = ModelInUse(), AnswerLog()
        model.key()  # the model libraries load once, as in the app
        timed("first relearn (2 % labelled by populate)", lambda: list(relearn(sessions)))
        items = timed("queue", lambda: review_queue(sessions))
        for item in items[:5]:
            timed(f"answer track {item.track_id}",
                  lambda: list(answer(sessions, item.track_id, ["Jazz"], model, log)))
            timed("  relearn after it (rows for the window too)",
                  lambda: list(relearn(sessions, model)))


if __name__ == "__main__":
    main()
