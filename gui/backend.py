"""The seams where the app reaches the other packages. Runs in worker threads only.

Each function is a thin adapter onto library/ or classifier/ code, imported lazily so Qt
starts without torch. Those not yet wired raise BackendMissing with what is expected; the
job then ends with that message in the status bar, and the app goes on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    import numpy as np

    from gui.workers import JobContext


class BackendMissing(RuntimeError):
    """A piece of the pipeline this build does not have yet."""


@dataclass(frozen=True)
class ClassifyOptions:
    """How to classify: model bundle (None: default), device, clips per track, threshold."""

    bundle: str | None = None
    device: str = "auto"  # auto | cpu | cuda
    clips_per_track: int = 8
    threshold: float = 0.35


@dataclass(frozen=True)
class TagWriteOptions:
    """The tag writer's options as the write dialog edits them."""

    policy: str = "replace"  # replace | merge | fill-empty
    max_genres: int = 2
    min_confidence: float = 0.5
    album_consistent: bool = False
    id3_version: str = "2.4"  # 2.4 | 2.3
    separator: str = "; "  # ID3v2.3 has no multi-value frames: join with this
    mapping: dict[str, str] = field(default_factory=dict)  # predicted label -> tag text


@dataclass(frozen=True)
class PlanRow:
    """One file's planned genre change, as the write dialog shows it."""

    track_id: int | None
    path: str
    old_genres: tuple[str, ...] | None  # None: the file has no genre tag
    new_genres: tuple[str, ...]
    reason: str
    will_write: bool = True


def add_folder(session: Session, path: str) -> None:
    """Start watching a folder (no-op if already watched)."""
    from library import repository  # type: ignore[attr-defined]

    repository.add_folder(session, path)  # type: ignore[attr-defined]


def remove_folder(session: Session, folder_id: int) -> None:
    """Stop watching a folder and forget its tracks."""
    from library import repository  # type: ignore[attr-defined]

    repository.remove_folder(session, folder_id)  # type: ignore[attr-defined]


def scan_events(ctx: JobContext, paths: Sequence[str]) -> Iterator[object]:
    """The scanner's per-file events (each with .track_id, .total) for the given folders."""
    from library import scanner  # type: ignore[attr-defined]

    return scanner.scan(ctx.sessions, list(paths), cancel=ctx.cancelled)  # type: ignore[attr-defined, no-any-return]


def classify_events(
    ctx: JobContext, options: ClassifyOptions, track_ids: Sequence[int] | None
) -> Iterator[object]:
    """Per-track classification events (each with .track_id), predictions stored as they come."""
    raise BackendMissing(
        "classification is not wired yet: expected classifier.predict.predict_tracks and "
        "library.predictions to store its results"
    )


def tag_plan_events(
    ctx: JobContext, options: TagWriteOptions, track_ids: Sequence[int] | None
) -> Iterator[PlanRow]:
    """The tag writer's dry-run plan as PlanRows."""
    raise BackendMissing("tag writing is not wired yet: expected library.tagwriter.plan")


def tag_apply_events(
    ctx: JobContext, options: TagWriteOptions, plan: Sequence[PlanRow]
) -> Iterator[object]:
    """Apply a plan the user saw; per-file events (each with .track_id)."""
    raise BackendMissing("tag writing is not wired yet: expected library.tagwriter.apply")


def tag_undo_events(ctx: JobContext) -> Iterator[object]:
    """Undo the last applied batch; per-file events (each with .track_id)."""
    raise BackendMissing("undo is not wired yet: expected library.tagwriter.undo_last")


def mel_picture(path: str, start: float, seconds: float) -> np.ndarray:
    """An RGB picture (mels x frames x 3, low notes at the bottom) of a clip of the file."""
    import librosa
    import numpy as np

    from gui.colormap import colorize

    audio, rate = librosa.load(path, sr=22050, mono=True, offset=start, duration=seconds)
    if audio.size == 0:
        raise ValueError("no audio in that clip")
    mel = librosa.feature.melspectrogram(y=audio, sr=rate, n_fft=2048, hop_length=512, n_mels=96)
    db = librosa.power_to_db(mel, ref=np.max, top_db=80.0)
    return colorize(np.flipud((db + 80.0) / 80.0))
