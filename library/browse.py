"""Read queries the app browses with, and the user's genre labels.

One query with outer joins builds table rows (no query per track), paged by id so a
50,000-track library arrives in batches. Which rows fall under which sidebar entry is
library/categories.py's, over these rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, or_, select
from sqlalchemy.orm import Session

from library.convert import prediction_record, track_record
from library.dialect import genre_list, json_text, upsert
from library.learned import LEARNED_BUNDLE
from library.models import Prediction, Track, UserLabel
from library.predictions import file_changed_since, made_by_other_model
from library.roots import RootMap, local_paths
from library.records import BrowseRow, BundleKey, TrackDetails, TrackStatus


def _shown_prediction_ids(in_use: BundleKey | None) -> Select[int]:
    """Ids of the one prediction per track the app shows: the review learner's if it is at
    least as new as the track's other predictions (library/learned.py), else the model in
    use's bundle's (of any version) if the track has one, else its newest, so old genres show
    until replaced. The default's own rows are never changed by the learner."""
    learned = Prediction.bundle == LEARNED_BUNDLE
    newest = func.max(case((~learned, Prediction.id)))
    learned_id = func.max(case((learned, Prediction.id)))
    other_at = func.max(case((~learned, Prediction.created_at)))
    fresh = and_(learned_id.is_not(None),
                 or_(other_at.is_(None), func.max(case((learned, Prediction.created_at)))
                     >= other_at))
    ours = newest if in_use is None else func.coalesce(
        func.max(case((Prediction.bundle == in_use.name, Prediction.id))), newest)
    return select(case((fresh, learned_id), else_=ours)).group_by(Prediction.track_id)


def _rows_query(in_use: BundleKey | None, *page: Any) -> Select[*tuple[Any, ...]]:
    # Joined to a grouped subquery (computed once), not `IN (...)` in the ON clause, which
    # SQLite re-evaluates per row: 5,000 rows took 9 s that way. `page`: conditions on
    # Prediction.track_id bounding that subquery to one page's tracks (else PostgreSQL
    # groups every prediction for every page: docs/scale.md).
    shown = (_shown_prediction_ids(in_use).where(*page).add_columns(Prediction.track_id)
             .subquery())
    shown_id = shown.c[0]
    tags, top, probs, user = (json_text(c) for c in (Track.genres, Prediction.top_genres,
                                                    Prediction.probabilities, UserLabel.genres))
    return (
        select(
            Track.id, Track.root_id, Track.path, Track.status, Track.title, Track.artist,
            Track.album, Track.duration, tags, Track.error, Track.folder_id,
            Track.size, Track.mtime_ns, top, Prediction.confidence,
            Prediction.uncertain, probs, Prediction.track_size,
            Prediction.track_mtime_ns, user, Prediction.not_music, Prediction.bundle,
            Prediction.bundle_version,
        )
        .outerjoin(shown, shown.c.track_id == Track.id)
        .outerjoin(Prediction, Prediction.id == shown_id)
        .outerjoin(UserLabel, UserLabel.track_id == Track.id)
        .order_by(Track.id)
    )


def _to_row(values: Sequence[Any], in_use: BundleKey | None, roots: RootMap) -> BrowseRow:
    """A table row from one of _rows_query's (plain Core rows: the ORM's per-row bookkeeping
    cost more than the rows)."""
    (tid, root_id, stored, status, title, artist, album, duration, tags, error, folder_id,
     size, mtime, top, confidence, uncertain, probs, p_size, p_mtime, user, not_music,
     bundle, version) = values
    predicted = confidence is not None
    # The same rule as classify's (library.predictions.needs_prediction), in two parts
    # the table shows apart: "Changed" and "Older model".
    return BrowseRow(
        id=tid, path=roots.local(root_id, stored), status=TrackStatus(status),
        title=title, artist=artist, album=album, duration=duration,
        tag_genres=genre_list(tags), error=error, folder_id=folder_id,
        predicted=genre_list(top), confidence=confidence, uncertain=bool(uncertain),
        stale=predicted and file_changed_since((p_size, p_mtime), (size, mtime)),
        shares_json=probs or "", user_genres=genre_list(user),
        not_music=bool(not_music),
        outdated=predicted and in_use is not None and bundle != LEARNED_BUNDLE
        and made_by_other_model(in_use, bundle, version),
        predicted_by=f"{bundle} {version}" if predicted else "",
    )


def iter_row_pages(
    session: Session, page_size: int = 2000, in_use: BundleKey | None = None
) -> Iterator[list[BrowseRow]]:
    """Every track as table rows, one page at a time, in id order (keyset paging).

    `in_use`: the model the app classifies with; rows whose prediction is not its are
    `outdated` (to classify). None: any bundle's newest prediction counts (scripts, tests)."""
    after = 0
    while True:
        last = session.scalar(select(Track.id).where(Track.id > after).order_by(Track.id)
                              .offset(page_size - 1).limit(1))  # None: the last page
        bounds = [Prediction.track_id > after] + ([] if last is None else
                                                  [Prediction.track_id <= last])
        roots = local_paths(session)
        page = [_to_row(values, in_use, roots) for values in session.connection().execute(
            _rows_query(in_use, *bounds).where(Track.id > after).limit(page_size))]
        if not page:
            return
        yield page
        after = page[-1].id


def rows_for_ids(
    session: Session, track_ids: Iterable[int], in_use: BundleKey | None = None
) -> list[BrowseRow]:
    """Fresh table rows for the given tracks (after a scan, a prediction or a correction)."""
    ids = list(track_ids)
    rows: list[BrowseRow] = []
    roots = local_paths(session)
    for start in range(0, len(ids), 500):  # SQLite caps bound parameters
        chunk = ids[start : start + 500]
        # the shown-prediction subquery bounded to the chunk too: unbounded it grouped every
        # prediction of the library for each chunk (0.36 s each at 94,000 tracks)
        rows.extend(_to_row(values, in_use, roots) for values in session.connection().execute(
            _rows_query(in_use, Prediction.track_id.in_(chunk)).where(Track.id.in_(chunk))))
    return rows


def all_track_ids(session: Session) -> set[int]:
    """Ids of every track, to notice the ones a rescan removed."""
    return set(session.scalars(select(Track.id)))


def track_details(session: Session, track_id: int,
                  in_use: BundleKey | None = None) -> TrackDetails | None:
    """The track, its shown prediction with per-clip probabilities, and the user's label."""
    track = session.get(Track, track_id)
    if track is None:
        return None
    pred_id = session.scalar(_shown_prediction_ids(in_use).where(Prediction.track_id == track_id))
    pred = session.get(Prediction, pred_id) if pred_id is not None else None
    label = session.get(UserLabel, track_id)
    return TrackDetails(
        track=track_record(track),
        prediction=prediction_record(pred) if pred else None,
        user_genres=tuple(label.genres) if label else (),
    )


def set_user_genres(session: Session, track_ids: Iterable[int], genres: Sequence[str]) -> int:
    """Record `genres` as the user's confirmed label of each track; returns how many."""
    cleaned = list(dict.fromkeys(g.strip() for g in genres if g.strip()))
    if not cleaned:
        return clear_user_genres(session, track_ids)
    values = [{"track_id": tid, "genres": cleaned} for tid in track_ids]
    if not values:
        return 0
    upsert(session, UserLabel, ["track_id"], values)
    return len(values)


def clear_user_genres(session: Session, track_ids: Iterable[int]) -> int:
    """Forget the user's label of each track, so the prediction shows again."""
    ids = list(track_ids)
    session.execute(delete(UserLabel).where(UserLabel.track_id.in_(ids)))
    return len(ids)
