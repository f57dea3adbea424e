"""Descriptors cached in a real SQLite library: float32 rows survive exactly, replace cleanly."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from library import db
from library.descriptor_store import (
    DescriptorStoreError,
    load_fresh_descriptors,
    save_descriptors,
    unpack,
)
from library.models import Track
from tests.library_queries import CLIPS_VERSION, load_descriptors


def test_track_and_clip_descriptors_round_trip_in_sqlite(db_path: Path) -> None:
    sessions = db.session_factory(db.create_db_engine(db_path))
    rng = np.random.default_rng(0)
    track_vector = (rng.normal(size=57) * np.logspace(-5, 6, 57)).astype(np.float32)
    clip_rows = rng.normal(size=(5, 57)).astype(np.float32)
    with sessions() as session:
        track = Track(path="/music/a.flac", size=1, mtime_ns=1)
        session.add(track)
        session.flush()
        save_descriptors(session, track.id, track_vector)
        save_descriptors(session, track.id, clip_rows, CLIPS_VERSION)
        session.commit()
        track_id = track.id
    with sessions() as session:
        np.testing.assert_array_equal(load_descriptors(session, track_id), track_vector[None])
        np.testing.assert_array_equal(load_descriptors(session, track_id, CLIPS_VERSION),
                                      clip_rows)
        save_descriptors(session, track_id, clip_rows[:2], CLIPS_VERSION)  # replaced, not added
        session.commit()
        assert load_descriptors(session, track_id, CLIPS_VERSION).shape == (2, 57)
        assert load_descriptors(session, track_id + 1) is None


def test_a_blob_of_partial_rows_is_refused() -> None:
    with pytest.raises(DescriptorStoreError, match="not whole rows"):
        unpack(b"\x00" * 12, 57)


def test_store_name_follows_the_descriptor_version() -> None:
    from classifier.descriptors import VERSION
    from library.descriptor_store import TRACK_VERSION

    assert TRACK_VERSION == VERSION


def test_only_rows_computed_after_the_file_changed_count_as_fresh(db_path: Path) -> None:
    sessions = db.session_factory(db.create_db_engine(db_path))
    rows = np.ones((2, 57), dtype=np.float32)
    with sessions.begin() as session:
        track = Track(path="/music/a.flac", size=1, mtime_ns=1)
        session.add(track)
        session.flush()
        save_descriptors(session, track.id, rows, CLIPS_VERSION)
        track_id = track.id
    time.sleep(0.002)
    changed = time.time_ns()  # the file is written after the rows were computed
    time.sleep(0.002)
    with sessions() as session:
        np.testing.assert_array_equal(load_fresh_descriptors(session, track_id, CLIPS_VERSION, 0),
                                      rows)
        assert load_fresh_descriptors(session, track_id, CLIPS_VERSION, changed) is None
    with sessions.begin() as session:  # computing them again stamps the row anew
        save_descriptors(session, track_id, rows * 2, CLIPS_VERSION)
    with sessions() as session:
        np.testing.assert_array_equal(
            load_fresh_descriptors(session, track_id, CLIPS_VERSION, changed), rows * 2)
