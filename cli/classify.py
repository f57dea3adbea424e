"""`genrelens classify`: predict genres of library tracks, committing as it goes.

This module is the glue between classifier (TrackPrediction, numpy) and library (plain
records); neither package knows the other.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from classifier.predict import (
    DeviceError,
    PipelineStats,
    TrackPrediction,
    choose_device,
    predict_tracks,
)
from cli.context import AppContext
from library.predictions import stat_on_disk, store_predictions, tracks_needing_prediction
from library.records import (
    EmbeddingRecord,
    PredictionRecord,
    PredictionWrite,
    TrackToClassify,
    display_path,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `classify` command."""
    parser = subparsers.add_parser(
        "classify",
        help="predict the genres of library tracks",
        description="Predict genres of tracks that have no current prediction for the bundle "
        "(or whose file changed since). Results are committed in batches: after Ctrl-C or a "
        "crash, a rerun continues where it stopped.",
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="only tracks in these files or folders"
    )
    parser.add_argument("--bundle", default=None, help="model bundle name or path (default: broad)")
    parser.add_argument(
        "--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps"
    )
    parser.add_argument("--clips", type=_positive, default=5, help="clips per track (default: 5)")
    parser.add_argument("--force", action="store_true", help="predict again even if up to date")
    parser.add_argument(
        "--commit-every",
        type=_positive,
        default=64,
        metavar="N",
        help="tracks per commit (default: 64)",
    )
    parser.set_defaults(handler=run_classify)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def load_bundle(name: str | None) -> Any:
    """The named model bundle (classifier.bundle, from the nets branch)."""
    from classifier import bundle as bundles

    return bundles.load_bundle(name or bundles.DEFAULT_BUNDLE)


@dataclass
class ClassifyOutcome:
    """What a classify run did."""

    stored: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    db_seconds: float = 0.0
    stats: PipelineStats = field(default_factory=PipelineStats)


def to_write(result: TrackPrediction, track_id: int, bundle: Any) -> PredictionWrite:
    """A classifier result as plain library values."""
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


def _commit(
    sessions: sessionmaker[Session], writes: list[PredictionWrite], outcome: ClassifyOutcome
) -> None:
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
    clips: int = 5,
    commit_every: int = 64,
    progress: bool = True,
) -> ClassifyOutcome:
    """Predict `todo` and store the results, committing every `commit_every` tracks."""
    outcome = ClassifyOutcome()
    writes: list[PredictionWrite] = []
    items = [(track.id, track.path) for track in todo]
    results = predict_tracks(items, bundle, device=device, clips=clips, stats=outcome.stats)
    with closing(results), tqdm(total=len(todo), unit="track", disable=not progress) as bar:
        for result in results:
            bar.update()
            if result.error is not None:
                outcome.errors.append((result.path, result.error))
                continue
            writes.append(to_write(result, int(result.key), bundle))  # type: ignore[call-overload]
            if len(writes) >= commit_every:
                _commit(sessions, writes, outcome)
    if writes:
        _commit(sessions, writes, outcome)
    return outcome


def run_classify(args: argparse.Namespace, app: AppContext) -> int:
    """Handler of `classify`: exit 0 if all went well, 1 if some tracks failed, 2 on bad setup."""
    try:
        bundle = load_bundle(args.bundle)
        device = choose_device(args.device)
    except DeviceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # BundleError, missing bundle module: nothing to run with
        print(f"error: cannot load model bundle {args.bundle or 'broad'!r}: {exc}", file=sys.stderr)
        return 2
    with app.sessions() as session:
        todo = tracks_needing_prediction(
            session, bundle.name, str(bundle.version), args.paths or None, args.force, stat_on_disk
        )
    if not todo:
        print(f"Nothing to do: every selected track has a current {bundle.name} prediction.")
        return 0
    start = time.perf_counter()
    outcome = classify_tracks(
        app.sessions,
        todo,
        bundle,
        device=device,
        clips=args.clips,
        commit_every=args.commit_every,
        progress=sys.stderr.isatty(),
    )
    elapsed = time.perf_counter() - start
    print(
        f"Classified {outcome.stored} of {len(todo)} tracks with {bundle.name} {bundle.version} "
        f"on {device} in {elapsed:.1f} s ({len(todo) / elapsed:.1f} tracks/s)."
    )
    for path, message in outcome.errors:
        print(f"error: {display_path(path)}: {message}", file=sys.stderr)
    if outcome.errors:
        count = len(outcome.errors)
        noun = "track" if count == 1 else "tracks"
        print(f"{count} {noun} could not be classified (see above).", file=sys.stderr)
    return 1 if outcome.errors else 0
