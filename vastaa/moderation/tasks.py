"""The worker's side of automatic moderation: each analysed inbound message is looked at once
by the rules that are switched on (``message.rules_at`` says it was)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.channels.registry import Registry
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.moderation.automation import apply_rules
from vastaa.moderation.models import ModerationRule
from vastaa.triage.rules import PriorityWeights

BATCH = 100


def moderate_pending(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    connectors: Registry | None,
    weights: PriorityWeights | None = None,
    batch: int = BATCH,
) -> int:
    """Apply the enabled rules to the next analysed messages, each in a transaction of its own
    (an action takes the evidence chain's lock, which is held until commit: short transactions
    keep ingestion from waiting); returns how many were looked at."""
    with transaction(sessions) as session:
        rules = list(session.scalars(select(ModerationRule).where(ModerationRule.enabled)))
        if not rules:
            return 0
        ids = list(session.scalars(_due(rules, now, batch)))
    for message_id in ids:
        with transaction(sessions) as session:
            if weights is not None:
                session.info["priority_weights"] = weights
            fresh = session.get(Message, message_id, with_for_update=True)
            if fresh is None or fresh.rules_at is not None:  # another worker took it
                continue
            apply_rules(
                session, message_ids=[message_id], rules=rules, now=now, connectors=connectors
            )
            fresh.rules_at = now
    return len(ids)


def _due(rules: list[ModerationRule], now: datetime, batch: int) -> Select[uuid.UUID]:
    since = min(rule.enabled_at or now for rule in rules)
    return (
        select(Message.id)
        .where(
            Message.rules_at.is_(None),
            Message.direction == "inbound",
            Message.received_at >= since,
            Message.analyzed_at.is_not(None),
        )
        .order_by(Message.received_at)
        .limit(batch)
    )
