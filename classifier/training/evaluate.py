"""Metrics of a genre classifier: clip and track accuracy, per-genre precision/recall,
confusion matrices (JSON and PNG), and the papers' side-by-side tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class EvalReport:
    """The measured figures of one model on one set of tracks."""

    labels: list[str]
    clip_accuracy: float
    track_accuracy_max_prob: float
    track_accuracy_vote: float
    per_genre: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: true genre, columns: predicted (track level, max prob)
    n_clips: int
    n_tracks: int
    errors: list[str] = field(default_factory=list)
    # confidence bucket -> tracks, accuracy, mean confidence (track level, mean clip probability)
    reliability: list[dict[str, float]] = field(default_factory=list)
    ece: float = 0.0  # expected calibration error over those buckets
    not_music: int = 0  # tracks (all music here) the bundle's music gate would call not music

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def track_decisions(
    probs: np.ndarray, owners: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(track ids, max-probability choice, majority-vote choice), one entry per track.

    Max probability: the genre with the highest mean probability over the track's clips.
    Majority vote: the genre most clips chose; a tie goes to the tied genre with the higher
    mean probability.
    """
    tracks = np.unique(owners)
    by_prob, by_vote = [], []
    for track in tracks:
        mean_prob = probs[owners == track].mean(axis=0)
        votes = np.bincount(probs[owners == track].argmax(axis=1), minlength=probs.shape[1])
        tied = np.flatnonzero(votes == votes.max())
        by_prob.append(int(mean_prob.argmax()))
        by_vote.append(int(tied[mean_prob[tied].argmax()]))
    return tracks, np.array(by_prob, dtype=np.int64), np.array(by_vote, dtype=np.int64)


def reliability(probs: np.ndarray, truth: np.ndarray,
                buckets: int = 10) -> tuple[list[dict[str, float]], float]:
    """Per confidence bucket (lo, hi]: count, accuracy, mean confidence; and the ECE.

    Confidence is the top probability; ECE = sum over buckets of share x |accuracy - confidence|.
    """
    confidence, hit = probs.max(axis=1), probs.argmax(axis=1) == truth
    rows, ece = [], 0.0
    edges = np.linspace(0.0, 1.0, buckets + 1)
    for lo, hi in pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi) if lo > 0 else confidence <= hi
        if inside.any():
            accuracy, mean = float(hit[inside].mean()), float(confidence[inside].mean())
            rows.append({"low": float(lo), "high": float(hi), "count": int(inside.sum()),
                         "accuracy": accuracy, "confidence": mean})
            ece += float(inside.mean()) * abs(accuracy - mean)
    return rows, float(ece)


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts with true classes as rows and predicted classes as columns."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def precision_recall(matrix: np.ndarray, labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per-genre precision, recall and support; 0.0 where a genre was never predicted/present."""
    hits = np.diag(matrix).astype(float)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    return {
        label: {
            "precision": float(hits[i] / predicted[i]) if predicted[i] else 0.0,
            "recall": float(hits[i] / actual[i]) if actual[i] else 0.0,
            "support": int(actual[i]),
        }
        for i, label in enumerate(labels)
    }


def evaluate_probabilities(
    probs: np.ndarray,
    clip_truth: np.ndarray,
    owners: np.ndarray,
    labels: Sequence[str],
    errors: Sequence[str] = (),
) -> EvalReport:
    """All metrics from clip probabilities (N, C), clip true classes and clip owner tracks."""
    if len(probs) == 0:
        raise ValueError("nothing to evaluate: no clips")
    tracks, by_prob, by_vote = track_decisions(probs, owners)
    track_truth = np.array([clip_truth[owners == t][0] for t in tracks])
    matrix = confusion_matrix(track_truth, by_prob, len(labels))
    buckets, ece = reliability(np.stack([probs[owners == t].mean(axis=0) for t in tracks]),
                               track_truth)
    return EvalReport(
        labels=list(labels),
        clip_accuracy=float((probs.argmax(axis=1) == clip_truth).mean()),
        track_accuracy_max_prob=float((by_prob == track_truth).mean()),
        track_accuracy_vote=float((by_vote == track_truth).mean()),
        per_genre=precision_recall(matrix, labels),
        confusion=matrix.tolist(),
        n_clips=len(probs),
        n_tracks=len(tracks),
        errors=list(errors),
        reliability=buckets,
        ece=ece,
    )


def format_report(report: EvalReport) -> str:
    """A human-readable summary: accuracies, then per-genre precision/recall."""
    lines = [
        f"clips: {report.n_clips}   tracks: {report.n_tracks}",
        f"raw (clip) accuracy:          {report.clip_accuracy:.3f}",
        f"track accuracy, max prob:     {report.track_accuracy_max_prob:.3f}",
        f"track accuracy, majority vote: {report.track_accuracy_vote:.3f}",
        "",
        f"{'genre':<14}{'precision':>10}{'recall':>8}{'tracks':>8}",
    ]
    for label, row in report.per_genre.items():
        lines.append(
            f"{label:<14}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['support']:>8d}"
        )
    lines += ["", format_reliability(report),
              f"music gate: {report.not_music} of {report.n_tracks} tracks called not music"]
    lines += [f"skipped: {error}" for error in report.errors]
    return "\n".join(lines)


def format_reliability(report: EvalReport) -> str:
    """The reliability table: per confidence bucket, tracks, accuracy and mean confidence."""
    lines = [f"calibration (track level): expected calibration error {report.ece:.3f}",
             f"{'confidence':<14}{'tracks':>7}{'accuracy':>10}{'mean conf':>11}"]
    for row in report.reliability:
        lines.append(f"({row['low']:.1f}, {row['high']:.1f}]{row['count']:>9d}"
                     f"{row['accuracy']:>10.3f}{row['confidence']:>11.3f}")
    return "\n".join(lines)


def compare_table(rows: Sequence[tuple[str, Sequence[EvalReport], float | None]]) -> str:
    """Markdown table like the papers': one row per model, mean ± std over its reports."""
    header = ("| model | raw (clip) | max-prob (track) | majority vote (track) | folds "
              "| train time |\n|---|---|---|---|---|---|")
    body = []
    for name, reports, seconds in rows:
        cells = [
            _mean_std([getattr(r, key) for r in reports])
            for key in ("clip_accuracy", "track_accuracy_max_prob", "track_accuracy_vote")
        ]
        time_cell = f"{seconds:.0f} s" if seconds is not None else "–"
        body.append(f"| {name} | {' | '.join(cells)} | {len(reports)} | {time_cell} |")
    return "\n".join([header, *body])


def _mean_std(values: Sequence[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def save_report(report: EvalReport, directory: Path, title: str) -> tuple[Path, Path]:
    """Write evaluation.json, confusion.png and reliability.png; returns the first two paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    json_path, png_path = directory / "evaluation.json", directory / "confusion.png"
    json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    write_confusion_png(np.array(report.confusion), report.labels, png_path, title)
    write_reliability_png(report, directory / "reliability.png", title)
    return json_path, png_path


def write_reliability_png(report: EvalReport, path: Path, title: str) -> None:
    """The reliability diagram: accuracy per confidence bucket against the diagonal."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    try:
        ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", label="perfect calibration")
        for row in report.reliability:
            ax.bar(row["low"], row["accuracy"], width=row["high"] - row["low"], align="edge",
                   color="#4c78a8", edgecolor="white")
            ax.text((row["low"] + row["high"]) / 2, row["accuracy"] + 0.02, str(row["count"]),
                    ha="center", fontsize=7)
        ax.plot([r["confidence"] for r in report.reliability],
                [r["accuracy"] for r in report.reliability], "o", color="#f58518",
                label="accuracy at mean confidence")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.08)
        ax.set_xlabel("confidence (top probability)")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{title}\nECE {report.ece:.3f}", fontsize=9)
        ax.legend(loc="upper left", fontsize=7)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)


def write_confusion_png(matrix: np.ndarray, labels: Sequence[str], path: Path, title: str) -> None:
    """Render the confusion matrix with labelled axes and a count in every cell."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    from matplotlib import pyplot as plt

    size = max(4.0, 0.55 * len(labels) + 2.0)
    fig, ax = plt.subplots(figsize=(size, size), dpi=100)
    try:
        ax.imshow(matrix, cmap="Blues", vmin=0)
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)
        threshold = matrix.max() / 2 if matrix.size else 0
        for (row, col), count in np.ndenumerate(matrix):
            ax.text(col, row, str(count), ha="center", va="center",
                    color="white" if count > threshold else "black", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
