"""Learn my genres: a head trained on the library's tracks whose genres are known.

library/ gives the tracks and their normalised genres (and cached track embeddings);
classifier/ embeds the other tracks clip by clip and trains the head; this module joins them,
cross-validates, and saves a bundle that `classify` and the GUI find by name.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from library.records import KnownGenre

CACHED_EMBEDDING = "broad"  # the broad bundle stores its first backbone's (musicnn-msd) mean
BACKBONE = "msd"
Progress = Callable[[int, int, str], None]
logger = logging.getLogger(__name__)


class LearnError(Exception):
    """Learning cannot start or finish; the message says why in the user's terms."""


@dataclass
class LearnReport:
    """What was learned and how well it did on music it had not heard (grouped folds)."""

    labels: list[str]
    counts: dict[str, int]  # tracks per kept genre
    dropped: dict[str, int]  # genres with too few tracks
    folds: int
    track_accuracy: float  # pooled over every held-out track
    per_genre: dict[str, float]  # recall over all held-out tracks
    confusion: list[list[int]]  # summed over folds; rows true, columns predicted
    interval: tuple[float, float] = (0.0, 1.0)  # 95 % interval of track_accuracy
    chance: float = 0.0  # what guessing gets: 1/genres, or the biggest genre's share if more
    grouping: str = ""  # what the folds kept together ("4 albums, 2 folders")
    temperature: float = 1.0  # the calibration fitted on held-out folds, saved in the bundle
    wrong_confidence: float | None = None  # highest calibrated confidence on a wrong answer
    bundle: Path | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def beats_chance(self) -> bool:
        """Whether even the interval's lower end is above what guessing gets."""
        return self.interval[0] > self.chance

    def refusal(self) -> str:
        """Why a model that does not beat chance is not saved, in words."""
        low, high = self.interval
        return (f"not saved: accuracy on music it had not heard is {self.track_accuracy:.2f} "
                f"(95 % interval {low:.2f}–{high:.2f}), and chance is {self.chance:.2f}. This "
                "model is not shown to beat guessing; it may be confidently wrong. Tag more "
                "tracks per genre, from several albums or artists, and learn again.")


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
    from library.genre_names import canonical_genre
    from library.labels import genre_counts, known_genres
    from library.predictions import embedding_for_track

    # the app's one spelling ("Hip Hop" and "hiphop" are "Hip-Hop"), as the sidebar shows it
    known = [replace(k, genre=canonical_genre(k.genre)) for k in known_genres(session)]
    counts = genre_counts(known)
    kept = {g for g, n in counts.items() if n >= min_examples}
    if len(kept) < 2:
        have = ", ".join(f"{g} ({n})" for g, n in counts.most_common()) or "none"
        raise LearnError(f"learning needs at least 2 genres with {min_examples} or more tracks "
                         f"each; the library's known genres are: {have}. Tag or label more "
                         f"tracks, or lower the minimum tracks per genre.")
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
    force: bool = False,
) -> LearnReport:
    """Cross-validate a head on the library's known genres, then train on all and save it;
    a head not shown to beat chance is saved only when `force` (report.bundle stays None).
    `device` is the user's word (auto, cpu, cuda, cuda:N, mps). Every failure the user can
    act on is a LearnError, so a front end needs no classifier error types to report it."""
    from classifier.bundle_spec import NAME_PATTERN, BundleError, user_bundles_dir
    from classifier.model import DeviceError, choose_device

    if not NAME_PATTERN.match(name):
        raise LearnError(f"bundle name {name!r}: use letters, digits, '-', '_' and '.'")
    try:
        device = choose_device(device)
        return _learn(sessions, min_examples, out or user_bundles_dir() / name, name, folds,
                      clips, device, progress, cancel, force)
    except (BundleError, DeviceError) as exc:
        raise LearnError(str(exc)) from exc


def _learn(sessions: sessionmaker[Session], min_examples: int, folder: Path, name: str,
           folds: int, clips: int, device: str, progress: Progress | None,
           cancel: threading.Event | None, force: bool) -> LearnReport:
    """learn's steps: gather, embed what is not cached, cross-validate, train and save."""
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
    report = _train_and_save(usable, vectors, folds, folder, name, force)
    report.dropped, report.skipped = dropped, skipped
    logger.info(  # the run's one INFO line (docs/library.md, The log)
        "learn: %d tracks in %d genres, accuracy %.3f (95%% %.3f-%.3f, chance %.3f) over %d "
        "folds, %s", sum(report.counts.values()), len(report.labels), report.track_accuracy,
        *report.interval, report.chance, report.folds,
        f"saved {report.bundle}" if report.bundle else "not saved")
    return report


def fold_group(known: KnownGenre) -> str:
    """What must stay on one side of a split: the album (by album artist, else artist), else
    the artist, else the folder. Tracks of one album share a sound the model could learn
    instead of the genre; testing on another album measures the genre."""
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


def _train_and_save(usable: list[KnownGenre], vectors: dict[int, np.ndarray], folds: int,
                    folder: Path, name: str, force: bool) -> LearnReport:
    from classifier.training.heads_train import HeadConfig, clip_rows, out_of_fold_logits

    labels = sorted({k.genre for k in usable})
    counts = {g: sum(k.genre == g for k in usable) for g in labels}
    if len(labels) < 2 or min(counts.values()) < 2:
        raise LearnError(f"too few readable tracks to learn from: {counts}")
    groups = [fold_group(k) for k in usable]
    k = min(folds, min(counts.values()), len(set(groups)))
    if k < 2:
        raise LearnError("every track is in one album, artist or folder: there is no music "
                         "left to test the model on. Tag tracks from more albums.")
    embeddings = [vectors[u.track_id] for u in usable]
    classes = [labels.index(u.genre) for u in usable]
    config = HeadConfig()
    splits = grouped_folds(classes, groups, k)
    oof = out_of_fold_logits(embeddings, classes, len(labels), splits, config)
    report = _held_out_report(oof, classes, groups, splits, labels, counts)
    report.folds, report.grouping = k, _grouping_words(groups)
    if not (report.beats_chance or force):
        return report
    from classifier.training.heads_train import save_head_bundle, train_head

    x, owners = clip_rows(embeddings, range(len(usable)))
    head = train_head(x, np.asarray(classes)[owners], len(labels), config)
    low, high = report.interval
    description = (f"learned from {len(usable)} tracks of your library ({', '.join(labels)}); "
                   f"{k}-fold accuracy {report.track_accuracy:.2f} (95 % {low:.2f}–{high:.2f}, "
                   f"chance {report.chance:.2f}) on music it had not heard"
                   + ("" if report.beats_chance else "; NOT shown to beat chance (saved with "
                      "force)"))
    report.bundle = save_head_bundle(folder, name=name, description=description, labels=labels,
                                     head=head, config=config, backbone=BACKBONE,
                                     temperature=report.temperature)
    return report


def _held_out_report(oof: list[np.ndarray], classes: list[int], groups: list[str],
                     splits: list[tuple[list[int], list[int]]], labels: list[str],
                     counts: dict[str, int]) -> LearnReport:
    """Accuracy, its interval, chance, recall, confusion and calibration of held-out tracks."""
    from classifier.training.honesty import (
        calibrate,
        group_bootstrap_interval,
        track_probabilities,
        wilson_interval,
    )

    truth = np.asarray(classes)
    # each fold's confidence is calibrated on the other folds: the figures stay held out
    probs = np.zeros((len(truth), len(labels)))
    for train, test in splits:
        t = calibrate([oof[i] for i in train], truth[train])
        probs[test] = track_probabilities([oof[i] for i in test], t)
    predicted = probs.argmax(axis=1)
    hits = predicted == truth
    confusion = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(confusion, (truth, predicted), 1)
    wilson = wilson_interval(int(hits.sum()), len(hits))
    boot = group_bootstrap_interval(hits.tolist(), groups)
    # the wider of the two: albums are not independent tracks, and few albums are not many
    interval = (min(wilson[0], boot[0]), max(wilson[1], boot[1]))
    chance = max(1 / len(labels), max(counts.values()) / len(truth))
    wrong = probs[~hits].max(axis=1) if (~hits).any() else None
    return LearnReport(
        labels, counts, {}, 0, float(hits.mean()),
        {g: float(confusion[i, i] / confusion[i].sum()) for i, g in enumerate(labels)},
        confusion.tolist(), interval, chance, temperature=calibrate(oof, truth),
        wrong_confidence=None if wrong is None else float(wrong.max()))


def format_learn_report(report: LearnReport) -> str:
    """Accuracy with its interval next to chance, per-genre recall, the confusion matrix."""
    width = max(len(g) for g in report.labels) + 2
    low, high = report.interval
    lines = [f"Accuracy on music it had not heard: {report.track_accuracy:.3f} "
             f"(95 % interval {low:.3f}–{high:.3f}); chance: {report.chance:.3f}",
             f"({report.folds} folds; tracks of one album, artist or folder kept together: "
             f"{report.grouping})"]
    if report.wrong_confidence is not None:
        lines.append(f"Highest confidence on a wrong held-out answer (calibrated): "
                     f"{report.wrong_confidence:.0%}")
    lines += ["", f"{'genre':<{width}}{'tracks':>7}{'recall':>9}"]
    lines += [f"{g:<{width}}{report.counts[g]:>7}{report.per_genre[g]:>9.3f}"
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
        if not report.beats_chance:
            lines.append("WARNING: this model is not shown to beat guessing; it may be "
                         "confidently wrong.")
    return "\n".join(lines)
