"""bench/write_threshold.py measures what a default tag write writes: its rule must be the one
library/tagplan.py applies, on predictions the default bundle stores for real audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from bench.write_threshold import Scored, flat, genre_row, written_genre
from classifier.bundle import load_bundle
from library.db import create_db_engine, session_factory
from library.models import Prediction, Track
from library.predictions import tracks_needing_prediction
from library.records import PlanAction
from library.tagplan import TagOptions, plan_tags
from tests.tagging_support import copy_real_music, scan_into
from workflows.classify import classify_tracks


@pytest.mark.slow  # the default bundle on six real files
def test_the_bench_writes_what_a_default_tag_write_writes(shared_data: Path, tmp_path: Path,
                                                           db_path: Path) -> None:
    copy_real_music(shared_data, tmp_path / "music")  # 4 GTZAN excerpts, waltz, speech
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, tmp_path / "music")
    bundle = load_bundle("broad")
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, bundle.version)
    assert classify_tracks(sessions, todo, bundle, device="cpu").stored == 6
    with sessions() as session:
        plan = {Path(r.path).name: r for r in plan_tags(session, TagOptions())}
        stored = session.execute(select(Track.path, Prediction)
                                 .join(Prediction, Prediction.track_id == Track.id)).all()
    bench = {}
    for path, prediction in stored:
        probs = np.array([prediction.probabilities[label] for label in bundle.labels])
        bench[Path(path).name] = None if prediction.not_music else written_genre(
            probs, bundle.labels, None, None, flat())
    app = {name: row.new_genres[0] if row.action == PlanAction.WRITE and row.new_genres
           else None for name, row in plan.items()}
    assert bench == app
    assert any(bench.values()) and not all(bench.values())  # both outcomes are compared
    assert bench["198-209-0000.ogg"] is None  # speech: the gate's verdict, never a genre


def test_coverage_and_precision_count_what_they_say() -> None:
    tracks = [Scored("Rock", frozenset({"Rock", "Pop"}), "Rock", "a"),
              Scored("Pop", frozenset({"Pop", "Rock"}), "Rock", "a"),
              Scored("Rock", frozenset({"Rock"}), None, "b"),
              Scored(None, frozenset(), "Rock", "c")]  # non-music written: a wrong write
    coverage, strict, lenient = genre_row(tracks, "Rock")
    assert coverage.startswith("1/2 ")  # Rock tracks with any genre written
    assert strict.startswith("1/3 ") and lenient.startswith("2/3 ")  # writes of Rock
    assert genre_row(tracks, None)[0].startswith("2/3 ")  # all music: non-music left out
