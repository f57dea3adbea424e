"""Library roots: paths stored per root, so machines mounting one share at different places agree.

A root is a named top folder (`nas-music`) recorded where it was first added. Tracks, folders
and the undo log store (root id, path relative to the root) as bytes; each machine maps root
names to its own mount points (GENRELENS_ROOTS, else the roots file in the config folder,
else the recorded path). RootMap turns stored paths into local ones and back: the only place
that does (docs/scale.md, "Paths per library root").
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_config_path
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from library.models import Root
from library.records import StoredPath

ROOTS_ENV_VAR = "GENRELENS_ROOTS"
# Between NAME=PATH pairs: the separator PATH and PYTHONPATH use (":" here, ";" on Windows),
# so a mount point is written as in those.
PAIR_SEPARATOR = os.pathsep
_BAD_NAME_CHARS = "=" + os.pathsep + os.sep + "/"


class RootError(ValueError):
    """A root mapping that cannot be used; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class RootInfo:
    """One root: its name, where it was recorded and where it is on this machine."""

    id: int
    name: str
    recorded: str  # the path on the machine that added it
    local: str  # the path on this machine

    @property
    def mapped(self) -> bool:
        """Whether this machine maps the root elsewhere than where it was recorded."""
        return self.local != self.recorded


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top if top.endswith(os.sep) else top + os.sep)


class RootMap:
    """Stored (root id, relative path) <-> this machine's absolute path."""

    def __init__(self, roots: Iterable[RootInfo]) -> None:
        self.roots = {root.id: root for root in roots}
        # innermost first: a root added inside another's mount keeps its own files
        self._by_depth = sorted(self.roots.values(), key=lambda r: -len(r.local))

    def local(self, root_id: int | None, stored: str) -> str:
        """The local absolute path of a stored path (root None: stored absolute, as is)."""
        if root_id is None:
            return stored
        top = self.roots[root_id].local
        if not stored:
            return top
        if os.sep != "/":
            stored = stored.replace("/", os.sep)
        return top + stored if top.endswith(os.sep) else f"{top}{os.sep}{stored}"

    def split(self, path: str) -> tuple[int | None, str]:
        """(root id, relative path with '/') of a local absolute path; (None, path) when
        no root holds it."""
        for root in self._by_depth:
            if _inside(path, root.local):
                rel = path[len(root.local):].lstrip(os.sep)
                return root.id, rel if os.sep == "/" else rel.replace(os.sep, "/")
        return None, path

    def by_name(self, name: str) -> RootInfo | None:
        """The root called `name`, if any."""
        return next((r for r in self.roots.values() if r.name == name), None)


def not_found_here(roots: RootMap) -> dict[int, RootInfo]:
    """The roots whose folder does not exist on this machine (a share not mounted, or
    mounted elsewhere and not mapped): their tracks are away, not broken."""
    return {rid: root for rid, root in roots.roots.items() if not os.path.isdir(root.local)}


def parse_mapping(text: str, separator: str = PAIR_SEPARATOR) -> dict[str, str]:
    """NAME=PATH pairs (GENRELENS_ROOTS, or one per line in the roots file) as a dict."""
    mapping: dict[str, str] = {}
    for pair in text.split(separator):
        pair = pair.strip()
        if not pair or pair.startswith("#"):
            continue
        name, equals, path = pair.partition("=")
        if not equals or not name.strip() or not path.strip():
            raise RootError(f"{pair!r} is not NAME=PATH")
        mapping[name.strip()] = os.path.abspath(os.path.expanduser(path.strip()))
    return mapping


def roots_file() -> Path:
    """This machine's file of NAME=PATH lines (one per root it mounts elsewhere)."""
    return user_config_path("GenreLens", appauthor=False) / "roots"


def local_mapping(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """This machine's mount points by root name: the roots file, overridden by the
    environment variable."""
    mapping: dict[str, str] = {}
    path = roots_file()
    try:
        if path.is_file():
            mapping.update(parse_mapping(path.read_text(encoding="utf-8"), "\n"))
    except (RootError, OSError, UnicodeError) as exc:
        raise RootError(f"{path}: {exc}") from None
    try:
        mapping.update(parse_mapping(env.get(ROOTS_ENV_VAR, "")))
    except RootError as exc:
        raise RootError(f"{ROOTS_ENV_VAR}: {exc} (pairs are separated by "
                        f"'{PAIR_SEPARATOR}')") from None
    return mapping


def save_local_mapping(name: str, local: str) -> Path:
    """Remember in the roots file that root `name` is at `local` on this machine."""
    path = roots_file()
    mapping = parse_mapping(path.read_text(encoding="utf-8"), "\n") if path.is_file() else {}
    mapping[name] = local
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in sorted(mapping.items())), encoding="utf-8")
    return path


def load_roots(session: Session) -> RootMap:
    """The library's roots with this machine's mount points."""
    mapping = local_mapping()
    return RootMap(RootInfo(row.id, row.name, row.path, mapping.get(row.name, row.path))
                   for row in session.scalars(select(Root)))


def roots_of(session: Session) -> RootMap:
    """The session's RootMap, read once per session (again after `forget_roots`)."""
    cached = session.info.get("roots")
    if not isinstance(cached, RootMap):
        cached = session.info["roots"] = load_roots(session)
    return cached


def forget_roots(session: Session) -> None:
    """Read the roots again on next use (a root was added)."""
    session.info.pop("roots", None)


def local_paths(session: Session) -> RootMap:
    """The session's RootMap, read again if a root it does not know was added meanwhile
    (by another process): for resolving many rows read just before."""
    roots = roots_of(session)
    if session.scalar(select(func.count()).select_from(Root)) != len(roots.roots):
        forget_roots(session)
        roots = roots_of(session)
    return roots


def local_path(session: Session, root_id: int | None, stored: str) -> str:
    """The local absolute path of a stored path, another machine's roots included."""
    roots = roots_of(session)
    if root_id is not None and root_id not in roots.roots:  # added by someone else meanwhile
        forget_roots(session)
        roots = roots_of(session)
    return roots.local(root_id, stored)


def stored_path(session: Session, path: str) -> tuple[int | None, str]:
    """(root id, relative path) under which a local absolute path is stored."""
    return roots_of(session).split(path)


def resolve(stored: StoredPath, mapping: Mapping[str, str] | None = None) -> str:
    """This machine's path of a stored path (another node's: a Ray worker's)."""
    mapping = local_mapping() if mapping is None else mapping
    top = mapping.get(stored.root, stored.recorded)
    return RootMap([RootInfo(0, stored.root, stored.recorded, top)]).local(0, stored.rel)


def portable(roots: RootMap, root_id: int | None, stored: str) -> StoredPath | None:
    """A stored path in the form other machines resolve (None: an absolute one)."""
    if root_id is None:
        return None
    root = roots.roots[root_id]
    return StoredPath(root.name, root.recorded, stored)


def stored_at(table: Any, root_id: int | None, stored: str) -> Any:
    """SQL: the row of `table` (Track, Folder, TagChange) stored at (root_id, stored)."""
    in_root = table.root_id.is_(None) if root_id is None else table.root_id == root_id
    return and_(in_root, table.path == stored)


def at_path(session: Session, table: Any, path: str) -> Any:
    """SQL: the row of `table` at `path`, a path on this machine (stored under its root, or
    absolute: a track from before roots that no root was made for)."""
    root_id, stored = stored_path(session, path)
    if root_id is None:
        return stored_at(table, None, path)
    return or_(stored_at(table, root_id, stored), stored_at(table, None, path))


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """`wanted` made a usable root name, with -2, -3, ... when it is taken."""
    base = "".join("-" if ch in _BAD_NAME_CHARS else ch for ch in wanted).strip() or "root"
    taken = set(taken)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def check_name(name: str) -> str:
    """`name` if it can be a root name (no '=', path or pair separators), else RootError."""
    if not name or any(ch in _BAD_NAME_CHARS for ch in name):
        raise RootError(f"{name!r} cannot be a root name (no '=', '/' or '{os.pathsep}')")
    return name
