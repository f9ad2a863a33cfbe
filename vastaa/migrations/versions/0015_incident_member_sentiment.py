"""incidents: a member's sentiment is its analysis score as it is, already negative for negative
(it was flipped once more for negative messages, so complaints read as positive)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vastaa.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

member = sa.table(
    "incident_member",
    sa.column("message_id", sa.Uuid()),
    sa.column("sentiment", sa.Float()),
)
message = sa.table(
    "message",
    sa.column("id", sa.Uuid()),
    sa.column("analysis", vastaa.db.PortableJSON),
)


def _score(analysis: object) -> float | None:
    """As ``detection.signed`` reads it (kept here, so the migration never changes with it)."""
    sentiment = analysis.get("sentiment") if isinstance(analysis, dict) else None
    score = sentiment.get("score") if isinstance(sentiment, dict) else None
    if not isinstance(score, int | float) or isinstance(score, bool):
        return None
    return max(-1.0, min(1.0, float(score)))


def upgrade() -> None:
    """Recomputed from the message's analysis; an erased member (no sentiment) stays empty."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(member.c.message_id, message.c.analysis)
        .join(message, message.c.id == member.c.message_id)
        .where(member.c.sentiment.is_not(None))
    ).all()
    if not rows:
        return
    bind.execute(  # one statement, executed for all the rows at once
        member.update()
        .where(member.c.message_id == sa.bindparam("message"))
        .values(sentiment=sa.bindparam("score")),
        [{"message": message_id, "score": _score(analysis)} for message_id, analysis in rows],
    )


def downgrade() -> None:
    """Nothing to undo: the old numbers were wrong."""
