"""analytics: daily rollups of messages, cases and agents (derived data, filled by the worker's
first refresh); indexes on conversation for that refresh

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 01:27:09.199366
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vastaa.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("refreshed_at", vastaa.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("swept_at", vastaa.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_state")),
    )
    op.create_table(
        "daily_agents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("first_responses", sa.Integer(), nullable=False),
        sa.Column("frt_minutes", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["user_account.id"], name=op.f("fk_daily_agents_agent_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_daily_agents_channel_id_channel")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_agents")),
    )
    op.create_index("ix_daily_agents_day", "daily_agents", ["day"], unique=False)

    op.create_table(
        "daily_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("needing", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("frt_minutes", sa.Float(), nullable=False),
        sa.Column("frt_15", sa.Integer(), nullable=False),
        sa.Column("frt_60", sa.Integer(), nullable=False),
        sa.Column("frt_240", sa.Integer(), nullable=False),
        sa.Column("frt_1440", sa.Integer(), nullable=False),
        sa.Column("frt_more", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("sla_missed", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Float(), nullable=False),
        sa.Column("tone_changes", sa.Integer(), nullable=False),
        sa.Column("tone_thanked", sa.Integer(), nullable=False),
        sa.Column("tone_left", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_daily_cases_channel_id_channel")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_daily_cases_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_cases")),
    )
    op.create_index("ix_daily_cases_day", "daily_cases", ["day"], unique=False)

    op.create_table(
        "daily_messages",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
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
            ["channel_id"], ["channel.id"], name=op.f("fk_daily_messages_channel_id_channel")
        ),
        sa.PrimaryKeyConstraint(
            "day", "channel_id", "lang", "area", name=op.f("pk_daily_messages")
        ),
    )
    # Plain CREATE INDEX: no table is rebuilt.
    op.create_index(
        "ix_conversation_first_message", "conversation", ["first_message_at"], unique=False
    )
    op.create_index("ix_conversation_updated", "conversation", ["updated_at"], unique=False)
    op.create_index(
        "ix_conversation_waiting",
        "conversation",
        ["queue", "status", "assignee_id", "channel_id", "lang", "last_inbound_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_waiting", table_name="conversation")
    op.drop_index("ix_conversation_updated", table_name="conversation")
    op.drop_index("ix_conversation_first_message", table_name="conversation")

    op.drop_table("daily_messages")
    op.drop_index("ix_daily_cases_day", table_name="daily_cases")

    op.drop_table("daily_cases")
    op.drop_index("ix_daily_agents_day", table_name="daily_agents")

    op.drop_table("daily_agents")
    op.drop_table("analytics_state")
