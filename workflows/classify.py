"""Classify library tracks and store the results: the classifier ↔ library glue.

The CLI drives `classify_tracks` (a plain loop with an outcome); the GUI worker drives
`classify_stream` (a cancellable generator of per-track events). Both commit in batches, and
an event is yielded only after its track's prediction is committed, so readers see it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from classifier.predict import DEFAULT_CLIPS, PipelineStats, TrackPrediction, predict_tracks
from library.predictions import store_predictions
from library.records import EmbeddingRecord, PredictionRecord, PredictionWrite, TrackToClassify


@dataclass(frozen=True)
class TrackClassified:
    """One track handled: its prediction is committed, or `error` says why there is none."""

    track_id: int
    path: str
    total: int  # tracks this run handles
    error: str | None = None


@dataclass
class ClassifyOutcome:
    """What a classify run did."""

    stored: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    db_seconds: float = 0.0
    stats: PipelineStats = field(default_factory=PipelineStats)


class NotAGenreBundleError(ValueError):
    """A multi-label tagging bundle given where genres are stored."""


def check_genre_bundle(bundle: Any) -> None:
    """Refuse a multi-label bundle: its tag probabilities are not genres.

    Stored as predictions they would become the newest "genres" of every track, fill the
    browser's genre column and sidebar with tags like "female vocalists" or "00s", and feed
    the tag writer; so the library takes genre bundles only.
    """
    if getattr(bundle, "multi_label", False):
        raise NotAGenreBundleError(
            f"bundle {bundle.name!r} is a multi-label tagger: its {len(bundle.labels)} tag "
            "probabilities are not genres, and the library stores genres only; measure it "
            f"with `evaluate --bundle {bundle.name}` instead")


def to_write(result: TrackPrediction, track_id: int, bundle: Any) -> PredictionWrite:
    """A classifier result as plain library values.

    `probabilities` keys follow `bundle.labels`, and so do the columns of `clip_probabilities`:
    readers (the details pane's timeline) take the label of column i from the i-th key.
    """
    prediction = PredictionRecord(
        track_id=track_id,
        bundle=bundle.name,
        bundle_version=str(bundle.version),
        probabilities={
            label: round(float(p), 6) for label, p in zip(result.labels, result.probabilities)
        },
        top_genres=result.top_genres,
        confidence=result.confidence,
        uncertain=result.uncertain,
        clip_probabilities=tuple(
            tuple(round(float(p), 6) for p in clip) for clip in result.clip_probabilities
        ),
        clip_starts=tuple(round(s, 3) for s in result.clip_starts),
    )
    backbone = getattr(bundle, "backbone", None) or bundle.name
    embedding = EmbeddingRecord(track_id, backbone, tuple(result.embedding.tolist()))
    return PredictionWrite(prediction, result.size, result.mtime_ns, embedding)


def classify_stream(
    sessions: sessionmaker[Session],
    todo: Sequence[TrackToClassify],
    bundle: Any,
    *,
    device: str = "auto",
    clips: int = DEFAULT_CLIPS,
    commit_every: int = 64,
    cancel: threading.Event | None = None,
    outcome: ClassifyOutcome | None = None,
    on_result: Callable[[], None] | None = None,
) -> Iterator[TrackClassified]:
    """Predict `todo`, store the results in batches, yield each track once it is committed.

    Cancelling (or closing the generator) commits the finished predictions and stops: each
    stored row is a whole prediction, and a rerun picks up the tracks not yet stored.
    """
    check_genre_bundle(bundle)
    outcome = outcome if outcome is not None else ClassifyOutcome()
    writes: list[PredictionWrite] = []
    done: list[TrackClassified] = []
    total = len(todo)
    items = [(track.id, track.path) for track in todo]
    results = predict_tracks(
        items, bundle, device=device, clips=clips, cancel=cancel, stats=outcome.stats
    )
    try:
        with closing(results):
            for result in results:
                track_id = int(result.key)  # type: ignore[call-overload]
                if on_result is not None:
                    on_result()  # per track, before the batch commits: a smooth progress bar
                if result.error is not None:
                    outcome.errors.append((result.path, result.error))
                    done.append(TrackClassified(track_id, result.path, total, result.error))
                else:
                    writes.append(to_write(result, track_id, bundle))
                    done.append(TrackClassified(track_id, result.path, total))
                if len(writes) >= commit_every or (not writes and done):
                    _commit(sessions, writes, outcome)
                    yield from _drained(done)
                if cancel is not None and cancel.is_set():
                    break
    except GeneratorExit:  # the consumer stopped: keep what is finished, then stop
        _commit(sessions, writes, outcome)
        raise
    _commit(sessions, writes, outcome)  # not after a failure: that may be the store itself
    yield from _drained(done)


def _drained(events: list[TrackClassified]) -> list[TrackClassified]:
    out = list(events)
    events.clear()
    return out


def _commit(
    sessions: sessionmaker[Session], writes: list[PredictionWrite], outcome: ClassifyOutcome
) -> None:
    if not writes:
        return
    start = time.perf_counter()
    with sessions.begin() as session:
        store_predictions(session, writes)
    outcome.db_seconds += time.perf_counter() - start
    outcome.stored += len(writes)
    writes.clear()


def classify_tracks(
    sessions: sessionmaker[Session],
    todo: Sequence[TrackToClassify],
    bundle: Any,
    *,
    device: str = "auto",
    clips: int = DEFAULT_CLIPS,
    commit_every: int = 64,
    on_result: Callable[[], None] | None = None,
) -> ClassifyOutcome:
    """Predict `todo` and store the results, committing every `commit_every` tracks."""
    outcome = ClassifyOutcome()
    stream = classify_stream(
        sessions, todo, bundle, device=device, clips=clips, commit_every=commit_every,
        outcome=outcome, on_result=on_result,
    )
    for _ in stream:
        pass
    return outcome
