"""Learn my genres: the review learner's batch form (issue #22).

The same learner the Review queue refits after each answer (workflows/review_learner.py: the
stored embeddings, the default model's probabilities as the anchor, the user's labels and the
files' genre tags as teachers) is first tested on music it has not been taught: grouped folds
hide the genres of whole albums (else artists, else folders) and the learner must find them from
the rest. Only when the interval of that accuracy is above chance are the learned predictions
stored, by `workflows.review.relearn`, exactly as after an answer; otherwise nothing changes.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from classifier.propagate import LearnerConfig, unit_rows
from library.labels import known_genres
from library.learned import LearnerInputs, learner_inputs
from library.records import KnownGenre
from workflows.browse import ModelInUse
from workflows.events import Events, Learned, Relearned
from workflows.review_learner import learn_state

MAX_TESTED = 5000  # held-out tracks scored at most (a seeded sample): the interval stays honest
logger = logging.getLogger(__name__)


class LearnError(Exception):
    """Learning cannot start or finish; the message says why in the user's terms."""


@dataclass
class LearnReport:
    """How well the learner finds genres it was not taught (grouped folds), next to chance
    and to the default model alone on the same tracks."""

    labels: list[str]  # the taught genres
    counts: dict[str, int]  # taught tracks per genre
    folds: int
    tested: int  # held-out tracks scored
    track_accuracy: float
    default_accuracy: float  # the default model's own answer for the same held-out tracks
    per_genre: dict[str, float]  # recall over the held-out tracks
    confusion: list[list[int]]  # rows true, columns predicted (the last: any other genre)
    interval: tuple[float, float] = (0.0, 1.0)  # 95 % interval of track_accuracy
    chance: float = 0.0  # what guessing gets: 1/genres, or the biggest genre's share if more
    grouping: str = ""  # what the folds kept together ("4 albums, 2 folders")
    wrong_confidence: float | None = None  # highest confidence on a wrong held-out answer
    stored: bool = False  # whether the learned predictions are to be stored
    skipped: list[str] = field(default_factory=list)

    @property
    def beats_chance(self) -> bool:
        """Whether even the interval's lower end is above what guessing gets."""
        return self.interval[0] > self.chance

    def refusal(self) -> str:
        """Why learned genres that do not beat chance are not stored, in words."""
        low, high = self.interval
        return (f"not stored: accuracy on music it had not been taught is "
                f"{self.track_accuracy:.2f} (95 % interval {low:.2f}–{high:.2f}), and chance "
                f"is {self.chance:.2f}. What it learned is not shown to beat guessing; it may "
                "be confidently wrong. Tag or label more tracks per genre, from several albums "
                "or artists, and learn again.")


def fold_group(known: KnownGenre) -> str:
    """What must stay on one side of a split: the album (by album artist, else artist), else
    the artist, else the folder. Tracks of one album share a sound (and the learner takes an
    album's genre as evidence); testing on another album measures the genre."""
    if known.album:
        who = known.album_artist or known.artist or ""
        return f"album:{who.casefold()}|{known.album.casefold()}"
    if known.artist:
        return f"artist:{known.artist.casefold()}"
    return f"folder:{Path(known.path).parent}"


def grouped_folds(classes: list[int], groups: list[str], folds: int
                  ) -> list[tuple[list[int], list[int]]]:
    """Stratified k-fold where no group (album, artist, folder) is on both sides."""
    import warnings

    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():  # "least populated class" is expected in small libraries
        warnings.simplefilter("ignore", UserWarning)
        return [(train.tolist(), test.tolist())
                for train, test in splitter.split(np.zeros(len(classes)), classes, groups)]


def _grouping_words(groups: list[str]) -> str:
    kinds = Counter(g.split(":", 1)[0] for g in set(groups))
    return ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(kinds.items()))


def _subset(inputs: LearnerInputs, rows: np.ndarray, hidden: int) -> LearnerInputs:
    """`inputs` for `rows` only, the first `hidden` of them untaught (no label, no tag)."""
    def pick(values: tuple) -> tuple:
        return tuple(values[r] for r in rows.tolist())

    keep = [None] * hidden
    return replace(inputs, track_ids=inputs.track_ids[rows], vectors=inputs.vectors[rows],
                   anchor=inputs.anchor[rows], not_music=inputs.not_music[rows],
                   user=(*keep, *pick(inputs.user)[hidden:]),
                   tags=(*keep, *pick(inputs.tags)[hidden:]), albums=pick(inputs.albums),
                   artists=pick(inputs.artists), files=pick(inputs.files))


def learn_events(sessions: sessionmaker[Session], model: ModelInUse | None = None, *,
                 folds: int = 5, force: bool = False, config: LearnerConfig = LearnerConfig(),
                 cancel: threading.Event | None = None) -> Events:
    """`learn` for a front end: Learned (the report), then, when it beats chance or `force`,
    the learned genres stored by workflows.review.relearn, the one path that stores them (its
    Relearned, rows with `model`, and the new queue). A LearnError before any event when it
    cannot start; the run's one INFO line at the end."""
    from workflows.review import relearn

    report = learn(sessions, folds=folds, force=force, config=config, cancel=cancel)
    yield Learned(format_learn_report(report), report.stored, report.beats_chance,
                  "" if report.beats_chance else report.refusal())
    changed = 0
    if report.stored:
        for event in relearn(sessions, model, config, quiet=True):
            if isinstance(event, Relearned):
                changed = event.changed
            yield event
    logger.info(  # the run's one INFO line (docs/library.md, The log)
        "learn: %d tracks in %d genres, accuracy %.3f (95%% %.3f-%.3f, chance %.3f, default "
        "%.3f) over %d folds, %s", sum(report.counts.values()), len(report.labels),
        report.track_accuracy, *report.interval, report.chance, report.default_accuracy,
        report.folds, f"stored, {changed} tracks changed" if report.stored else "not stored")


def learn(sessions: sessionmaker[Session], *, folds: int = 5, force: bool = False,
          config: LearnerConfig = LearnerConfig(), cancel: threading.Event | None = None
          ) -> LearnReport:
    """Cross-validate the review learner on the library's taught tracks (labels, else tags);
    report.stored says whether its predictions are to be stored (beats chance, or `force`).
    Every failure the user can act on is a LearnError. Nothing is written here (learn_events
    stores)."""
    with sessions() as session:
        inputs = learner_inputs(session)
        known = {k.track_id: k for k in known_genres(session)}
    teaching = [i for i, (u, t) in enumerate(zip(inputs.user, inputs.tags, strict=True))
                if u or t]
    present = {int(inputs.track_ids[i]) for i in teaching}
    waiting = sum(1 for tid in known if tid not in present)
    skipped = ([f"{waiting} track{'s' if waiting != 1 else ''} with a genre but not classified "
                "yet (nothing stored to learn from): classify them and learn again"]
               if waiting else [])
    truth = [inputs.user[i] or inputs.tags[i] or "" for i in teaching]
    counts = Counter(truth)
    if len(counts) < 2:
        have = ", ".join(f"{g} ({n})" for g, n in counts.most_common()) or "none"
        raise LearnError(f"learning needs classified tracks of at least 2 genres (your labels "
                         f"or the files' genre tags); the library has: {have}."
                         + (f" {skipped[0]}." if skipped else ""))
    groups = [fold_group(known[int(inputs.track_ids[i])]) if int(inputs.track_ids[i]) in known
              else f"track:{int(inputs.track_ids[i])}" for i in teaching]
    k = min(folds, len(set(groups)))
    if k < 2:
        raise LearnError("every track with a genre is in one album, artist or folder: there is "
                         "no music left to test the learning on. Tag tracks from more albums.")
    report = _cross_validate(inputs, np.asarray(teaching), truth, groups, k, config, cancel)
    report.grouping, report.skipped = _grouping_words(groups), skipped
    report.stored = report.beats_chance or force
    return report


def _cross_validate(inputs: LearnerInputs, teaching: np.ndarray, truth: list[str],
                    groups: list[str], k: int, config: LearnerConfig,
                    cancel: threading.Event | None) -> LearnReport:
    """Each fold's genres hidden, found by the learner from the other folds' teachers."""
    labels = sorted(set(truth))
    classes = [labels.index(g) for g in truth]
    units = unit_rows(inputs.vectors)  # centred on the whole library, as relearn does
    rng = np.random.default_rng(0)
    per_fold = -(-MAX_TESTED // k)
    found: list[tuple[int, str | None, str | None, float]] = []  # position, learned, default
    for train, test in grouped_folds(classes, groups, k):
        if cancel is not None and cancel.is_set():
            raise LearnError("cancelled")
        if len(test) > per_fold:
            test = sorted(rng.choice(test, per_fold, replace=False).tolist())
        rows = np.concatenate([teaching[test], teaching[train]])
        state = learn_state(_subset(inputs, rows, len(test)), config, units[rows])
        for j, position in enumerate(test):
            probs = state.probs[j]
            learned = state.labels[int(probs.argmax())] if probs.sum() > 0 else None
            anchor = inputs.anchor[teaching[position]]
            default = inputs.anchor_labels[int(anchor.argmax())] if anchor.sum() > 0 else None
            found.append((position, learned, default, float(probs.max())))
    return _held_out_report(found, truth, groups, labels, k)


def _held_out_report(found: list[tuple[int, str | None, str | None, float]], truth: list[str],
                     groups: list[str], labels: list[str], k: int) -> LearnReport:
    """Accuracy, its interval, chance, recall and confusion of the held-out tracks."""
    from classifier.training.honesty import group_bootstrap_interval, wilson_interval

    hits = [truth[p] == learned for p, learned, _, _ in found]
    confusion = np.zeros((len(labels), len(labels) + 1), dtype=int)
    for p, learned, _, _ in found:
        column = labels.index(learned) if learned in labels else len(labels)
        confusion[labels.index(truth[p]), column] += 1
    wilson = wilson_interval(sum(hits), len(hits))
    boot = group_bootstrap_interval(hits, [groups[p] for p, *_ in found])
    # the wider of the two: albums are not independent tracks, and few albums are not many
    interval = (min(wilson[0], boot[0]), max(wilson[1], boot[1]))
    counts = Counter(truth)
    wrong = [confidence for (_, _, _, confidence), hit in zip(found, hits) if not hit]
    return LearnReport(
        labels, {g: counts[g] for g in labels}, k, len(found), float(np.mean(hits)),
        float(np.mean([truth[p] == default for p, _, default, _ in found])),
        {g: float(confusion[i, i] / max(1, confusion[i].sum())) for i, g in enumerate(labels)},
        confusion.tolist(), interval, max(1 / len(labels), max(counts.values()) / len(truth)),
        wrong_confidence=max(wrong) if wrong else None)


def format_learn_report(report: LearnReport) -> str:
    """Accuracy with its interval next to chance and the default, recall, confusion."""
    width = max(len(g) for g in [*report.labels, "other"]) + 2
    low, high = report.interval
    lines = [f"Accuracy on music it had not been taught: {report.track_accuracy:.3f} "
             f"(95 % interval {low:.3f}–{high:.3f})",
             f"chance: {report.chance:.3f}; the default model alone: "
             f"{report.default_accuracy:.3f}",
             f"({report.tested} tracks held out over {report.folds} folds; tracks of one "
             f"album, artist or folder kept together: {report.grouping})"]
    if report.wrong_confidence is not None:
        lines.append(f"Highest confidence on a wrong held-out answer: "
                     f"{report.wrong_confidence:.0%}")
    lines += ["", f"{'genre':<{width}}{'tracks':>7}{'recall':>9}"]
    lines += [f"{g:<{width}}{report.counts[g]:>7}{report.per_genre[g]:>9.3f}"
              for g in report.labels]
    lines += ["", "confusion (rows: true genre, columns: learned; other: a genre not taught)",
              " " * width + "".join(f"{g[:6]:>7}" for g in [*report.labels, "other"])]
    lines += [f"{g:<{width}}" + "".join(f"{n:>7}" for n in row)
              for g, row in zip(report.labels, report.confusion)]
    lines += [f"skipped: {s}" for s in report.skipped]
    if report.stored and not report.beats_chance:
        lines.append("\nWARNING: stored although not shown to beat guessing; it may be "
                     "confidently wrong.")
    return "\n".join(lines)
