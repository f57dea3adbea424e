"""Classify as the app runs it: the Settings' options, the roots away, then each track as
its prediction is committed, with the fresh table rows of the tracks done."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from classifier.clips import DEFAULT_CLIPS  # the options' default, the CLI's --clips: no numpy
from workflows.browse import ModelInUse, with_rows
from workflows.events import Events, RootsAway, Total

log = logging.getLogger(__name__)

CLASSIFY_COMMIT_EVERY = 8  # a few seconds of CPU work: a cancel loses at most this much


@dataclass(frozen=True)
class ClassifyOptions:
    """How to classify: model bundle (None: default), device, clips per track, threshold."""

    bundle: str | None = None
    device: str = "auto"  # auto | cpu | cuda
    clips_per_track: int = DEFAULT_CLIPS
    threshold: float = 0.0  # uncertain below this; 0: the bundle's own calibrated threshold

    def model(self) -> ModelInUse:
        """The bundle these options classify with, which rows are read against."""
        return ModelInUse(self.bundle)


def genre_bundles() -> list[str]:
    """Names of the bundles classify can run: shipped, learned and trained ones (taggers left
    out, as classify refuses them)."""
    from classifier.bundles import genre_bundle_names

    return genre_bundle_names()


def model_identity(bundle: str | None) -> tuple[str, str] | None:
    """The (name, version) of the bundle Settings names (None: the default), from its
    bundle.json; None when it does not read. No torch: the About box need not wait for it."""
    from classifier.bundle_spec import BundleError
    from classifier.bundles import bundle_identity

    try:
        return bundle_identity(bundle)
    except (BundleError, OSError, ValueError, KeyError):
        return None


def classify_events(sessions: sessionmaker[Session], cancel: threading.Event,
                    options: ClassifyOptions, track_ids: Sequence[int] | None) -> Events:
    """The roots away, then one TrackClassified per track, yielded once it is committed."""
    from workflows.classify import classify_stream, prepare_classify  # torch: on the worker

    run = prepare_classify(sessions, options.bundle, device=options.device,
                           threshold=options.threshold, track_ids=track_ids)
    for note in run.away_notes():
        log.info(note)
    yield RootsAway(tuple((root.name, root.local, n) for root, n in run.away))
    yield Total(len(run.todo))
    yield from classify_stream(
        sessions, run.todo, run.bundle, device=run.device, clips=options.clips_per_track,
        commit_every=CLASSIFY_COMMIT_EVERY, cancel=cancel,
    )


def classify(sessions: sessionmaker[Session], cancel: threading.Event, options: ClassifyOptions,
             track_ids: Sequence[int] | None = None) -> Events:
    """Classify the given tracks (None: every track not yet classified or changed since),
    with each committed track's fresh row."""
    return with_rows(sessions, classify_events(sessions, cancel, options, track_ids),
                     options.model())
