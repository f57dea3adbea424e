"""Browse queries over a real SQLite file: rows with joins, paging, categories, user labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from library import browse, categories, folders
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Folder, Prediction, Root, Track, UserLabel
from library.records import BundleKey


def _prediction(track: Track, genres: list[str], conf: float, **extra: object) -> Prediction:
    fields: dict[str, object] = dict(
        track_id=track.id, bundle="broad", bundle_version="1",
        probabilities={"rock": conf, "jazz": 1 - conf}, top_genres=genres, confidence=conf,
        uncertain=not genres, clip_probabilities=[[conf, 1 - conf]] * 3,
        clip_starts=[0.0, 10.0, 20.0], track_size=track.size, track_mtime_ns=track.mtime_ns,
    )
    fields.update(extra)
    return Prediction(**fields)


@pytest.fixture
def session(library_db: Path | str) -> Session:
    engine = create_db_engine(library_db)
    with session_factory(engine)() as s:
        s.add(Root(id=1, name="m", path="/m"))
        s.flush()
        s.add(Folder(id=1, root_id=1, path=""))
        tracks = [
            Track(id=1, folder_id=1, path="/m/a.flac", size=1, mtime_ns=1, title="A",
                  genres=["Rock"]),
            Track(id=2, folder_id=1, path="/m/b.flac", size=2, mtime_ns=2, title="B"),
            Track(id=3, folder_id=1, path="/m/c.flac", size=3, mtime_ns=3, title="C"),
            Track(id=4, folder_id=1, path="/m/d.flac", size=4, mtime_ns=4, status="error",
                  error="truncated"),
            Track(id=5, folder_id=1, path="/m/e.flac", size=5, mtime_ns=5, genres=["Jazz"]),
        ]
        s.add_all(tracks)
        s.flush()
        s.add_all([
            _prediction(tracks[0], ["rock"], 0.9),
            _prediction(tracks[1], [], 0.3),  # uncertain
            # an older prediction of a track, superseded by a newer one: only the newest shows
            _prediction(tracks[2], ["rock"], 0.7, bundle="old"),
            _prediction(tracks[2], ["jazz"], 0.8, track_size=99),  # file changed since
        ])
        s.add(UserLabel(track_id=5, genres=["jazz"]))
        s.commit()
        yield s
    engine.dispose()


def test_rows_join_prediction_and_label_in_pages(session: Session) -> None:
    pages = list(browse.iter_row_pages(session, page_size=2))
    assert [len(p) for p in pages] == [2, 2, 1]
    rows = {r.id: r for page in pages for r in page}
    assert rows[1].predicted == ("rock",) and rows[1].confidence == 0.9
    assert rows[1].probabilities[0] == ("rock", 0.9)
    assert rows[2].uncertain and rows[2].genres == ()
    assert rows[3].predicted == ("jazz",) and rows[3].stale
    assert rows[4].confidence is None and rows[4].error == "truncated"
    assert rows[5].user_genres == ("jazz",) and rows[5].genres == ("jazz",)


def test_bundle_choice_picks_that_bundles_prediction(session: Session) -> None:
    (row,) = browse.rows_for_ids(session, [3], BundleKey("old", "1"))
    assert row.predicted == ("rock",) and not row.outdated
    (row,) = browse.rows_for_ids(session, [3], BundleKey("old", "2"))
    assert row.predicted == ("rock",) and row.outdated  # shown until classified again


def test_categories_and_counts_agree(session: Session) -> None:
    rows = [r for page in browse.iter_row_pages(session) for r in page]
    counts = categories.count_sidebar(rows)
    assert counts[Category.ALL] == 5
    assert dict(counts.predicted) == {"Rock": 1, "Jazz": 2}  # spelled as the model does
    assert dict(counts.tagged) == {"Rock": 1, "Jazz": 1}
    assert (counts[Category.UNCERTAIN], counts[Category.ERRORS]) == (1, 1)
    # track 3 changed since it was classified; track 5's label does not stand in for a
    # prediction: classify runs it, so the count says so
    assert counts[Category.UNCLASSIFIED] == 2
    for genre, n in counts.predicted:
        assert sum(categories.in_category(r, Category.GENRE, genre) for r in rows) == n
    with pytest.raises(ValueError):
        categories.in_category(rows[0], "nonsense")


def test_user_genres_set_replace_and_clear(session: Session) -> None:
    assert browse.set_user_genres(session, [1, 2], [" blues ", "blues", "soul"]) == 2
    session.commit()
    rows = {r.id: r for r in browse.rows_for_ids(session, [1, 2])}
    assert rows[1].user_genres == ("blues", "soul") and rows[1].genres == ("blues", "soul")
    browse.set_user_genres(session, [1], ["metal"])
    browse.clear_user_genres(session, [2])
    session.commit()
    rows = {r.id: r for r in browse.rows_for_ids(session, [1, 2])}
    assert rows[1].user_genres == ("metal",)
    assert rows[2].user_genres == () and categories.in_category(rows[2], Category.UNCERTAIN)


def test_details_carry_clip_probabilities(session: Session) -> None:
    details = browse.track_details(session, 1)
    assert details is not None and details.prediction is not None
    assert details.track.genres == ("Rock",)
    assert details.prediction.clip_starts == (0.0, 10.0, 20.0)
    assert len(details.prediction.clip_probabilities) == 3
    assert browse.track_details(session, 999) is None
    assert [f.path for f in folders.list_folders(session)] == ["/m"]
    assert browse.all_track_ids(session) == {1, 2, 3, 4, 5}


def test_generated_library_pages_cover_every_track(library_db: Path | str) -> None:
    from tools.demo_library import populate

    populate(library_db, 3000)
    engine = create_db_engine(library_db)
    with session_factory(engine)() as s:
        rows = [r for page in browse.iter_row_pages(s, page_size=700) for r in page]
        # each page's own prediction bounds change nothing: the same rows as one query
        assert rows == browse.rows_for_ids(s, range(1, 3001))
    engine.dispose()
    assert [r.id for r in rows] == list(range(1, 3001))
    assert sum(r.confidence is not None for r in rows) > 2000


def test_probabilities_rank_most_probable_first_ties_in_stored_order(session: Session) -> None:
    """Rows keep the prediction's JSON as stored and rank it when asked."""
    track = session.get(Track, 2)
    session.add(Prediction(
        track_id=track.id, bundle="newer", bundle_version="9", top_genres=[], confidence=0.3,
        probabilities={"pop": 0.2, "jazz": 0.3, "blues": 0.2, "rock": 0.3}, uncertain=True,
        clip_probabilities=[], track_size=track.size, track_mtime_ns=track.mtime_ns))
    session.commit()
    (row,) = browse.rows_for_ids(session, [2])
    assert row.probabilities == (("jazz", 0.3), ("rock", 0.3), ("pop", 0.2), ("blues", 0.2))
    (unclassified,) = browse.rows_for_ids(session, [4])
    assert unclassified.probabilities == ()
