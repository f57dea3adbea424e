"""GenreLens composition root: parse arguments, then start the GUI or run one CLI command."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import logging
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from cli import COMMAND_MODULES, MODULE_OF_COMMAND
from cli.context import AppContext, run_command
from library.db import DB_ENV_VAR, db_location, default_db_path, shown_location
from library.roots import RootError, local_mapping
from workflows import stderr_filter
from workflows.logs import log_file, setup_logging

log = logging.getLogger("genrelens")
EXIT_BUG = 3  # the command failed in a way it does not expect (docs/library.md, exit codes)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand (`only`: a cli module's alone)."""
    parser = argparse.ArgumentParser(
        prog="genrelens",
        description="Sort a music collection by genre. Without a command, opens the app.",
    )
    parser.add_argument(
        "--db",
        type=db_location,
        default=None,
        help=f"library database file, or a server URL such as postgresql+psycopg://user@host/db"
             f" (default: ${DB_ENV_VAR} or {shown_location(default_db_path())})",
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log everything (DEBUG) to stderr too; the log file always has it")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only else COMMAND_MODULES:
        importlib.import_module(f"cli.{name}").register(subparsers)
    for command in subparsers.choices.values():  # also after the command: `scan -v`
        if "--verbose" not in command._option_string_actions:
            command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                                 help="log everything (DEBUG) to stderr too")
    return parser


def command_module(argv: Sequence[str]) -> str | None:
    """The cli module of the command `argv` names (None: no known command, or help asked
    before it): parsing then needs that module only."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help"):
            return None
        if word == "--db":
            next(words, None)  # its value
        elif not word.startswith("-"):
            return MODULE_OF_COMMAND.get(word)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python main.py` and the `genrelens` console script.

    Called without `argv` (a real run, not a test calling in), it also keeps C libraries'
    decoder chatter off the terminal (workflows/stderr_filter.py).
    """
    args = build_parser(command_module(sys.argv[1:] if argv is None else argv)).parse_args(argv)
    if argv is None:
        stderr_filter.install()
    setup_logging(verbose=args.verbose)
    app = AppContext(db_path=args.db or default_db_path())
    try:
        local_mapping()  # a malformed GENRELENS_ROOTS or roots file, in words, before any work
    except RootError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command is None:
        from gui.app import run_gui  # Qt loads only when the GUI is wanted

        return run_gui(app.db_path, sys.argv[:1])
    log.debug("command %s, library %s", args.command, shown_location(app.db_path))
    if argv is None:  # a real run, one command: not a test calling main() again and again
        # What was imported so far lives as long as the run: moved out of the collector's
        # way, full collections stop walking it (~15% of a 2,000-file scan's CPU).
        gc.freeze()
    try:
        return run_command(args.handler, args, app)  # database failures in words
    except KeyboardInterrupt:
        print("Interrupted; work committed so far is kept.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: the traceback is for the log file
        log.exception("%s failed: %s (details in %s)", args.command, exc, log_file() or "no log")
        return EXIT_BUG
    finally:
        app.close()


def exit_now(code: int) -> NoReturn:
    """End a finished CLI run without the interpreter's teardown (about 0.5 s after torch).

    Everything is committed and the database closed when main() returns. The atexit
    handlers (logging, the stderr filter, Ray, multiprocessing, weakref finalizers) still
    run; only module teardown and the final garbage collection are skipped. With another
    non-daemon thread alive, the ordinary exit runs instead.

    The GUI ends this way too. Its window's close waited for every job (each disposed its
    engine) and settings are written as they change; what teardown would add is Python
    freeing Qt's objects while Qt's own threads (the preview's FFmpeg) still run, which
    crashed the app at exit (SIGSEGV, "corrupted size vs. prev_size") in 2 of 4 full test
    runs.
    """
    busy = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    if busy:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone: nothing to keep
            stream.flush()
    os._exit(code)


def run() -> NoReturn:
    """The `genrelens` console script: main(), then the same quick exit as `python main.py`."""
    exit_now(main())


if __name__ == "__main__":
    run()
