"""The worker's side of automatic moderation: each analysed inbound message is looked at once
by the rules that are switched on (``message.rules_at`` says it was)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vastaa.channels.registry import Registry
from vastaa.messages.models import Message
from vastaa.moderation.automation import apply_rules
from vastaa.moderation.models import ModerationRule

BATCH = 500


def moderate_pending(
    session: Session, *, now: datetime, connectors: Registry | None, batch: int = BATCH
) -> int:
    """Apply the enabled rules to the next analysed messages; returns how many were looked at."""
    rules = list(session.scalars(select(ModerationRule).where(ModerationRule.enabled)))
    if not rules:
        return 0
    since = min(rule.enabled_at or now for rule in rules)
    query = (
        select(Message.id)
        .where(
            Message.rules_at.is_(None),
            Message.direction == "inbound",
            Message.analyzed_at.is_not(None),
            Message.received_at >= since,
        )
        .order_by(Message.received_at)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return 0
    apply_rules(session, message_ids=ids, rules=rules, now=now, connectors=connectors)
    session.execute(update(Message).where(Message.id.in_(ids)).values(rules_at=now))
    return len(ids)


def rules_waiting(session: Session) -> int:
    """How many analysed messages the enabled rules have not looked at yet (for the page)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.rules_at.is_(None), Message.analyzed_at.is_not(None))
        )
        or 0
    )
