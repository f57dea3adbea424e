"""The reads a browsing front end needs, as workflows: table rows, a track's details, and the
rows of the tracks another workflow touched, read against the model in use.

The classifier is imported inside functions: rows and loads need no torch, and the app loads
the model libraries on a thread of its own (gui/warmup.py) before jobs that need them run.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from library import browse, folders
from library.records import BundleKey, TrackStatus
from workflows.events import (
    DetailsReady,
    Events,
    FoldersChanged,
    RowsChanged,
    RowsLoaded,
    Total,
)

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

ROW_REFRESH_EVERY = 200  # ids collected before re-reading their table rows ...
ROW_REFRESH_SECONDS = 0.25  # ... or this long, so rows appear while a slow scan runs
PAGE_SIZE = 3000  # rows per query and per table insert: the GUI takes ~15 µs a row

Paint = Callable[["np.ndarray"], "np.ndarray"]  # a 2-D array in [0, 1] -> an RGB picture


@dataclass(frozen=True)
class ModelInUse:
    """The bundle rows are read against (None: the default): the one the user classifies
    with, so rows tell current predictions from outdated ones as classify does."""

    name: str | None = None

    def key(self) -> BundleKey | None:
        """The bundle's name and version; None when it cannot be read (classify says why).
        Reads bundle.json only, without torch: the library's first load needs it at once."""
        from classifier.bundle_spec import DEFAULT_BUNDLE, BundleError, find_bundle

        name = self.name or DEFAULT_BUNDLE
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
    from classifier.bundles import bundle_identity

    return BundleKey(*bundle_identity(str(folder)))


def fresh_rows(session: Session, track_ids: Iterable[int], in_use: BundleKey | None
               ) -> RowsChanged:
    """The tracks' rows as they are now, read against the model in use."""
    return RowsChanged(tuple(browse.rows_for_ids(session, track_ids, in_use)))


def row_pages(session: Session, model: ModelInUse | None, page_size: int = PAGE_SIZE) -> Events:
    """Every track's row, page by page (None: read against no model: any bundle's newest
    prediction counts as current)."""
    in_use = model.key() if model is not None else None
    for page in browse.iter_row_pages(session, page_size, in_use):
        yield RowsLoaded(tuple(page))


def load_library(sessions: sessionmaker[Session], cancel: threading.Event,
                 model: ModelInUse | None, page_size: int = PAGE_SIZE) -> Events:
    """Every track as table rows, page by page, then the folders."""
    with sessions() as session:
        yield Total(len(browse.all_track_ids(session)))
        yield FoldersChanged(tuple(folders.list_folders(session)))
        for page in row_pages(session, model, page_size):
            yield page
            if cancel.is_set():
                return


def set_genres(sessions: sessionmaker[Session], track_ids: Sequence[int],
               genres: Sequence[str], model: ModelInUse) -> Events:
    """Store the user's genres for the tracks (empty: forget them), then their new rows."""
    with sessions() as session:
        browse.set_user_genres(session, track_ids, genres)
        session.commit()
        yield Total(len(track_ids))
        yield fresh_rows(session, track_ids, model.key())


def with_rows(sessions: sessionmaker[Session], events: Events, model: ModelInUse) -> Events:
    """Pass a workflow's events through, adding fresh rows for the tracks they touched."""
    touched: list[int] = []
    in_use = model.key()
    refreshed = time.monotonic()
    with sessions() as session:
        try:
            for event in events:
                yield event
                if (track_id := event.touched()) is not None:
                    touched.append(track_id)
                due = time.monotonic() - refreshed >= ROW_REFRESH_SECONDS
                if touched and (due or len(touched) >= ROW_REFRESH_EVERY):
                    yield fresh_rows(session, touched, in_use)
                    touched, refreshed = [], time.monotonic()
                    session.rollback()  # end the read snapshot: the next sees new commits
                # No break on cancel here: every workflow stops itself when cancelled, and
                # its last events (the rows it committed on the way out) must still show.
        finally:
            events.close()  # the workflow commits or rolls back its current item, here
        if touched:  # also when cancelled: what was committed shows
            session.rollback()
            yield fresh_rows(session, touched, in_use)


def reread_at_end(sessions: sessionmaker[Session], events: Events, model: ModelInUse) -> Events:
    """Pass events through, then fresh rows for every track they named: for a workflow whose
    events come before their rows are committed (the tag writer commits a file's track with
    the next file's log entry, undo every 50 files), the rows read on the way may be stale."""
    ids: dict[int, None] = {}  # in order, once each
    for event in events:
        yield event
        if (track_id := event.touched()) is not None:
            ids[track_id] = None
    if ids:
        with sessions() as session:
            yield fresh_rows(session, ids, model.key())


def details(sessions: sessionmaker[Session], track_id: int, model: ModelInUse, paint: Paint,
            clip_seconds: float = 6.0) -> Events:
    """The track's details and a picture (`paint`ed) of the mel spectrogram of a clip from
    its middle, as the classifier sees it."""
    with sessions() as session:
        info = browse.track_details(session, track_id, model.key())
    if info is None or info.track.status != TrackStatus.OK:
        yield DetailsReady(info)
        return
    try:
        mel, start = mel_picture(info.track.path, clip_seconds, info.track.format)
    except Exception as exc:  # a bad file: say why in the pane, keep the metadata
        log.warning("cannot draw the spectrogram of %s", info.track.path, exc_info=True)
        yield DetailsReady(info, None, 0.0, clip_seconds, f"cannot decode: {exc}")
        return
    yield DetailsReady(info, paint(mel), start, clip_seconds)


@lru_cache(maxsize=1)
def _log_mel() -> object:
    """The classifier's own log-mel (the default bundle preprocessing), built once."""
    from classifier.bundle import PreprocessingConfig
    from classifier.features import LogMel

    # patch_frames bounds how much of a clip LogMel keeps: here the whole clip shown.
    return LogMel(PreprocessingConfig(patch_frames=1_000_000))


def mel_picture(path: str, seconds: float, fmt: str | None = None) -> tuple[np.ndarray, float]:
    """The file's middle `seconds` as the classifier sees it (mels x frames in [0, 1], low
    notes at the bottom), and where that clip starts; `fmt` is the container the scanner
    detected (it picks the decoder)."""
    import numpy as np

    from classifier.audio import ClipPlan, decode_clips
    from library.tags import preferred_decoder

    log_mel = _log_mel()
    config = log_mel.config  # type: ignore[attr-defined]
    decoded = decode_clips(path, ClipPlan(count=1, seconds=seconds, span=1.0), config.sample_rate,
                           decoder=preferred_decoder(fmt))
    if decoded.clips is None:
        raise ValueError(decoded.error or "no audio in that clip")
    mel = log_mel(decoded.clips)[0].numpy().T  # type: ignore[operator]
    scaled = mel / max(float(mel.max()), 1e-6)
    return np.flipud(scaled), decoded.starts[0]
