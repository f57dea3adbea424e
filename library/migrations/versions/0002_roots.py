"""Paths per library root: each machine may mount a shared library's folders elsewhere.

Adds `roots` (name, recorded path). Each watched folder becomes a root named after its last
component (made unique), or a folder inside the root that holds it. Tracks, folders and
tag_changes get `root_id` and keep their path relative to that root (bytes, '/' between
names); a track or logged change outside every watched folder (its folder was removed)
keeps its absolute path with root_id NULL, as before, and is adopted by a root added over it.

Revision ID: 0002_roots
Revises: 0001_baseline
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0002_roots"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

# Finds SQLite's unnamed UNIQUE(path) constraints inside batch operations.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
_ROOTS = sa.table("roots", sa.column("id", sa.Integer), sa.column("name", sa.String),
                  sa.column("path", sa.LargeBinary), sa.column("added_at", sa.DateTime))


def _drop_path_unique(batch: object, table: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # PostgreSQL named it <table>_path_key; SQLite's has no name (see _NAMING)
    batch.drop_constraint(f"uq_{table}_path" if sqlite else f"{table}_path_key",  # type: ignore[attr-defined]
                          type_="unique")


def _schema() -> None:
    op.create_table(
        "roots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("path", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    for table in ("folders", "tracks"):
        with op.batch_alter_table(table, naming_convention=_NAMING) as batch:
            batch.add_column(sa.Column("root_id", sa.Integer(), nullable=True))
            _drop_path_unique(batch, table)
            batch.create_unique_constraint(f"uq_{table}_root_path", ["root_id", "path"])
            batch.create_foreign_key(f"fk_{table}_root_id", "roots", ["root_id"], ["id"])
    with op.batch_alter_table("tag_changes") as batch:
        batch.add_column(sa.Column("root_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_tag_changes_root_id", "roots", ["root_id"], ["id"])


def _bytes(path: bytes | str) -> bytes:  # a very old row may hold its path as TEXT
    return os.fsencode(path) if isinstance(path, str) else bytes(path)


def _inside(path: bytes, top: bytes) -> bool:
    return path == top or path.startswith(top.rstrip(b"/") + b"/")


def _split(path: bytes, roots: list[tuple[int, bytes]]) -> tuple[int | None, bytes]:
    """(root id, relative path) by the innermost root holding `path`."""
    for root_id, top in sorted(roots, key=lambda r: -len(r[1])):
        if _inside(path, top):
            return root_id, path[len(top):].lstrip(b"/")
    return None, path


def _make_roots(conn: sa.Connection) -> list[tuple[int, bytes]]:
    """A root per watched folder not inside another; each folder placed in its root."""
    folders = sa.table("folders", sa.column("id", sa.Integer), sa.column("path", sa.LargeBinary),
                       sa.column("root_id", sa.Integer))
    rows = conn.execute(sa.select(folders.c.id, folders.c.path)).all()
    roots: list[tuple[int, bytes]] = []
    names: set[str] = set()
    for folder_id, path in sorted(((i, _bytes(p)) for i, p in rows), key=lambda r: len(r[1])):
        root_id, rel = _split(path, roots)
        if root_id is None:
            name = _unique(os.path.basename(os.fsdecode(path).rstrip("/")), names)
            root_id = conn.execute(sa.insert(_ROOTS).values(
                name=name, path=path, added_at=datetime.now(timezone.utc).replace(tzinfo=None)
            ).returning(_ROOTS.c.id)).scalar_one()
            roots.append((root_id, path))
            rel = b""
        conn.execute(sa.update(folders).where(folders.c.id == folder_id)
                     .values(root_id=root_id, path=rel))
    return roots


def _unique(wanted: str, taken: set[str]) -> str:
    base = "".join("-" if ch in "=:;/" else ch for ch in wanted).strip() or "root"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def _split_paths(conn: sa.Connection, name: str, roots: list[tuple[int, bytes]]) -> None:
    """Each row of table `name` stored relative to its innermost root."""
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("path", sa.LargeBinary),
                     sa.column("root_id", sa.Integer))
    updates = []
    for row_id, path in conn.execute(sa.select(table.c.id, table.c.path)):
        root_id, rel = _split(_bytes(path), roots)
        if root_id is not None:
            updates.append({"row_id": row_id, "root_id": root_id, "path": rel})
    if updates:
        conn.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                     .values(root_id=sa.bindparam("root_id"), path=sa.bindparam("path")),
                     updates)


def upgrade() -> None:
    """Create roots, give every stored path its root."""
    _schema()
    conn = op.get_bind()
    roots = _make_roots(conn)
    for name in ("tracks", "tag_changes"):
        _split_paths(conn, name, roots)
    with op.batch_alter_table("folders") as batch:  # every folder has its root now
        batch.alter_column("root_id", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    """Not supported: older releases would read relative paths as absolute ones."""
    raise NotImplementedError("0002_roots cannot be downgraded")
