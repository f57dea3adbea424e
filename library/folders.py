"""Watched folders: add, remove, list. Returns records, never ORM rows.

A folder is a library root (library.roots) or a folder inside one: adding a folder that no
root holds makes it a root, named after its last component.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.convert import folder_record
from library.models import Folder, Root, TagChange, Track
from library.records import FolderRecord, TrackStatus, display_path
from library.roots import (ROOTS_ENV_VAR, RootError, RootInfo, RootMap, check_name,
                           forget_roots, roots_of, save_local_mapping, stored_at, unique_name)

SAME_SHARE_SAMPLE = 3  # tracks of an unreachable root looked for under a new folder


class FolderError(ValueError):
    """A path that cannot be a watched folder; the message is meant for the user."""


class SameShareError(FolderError):
    """The folder holds the files of a root not found on this machine: the same share
    mounted elsewhere. Adding it as `root` (add_folder's `as_root`) is what the user wants."""

    def __init__(self, path: str, root: RootInfo) -> None:
        self.path, self.root = path, root
        self.found_here = os.path.isdir(root.local)  # the same folder reached another way
        where = (f"is the folder of root '{root.name}' ({display_path(root.local)}) reached "
                 "another way (a link or a second mount)" if self.found_here else
                 f"holds the files of root '{root.name}' (recorded at "
                 f"{display_path(root.recorded)}, not found on this machine)")
        super().__init__(f"{display_path(path)} {where}; to use it from here: genrelens "
                         f"folders add '{display_path(path)}' --as {root.name}")


def normalise(path: str) -> str:
    """The absolute, normalised form a folder is stored under (links kept as given)."""
    return os.path.normpath(os.path.abspath(os.path.expanduser(path)))


def add_folder(session: Session, path: str, as_root: str | None = None) -> FolderRecord:
    """Watch a folder (no-op if watched already); raises FolderError if it is no folder.

    `as_root`: the folder is that existing root, mounted here (remembered for this machine
    in the roots file). A folder that no root holds becomes a new root, unless it holds the
    files of a root not found on this machine: then FolderError asks for `as_root`.
    """
    path = normalise(path)
    if not os.path.isdir(path):
        reason = "does not exist" if not os.path.exists(path) else "is not a folder"
        raise FolderError(f"{display_path(path)} {reason}")
    if as_root is not None:
        _map_here(session, as_root, path)
    roots = roots_of(session)
    root_id, rel = roots.split(path)
    if root_id is None:
        if (same := _same_share(session, roots, path)) is not None:
            raise SameShareError(path, same)
        root_id, rel = _add_root(session, path), ""
    row = session.scalars(select(Folder).where(stored_at(Folder, root_id, rel))
                          ).one_or_none()
    if row is None:
        row = Folder(root_id=root_id, path=rel)
        session.add(row)
    session.commit()
    return folder_record(row)


def _map_here(session: Session, name: str, path: str) -> None:
    """Remember that root `name` is mounted at `path` on this machine."""
    try:
        check_name(name)
    except RootError as exc:
        raise FolderError(str(exc)) from None
    if roots_of(session).by_name(name) is None:
        raise FolderError(f"there is no root called '{name}' (`genrelens folders` lists them)")
    save_local_mapping(name, path)
    forget_roots(session)
    mapped = roots_of(session).by_name(name)
    if mapped is not None and mapped.local != path:
        raise FolderError(f"{ROOTS_ENV_VAR} maps '{name}' to {display_path(mapped.local)}, "
                          "which wins over --as")


def _same_share(session: Session, roots: RootMap, path: str) -> RootInfo | None:
    """A root that `path` is another name of (a symlink or a bind mount of its folder), or
    a root not found here whose first few files are under `path` with their sizes: the same
    share mounted elsewhere. Adding it as a new root would list every file twice."""
    for root in roots.roots.values():
        if os.path.isdir(root.local):
            if os.path.samefile(root.local, path):
                return root
            continue
        sample = session.execute(
            select(Track.path, Track.size)
            .where(Track.root_id == root.id, Track.status == TrackStatus.OK)
            .order_by(Track.id).limit(SAME_SHARE_SAMPLE)).all()
        if sample and all(_size(os.path.join(path, rel)) == size for rel, size in sample):
            return root
    return None


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _add_root(session: Session, path: str) -> int:
    """A new root at `path`; tracks and logged changes stored outside every root (their
    folder was removed before roots existed) that lie under it are moved into it."""
    taken = session.scalars(select(Root.name))
    root = Root(name=unique_name(os.path.basename(path), taken), path=path)
    session.add(root)
    session.flush()
    forget_roots(session)
    roots = roots_of(session)
    for table in (Track, TagChange):
        orphans: list[Track | TagChange] = list(
            session.scalars(select(table).where(table.root_id.is_(None))))
        for row in orphans:
            root_id, rel = roots.split(row.path)
            if root_id == root.id:
                row.root_id, row.path = root_id, rel
    return root.id


def get_folder(session: Session, path: str) -> FolderRecord | None:
    """The watched folder at `path` (as on this machine), if any."""
    root_id, rel = roots_of(session).split(normalise(path))
    row = session.scalars(select(Folder).where(stored_at(Folder, root_id, rel))
                          ).one_or_none()
    return folder_record(row) if row else None


def list_folders(session: Session) -> list[FolderRecord]:
    """Every watched folder, by local path."""
    return sorted((folder_record(row) for row in session.scalars(select(Folder))),
                  key=lambda f: f.path)


def list_roots(session: Session) -> list[RootInfo]:
    """Every root with where it is on this machine, by name."""
    return sorted(roots_of(session).roots.values(), key=lambda r: r.name)


def remove_folder(session: Session, path: str, *, forget_tracks: bool = False) -> int | None:
    """Stop watching a folder. Its tracks stay (with predictions) unless `forget_tracks`.

    Its root stays too: the tracks kept are still stored relative to it.
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


def forget_missing(session: Session, track_ids: Sequence[int] | None = None) -> list[int]:
    """Forget every track a scan found missing (or those of `track_ids` that are missing),
    with its predictions and labels (the tag history keeps its entries); files are never
    touched. Returns the forgotten tracks' ids. The caller commits."""
    if track_ids is not None:  # a present file among them stays: only missing ones go
        gone: list[int] = []
        for start in range(0, len(track_ids), 500):  # SQLite caps bound parameters
            gone += forget_missing_among(session, track_ids[start : start + 500])
        return gone
    deleted = session.execute(delete(Track).where(Track.status == TrackStatus.MISSING)
                              .returning(Track.id),
                              execution_options={"synchronize_session": False})
    return list(deleted.scalars())


def forget_missing_among(session: Session, track_ids: Sequence[int]) -> list[int]:
    """Forget those of the tracks that are missing (at most 500 ids at a time)."""
    deleted = session.execute(delete(Track).where(Track.status == TrackStatus.MISSING,
                                                  Track.id.in_(list(track_ids)))
                              .returning(Track.id),
                              execution_options={"synchronize_session": False})
    return list(deleted.scalars())
