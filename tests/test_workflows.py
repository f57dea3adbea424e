"""workflows.classify: classifier results become library records the readers can trust."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from classifier.model import TrackPrediction
from gui.widgets.charts import clip_winners
from library.db import create_db_engine, session_factory
from library.models import Track
from library.predictions import store_predictions
from library.repository import predictions_for
from workflows.classify import to_write

LABELS = ("Rock", "Jazz", "Ambient/New Age", "Blues")  # not sorted: order must survive as given


def test_clip_columns_follow_the_probability_keys_through_the_database(db_path: Path) -> None:
    clips = np.array([[0.1, 0.7, 0.1, 0.1], [0.05, 0.05, 0.8, 0.1], [0.2, 0.1, 0.1, 0.6]],
                     np.float32)
    result = TrackPrediction(
        key=1, path="/m/a.flac", labels=LABELS, clip_probabilities=clips,
        clip_starts=(1.0, 10.0, 20.0), probabilities=clips.mean(axis=0), top_genres=("Jazz",),
        confidence=0.3, uncertain=False, embedding=np.zeros(200, np.float32), size=5,
        mtime_ns=6,
    )
    bundle = SimpleNamespace(name="broad", version="1.0.0", backbone="msd")
    write = to_write(result, 1, bundle)
    assert tuple(write.prediction.probabilities) == LABELS
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        session.add(Track(id=1, path="/m/a.flac", size=5, mtime_ns=6))
    with sessions.begin() as session:
        store_predictions(session, [write])
    with sessions() as session:
        (stored,) = predictions_for(session, 1)
    # The details pane labels clip column i with the i-th key (gui/widgets/details_pane.py).
    assert tuple(stored.probabilities) == LABELS
    assert clip_winners(tuple(stored.probabilities), stored.clip_probabilities) == [
        "Jazz", "Ambient/New Age", "Blues"]
