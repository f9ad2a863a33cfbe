"""Reading for moderation: the facts rules look at, a message's actions, the review queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from vastaa.channels.models import Channel
from vastaa.customers.models import Author
from vastaa.messages.models import Message
from vastaa.moderation.models import ModerationAction, ModerationRule
from vastaa.moderation.rules import Facts

FactRow = tuple[uuid.UUID, Facts]


def _facts_query() -> Select[
    tuple[uuid.UUID, str, dict[str, object] | None, str | None, str, str, bool | None]
]:
    root = aliased(Message)
    return (
        select(
            Message.id,
            Message.text,
            Message.analysis,
            Author.handle,
            Channel.platform,
            Channel.account,
            root.promoted,
        )
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(Author, Author.id == Message.author_id)
        .outerjoin(root, root.id == Message.root_id)
    )


def facts_for(session: Session, message_ids: Sequence[uuid.UUID]) -> list[FactRow]:
    query = _facts_query().where(Message.id.in_(list(message_ids)))
    return [_facts(row) for row in session.execute(query)]


def recent_facts(session: Session, *, since: datetime, limit: int) -> list[FactRow]:
    """Analysed inbound messages received since ``since``, newest first (for a dry run)."""
    query = (
        _facts_query()
        .where(
            Message.direction == "inbound",
            Message.received_at >= since,
            Message.analyzed_at.is_not(None),
        )
        .order_by(Message.received_at.desc())
        .limit(limit)
    )
    return [_facts(row) for row in session.execute(query)]


def _facts(row: tuple[object, ...]) -> FactRow:
    message_id, text, analysis, handle, platform, account, promoted = row
    assert isinstance(message_id, uuid.UUID)
    return message_id, Facts(
        text=str(text or ""),
        analysis=analysis if isinstance(analysis, dict) else {},
        handle=str(handle or ""),
        platform=str(platform),
        account=str(account),
        under_ad=bool(promoted),
    )


def actions_on(
    session: Session, message_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ModerationAction]]:
    """Each message's moderation actions, oldest first."""
    found: dict[uuid.UUID, list[ModerationAction]] = {}
    if not message_ids:
        return found
    query = (
        select(ModerationAction)
        .where(ModerationAction.message_id.in_(list(message_ids)))
        .order_by(ModerationAction.created_at, ModerationAction.evidence_seq)
    )
    for taken in session.scalars(query):
        found.setdefault(taken.message_id, []).append(taken)
    return found


def rules(session: Session) -> list[ModerationRule]:
    return list(session.scalars(select(ModerationRule).order_by(ModerationRule.name)))


def review_queue(
    session: Session, limit: int = 100
) -> list[tuple[Message, Author | None, Channel]]:
    """Messages a rule put aside for a person to decide, oldest first."""
    query = (
        select(Message, Author, Channel)
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(Author, Author.id == Message.author_id)
        .where(Message.moderation == "review")
        .order_by(Message.received_at)
        .limit(limit)
    )
    return [(m, a, c) for m, a, c in session.execute(query)]


def by_hand(session: Session, limit: int = 100) -> list[tuple[ModerationAction, Message, Channel]]:
    """Actions a person still has to carry out on the platform (or that the platform refused)."""
    query = (
        select(ModerationAction, Message, Channel)
        .join(Message, Message.id == ModerationAction.message_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(
            ModerationAction.state.in_(("by_hand", "failed")), ModerationAction.undone_at.is_(None)
        )
        .order_by(ModerationAction.created_at)
        .limit(limit)
    )
    return [(t, m, c) for t, m, c in session.execute(query)]
