"""analytics: coarse daily totals of the cases (per team) and of what was said (per problem area)
for views without a channel or language filter; the next refresh recomputes every day

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CASE_COUNTS = (
    "cases",
    "needing",
    "answered",
    "frt_15",
    "frt_60",
    "frt_240",
    "frt_1440",
    "frt_more",
    "sla_met",
    "sla_missed",
    "resolved",
)
SAID_COUNTS = ("inbound", "mentions", "complaints", "negative", "neutral", "positive")


def upgrade() -> None:
    op.create_table(
        "daily_case_totals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in CASE_COUNTS[:3]),
        sa.Column("frt_minutes", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in CASE_COUNTS[3:]),
        sa.Column("resolution_minutes", sa.Float(), nullable=False),
        sa.Column("tone_changes", sa.Integer(), nullable=False),
        sa.Column("tone_thanked", sa.Integer(), nullable=False),
        sa.Column("tone_left", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_daily_case_totals_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_case_totals")),
    )
    op.create_index("ix_daily_case_totals_day", "daily_case_totals", ["day"])
    op.create_table(
        "daily_area_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SAID_COUNTS),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_n", sa.Integer(), nullable=False),
        sa.Column("outbound", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "area", name=op.f("pk_daily_area_totals")),
    )
    # Derived data: the next refresh fills the new tables by recomputing every day.
    op.execute("UPDATE analytics_state SET refreshed_at = NULL")


def downgrade() -> None:
    op.drop_table("daily_area_totals")
    op.drop_index("ix_daily_case_totals_day", table_name="daily_case_totals")
    op.drop_table("daily_case_totals")
