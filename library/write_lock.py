"""One tag writer per library at a time: an advisory file lock next to the database.

flock locks belong to an open file description, so two threads of one process exclude each
other as two processes do; the kernel drops the lock when its holder dies, so a SIGKILLed
writer never leaves the library locked. Whoever holds it writes its pid and task into the
file, so the one refused can say by what.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the O_EXCL temp names still keep writers apart
    fcntl = None  # type: ignore[assignment]


class WriteLocked(Exception):
    """Another process (or thread) is writing tags to this library; the message says which."""


class LockLost(WriteLocked):
    """The write lock went away while we held it (its server connection ended); says why."""


LockCheck = Callable[[], None]  # raises LockLost when the lock is no longer ours


# How often, and how far apart, a refused writer reads the holder's name (0.2 s at most).
HOLDER_READS, HOLDER_WAIT_S = 40, 0.005

# The key of the tag writers' advisory lock on a PostgreSQL library (any constant will do).
SERVER_LOCK_KEY = 4_716_001


def _engine(sessions: sessionmaker[Session] | Session) -> Engine:
    bind = sessions.kw["bind"] if isinstance(sessions, sessionmaker) else sessions.get_bind()
    return bind.engine


def lock_path(sessions: sessionmaker[Session] | Session) -> str | None:
    """The lock file of the library behind `sessions` (None for an in-memory database)."""
    bind = _engine(sessions)
    database = bind.engine.url.database
    if bind.dialect.name != "sqlite":
        return None  # a server library has no file: library_write_lock takes a server lock
    return None if not database or database == ":memory:" else file_for(database)


def file_for(db_path: str | os.PathLike[str]) -> str:
    """The lock file of the library database at `db_path`."""
    return os.path.realpath(db_path) + ".write-lock"


def holder(path: str | None) -> str | None:
    """Who holds the write lock ("pid 123, writing tags"), or None when no one does."""
    if not is_locked(path):
        return None
    try:
        with open(path, "rb") as handle:  # type: ignore[arg-type]
            return handle.read(200).decode("utf-8", "replace").strip() or None
    except OSError:
        return None


def _holder(fd: int) -> str:
    """Who holds the lock, as the holder wrote it; it writes just after taking the lock, so
    an empty file is read again for a moment before giving up on naming it."""
    for _ in range(HOLDER_READS):
        try:
            said = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        except OSError:
            break
        if said:
            return said
        time.sleep(HOLDER_WAIT_S)
    return "another process"


@contextmanager
def write_lock(path: str | None, task: str) -> Iterator[None]:
    """Hold the library's write lock for `task`; WriteLocked at once if someone else has it."""
    if path is None or fcntl is None:
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WriteLocked(f"cannot lock the library for writing: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriteLocked(f"another GenreLens is writing tags to this library "
                              f"({_holder(fd)}); try again when it has finished") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {task}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


def is_locked(path: str | None) -> bool:
    """True while some writer holds the library's write lock."""
    if path is None or fcntl is None or not os.path.exists(path):
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _still_ours() -> None:
    """A lock file's flock lasts as long as our open file: nothing can take it away."""


@contextmanager
def library_write_lock(sessions: sessionmaker[Session] | Session, task: str
                       ) -> Iterator[LockCheck]:
    """The library's one-writer lock for `task`: the lock file beside an SQLite library, an
    advisory lock on a PostgreSQL server (so writers on two machines exclude each other too).
    Yields a check to call before each file: a server lock can be lost (an idle-session
    timeout, an admin's pg_terminate_backend, a pooler, a NAT dropping the idle connection)."""
    engine = _engine(sessions)
    if engine.dialect.name == "sqlite":
        with write_lock(lock_path(sessions), task):
            yield _still_ours
        return
    # Its own connection, outside the sessions' transactions: the server frees the lock when
    # the connection ends, so a killed writer leaves nothing held (as flock does).
    with engine.connect() as conn:
        name = f"GenreLens pid {os.getpid()} on {socket.gethostname()}, {task}"[:63]
        conn.execute(text("SELECT set_config('application_name', :name, false)"),
                     {"name": name})
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                           {"key": SERVER_LOCK_KEY}).scalar()
        conn.commit()
        if not got:
            raise WriteLocked(f"another GenreLens is writing tags to this library "
                              f"({_server_holder(conn) or 'another process'}); try again when "
                              "it has finished")
        try:
            yield lambda: _check_server_lock(conn)
        finally:
            _server_unlock(conn)


def _check_server_lock(conn: Connection) -> None:
    """LockLost unless our connection is alive and its backend still holds the lock."""
    try:
        held = conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key "
            "AND pid = pg_backend_pid() AND granted"), {"key": SERVER_LOCK_KEY}).scalar()
        conn.commit()  # never left idle in a transaction
    except SQLAlchemyError as exc:
        raise LockLost("the server ended its connection") from exc
    if not held:  # a pooler handed us another backend, or the lock was released by hand
        raise LockLost("the server no longer holds it for this connection")


def _server_unlock(conn: Connection) -> None:
    """Release the server lock; a connection that has ended took the lock with it, and
    one that fails here is closed (not pooled), which releases the lock too."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SERVER_LOCK_KEY})
        conn.commit()
    except SQLAlchemyError:
        conn.invalidate()


def _server_holder(conn: Connection | Session) -> str | None:
    return conn.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted"),
        {"key": SERVER_LOCK_KEY}).scalar()


def library_is_locked(session: Session) -> bool:
    """True while some writer holds the library's one-writer lock (file or server)."""
    if _engine(session).dialect.name == "sqlite":
        return is_locked(lock_path(session))
    return _server_holder(session) is not None
