"""A randomly initialised network with musicnn's (MTT) layer shapes, for timing only.

Used by bench/classify.py when neither classifier.bundle nor classifier.nets.musicnn is
available (they come from the `nets` branch). Its outputs are meaningless; its cost per patch
is that of musicnn: timbral convs 7x38 and 7x67 (204 filters), temporal convs 128/64/32x1
(51 filters), three 7-wide dense convs (64), max+mean pooling, dense 200, output.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from classifier.bundle import Bundle, PreprocessingConfig
from tests.stand_in_bundle import GTZAN_LABELS

LABELS = GTZAN_LABELS


class _Timbral(nn.Module):
    def __init__(self, filters: int, height: int) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(1, filters, (7, height)), nn.BatchNorm2d(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(F.relu(self.conv(F.pad(x, (0, 0, 3, 3))))).amax(dim=3)


class _Temporal(nn.Module):
    def __init__(self, filters: int, length: int) -> None:
        super().__init__()
        self.pad = (0, 0, (length - 1) // 2, length // 2)
        self.conv, self.bn = nn.Conv2d(1, filters, (length, 1)), nn.BatchNorm2d(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(F.relu(self.conv(F.pad(x, self.pad)))).amax(dim=3)


class MusicnnShaped(nn.Module):
    """(B, 187, 96) log-mel → (softmax over labels, 200-d embedding)."""

    def __init__(self, n_labels: int = len(LABELS)) -> None:
        super().__init__()
        self.bn_in = nn.BatchNorm2d(1)
        self.front = nn.ModuleList(
            [
                _Timbral(204, 38),
                _Timbral(204, 67),
                _Temporal(51, 128),
                _Temporal(51, 64),
                _Temporal(51, 32),
            ]
        )
        self.mid = nn.ModuleList(
            [
                nn.Conv1d(561, 64, 7, padding=3),
                nn.Conv1d(64, 64, 7, padding=3),
                nn.Conv1d(64, 64, 7, padding=3),
            ]
        )
        self.mid_bn = nn.ModuleList([nn.BatchNorm1d(64) for _ in range(3)])
        self.pool_bn, self.dense, self.dense_bn = (
            nn.BatchNorm1d(1506),
            nn.Linear(1506, 200),
            nn.BatchNorm1d(200),
        )
        self.out = nn.Linear(200, n_labels)

    def forward(self, logmel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.bn_in(logmel.unsqueeze(1))
        front = torch.cat([block(x) for block in self.front], dim=1)  # (B, 561, T)
        maps, h = [front], front
        for i, (conv, bn) in enumerate(zip(self.mid, self.mid_bn)):
            h = bn(F.relu(conv(h))) + (h if i else 0)
            maps.append(h)
        stacked = torch.cat(maps, dim=1)
        pooled = torch.cat([stacked.amax(dim=2), stacked.mean(dim=2)], dim=1)
        embedding = self.dense_bn(F.relu(self.dense(self.pool_bn(pooled))))
        return torch.softmax(self.out(embedding), dim=1), embedding


class NearlyFree(nn.Module):
    """A network costing next to nothing: measures the pipeline around the network."""

    def __init__(self, n_mels: int = 96, n_labels: int = len(LABELS)) -> None:
        super().__init__()
        self.embed, self.out = nn.Linear(n_mels, 200), nn.Linear(200, n_labels)

    def forward(self, logmel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedding = self.embed(logmel.mean(dim=1))
        return torch.softmax(self.out(embedding), dim=1), embedding


def shaped_bundle(nearly_free: bool = False) -> Bundle:
    """A random-init musicnn-shaped bundle (eval mode), or one with a nearly free network."""
    torch.manual_seed(0)
    model: nn.Module = NearlyFree().eval() if nearly_free else MusicnnShaped().eval()
    name = "nearly-free-network" if nearly_free else "musicnn-shaped-random"
    return Bundle(name, "0", "bench stand-in", LABELS, PreprocessingConfig(), 0.3, model,
                  Path(name))
