"""Turn a library made by today's code back into the schema the first release wrote."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# What each migration added, undone: 1 -> 2 audio_hash, 2 -> 3 two tables, 3 -> 4 not_music.
_UNDO = (
    "ALTER TABLE predictions DROP COLUMN audio_hash",
    "DROP TABLE tag_originals",
    "DROP TABLE classify_claims",
    "ALTER TABLE predictions DROP COLUMN not_music",
    "DROP TABLE alembic_version",  # schema 1 came long before Alembic
)


def downgrade_to_schema_1(path: Path) -> None:
    """Make the library at `path` exactly what schema version 1 was (its data kept)."""
    with sqlite3.connect(path) as conn:
        for statement in _UNDO:
            conn.execute(statement)
        conn.execute("PRAGMA user_version=1")
    conn.close()


def migrate_to(url: str, revision: str) -> None:
    """Bring the library at `url` (SQLAlchemy URL) to one Alembic revision, as that release did."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from library import db

    engine = create_engine(url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA user_version=4")
    engine.dispose()


def baseline_file(path: Path) -> Path:
    """A real library file as the release before roots wrote it (schema 4, 0001_baseline):
    absolute paths, no roots table."""
    migrate_to(f"sqlite:///{path}", "0001_baseline")
    return path
