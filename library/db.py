"""Engine, sessions and schema version of the library database (SQLite)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from platformdirs import user_data_path
from sqlalchemy import Connection, Engine, QueuePool, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from library.genre_names import genre_key
from library.models import Base

APP_NAME = "GenreLens"
DB_ENV_VAR = "GENRELENS_DB"
SCHEMA_VERSION = 4

# MIGRATIONS[v] upgrades a database at version v to v + 1. Version 0 is an empty file.
Migration = Callable[[Connection], None]


def add_prediction_audio_hash(conn: Connection) -> None:
    """Predictions remember the audio payload they were made from (NULL for existing rows:
    those still go stale on any file change, as before)."""
    conn.execute(text("ALTER TABLE predictions ADD COLUMN audio_hash VARCHAR(64)"))


def add_hardening_tables(conn: Connection) -> None:
    """Byte-exact undo (tag_originals) and classify work claims (classify_claims)."""
    for name in ("tag_originals", "classify_claims"):
        Base.metadata.tables[name].create(conn, checkfirst=True)


def add_not_music_flag(conn: Connection) -> None:
    """predictions.not_music, the music gate's veto; older predictions had no gate."""
    conn.execute(text("ALTER TABLE predictions ADD COLUMN not_music BOOLEAN NOT NULL DEFAULT 0"))


MIGRATIONS: dict[int, Migration] = {
    1: add_prediction_audio_hash,
    2: add_hardening_tables,
    3: add_not_music_flag,
}


BUSY_TIMEOUT_S = 10  # how long a statement waits for another process's write lock


class DatabaseError(Exception):
    """The library database cannot be opened as asked."""


class NewerSchemaError(DatabaseError):
    """The library was written by a newer GenreLens; this one must not touch it."""


def default_db_path() -> Path:
    """Where the library lives unless --db or GENRELENS_DB says otherwise."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return user_data_path(APP_NAME, appauthor=False) / "library.sqlite3"


def _casefold(value: str | bytes | None) -> str | None:
    if isinstance(value, bytes):  # a path: any bytes, shown as display_path shows them
        value = value.decode("utf-8", "replace")
    return value.casefold() if isinstance(value, str) else None


def _genre_key(value: str | None) -> str | None:
    return genre_key(value) if isinstance(value, str) else None


def _common_setup(dbapi_conn: sqlite3.Connection) -> None:
    # SQLite's lower() folds ASCII only; search uses casefold() so "ÉDITH" finds "Édith".
    dbapi_conn.create_function("casefold", 1, _casefold, deterministic=True)
    # Genre matching in SQL must be the very rule the Python side uses (one genre spelling).
    dbapi_conn.create_function("genre_key", 1, _genre_key, deterministic=True)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    _common_setup(dbapi_conn)
    cursor = dbapi_conn.cursor()
    # WAL lets the GUI (and `list`) read while a worker (or another process) writes.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_read_only(path: Path) -> bool:
    """True when the library exists but cannot be written (file, folder or file system)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _read_only_engine(path: Path) -> Engine:
    """An engine that only reads; immutable when not even SQLite's -shm file can be made."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if not os.access(path.parent, os.W_OK):
        uri += "&immutable=1"  # a read-only folder or mount: nothing can change the file

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        _common_setup(conn)
        return conn

    return create_engine("sqlite://", creator=connect, poolclass=QueuePool)


def create_db_engine(path: Path | str, read_only: bool | None = None) -> Engine:
    """An engine on the SQLite file at `path`, migrated to SCHEMA_VERSION; read-only (and
    never written) when `read_only`, by default when the file cannot be written."""
    path = Path(path)
    if read_only if read_only is not None else is_read_only(path):
        engine = _read_only_engine(path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", future=True)
        event.listen(engine, "connect", _on_connect)
    migrate(engine, path)
    return engine


def engine_is_read_only(engine: Engine) -> bool:
    """Whether `engine` was opened read-only."""
    return engine.url.database in (None, "")


def schema_version(conn: Connection) -> int:
    """The version recorded in the file (PRAGMA user_version)."""
    return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def migrate(engine: Engine, path: Path | str | None = None) -> None:
    """Create a fresh schema or upgrade an older one step by step, in one transaction.

    Writes nothing when the schema is current: a read-only library opens, and `list` runs
    while another process holds the write lock."""
    path = path or engine.url.database
    with engine.connect() as conn:
        version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{path} was written by a newer GenreLens "
            f"(schema {version}, this one knows {SCHEMA_VERSION}); refusing to touch it.")
    if version == SCHEMA_VERSION:
        return
    if engine_is_read_only(engine):
        raise DatabaseError(f"{path} needs upgrading (schema {version} to {SCHEMA_VERSION}) "
                            "but is read-only.")
    with engine.begin() as conn:
        version = schema_version(conn)  # another process may have migrated meanwhile
        if version == SCHEMA_VERSION:
            return
        if version == 0:
            Base.metadata.create_all(conn)
        else:
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
        conn.execute(text(f"PRAGMA user_version={SCHEMA_VERSION}"))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one thread each; objects stay valid after commit for reading."""
    return sessionmaker(engine, expire_on_commit=False)
