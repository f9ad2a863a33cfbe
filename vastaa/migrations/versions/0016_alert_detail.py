"""sla: what an alert's page needs to say it in the reader's language (a spike's topic and
figures); the English text stays for the outgoing webhook

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vastaa.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert", sa.Column("detail", vastaa.db.PortableJSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch_op:
        batch_op.drop_column("detail")
