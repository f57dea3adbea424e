"""Turn a library made by today's code back into the schema the first release wrote."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# What each migration added, undone: 1 -> 2 audio_hash, 2 -> 3 two tables, 3 -> 4 not_music,
# then Alembic's 0003_search_text.
_UNDO = (
    "ALTER TABLE tracks DROP COLUMN search_text",
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
