"""Watched folders: add, remove, list. Returns records, never ORM rows."""

from __future__ import annotations

import os

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.convert import folder_record
from library.models import Folder, Track
from library.records import FolderRecord, display_path


class FolderError(ValueError):
    """A path that cannot be a watched folder; the message is meant for the user."""


def normalise(path: str) -> str:
    """The absolute, normalised form a folder is stored under (links kept as given)."""
    return os.path.normpath(os.path.abspath(os.path.expanduser(path)))


def add_folder(session: Session, path: str) -> FolderRecord:
    """Watch a folder (no-op if watched already); raises FolderError if it is no folder."""
    path = normalise(path)
    if not os.path.isdir(path):
        reason = "does not exist" if not os.path.exists(path) else "is not a folder"
        raise FolderError(f"{display_path(path)} {reason}")
    row = session.scalars(select(Folder).where(Folder.path == path)).one_or_none()
    if row is None:
        row = Folder(path=path)
        session.add(row)
        session.commit()
    return folder_record(row)


def get_folder(session: Session, path: str) -> FolderRecord | None:
    """The watched folder stored under `path`, if any."""
    row = session.scalars(select(Folder).where(Folder.path == normalise(path))).one_or_none()
    return folder_record(row) if row else None


def list_folders(session: Session) -> list[FolderRecord]:
    """Every watched folder, by path."""
    return [folder_record(row) for row in session.scalars(select(Folder).order_by(Folder.path))]


def remove_folder(session: Session, path: str, *, forget_tracks: bool = False) -> int | None:
    """Stop watching a folder. Its tracks stay (with predictions) unless `forget_tracks`.

    Returns how many tracks were forgotten, or None if the folder was not watched.
    """
    folder = get_folder(session, path)
    if folder is None:
        return None
    forgotten = 0
    if forget_tracks:
        result = session.execute(delete(Track).where(Track.folder_id == folder.id))
        forgotten = result.rowcount  # type: ignore[attr-defined]  # a DELETE gives a CursorResult
    session.execute(delete(Folder).where(Folder.id == folder.id))
    session.commit()
    return forgotten
