"""Read-only questions about channels and the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.channels.models import Brand, Channel, OutboxItem


def outbox_of(session: Session, message_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, OutboxItem]:
    """The outbox item of each message that is sent through a connector."""
    ids = list(message_ids)
    if not ids:
        return {}
    items = session.scalars(select(OutboxItem).where(OutboxItem.message_id.in_(ids)))
    return {item.message_id: item for item in items}


def channels(session: Session) -> list[tuple[Channel, Brand | None]]:
    rows = session.execute(
        select(Channel, Brand)
        .outerjoin(Brand, Brand.id == Channel.brand_id)
        .order_by(Channel.platform, Channel.account)
    ).all()
    return [(channel, brand) for channel, brand in rows]


def brands(session: Session) -> list[Brand]:
    return list(session.scalars(select(Brand).order_by(Brand.name)))


def channel(session: Session, *, platform: str, account: str) -> Channel | None:
    return session.scalar(
        select(Channel).where(Channel.platform == platform, Channel.account == account)
    )
