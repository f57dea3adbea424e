"""A tiny stand-in for classifier.bundle.Bundle, for tests of the pipeline's mechanics.

Same duck-typed interface the pipeline uses: name, version, labels, preprocessing,
uncertain_threshold and a model mapping (B, 187, 96) log-mel to (genre probs, 200-d embedding).
The tiny network is seeded, so its outputs are deterministic but meaningless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from classifier.bundle import PreprocessingConfig

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


@dataclass
class StandInBundle:
    """Duck-typed like classifier.bundle.Bundle."""

    name: str = "stand-in"
    version: str = "0.1"
    description: str = "test stand-in for the real MusicNN bundle"
    labels: tuple[str, ...] = GTZAN_LABELS
    preprocessing: PreprocessingConfig = field(default_factory=PreprocessingConfig)
    uncertain_threshold: float = 0.1
    model: nn.Module = field(default_factory=StandInNet)
