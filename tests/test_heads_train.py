"""Heads on musicnn embeddings: training, folded scaling, bundles that load_bundle builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from classifier.bundle import load_bundle
from classifier.training.evaluate_bundle import label_mapping
from classifier.training.heads_train import (
    HeadConfig,
    cross_validate,
    head_probabilities,
    save_head_bundle,
    train_head,
)


def blobs(n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three separable classes in 200-d, far from zero mean and unit scale (as embeddings are)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(5.0, 3.0, size=(3, 200))
    x = np.concatenate([c + rng.normal(0, 2.0, size=(n_per_class, 200)) for c in centres])
    return x.astype(np.float32), np.repeat(np.arange(3), n_per_class)


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_head_learns_separable_classes_and_is_deterministic(kind: str) -> None:
    x, y = blobs(30)
    first = train_head(x, y, 3, HeadConfig(kind, epochs=100))
    again = train_head(x, y, 3, HeadConfig(kind, epochs=100))
    probs = head_probabilities(first, x)
    assert (probs.argmax(axis=1) == y).mean() > 0.95
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(probs, head_probabilities(again, x))


def test_scaling_is_folded_into_the_first_layer() -> None:
    """The saved head takes raw embeddings: shifting the inputs' scale must not be needed."""
    x, y = blobs(20)
    head = train_head(x, y, 3, HeadConfig("linear", epochs=50))
    mean, std = torch.tensor(x.mean(0)), torch.tensor(x.std(0, ddof=1))
    w, b = head.out.weight, head.out.bias
    unfolded = torch.nn.Linear(200, 3)
    with torch.no_grad():
        unfolded.weight.copy_(w * std)
        unfolded.bias.copy_(b + (w * std) @ (mean / std))
    raw = torch.tensor(x)
    assert torch.allclose(head(raw), unfolded((raw - mean) / std), atol=1e-3)


def test_cross_validation_keeps_tracks_whole() -> None:
    x, y = blobs(12)
    tracks = [x[i : i + 3] for i in range(0, len(x), 3)]  # 3 clips per "track"
    classes = [int(y[i]) for i in range(0, len(x), 3)]
    folds = [([i for i in range(12) if i % 2 != f], [i for i in range(12) if i % 2 == f])
             for f in (0, 1)]
    reports = cross_validate(tracks, classes, ["a", "b", "c"], folds, HeadConfig(epochs=60))
    assert [r.n_tracks for r in reports] == [6, 6]
    assert [r.n_clips for r in reports] == [18, 18]
    assert all(r.track_accuracy_max_prob > 0.8 for r in reports)


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_saved_head_loads_as_a_bundle_with_the_same_outputs(tmp_path: Path, kind: str) -> None:
    x, y = blobs(10)
    head = train_head(x, y, 3, HeadConfig(kind, epochs=20))
    folder = save_head_bundle(tmp_path / "mine", name="mine", description="test head",
                              labels=["a", "b", "c"], head=head, config=HeadConfig(kind))
    bundle = load_bundle(folder)
    assert bundle.labels == ("a", "b", "c")
    loaded = bundle.model.head(torch.tensor(x))
    assert torch.allclose(loaded, torch.tensor(head_probabilities(head, x)), atol=1e-5)


def test_dataset_genres_match_bundle_labels_ignoring_spelling() -> None:
    labels = ["Rock", "Hip-Hop", "R&B/Soul", "Classical"]
    mapping = label_mapping(["hiphop", "classical", "ROCK", "reggae", "rnb soul"], labels)
    assert mapping == {"hiphop": 1, "classical": 3, "ROCK": 0, "rnb soul": 2}
