"""A random forest over the 57 descriptors (the FMA student project's baseline), without pickle.

scikit-learn grows the trees; their arrays (children, split feature and threshold, leaf class
fractions) are stacked into buffers, so the forest is saved as safetensors like any net and
predicted by a small NumPy walk that reproduces scikit-learn's `predict_proba`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from classifier.descriptors import N_DESCRIPTORS

LEAF = -1  # scikit-learn's TREE_LEAF marker in children_left/right
_ARRAYS = ("children_left", "children_right", "feature", "threshold", "value")


def export_forest(forest: Any) -> dict[str, np.ndarray]:
    """A fitted RandomForestClassifier as stacked arrays, trees padded to one node count."""
    trees = [estimator.tree_ for estimator in forest.estimators_]
    nodes = max(tree.node_count for tree in trees)
    n_classes = len(forest.classes_)
    out = {
        "children_left": np.full((len(trees), nodes), LEAF, dtype=np.int64),
        "children_right": np.full((len(trees), nodes), LEAF, dtype=np.int64),
        "feature": np.zeros((len(trees), nodes), dtype=np.int64),
        "threshold": np.zeros((len(trees), nodes), dtype=np.float64),
        "value": np.zeros((len(trees), nodes, n_classes), dtype=np.float64),
    }
    for t, tree in enumerate(trees):
        n = tree.node_count
        out["children_left"][t, :n] = tree.children_left
        out["children_right"][t, :n] = tree.children_right
        out["feature"][t, :n] = np.maximum(tree.feature, 0)  # leaves hold -2: never read
        out["threshold"][t, :n] = tree.threshold
        out["value"][t, :n] = tree.value[:, 0, :n_classes]
    return out


def forest_proba(arrays: Mapping[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Class probabilities (N, C) exactly as scikit-learn computes them for the same forest."""
    x64 = x.astype(np.float32).astype(np.float64)  # scikit-learn splits on float32 inputs
    rows = np.arange(len(x64))
    total = np.zeros((len(x64), arrays["value"].shape[2]), dtype=np.float64)
    for t in range(arrays["value"].shape[0]):
        left, right = arrays["children_left"][t], arrays["children_right"][t]
        feature, threshold = arrays["feature"][t], arrays["threshold"][t]
        node = np.zeros(len(x64), dtype=np.int64)
        while True:
            inner = left[node] != LEAF
            if not inner.any():
                break
            goes_left = x64[rows, feature[node]] <= threshold[node]
            node = np.where(inner, np.where(goes_left, left[node], right[node]), node)
        proba = arrays["value"][t][node]
        norm = proba.sum(axis=1, keepdims=True)
        total += proba / np.where(norm == 0.0, 1.0, norm)
    return total / arrays["value"].shape[0]


class RandomForest(nn.Module):
    """A forest as buffers; forward returns log-probabilities so a softmax gives them back."""

    def __init__(
        self,
        n_classes: int,
        n_bins: int = N_DESCRIPTORS,
        frames: int = 1,  # unused: descriptor rows
        trees: int = 200,
        max_depth: int | None = None,
    ) -> None:
        super().__init__()
        self.n_classes, self.trees, self.max_depth = n_classes, trees, max_depth
        for name in _ARRAYS:  # empty until fitted or loaded
            self.register_buffer(name, torch.zeros(0))

    def fit_input(self, rows: np.ndarray) -> None:
        """Nothing to fit: tree splits do not care about scale (the trainer passes x as is)."""

    def fit_direct(self, train: Any, seed: int | None) -> dict[str, float]:
        """Grow the forest on training clips (x, y); returns the training log-loss and accuracy."""
        from sklearn.ensemble import RandomForestClassifier

        forest = RandomForestClassifier(n_estimators=self.trees, max_depth=self.max_depth,
                                        random_state=seed, n_jobs=1)
        forest.fit(train.x.reshape(len(train.x), -1), train.y)
        if list(forest.classes_) != list(range(self.n_classes)):
            raise ValueError("every class must have training clips to grow a forest")
        for name, array in export_forest(forest).items():
            setattr(self, name, torch.from_numpy(array))
        proba = self.proba(train.x)
        truth = proba[np.arange(len(train.y)), train.y]
        return {"train_loss": float(-np.log(np.maximum(truth, 1e-12)).mean()),
                "train_accuracy": float((proba.argmax(1) == train.y).mean())}

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for descriptor rows (N, 57) or (N, 1, 57)."""
        arrays = {name: getattr(self, name).cpu().numpy() for name in _ARRAYS}
        return forest_proba(arrays, x.reshape(len(x), -1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log class probabilities (−inf where a class has none)."""
        proba = self.proba(x.detach().cpu().numpy())
        with np.errstate(divide="ignore"):
            return torch.from_numpy(np.log(proba)).float().to(x.device)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False):
        """Take the stored arrays whatever their node count (buffers start empty)."""
        missing = [name for name in _ARRAYS if name not in state_dict]
        if missing or (strict and set(state_dict) - set(_ARRAYS)):
            raise RuntimeError(f"random forest state: missing {missing} or unexpected keys")
        if state_dict["value"].shape[-1] != self.n_classes:
            raise RuntimeError("random forest state: class count does not match the labels")
        for name in _ARRAYS:
            setattr(self, name, state_dict[name].clone())
        return torch.nn.modules.module._IncompatibleKeys([], [])
