"""Evaluate a bundle of any kind (classifier/bundles.py opens it) on labelled audio.

The clips are those the bundle's own `predict` runs (GenreModel, classifier/model.py), so
the figures are those `classify` would give, whatever the kind. A dataset's genres are matched
to the bundle's labels ignoring case, spaces and punctuation ("hiphop" = "Hip-Hop"); tracks of
genres the bundle does not have are skipped and listed, and the decision is made among the
matched labels only. A multi-label bundle ("tags") is scored per tag instead, against the
CSV's `tags` column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np

from classifier.model import GenreModel, TrackInput, TrackPrediction
from classifier.training.datasets import LabelledTrack
from classifier.training.evaluate import EvalReport, evaluate_probabilities
from classifier.training.multilabel import TagReport, tag_report


def genre_key(genre: str) -> str:
    """A genre name reduced for matching: case-folded, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", genre.casefold().replace("&", "n"))


def label_mapping(genres: Sequence[str], labels: Sequence[str]) -> dict[str, int]:
    """Dataset genre -> bundle label index, for the genres that match a label."""
    index = {genre_key(label): i for i, label in enumerate(labels)}
    return {g: index[genre_key(g)] for g in genres if genre_key(g) in index}


def _predicted(model: GenreModel, tracks: Sequence[LabelledTrack], indices: Sequence[int],
               clips: int, device: str) -> Iterator[tuple[int, TrackPrediction]]:
    """(track index, its prediction) through the model's own pipeline, in any order."""
    inputs = (TrackInput(i, str(tracks[i].path)) for i in indices)
    for result in model.predict(inputs, device=device, clips=clips):
        yield int(result.key), result  # type: ignore[call-overload]


def evaluate_model(
    model: GenreModel, tracks: Sequence[LabelledTrack], test_idx: Sequence[int], *,
    clips: int = 5, device: str = "cpu",
) -> EvalReport:
    """Clip and track metrics of a genre bundle of any kind on tracks `test_idx`."""
    mapping = label_mapping(sorted({tracks[i].genre for i in test_idx}), model.labels)
    if not mapping:
        raise ValueError(f"no genre of the data matches a label of {model.name}")
    columns = sorted(set(mapping.values()))
    labels = [model.labels[c] for c in columns]
    errors = [f"{tracks[i].path}: genre {tracks[i].genre!r} is not one {model.name} knows"
              for i in test_idx if tracks[i].genre not in mapping]
    kept = [i for i in test_idx if tracks[i].genre in mapping]
    probs, truth, owners, gated = [], [], [], 0
    for track, out in _predicted(model, tracks, kept, clips, device):
        if out.error is not None:
            errors.append(f"{out.path}: {out.error}")
            continue
        count = len(out.clip_probabilities)
        probs.append(out.clip_probabilities[:, columns])
        truth += [columns.index(mapping[tracks[track].genre])] * count
        owners += [track] * count
        gated += out.not_music
    if not probs:
        raise ValueError("no track could be decoded")
    report = evaluate_probabilities(np.concatenate(probs), np.array(truth), np.array(owners),
                                    labels, errors)
    report.not_music = int(gated)
    return report


def tag_truth(tracks: Sequence[LabelledTrack], labels: Sequence[str]) -> dict[int, np.ndarray]:
    """Per track index, a 0/1 row over `labels`; a track's tags match labels ignoring case."""
    index = {label.casefold(): k for k, label in enumerate(labels)}
    rows = {}
    for i, track in enumerate(tracks):
        row = np.zeros(len(labels), dtype=np.float32)
        row[[index[t.casefold()] for t in track.tags if t.casefold() in index]] = 1.0
        rows[i] = row
    return rows


def evaluate_model_tags(
    model: GenreModel, tracks: Sequence[LabelledTrack], test_idx: Sequence[int], *,
    clips: int = 5, device: str = "cpu",
) -> TagReport:
    """ROC-AUC and PR-AUC per tag of a multi-label bundle, over the tags the data uses.

    Tags are the tracks' `tags` (CSV column); a track without tags is a negative for every tag.
    """
    truth = tag_truth(tracks, model.labels)
    used = sorted({k for i in test_idx for k in np.flatnonzero(truth[i])})
    if not used:
        raise ValueError(f"no track has a tag {model.name} knows (tags come from a CSV "
                         "'tags' column, ';'-separated)")
    probs, rows, owners, errors = [], [], [], []
    for track, out in _predicted(model, tracks, test_idx, clips, device):
        if out.error is not None:
            errors.append(f"{out.path}: {out.error}")
            continue
        count = len(out.clip_probabilities)
        probs.append(out.clip_probabilities[:, used])
        rows.append(np.repeat(truth[track][None, used], count, axis=0))
        owners += [track] * count
    if not probs:
        raise ValueError("no track could be decoded")
    return tag_report(np.concatenate(probs), np.concatenate(rows), np.array(owners),
                      [model.labels[k] for k in used], errors)
