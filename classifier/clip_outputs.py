"""Per-clip outputs of a model over audio files: (probabilities, embeddings) for each clip.

The pipeline (classifier/predict.py) keeps only track means of the embedding; training a head
and evaluating a bundle clip by clip need every clip, decoded and featurised the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from classifier.audio import ClipPlan, decode_clips
from classifier.features import LogMel, Preprocessing, patch_samples
from classifier.predict import run_model


@dataclass(frozen=True, eq=False)
class ClipOutput:
    """One file's per-clip model outputs, or why there are none."""

    index: int  # position in the input sequence
    path: str
    probabilities: np.ndarray | None = None  # (clips, outputs)
    embeddings: np.ndarray | None = None  # (clips, width)
    error: str | None = None
    music: np.ndarray | None = None  # (clips,) the music gate's probability; None: no gate


def clip_plan(config: Preprocessing, clips: int) -> ClipPlan:
    """`clips` patches of the model's input length, spread as the pipeline spreads them."""
    return ClipPlan(count=clips, seconds=patch_samples(config) / config.sample_rate)


def clip_outputs(
    paths: Sequence[str | os.PathLike[str]],
    model: nn.Module,
    config: Preprocessing,
    *,
    clips: int = 5,
    device: str = "cpu",
) -> Iterator[ClipOutput]:
    """Yield each file's clip outputs in order; `model` maps log-mel to (probs, embedding)."""
    plan, logmel = clip_plan(config, clips), LogMel(config, device)
    model = model.to(device).eval()
    for index, path in enumerate(paths):
        decoded = decode_clips(path, plan, config.sample_rate)
        if decoded.error is not None or decoded.clips is None:
            yield ClipOutput(index, decoded.path, error=decoded.error or "no audio")
            continue
        with torch.inference_mode():
            probs, embedding, music = run_model(model, logmel(decoded.clips))
        yield ClipOutput(index, decoded.path, probs, embedding, music=music)
