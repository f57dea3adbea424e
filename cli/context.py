"""What every command receives: the parsed global options and a lazily opened database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from library.db import create_db_engine, session_factory


@dataclass
class AppContext:
    """Global state of one CLI invocation; the database opens on first use."""

    db_path: Path

    @cached_property
    def engine(self) -> Engine:
        return create_db_engine(self.db_path)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)
