"""tracks.search_text: artist, title, album and path case-folded, for search in plain SQL.

PostgreSQL has no casefold(); with the folded text stored, `list TEXT` and `--artist` match
in SQL on both engines (library/search_text.py). Existing tracks are filled here, in
batches, by the same Python function the scanner uses. On PostgreSQL a trigram index
(pg_trgm, from the server's contrib) turns LIKE '%…%' into an index scan; where the
extension cannot be created, search reads the table instead (docs/scale.md).

Revision ID: 0003_search_text
Revises: 0002_roots
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

from library.search_text import search_text

revision = "0003_search_text"
down_revision = "0002_roots"
branch_labels = None
depends_on = None

BATCH = 2000
TRIGRAM_INDEX = "ix_tracks_search_trgm"
log = logging.getLogger(__name__)
_TRACKS = sa.table("tracks", sa.column("id", sa.Integer), sa.column("artist", sa.Text),
                   sa.column("title", sa.Text), sa.column("album", sa.Text),
                   sa.column("path", sa.LargeBinary), sa.column("search_text", sa.Text))


def upgrade() -> None:
    """Add the column, fill it for every track, index it (PostgreSQL with pg_trgm)."""
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    _fill(op.get_bind())
    _trigram_index(op.get_bind())


def _fill(conn: sa.Connection) -> None:
    after = 0
    fill = (sa.update(_TRACKS).where(_TRACKS.c.id == sa.bindparam("track_id"))
            .values(search_text=sa.bindparam("text")))
    while True:  # by id, a batch at a time: a 100,000-track library never sits in memory
        rows = conn.execute(sa.select(_TRACKS.c.id, _TRACKS.c.artist, _TRACKS.c.title,
                                      _TRACKS.c.album, _TRACKS.c.path)
                            .where(_TRACKS.c.id > after).order_by(_TRACKS.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        conn.execute(fill, [{"track_id": tid, "text": search_text(artist, title, album, path)}
                            for tid, artist, title, album, path in rows])
        after = rows[-1].id


def _trigram_index(conn: sa.Connection) -> None:
    """PostgreSQL: a GIN trigram index on search_text, if pg_trgm can be had."""
    if conn.dialect.name != "postgresql":
        return
    try:
        with conn.begin_nested():  # a refusal must not abort the migration's transaction
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as exc:
        log.warning("no trigram index for search (pg_trgm: %s); search reads every track",
                    str(exc.orig).strip())
        return
    op.create_index(TRIGRAM_INDEX, "tracks", ["search_text"], postgresql_using="gin",
                    postgresql_ops={"search_text": "gin_trgm_ops"})


def downgrade() -> None:
    """Drop the column (and its index)."""
    op.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("search_text")
