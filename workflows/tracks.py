"""The CLI's track reads: a filtered listing with each track's latest prediction, and one
file's record (or, for a file not in the library, what its tags say)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from library import repository
from library.claims import UNREADABLE
from library.folders import list_folders, normalise
from library.predictions import is_under
from library.records import PredictionRecord, TrackRecord
from library.repository import TrackFilter
from library.tags import TagError, read_file

# What a front end filters with, shows or catches (read_file: a file not in the library).
__all__ = ["UNREADABLE", "Listing", "TagError", "TrackFilter", "TrackInfo", "listing",
           "normalise", "outside_library", "read_file", "track_info"]


@dataclass(frozen=True)
class Listing:
    """Matching tracks, the latest prediction of each, and each folder's path by id."""

    tracks: list[TrackRecord]
    predictions: dict[int, PredictionRecord]
    roots: dict[int, str]


@dataclass(frozen=True)
class TrackInfo:
    """One file's record (None: not in the library), its predictions and the user's label."""

    track: TrackRecord | None
    predictions: list[PredictionRecord]
    label: tuple[str, ...]


def outside_library(sessions: sessionmaker[Session], paths: Sequence[Path]) -> list[Path]:
    """The paths that are no library track and hold none (a typo, a folder never scanned)."""
    if not paths:
        return []
    with sessions() as session:
        known = repository.track_paths(session)
    return [p for p in paths if not any(is_under(t, [os.path.abspath(p)]) for t in known)]


def listing(sessions: sessionmaker[Session], where: TrackFilter) -> Listing:
    """The tracks `where` selects, with their latest predictions."""
    with sessions() as session:
        tracks = repository.list_tracks(session, where)
        predictions = repository.latest_predictions(session, [t.id for t in tracks])
        roots = {f.id: f.path for f in list_folders(session)}
    return Listing(tracks, predictions, roots)


def track_info(sessions: sessionmaker[Session], path: str) -> TrackInfo:
    """What the library knows of the file at `path` (already normalised)."""
    with sessions() as session:
        track = repository.get_track_by_path(session, path)
        if track is None:
            return TrackInfo(None, [], ())
        return TrackInfo(track, repository.predictions_for(session, track.id),
                         repository.user_genres(session, track.id))
