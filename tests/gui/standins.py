"""Small real stand-ins for the scanner and classifier branches, until the lead wires them in.

They do real work (walk folders, read real audio with soundfile, write the real database,
commit per file, honour the cancel flag) so the GUI's workers are tested end to end. The lead
replaces them with library.scanner / classifier.predict when the branches merge.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gui import backend
from gui.workers import JobContext
from library.models import Folder, Prediction, Track

AUDIO = {".flac", ".ogg", ".wav", ".mp3"}
LABELS = ("blues", "classical", "jazz", "metal", "rock")


@dataclass(frozen=True)
class Event:
    """What the scanner/classifier emit per file."""

    track_id: int | None
    total: int
    path: str
    error: str | None = None


def add_folder(session: Session, path: str) -> None:
    if session.scalar(select(Folder.id).where(Folder.path == path)) is None:
        session.add(Folder(path=path))
        session.flush()


def remove_folder(session: Session, folder_id: int) -> None:
    session.execute(delete(Track).where(Track.folder_id == folder_id))
    session.execute(delete(Folder).where(Folder.id == folder_id))


def scan_events(ctx: JobContext, paths: Sequence[str]) -> Iterator[Event]:
    with ctx.sessions() as session:
        folders = {f.path: f.id for f in session.scalars(select(Folder))}
        files = sorted((root, Path(f)) for root in paths for f in _walk(root))
        for root, file in files:
            if ctx.cancelled.is_set():
                return
            track = session.scalar(select(Track).where(Track.path == str(file)))
            track = track or Track(path=str(file), folder_id=folders[root])
            stat = file.stat()
            track.size, track.mtime_ns = stat.st_size, stat.st_mtime_ns
            try:
                info = soundfile.info(str(file))
                track.duration, track.sample_rate = info.duration, info.samplerate
                track.channels, track.format = info.channels, info.format.lower()
                track.title, track.status, track.error = file.stem, "ok", None
            except Exception as exc:  # a broken file is recorded, the scan goes on
                track.status, track.error = "error", f"cannot read: {exc}"
            session.add(track)
            session.commit()
            yield Event(track.id, len(files), str(file), track.error)


def _walk(root: str) -> list[str]:
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names
            if os.path.splitext(f)[1].lower() in AUDIO]


def classify_events(ctx: JobContext, options: backend.ClassifyOptions,
                    track_ids: Sequence[int] | None) -> Iterator[Event]:
    """A tiny real 'classifier': spectral centroid of the first seconds -> a genre."""
    with ctx.sessions() as session:
        done = set(session.scalars(select(Prediction.track_id)))
        todo = [t for t in session.scalars(select(Track).where(Track.status == "ok"))
                if t.id not in done]
        for track in todo:
            if ctx.cancelled.is_set():
                return
            audio, rate = soundfile.read(track.path, frames=22050 * 4, always_2d=True)
            spectrum = np.abs(np.fft.rfft(audio.mean(axis=1)))
            centroid = float((spectrum * np.arange(spectrum.size)).sum() / spectrum.sum())
            scores = np.exp(-((np.linspace(0.05, 0.3, len(LABELS)) - centroid / spectrum.size) ** 2)
                            / 0.004)
            probs = scores / scores.sum()
            top = float(probs.max())
            best = LABELS[int(probs.argmax())]
            session.add(Prediction(
                track_id=track.id, bundle="standin", bundle_version="0",
                probabilities=dict(zip(LABELS, map(float, probs))),
                top_genres=[] if top < options.threshold else [best], confidence=top,
                uncertain=top < options.threshold, clip_probabilities=[list(map(float, probs))] * 3,
                clip_starts=[0.0, 5.0, 10.0], track_size=track.size, track_mtime_ns=track.mtime_ns,
            ))
            session.commit()
            yield Event(track.id, len(todo), track.path)


def plan_events(ctx: JobContext, options: backend.TagWriteOptions,
                track_ids: Sequence[int] | None) -> Iterator[backend.PlanRow]:
    """A dry-run plan from the database: predicted or confirmed genres vs. the tags."""
    from library import browse

    with ctx.sessions() as session:
        for page in browse.iter_row_pages(session):
            for row in page:
                if track_ids is not None and row.id not in track_ids:
                    continue
                new = tuple(row.genres[: options.max_genres])
                ok = bool(new) and (bool(row.user_genres) or (row.confidence or 0)
                                    >= options.min_confidence)
                yield backend.PlanRow(row.id, row.path, row.tag_genres or None, new,
                                      "confirmed by you" if row.user_genres else
                                      "predicted" if ok else "below minimum confidence", ok)


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route gui.backend to the stand-ins for one test."""
    for name, fn in (("add_folder", add_folder), ("remove_folder", remove_folder),
                     ("scan_events", scan_events), ("classify_events", classify_events),
                     ("tag_plan_events", plan_events)):
        monkeypatch.setattr(backend, name, fn)
