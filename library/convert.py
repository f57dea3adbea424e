"""ORM row -> record: one converter per record, so every reader hands out the same fields.

Rows never leave library/ (rule 3); these are the only places a row becomes a record.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from library.models import Folder, Prediction, TagChange, Track
from library.records import FolderRecord, PredictionRecord, TrackRecord, TrackStatus
from library.roots import local_path, roots_of


def local(row: Track | TagChange | Folder) -> str:
    """A row's path on this machine (its stored path is relative to its root)."""
    session = object_session(row)
    if session is None:  # a row never stored or detached: only an absolute path is usable
        if row.root_id is not None:
            raise ValueError("a detached row's path cannot be resolved")
        return row.path
    return local_path(session, row.root_id, row.path)


def track_record(row: Track) -> TrackRecord:
    """The record of a track row."""
    return TrackRecord(
        id=row.id, path=local(row), size=row.size, mtime_ns=row.mtime_ns,
        status=TrackStatus(row.status),
        format=row.format, codec=row.codec, duration=row.duration,
        sample_rate=row.sample_rate, channels=row.channels, bitrate=row.bitrate,
        title=row.title, artist=row.artist, album=row.album, album_artist=row.album_artist,
        year=row.year, track_number=row.track_number, genres=tuple(row.genres or ()),
        error=row.error, scanned_at=row.scanned_at, folder_id=row.folder_id,
    )


def prediction_record(row: Prediction) -> PredictionRecord:
    """The record of a prediction row (a row from before clip starts were stored has none)."""
    return PredictionRecord(
        track_id=row.track_id, bundle=row.bundle, bundle_version=row.bundle_version,
        probabilities=dict(row.probabilities), top_genres=tuple(row.top_genres),
        confidence=row.confidence, uncertain=row.uncertain,
        clip_probabilities=tuple(tuple(clip) for clip in row.clip_probabilities),
        clip_starts=tuple(row.clip_starts or ()), created_at=row.created_at,
        not_music=bool(row.not_music), reason=row.reason or "",
    )


def folder_record(row: Folder) -> FolderRecord:
    """The record of a watched-folder row."""
    path = local(row)
    session = object_session(row)
    root = roots_of(session).roots.get(row.root_id) if session else None
    if root is None:
        return FolderRecord(row.id, path, row.added_at, row.last_scanned_at, row.root_id)
    return FolderRecord(row.id, path, row.added_at, row.last_scanned_at, row.root_id,
                        root.name, root.recorded, root.mapped)
