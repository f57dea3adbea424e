"""The one genre-model interface: every bundle kind classify can open implements it.

Pretrained heads (classifier/bundle.py: broad, gtzan10, learned ones, the multi-label tags
bundle) and from-scratch nets (classifier/scratch_predict.py) are both `GenreModel`s; callers
never ask which kind they hold. classifier/bundles.py opens and lists them.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Hashable, Iterable, Mapping
from typing import NamedTuple, Protocol

import numpy as np

from classifier.audio import DEFAULT_CLIPS
from classifier.predict import PipelineStats, TrackPrediction


class TrackInput(NamedTuple):
    """One track to predict: the caller's key, its file, and the decoder to try first."""

    key: Hashable
    path: str
    decoder: str | None = None  # "libsndfile" or "ffmpeg" for the detected format; None: guess


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
