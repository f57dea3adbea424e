"""The feature MLP over the 57 descriptors, and the per-column standardisation it carries."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import torch
from torch import nn

from classifier.descriptors import N_DESCRIPTORS
from classifier.nets.cs230 import xavier_init


class Standardise(nn.Module):
    """(x − mean) / std per column; fitted on training rows and saved with the weights.

    Descriptors differ in scale by ten orders of magnitude (RMS variance vs. roll-off variance),
    so one scalar mean/std (what the trainer applies to spectrograms) cannot serve them.
    """

    mean: torch.Tensor  # buffers, typed for the checker
    std: torch.Tensor

    def __init__(self, width: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(width))
        self.register_buffer("std", torch.ones(width))

    def fit(self, rows: np.ndarray) -> None:
        """Take the statistics of the training rows (N, width), in float64 for tiny variances."""
        rows64 = rows.reshape(len(rows), -1).astype(np.float64)
        std = rows64.std(axis=0)
        self.mean.copy_(torch.from_numpy(rows64.mean(axis=0)))
        self.std.copy_(torch.from_numpy(np.where(std > 0, std, 1.0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised rows."""
        return (x - self.mean) / self.std


def mlp(widths: Sequence[int], dropout: float) -> nn.Sequential:
    """Linear → ReLU → dropout for each consecutive pair of `widths` (the last one included)."""
    layers: list[nn.Module] = []
    for n_in, n_out in pairwise(widths):
        layers += [nn.Linear(n_in, n_out), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


class FeatureMLP(nn.Module):
    """57 standardised descriptors → 64 → 32 → 16 → genre logits: four fully connected layers."""

    def __init__(
        self,
        n_classes: int,
        n_bins: int = N_DESCRIPTORS,
        frames: int = 1,  # unused: a descriptor row has no time axis (registry passes it)
        hidden: Sequence[int] = (64, 32, 16),
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.standardise = Standardise(n_bins)
        self.body = mlp([n_bins, *hidden], dropout)
        self.out = nn.Linear(hidden[-1], n_classes)
        xavier_init(self)

    def fit_input(self, rows: np.ndarray) -> None:
        """Fit the input standardisation on the training rows (the trainer then passes x as is)."""
        self.standardise.fit(rows)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for descriptor rows (B, 57) or (B, 1, 57)."""
        return self.out(self.body(self.standardise(x.flatten(1))))
