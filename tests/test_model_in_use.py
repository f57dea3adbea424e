"""The one "to classify" rule (library.predictions.needs_prediction) on a real SQLite file:
classify's list and the app's rows agree, whichever bundle and version the app uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from library import browse, categories
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Folder, Prediction, Root, Track
from library.predictions import needs_prediction, tracks_needing_prediction
from library.records import BrowseRow, BundleKey

BROAD_2 = BundleKey("broad", "2.0.0")


def test_the_rule_itself() -> None:
    now = (10, 20)
    assert not needs_prediction(BROAD_2, "broad", "2.0.0", now, now)
    assert needs_prediction(BROAD_2, "broad", "1.0.0", now, now)  # an older version
    assert needs_prediction(BROAD_2, "gtzan10", "2.0.0", now, now)  # another bundle
    assert needs_prediction(BROAD_2, None, None, (None, None), now)  # none at all
    assert needs_prediction(BROAD_2, "broad", "2.0.0", (10, 19), now)  # the file changed


def _prediction(track: Track, bundle: str, version: str, genre: str,
                **extra: object) -> Prediction:
    fields: dict[str, object] = {
        "track_id": track.id, "bundle": bundle, "bundle_version": version,
        "probabilities": {genre: 0.8}, "top_genres": [genre], "confidence": 0.8,
        "uncertain": False, "clip_probabilities": [], "track_size": track.size,
        "track_mtime_ns": track.mtime_ns}
    fields.update(extra)
    return Prediction(**fields)


@pytest.fixture
def session(db_path: Path) -> Iterator[Session]:
    """Tracks in every state a model upgrade leaves behind."""
    engine = create_db_engine(db_path)
    with session_factory(engine)() as s:
        s.add(Root(id=1, name="m", path="/m"))
        s.flush()
        s.add(Folder(id=1, root_id=1, path=""))
        tracks = [Track(id=i, folder_id=1, path=f"/m/{i}.flac", size=i, mtime_ns=i)
                  for i in range(1, 8)]
        tracks[6].status = "error"
        s.add_all(tracks)
        s.flush()
        s.add_all([
            _prediction(tracks[0], "broad", "1.0.0", "Rock"),  # the old default's
            _prediction(tracks[1], "broad", "2.0.0", "Jazz"),  # current
            _prediction(tracks[2], "broad", "2.0.0", "Jazz", track_size=99),  # file changed
            _prediction(tracks[3], "gtzan10", "1.0.0", "blues"),  # another bundle only
            # both: the chosen bundle's shows, though the other one is newer
            _prediction(tracks[4], "broad", "1.0.0", "Pop"),
            _prediction(tracks[4], "gtzan10", "1.0.0", "metal"),
            # track 6: never classified; track 7: an error, which classify skips
        ])
        s.commit()
        yield s
    engine.dispose()


def _rows(session: Session, in_use: BundleKey) -> dict[int, BrowseRow]:
    return {r.id: r for page in browse.iter_row_pages(session, 3, in_use) for r in page}


@pytest.mark.parametrize("in_use", [BROAD_2, BundleKey("broad", "1.0.0"),
                                    BundleKey("gtzan10", "1.0.0"), BundleKey("new", "1")])
def test_rows_to_classify_are_what_classify_runs(session: Session, in_use: BundleKey) -> None:
    rows = _rows(session, in_use)
    to_classify = {i for i, r in rows.items() if categories.in_category(r, Category.UNCLASSIFIED)}
    runs = {t.id for t in tracks_needing_prediction(session, in_use.name, in_use.version)}
    assert to_classify == runs
    assert categories.count_sidebar(rows.values())[Category.UNCLASSIFIED] == len(runs)
    by_ids = {r.id: r for r in browse.rows_for_ids(session, rows, in_use)}
    assert by_ids == rows


def test_outdated_rows_keep_their_old_genre_until_reclassified(session: Session) -> None:
    rows = _rows(session, BROAD_2)
    assert {i for i, r in rows.items() if r.outdated} == {1, 4, 5}
    assert rows[1].genres == ("Rock",) and rows[1].predicted_by == "broad 1.0.0"
    assert rows[5].genres == ("Pop",)  # the chosen bundle's, not the newer other one's
    assert rows[2].predicted_by == "broad 2.0.0" and not rows[2].outdated
    assert rows[3].stale and not rows[3].outdated
    assert dict(categories.count_sidebar(rows.values()).predicted)["Rock"] == 1
    details = browse.track_details(session, 5, BROAD_2)
    assert details is not None and details.prediction is not None
    assert details.prediction.bundle_version == "1.0.0"
    assert _rows(session, BundleKey("gtzan10", "1.0.0"))[5].genres == ("metal",)


def test_without_a_model_no_row_is_outdated(session: Session) -> None:
    """Scripts that pass no model read the newest prediction of any bundle, as before."""
    rows = {r.id: r for page in browse.iter_row_pages(session) for r in page}
    assert not any(r.outdated for r in rows.values())
    assert rows[5].genres == ("metal",)
