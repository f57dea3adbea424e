"""The LSE report's CNN-MLP: a spectrogram CNN and a descriptor MLP, 100 + 100 features, joined.

Input is one packed row per clip (clip_inputs.py): the flattened (n_bins × frames) log-mel clip,
then its 57 descriptors. Both branches end in 100 units; their concatenation feeds the final
fully connected layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from classifier.descriptors import N_DESCRIPTORS
from classifier.nets.cs230 import xavier_init
from classifier.nets.feature_mlp import Standardise, mlp


def conv_stack(channels: Sequence[int], pools: Sequence[tuple[int, int]]) -> nn.Sequential:
    """3×3 conv ('same') → batch norm → ReLU → max-pool, once per (channels, pool) pair."""
    layers: list[nn.Module] = []
    in_channels = 1
    for out_channels, pool in zip(channels, pools, strict=True):
        layers += [nn.Conv2d(in_channels, out_channels, 3, padding=1),
                   nn.BatchNorm2d(out_channels), nn.ReLU(), nn.MaxPool2d(pool)]
        in_channels = out_channels
    return nn.Sequential(*layers)


class CNNMLP(nn.Module):
    """Two branches of 100 features each, concatenated, then 64 units and the output layer."""

    def __init__(
        self,
        n_classes: int,
        n_bins: int = 128,
        frames: int = 128,
        channels: Sequence[int] = (16, 32, 64, 64),
        branch: int = 100,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.n_bins, self.frames = n_bins, frames
        self.spec_norm = Standardise(1)  # one mean/std for the spectrogram, like the CNNs
        self.desc_norm = Standardise(N_DESCRIPTORS)
        self.cnn = conv_stack(channels, [(2, 2)] * len(channels))
        with torch.no_grad():
            flat = self.cnn(torch.zeros(1, 1, n_bins, frames)).numel()
        self.cnn_head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(flat, branch),
                                      nn.ReLU())
        self.mlp = mlp([N_DESCRIPTORS, 64, branch], dropout)
        self.head = nn.Sequential(nn.Linear(2 * branch, 64), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(64, n_classes))
        xavier_init(self)

    def fit_input(self, rows: np.ndarray) -> None:
        """Fit both input standardisations on the training rows (N, 1, bins·frames + 57)."""
        rows = rows.reshape(len(rows), -1)
        self.spec_norm.fit(rows[:, :-N_DESCRIPTORS].reshape(-1, 1))
        self.desc_norm.fit(rows[:, -N_DESCRIPTORS:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for packed rows (B, 1, bins·frames + 57)."""
        x = x.flatten(1)
        mel = self.spec_norm(x[:, :-N_DESCRIPTORS].reshape(-1, 1)).reshape(
            -1, 1, self.n_bins, self.frames)
        joined = torch.cat([self.cnn_head(self.cnn(mel)),
                            self.mlp(self.desc_norm(x[:, -N_DESCRIPTORS:]))], dim=1)
        return self.head(joined)
