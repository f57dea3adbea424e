"""Make the simulated libraries `review --simulate` is measured on (docs/models.md, Review queue).

    python bench/review_sim_library.py LIB.sqlite3 ITEMS.tsv OUT_DIR

LIB.sqlite3: training material (genre-pool music + gtzan-mini ids 0-4, never the holdout)
scanned and classified with the default. ITEMS.tsv: path, genre, group, source per track.
Writes to OUT_DIR: truth.csv; honest.sqlite3, whose "broad" probabilities are replaced by
out-of-fold ones (a logistic head on the stored embeddings, 5 folds grouped by artist/source:
the default bundle was trained on this material, so its own predictions are in-sample);
tagged.sqlite3, honest plus genre tags on the tracks of 30 % of the groups and album = group
on every track (the partly tagged library of item 3).
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import sys
from pathlib import Path

import numpy as np
from sqlalchemy import select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from library.db import create_db_engine, session_factory  # noqa: E402
from library.learned import learner_inputs  # noqa: E402
from library.models import Prediction, Track  # noqa: E402
from library.roots import local_paths  # noqa: E402


def out_of_fold(x: np.ndarray, y: list[str], groups: list[str], labels: tuple[str, ...]
                ) -> np.ndarray:
    """Each track's probabilities from a head that never saw its group."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    probs = np.zeros((len(y), len(labels)))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        head = LogisticRegression(C=0.5, max_iter=2000).fit(x[train], np.asarray(y)[train])
        cols = [labels.index(c) if c in labels else -1 for c in head.classes_]
        p = head.predict_proba(x[test])
        for j, col in enumerate(cols):
            if col >= 0:
                probs[test, col] += p[:, j]
    return calibrated(probs, [labels.index(c) if c in labels else -1 for c in y])


def calibrated(probs: np.ndarray, truth: list[int]) -> np.ndarray:
    """Temperature-scaled as the default's confidence is (one T by likelihood on the
    out-of-fold probabilities): an uncalibrated head would show too many tracks uncertain."""
    logits = np.log(np.maximum(probs, 1e-9))
    known = np.asarray(truth) >= 0

    def scaled(t: float) -> np.ndarray:
        z = logits / t
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    best = min(np.arange(0.2, 2.01, 0.05), key=lambda t: -np.log(
        scaled(t)[known, np.asarray(truth)[known]] + 1e-9).mean())
    print(f"out-of-fold temperature {best:.2f}")
    return scaled(best)


def main() -> None:
    lib, items_file, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    with open(items_file, encoding="utf-8", newline="") as handle:
        items = {r[0]: r for r in csv.reader(handle, delimiter="\t")}
    honest = out / "honest.sqlite3"
    with sqlite3.connect(lib) as src, sqlite3.connect(honest) as dst:
        src.backup(dst)
    engine = create_db_engine(honest)
    sessions = session_factory(engine)
    with sessions() as session:
        roots = local_paths(session)
        paths = {tid: roots.local(root, path) for tid, root, path
                 in session.execute(select(Track.id, Track.root_id, Track.path))}
        inputs = learner_inputs(session)
        rows = [paths[int(t)] for t in inputs.track_ids]
        x = inputs.vectors / np.linalg.norm(inputs.vectors, axis=1, keepdims=True)
        y, groups = [items[p][1] for p in rows], [items[p][2] for p in rows]
        probs = out_of_fold(x, y, groups, inputs.anchor_labels)
        for t, p, gated in zip(inputs.track_ids, probs, inputs.not_music):
            best = int(p.argmax())
            uncertain = bool(p[best] < 0.4)
            session.execute(update(Prediction).where(
                Prediction.track_id == int(t), Prediction.bundle == "broad").values(
                probabilities={g: float(v) for g, v in zip(inputs.anchor_labels, p)},
                confidence=float(p[best]), uncertain=uncertain,
                top_genres=[] if uncertain or gated else [inputs.anchor_labels[best]]))
        session.commit()
    engine.dispose()
    with open(out / "truth.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "genre"])
        writer.writerows((p, items[p][1]) for p in sorted(items))
    tagged = out / "tagged.sqlite3"
    shutil.copyfile(honest, tagged)
    engine = create_db_engine(tagged)
    with session_factory(engine)() as session:
        rng = np.random.default_rng(0)
        all_groups = sorted({r[2] for r in items.values()})
        chosen = set(rng.choice(all_groups, int(0.3 * len(all_groups)), replace=False).tolist())
        roots = local_paths(session)
        for tid, root, stored in session.execute(select(Track.id, Track.root_id, Track.path)).all():
            path = roots.local(root, stored)
            genre, group = items[path][1], items[path][2]
            session.execute(update(Track).where(Track.id == tid).values(
                album=group, artist=group, genres=[genre] if group in chosen else []))
        session.commit()
    engine.dispose()


if __name__ == "__main__":
    main()
