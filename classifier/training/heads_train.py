"""Transfer learning: a linear or small-MLP head over per-clip musicnn embeddings.

Trains in seconds on a CPU: full-batch Adam for a fixed number of epochs, L2, a fixed seed.
Inputs are standardised with the training clips' mean/std, and that scaling is folded into the
first layer, so the saved head is a plain `linear`/`mlp` head that bundle.py loads unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from classifier.training.evaluate import EvalReport, evaluate_probabilities

HEAD_WEIGHTS = "head.safetensors"
PREPROCESSING = {"sample_rate": 16000, "n_fft": 512, "hop_length": 256, "n_mels": 96,
                 "mel_scale": "slaney", "window": "hann", "center": True, "patch_frames": 187,
                 "log": "log10(10000x+1)"}
BACKBONE_WEIGHTS = {"msd": "musicnn-msd.safetensors", "mtt": "musicnn-mtt.safetensors"}


@dataclass(frozen=True)
class HeadConfig:
    """How to train a head; the defaults were chosen by k-fold on gtzan-mini (docs/models.md)."""

    kind: str = "linear"  # or "mlp"
    hidden: int = 64
    epochs: int = 300
    lr: float = 0.01
    l2: float = 1e-3
    seed: int = 0


def _layers(kind: str, width: int, hidden: int, n_labels: int) -> nn.Sequential:
    if kind not in ("linear", "mlp"):
        raise ValueError(f"unknown head kind {kind!r}; use linear or mlp")
    layers = nn.Sequential()
    if kind == "linear":
        layers.add_module("out", nn.Linear(width, n_labels))
    else:  # names match what bundle_weights.embedding_head builds
        layers.add_module("hidden", nn.Linear(width, hidden))
        layers.add_module("relu", nn.ReLU())
        layers.add_module("out", nn.Linear(hidden, n_labels))
    return layers


def train_head(x: np.ndarray, y: np.ndarray, n_labels: int, config: HeadConfig) -> nn.Sequential:
    """A head fitted on clip embeddings x (N, width) with classes y (N,), scaling folded in."""
    torch.manual_seed(config.seed)  # initial weights are part of what the seed fixes
    inputs = torch.as_tensor(x, dtype=torch.float32)
    mean, std = inputs.mean(dim=0), inputs.std(dim=0)
    # Dimensions (nearly) constant in a small training set would get huge folded weights and
    # blow up on new music that does use them: floor each std at a tenth of the typical one.
    std = std.clamp_min(0.1 * float(std.mean()) + 1e-6)
    layers = _layers(config.kind, inputs.shape[1], config.hidden, n_labels)
    optimiser = torch.optim.Adam(layers.parameters(), lr=config.lr, weight_decay=config.l2)
    z, targets = (inputs - mean) / std, torch.as_tensor(y, dtype=torch.int64)
    for _ in range(config.epochs):
        optimiser.zero_grad()
        nn.functional.cross_entropy(layers(z), targets).backward()
        optimiser.step()
    fold_scaling(layers[0], mean, std)
    return layers.eval().requires_grad_(False)


@torch.no_grad()
def fold_scaling(first: nn.Linear, mean: torch.Tensor, std: torch.Tensor) -> None:
    """Make first(x) equal to the trained first((x - mean) / std)."""
    first.weight.div_(std)
    first.bias.sub_(first.weight @ mean)


@torch.no_grad()
def head_probabilities(layers: nn.Module, x: np.ndarray) -> np.ndarray:
    """Softmax genre probabilities (N, labels) of clip embeddings x."""
    return torch.softmax(layers(torch.as_tensor(x, dtype=torch.float32)), dim=1).numpy()


@torch.no_grad()
def head_logits(layers: nn.Module, x: np.ndarray) -> np.ndarray:
    """Raw genre logits (N, labels) of clip embeddings x: what calibration is fitted on."""
    return layers(torch.as_tensor(x, dtype=torch.float32)).numpy()


def clip_rows(
    embeddings: Sequence[np.ndarray], indices: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Stack the clip embeddings of tracks `indices`: (clips, width) and each clip's track."""
    x = np.concatenate([embeddings[i] for i in indices])
    owners = np.concatenate([np.full(len(embeddings[i]), i) for i in indices])
    return x, owners


def cross_validate(
    embeddings: Sequence[np.ndarray],
    classes: Sequence[int],
    labels: Sequence[str],
    folds: Sequence[tuple[Sequence[int], Sequence[int]]],
    config: HeadConfig,
) -> list[EvalReport]:
    """One EvalReport per (train tracks, test tracks) fold; clips never cross a fold."""
    track_class = np.asarray(classes)
    reports = []
    for train_idx, test_idx in folds:
        x, owners = clip_rows(embeddings, train_idx)
        head = train_head(x, track_class[owners], len(labels), config)
        x_test, test_owners = clip_rows(embeddings, test_idx)
        probs = head_probabilities(head, x_test)
        reports.append(evaluate_probabilities(probs, track_class[test_owners], test_owners, labels))
    return reports


def save_head_bundle(
    folder: Path, *, name: str, description: str, labels: Sequence[str], head: nn.Sequential,
    config: HeadConfig, backbone: str = "msd", version: str = "1.0.0",
    uncertain_threshold: float = 0.4, extra: dict | None = None,
    temperature: float | None = None,
) -> Path:
    """Write bundle.json + head.safetensors; the backbone weights stay shared in resources."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()}
    metadata = {"training": json.dumps(asdict(config)), **(extra or {})}
    save_file(tensors, str(folder / HEAD_WEIGHTS), metadata=metadata)
    spec = {
        "format": 1, "name": name, "version": version, "description": description,
        "labels": list(labels), "preprocessing": PREPROCESSING,
        "backbones": [{"name": backbone, "weights": BACKBONE_WEIGHTS[backbone]}],
        "head": {"type": config.kind, "weights": HEAD_WEIGHTS, "activation": "softmax"},
        "uncertain_threshold": uncertain_threshold,
    }
    if temperature is not None:  # fitted on held-out folds: confidence that means something
        spec["head"]["temperature"] = round(float(temperature), 4)
    (folder / "bundle.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return folder
