"""What every command receives: the parsed global options and a lazily opened database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cli.output import escaped_streams, reader_gone
from library.db import DbLocation, create_db_engine, session_factory, shown_location
from library.db_errors import explain, lock_holder


@dataclass
class AppContext:
    """Global state of one CLI invocation; the database opens on first use."""

    db_path: DbLocation  # an SQLite file or a server URL

    @cached_property
    def engine(self) -> Engine:
        return create_db_engine(self.db_path)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def close(self) -> None:
        """Close the pooled connections, if the database was opened (SQLite checkpoints its WAL)."""
        engine = self.__dict__.pop("engine", None)
        if engine is not None:
            engine.dispose()


def interrupted(error: BaseException) -> bool:
    """Whether a Ctrl-C (KeyboardInterrupt) is behind `error`, raised while handling it."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__context__
    return False


def run_command(handler: Callable[[argparse.Namespace, AppContext], int | None],
                args: argparse.Namespace, app: AppContext) -> int:
    """Run one command; a database failure becomes words on stderr and its exit code."""
    try:
        with escaped_streams():  # no control character from a file name reaches the terminal
            return int(handler(args, app) or 0)
    except BrokenPipeError:  # `genrelens list | head`: the reader has all it wanted
        return reader_gone()
    except Exception as error:
        if interrupted(error):
            # Ctrl-C mid-query: the driver's clean-up then failed on the busy connection
            # (PostgreSQL: "... in transaction status ACTIVE"), hiding the interrupt.
            raise KeyboardInterrupt from error
        problem = explain(error, shown_location(app.db_path), lock_holder(app.db_path))
        if problem is None:
            raise
        print(f"error: {problem.message}", file=sys.stderr)
        return problem.exit_code
