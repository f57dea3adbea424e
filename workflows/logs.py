"""The app's log: Python `logging` to a rotating file in the data folder, set up once per run.

Both front ends call `setup_logging` first thing; everything else just uses
`logging.getLogger(__name__)`. The file is what a user attaches to a bug report, so it keeps
DEBUG and up; the terminal gets warnings only, or everything with `--verbose`. It is the
user's alone (0600 in a 0700 folder), and no line in it or on the terminal holds a database
password: callers show locations through `library.db.shown_location`, and both handlers mask
whatever slips through (an exception that quotes a URL) as a last line of defence.
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_data_path

from library.db import APP_NAME, mask_secrets

LOG_DIR_ENV_VAR = "GENRELENS_LOG_DIR"
LOG_NAME = "genrelens.log"
MAX_BYTES = 1_000_000  # five files of 1 MB: weeks of runs, small enough to attach
BACKUPS = 4
FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
# Libraries that log a line per call (SQLAlchemy's INFO is every SQL statement): warnings only.
# Alembic's INFO is a line per plugin and step; library.db logs one line per upgrade instead.
NOISY = ("PIL", "matplotlib", "numba", "h5py", "urllib3", "sqlalchemy", "asyncio", "alembic")
# Ray warns on every `ray.init` that token authentication is on (or off) for the local
# cluster it starts: advice for cluster admins, printed by Ray's own handler on the terminal.
RAY_TOKEN_LOGGER = "ray._private.authentication.authentication_token_setup"
FILE_MODE = 0o600  # the log tells what is in the user's library, and where it lives
DIR_MODE = 0o700


def log_dir() -> Path:
    """Where the log files live: $GENRELENS_LOG_DIR, else `logs` in the data folder, next to
    the library (~/.local/share/GenreLens/logs on Linux)."""
    env = os.environ.get(LOG_DIR_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return user_data_path(APP_NAME, appauthor=False) / "logs"


def log_file() -> Path | None:
    """The file the root logger writes to, if logging was set up (None otherwise)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def setup_logging(verbose: bool = False) -> Path | None:
    """Log DEBUG and up to the rotating file, and warnings (DEBUG if verbose) to stderr.

    Idempotent: a second call only changes the terminal's level. Returns the log file, or None
    when its folder cannot be written (the app runs on; only the terminal gets the messages).
    """
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    _keep_off_terminal(RAY_TOKEN_LOGGER)
    terminal = _handler_of(root, _TerminalHandler) or _add(root, _TerminalHandler(sys.stderr))
    terminal.setLevel(logging.DEBUG if verbose else logging.WARNING)
    terminal.tracebacks = verbose  # type: ignore[attr-defined]
    existing = log_file()
    if existing is not None:
        return existing
    path = log_dir() / LOG_NAME
    try:
        handler = _private_file_handler(path)
    except OSError as exc:
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc)
        return None
    handler.setLevel(logging.DEBUG)
    _add(root, handler)
    logging.getLogger(__name__).info("GenreLens started: %s", mask_secrets(" ".join(sys.argv)))
    return path


def _private_file_handler(path: Path) -> RotatingFileHandler:
    """The rotating handler on `path`, its folder 0700 and every file 0600 (an older, more
    open log is tightened; the rotated files are created by the same handler, so 0600 too)."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if not os.environ.get(LOG_DIR_ENV_VAR):  # our own folder (made before this rule): 0700;
        _tighten(path.parent, DIR_MODE)  # a folder the user chose is theirs to set
    for old in [path, *path.parent.glob(f"{LOG_NAME}.*")]:
        _tighten(old, FILE_MODE)
    return _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                   encoding="utf-8")


def _tighten(path: Path, mode: int) -> None:
    """Take group's and others' rights off `path` when it has any (it may not exist)."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(mode)
    except FileNotFoundError:
        pass


class _PrivateRotatingHandler(RotatingFileHandler):
    """Files it creates (the first, and each new one after a rollover) are 0600 from the start,
    not chmod-ed after: there is no moment when others may open one. (Not by umask: that is
    the whole process's, and other threads create the user's files meanwhile.)"""

    def _open(self):  # noqa: ANN202 (logging's own name and signature)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115


class _MaskingFormatter(logging.Formatter):
    """The formatter of both handlers: the finished line (message, traceback) with every
    database password masked, whoever logged it."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


def _keep_off_terminal(name: str) -> None:
    """Records of logger `name` go to our log at DEBUG instead of its own handlers (Ray's
    print to the terminal, whatever our --verbose says)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, _ToDebug) for f in logger.filters):
        logger.addFilter(_ToDebug())


class _ToDebug(logging.Filter):
    """A logger filter that re-logs each record at DEBUG under "genrelens.quiet" and drops
    the original, so only our handlers (file; terminal with --verbose) see it."""

    def filter(self, record: logging.LogRecord) -> bool:
        logging.getLogger("genrelens.quiet").debug("%s: %s", record.name, record.getMessage())
        return False


class _TerminalHandler(logging.StreamHandler):
    """The stderr handler: short lines, written to whatever sys.stderr is at the time (a
    progress bar's or a test's replacement, not the stream of the first call)."""

    def __init__(self, stream: object) -> None:
        super().__init__(stream)
        self.setFormatter(_LowerLevelFormatter("%(levelname)s: %(message)s"))

    tracebacks = False  # the file always has them; the terminal only with --verbose

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        if record.exc_info and not self.tracebacks:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None,
                                            "exc_text": None})
        super().emit(record)


class _LowerLevelFormatter(_MaskingFormatter):
    """'error: …', 'warning: …': the way the CLI words its own messages."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return super().formatMessage(record).replace(record.levelname, record.levelname.lower(), 1)


def _handler_of(logger: logging.Logger, kind: type) -> logging.Handler | None:
    return next((h for h in logger.handlers if type(h) is kind), None)


def _add(logger: logging.Logger, handler: logging.Handler) -> logging.Handler:
    if handler.formatter is None:
        handler.setFormatter(_MaskingFormatter(FORMAT))
    logger.addHandler(handler)
    return handler
