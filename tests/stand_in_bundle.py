"""A tiny stand-in for classifier.bundle.Bundle, for tests of the pipeline's mechanics.

A real Bundle (name, version, labels, preprocessing, uncertain_threshold) whose model maps
(B, 187, 96) log-mel to (genre probs, 200-d embedding).
The tiny network is seeded, so its outputs are deterministic but meaningless.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from classifier.bundle import Bundle, PreprocessingConfig

GTZAN_LABELS = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)


class StandInNet(nn.Module):
    """Mean and max over time of the mel bands → 200-d embedding → softmax over labels."""

    def __init__(self, n_mels: int = 96, n_labels: int = len(GTZAN_LABELS), seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.embed = nn.Linear(2 * n_mels, 200)
        self.head = nn.Linear(200, n_labels)

    def forward(self, logmel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = torch.cat([logmel.mean(dim=1), logmel.amax(dim=1)], dim=1)
        embedding = torch.relu(self.embed(pooled))
        return torch.softmax(self.head(embedding), dim=1), embedding


def StandInBundle(  # noqa: N802 - reads like the class it used to be
    name: str = "stand-in",
    version: str = "0.1",
    labels: tuple[str, ...] = GTZAN_LABELS,
    uncertain_threshold: float = 0.1,
    model: nn.Module | None = None,
) -> Bundle:
    """A real classifier.bundle.Bundle (so a GenreModel) around the tiny seeded net."""
    return Bundle(name, version, "test stand-in for the real MusicNN bundle", labels,
                  PreprocessingConfig(), uncertain_threshold,
                  model if model is not None else StandInNet(), Path("stand-in"))
