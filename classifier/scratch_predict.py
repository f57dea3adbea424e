"""From-scratch bundles in `classify`: whole excerpts in, genre predictions out.

The nets were trained on clips tiled over the whole decoded excerpt (inputs.py), so they are
run the same way here, not on the pretrained pipeline's few seek windows. Bundles over the 57
hand-crafted descriptors (feature-mlp, random-forest, cnn-mlp) get each track's clip
descriptors from the caller's cache when it has them, and hand back the ones computed now
(`TrackPrediction.descriptors`) so the caller can cache them: describing a track (HPSS, tempo)
costs far more than running the net.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Generator, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from classifier.aggregate import (
    aggregate,
    max_probabilities,
    mean_probabilities,
    top_genres,
    vote_shares,
)
from classifier.audio import DEFAULT_CLIPS
from classifier.clip_inputs import clip_rows, descriptor_key, spec_descriptors
from classifier.inputs import (
    CLIP_LEVEL_KINDS,
    InputError,
    InputSpec,
    cut_clips,
    spectrogram,
    usable_audio,
)
from classifier.model import PipelineStats, TrackInput, TrackPrediction, choose_device
from classifier.scratch_bundle import (
    MANIFEST,
    WEIGHTS,
    ScratchBundle,
    load_scratch_bundle,
)

if TYPE_CHECKING:
    from classifier.music_gate import MusicGateRunner

# Scratch bundles carry no calibrated threshold; the shipped gtzan10 head's (also softmax over
# GTZAN's ten genres) is the closest measured one.
SCRATCH_THRESHOLD = 0.4


@dataclass(frozen=True)
class ScratchClassifier:
    """A from-scratch bundle with what the library needs: a name and a version."""

    name: str
    version: str  # changes whenever the weights do, so a retrained bundle predicts again
    scratch: ScratchBundle
    uncertain_threshold: float = SCRATCH_THRESHOLD
    gate: MusicGateRunner | None = None  # None for taggers
    kind: ClassVar[str] = "scratch"  # a GenreModel (classifier/model.py) of this kind

    @property
    def labels(self) -> tuple[str, ...]:
        """The bundle's genres (or tags), in output order."""
        return tuple(self.scratch.labels)

    @property
    def multi_label(self) -> bool:
        """True for a tagger, which classify refuses."""
        return self.scratch.multi_label

    @property
    def descriptor_key(self) -> str | None:
        """The cache name of the clip descriptors this net reads, None if it reads none."""
        spec = self.scratch.input_spec
        return descriptor_key(spec) if spec.kind in CLIP_LEVEL_KINDS else None

    def with_threshold(self, threshold: float) -> ScratchClassifier:
        """The same net deciding "uncertain" below `threshold`."""
        return replace(self, uncertain_threshold=threshold)

    def predict(
        self,
        tracks: Iterable[TrackInput],
        *,
        device: str = "auto",
        clips: int = DEFAULT_CLIPS,  # unused: the nets see every clip of the whole excerpt
        cancel: threading.Event | None = None,
        stats: PipelineStats | None = None,
        descriptors: Mapping[Hashable, np.ndarray] | None = None,
    ) -> Generator[TrackPrediction, None, None]:
        """Whole excerpts in, one prediction per track; `descriptors`: cached clip descriptors."""
        return predict_scratch_tracks(tracks, self, descriptors or {}, device=device,
                                      cancel=cancel, stats=stats)


def scratch_version(folder: Path, net: str) -> str:
    """The version a from-scratch bundle's predictions are stored under: its net and a digest
    of its weights, so a retrained bundle predicts again."""
    digest = hashlib.sha256((folder / WEIGHTS).read_bytes()).hexdigest()[:12]
    return f"{net}-{digest}"


def scratch_identity(folder: Path) -> tuple[str, str]:
    """(name, version) classify stores a from-scratch bundle's predictions under, without
    loading its net; OSError/ValueError/KeyError if the folder does not read."""
    import json

    net = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["net"]
    return folder.name, scratch_version(folder, str(net))


def load_scratch_classifier(folder: Path) -> ScratchClassifier:
    """A from-scratch bundle for classify, named after its folder, versioned by its weights."""
    from classifier.music_gate import load_gate_runner

    scratch = load_scratch_bundle(folder)
    gate = None if scratch.multi_label else load_gate_runner()
    return ScratchClassifier(folder.name, scratch_version(folder, scratch.net), scratch, gate=gate)


def net_rows(path: str, spec: InputSpec, cached: np.ndarray | None,
             decoder: str | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(net input rows of one track, descriptors computed now or None); InputError if unusable."""
    if spec.kind == "descriptors" and cached is not None:
        return cached, None  # nothing to decode at all
    audio = usable_audio(Path(path), spec, decoder)
    if spec.kind not in CLIP_LEVEL_KINDS:
        return cut_clips(spectrogram(audio, spec), spec), None
    descriptors = cached if cached is not None else spec_descriptors(audio, spec)
    return clip_rows(audio, spec, descriptors), (None if cached is not None else descriptors)


def predict_one(key: Hashable, path: str, bundle: ScratchClassifier,
                cached: np.ndarray | None, device: str,
                decoder: str | None = None) -> TrackPrediction:
    """One track's prediction, or its error; `descriptors` holds those computed now."""
    spec, labels = bundle.scratch.input_spec, bundle.labels
    try:
        stat = os.stat(path)  # before decoding: the prediction is of the file as it was then
        rows, computed = net_rows(path, spec, cached, decoder)
    except (OSError, InputError) as exc:
        return TrackPrediction(key, path, labels, error=str(exc))
    if not len(rows):
        return TrackPrediction(key, path, labels, error=f"shorter than one "
                               f"{spec.clip_seconds:.2f} s clip")
    clip_probs = bundle.scratch.predict_clips(rows[:, None].astype(np.float32), device=device)
    probabilities = aggregate(clip_probs, "mean")
    gate = bundle.gate
    music = gate.music(path, device, decoder) if gate is not None else None
    not_music = gate is not None and music is not None and music < gate.threshold
    if music is not None:  # P(music and genre), as for pretrained bundles
        probabilities = probabilities * music
    best = () if not_music else top_genres(probabilities, labels, bundle.uncertain_threshold)
    step = spec.stride * spec.hop_length / spec.sample_rate
    return TrackPrediction(
        key=key, path=path, labels=labels, clip_probabilities=clip_probs,
        clip_starts=tuple(i * step for i in range(len(clip_probs))),
        mean=mean_probabilities(clip_probs), max=max_probabilities(clip_probs),
        vote=vote_shares(clip_probs), probabilities=probabilities, top_genres=best,
        confidence=float(probabilities.max()), uncertain=not best,
        duration=len(clip_probs) * step, size=stat.st_size, mtime_ns=stat.st_mtime_ns,
        descriptors=computed, music=music, not_music=not_music,
    )


def predict_scratch_tracks(
    items: Iterable[tuple[Hashable, str] | TrackInput],
    bundle: ScratchClassifier,
    cached: Mapping[Hashable, np.ndarray],
    *,
    device: str = "auto",
    cancel: threading.Event | None = None,
    stats: PipelineStats | None = None,
) -> Generator[TrackPrediction, None, None]:
    """Yield a TrackPrediction per (key, path), in order; `cached` holds clip descriptors."""
    device = choose_device(device)
    for item in items:
        if cancel is not None and cancel.is_set():
            return
        key, path, decoder = TrackInput(*item)
        result = predict_one(key, os.fspath(path), bundle, cached.get(key), device, decoder)
        if stats is not None:
            stats.tracks += 1
            stats.clips += len(result.clip_probabilities)
            stats.errors += result.error is not None
        yield result
