"""Whether a classify run has anything to do, told without the model.

A bundle's name and version come from its bundle.json (classifier.bundles.bundle_identity),
so a run that finds every selected track current never imports torch or opens the weights:
~1.1 s of a 1.7 s `classify` with nothing to do (docs/speed.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from library.predictions import away_tracks, stat_on_disk, tracks_needing_prediction
from library.records import display_path
from library.roots import RootInfo

# Devices that need no look at the hardware: any other one is checked by loading the model.
_ALWAYS_THERE = ("auto", "cpu")


def away_notes(away: Sequence[tuple[RootInfo, int]]) -> list[str]:
    """One line per root whose tracks were left out because it is not on this machine."""
    return [f"Skipped {n} tracks of '{root.name}': {display_path(root.local)} is not "
            f"found on this machine (mount it there, or map it: genrelens folders add "
            f"PATH --as {root.name})" for root, n in away]


@dataclass(frozen=True)
class UpToDate:
    """Every selected track has a current prediction of `bundle`; `away`: roots not here."""

    bundle: str
    away: list[tuple[RootInfo, int]] = field(default_factory=list)


def up_to_date(sessions: sessionmaker[Session], bundle_name: str | None, *, device: str = "auto",
               paths: Sequence[str | os.PathLike[str]] | None = None, force: bool = False,
               files_here: bool = True) -> UpToDate | None:
    """UpToDate when no selected track needs predicting, found from the bundle's spec alone;
    None when there is work, or when only loading the bundle can say what happens (a
    tagger to refuse, a device to check, a bundle that does not read: its load says why)."""
    if force or device.strip().lower() not in _ALWAYS_THERE:
        return None
    from classifier.bundles import bundle_identity, describe_bundle  # no torch: spec only

    try:
        if describe_bundle(bundle_name).multi_label:
            return None
        name, version = bundle_identity(bundle_name)
    except Exception:  # noqa: BLE001 (any bundle trouble: the load that follows reports it)
        return None
    with sessions() as session:
        selected = [Path(p) for p in paths] if paths else None
        if tracks_needing_prediction(session, name, version, selected, False,
                                     stat_on_disk if files_here else None):
            return None
        return UpToDate(name, away_tracks(session) if files_here else [])
