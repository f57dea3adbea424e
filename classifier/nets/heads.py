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

    scale: torch.Tensor  # buffers, typed for the checker
    bias: torch.Tensor

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


HEAD_INPUTS = ("embedding", "tag_logits")


def head_features(inputs: tuple[str, ...], embedding: torch.Tensor,
                  tag_probs: torch.Tensor) -> torch.Tensor:
    """The head's input row: the embedding and/or the logits of the backbone's tags, in order."""
    parts = {"embedding": embedding, "tag_logits": logit(tag_probs.float())}
    return torch.cat([parts[name].float() for name in inputs], dim=1)


class EmbeddingHead(nn.Module):
    """A trained linear layer or one-hidden-layer MLP over the embedding (and/or tag logits)."""

    def __init__(self, layers: nn.Sequential, activation: str, temperature: float,
                 inputs: tuple[str, ...] = ("embedding",)) -> None:
        super().__init__()
        self.layers = layers
        self.activation = activation
        self.temperature = temperature
        self.inputs = inputs

    def forward(self, embedding: torch.Tensor,
                tag_probs: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 200) embedding [+ (B, tags) tag probabilities] -> genre probabilities (B, genres)."""
        features = (embedding if tag_probs is None
                    else head_features(self.inputs, embedding, tag_probs))
        logits = self.layers(features) / self.temperature
        if self.activation == "softmax":
            return torch.softmax(logits, dim=1)
        return torch.sigmoid(logits)


class MusicGate(nn.Module):
    """P(music) of each clip: a logistic layer over one musicnn backbone's features."""

    def __init__(self, out: nn.Linear, inputs: tuple[str, ...]) -> None:
        super().__init__()
        self.out = out
        self.inputs = inputs

    def forward(self, embedding: torch.Tensor, tag_probs: torch.Tensor) -> torch.Tensor:
        """(B, 200) embedding, (B, tags) tag probabilities -> (B,) music probability."""
        return torch.sigmoid(self.out(head_features(self.inputs, embedding, tag_probs))[:, 0])


class BundleModel(nn.Module):
    """Backbones + head: (B, frames, mels) log-mel -> (genre probabilities, embedding (B, 200)).

    The embedding is that of the first backbone. A genre bundle also carries the music gate,
    fed by backbone `gate_backbone` (an extra MSD backbone when the head uses none):
    `outputs` gives the gate's per-clip music probability too.
    """

    def __init__(self, backbones: list[MusicNN], head: nn.Module, gate: MusicGate | None = None,
                 gate_backbone: int = 0, head_backbones: int | None = None,
                 gate_threshold: float | None = None) -> None:
        super().__init__()
        self.gate_threshold = gate_threshold  # a track below it (mean over clips) is not music
        self.backbones = nn.ModuleList(backbones)
        self.head = head
        self.gate = gate
        self.gate_backbone = gate_backbone
        self.head_backbones = len(backbones) if head_backbones is None else head_backbones

    def outputs(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Log-mel patches -> (genre probabilities, embedding, music probability or None)."""
        outputs = [backbone(mel) for backbone in self.backbones]
        embedding = outputs[0][1]
        used = outputs[: self.head_backbones]
        if isinstance(self.head, (TagMapHead, TagsHead)):
            probs = self.head([p for p, _ in used])
        else:
            probs = self.head(embedding, outputs[0][0])
        music = None
        if self.gate is not None:
            tags, gate_embedding = outputs[self.gate_backbone]
            music = self.gate(gate_embedding, tags)
        return probs, embedding, music

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-mel patches -> (genre probabilities, embedding)."""
        probs, embedding, _ = self.outputs(mel)
        return probs, embedding
