"""The seams where the app reaches the other packages. Runs in worker threads only.

Each function is a thin adapter onto library/, classifier/ or workflows/ code. The classifier
is imported inside functions, so tests and tools that need no model never load torch; the app
loads it on a thread of its own once its window shows, and jobs wait for that (gui/warmup.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from classifier.audio import DEFAULT_CLIPS
from gui.workers import JobEvent
from library import folders
from library.records import BatchSummary, BundleKey, FileOutcome, PlanRow, ScanEvent
from library.tagplan import TagOptions, TagSelection, plan_tags

if TYPE_CHECKING:
    import numpy as np

    from gui.workers import JobContext

__all__ = ["ClassifyOptions", "PlanRow", "TagOptions"]

log = logging.getLogger(__name__)

SCAN_COMMIT_EVERY = 50  # the scanner's batch: new rows show up in the table this often
CLASSIFY_COMMIT_EVERY = 8  # a few seconds of CPU work: a cancel loses at most this much


@dataclass(frozen=True)
class ClassifyOptions:
    """How to classify: model bundle (None: default), device, clips per track, threshold."""

    bundle: str | None = None
    device: str = "auto"  # auto | cpu | cuda
    clips_per_track: int = DEFAULT_CLIPS
    threshold: float = 0.0  # uncertain below this; 0: the bundle's own calibrated threshold


@dataclass(frozen=True)
class ScanStep:
    """One scanner event (a file handled), counted as a unit of work."""

    event: ScanEvent
    total: int


@dataclass(frozen=True)
class TrackTouched(JobEvent):
    """A scanned file's row, now committed: its table row can be (re)read."""

    track_id: int


@dataclass(frozen=True)
class RootsAway(JobEvent):
    """Library roots not found on this machine, each (name, path here, tracks left out):
    a classify run skips their tracks (a share not mounted is not an error)."""

    roots: tuple[tuple[str, str, int], ...]


def add_folder(session: Session, path: str, as_root: str | None = None) -> None:
    """Start watching a folder (no-op if already watched); raises FolderError if it is none,
    SameShareError if it is a known root mounted here under another path (then `as_root`)."""
    folders.add_folder(session, path, as_root)


def remove_folder(session: Session, folder_id: int) -> None:
    """Stop watching a folder and forget its tracks (the files stay on disk)."""
    paths = [f.path for f in folders.list_folders(session) if f.id == folder_id]
    if paths:
        folders.remove_folder(session, paths[0], forget_tracks=True)


def scan_events(ctx: JobContext, paths: Sequence[str]) -> Iterator[object]:
    """The scanner's events for the given folders, and TrackTouched for each track that was
    not unchanged, once the scanner has committed its row (so a read sees the new state)."""
    from library.scanner import scan

    with ctx.sessions() as session:
        watched = [f for f in (folders.get_folder(session, p) for p in paths) if f is not None]
    written: list[int] = []  # tracks of the events so far, rows not yet committed
    committed: list[int] = []

    def on_commit() -> None:
        committed.extend(written)
        written.clear()

    events = scan(ctx.sessions, watched, cancel=ctx.cancelled, batch_size=SCAN_COMMIT_EVERY,
                  on_commit=on_commit)
    try:
        for event in events:
            yield from map(TrackTouched, committed)
            committed.clear()
            yield ScanStep(event, event.total)
            if event.track_id is not None and event.outcome != "unchanged" and not event.again:
                written.append(event.track_id)
    finally:
        events.close()  # the scanner commits what it has, on this thread
    yield from map(TrackTouched, committed + written)


# The Settings bundle (None: the default), which every job reads its rows against. Set on the
# GUI thread by the window, read by workers: one str swapped whole, so no lock is needed.
_chosen_bundle: str | None = None


def use_bundle(name: str | None) -> None:
    """Read rows against this bundle from now on: the Settings choice (None: the default)."""
    global _chosen_bundle
    _chosen_bundle = name


def bundle_in_use() -> BundleKey | None:
    """The chosen bundle and its version, for rows to tell current predictions from
    outdated ones as classify does; None when it cannot be read (classify says why)."""
    from classifier.bundle import DEFAULT_BUNDLE, BundleError, find_bundle

    name = _chosen_bundle or DEFAULT_BUNDLE
    try:
        folder = find_bundle(name)
        return _identity(folder, _stamp(folder))
    except (BundleError, OSError, ValueError, KeyError):
        log.warning("cannot tell the version of bundle %r", name, exc_info=True)
        return None


def _stamp(folder: Path) -> tuple[tuple[str, int], ...]:
    """The folder's files and mtimes: a bundle relearned under its name reads anew."""
    return tuple(sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(folder)))


@lru_cache(maxsize=8)
def _identity(folder: Path, stamp: object) -> BundleKey:
    from workflows.classify import classifier_identity

    return classifier_identity(str(folder))


def classify_events(
    ctx: JobContext, options: ClassifyOptions, track_ids: Sequence[int] | None
) -> Iterator[object]:
    """Per-track events (each with .track_id), yielded once its prediction is committed."""
    from workflows.classify import classify_stream, prepare_classify  # any bundle kind

    run = prepare_classify(ctx.sessions, options.bundle, device=options.device,
                           threshold=options.threshold, track_ids=track_ids)
    for note in run.away_notes():
        log.info(note)
    yield RootsAway(tuple((root.name, root.local, n) for root, n in run.away))
    yield from classify_stream(
        ctx.sessions, run.todo, run.bundle, device=run.device, clips=options.clips_per_track,
        commit_every=CLASSIFY_COMMIT_EVERY, cancel=ctx.cancelled,
    )


def tag_plan_events(
    ctx: JobContext, options: TagOptions, track_ids: Sequence[int] | None
) -> Iterator[PlanRow]:
    """The tag writer's dry run (touches no file): one PlanRow per given track (None: every
    track of the library; none given, as for an empty view: no row)."""
    if track_ids is not None and not track_ids:
        return  # an empty selection never widens to the whole library
    with ctx.sessions() as session:
        yield from plan_tags(session, options, TagSelection(track_ids=tuple(track_ids or ())))


def tag_apply_events(
    ctx: JobContext, options: TagOptions, plan: Sequence[PlanRow]
) -> Iterator[FileOutcome]:
    """Write a plan the user saw, as one undoable batch: each file's outcome (with .track_id)
    as soon as that file is written; a cancel stops it between files."""
    from library.tagwriter import apply_steps

    return apply_steps(ctx.sessions, plan, options, cancel=ctx.cancelled)


def tag_undo_size(ctx: JobContext, batch_id: int | None = None) -> int:
    """How many files undoing the batch (None: the last applied) looks at; raises UndoError
    if there is none to undo."""
    from library.tag_history import count_undoable

    with ctx.sessions() as session:
        return count_undoable(session, batch_id)


def tag_undo_events(ctx: JobContext, batch_id: int | None = None) -> Iterator[FileOutcome]:
    """Undo a batch (None: the last applied): each file's outcome (with .track_id) as soon as
    it is restored; a cancel stops it between files."""
    from library.tag_history import undo_steps

    return undo_steps(ctx.sessions, batch_id, cancel=ctx.cancelled)


def tag_batches(ctx: JobContext) -> list[BatchSummary]:
    """Every tag-writing batch, newest first, with its files counted by state."""
    from library.tag_history import list_batches

    with ctx.sessions() as session:
        return list_batches(session)


@lru_cache(maxsize=1)
def _log_mel() -> object:
    """The classifier's own log-mel (the default bundle preprocessing), built once."""
    from classifier.bundle import PreprocessingConfig
    from classifier.features import LogMel

    # patch_frames bounds how much of a clip LogMel keeps: here the whole clip shown.
    return LogMel(PreprocessingConfig(patch_frames=1_000_000))


def mel_picture(path: str, seconds: float, fmt: str | None = None) -> tuple[np.ndarray, float]:
    """An RGB picture (mels x frames x 3, low notes at the bottom) of the file's middle
    `seconds`, as the classifier sees it, and where that clip starts; `fmt` is the container
    the scanner detected (it picks the decoder)."""
    import numpy as np

    from classifier.audio import ClipPlan, decode_clips
    from gui.colormap import colorize
    from library.tags import preferred_decoder

    log_mel = _log_mel()
    config = log_mel.config  # type: ignore[attr-defined]
    decoded = decode_clips(path, ClipPlan(count=1, seconds=seconds, span=1.0), config.sample_rate,
                           decoder=preferred_decoder(fmt))
    if decoded.clips is None:
        raise ValueError(decoded.error or "no audio in that clip")
    mel = log_mel(decoded.clips)[0].numpy().T  # type: ignore[operator]
    scaled = mel / max(float(mel.max()), 1e-6)
    return colorize(np.flipud(scaled)), decoded.starts[0]
