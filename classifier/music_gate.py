"""The music gate on its own, for pipelines without a musicnn backbone (from-scratch nets).

Pretrained bundles run the gate inside their BundleModel on the MSD backbone they already run;
a from-scratch net reads other features, so the gate decodes the pipeline's clips at 16 kHz and
runs the MSD backbone for it: one more network pass per track, the price of never naming a
genre for speech or a dog.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

from classifier.audio import DEFAULT_CLIPS, ClipPlan, decode_clips
from classifier.bundle import PreprocessingConfig
from classifier.bundle_weights import bundle_precision, load_gate, load_musicnn
from classifier.features import LogMel, patch_samples
from classifier.nets.heads import MusicGate
from classifier.nets.musicnn import MusicNN


@dataclass(frozen=True, eq=False)
class MusicGateRunner:
    """P(music) of a file from its clips: decode, log-mel, MSD backbone, gate."""

    backbone: MusicNN
    gate: MusicGate
    threshold: float
    clips: int = DEFAULT_CLIPS

    def music(self, path: str | os.PathLike[str], device: str = "cpu",
              decoder: str | None = None) -> float | None:
        """The file's mean music probability over its clips; None if it cannot be decoded."""
        config = PreprocessingConfig()
        plan = ClipPlan(count=self.clips, seconds=patch_samples(config) / config.sample_rate)
        decoded = decode_clips(path, plan, config.sample_rate, decoder)
        if decoded.clips is None:
            return None  # the genre pipeline reports its own decoding error
        with torch.inference_mode():
            tags, embedding = self.backbone.to(device)(LogMel(config, device)(decoded.clips))
            return float(np.mean(self.gate.to(device)(embedding, tags).float().cpu().numpy()))


def load_gate_runner() -> MusicGateRunner:
    """The shipped gate with its own MSD backbone."""
    gate, threshold, backbone_file = load_gate()
    backbone = load_musicnn(backbone_file)[0].set_precision(bundle_precision())
    return MusicGateRunner(backbone, gate, threshold)
