"""The one place that turns a database failure into words (and a CLI exit code).

SQLite reports its failures as error codes deep inside SQLAlchemy's wrappers (and a failed
commit can surface later as a PendingRollbackError that only *contains* the real cause), so
`explain` walks the exception chain to the first SQLite error and names it: a corrupt file,
a library written by a newer GenreLens, a library another process keeps locked, a read-only
one, a full disk. The CLI prints the message and exits with the code; the GUI shows the same
words in a dialog that offers a way out.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exc as sa_exc

from library.db import (
    BUSY_TIMEOUT_S,
    DatabaseError,
    DbLocation,
    LocationError,
    NewerSchemaError,
    is_url,
    mask_secrets,
    shown_location,
)
from library.write_lock import WriteLocked, file_for, holder

EXIT_USAGE = 2  # the setup is wrong: a malformed URL, another database, no driver
# sysexits.h codes, so scripts can tell the cases apart (docs/library.md lists them).
EXIT_CORRUPT = 65  # EX_DATAERR
EXIT_CANNOT_OPEN = 66  # EX_NOINPUT
EXIT_SOFTWARE = 70  # EX_SOFTWARE: a database error none of the others names
EXIT_DISK = 74  # EX_IOERR: disk full or failing
EXIT_BUSY = 75  # EX_TEMPFAIL: locked by another process; try again later
EXIT_NEWER = 76  # EX_PROTOCOL: written by a newer GenreLens
EXIT_READ_ONLY = 77  # EX_NOPERM

_BY_CODE = {  # SQLite primary result code -> kind
    sqlite3.SQLITE_CORRUPT: "corrupt", sqlite3.SQLITE_NOTADB: "corrupt",
    sqlite3.SQLITE_BUSY: "locked", sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_READONLY: "read-only", sqlite3.SQLITE_FULL: "disk-full",
    sqlite3.SQLITE_CANTOPEN: "cannot-open", sqlite3.SQLITE_IOERR: "io",
    sqlite3.SQLITE_PERM: "read-only",
}
_EXIT = {"location": EXIT_USAGE, "corrupt": EXIT_CORRUPT, "newer": EXIT_NEWER,
         "locked": EXIT_BUSY, "writer": EXIT_BUSY,
         "read-only": EXIT_READ_ONLY, "disk-full": EXIT_DISK, "io": EXIT_DISK,
         "cannot-open": EXIT_CANNOT_OPEN, "server": EXIT_CANNOT_OPEN, "other": EXIT_SOFTWARE}


@dataclass(frozen=True)
class DbProblem:
    """A database failure in words: what kind, what to tell the user, how the CLI exits."""

    # location|corrupt|newer|locked|writer|read-only|disk-full|io|cannot-open|server|other
    kind: str
    message: str
    exit_code: int

    @property
    def can_move_aside(self) -> bool:
        """Whether starting afresh (the damaged file renamed, kept) is a sensible offer."""
        return self.kind in ("corrupt", "newer")


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def _server_kind(link: BaseException) -> str | None:
    """A database server's (psycopg's) error by its SQLSTATE; no import of the driver."""
    if not type(link).__module__.startswith("psycopg"):
        return None
    state = getattr(link, "sqlstate", None) or ""
    if state == "53100":
        return "disk-full"
    if state == "25006":
        return "read-only"
    if state[:2] in ("40", "55"):  # deadlock, serialization, lock_timeout (55P03)
        return "locked"
    # no connection, login refused, no db; 57: the server ended our session (an admin's
    # pg_terminate_backend, idle_session_timeout, a shutdown)
    if not state or state[:2] in ("08", "28", "3D", "57"):
        return "server"
    return "other"


def _kind(error: BaseException) -> str | None:
    for link in _chain(error):
        if (server := _server_kind(link)) is not None:
            return server
        if isinstance(link, WriteLocked):
            return "writer"
        if isinstance(link, LocationError):
            return "location"
        if isinstance(link, NewerSchemaError):
            return "newer"
        if isinstance(link, sqlite3.Error):
            code = getattr(link, "sqlite_errorcode", None)
            if code is not None:
                return _BY_CODE.get(code & 0xFF, "other")
            text = str(link).lower()  # before Python 3.11 only the message says
            for words, kind in (("not a database", "corrupt"), ("malformed", "corrupt"),
                                ("locked", "locked"), ("readonly", "read-only"),
                                ("disk is full", "disk-full"), ("unable to open", "cannot-open")):
                if words in text:
                    return kind
            return "other"
        if isinstance(link, OSError) and link.errno in (errno.ENOSPC, errno.EDQUOT):
            return "disk-full"
        if isinstance(link, OSError) and link.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "read-only"
    return None


def _words(kind: str, path: str, holder: str | None, error: BaseException) -> str:
    by = f" (held by {holder})" if holder else ""
    if kind == "writer":  # the library's tag-write lock: its message names the holder
        return str(next(e for e in _chain(error) if isinstance(e, WriteLocked))) + "."
    if kind == "location":  # its words name the location already, masked
        return str(next(e for e in _chain(error) if isinstance(e, LocationError)))
    return {
        "corrupt": f"The library {path} is damaged or is not a GenreLens library (SQLite "
                   "says the file is not a database or is malformed). Open another library, "
                   "or move this one aside and start afresh; your music files are not "
                   "affected.",
        "newer": str(next((e for e in _chain(error) if isinstance(e, NewerSchemaError)),
                          error)) + " Update GenreLens, or open another library.",
        "locked": f"The library {path} is busy: another process kept it locked{by} for more "
                  f"than {BUSY_TIMEOUT_S} s. Try again when it has finished.",
        "read-only": f"The library {path} is read-only (file, folder or file system), so "
                     "nothing can be changed; browsing and listing still work.",
        "disk-full": f"The disk holding the library {path} is full: nothing was saved from "
                     "the step that failed. Free some space and run it again.",
        "io": f"The disk holding the library {path} reported an input/output error; it may "
              "be failing. Copy the library somewhere safe.",
        "cannot-open": _cannot_open(path),
        "server": f"The library server {path} cannot be reached or refused the connection "
                  f"({_first_line(error)}). Check that the server is running and that the "
                  "URL, user and password are right.",
    }.get(kind, f"The library {path} failed: {_first_line(error)}")  # not pages of SQL


def _cannot_open(path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):  # GenreLens makes no folder but its own data folder
        return (f"The library {path} cannot be opened: its folder {folder} does not exist. "
                "Check the path, or create the folder first.")
    return (f"The library {path} cannot be opened: its folder is not readable, or not "
            "writable for a new library.")


def _first_line(error: BaseException) -> str:
    cause = next((e for e in _chain(error) if _server_kind(e)), error)
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def _nearly_full(path: str) -> bool:
    try:
        info = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 256 * 1024


def lock_holder(location: DbLocation) -> str | None:
    """Who holds the write lock of an SQLite library ("pid 123, writing tags"), for
    explain()'s words; None when no one does, or for a server (its lock lives there)."""
    return None if is_url(location) else holder(file_for(location))


def explain(error: BaseException, path: str, holder: str | None = None) -> DbProblem | None:
    """The database problem behind `error` in words, or None when it is not one."""
    path = shown_location(path)  # a server URL never shows its password (GUI dialogs too)
    kind = _kind(error)
    if kind == "io" and _nearly_full(path):
        kind = "disk-full"  # a WAL write on a full disk comes back as SQLITE_IOERR
    if kind is None:
        if isinstance(error, (sa_exc.PendingRollbackError, sa_exc.InvalidRequestError)):
            kind = "other"  # a session left broken by an earlier failure we did not see
        elif isinstance(error, (DatabaseError, sa_exc.SQLAlchemyError)):
            kind = "other"
        else:
            return None
    # The driver's or SQLAlchemy's own text may quote the URL it was given: masked too.
    return DbProblem(kind, mask_secrets(_words(kind, path, holder, error)), _EXIT[kind])


def move_aside(path: str | os.PathLike[str]) -> str:
    """Rename a damaged library (and its -wal/-shm) out of the way, keeping it; the new name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = f"{os.fspath(path)}.damaged-{stamp}"
    for suffix in ("-wal", "-shm", ""):  # the main file last: a crash leaves it in place
        if os.path.exists(f"{os.fspath(path)}{suffix}"):
            os.replace(f"{os.fspath(path)}{suffix}", f"{target}{suffix}")
    return target
