"""Engine, sessions and schema version of the library database (SQLite)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_path
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from library.models import Base

APP_NAME = "GenreLens"
DB_ENV_VAR = "GENRELENS_DB"
SCHEMA_VERSION = 2

# MIGRATIONS[v] upgrades a database at version v to v + 1. Version 0 is an empty file.
Migration = Callable[[Connection], None]


def add_not_music_flag(conn: Connection) -> None:
    """1 -> 2: predictions.not_music, the music gate's veto; older predictions had no gate."""
    conn.execute(text("ALTER TABLE predictions ADD COLUMN not_music BOOLEAN NOT NULL DEFAULT 0"))


MIGRATIONS: dict[int, Migration] = {1: add_not_music_flag}


class DatabaseError(Exception):
    """The library database cannot be opened as asked."""


def default_db_path() -> Path:
    """Where the library lives unless --db or GENRELENS_DB says otherwise."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return user_data_path(APP_NAME, appauthor=False) / "library.sqlite3"


def _on_connect(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    # WAL lets the GUI read while a worker writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_db_engine(path: Path | str) -> Engine:
    """An engine on the SQLite file at `path`, migrated to SCHEMA_VERSION."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    migrate(engine)
    return engine


def schema_version(conn: Connection) -> int:
    """The version recorded in the file (PRAGMA user_version)."""
    return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def migrate(engine: Engine) -> None:
    """Create a fresh schema or upgrade an older one step by step, in one transaction."""
    with engine.begin() as conn:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{engine.url.database} was written by a newer GenreLens "
                f"(schema {version}, this one knows {SCHEMA_VERSION}); refusing to touch it."
            )
        if version == 0:
            Base.metadata.create_all(conn)
        else:
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
        conn.execute(text(f"PRAGMA user_version={SCHEMA_VERSION}"))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one thread each; objects stay valid after commit for reading."""
    return sessionmaker(engine, expire_on_commit=False)
