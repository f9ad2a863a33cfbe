"""incidents: the numbers of incidents merged into another, so that they still lead somewhere
and are never given out again

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vastaa.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_alias",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("merged_at", vastaa.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_alias_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_incident_alias")),
    )
    op.create_index(
        op.f("ix_incident_alias_incident_id"), "incident_alias", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_alias_incident_id"), table_name="incident_alias")
    op.drop_table("incident_alias")
