"""The few statements SQLite and PostgreSQL spell differently, in one place.

Everything else in library/ is plain SQLAlchemy that both engines run as is. Here: upserts
(each dialect's INSERT … ON CONFLICT), inserts that skip existing keys, the pragmas only
SQLite has, new ids for a batch of inserts taken from PostgreSQL's sequence, the first
field of a separated text, and JSON columns read as their text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Text, cast, func, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement


def dialect_name(session: Session) -> str:
    """"sqlite" or "postgresql": the engine behind `session`."""
    return session.get_bind().dialect.name


def is_sqlite(session: Session) -> bool:
    """Whether the library behind `session` is an SQLite file."""
    return dialect_name(session) == "sqlite"


def _insert(session: Session, table: Any) -> Any:
    if is_sqlite(session):
        return sqlite.insert(table)
    # Here, not at the top: PostgreSQL's dialect costs SQLite users ~0.1 s at every start.
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table)


def upsert(session: Session, table: Any, keys: Sequence[str],
           rows: Sequence[dict[str, object]]) -> None:
    """Insert `rows` (all with the same columns), replacing the other columns of rows whose
    `keys` exist already. One statement, executed for many rows: a VALUES list of 1,000
    rows was compiled anew for each call (0.3 s each; 28 s of a 94,000-track relearn)."""
    if not rows:
        return
    statement = _insert(session, table)
    changed = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed),
                    list(rows))


def insert_new(session: Session, table: Any, rows: Sequence[dict[str, object]]) -> None:
    """Insert `rows`, silently leaving out those whose primary key exists already."""
    if rows:
        session.execute(_insert(session, table).on_conflict_do_nothing(), list(rows))


def reserve_ids(session: Session, table: str, count: int) -> list[int]:
    """`count` fresh ids of `table` from PostgreSQL's sequence, for a batched insert: no
    other writer gets them, so concurrent scans cannot collide (gaps are harmless)."""
    return list(session.scalars(text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table, "n": count}))




class first_field(FunctionElement[str]):  # noqa: N801 - an SQL function, named like one
    """SQL first_field(text, separator): the text before the first separator, all of it if
    none (PostgreSQL's split_part; SQLite spells it with substr and instr)."""

    type = Text()
    inherit_cache = True
    name = "first_field"


@compiles(first_field, "postgresql")
def _first_field_pg(element: first_field, compiler: Any, **kw: Any) -> str:
    return compiler.process(func.split_part(*element.clauses, 1), **kw)


@compiles(first_field)
def _first_field(element: first_field, compiler: Any, **kw: Any) -> str:
    text_, separator = element.clauses
    cut = func.instr(text_.concat(separator), separator) - 1
    return compiler.process(func.substr(text_, 1, cut), **kw)


def json_text(column: Any) -> Any:
    """A JSON column selected as its text, to decode in Python when and as often as needed
    (PostgreSQL's driver would otherwise decode every value itself)."""
    return cast(column, Text)


@lru_cache(maxsize=4096)
def genre_list(text: str | None) -> tuple[str, ...]:
    """A genre list column's JSON text as a tuple; () for none. Cached: a library's 100,000
    rows share a few hundred lists, so each is decoded once."""
    decoded = json.loads(text) if text else None
    return tuple(decoded or ())
