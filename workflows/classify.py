"""Classify library tracks and store the results: the classifier ↔ library glue.

The steps are here once: `prepare_classify` (load the bundle, refuse a tagger, choose the
device, find the tracks to do), then `classify_stream` (predict, store in batches). The CLI
drives it through `classify_tracks` (a plain loop with an outcome); the GUI worker consumes
`classify_stream` (a cancellable generator of per-track events). An event is yielded only
after its track's prediction is committed, so readers see it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Generator, Hashable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from classifier.audio import DEFAULT_CLIPS
from classifier.bundles import open_bundle
from classifier.model import DeviceError as DeviceError  # prepare_classify's, for its callers
from classifier.model import GenreModel, TrackInput, TrackPrediction, choose_device
from library.descriptor_store import load_fresh_descriptors
from library.predictions import (
    audio_fingerprint,
    away_tracks,
    stat_on_disk,
    tracks_needing_prediction,
)
from library.records import (
    EmbeddingRecord,
    PredictionRecord,
    PredictionWrite,
    TrackToClassify,
)
from library.roots import RootInfo
from workflows.classify_todo import away_notes
from workflows.events import TrackClassified
from workflows.prediction_sink import ClassifyOutcome, PredictionSink


class NotAGenreBundleError(ValueError):
    """A multi-label tagging bundle given where genres are stored."""


def check_genre_bundle(bundle: GenreModel) -> None:
    """Refuse a multi-label bundle: its tag probabilities are not genres.

    Stored as predictions they would become the newest "genres" of every track, fill the
    browser's genre column and sidebar with tags like "female vocalists" or "00s", and feed
    the tag writer; so the library takes genre bundles only.
    """
    if bundle.multi_label:
        raise NotAGenreBundleError(
            f"bundle {bundle.name!r} is a multi-label tagger: its {len(bundle.labels)} tag "
            "probabilities are not genres, and the library stores genres only; measure it "
            f"with `evaluate --bundle {bundle.name}` instead")


@dataclass(frozen=True)
class ClassifyRun:
    """A run ready to stream: the opened bundle, the device, and the tracks to predict."""

    bundle: GenreModel
    device: str
    todo: list[TrackToClassify]
    away: list[tuple[RootInfo, int]] = field(default_factory=list)  # roots not found here

    def away_notes(self) -> list[str]:
        """One line per root whose tracks were left out because it is not on this machine."""
        return away_notes(self.away)


def prepare_classify(
    sessions: sessionmaker[Session],
    bundle_name: str | None,
    *,
    device: str = "auto",
    threshold: float = 0.0,
    paths: Sequence[str | os.PathLike[str]] | None = None,
    force: bool = False,
    track_ids: Sequence[int] | None = None,
    opener: Callable[[str | None], GenreModel] = open_bundle,
    files_here: bool = True,
) -> ClassifyRun:
    """Load -> check -> device -> todo, for CLI and GUI alike.

    `threshold` > 0 replaces the bundle's own "uncertain" threshold; `paths`/`track_ids`
    narrow the tracks; `files_here` False (a Ray run: the workers read the files, through
    their nodes' mounts) judges tracks by the library's last scan instead of this machine's
    disk; raises BundleError (and the kinds' errors), NotAGenreBundleError or DeviceError."""
    bundle = opener(bundle_name)
    if threshold > 0:
        bundle = bundle.with_threshold(threshold)
    check_genre_bundle(bundle)
    chosen = choose_device(device)
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, str(bundle.version),
                                         [Path(p) for p in paths] if paths else None, force,
                                         stat_on_disk if files_here else None)
        away = away_tracks(session) if files_here else []
    if track_ids is not None:
        wanted = set(track_ids)
        todo = [t for t in todo if t.id in wanted]
    return ClassifyRun(bundle, chosen, todo, away)


def to_write(result: TrackPrediction, track_id: int, bundle: GenreModel) -> PredictionWrite:
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
    embedding = (EmbeddingRecord(track_id, bundle.name, tuple(result.embedding.tolist()))
                 if result.embedding.size else None)  # from-scratch nets have no embedding
    # The audio it was made from: a later tag edit that leaves the audio alone keeps it.
    audio_hash = audio_fingerprint(result.path, result.size, result.mtime_ns)
    return PredictionWrite(prediction, result.size, result.mtime_ns, embedding, audio_hash)


def _predictions(
    sessions: sessionmaker[Session], todo: Sequence[TrackToClassify], bundle: GenreModel,
    claimed: Iterator[TrackToClassify], **options: Any,
) -> Generator[TrackPrediction, None, None]:
    """The bundle's own pipeline, fed with the library's cached clip descriptors (if it reads
    any) and each track's decoder. `claimed` yields the tracks as the pipeline reaches them
    (claimed then, so a concurrent run on the library takes the others)."""
    items = (TrackInput(track.id, track.path, track.decoder) for track in claimed)
    cached = _cached_descriptors(sessions, todo, bundle.descriptor_key)
    return bundle.predict(items, descriptors=cached, **options)


def _cached_descriptors(sessions: sessionmaker[Session], todo: Sequence[TrackToClassify],
                        key: str | None) -> dict[Hashable, Any]:
    """Clip descriptors the library holds for `todo`, computed since each file last changed."""
    if key is None:
        return {}
    found: dict[Hashable, Any] = {}
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
    bundle: GenreModel,
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
    sink = PredictionSink(sessions, bundle, todo, outcome, commit_every=commit_every,
                          where=device)
    done: list[TrackClassified] = []  # handled, yielded once their batch is committed
    total = len(todo)
    results = _predictions(sessions, todo, bundle, sink.take(), device=device, clips=clips,
                           cancel=cancel, stats=outcome.stats)
    with sink, closing(results):  # results closed first, then the rest stored, claims freed
        for result in results:
            track_id = int(result.key)  # type: ignore[call-overload]
            if on_result is not None:
                on_result()  # per track, before the batch commits: a smooth progress bar
            if result.error is not None:
                sink.failed(track_id, result.error)
                done.append(TrackClassified(track_id, result.path, total, result.error))
            else:
                sink.add(to_write(result, track_id, bundle), result.descriptors)
                done.append(TrackClassified(track_id, result.path, total))
            if sink.full or (not sink.pending and done):
                sink.store()
                yield from _drained(done)
            if cancel is not None and cancel.is_set():
                break
    yield from _drained(done)


def _drained(events: list[TrackClassified]) -> list[TrackClassified]:
    out = list(events)
    events.clear()
    return out


def classify_tracks(
    sessions: sessionmaker[Session],
    todo: Sequence[TrackToClassify],
    bundle: GenreModel,
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
