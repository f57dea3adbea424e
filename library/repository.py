"""Track queries: filters, look-ups, counts. Returns records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from library.genre_names import genre_key, spelling_keys
from library.convert import prediction_record, track_record
from library.dialect import first_field, is_sqlite
from library.models import Prediction, Track, UserLabel
from library.records import PredictionRecord, TrackRecord, is_not_music_name
from library.roots import at_path, local_paths
from library.search_text import SEPARATOR, like_pattern


@dataclass(frozen=True, slots=True)
class TrackFilter:
    """Which tracks to list; empty fields do not filter."""

    genre: str | None = None  # in the tags, predicted top genres or user label (any spelling)
    artist: str | None = None  # substring of the artist (case-insensitive)
    status: str | None = None  # ok|missing|error
    text: str | None = None  # substring of title, artist, album or path within its root
    folder_id: int | None = None
    limit: int | None = None
    offset: int = 0


# Listing order: by root, then path within it (NULLs placed alike on both engines).
BY_PATH = (Track.root_id.nulls_first(), Track.path)


Spellings = frozenset[str] | None  # a server's stored spellings of a genre; None on SQLite


def _contains(column: Any, genre: str, spellings: Spellings = None) -> Any:
    """SQL: the JSON list in `column` holds `genre` in any spelling ("Hiphop" is "Hip-Hop").

    SQLite matches with its genre_key() function; a server, lacking it, matches the stored
    spellings that Python's genre_key found to be this genre (_spellings)."""
    if spellings is None:
        value = func.json_each(column).table_valued("value")
        keys = sorted(spelling_keys(genre))
        return exists(select(1).select_from(value).where(func.genre_key(value.c.value).in_(keys)))
    value = func.json_array_elements_text(column).table_valued("value")
    return exists(select(1).select_from(value).where(value.c.value.in_(sorted(spellings))))


def _spellings(session: Session, genre: str) -> frozenset[str]:
    """Every distinct genre text stored on the server that names `genre` (a handful of
    values, found in the server's own pass over the JSON lists)."""
    keys = spelling_keys(genre)
    found: set[str] = set()
    for column in (Track.genres, Prediction.top_genres, UserLabel.genres):
        value = func.json_array_elements_text(column).table_valued("value").lateral()
        stored = session.scalars(select(value.c.value).select_from(column.class_)
                                 .join(value, true()).distinct())
        found.update(v for v in stored if genre_key(v) in keys)
    return frozenset(found)


def _has_genre(genre: str, spellings: Spellings = None) -> Any:
    """SQL: a track with `genre` in its tags, a prediction's top genres or the user's label.

    "not music" asks for tracks the music gate vetoed (and not relabelled by the user).
    """
    if is_not_music_name(genre):
        gated = select(1).where(Prediction.track_id == Track.id, Prediction.not_music.is_(True))
        labelled = select(1).where(UserLabel.track_id == Track.id)
        return and_(exists(gated), ~exists(labelled))
    predicted = select(1).where(Prediction.track_id == Track.id,
                                _contains(Prediction.top_genres, genre, spellings))
    labelled = select(1).where(UserLabel.track_id == Track.id,
                               _contains(UserLabel.genres, genre, spellings))
    return or_(_contains(Track.genres, genre, spellings), exists(predicted), exists(labelled))


def _filtered(query: Select[Track], where: TrackFilter, spellings: Spellings = None
              ) -> Select[Track]:
    """The filter in SQL; text and artist against the stored case-folded search_text."""
    if where.genre:
        query = query.where(_has_genre(where.genre, spellings))
    if where.artist:  # the stored text's first field: the artist alone
        pattern = like_pattern(where.artist)
        query = query.where(Track.search_text.like(pattern, escape="\\"),
                            first_field(Track.search_text, SEPARATOR).like(pattern, escape="\\"))
    if where.status:
        query = query.where(Track.status == where.status)
    if where.folder_id is not None:
        query = query.where(Track.folder_id == where.folder_id)
    if where.text:  # a case-folded needle cannot span two fields (search_text.SEPARATOR)
        query = query.where(Track.search_text.like(like_pattern(where.text), escape="\\"))
    return query


def list_tracks(session: Session, where: TrackFilter = TrackFilter()) -> list[TrackRecord]:
    """Tracks matching `where`, by path."""
    spellings = None
    if where.genre and not is_sqlite(session) and not is_not_music_name(where.genre):
        spellings = _spellings(session, where.genre)  # a server lacks genre_key()
    query = (_filtered(select(Track), where, spellings).order_by(*BY_PATH)
             .offset(where.offset))
    if where.limit is not None:
        query = query.limit(where.limit)
    return [track_record(row) for row in session.scalars(query)]


def track_paths(session: Session) -> list[str]:
    """Every track's path on this machine."""
    roots = local_paths(session)
    return [roots.local(root_id, path)
            for root_id, path in session.execute(select(Track.root_id, Track.path))]


def get_track_by_path(session: Session, path: str) -> TrackRecord | None:
    """One track by its exact path (as on this machine)."""
    row = session.scalars(select(Track).where(at_path(session, Track, path))
                          .order_by(Track.root_id.nulls_last())).first()  # rooted first
    return track_record(row) if row else None


def get_track(session: Session, track_id: int) -> TrackRecord | None:
    """One track by its id."""
    row = session.get(Track, track_id)
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
