"""The review learner on the library's arrays: who teaches what, the learned probabilities,
their reasons in words, the predictions to store, and the queue's order (workflows/review.py
runs these against the database)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from classifier.propagate import (
    LearnerConfig,
    Taught,
    combine,
    coverage,
    group_votes,
    label_map,
    neighbour_votes,
    represented,
    unit_rows,
)
from library.learned import LearnedWrite, LearnerInputs
from library.records import ReviewItem

CLOSE_KERNEL = 0.05  # a neighbour whose kernel weight is below this is not named as a reason


class QueueOrder(StrEnum):
    """In which order the review queue asks (the simulation measures each)."""

    QUEUE = "queue"  # the queue's own: uncertain, disagreeing, standing for many, uncovered
    UNCERTAIN = "uncertain"  # most uncertain first (lowest top probability)
    RANDOM = "random"  # a seeded shuffle: what answering without a queue gives


@dataclass(frozen=True)
class LearnState:
    """The learner's result over every track of `inputs` (row i is inputs.track_ids[i])."""

    inputs: LearnerInputs
    labels: tuple[str, ...]  # genre columns: the default's, then genres only taught
    units: np.ndarray
    taught: Taught
    probs: np.ndarray  # learned probabilities (the default's where no evidence)
    evidence: np.ndarray  # (n,) vote mass from neighbours and groups
    votes_nearest: np.ndarray
    votes_kernel: np.ndarray
    best_similarity: np.ndarray  # (n,) to the nearest taught track (-1: nothing taught)
    group: np.ndarray  # (n, L) album + artist votes


def _taught(inputs: LearnerInputs, column: dict[str, int], config: LearnerConfig) -> Taught:
    rows, classes, weights, by_user = [], [], [], []
    for i, (user, tag) in enumerate(zip(inputs.user, inputs.tags, strict=True)):
        genre, weight = (user, 1.0) if user else (tag, config.tag_weight)
        if genre and weight > 0:
            rows.append(i)
            classes.append(column[genre])
            weights.append(weight)
            by_user.append(bool(user))
    return Taught(np.asarray(rows, dtype=np.int64), np.asarray(classes, dtype=np.int64),
                  np.asarray(weights, dtype=np.float32), np.asarray(by_user, dtype=bool))


def learn_state(inputs: LearnerInputs, config: LearnerConfig = LearnerConfig(),
                units: np.ndarray | None = None) -> LearnState:
    """Fit the learner on the library's arrays (milliseconds for thousands of tracks).
    `units`: the rows' unit vectors when already made (learn's folds centre them once, on the
    whole library, as the learner does)."""
    taught_names = [g for g in (*inputs.user, *inputs.tags) if g]
    labels = tuple(dict.fromkeys([*inputs.anchor_labels, *taught_names]))
    column = {g: i for i, g in enumerate(labels)}
    if units is None:
        units = unit_rows(inputs.vectors) if len(inputs.vectors) else inputs.vectors
    taught = _taught(inputs, column, config)
    if config.map_strength is None:
        anchor = np.zeros((len(inputs.track_ids), len(labels)), dtype=np.float32)
        anchor[:, :len(inputs.anchor_labels)] = inputs.anchor
    else:
        anchor = inputs.anchor @ label_map(inputs.anchor[taught.rows], taught, len(labels),
                                           config.map_strength, config.map_support)
    votes, nearest, kernel, best = neighbour_votes(units, taught, len(labels), config)
    n = len(units)
    group = (group_votes(list(inputs.albums), taught, n, len(labels), config.album_weight)
             + group_votes(list(inputs.artists), taught, n, len(labels), config.artist_weight))
    evidence = votes.sum(axis=1) + group.sum(axis=1)
    probs = combine(anchor, votes + group, config)
    return LearnState(inputs, labels, units, taught, probs, evidence, nearest, kernel, best,
                      group)


def reason(state: LearnState, i: int, genre: str) -> str:
    """Why row i's learned genre is `genre`, in words for the details pane."""
    cls = state.labels.index(genre)
    close = state.votes_kernel[i] >= CLOSE_KERNEL
    picked = state.votes_nearest[i][close]
    same = state.taught.classes[picked] == cls
    users = int((same & state.taught.by_user[picked]).sum())
    tags = int((same & ~state.taught.by_user[picked]).sum())
    parts = []
    if users:
        parts.append(f"{users} similar track{'s' if users != 1 else ''} you labelled {genre}")
    if tags:
        parts.append(f"{tags} similar track{'s' if tags != 1 else ''} tagged {genre}")
    if state.group[i, cls] > 0:
        parts.append(f"its album or artist is tagged {genre}")
    if not parts:
        others = int(close.sum())
        return (f"learned: the default model's {genre} kept against {others} similar "
                f"track{'s' if others != 1 else ''} taught otherwise")
    return "learned from your answers: " + ", ".join(parts) if users else \
        "learned from the library's tags: " + ", ".join(parts)


def learned_writes(state: LearnState, config: LearnerConfig) -> list[LearnedWrite]:
    """The learned predictions worth a row: tracks with evidence, classified, not vetoed by
    the music gate (it stays applied) and not labelled by the user (the label shows)."""
    inputs = state.inputs
    classified = inputs.anchor.sum(axis=1) > 0
    chosen = np.flatnonzero((state.evidence >= config.min_evidence) & classified
                            & ~inputs.not_music
                            & np.asarray([u is None for u in inputs.user], dtype=bool))
    writes = []
    for i in chosen.tolist():
        row = state.probs[i]
        best = int(row.argmax())
        confidence = float(row[best])
        uncertain = confidence < config.uncertain_below
        genre = state.labels[best]
        probabilities = {g: round(float(p), 4) for g, p in zip(state.labels, row, strict=True)
                         if p >= 0.001}
        writes.append(LearnedWrite(int(inputs.track_ids[i]), probabilities,
                                   () if uncertain else (genre,), confidence, uncertain, False,
                                   reason(state, i, genre)))
    return writes


def learned_version(state: LearnState) -> str:
    """A short name of what was learned from: how many answers and tags, and their hash."""
    import hashlib

    taught = state.taught
    ids = state.inputs.track_ids[taught.rows]
    digest = hashlib.sha1(np.stack([ids, taught.classes]).tobytes()
                          + "|".join(state.labels).encode()).hexdigest()[:8]
    return f"{int(taught.by_user.sum())}a{int((~taught.by_user).sum())}t-{digest}"


def _majority(groups: tuple[str, ...], state: LearnState) -> dict[str, str]:
    """Each album's most taught genre (answers and tags), for "album says Jazz"."""
    tally: dict[str, dict[int, float]] = {}
    taught = state.taught
    for row, cls, w in zip(taught.rows, taught.classes, taught.weights, strict=True):
        if groups[row]:
            counts = tally.setdefault(groups[row], {})
            counts[int(cls)] = counts.get(int(cls), 0.0) + float(w)
    return {g: state.labels[max(c, key=lambda k: c[k])] for g, c in tally.items()}


def _words(state: LearnState, i: int, shown: str | None, close: float,
           albums: dict[str, str]) -> tuple[str, float]:
    """The queue's reason for row i and the bonus a disagreement earns."""
    tag = state.inputs.tags[i]
    if tag and tag != shown:
        return f"tags say {tag}", 2.0
    album = albums.get(state.inputs.albums[i])
    if album and album != shown:
        return f"album says {album}", 1.0
    if close >= 3:
        return f"stands for {int(round(close))} similar tracks", 0.0
    return ("uncertain" if shown is None else f"unsure: {shown} or another"), 0.0


def queue_items(state: LearnState, order: QueueOrder = QueueOrder.QUEUE,
                config: LearnerConfig = LearnerConfig(), seed: int = 0) -> list[ReviewItem]:
    """Every track worth asking about, most helpful first: classified, not labelled by the
    user, not vetoed by the music gate."""
    inputs = state.inputs
    ask = np.flatnonzero((inputs.anchor.sum(axis=1) > 0) & ~inputs.not_music
                         & np.asarray([u is None for u in inputs.user], dtype=bool))
    if len(ask) == 0:  # nothing to ask (e.g. no embeddings stored yet): probs may be 0 x 0
        return []
    probs = state.probs
    top = probs.max(axis=1)
    cover = coverage(state.best_similarity, config.temperature)
    mass, close = represented(state.units, 1.0 - cover, config.temperature)
    albums = _majority(inputs.albums, state)
    if order == QueueOrder.RANDOM:
        priority = np.random.default_rng(seed).random(len(top))
    elif order == QueueOrder.UNCERTAIN:
        priority = 1.0 - top
    else:
        priority = (1.0 - top) * (1.0 - cover) * (1.0 + np.log1p(mass))
    items = []
    for i in ask.tolist():
        best = int(probs[i].argmax())
        shown = None if top[i] < config.uncertain_below else state.labels[best]
        words, bonus = _words(state, i, shown, float(close[i]), albums)
        choices = np.argsort(-probs[i])[:3]
        items.append(ReviewItem(
            int(inputs.track_ids[i]), () if shown is None else (shown,),
            tuple((state.labels[c], round(float(probs[i, c]), 4)) for c in choices.tolist()),
            words, float(priority[i] + (bonus if order == QueueOrder.QUEUE else 0.0)),
            "learned" if state.evidence[i] >= config.min_evidence else "default"))
    items.sort(key=lambda item: (-item.score, item.track_id))
    return items
