"""Track queries: filters, look-ups, counts. Returns records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, String, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from library.models import Prediction, Track
from library.records import PredictionRecord, TrackRecord


@dataclass(frozen=True, slots=True)
class TrackFilter:
    """Which tracks to list; empty fields do not filter."""

    genre: str | None = None  # one of the genres in the file's tags (case-insensitive)
    artist: str | None = None  # substring of the artist (case-insensitive)
    status: str | None = None  # ok|missing|error
    text: str | None = None  # substring of title, artist, album or path
    folder_id: int | None = None
    # Predicted genres (issue: classifier) will filter here too, on the predictions table.
    limit: int | None = None
    offset: int = 0


def track_record(row: Track) -> TrackRecord:
    """The record of an ORM row (rows never leave library/)."""
    return TrackRecord(
        id=row.id, path=row.path, size=row.size, mtime_ns=row.mtime_ns, status=row.status,
        format=row.format, codec=row.codec, duration=row.duration,
        sample_rate=row.sample_rate, channels=row.channels, bitrate=row.bitrate,
        title=row.title, artist=row.artist, album=row.album, album_artist=row.album_artist,
        year=row.year, track_number=row.track_number, genres=tuple(row.genres or ()),
        error=row.error, scanned_at=row.scanned_at, folder_id=row.folder_id,
    )


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: Select[tuple[Track]], where: TrackFilter) -> Select[tuple[Track]]:
    if where.genre:
        tag = func.json_each(Track.genres).table_valued("value")
        query = query.where(
            exists(select(1).select_from(tag).where(func.lower(tag.c.value) == where.genre.lower()))
        )
    if where.artist:
        query = query.where(func.lower(Track.artist).like(_like(where.artist), escape="\\"))
    if where.status:
        query = query.where(Track.status == where.status)
    if where.folder_id is not None:
        query = query.where(Track.folder_id == where.folder_id)
    if where.text:
        pattern = _like(where.text)
        # Paths are stored as bytes; SQLite compares them as UTF-8 text here.
        fields = (Track.title, Track.artist, Track.album, cast(Track.path, String))
        query = query.where(or_(*(func.lower(f).like(pattern, escape="\\") for f in fields)))
    return query


def list_tracks(session: Session, where: TrackFilter = TrackFilter()) -> list[TrackRecord]:
    """Tracks matching `where`, by path."""
    query = _filtered(select(Track), where).order_by(Track.path).offset(where.offset)
    if where.limit is not None:
        query = query.limit(where.limit)
    return [track_record(row) for row in session.scalars(query)]


def count_tracks(session: Session, where: TrackFilter = TrackFilter()) -> int:
    """How many tracks match `where`."""
    inner = _filtered(select(Track.id), where).subquery()  # type: ignore[arg-type]
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def status_counts(session: Session) -> dict[str, int]:
    """Tracks per status (ok, missing, error)."""
    rows = session.execute(select(Track.status, func.count()).group_by(Track.status))
    return {status: int(n) for status, n in rows}


def get_track(session: Session, track_id: int) -> TrackRecord | None:
    """One track by id."""
    row = session.get(Track, track_id)
    return track_record(row) if row else None


def get_track_by_path(session: Session, path: str) -> TrackRecord | None:
    """One track by its exact path."""
    row = session.scalars(select(Track).where(Track.path == path)).one_or_none()
    return track_record(row) if row else None


def predictions_for(session: Session, track_id: int) -> list[PredictionRecord]:
    """Every bundle's prediction for a track, newest first."""
    rows = session.scalars(
        select(Prediction).where(Prediction.track_id == track_id)
        .order_by(Prediction.created_at.desc())
    )
    return [
        PredictionRecord(
            track_id=p.track_id, bundle=p.bundle, bundle_version=p.bundle_version,
            probabilities=dict(p.probabilities), top_genres=tuple(p.top_genres),
            confidence=p.confidence, uncertain=p.uncertain,
            clip_probabilities=tuple(tuple(c) for c in p.clip_probabilities),
            clip_starts=tuple(p.clip_starts), created_at=p.created_at,
        )
        for p in rows
    ]
