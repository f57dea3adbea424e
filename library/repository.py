"""Track queries: filters, look-ups, counts. Returns records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from library.genre_names import spelling_keys
from library.convert import prediction_record, track_record
from library.models import Prediction, Track, UserLabel
from library.records import PredictionRecord, TrackRecord, is_not_music_name


@dataclass(frozen=True, slots=True)
class TrackFilter:
    """Which tracks to list; empty fields do not filter."""

    genre: str | None = None  # in the tags, predicted top genres or user label (any spelling)
    artist: str | None = None  # substring of the artist (case-insensitive)
    status: str | None = None  # ok|missing|error
    text: str | None = None  # substring of title, artist, album or path
    folder_id: int | None = None
    limit: int | None = None
    offset: int = 0


def _like(text: str) -> str:
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, genre: str) -> Any:
    """SQL: the JSON list in `column` holds `genre` in any spelling ("Hiphop" is "Hip-Hop")."""
    value = func.json_each(column).table_valued("value")
    keys = sorted(spelling_keys(genre))
    return exists(select(1).select_from(value).where(func.genre_key(value.c.value).in_(keys)))


def _has_genre(genre: str) -> Any:
    """SQL: a track with `genre` in its tags, a prediction's top genres or the user's label.

    "not music" asks for tracks the music gate vetoed (and not relabelled by the user).
    """
    if is_not_music_name(genre):
        gated = select(1).where(Prediction.track_id == Track.id, Prediction.not_music.is_(True))
        labelled = select(1).where(UserLabel.track_id == Track.id)
        return and_(exists(gated), ~exists(labelled))
    predicted = select(1).where(Prediction.track_id == Track.id,
                                _contains(Prediction.top_genres, genre))
    labelled = select(1).where(UserLabel.track_id == Track.id, _contains(UserLabel.genres, genre))
    return or_(_contains(Track.genres, genre), exists(predicted), exists(labelled))


def _filtered(query: Select[Track], where: TrackFilter) -> Select[Track]:
    if where.genre:
        query = query.where(_has_genre(where.genre))
    if where.artist:
        query = query.where(func.casefold(Track.artist).like(_like(where.artist), escape="\\"))
    if where.status:
        query = query.where(Track.status == where.status)
    if where.folder_id is not None:
        query = query.where(Track.folder_id == where.folder_id)
    if where.text:
        pattern = _like(where.text)
        # casefold() (library.db) folds all of Unicode, not just ASCII as lower() does; paths
        # are stored as bytes, which it decodes (any bytes) before folding.
        fields = (Track.title, Track.artist, Track.album, Track.path)
        query = query.where(or_(*(func.casefold(f).like(pattern, escape="\\") for f in fields)))
    return query


def list_tracks(session: Session, where: TrackFilter = TrackFilter()) -> list[TrackRecord]:
    """Tracks matching `where`, by path."""
    query = _filtered(select(Track), where).order_by(Track.path).offset(where.offset)
    if where.limit is not None:
        query = query.limit(where.limit)
    return [track_record(row) for row in session.scalars(query)]


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
    return [prediction_record(p) for p in rows]


def latest_predictions(session: Session, track_ids: list[int]) -> dict[int, PredictionRecord]:
    """Each track's newest prediction (of any bundle), for listings."""
    found: dict[int, PredictionRecord] = {}
    for start in range(0, len(track_ids), 500):  # SQLite caps bound parameters
        chunk = track_ids[start : start + 500]
        rows = session.scalars(select(Prediction).where(Prediction.track_id.in_(chunk))
                               .order_by(Prediction.created_at))
        found.update((p.track_id, prediction_record(p)) for p in rows)  # newest wins
    return found


def user_genres(session: Session, track_id: int) -> tuple[str, ...]:
    """The genres the user set for a track (empty: none)."""
    label = session.get(UserLabel, track_id)
    return tuple(label.genres) if label else ()
