"""analytics: coarse daily totals (per channel and language without the problem area; per agent
without channel and language) for long views; the next refresh recomputes every day

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 09:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_message_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("inbound", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_n", sa.Integer(), nullable=False),
        sa.Column("outbound", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_daily_message_totals_channel_id_channel")
        ),
        sa.PrimaryKeyConstraint("day", "channel_id", "lang", name=op.f("pk_daily_message_totals")),
    )
    op.create_table(
        "daily_agent_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("first_responses", sa.Integer(), nullable=False),
        sa.Column("frt_minutes", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["user_account.id"],
            name=op.f("fk_daily_agent_totals_agent_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("day", "agent_id", name=op.f("pk_daily_agent_totals")),
    )
    # Derived data: the next refresh fills the new tables by recomputing every day.
    op.execute("UPDATE analytics_state SET refreshed_at = NULL")


def downgrade() -> None:
    op.drop_table("daily_agent_totals")
    op.drop_table("daily_message_totals")
