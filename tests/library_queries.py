"""Reads the tests need and the app does not: kept here so library/ holds only what runs."""

from __future__ import annotations

import numpy as np
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from library.convert import track_record
from library.descriptor_store import TRACK_VERSION, unpack
from library.models import Embedding, Prediction, Track
from library.records import TrackRecord
from library.dialect import is_sqlite
from library.repository import TrackFilter, list_tracks
from library.roots import local_paths

CLIPS_VERSION = f"{TRACK_VERSION}/clips"  # one descriptor row per clip


def count_tracks(session: Session, where: TrackFilter = TrackFilter()) -> int:
    """How many tracks match `where`."""
    return len(list_tracks(session, where))


def status_counts(session: Session) -> dict[str, int]:
    """Tracks per status (ok, missing, error)."""
    rows = session.execute(select(Track.status, func.count()).group_by(Track.status))
    return {status: int(n) for status, n in rows}


def get_track(session: Session, track_id: int) -> TrackRecord | None:
    """One track by id."""
    row = session.get(Track, track_id)
    return track_record(row) if row else None


def track_ids_with_predicted_genre(
    session: Session, genre: str, bundle: str | None = None
) -> set[int]:
    """Tracks whose top genres (of `bundle`, or of any bundle) include `genre`, any case."""
    if not is_sqlite(session):
        rows = session.execute(select(Prediction.track_id, Prediction.top_genres).where(
            True if bundle is None else Prediction.bundle == bundle))
        return {i for i, top in rows if genre.lower() in (g.lower() for g in top)}
    top = func.json_each(Prediction.top_genres).table_valued("value")
    query = select(Prediction.track_id).where(
        select(top.c.value).where(func.lower(top.c.value) == genre.lower()).exists()
    )
    if bundle is not None:
        query = query.where(Prediction.bundle == bundle)
    return set(session.scalars(query))


def load_descriptors(session: Session, track_id: int,
                     version: str = TRACK_VERSION) -> np.ndarray | None:
    """A track's cached descriptor rows (N, dim), or None when none are stored."""
    stored = session.scalars(select(Embedding).where(
        Embedding.track_id == track_id, Embedding.backbone == version)).one_or_none()
    return None if stored is None else unpack(stored.vector, stored.dim)


def local_rows(session: Session, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Rows of `query`, which starts with Track.root_id, Track.path, with the track's path on
    this machine in place of those two."""
    roots = local_paths(session)
    return [(roots.local(root_id, path), *rest) for root_id, path, *rest in session.execute(query)]
