"""Writing messages outside ingestion: replies we send ourselves."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.conversations.models import Conversation
from vastaa.errors import NotFoundError
from vastaa.messages.models import Message, content_hash


def record_outbound(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    text: str,
    sent_by_id: uuid.UUID | None,
    now: datetime,
    parent_external_id: str | None = None,
    client_ref: str | None = None,
    lang: str | None = None,
) -> Message:
    """A reply on its way to the platform. It has no external id until the platform confirms
    it; when the platform echoes it back, ingestion recognises it instead of duplicating it."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id}")
    parent = parent_external_id or _latest_inbound_external_id(session, conversation_id)
    message = Message(
        channel_id=conversation.channel_id,
        conversation_id=conversation.id,
        direction="outbound",
        kind="direct_message" if not conversation.public else "reply",
        public=conversation.public,
        text=text,
        lang=lang,
        created_at=now,
        received_at=now,
        thread_key=conversation.thread_key,
        parent_external_id=parent,
        content_hash=content_hash(text),
        delivery="pending",
        client_ref=client_ref,
        sent_by_id=sent_by_id,
    )
    session.add(message)
    session.flush()
    return message


def _latest_inbound_external_id(session: Session, conversation_id: uuid.UUID) -> str | None:
    query = (
        select(Message.external_id)
        .where(Message.conversation_id == conversation_id, Message.direction == "inbound")
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    return session.scalar(query)
