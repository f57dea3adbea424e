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
class BrowseRow:
    """One line of the app's track table: the track, its latest prediction, the user's label."""

    id: int
    path: str
    status: str
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    duration: float | None = None
    tag_genres: tuple[str, ...] = ()
    error: str | None = None
    folder_id: int | None = None
    predicted: tuple[str, ...] = ()  # empty when uncertain or not classified
    confidence: float | None = None  # None: never classified
    uncertain: bool = False
    stale: bool = False  # the file changed since it was classified
    probabilities: tuple[tuple[str, float], ...] = ()  # most probable first
    user_genres: tuple[str, ...] = ()  # set by hand: wins over the prediction

    @property
    def genres(self) -> tuple[str, ...]:
        """The genres the library believes in: the user's if set, else the prediction's."""
        return self.user_genres or self.predicted


@dataclass(frozen=True, slots=True)
class SidebarCounts:
    """How many tracks each entry of the genre sidebar holds."""

    total: int
    predicted: tuple[tuple[str, int], ...]  # (genre, count), largest first
    uncertain: int
    unclassified: int
    errors: int
    tagged: tuple[tuple[str, int], ...]  # genres found in the files' own tags


@dataclass(frozen=True, slots=True)
class TrackDetails:
    """Everything the details pane shows about one track."""

    track: TrackRecord
    prediction: PredictionRecord | None
    user_genres: tuple[str, ...] = ()
