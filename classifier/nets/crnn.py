"""Recurrent nets on log-mel clips: the LSE report's sequential CNN-RNN and a BiGRU baseline.

CNN-RNN: convolutions pool frequency hard and time gently, so each remaining time step carries
a feature vector; stacked GRUs read those steps in order and the last state is classified
(sequential, which the report found better than running CNN and RNN in parallel).
RNN: the spectrogram's frames go straight into stacked bidirectional GRUs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from classifier.nets.cnn_mlp import conv_stack


class CNNRNN(nn.Module):
    """Conv blocks → (time steps × features) → stacked GRUs → genre logits."""

    def __init__(
        self,
        n_classes: int,
        n_bins: int = 128,
        frames: int = 128,
        channels: Sequence[int] = (16, 32, 64),
        pools: Sequence[tuple[int, int]] = ((4, 2), (4, 2), (4, 2)),
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.cnn = conv_stack(channels, pools)
        with torch.no_grad():
            _, c, f, _ = self.cnn(torch.zeros(1, 1, n_bins, frames)).shape
        self.gru = nn.GRU(c * f, hidden, num_layers=layers, batch_first=True, dropout=dropout)
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch (B, 1, n_bins, frames)."""
        maps = self.cnn(x)  # (B, C, F', T')
        steps = maps.permute(0, 3, 1, 2).flatten(2)  # (B, T', C·F')
        _, last = self.gru(steps)
        return self.out(last[-1])


class BiGRU(nn.Module):
    """Frames (B, T, n_bins) → stacked bidirectional GRUs → both directions' last states."""

    def __init__(
        self,
        n_classes: int,
        n_bins: int = 128,
        frames: int = 128,
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.gru = nn.GRU(n_bins, hidden, num_layers=layers, batch_first=True, dropout=dropout,
                          bidirectional=True)
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * hidden, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch (B, 1, n_bins, frames)."""
        _, last = self.gru(x[:, 0].transpose(1, 2))  # last: (layers·2, B, hidden)
        return self.out(torch.cat([last[-2], last[-1]], dim=1))
