"""Bundles of from-scratch networks: a directory with bundle.json and model.safetensors.

Same outer shape as classifier/bundle.py (weights never pickled), with `"kind": "scratch"`:
the JSON names a registered network, its constructor config, the labels, the input spec and
the input normalisation learned from the training clips.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from classifier.inputs import InputSpec
from classifier.nets.registry import get_net

MANIFEST = "bundle.json"
WEIGHTS = "model.safetensors"
FORMAT_VERSION = 1


class ScratchBundleError(ValueError):
    """A bundle directory that is missing, malformed, or does not match its network."""


@dataclass
class ScratchBundle:
    """A loaded from-scratch model with everything needed to turn clips into genres."""

    net: str
    model: nn.Module
    labels: list[str]
    input_spec: InputSpec
    mean: float
    std: float
    net_config: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    multi_label: bool = False  # True: independent tags (sigmoid), not one genre (softmax)

    @torch.no_grad()
    def predict_clips(
        self, clips: np.ndarray, batch_size: int = 64, device: str | torch.device = "cpu"
    ) -> np.ndarray:
        """Genre probabilities (N, n_labels) for clips (N, 1, bins, frames); per-tag
        probabilities for a multi-label bundle."""
        self.model.to(device).eval()
        out = []
        for start in range(0, len(clips), batch_size):
            x = torch.from_numpy(clips[start : start + batch_size]).to(device)
            logits = self.model((x - self.mean) / self.std)
            out.append((torch.sigmoid(logits) if self.multi_label
                        else torch.softmax(logits, dim=1)).cpu())
        if not out:
            return np.empty((0, len(self.labels)), dtype=np.float32)
        return torch.cat(out).numpy()


def save_scratch_bundle(bundle: ScratchBundle, directory: Path) -> Path:
    """Write `bundle` into `directory` (created if needed); returns the directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in bundle.model.state_dict().items()}
    save_file(state, str(directory / WEIGHTS))
    manifest = {
        "format_version": FORMAT_VERSION,
        "kind": "scratch",
        "net": bundle.net,
        "net_config": dict(bundle.net_config),
        "labels": list(bundle.labels),
        "multi_label": bundle.multi_label,
        "input": bundle.input_spec.to_dict(),
        "normalization": {"mean": bundle.mean, "std": bundle.std},
        "weights": WEIGHTS,
        "info": bundle.info,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return directory


def load_scratch_bundle(directory: Path) -> ScratchBundle:
    """Load a bundle written by save_scratch_bundle; ScratchBundleError says what is wrong."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    try:
        spec = get_net(manifest["net"])
        input_spec = InputSpec.from_dict(manifest["input"])
        labels = [str(label) for label in manifest["labels"]]
        norm: Mapping[str, float] = manifest["normalization"]
        net_config = dict(manifest.get("net_config", {}))
        model = spec.build(
            len(labels), n_bins=input_spec.n_bins, frames=input_spec.frames,
            **{**spec.config, **net_config},
        )
        model.load_state_dict(load_file(str(directory / manifest.get("weights", WEIGHTS))))
    except (KeyError, TypeError, RuntimeError, OSError) as exc:
        raise ScratchBundleError(f"{directory}: cannot load bundle ({exc})") from exc
    model.eval()
    return ScratchBundle(
        net=manifest["net"], model=model, labels=labels, input_spec=input_spec,
        mean=float(norm["mean"]), std=float(norm["std"]), net_config=net_config,
        info=dict(manifest.get("info", {})),
        multi_label=bool(manifest.get("multi_label", False)),
    )


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScratchBundleError(f"{path}: cannot read bundle manifest ({exc})") from exc
    if manifest.get("kind") != "scratch":
        kind = manifest.get("kind")
        raise ScratchBundleError(f"{path}: not a from-scratch bundle (kind={kind!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        version = manifest.get("format_version")
        raise ScratchBundleError(f"{path}: unsupported format_version {version!r}")
    return manifest
