"""Model bundles: backbone weights + head + labels + preprocessing, loaded without pickle.

A bundle is a folder holding `bundle.json` and safetensors files (format: docs/genres.md and
resources/models/broad/bundle.json). Weight files named in it are looked up in the bundle's
folder first, then in resources/models, so bundles share the musicnn backbones.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Hashable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch

from classifier.bundle_spec import (  # re-exported: they lived here
    BUNDLE_FILE as BUNDLE_FILE,
    DEFAULT_BUNDLE as DEFAULT_BUNDLE,
    NAME_PATTERN as NAME_PATTERN,
    BundleError as BundleError,
    BundleInfo as BundleInfo,
    bundle_dirs as bundle_dirs,
    check_keys,
    expect,
    find_bundle as find_bundle,
    read_spec as read_spec,
    user_bundles_dir as user_bundles_dir,
)
from classifier.bundle_weights import build_model, load_musicnn
from classifier.audio import DEFAULT_CLIPS
from classifier.early_exit import EarlyExit
from classifier.predict import predict_tracks

if TYPE_CHECKING:
    from classifier.model import PipelineStats, TrackInput, TrackPrediction



@dataclass(frozen=True)
class PreprocessingConfig:
    """How audio becomes the network's input; the pipeline must follow it exactly."""

    sample_rate: int = 16000
    n_fft: int = 512
    hop_length: int = 256
    n_mels: int = 96
    mel_scale: str = "slaney"
    window: str = "hann"
    center: bool = True
    patch_frames: int = 187
    log: str = "log10(10000x+1)"


@dataclass(frozen=True)
class Bundle:
    """A loaded bundle: `model` maps (B, frames, n_mels) log-mel -> (genre probs, embedding).

    A multi-label bundle's outputs are independent tag probabilities, not genres.
    """

    name: str
    version: str
    description: str
    labels: tuple[str, ...]
    preprocessing: PreprocessingConfig
    uncertain_threshold: float
    model: torch.nn.Module
    path: Path
    multi_label: bool = False
    early_exit: EarlyExit | None = None  # stop settled tracks early (measured per bundle)

    kind: ClassVar[str] = "pretrained"  # a GenreModel (classifier/model.py) of this kind
    descriptor_key: ClassVar[str | None] = None  # reads log-mel only: nothing to cache

    def with_threshold(self, threshold: float) -> Bundle:
        """The same bundle deciding "uncertain" below `threshold`."""
        return replace(self, uncertain_threshold=threshold)

    def predict(
        self,
        tracks: Iterable[TrackInput],
        *,
        device: str = "auto",
        clips: int = DEFAULT_CLIPS,
        cancel: threading.Event | None = None,
        stats: PipelineStats | None = None,
        descriptors: Mapping[Hashable, np.ndarray] | None = None,
    ) -> Generator[TrackPrediction, None, None]:
        """The pretrained pipeline: a few seek windows per track, batched across tracks."""
        return predict_tracks(tracks, self, device=device, clips=clips, cancel=cancel,
                              stats=stats)

    @property
    def music_threshold(self) -> float | None:
        """The gate's threshold on a track's mean music probability; None: no gate (tags)."""
        return getattr(self.model, "gate_threshold", None)

    def decide(self, probabilities: list[float] | torch.Tensor,
               music: float | None = None) -> str | None:
        """The most probable genre of one track, or None ("uncertain", or not music)."""
        threshold = self.music_threshold
        if music is not None and threshold is not None and music < threshold:
            return None
        probs = torch.as_tensor(probabilities, dtype=torch.float32).reshape(-1)
        if music is not None and threshold is not None:
            probs = probs * music  # the pipeline's joint P(music and genre)
        best = int(probs.argmax())
        return self.labels[best] if float(probs[best]) >= self.uncertain_threshold else None


def parse_preprocessing(raw: Any, where: str) -> PreprocessingConfig:
    """Check the preprocessing block; only what the pipeline implements is accepted."""
    names = {f.name for f in fields(PreprocessingConfig)}
    check_keys(raw, names, names, where)
    config = PreprocessingConfig(**raw)
    for f in fields(PreprocessingConfig):
        value = getattr(config, f.name)
        expect(type(value) is type(f.default),
               f"{where}: {f.name} must be {type(f.default).__name__}")
    # The backbones were trained on exactly these features; anything else would be garbage in.
    expect(config == PreprocessingConfig(), f"{where}: only musicnn's preprocessing "
           f"({PreprocessingConfig()}) is supported")
    return config


def load_bundle(name_or_path: str | Path) -> Bundle:
    """Load a bundle by name (resources/models, then the user bundles dir) or folder path."""
    folder = find_bundle(name_or_path)
    spec = read_spec(folder)
    preprocessing = parse_preprocessing(spec["preprocessing"],
                                        f"{folder / BUNDLE_FILE}: preprocessing")
    early = None
    if "early_exit" in spec:
        try:
            early = EarlyExit.from_spec(spec["early_exit"], f"{folder / BUNDLE_FILE}: early_exit")
        except ValueError as exc:
            raise BundleError(str(exc)) from exc
    model = build_model(folder, spec)
    return Bundle(spec["name"], spec["version"], spec["description"], tuple(spec["labels"]),
                  preprocessing, float(spec["uncertain_threshold"]), model, folder,
                  spec.get("multi_label", False), early)


__all__ = ["DEFAULT_BUNDLE", "Bundle", "BundleError", "BundleInfo", "PreprocessingConfig",
           "find_bundle", "load_bundle", "load_musicnn"]
