"""Stage 5, second half: the conversation of each new message (found or created), with its
counters computed in memory for one bulk insert or update."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.bulk import one_of
from vastaa.conversations.models import Conversation
from vastaa.db import new_id
from vastaa.pipeline.events import MessageEvent
from vastaa.pipeline.records import MessageKey, Neighbour, NewMessage, Placed, by_channel

PREVIEW_LENGTH = 280
REOPENED_BY_INBOUND = ("waiting", "resolved", "closed")
ConversationKey = tuple[uuid.UUID, str, uuid.UUID]


@dataclass
class _Case:
    """A conversation as the round sees it: stored or about to be created."""

    id: uuid.UUID
    key: ConversationKey
    public: bool
    status: str
    message_count: int
    first_message_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime | None
    preview: str | None = None
    lang: str | None = None
    is_new: bool = False
    touched: bool = False
    stored_first_at: datetime | None = None  # first_message_at as it was stored


def assign_conversations(
    session: Session,
    placed: Placed,
    batch: dict[MessageKey, NewMessage],
    stored: dict[MessageKey, Neighbour],
    customers: dict[uuid.UUID, uuid.UUID | None],
    *,
    now: datetime,
) -> None:
    cases = _load_cases(session, batch.values())
    inbound = [row for row in batch.values() if row.event.direction == "inbound"]
    for row in inbound:
        _join(row, _case_of_inbound(row, cases))
    # Our own messages join the conversations just found or made: index them once.
    by_id = {case.id: case for case in cases.values()}
    by_thread = {case.key[:2]: case for case in cases.values()}
    for row in batch.values():
        if row.event.direction != "inbound":
            _join(row, _case_of_ours(row, by_id, by_thread, batch, stored))
    for case in cases.values():
        if case.is_new:
            placed.new_conversations.append(_new_conversation(case, customers, now))
        elif case.touched:
            placed.conversation_updates.append(_conversation_update(case, now))
            if case.stored_first_at and case.first_message_at < case.stored_first_at:
                placed.moved_first_days.append(case.stored_first_at)  # it counted there


def _load_cases(session: Session, rows: Iterable[NewMessage]) -> dict[ConversationKey, _Case]:
    thread_keys_by_channel = by_channel({(row.channel_id, row.thread_key) for row in rows})
    cases: dict[ConversationKey, _Case] = {}
    for channel_id, thread_keys in thread_keys_by_channel.items():
        query = select(
            Conversation.id,
            Conversation.thread_key,
            Conversation.author_id,
            Conversation.public,
            Conversation.status,
            Conversation.message_count,
            Conversation.first_message_at,
            Conversation.last_message_at,
            Conversation.last_inbound_at,
        ).where(
            Conversation.channel_id == channel_id,
            one_of(session, Conversation.thread_key, thread_keys),
        )
        for (
            id_,
            thread_key,
            author_id,
            public,
            status,
            count,
            first,
            last,
            inbound,
        ) in session.execute(query):
            key = (channel_id, thread_key, author_id)
            cases[key] = _Case(
                id_, key, public, status, count, first, last, inbound, stored_first_at=first
            )
    return cases


def _join(row: NewMessage, case: _Case | None) -> None:
    if case is not None:
        row.conversation_id = case.id
        _count(case, row.event)


def _case_of_inbound(row: NewMessage, cases: dict[ConversationKey, _Case]) -> _Case:
    """The author's conversation in this thread, created when there is none yet."""
    key = (row.channel_id, row.thread_key, row.author_id)
    if key not in cases:
        at = row.event.created_at
        cases[key] = _Case(new_id(), key, row.event.public, "new", 0, at, at, None, is_new=True)
    return cases[key]


def _case_of_ours(
    row: NewMessage,
    by_id: dict[uuid.UUID, _Case],
    by_thread: dict[tuple[uuid.UUID, str], _Case],
    batch: dict[MessageKey, NewMessage],
    stored: dict[MessageKey, Neighbour],
) -> _Case | None:
    """Our direct message joins its DM thread's conversation; our public reply joins the
    conversation of the message it answers (linked later by ``relink`` if that is unknown)."""
    if not row.event.public:
        return by_thread.get((row.channel_id, row.thread_key))
    if row.event.parent_id is None:
        return None
    key = (row.channel_id, row.event.parent_id)
    conversation_id = batch[key].conversation_id if key in batch else None
    if conversation_id is None and key in stored:
        conversation_id = stored[key].conversation_id
    return by_id.get(conversation_id) if conversation_id else None


def _count(case: _Case, event: MessageEvent) -> None:
    case.touched = True
    case.message_count += 1
    case.first_message_at = min(case.first_message_at, event.created_at)
    case.last_message_at = max(case.last_message_at, event.created_at)
    if event.direction != "inbound":
        return
    if case.last_inbound_at is None or event.created_at >= case.last_inbound_at:
        case.last_inbound_at = event.created_at
        case.preview = event.text[:PREVIEW_LENGTH]
        case.lang = event.lang
    if case.status in REOPENED_BY_INBOUND:
        case.status = "open"


def _new_conversation(
    case: _Case, customers: dict[uuid.UUID, uuid.UUID | None], now: datetime
) -> dict[str, object]:
    channel_id, thread_key, author_id = case.key
    return {
        "id": case.id,
        "channel_id": channel_id,
        "thread_key": thread_key,
        "author_id": author_id,
        "customer_id": customers.get(author_id),
        "public": case.public,
        "status": case.status,
        "preview": case.preview or "",
        "lang": case.lang,
        "message_count": case.message_count,
        "first_message_at": case.first_message_at,
        "last_message_at": case.last_message_at,
        "last_inbound_at": case.last_inbound_at,
        "created_at": now,
        "updated_at": now,
        "queue": "needs_reply",
        "priority": 0,
        "priority_reason": "",
        "toxic": False,
        "escalated": False,
        "triaged_at": None,
    }


def _conversation_update(case: _Case, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {
        "id": case.id,
        "status": case.status,
        "message_count": case.message_count,
        "first_message_at": case.first_message_at,
        "last_message_at": case.last_message_at,
        "last_inbound_at": case.last_inbound_at,
        "updated_at": now,
        "triaged_at": None,  # the worker triages it again
    }
    if case.preview is not None:
        values.update(preview=case.preview, lang=case.lang)
    return values
