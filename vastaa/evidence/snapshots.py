"""What a record says about a message: a plain dict, the same whether it is built from an
event as it arrives (ingestion: no extra queries) or from the stored message (before a
moderation action, a reply of ours once posted)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.channels.models import Channel
from vastaa.customers.models import Author
from vastaa.evidence.chain import iso
from vastaa.messages.models import Message
from vastaa.pipeline.events import DeleteEvent, MessageEvent

Snapshot = dict[str, Any]


def from_event(capture: str, event: MessageEvent, message_id: uuid.UUID) -> Snapshot:
    return {
        "capture": capture,
        "platform": event.channel.platform,
        "account": event.channel.account,
        "channel_name": event.channel.name,
        "message": {
            "id": str(message_id),
            "external_id": event.external_id,
            "url": event.url,
            "kind": event.kind,
            "direction": event.direction,
            "public": event.public,
            "lang": event.lang,
            "author": {
                "id": event.author.id,
                "handle": event.author.handle,
                "display_name": event.author.name,
            },
            "created_at": iso(event.created_at),
            "edited_at": iso(event.edited_at),
            "deleted_at": None,
            "text": event.text,
            "media": [item.model_dump() for item in event.media],
            "promoted": event.promoted,
        },
        "raw": event.raw,
    }


def from_delete(event: DeleteEvent) -> Snapshot:
    """A deletion of a message we never saw: all there is, is the report."""
    return {
        "capture": "deletion",
        "platform": event.channel.platform,
        "account": event.channel.account,
        "channel_name": event.channel.name,
        "message": {"external_id": event.external_id, "deleted_at": iso(event.deleted_at)},
        "raw": event.raw,
    }


def from_stored(
    session: Session, capture: str, message_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Snapshot]:
    """Snapshots of stored messages as they are now (three queries for any number)."""
    messages = list(session.scalars(select(Message).where(Message.id.in_(list(message_ids)))))
    channels = _by_id(session, Channel, {m.channel_id for m in messages})
    authors = _by_id(session, Author, {m.author_id for m in messages if m.author_id})
    return {
        m.id: _stored(capture, m, channels[m.channel_id], authors.get(m.author_id))
        for m in messages
    }


def _by_id(session: Session, model: Any, ids: set[uuid.UUID | None]) -> dict[Any, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(list(ids))))}


def _stored(capture: str, message: Message, channel: Channel, author: Author | None) -> Snapshot:
    return {
        "capture": capture,
        "platform": channel.platform,
        "account": channel.account,
        "channel_name": channel.name,
        "conversation_id": str(message.conversation_id) if message.conversation_id else None,
        "message": {
            "id": str(message.id),
            "external_id": message.external_id,
            "url": message.url,
            "kind": message.kind,
            "direction": message.direction,
            "public": message.public,
            "lang": message.lang,
            "author": None
            if author is None
            else {
                "id": author.external_id,
                "handle": author.handle,
                "display_name": author.display_name,
            },
            "created_at": iso(message.created_at),
            "edited_at": iso(message.edited_at),
            "deleted_at": iso(message.deleted_at),
            "text": message.text,
            "media": message.media or [],
            "promoted": message.promoted,
            "moderation": message.moderation,
        },
        "raw": message.raw,
    }
