"""Evaluate a pretrained-backbone bundle (tag_map, linear or mlp head) on labelled audio.

Clips are decoded and featurised by the pipeline's own code (audio.py, features.py), so the
figures are those `classify` would give. A dataset's genres are matched to the bundle's labels
ignoring case, spaces and punctuation ("hiphop" = "Hip-Hop"); tracks of genres the bundle does
not have are skipped and listed, and the decision is made among the matched labels only.
A multi-label bundle ("tags") is scored per tag instead, against the CSV's `tags` column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from classifier.clip_outputs import clip_outputs
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


def evaluate_pretrained(
    bundle, tracks: Sequence[LabelledTrack], test_idx: Sequence[int], *, clips: int = 5,
    device: str = "cpu",
) -> EvalReport:
    """Clip and track metrics of `bundle` (classifier.bundle.Bundle) on tracks `test_idx`."""
    mapping = label_mapping(sorted({tracks[i].genre for i in test_idx}), bundle.labels)
    if not mapping:
        raise ValueError(f"no genre of the data matches a label of {bundle.name}")
    columns = sorted(set(mapping.values()))
    labels = [bundle.labels[c] for c in columns]
    errors = [f"{tracks[i].path}: genre {tracks[i].genre!r} is not one {bundle.name} knows"
              for i in test_idx if tracks[i].genre not in mapping]
    kept = [i for i in test_idx if tracks[i].genre in mapping]
    probs, truth, owners, gated = [], [], [], 0
    threshold = bundle.music_threshold
    for out in clip_outputs([tracks[i].path for i in kept], bundle.model, bundle.preprocessing,
                            clips=clips, device=device):
        track = kept[out.index]
        if out.error is not None:
            errors.append(f"{out.path}: {out.error}")
            continue
        probs.append(out.probabilities[:, columns])
        truth += [columns.index(mapping[tracks[track].genre])] * len(out.probabilities)
        owners += [track] * len(out.probabilities)
        gated += out.music is not None and threshold is not None and out.music.mean() < threshold
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


def evaluate_pretrained_tags(
    bundle, tracks: Sequence[LabelledTrack], test_idx: Sequence[int], *, clips: int = 5,
    device: str = "cpu",
) -> TagReport:
    """ROC-AUC and PR-AUC per tag of a multi-label bundle, over the tags the data uses.

    Tags are the tracks' `tags` (CSV column); a track without tags is a negative for every tag.
    """
    truth = tag_truth(tracks, bundle.labels)
    used = sorted({k for i in test_idx for k in np.flatnonzero(truth[i])})
    if not used:
        raise ValueError(f"no track has a tag {bundle.name} knows (tags come from a CSV "
                         "'tags' column, ';'-separated)")
    probs, rows, owners, errors = [], [], [], []
    for out in clip_outputs([tracks[i].path for i in test_idx], bundle.model, bundle.preprocessing,
                            clips=clips, device=device):
        if out.error is not None:
            errors.append(f"{out.path}: {out.error}")
            continue
        track = test_idx[out.index]
        probs.append(out.probabilities[:, used])
        rows.append(np.repeat(truth[track][None, used], len(out.probabilities), axis=0))
        owners += [track] * len(out.probabilities)
    if not probs:
        raise ValueError("no track could be decoded")
    return tag_report(np.concatenate(probs), np.concatenate(rows), np.array(owners),
                      [bundle.labels[k] for k in used], errors)
