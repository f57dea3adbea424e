"""Genre heads over musicnn backbones, and the bundle's whole model. nn.Modules only, no I/O."""

from __future__ import annotations

import torch
from torch import nn

from classifier.nets.musicnn import MusicNN

LOGIT_CLAMP = 1e-6  # keeps logit(p) finite for p that rounded to 0 or 1 in float32


def logit(p: torch.Tensor) -> torch.Tensor:
    """log(p / (1 - p)), finite for every float32 probability."""
    p = p.clamp(LOGIT_CLAMP, 1 - LOGIT_CLAMP)
    return torch.log(p) - torch.log1p(-p)


class TagMapHead(nn.Module):
    """Genre = Platt-calibrated probability of the most probable backbone tag mapped to it.

    x[g] = max over every backbone tag mapped to genre g of logit(p_tag);
    P(g) = sigmoid(scale[g] * x[g] + bias[g]).
    """

    def __init__(self, masks: list[torch.Tensor], scale: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        for i, mask in enumerate(masks):
            self.register_buffer(f"mask{i}", mask.bool())  # (genres, tags of backbone i)
        self.register_buffer("scale", scale.float())  # (genres,)
        self.register_buffer("bias", bias.float())  # (genres,)

    def forward(self, tag_probs: list[torch.Tensor]) -> torch.Tensor:
        """Tag probabilities of each backbone (B, tags_s) -> genre probabilities (B, genres)."""
        best = []
        for i, probs in enumerate(tag_probs):
            mask = getattr(self, f"mask{i}")
            lowest = torch.finfo(probs.dtype).min
            best.append(torch.where(mask, logit(probs)[:, None, :], lowest).amax(dim=2))
        x = torch.stack(best).amax(dim=0)
        return torch.sigmoid(self.scale * x + self.bias)


class TagsHead(nn.Module):
    """The backbone's own tags, unchanged: the multi-label "tags" bundle's head."""

    def forward(self, tag_probs: list[torch.Tensor]) -> torch.Tensor:
        """Tag probabilities of the single backbone (B, tags) -> the same (B, tags)."""
        return tag_probs[0]


class EmbeddingHead(nn.Module):
    """A trained linear layer or one-hidden-layer MLP over the 200-d embedding."""

    def __init__(self, layers: nn.Sequential, activation: str, temperature: float) -> None:
        super().__init__()
        self.layers = layers
        self.activation = activation
        self.temperature = temperature

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        """(B, 200) embedding -> genre probabilities (B, genres)."""
        logits = self.layers(embedding) / self.temperature
        return torch.softmax(logits, dim=1) if self.activation == "softmax" else torch.sigmoid(logits)


class BundleModel(nn.Module):
    """Backbones + head: (B, frames, mels) log-mel -> (genre probabilities, embedding (B, 200)).

    The embedding is that of the first backbone.
    """

    def __init__(self, backbones: list[MusicNN], head: nn.Module) -> None:
        super().__init__()
        self.backbones = nn.ModuleList(backbones)
        self.head = head

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-mel patches -> (genre probabilities, embedding)."""
        outputs = [backbone(mel) for backbone in self.backbones]
        embedding = outputs[0][1]
        if isinstance(self.head, (TagMapHead, TagsHead)):
            return self.head([probs for probs, _ in outputs]), embedding
        return self.head(embedding), embedding
