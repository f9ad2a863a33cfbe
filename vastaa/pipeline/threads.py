"""Threads whose root was unknown: a reply that arrives before its parent is filed under the
parent's id as its thread. When the parent arrives and turns out to be a reply itself, the
provisional thread (its messages and conversations) is moved into the real one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from vastaa.analytics import stale
from vastaa.conversations.models import Conversation
from vastaa.messages.models import Message
from vastaa.pipeline.records import NewMessage

NO_SYNC = {"synchronize_session": False}


def merge_provisional_threads(
    session: Session, channel_id: uuid.UUID, rows: Sequence[NewMessage]
) -> None:
    moves = {
        row.event.external_id: row.thread_key
        for row in rows
        if row.thread_key != row.event.external_id
    }
    if not moves:
        return
    query = (
        select(Message.thread_key)
        .distinct()
        .where(Message.channel_id == channel_id, Message.thread_key.in_(list(moves)))
    )
    for old_key in session.scalars(query).all():
        if old_key is not None:
            _move_thread(session, channel_id, old_key, moves[old_key])


def _move_thread(session: Session, channel_id: uuid.UUID, old_key: str, new_key: str) -> None:
    in_channel = Message.channel_id == channel_id
    other = Message.__table__.alias("root")
    root = select(other.c.id).where(
        other.c.channel_id == channel_id, other.c.external_id == new_key
    )
    session.execute(
        update(Message)
        .where(in_channel, Message.thread_key == old_key)
        .values(thread_key=new_key, root_id=root.scalar_subquery()),
        execution_options=NO_SYNC,
    )
    cases = select(Conversation.id, Conversation.author_id).where(
        Conversation.channel_id == channel_id, Conversation.thread_key == old_key
    )
    for case_id, author_id in session.execute(cases).all():
        _move_conversation(session, channel_id, case_id, author_id, new_key)


def _move_conversation(
    session: Session,
    channel_id: uuid.UUID,
    case_id: uuid.UUID,
    author_id: uuid.UUID,
    new_key: str,
) -> None:
    target = session.scalar(
        select(Conversation.id).where(
            Conversation.channel_id == channel_id,
            Conversation.thread_key == new_key,
            Conversation.author_id == author_id,
        )
    )
    if target is None:
        session.execute(
            update(Conversation).where(Conversation.id == case_id).values(thread_key=new_key),
            execution_options=NO_SYNC,
        )
        return
    # Both first days change: the merged conversation's goes, the target's may move earlier.
    firsts = select(Conversation.first_message_at).where(Conversation.id.in_([case_id, target]))
    stale.mark(session, session.scalars(firsts))
    session.execute(
        update(Message).where(Message.conversation_id == case_id).values(conversation_id=target),
        execution_options=NO_SYNC,
    )
    session.execute(
        delete(Conversation).where(Conversation.id == case_id), execution_options=NO_SYNC
    )
    recount(session, target)


def recount(session: Session, conversation_id: uuid.UUID) -> None:
    """Recompute a conversation's counters from its messages."""
    mine = Message.conversation_id == conversation_id
    count, first, last = session.execute(
        select(func.count(), func.min(Message.created_at), func.max(Message.created_at)).where(mine)
    ).one()
    last_inbound = session.scalar(
        select(func.max(Message.created_at)).where(mine, Message.direction == "inbound")
    )
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(
            message_count=count,
            first_message_at=first,
            last_message_at=last,
            last_inbound_at=last_inbound,
        ),
        execution_options=NO_SYNC,
    )
