"""A new SQLite library in one step: the schema Alembic's revisions build, replayed from a
snapshot of it, without importing Alembic or rebuilding tables revision by revision.

Importing Alembic and running the revisions on an empty file was ~0.2 s of a first
`genrelens scan` (docs/speed.md). The snapshot is the very `sqlite_master` text those
revisions leave (column order, constraint names and all), so later revisions find the
tables they expect. tests/test_fresh_schema.py fails when it no longer matches them;
`python -m tools.schema_snapshot` writes it again. A snapshot of another revision than HEAD
is never used (Alembic builds the library then, as before).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

SNAPSHOT = Path(__file__).with_name("migrations") / "head.sqlite.sql"
_HEADER = "-- GenreLens library schema at revision "
_END = "\n;\n"  # after each statement: no CREATE statement holds it


def schema_statements(conn: Connection) -> list[str]:
    """The CREATE statements of an SQLite database: tables, then indexes, in creation order."""
    rows = conn.exec_driver_sql(
        "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").all()
    rank = {"table": 0, "index": 1}
    return [sql for _, sql in sorted(rows, key=lambda row: rank.get(row[0], 2))]  # stable


def snapshot_text(conn: Connection, revision: str) -> str:
    """The snapshot of the schema `conn` holds, at `revision`."""
    return _HEADER + revision + "\n" + "".join(sql + _END for sql in schema_statements(conn))


def _read_snapshot() -> tuple[str, list[str]] | None:
    """The snapshot's revision and statements; None when there is none."""
    try:
        first, _, body = SNAPSHOT.read_text(encoding="utf-8").partition("\n")
    except OSError:
        return None
    if not first.startswith(_HEADER):
        return None
    return first[len(_HEADER):], [sql for sql in body.split(_END) if sql.strip()]


def create(conn: Connection, head: str) -> bool:
    """Build the schema at `head` into an empty SQLite database inside the caller's
    transaction; False (nothing done) when the snapshot is not at `head` or the database
    is not empty, and Alembic must build it."""
    snapshot = _read_snapshot()
    if conn.dialect.name != "sqlite" or snapshot is None or snapshot[0] != head:
        return False
    if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one():
        return False
    for sql in snapshot[1]:
        conn.exec_driver_sql(sql)
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
    return True
