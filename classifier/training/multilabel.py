"""Multi-label tagging: multi-hot targets, sigmoid/BCE training, ROC-AUC and PR-AUC per tag.

As in the VGGish/MagnaTagATune project: a clip may carry any number of tags; the net's outputs
are independent sigmoids trained with binary cross-entropy (train.task_loss picks it for
multi-hot targets), and each tag is scored by the areas under its ROC and precision-recall
curves, at clip level and at track level (mean of a track's clip probabilities).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from classifier.training.datasets import LabelledTrack
from classifier.training.experiment import PreparedData
from classifier.inputs import ClipSet, InputSpec, cut_clips
from classifier.nets.registry import NetSpec
from classifier.scratch_bundle import ScratchBundle
from classifier.training.train import (
    TrainConfig,
    TrainResult,
    choose_device,
    config_dict,
    fit,
    seed_everything,
)


@dataclass
class TagReport:
    """Per-tag ROC-AUC and PR-AUC (None where a tag is all-positive or all-negative)."""

    labels: list[str]
    per_tag: dict[str, dict[str, float | None]]
    macro: dict[str, float | None]
    n_clips: int
    n_tracks: int
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def tag_vocabulary(tracks: Sequence[LabelledTrack], indices: Sequence[int]) -> list[str]:
    """The sorted tags of the tracks `indices`."""
    return sorted({tag for i in indices for tag in tracks[i].tags})


def multi_hot(tracks: Sequence[LabelledTrack], indices: Sequence[int],
              labels: Sequence[str]) -> dict[int, np.ndarray]:
    """Per track index, a float32 0/1 row over `labels` (tags outside `labels` are ignored)."""
    index_of = {label: k for k, label in enumerate(labels)}
    rows = {}
    for i in indices:
        row = np.zeros(len(labels), dtype=np.float32)
        row[[index_of[t] for t in tracks[i].tags if t in index_of]] = 1.0
        rows[i] = row
    return rows


def tag_clip_set(features: Mapping[int, np.ndarray], indices: Sequence[int],
                 targets: Mapping[int, np.ndarray], spec: InputSpec) -> ClipSet:
    """Like inputs.clip_set, with each clip's target the (C,) multi-hot row of its track."""
    xs, ys, owners = [], [], []
    for i in indices:
        if i in features:
            clips = cut_clips(features[i], spec)
            xs.append(clips)
            ys.append(np.repeat(targets[i][None], len(clips), axis=0))
            owners.append(np.full(len(clips), i, dtype=np.int64))
    if not xs:
        raise ValueError("no clips: none of the tracks has usable audio")
    return ClipSet(np.concatenate(xs)[:, None], np.concatenate(ys), np.concatenate(owners))


def train_tagger(
    net: NetSpec, data: PreparedData, train_idx: Sequence[int], valid_idx: Sequence[int],
    config: TrainConfig,
) -> tuple[ScratchBundle, TrainResult]:
    """Train `net` with one sigmoid output per tag of the training tracks."""
    usable = [i for i in train_idx if i in data.features]
    labels = tag_vocabulary(data.tracks, usable)
    if not labels:
        raise ValueError("multi-label training needs tracks with tags (CSV 'tags' column)")
    targets = multi_hot(data.tracks, [*train_idx, *valid_idx], labels)
    train = tag_clip_set(data.features, usable, targets, data.spec)
    valid_usable = [i for i in valid_idx if i in data.features]
    valid = tag_clip_set(data.features, valid_usable, targets, data.spec) if valid_usable else None
    mean, std = float(train.x.mean()), float(train.x.std()) or 1.0
    if config.seed is not None:
        seed_everything(config.seed)
    model = net.create(len(labels))
    if hasattr(model, "fit_direct"):
        raise ValueError(f"{net.name} cannot be trained multi-label")
    if hasattr(model, "fit_input"):
        model.fit_input(train.x)
        mean, std = 0.0, 1.0
    result = fit(model, train, valid, config, mean=mean, std=std)
    info = {"training": config_dict(config), "history": result.history,
            "best_epoch": result.best_epoch, "train_seconds": round(result.seconds, 2),
            "train_tracks": len(usable), "train_clips": len(train)}
    bundle = ScratchBundle(net=net.name, model=model.cpu(), labels=labels,
                           input_spec=net.input_spec, mean=mean, std=std, info=info,
                           multi_label=True)
    return bundle, result


def evaluate_tagger(bundle: ScratchBundle, data: PreparedData,
                    test_idx: Sequence[int]) -> TagReport:
    """Per-tag ROC-AUC and PR-AUC of a multi-label bundle on the tracks `test_idx`."""
    errors = [f"{data.tracks[i].path}: {data.errors[i]}" for i in test_idx if i in data.errors]
    usable = [i for i in test_idx if i in data.features]
    targets = multi_hot(data.tracks, usable, bundle.labels)
    clips = tag_clip_set(data.features, usable, targets, data.spec)
    probs = bundle.predict_clips(clips.x, device=choose_device())
    return tag_report(probs, clips.y, clips.track, bundle.labels, errors)


def tag_report(probs: np.ndarray, truth: np.ndarray, owners: np.ndarray,
               labels: Sequence[str], errors: Sequence[str] = ()) -> TagReport:
    """ROC-AUC and PR-AUC per tag from clip probabilities and multi-hot truth (both (N, C))."""
    tracks = np.unique(owners)
    track_probs = np.stack([probs[owners == t].mean(axis=0) for t in tracks])
    track_truth = np.stack([truth[owners == t][0] for t in tracks])
    per_tag = {}
    for k, label in enumerate(labels):
        per_tag[label] = {
            "clip_roc_auc": _auc("roc", truth[:, k], probs[:, k]),
            "clip_pr_auc": _auc("pr", truth[:, k], probs[:, k]),
            "track_roc_auc": _auc("roc", track_truth[:, k], track_probs[:, k]),
            "track_pr_auc": _auc("pr", track_truth[:, k], track_probs[:, k]),
            "positives": int(track_truth[:, k].sum()),
        }
    macro = {key: _mean([row[key] for row in per_tag.values()])
             for key in ("clip_roc_auc", "clip_pr_auc", "track_roc_auc", "track_pr_auc")}
    return TagReport(list(labels), per_tag, macro, len(probs), len(tracks), list(errors))


def _auc(kind: str, truth: np.ndarray, scores: np.ndarray) -> float | None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    if truth.min() == truth.max():  # undefined without both positives and negatives
        return None
    metric = roc_auc_score if kind == "roc" else average_precision_score
    return float(metric(truth, scores))


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


def format_tag_report(report: TagReport) -> str:
    """A human-readable per-tag table with the macro averages last."""
    def cell(value: float | None) -> str:
        return f"{value:>9.3f}" if value is not None else f"{'–':>9}"

    keys = ("clip_roc_auc", "clip_pr_auc", "track_roc_auc", "track_pr_auc")
    lines = [f"clips: {report.n_clips}   tracks: {report.n_tracks}",
             f"{'tag':<16}{'clip ROC':>9}{'clip PR':>9}{'trk ROC':>9}{'trk PR':>9}{'pos':>5}"]
    for label, row in report.per_tag.items():
        lines.append(f"{label:<16}{''.join(cell(row[k]) for k in keys)}{row['positives']:>5d}")
    lines.append(f"{'macro':<16}{''.join(cell(report.macro[k]) for k in keys)}")
    lines += [f"skipped: {error}" for error in report.errors]
    return "\n".join(lines)


def tag_compare_table(rows: Sequence[tuple[str, Sequence[TagReport]]]) -> str:
    """Markdown table: one row per multi-label model, macro AUCs (mean ± std over reports)."""
    header = ("| model | ROC-AUC (clip) | PR-AUC (clip) | ROC-AUC (track) | PR-AUC (track) "
              "| folds |\n|---|---|---|---|---|---|")
    body = []
    for name, reports in rows:
        cells = []
        for key in ("clip_roc_auc", "clip_pr_auc", "track_roc_auc", "track_pr_auc"):
            values = [r.macro[key] for r in reports if r.macro[key] is not None]
            cells.append("–" if not values else f"{np.mean(values):.3f}"
                         + (f" ± {np.std(values):.3f}" if len(values) > 1 else ""))
        body.append(f"| {name} | {' | '.join(cells)} | {len(reports)} |")
    return "\n".join([header, *body])
