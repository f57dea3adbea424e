"""A new SQLite library is built from the schema snapshot (no Alembic import): the very schema
Alembic's revisions build, so later revisions find what they expect."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from library import db, fresh_schema

REPO = Path(__file__).resolve().parents[1]
_CONSTRAINT = ("PRIMARY KEY", "FOREIGN KEY", "UNIQUE", "CONSTRAINT", "CHECK")


def _normalised(sql: str) -> tuple[str, ...]:
    """A CREATE statement with its table constraints in sorted order: Alembic's batch mode
    writes them in an order that changes from run to run; columns keep theirs."""
    head, paren, body = sql.partition("(\n")
    if not paren:
        return (sql,)
    lines = [line.strip().rstrip(",") for line in body.rstrip(")").strip().split("\n")]
    columns = [line for line in lines if not line.startswith(_CONSTRAINT)]
    constraints = sorted(line for line in lines if line.startswith(_CONSTRAINT))
    return (head.replace('"', ""), *columns, *constraints)


def _schema(path: Path) -> tuple[set[tuple[str, ...]], str, int]:
    """Normalised CREATE statements, Alembic revision and user_version of a library file."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    return {_normalised(sql) for (sql,) in rows}, revision, user_version


def _new_library(path: Path) -> None:
    db.create_db_engine(path).dispose()


def test_snapshot_builds_what_the_revisions_build(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _new_library(tmp_path / "from_snapshot.sqlite3")
    monkeypatch.setattr(fresh_schema, "SNAPSHOT", tmp_path / "none.sql")
    _new_library(tmp_path / "by_alembic.sqlite3")
    ours, alembics = (_schema(tmp_path / name)
                      for name in ("from_snapshot.sqlite3", "by_alembic.sqlite3"))
    assert ours[1:] == alembics[1:] == (db.HEAD, db.HEAD_USER_VERSION)
    # After a new revision: `python -m tools.schema_snapshot`.
    assert ours[0] == alembics[0], sorted(ours[0] ^ alembics[0])
    assert any(s[0].startswith("CREATE TABLE tracks") for s in ours[0])


def test_new_library_is_made_without_importing_alembic(tmp_path: Path) -> None:
    code = ("import sys; from library.db import create_db_engine; "
            f"create_db_engine({str(tmp_path / 'new.sqlite3')!r}).dispose(); "
            "print('alembic' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"
    assert _schema(tmp_path / "new.sqlite3")[1] == db.HEAD


def test_snapshot_of_another_revision_is_not_used(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "stale.sql"
    stale.write_text(fresh_schema.SNAPSHOT.read_text().replace(db.HEAD, "0002_roots", 1))
    monkeypatch.setattr(fresh_schema, "SNAPSHOT", stale)
    with db.create_db_engine(tmp_path / "lib.sqlite3").connect() as conn:
        assert not fresh_schema.create(conn, db.HEAD)  # Alembic built this one
        assert db.alembic_revision(conn) == db.HEAD
