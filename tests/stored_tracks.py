"""Tracks as classify leaves them, without their files: a stored embedding and the default
model's prediction (what the review learner and `learn` read; nothing is decoded)."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from library.models import Embedding, Prediction, Track


def add_classified(session: Session, track_id: int, vector: np.ndarray,
                   shares: dict[str, float], **track: object) -> None:
    """Track `track_id` (its other columns from `track`), its float16 embedding and an
    uncertain default prediction with these genre shares."""
    session.add(Track(id=track_id, **track))
    session.flush()  # the embedding and prediction rows point at the track
    session.add(Embedding(track_id=track_id, backbone="broad", dim=len(vector),
                          vector=np.asarray(vector).astype("<f2").tobytes()))
    session.add(Prediction(track_id=track_id, bundle="broad", bundle_version="2.0.0",
                           probabilities=shares, top_genres=[], confidence=max(shares.values()),
                           uncertain=True, clip_probabilities=[], clip_starts=[],
                           track_size=0, track_mtime_ns=0))
