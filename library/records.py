"""Frozen records: the only shape in which library data crosses threads and packages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def display_path(path: str) -> str:
    """A printable form of a path whose bytes may not be UTF-8."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class FolderRecord:
    """A watched folder."""

    id: int
    path: str
    added_at: datetime
    last_scanned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """One audio file as the library knows it."""

    id: int
    path: str
    size: int
    mtime_ns: int
    status: str
    format: str | None = None
    codec: str | None = None
    duration: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bitrate: int | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    year: int | None = None
    track_number: int | None = None
    genres: tuple[str, ...] = ()
    error: str | None = None
    scanned_at: datetime | None = None
    folder_id: int | None = None


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """A bundle's genre prediction for one track."""

    track_id: int
    bundle: str
    bundle_version: str
    probabilities: dict[str, float]
    top_genres: tuple[str, ...]
    confidence: float
    uncertain: bool
    clip_probabilities: tuple[tuple[float, ...], ...] = ()
    clip_starts: tuple[float, ...] = ()
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TrackToClassify:
    """A track the classifier should (re)process: where it is and the file as last seen."""

    id: int
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class EmbeddingRecord:
    """A backbone's feature vector for one track (stored as float16)."""

    track_id: int
    backbone: str
    vector: tuple[float, ...]
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PredictionWrite:
    """A new prediction to store, with the file's size/mtime as decoded and its embedding."""

    prediction: PredictionRecord
    track_size: int
    track_mtime_ns: int
    embedding: EmbeddingRecord | None = None
