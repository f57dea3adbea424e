"""Where a tag write may land: only inside the watched folders, whatever a symlink says."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.models import Folder
from library.records import PlanAction, PlanRow, display_path
from library.roots import local_paths


def library_roots(session: Session) -> tuple[str, ...]:
    """The real paths of the watched folders (on this machine)."""
    roots = local_paths(session)
    return tuple(os.path.realpath(roots.local(root_id, path))
                 for root_id, path in session.execute(select(Folder.root_id, Folder.path)))


def outside_reason(path: str, roots: Sequence[str]) -> str | None:
    """Why `path` may not be written (its real file lies outside every root), else None."""
    real = os.path.realpath(path)
    for root in roots:
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return None
    return (f"a link to a file outside the library folders ({display_path(real)}); "
            "left alone")


def skip_outside(rows: list[PlanRow], roots: Sequence[str]) -> list[PlanRow]:
    """The plan with every write whose real file lies outside the roots turned into a skip."""
    return [dataclasses.replace(row, action=PlanAction.SKIP, new_genres=None, reason=reason)
            if row.action == PlanAction.WRITE and (reason := outside_reason(row.path, roots))
            else row
            for row in rows]
