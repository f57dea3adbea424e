"""The one genre-model interface: every bundle kind classify can open implements it.

Pretrained heads (classifier/bundle.py: broad, gtzan10, learned ones, the multi-label tags
bundle) and from-scratch nets (classifier/scratch_predict.py) are both `GenreModel`s; callers
never ask which kind they hold. classifier/bundles.py opens and lists them. What crosses the
interface (TrackInput in, TrackPrediction out, PipelineStats, the device) is declared here too,
so no implementation is imported to name it.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np

from classifier.audio import DEFAULT_CLIPS


class TrackInput(NamedTuple):
    """One track to predict: the caller's key, its file, and the decoder to try first."""

    key: Hashable
    path: str
    decoder: str | None = None  # "libsndfile" or "ffmpeg" for the detected format; None: guess


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.float32)


class DeviceError(Exception):
    """The requested compute device does not exist here."""


def choose_device(
    requested: str = "auto",
    *,
    cuda_available: bool | None = None,
    mps_available: bool | None = None,
) -> str:
    """The torch device to use: CUDA, then Apple MPS, then CPU, unless one is requested."""
    import torch  # here, not at the top: the protocol's readers need no torch to import it

    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if mps_available is None:
        mps_available = torch.backends.mps.is_available()
    requested = requested.strip().lower()
    if requested == "auto":
        return "cuda" if cuda_available else "mps" if mps_available else "cpu"
    kind = requested.split(":", 1)[0]
    available = {"cpu": True, "cuda": cuda_available, "mps": mps_available}
    if kind not in available:
        raise DeviceError(f"unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps")
    if not available[kind]:
        raise DeviceError(f"device {requested!r} is not available on this machine")
    return requested


@dataclass(frozen=True, eq=False)
class TrackPrediction:
    """One track's prediction (or why there is none) with everything later stages need."""

    key: Hashable  # what the caller passed to identify the track
    path: str
    labels: tuple[str, ...]
    clip_probabilities: np.ndarray = field(default_factory=_empty)  # (clips, labels)
    clip_starts: tuple[float, ...] = ()
    mean: np.ndarray = field(default_factory=_empty)  # track probabilities, three ways
    max: np.ndarray = field(default_factory=_empty)
    vote: np.ndarray = field(default_factory=_empty)
    # the chosen aggregate, times the gate's P(music) when a gate ran: P(music and genre)
    probabilities: np.ndarray = field(default_factory=_empty)
    top_genres: tuple[str, ...] = ()
    confidence: float = 0.0  # the best label's probability
    uncertain: bool = True  # no label reached the bundle's threshold
    embedding: np.ndarray = field(default_factory=_empty)  # (200,), mean over clips
    duration: float = 0.0
    size: int = 0  # the file as decoded
    mtime_ns: int = 0
    error: str | None = None
    descriptors: np.ndarray | None = None  # clip descriptors computed for this run, to cache
    music: float | None = None  # the music gate's mean probability; None: no gate ran
    not_music: bool = False  # the gate said not music: no genre is named


@dataclass
class PipelineStats:
    """Seconds spent per stage (summed over decode threads and network streams) and counts."""

    decode: float = 0.0
    features: float = 0.0
    network: float = 0.0
    tracks: int = 0
    clips: int = 0  # clips run through the network
    errors: int = 0
    settled: int = 0  # tracks the early exit settled on their first clips
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class GenreModel(Protocol):
    """A loaded model bundle of any kind, as classify, the GUI and the CLI use it."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...  # changes whenever the weights do: stored with predictions

    @property
    def labels(self) -> tuple[str, ...]: ...

    @property
    def uncertain_threshold(self) -> float: ...

    @property
    def multi_label(self) -> bool: ...  # a tagger: tag probabilities, not genres

    @property
    def kind(self) -> str: ...  # the bundle.json "kind" it was opened as

    @property
    def descriptor_key(self) -> str | None: ...  # clip descriptors it reads (cacheable), if any

    def with_threshold(self, threshold: float) -> GenreModel:
        """The same model deciding "uncertain" below `threshold`."""
        ...

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
        """A TrackPrediction (or its error) per track; `descriptors`: cached clip descriptors."""
        ...
