"""Learn my genres: a head trained on the library's tracks whose genres are known.

library/ gives the tracks and their normalised genres (and cached track embeddings);
classifier/ embeds the other tracks clip by clip and trains the head; this module joins them,
cross-validates, and saves a bundle that `classify` and the GUI find by name.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

CACHED_EMBEDDING = "broad"  # the broad bundle stores its first backbone's (musicnn-msd) mean
BACKBONE = "msd"
Progress = Callable[[int, int, str], None]


class LearnError(Exception):
    """Learning cannot start or finish; the message says why in the user's terms."""


@dataclass
class LearnReport:
    """What was learned and how well it did under cross-validation."""

    labels: list[str]
    counts: dict[str, int]  # tracks per kept genre
    dropped: dict[str, int]  # genres with too few tracks
    folds: int
    track_accuracy: float  # max-probability, mean over folds
    per_genre: dict[str, float]  # recall over all held-out tracks
    confusion: list[list[int]]  # summed over folds; rows true, columns predicted
    bundle: Path | None = None
    skipped: list[str] = field(default_factory=list)


def _embed_missing(paths: list[str], clips: int, device: str, progress: Progress | None,
                   cancel: threading.Event | None) -> dict[int, np.ndarray | str]:
    """Clip embeddings (or an error message) of the files, by position."""
    from classifier.bundle import PreprocessingConfig, load_musicnn
    from classifier.clip_outputs import clip_outputs
    from classifier.training.heads_train import BACKBONE_WEIGHTS
    from resources import MODELS_DIR

    model, _ = load_musicnn(MODELS_DIR / BACKBONE_WEIGHTS[BACKBONE])
    found: dict[int, np.ndarray | str] = {}
    config = PreprocessingConfig()
    for out in clip_outputs(paths, model, config, clips=clips, device=device):
        if cancel is not None and cancel.is_set():
            raise LearnError("cancelled")
        if out.error or out.embeddings is None:
            found[out.index] = out.error or "no embeddings"
        else:
            found[out.index] = out.embeddings
        if progress:
            progress(len(found), len(paths), out.path)
    return found


def gather(session: Session, min_examples: int
           ) -> tuple[list, dict[str, int], dict[int, np.ndarray]]:
    """Known-genre tracks of the genres with enough examples, dropped genres, cached vectors."""
    from library.labels import genre_counts, known_genres
    from library.predictions import embedding_for_track

    known = known_genres(session)
    counts = genre_counts(known)
    kept = {g for g, n in counts.items() if n >= min_examples}
    if len(kept) < 2:
        have = ", ".join(f"{g} ({n})" for g, n in counts.most_common()) or "none"
        raise LearnError(f"learning needs at least 2 genres with {min_examples} or more tracks "
                         f"each; the library's known genres are: {have}. Tag or label more "
                         f"tracks, or lower --min-examples.")
    chosen = [k for k in known if k.genre in kept]
    cached = {}
    for k in chosen:
        record = embedding_for_track(session, k.track_id, CACHED_EMBEDDING)
        if record is not None and len(record.vector) == 200:
            cached[k.track_id] = np.asarray(record.vector, dtype=np.float32)[None, :]
    return chosen, {g: n for g, n in counts.items() if g not in kept}, cached


def learn(
    sessions: sessionmaker[Session], *, min_examples: int = 5, name: str = "my-genres",
    out: Path | None = None, folds: int = 5, clips: int = 5, device: str = "cpu",
    progress: Progress | None = None, cancel: threading.Event | None = None,
) -> LearnReport:
    """Cross-validate a head on the library's known genres, then train on all and save it."""
    from classifier.bundle import NAME_PATTERN, user_bundles_dir

    if not NAME_PATTERN.match(name):
        raise LearnError(f"bundle name {name!r}: use letters, digits, '-', '_' and '.'")
    with sessions() as session:
        chosen, dropped, cached = gather(session, min_examples)
    todo = [k for k in chosen if k.track_id not in cached]
    computed = _embed_missing([k.path for k in todo], clips, device, progress, cancel)
    vectors = dict(cached)
    skipped = []
    for i, k in enumerate(todo):
        result = computed[i]
        if isinstance(result, str):
            skipped.append(f"{k.path}: {result}")
        else:
            vectors[k.track_id] = result
    usable = [k for k in chosen if k.track_id in vectors]
    report = _train_and_save(usable, vectors, min_examples, folds,
                             out or user_bundles_dir() / name, name)
    report.dropped, report.skipped = dropped, skipped
    logging.getLogger(__name__).info(  # the run's one INFO line (docs/library.md, The log)
        "learn: %d tracks in %d genres, accuracy %.3f over %d folds, bundle %s", len(usable),
        len(report.labels), report.track_accuracy, report.folds, report.bundle)
    return report


def _train_and_save(usable, vectors, min_examples, folds, folder, name) -> LearnReport:
    from classifier.training.datasets import LabelledTrack, labels_of, stratified_kfold
    from classifier.training.heads_train import (
        HeadConfig,
        clip_rows,
        cross_validate,
        save_head_bundle,
        train_head,
    )

    tracks = [LabelledTrack(Path(k.path), k.genre, k.artist) for k in usable]
    labels = labels_of(tracks)
    counts = {g: sum(t.genre == g for t in tracks) for g in labels}
    if len(labels) < 2 or min(counts.values()) < 2:
        raise LearnError(f"too few readable tracks to learn from: {counts}")
    k = max(2, min(folds, min(counts.values())))
    embeddings = [vectors[u.track_id] for u in usable]
    classes = [labels.index(t.genre) for t in tracks]
    config = HeadConfig()
    reports = cross_validate(embeddings, classes, labels, stratified_kfold(tracks, k), config)
    confusion = np.sum([r.confusion for r in reports], axis=0)
    recall = {g: float(confusion[i, i] / confusion[i].sum()) for i, g in enumerate(labels)}
    accuracy = float(np.mean([r.track_accuracy_max_prob for r in reports]))
    x, owners = clip_rows(embeddings, range(len(tracks)))
    head = train_head(x, np.asarray(classes)[owners], len(labels), config)
    description = (f"learned from {len(tracks)} tracks of your library ({', '.join(labels)}); "
                   f"{k}-fold track accuracy {accuracy:.2f}")
    save_head_bundle(folder, name=name, description=description, labels=labels, head=head,
                     config=config, backbone=BACKBONE)
    return LearnReport(labels, counts, {}, k, accuracy, recall, confusion.tolist(), folder)


def format_learn_report(report: LearnReport) -> str:
    """Per-genre accuracy and the confusion matrix as plain text."""
    width = max(len(g) for g in report.labels) + 2
    lines = [f"{report.folds}-fold cross-validated track accuracy: {report.track_accuracy:.3f}",
             "", f"{'genre':<{width}}{'tracks':>7}{'accuracy':>10}"]
    lines += [f"{g:<{width}}{report.counts[g]:>7}{report.per_genre[g]:>10.3f}"
              for g in report.labels]
    lines += ["", "confusion (rows: true genre, columns: predicted)",
              " " * width + "".join(f"{g[:6]:>7}" for g in report.labels)]
    lines += [f"{g:<{width}}" + "".join(f"{n:>7}" for n in row)
              for g, row in zip(report.labels, report.confusion)]
    if report.dropped:
        lines.append("\nleft out (too few tracks): "
                     + ", ".join(f"{g} ({n})" for g, n in sorted(report.dropped.items())))
    lines += [f"skipped: {s}" for s in report.skipped]
    if report.bundle is not None:
        lines.append(f"\nsaved bundle {report.bundle}")
    return "\n".join(lines)
