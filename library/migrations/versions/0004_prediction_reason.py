"""predictions.reason: why a learned prediction says what it says, in words.

The review queue's learner (workflows/review.py) stores its predictions under a bundle of its
own ("learned"); each names its evidence ("learned from your answers: 4 similar tracks you
labelled Jazz") for the details pane. NULL for every other prediction.

Revision ID: 0004_prediction_reason
Revises: 0003_search_text
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_prediction_reason"
down_revision = "0003_search_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column; existing predictions have no reason to give."""
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the column again."""
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("reason")
