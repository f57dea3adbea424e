"""Write library/migrations/head.sqlite.sql again after adding an Alembic revision.

    python -m tools.schema_snapshot

Migrates an empty file through every revision (Alembic, not the old snapshot) and saves the
schema it leaves: what a new SQLite library is created from (library/fresh_schema.py).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from library import db, fresh_schema


def main() -> None:
    """Build the schema with Alembic and save it as the snapshot."""
    target = fresh_schema.SNAPSHOT
    saved = target.read_bytes() if target.exists() else None
    target.unlink(missing_ok=True)  # or the new file would be built from the old snapshot
    try:
        with tempfile.TemporaryDirectory() as folder:
            engine = db.create_db_engine(Path(folder) / "library.sqlite3")
            with engine.connect() as conn:
                made = fresh_schema.snapshot_text(conn, db.HEAD)
            engine.dispose()
    except BaseException:
        if saved is not None:
            target.write_bytes(saved)
        raise
    target.write_text(made, encoding="utf-8")
    print(f"wrote {target} at revision {db.HEAD}", file=sys.stderr)


if __name__ == "__main__":
    main()
