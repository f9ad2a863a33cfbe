"""Changing conversations. Nothing here commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from vastaa.conversations.models import STATUSES, Conversation
from vastaa.errors import NotFoundError, PermanentError


def set_status(
    session: Session, *, conversation_id: uuid.UUID, status: str, now: datetime
) -> Conversation:
    if status not in STATUSES:
        raise PermanentError(f"unknown status {status!r}")
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id}")
    conversation.status = status
    conversation.updated_at = now
    return conversation
