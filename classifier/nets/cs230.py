"""The CS230 genre CNN: four small-filter convolutions and one fully connected layer."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

STRIDES = (1, 2, 1, 2)


class CS230CNN(nn.Module):
    """128×128 log-mel in, genre logits out (softmax is applied by the loss / at prediction).

    Four 2×2 convolutions with strides (1, 2, 1, 2), each followed by ReLU and a 2×2
    max-pooling of stride 1, then one linear layer; Xavier-initialised.
    """

    def __init__(
        self,
        n_classes: int,
        n_bins: int = 128,
        frames: int = 128,
        channels: Sequence[int] = (32, 32, 32, 32),
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_channels = 1
        for out_channels, stride in zip(channels, STRIDES, strict=True):
            layers += [
                nn.Conv2d(in_channels, out_channels, kernel_size=2, stride=stride),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=1),
            ]
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        with torch.no_grad():
            flat = self.features(torch.zeros(1, 1, n_bins, frames)).numel()
        self.classifier = nn.Linear(flat, n_classes)
        xavier_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch (B, 1, n_bins, frames)."""
        return self.classifier(self.features(x).flatten(1))


def xavier_init(module: nn.Module) -> None:
    """Xavier-uniform weights and zero biases for every conv and linear layer."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
