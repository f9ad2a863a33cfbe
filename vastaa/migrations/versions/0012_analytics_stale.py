"""analytics: moments whose day must be summed again, left by changes that leave no trace of
their own on that day

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vastaa.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_stale",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", vastaa.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_stale")),
    )


def downgrade() -> None:
    op.drop_table("analytics_stale")
