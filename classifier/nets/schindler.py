"""Schindler, Lidy & Rauber (2016): shallow and deep two-pipeline CNNs on short log-mel clips.

Input (B, 1, bins, frames). One pipeline has filters long in time (temporal), the other filters
tall in frequency (spectral); their flattened outputs are concatenated, dropped out and fed to a
200-unit LeakyReLU layer and the output layer. See docs/models.md for sources and choices.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from classifier.nets.cs230 import xavier_init

LEAK = 0.3  # LeakyReLU slope of the paper's Keras setup

Plan = tuple[tuple[tuple[int, int], tuple[int, int]], ...]  # ((kernel), (pool)) per layer
SHALLOW_TEMPORAL: Plan = (((10, 23), (1, 20)),)
SHALLOW_SPECTRAL: Plan = (((21, 20), (20, 1)),)
DEEP_TEMPORAL: Plan = (((10, 23), (2, 2)), ((5, 11), (2, 2)), ((3, 5), (2, 2)), ((2, 4), (1, 5)))
DEEP_SPECTRAL: Plan = (((21, 10), (2, 2)), ((10, 5), (2, 2)), ((5, 3), (2, 2)), ((4, 2), (5, 1)))


def _same_padding(kernel: tuple[int, int]) -> nn.ZeroPad2d:
    """Zero padding that keeps the size, the odd extra row/column at the end, as torch's
    padding="same" does; explicit because torch warns on every call for even kernels."""
    (kh, kw) = kernel
    return nn.ZeroPad2d(((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2))


def _pipeline(
    layers: Sequence[tuple[tuple[int, int], tuple[int, int]]], channels: Sequence[int]
) -> nn.Sequential:
    """Conv ('same' padding) → LeakyReLU → max-pool, once per (kernel, pool) pair."""
    modules: list[nn.Module] = []
    in_channels = 1
    for (kernel, pool), out_channels in zip(layers, channels, strict=True):
        modules += [
            _same_padding(kernel),
            nn.Conv2d(in_channels, out_channels, kernel),
            nn.LeakyReLU(LEAK),
            nn.MaxPool2d(pool),
        ]
        in_channels = out_channels
    return nn.Sequential(*modules)


class SchindlerCNN(nn.Module):
    """The two-pipeline network; `depth` picks the paper's shallow or deep layer plan."""

    def __init__(
        self,
        n_classes: int,
        n_bins: int = 80,
        frames: int = 80,
        depth: str = "shallow",
        channels: Sequence[int] | None = None,
        hidden: int = 200,
        dropout: float | None = None,
    ) -> None:
        super().__init__()
        default_channels: tuple[int, ...]
        if depth == "shallow":
            plan_t, plan_s, default_channels, default_dropout = (
                SHALLOW_TEMPORAL, SHALLOW_SPECTRAL, (16,), 0.1,
            )
        elif depth == "deep":
            plan_t, plan_s, default_channels, default_dropout = (
                DEEP_TEMPORAL, DEEP_SPECTRAL, (16, 32, 64, 128), 0.25,
            )
        else:
            raise ValueError(f"depth must be 'shallow' or 'deep', not {depth!r}")
        channels = tuple(channels or default_channels)
        self.temporal = _pipeline(plan_t, channels)
        self.spectral = _pipeline(plan_s, channels)
        with torch.no_grad():
            flat = self._merged(torch.zeros(1, 1, n_bins, frames)).shape[1]
        self.head = nn.Sequential(
            nn.Dropout(default_dropout if dropout is None else dropout),
            nn.Linear(flat, hidden),
            nn.LeakyReLU(LEAK),
            nn.Linear(hidden, n_classes),
        )
        xavier_init(self)

    def _merged(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.temporal(x).flatten(1), self.spectral(x).flatten(1)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch (B, 1, n_bins, frames)."""
        return self.head(self._merged(x))
