"""Classify library tracks and store the results: the classifier ↔ library glue.

The CLI drives `classify_tracks` (a plain loop with an outcome); the GUI worker drives
`classify_stream` (a cancellable generator of per-track events). Both commit in batches, and
an event is yielded only after its track's prediction is committed, so readers see it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from classifier.predict import (
    DEFAULT_CLIPS,
    PipelineStats,
    TrackPrediction,
    predict_tracks,
)
from library.claims import WorkClaims, record_unreadable
from library.descriptor_store import load_fresh_descriptors, save_descriptors
from library.predictions import audio_fingerprint, store_predictions
from library.records import (
    BundleKey,
    EmbeddingRecord,
    PredictionRecord,
    PredictionWrite,
    TrackToClassify,
)

Descriptors = tuple[int, Any]  # (track id, clip descriptor rows)


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
    descriptors_cached: int = 0  # tracks whose clip descriptors this run computed and stored


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


def load_classifier(name: str | None) -> Any:
    """The named bundle (None: the default), pretrained or from scratch (`train`), as the
    library classifies with it; raises BundleError and friends when it cannot load."""
    from classifier import bundle as bundles
    from classifier.scratch_predict import is_scratch, load_scratch_classifier

    folder = bundles.find_bundle(name or bundles.DEFAULT_BUNDLE)
    return load_scratch_classifier(folder) if is_scratch(folder) else bundles.load_bundle(folder)


def classifier_identity(name: str | None) -> BundleKey:
    """The bundle and version `load_classifier(name)` stores its predictions under, read
    without loading any weights (so the app can tell current predictions from outdated
    ones cheaply); raises BundleError and friends like load_classifier."""
    from classifier import bundle as bundles
    from classifier.scratch_predict import is_scratch, scratch_identity

    folder = bundles.find_bundle(name or bundles.DEFAULT_BUNDLE)
    if is_scratch(folder):
        return BundleKey(*scratch_identity(folder))
    spec = bundles.read_spec(folder)
    return BundleKey(str(spec["name"]), str(spec["version"]))


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
        not_music=result.not_music,
        clip_probabilities=tuple(
            tuple(round(float(p), 6) for p in clip) for clip in result.clip_probabilities
        ),
        clip_starts=tuple(round(s, 3) for s in result.clip_starts),
    )
    backbone = getattr(bundle, "backbone", None) or bundle.name
    embedding = (EmbeddingRecord(track_id, backbone, tuple(result.embedding.tolist()))
                 if result.embedding.size else None)  # from-scratch nets have no embedding
    # The audio it was made from: a later tag edit that leaves the audio alone keeps it.
    audio_hash = audio_fingerprint(result.path, result.size, result.mtime_ns)
    return PredictionWrite(prediction, result.size, result.mtime_ns, embedding, audio_hash)


def _predictions(sessions: sessionmaker[Session], todo: Sequence[TrackToClassify], bundle: Any,
                 claims: WorkClaims, **options: Any) -> Iterator[TrackPrediction]:
    """The pipeline the bundle needs: the pretrained one (unchanged), or the from-scratch one
    fed with the library's cached clip descriptors. Tracks are claimed as the pipeline
    reaches them, so a concurrent run on the library takes the others."""
    items = ((track.id, track.path) for track in claims.take(todo))
    if not hasattr(bundle, "scratch"):  # a pretrained bundle (classifier.bundle.Bundle)
        return predict_tracks(items, bundle, **options)
    from classifier.scratch_predict import predict_scratch_tracks

    options.pop("clips")  # whole excerpts: every clip of the track
    cached = _cached_descriptors(sessions, todo, bundle.descriptor_key)
    return predict_scratch_tracks(items, bundle, cached, **options)


def _cached_descriptors(sessions: sessionmaker[Session], todo: Sequence[TrackToClassify],
                        key: str | None) -> dict[int, Any]:
    """Clip descriptors the library holds for `todo`, computed since each file last changed."""
    if key is None:
        return {}
    found = {}
    with sessions() as session:
        for track in todo:
            try:
                mtime_ns = os.stat(track.path).st_mtime_ns
            except OSError:
                continue  # predicting says the file is gone
            rows = load_fresh_descriptors(session, track.id, key, mtime_ns)
            if rows is not None:
                found[track.id] = rows
    return found


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
    fresh: list[Descriptors] = []
    done: list[TrackClassified] = []
    total = len(todo)
    claims = WorkClaims(sessions, bundle.name, str(bundle.version))
    results = _predictions(sessions, todo, bundle, claims, device=device, clips=clips,
                           cancel=cancel, stats=outcome.stats)
    by_id = {track.id: track for track in todo}
    try:
        with closing(results):
            for result in results:
                track_id = int(result.key)  # type: ignore[call-overload]
                if on_result is not None:
                    on_result()  # per track, before the batch commits: a smooth progress bar
                if result.error is not None:
                    outcome.errors.append((result.path, result.error))
                    record_unreadable(sessions, [(by_id[track_id], result.error)])
                    done.append(TrackClassified(track_id, result.path, total, result.error))
                else:
                    writes.append(to_write(result, track_id, bundle))
                    done.append(TrackClassified(track_id, result.path, total))
                    if result.descriptors is not None:  # cached with the prediction
                        fresh.append((track_id, result.descriptors))
                if len(writes) >= commit_every or (not writes and done):
                    _commit(sessions, writes, fresh, outcome, bundle)
                    yield from _drained(done)
                if cancel is not None and cancel.is_set():
                    break
    except GeneratorExit:  # the consumer stopped: keep what is finished, then stop
        _commit(sessions, writes, fresh, outcome, bundle)
        raise
    finally:
        claims.release()  # the tracks not done are free for the next run
    _commit(sessions, writes, fresh, outcome, bundle)  # not after a failure: maybe the store
    yield from _drained(done)


def _drained(events: list[TrackClassified]) -> list[TrackClassified]:
    out = list(events)
    events.clear()
    return out


def _commit(
    sessions: sessionmaker[Session], writes: list[PredictionWrite], fresh: list[Descriptors],
    outcome: ClassifyOutcome, bundle: Any,
) -> None:
    if not writes:
        return
    start = time.perf_counter()
    with sessions.begin() as session:
        store_predictions(session, writes)
        for track_id, rows in fresh:
            save_descriptors(session, track_id, rows, bundle.descriptor_key)
    outcome.descriptors_cached += len(fresh)
    fresh.clear()
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
