"""The watched folders and library roots, as the CLI's `folders` commands read and change
them (the app changes them through workflows/scan.py, which scans as it adds)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from library import folders
from library.folders import FolderError, normalise
from library.records import FolderRecord
from library.roots import ROOTS_ENV_VAR, RootInfo

# What a front end shows or catches: the folder refusal, the path as stored, the roots variable.
__all__ = ["ROOTS_ENV_VAR", "FolderError", "normalise", "roots", "unwatch", "watch", "watched"]


def watched(sessions: sessionmaker[Session]) -> list[FolderRecord]:
    """Every watched folder, with its root and last scan."""
    with sessions() as session:
        return folders.list_folders(session)


def roots(sessions: sessionmaker[Session]) -> list[RootInfo]:
    """Every library root: its name, its path here, where it was recorded."""
    with sessions() as session:
        return folders.list_roots(session)


def watch(sessions: sessionmaker[Session], path: str, as_root: str | None = None
          ) -> FolderRecord:
    """Watch a folder (no scan); raises FolderError if it is none, or a known root mounted
    here under another path without `as_root`."""
    with sessions() as session:
        return folders.add_folder(session, path, as_root=as_root)


def unwatch(sessions: sessionmaker[Session], path: str, forget_tracks: bool = False
            ) -> int | None:
    """Stop watching a folder: the tracks forgotten (None: it was not watched)."""
    with sessions() as session:
        return folders.remove_folder(session, path, forget_tracks=forget_tracks)
