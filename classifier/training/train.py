"""A generic trainer for the from-scratch nets: Adam, L1/L2, lr decay, early stopping, checkpoints.

Runs on CUDA when available, else CPU. Checkpoints are safetensors + JSON (never pickle).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F

from classifier.inputs import ClipSet

CHECKPOINT_WEIGHTS = "checkpoint.safetensors"
CHECKPOINT_STATE = "checkpoint.json"


@dataclass
class TrainConfig:
    """How to train: the paper's recipe plus run-time choices."""

    epochs: int
    batch_size: int
    lr: float
    l1: float = 0.0
    l2: float = 0.0
    lr_decay: float = 1.0
    patience: int = 5  # epochs without a better validation loss before stopping
    seed: int | None = 0
    device: str | None = None  # None: CUDA if available, else CPU
    progress: bool = True
    checkpoint_dir: Path | None = None


@dataclass
class TrainResult:
    """What happened: per-epoch history, the epoch whose weights were kept, wall time."""

    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    seconds: float = 0.0


def choose_device(requested: str | None = None) -> torch.device:
    """The requested device, else CUDA, then MPS, else CPU (the pipeline's own choice)."""
    from classifier.model import choose_device as pipeline_device

    return torch.device(pipeline_device(requested or "auto"))


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def regularisation(model: nn.Module, l1: float, l2: float) -> torch.Tensor:
    """L1 and L2 penalties on weight matrices and kernels (biases are left free)."""
    weights = [p for p in model.parameters() if p.dim() > 1]
    penalty = torch.zeros((), device=weights[0].device)
    if l1:
        penalty = penalty + l1 * sum(w.abs().sum() for w in weights)
    if l2:
        penalty = penalty + l2 * sum(w.pow(2).sum() for w in weights)
    return penalty


def fit(
    model: nn.Module,
    train: ClipSet,
    valid: ClipSet | None,
    config: TrainConfig,
    mean: float = 0.0,
    std: float = 1.0,
) -> TrainResult:
    """Train `model` in place; with `valid`, keep the best-validation-loss weights."""
    if config.seed is not None:
        seed_everything(config.seed)
    device = choose_device(config.device)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=config.lr_decay)
    generator = torch.Generator().manual_seed(config.seed or 0)
    result, best_loss, best_state, waited = TrainResult(), float("inf"), None, 0
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        train_loss = _train_epoch(model, train, config, optimiser, generator, device, mean, std,
                                  desc=f"epoch {epoch}/{config.epochs}")
        row = {"epoch": epoch, "train_loss": train_loss, "lr": optimiser.param_groups[0]["lr"]}
        scheduler.step()
        if valid is not None and len(valid):
            row["val_loss"], row["val_accuracy"] = validation_loss(model, valid, device, mean, std)
        result.history.append(row)
        score = row.get("val_loss", train_loss)
        if score < best_loss:
            best_loss, best_state, waited, result.best_epoch = score, _copy_state(model), 0, epoch
            if config.checkpoint_dir is not None:
                save_checkpoint(model, config.checkpoint_dir, {"epoch": epoch, **row})
        elif valid is not None:
            waited += 1
            if waited >= config.patience:
                result.stopped_early = True
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    result.seconds = time.perf_counter() - started
    return result


def _train_epoch(model, train, config, optimiser, generator, device, mean, std, desc) -> float:
    from tqdm import tqdm

    model.train()
    order = torch.randperm(len(train), generator=generator).numpy()
    batches = [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]
    total = 0.0
    for batch in tqdm(batches, desc=desc, leave=False, disable=not config.progress):
        x = (torch.from_numpy(train.x[batch]).to(device) - mean) / std
        y = torch.from_numpy(train.y[batch]).to(device)
        loss = task_loss(model(x), y)
        optimiser.zero_grad()
        (loss + regularisation(model, config.l1, config.l2)).backward()
        optimiser.step()
        total += loss.item() * len(batch)
    return total / max(len(train), 1)


@torch.no_grad()
def validation_loss(
    model: nn.Module, clips: ClipSet, device: torch.device, mean: float, std: float,
    batch_size: int = 128,
) -> tuple[float, float]:
    """Mean cross-entropy and clip accuracy on `clips` (model in eval mode)."""
    model.eval()
    loss, correct = 0.0, 0
    for start in range(0, len(clips), batch_size):
        x = (torch.from_numpy(clips.x[start : start + batch_size]).to(device) - mean) / std
        y = torch.from_numpy(clips.y[start : start + batch_size]).to(device)
        logits = model(x)
        if y.dim() == 2:  # multi-label: per-tag loss and per-tag accuracy, averaged over tags
            loss += task_loss(logits, y, reduction="sum").item() / y.shape[1]
            correct += float(((logits > 0) == (y > 0.5)).float().mean(1).sum())
        else:
            loss += task_loss(logits, y, reduction="sum").item()
            correct += int((logits.argmax(1) == y).sum())
    return loss / len(clips), correct / len(clips)


def task_loss(logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy for class indices (N,); binary cross-entropy per tag for multi-hot (N, C)."""
    if y.dim() == 2:
        return F.binary_cross_entropy_with_logits(logits, y.float(), reduction=reduction)
    return F.cross_entropy(logits, y, reduction=reduction)


def fit_classical(model: nn.Module, train: ClipSet, valid: ClipSet | None,
                  config: TrainConfig, mean: float = 0.0, std: float = 1.0) -> TrainResult:
    """Grow a classical model (random forest) in one go through its `fit_direct`; such models
    scale their own input, so `mean` and `std` (fit's signature) must stay 0 and 1."""
    if (mean, std) != (0.0, 1.0):
        raise ValueError("a classical model takes its input unscaled")
    started = time.perf_counter()
    row = {"epoch": 1, **model.fit_direct(train, config.seed)}
    if valid is not None and len(valid):
        row["val_loss"], row["val_accuracy"] = validation_loss(model, valid, torch.device("cpu"),
                                                               0.0, 1.0)
    return TrainResult(history=[row], best_epoch=1, seconds=time.perf_counter() - started)


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def save_checkpoint(model: nn.Module, directory: Path, state: dict[str, Any]) -> None:
    """Weights as safetensors and the training state as JSON, side by side."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(weights, str(directory / CHECKPOINT_WEIGHTS))
    (directory / CHECKPOINT_STATE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")


def load_checkpoint(model: nn.Module, directory: Path) -> dict[str, Any]:
    """Load the checkpoint weights into `model`; returns the saved training state."""
    directory = Path(directory)
    model.load_state_dict(load_file(str(directory / CHECKPOINT_WEIGHTS)))
    return json.loads((directory / CHECKPOINT_STATE).read_text(encoding="utf-8"))


def config_dict(config: TrainConfig) -> dict[str, Any]:
    """A JSON-ready form of a TrainConfig (for bundle.json)."""
    data = asdict(config)
    data["checkpoint_dir"] = str(config.checkpoint_dir) if config.checkpoint_dir else None
    return data
