"""Engine, sessions and schema of the library database: an SQLite file or a server URL.

A plain path is an SQLite file (the default, no server); an SQLAlchemy URL such as
`postgresql+psycopg://user@host/db` is a shared library on PostgreSQL (docs/scale.md).
The schema is migrated by Alembic (library/migrations); SQLite files from before Alembic
(PRAGMA user_version 1..3) first take the legacy steps below up to version 4, the baseline.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from platformdirs import user_data_path
from sqlalchemy import Connection, Engine, QueuePool, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from library import fresh_schema
from library.genre_names import genre_key
from library.models import Base

APP_NAME = "GenreLens"
DB_ENV_VAR = "GENRELENS_DB"
SCHEMA_VERSION = 4  # the legacy user_version chain ends here (= 0001_baseline)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SERVER_BACKENDS = ("postgresql",)  # what a URL may name besides sqlite (docs/scale.md)
POSTGRES_EXTRA = "pip install 'genrelens[postgres]'"
BASELINE = "0001_baseline"  # the Alembic revision equal to schema 4
# Every Alembic revision, oldest first (tests/test_db.py checks it against migrations/).
# Kept here so that opening a current library needs no Alembic import.
REVISIONS = (BASELINE, "0002_roots", "0003_search_text", "0004_prediction_reason")
HEAD = REVISIONS[-1]
# What SQLite libraries at HEAD record in user_version: the baseline's 4, then one more per
# revision, so that releases from before Alembic (which only read user_version) refuse them.
HEAD_USER_VERSION = SCHEMA_VERSION + len(REVISIONS) - 1
log = logging.getLogger(__name__)

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


class LocationError(DatabaseError):
    """The library's location cannot be used as given: a malformed URL, a database GenreLens
    does not support, or a driver that is not installed (the setup is wrong, not the data)."""


DbLocation = Path | str  # an SQLite file, or an SQLAlchemy URL of a database server


def is_url(location: DbLocation) -> bool:
    """Whether `location` names a database server (an SQLAlchemy URL), not a file."""
    return isinstance(location, str) and "://" in location


def db_location(value: str) -> DbLocation:
    """--db's and GENRELENS_DB's value: a URL stays as given, anything else is a file path.

    Never raises: a malformed URL stays a string too and is refused, in words and without its
    password, when the library is opened (`create_db_engine`)."""
    if "://" not in value:
        return Path(value).expanduser()
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        return value
    if url.get_backend_name() == "sqlite":  # sqlite:///file is just the file
        return Path(url.database or ":memory:").expanduser()
    return value


# scheme://user:PASSWORD@host: the password runs to the last "@" of the word, as a password
# may hold "@" or "/" unescaped; libpq's password=… (a URL's query, a conninfo string) too.
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][\w+.-]*://[^:/@\s]*):(?P<secret>\S*)@")
_PASSWORD_PARAMETER = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<secret>'[^']*'|[^\s&'\"]+)",
                                 re.IGNORECASE)


def mask_secrets(text: str) -> str:
    """`text` with the password of every database URL (or `password=` setting) in it masked.

    The rule of `shown_location`, for text that may hold a location among other words: log
    lines, exception messages, command lines."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}:***@", text)
    return _PASSWORD_PARAMETER.sub(lambda m: f"{m['head']}***", text)


def shown_location(location: DbLocation) -> str:
    """The library's name for people (messages, logs, titles, dialogs): a URL without its
    password (`user:***@host/db`), even a URL too malformed to parse."""
    return mask_secrets(str(location)) if is_url(location) else str(location)


def default_db_path() -> DbLocation:
    """Where the library lives unless --db or GENRELENS_DB says otherwise."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return db_location(env)
    return user_data_path(APP_NAME, appauthor=False) / "library.sqlite3"


def _genre_key(value: str | None) -> str | None:
    return genre_key(value) if isinstance(value, str) else None


def _common_setup(dbapi_conn: sqlite3.Connection) -> None:
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


def is_read_only(path: DbLocation) -> bool:
    """True when the library exists but cannot be written (file, folder or file system)."""
    if is_url(path):
        return False  # the server decides; its refusals come back as errors
    path = Path(path)
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


def create_db_engine(path: DbLocation, read_only: bool | None = None) -> Engine:
    """An engine on the library at `path` (SQLite file or server URL), migrated to HEAD;
    an SQLite file is read-only (and never written) when `read_only`, by default when the
    file cannot be written."""
    if is_url(path):
        return _server_engine(str(path))
    path = Path(path)
    if read_only if read_only is not None else is_read_only(path):
        engine = _read_only_engine(path)
    else:
        _make_data_folder(path)
        engine = create_engine(f"sqlite:///{path}", future=True)
        event.listen(engine, "connect", _on_connect)
    migrate(engine, path)
    return engine


def _make_data_folder(path: Path) -> None:
    """Create the app's own data folder on first use, and no other: a typo in --db or
    GENRELENS_DB must not leave new folders behind. A library in a missing folder then
    cannot be opened, in words (db_errors, exit 66)."""
    data = user_data_path(APP_NAME, appauthor=False)
    if Path(os.path.abspath(path)).parent == data:
        data.mkdir(parents=True, exist_ok=True)


def _server_url(location: str) -> URL:
    """`location` as an SQLAlchemy URL of a supported server; LocationError in words (never
    with the password, never chained to SQLAlchemy's error, which quotes the whole URL)."""
    try:
        url: URL | None = make_url(location)
    except (ArgumentError, ValueError):
        url = None
    if url is None:
        raise _unreadable(location)
    if url.get_backend_name() not in SERVER_BACKENDS:
        raise LocationError(
            f"{shown_location(location)}: GenreLens keeps its library in an SQLite file or on "
            f"a PostgreSQL server (postgresql+psycopg://user@host/database), not "
            f"'{url.drivername}'.")
    return url


def _unreadable(location: str, why: str = "") -> LocationError:
    return LocationError(
        f"{shown_location(location)} is not a database URL GenreLens can read{why}. A library "
        "on a server is named like postgresql+psycopg://user@host:5432/database, with the "
        "password after the user name and a colon (its special characters %-escaped); "
        "anything without '://' is a library file's path.")


def _server_engine(location: str) -> Engine:
    url = _server_url(location)
    try:
        engine = _postgres_engine(url)
    except ArgumentError as exc:  # a query argument the driver cannot take (?port=x)
        raise _unreadable(location, f" ({mask_secrets(str(exc))})") from None
    except (ImportError, NoSuchModuleError) as exc:  # the driver is not installed
        missing = getattr(exc, "name", None) or url.get_driver_name()
        driver = "" if url.get_driver_name() == "psycopg" else (
            ", and name its driver in the URL: postgresql+psycopg://…")
        raise LocationError(
            f"The library {shown_location(location)} is on PostgreSQL, which needs the "
            f"postgres extra ({missing} is not installed): install genrelens[postgres] "
            f"({POSTGRES_EXTRA}) into the Python that runs GenreLens{driver}.") from None
    migrate(engine, shown_location(location))
    return engine


def _postgres_engine(url: URL) -> Engine:
    # pre_ping: a GUI left open overnight finds its pooled connections closed by the server.
    # lock_timeout: a statement waiting for another writer's row lock gives up as SQLite's
    # busy timeout does (db_errors: "busy"), instead of waiting for ever.
    options = {"options": f"-c lock_timeout={BUSY_TIMEOUT_S * 1000}"}
    return create_engine(url, pool_pre_ping=True,
                         connect_args=options if "psycopg" in url.drivername else {})


def engine_is_read_only(engine: Engine) -> bool:
    """Whether `engine` was opened read-only (an SQLite file only: a server decides itself)."""
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "")


def schema_version(conn: Connection) -> int:
    """The legacy version recorded in an SQLite file (PRAGMA user_version); 0 elsewhere."""
    if conn.dialect.name != "sqlite":
        return 0
    return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def alembic_revision(conn: Connection) -> str | None:
    """The Alembic revision the library is at, None before Alembic (or when empty)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _schema_mark(revision: str | None, legacy: int) -> str:
    """'revision R, schema N' (schema only in SQLite files): where a library stands."""
    parts = [f"revision {revision}"] if revision else []
    parts += [f"schema {legacy}"] if legacy else []
    return ", ".join(parts) or "no revision"


def _refuse_newer(path: object, legacy: int, revision: str | None) -> None:
    if legacy > HEAD_USER_VERSION or (revision is not None and revision not in REVISIONS):
        # Both sides, whichever mark is the newer one: what the library is at, and the newest
        # this release knows (a bug report then says which releases met).
        ours = _schema_mark(HEAD, HEAD_USER_VERSION if legacy else 0)
        raise NewerSchemaError(
            f"{path} was written by a newer GenreLens (the library is at "
            f"{_schema_mark(revision, legacy)}; this GenreLens knows up to {ours}); "
            "refusing to touch it.")


def migrate(engine: Engine, path: Path | str | None = None) -> None:
    """Create a fresh schema or upgrade an older one, in one transaction.

    Writes nothing when the schema is current: a read-only library opens, and `list` runs
    while another process holds the write lock."""
    path = path or engine.url.database
    with engine.connect() as conn:
        legacy, revision = schema_version(conn), alembic_revision(conn)
    _refuse_newer(path, legacy, revision)
    if revision == HEAD:
        return
    if engine_is_read_only(engine):
        raise DatabaseError(f"{path} needs upgrading (schema {legacy}, revision {revision} "
                            f"to {HEAD}) but is read-only.")
    if engine.dialect.name == "sqlite":
        _upgrade_sqlite(engine, path)
    else:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # two GUIs starting at once: one migrates
                conn.execute(text("SELECT pg_advisory_xact_lock(4716)"))
            _upgrade(conn, path)
    # Alembic's own lines are chatter (workflows/logs.py NOISY): this one says what was done.
    if legacy == 0 and revision is None:  # (a file from before Alembic has a version)
        log.info("library %s created at revision %s", shown_location(str(path)), HEAD)
    else:
        log.info("library %s upgraded from %s to %s", shown_location(str(path)),
                 revision or f"schema {legacy}", HEAD)


def _upgrade_sqlite(engine: Engine, path: object) -> None:
    """The upgrade in one SQLite transaction, foreign keys off as SQLite's ALTER TABLE recipe
    asks: a table rebuilt by copying is dropped, and that must not cascade to its children."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only takes effect outside BEGIN
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # DDL too: pysqlite begins before DML only
        try:
            _upgrade(conn, path)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise DatabaseError(f"{path}: upgrade would break references: {broken[:5]}")
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _upgrade(conn: Connection, path: object) -> None:
    """Legacy user_version steps up to 4, then Alembic to HEAD (another process may have
    migrated meanwhile: the state is read again inside the transaction). A new SQLite file
    gets HEAD's schema at once (library/fresh_schema.py)."""
    legacy, revision = schema_version(conn), alembic_revision(conn)
    _refuse_newer(path, legacy, revision)
    if revision == HEAD:
        return
    if legacy or revision is not None or not fresh_schema.create(conn, HEAD):
        _alembic_upgrade(conn, legacy, revision)
    if conn.dialect.name == "sqlite":  # older GenreLens releases read this, not Alembic's
        conn.execute(text(f"PRAGMA user_version={HEAD_USER_VERSION}"))


def _alembic_upgrade(conn: Connection, legacy: int, revision: str | None) -> None:
    from alembic import command  # only when something is to migrate: keeps start-up light
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    if revision is None and legacy > 0:  # a library from before Alembic
        for step in range(legacy, SCHEMA_VERSION):  # none from 4 on
            MIGRATIONS[step](conn)
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one thread each; objects stay valid after commit for reading."""
    return sessionmaker(engine, expire_on_commit=False)
