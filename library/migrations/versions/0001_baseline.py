"""Baseline: the schema GenreLens libraries had at PRAGMA user_version 4.

Libraries made before Alembic are upgraded to version 4 by library.db's legacy steps and then
stamped with this revision; new libraries are created by it. Written out in full (not
create_all) so that later revisions start from a fixed schema whatever the models become.

Revision ID: 0001_baseline
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

# 64-bit sizes and nanosecond mtimes: BIGINT on PostgreSQL, SQLite's INTEGER as before.
INT64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create every table of schema 4."""
    op.create_table('folders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.LargeBinary(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('last_scanned_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('path')
    )
    op.create_table('tag_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('folder_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.LargeBinary(), nullable=False),
    sa.Column('size', INT64, nullable=False),
    sa.Column('mtime_ns', INT64, nullable=False),
    sa.Column('head_hash', sa.String(length=40), nullable=True),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.Column('codec', sa.String(length=32), nullable=True),
    sa.Column('duration', sa.Float(), nullable=True),
    sa.Column('sample_rate', sa.Integer(), nullable=True),
    sa.Column('channels', sa.Integer(), nullable=True),
    sa.Column('bitrate', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('artist', sa.Text(), nullable=True),
    sa.Column('album', sa.Text(), nullable=True),
    sa.Column('album_artist', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('track_number', sa.Integer(), nullable=True),
    sa.Column('genres', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['folder_id'], ['folders.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('path')
    )
    op.create_index(op.f('ix_tracks_album'), 'tracks', ['album'], unique=False)
    op.create_index(op.f('ix_tracks_artist'), 'tracks', ['artist'], unique=False)
    op.create_index(op.f('ix_tracks_folder_id'), 'tracks', ['folder_id'], unique=False)
    op.create_index(op.f('ix_tracks_head_hash'), 'tracks', ['head_hash'], unique=False)
    op.create_index(op.f('ix_tracks_status'), 'tracks', ['status'], unique=False)
    op.create_table('classify_claims',
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('bundle', sa.String(length=64), nullable=False),
    sa.Column('run', sa.String(length=48), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('track_id', 'bundle')
    )
    op.create_index(op.f('ix_classify_claims_run'), 'classify_claims', ['run'], unique=False)
    op.create_table('embeddings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('backbone', sa.String(length=64), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('track_id', 'backbone')
    )
    op.create_index(op.f('ix_embeddings_track_id'), 'embeddings', ['track_id'], unique=False)
    op.create_table('predictions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('bundle', sa.String(length=64), nullable=False),
    sa.Column('bundle_version', sa.String(length=32), nullable=False),
    sa.Column('probabilities', sa.JSON(), nullable=False),
    sa.Column('top_genres', sa.JSON(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('uncertain', sa.Boolean(), nullable=False),
    sa.Column('not_music', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('clip_probabilities', sa.JSON(), nullable=False),
    sa.Column('clip_starts', sa.JSON(), nullable=False),
    sa.Column('track_size', INT64, nullable=False),
    sa.Column('track_mtime_ns', INT64, nullable=False),
    sa.Column('audio_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('track_id', 'bundle')
    )
    op.create_index(op.f('ix_predictions_bundle'), 'predictions', ['bundle'], unique=False)
    op.create_index(op.f('ix_predictions_confidence'), 'predictions', ['confidence'], unique=False)
    op.create_index(op.f('ix_predictions_track_id'), 'predictions', ['track_id'], unique=False)
    op.create_table('tag_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.LargeBinary(), nullable=False),
    sa.Column('old_genres', sa.JSON(), nullable=True),
    sa.Column('new_genres', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('new_size', INT64, nullable=True),
    sa.Column('new_mtime_ns', INT64, nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['tag_batches.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_tag_changes_batch_id'), 'tag_changes', ['batch_id'], unique=False)
    op.create_table('user_labels',
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('genres', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('track_id')
    )
    op.create_table('tag_originals',
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('prefix', INT64, nullable=False),
    sa.Column('suffix', INT64, nullable=False),
    sa.Column('middle', sa.LargeBinary(), nullable=False),
    sa.Column('original_size', INT64, nullable=False),
    sa.Column('original_sha1', sa.String(length=40), nullable=False),
    sa.Column('written_sha1', sa.String(length=40), nullable=False),
    sa.Column('mtime_ns', INT64, nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['tag_changes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('change_id')
    )

def downgrade() -> None:
    """No way down from the first revision: the library would be gone."""
    raise NotImplementedError("the baseline cannot be downgraded")
