"""Evaluation metrics on a hand-worked example, and the files evaluate writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifier.training.evaluate import (
    compare_table,
    evaluate_probabilities,
    format_report,
    save_report,
    track_decisions,
)

LABELS = ["a", "b", "c"]
# Four tracks; the comments give each clip's argmax and each track's worked-out decisions.
PROBS = np.array([
    [0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.5, 0.1, 0.4],  # track 0, true a: clips a b a
    [0.4, 0.35, 0.25], [0.45, 0.3, 0.25], [0.0, 1.0, 0.0],  # track 1, true b: clips a a b
    [0.1, 0.2, 0.7], [0.3, 0.4, 0.3],  # track 2, true c: clips c b (vote tie)
    [0.2, 0.5, 0.3], [0.3, 0.4, 0.3],  # track 3, true c: clips b b
])
OWNERS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 3, 3])
TRUTH = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])


def test_track_decisions_by_max_probability_and_by_vote() -> None:
    tracks, by_prob, by_vote = track_decisions(PROBS, OWNERS)
    assert tracks.tolist() == [0, 1, 2, 3]
    # Track 1: mean (0.283, 0.55, 0.167) picks b, but two of three clips vote a.
    # Track 2: votes tie b/c; the tie goes to c, whose mean probability (0.5) beats b's (0.3).
    assert by_prob.tolist() == [0, 1, 2, 1]
    assert by_vote.tolist() == [0, 0, 2, 1]


def test_accuracies_precision_recall_and_confusion_by_hand() -> None:
    report = evaluate_probabilities(PROBS, TRUTH, OWNERS, LABELS)
    assert report.clip_accuracy == pytest.approx(4 / 10)  # clips right: 2 + 1 + 1 + 0
    assert report.track_accuracy_max_prob == pytest.approx(3 / 4)
    assert report.track_accuracy_vote == pytest.approx(2 / 4)
    assert report.confusion == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert report.per_genre == {
        "a": {"precision": 1.0, "recall": 1.0, "support": 1},
        "b": {"precision": 0.5, "recall": 1.0, "support": 1},
        "c": {"precision": 1.0, "recall": 0.5, "support": 2},
    }
    assert (report.n_clips, report.n_tracks) == (10, 4)


def test_genre_never_predicted_has_zero_precision_not_a_crash() -> None:
    probs = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0]])
    report = evaluate_probabilities(probs, np.array([0, 1]), np.array([0, 1]), LABELS)
    assert report.per_genre["b"] == {"precision": 0.0, "recall": 0.0, "support": 1}
    assert report.per_genre["c"] == {"precision": 0.0, "recall": 0.0, "support": 0}
    assert report.per_genre["a"]["precision"] == 0.5


def test_nothing_to_evaluate_is_an_error() -> None:
    with pytest.raises(ValueError, match="no clips"):
        evaluate_probabilities(np.empty((0, 3)), np.empty(0, int), np.empty(0, int), LABELS)


def test_saved_json_and_png_hold_the_report(tmp_path: Path) -> None:
    report = evaluate_probabilities(PROBS, TRUTH, OWNERS, LABELS, errors=["x.mp3: unreadable"])
    json_path, png_path = save_report(report, tmp_path / "out", "hand example")
    assert json.loads(json_path.read_text()) == report.to_dict()
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = format_report(report)
    assert "0.750" in text and "skipped: x.mp3: unreadable" in text


def test_compare_table_shows_mean_and_std_over_folds() -> None:
    fold_a = evaluate_probabilities(PROBS, TRUTH, OWNERS, LABELS)
    fold_b = evaluate_probabilities(PROBS[:3], TRUTH[:3], OWNERS[:3], LABELS)
    table = compare_table([("net", [fold_a, fold_b], 12.0), ("other", [fold_b], None)])
    # raw: (0.4 + 2/3) / 2 = 0.533, std 0.133; max-prob: (0.75 + 1) / 2 = 0.875 ± 0.125
    assert "| net | 0.533 ± 0.133 | 0.875 ± 0.125 | 0.750 ± 0.250 | 2 | 12 s |" in table
    assert "| other | 0.667 | 1.000 | 1.000 | 1 | – |" in table


def test_reliability_buckets_and_ece_by_hand(tmp_path: Path) -> None:
    # track means: 0 -> a 0.433 right, 1 -> b 0.55 right, 2 -> c 0.5 right, 3 -> b 0.45 wrong
    report = evaluate_probabilities(PROBS, TRUTH, OWNERS, LABELS)
    low, high = report.reliability
    assert (low["low"], low["high"], low["count"]) == (0.4, 0.5, 3)
    assert low["accuracy"] == pytest.approx(2 / 3)
    assert low["confidence"] == pytest.approx((0.4 + 1.3 / 3 - 0.4 + 0.5 + 0.45) / 3)
    assert (high["count"], high["accuracy"], high["confidence"]) == (1, 1.0, pytest.approx(0.55))
    assert report.ece == pytest.approx(0.75 * abs(2 / 3 - low["confidence"]) + 0.25 * 0.45)
    text = format_report(report)
    assert "expected calibration error 0.267" in text and "(0.4, 0.5]        3     0.667" in text
    save_report(report, tmp_path, "hand example")
    assert (tmp_path / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
