"""Read-only queries behind the conversation page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from vastaa.accounts.models import Team, User
from vastaa.channels.models import OutboxItem
from vastaa.channels.queries import outbox_of
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.conversations.service import escalation_targets
from vastaa.customers.models import Author
from vastaa.errors import NotFoundError
from vastaa.evidence.queries import evidence_count
from vastaa.messages.models import Message
from vastaa.moderation.models import ModerationAction
from vastaa.moderation.policy import advice, read
from vastaa.moderation.queries import actions_on

OTHER_CONVERSATIONS = 20
EVENTS = 50


@dataclass(frozen=True)
class ConversationPage:
    conversation: Conversation
    root: Message | None
    messages: list[Message]
    identities: list[Author]
    others: list[Conversation]
    events: list[ConversationEvent]
    agents: list[User]
    teams: list[Team]
    supervisors: list[User]
    outbox: dict[uuid.UUID, OutboxItem]
    linked: Conversation | None
    # Moderation (docs/moderation.md): actions taken on each message, the guard's advice for
    # each inbound one, the names of who acted, and how many evidence records there are.
    moderation: dict[uuid.UUID, list[ModerationAction]] = field(default_factory=dict)
    advice: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    people: dict[uuid.UUID | None, str] = field(default_factory=dict)
    evidence: int = 0
    blocked: set[uuid.UUID] = field(default_factory=set)


def conversation_page(session: Session, conversation_id: uuid.UUID) -> ConversationPage:
    conversation = session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .options(
            joinedload(Conversation.channel),
            joinedload(Conversation.author),
            joinedload(Conversation.customer),
            joinedload(Conversation.assignee),
            joinedload(Conversation.team),
        )
    )
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id}")
    messages = thread_messages(session, conversation.id)
    teams, supervisors = escalation_targets(session)
    root = _root(session, conversation, messages)
    agents = list(session.scalars(select(User).where(User.active).order_by(User.display_name)))
    return ConversationPage(
        conversation=conversation,
        root=root,
        messages=messages,
        identities=_identities(session, conversation),
        others=_others(session, conversation),
        events=_events(session, conversation.id),
        agents=agents,
        teams=teams,
        supervisors=supervisors,
        outbox=outbox_of(session, [m.id for m in messages if m.direction == "outbound"]),
        linked=session.get(Conversation, conversation.linked_id)
        if conversation.linked_id
        else None,
        **_moderation(session, messages + ([root] if root is not None else []), agents),
    )


def _moderation(session: Session, shown: list[Message], agents: list[User]) -> dict[str, Any]:
    inbound = [m for m in shown if m.direction == "inbound"]
    authors = [m.author_id for m in inbound if m.author_id is not None]
    blocked = select(Author.id).where(Author.id.in_(authors), Author.blocked_at.is_not(None))
    return {
        "moderation": actions_on(session, [m.id for m in inbound]),
        "advice": {m.id: advice(read(m.analysis)) for m in inbound},
        "people": {agent.id: agent.display_name for agent in agents},
        "evidence": evidence_count(session, [m.id for m in shown]),
        "blocked": set(session.scalars(blocked)) if authors else set(),
    }


def _linked(session: Session, conversation: Conversation) -> Conversation | None:
    """The other half of a case moved from public to private (R18)."""
    if conversation.linked_id is None:
        return None
    return session.get(Conversation, conversation.linked_id)


def _events(session: Session, conversation_id: uuid.UUID) -> list[ConversationEvent]:
    """The timeline: newest first."""
    query = (
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conversation_id)
        .options(joinedload(ConversationEvent.actor))
        .order_by(ConversationEvent.at.desc(), ConversationEvent.id)
        .limit(EVENTS)
    )
    return list(session.scalars(query))


def _with_details() -> tuple[object, ...]:
    return (selectinload(Message.author), selectinload(Message.revisions))


def thread_messages(session: Session, conversation_id: uuid.UUID) -> list[Message]:
    """The conversation's messages in the order they were written, edits included."""
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .options(*_with_details())  # type: ignore[arg-type]
        .order_by(Message.created_at, Message.id)
    )
    return list(session.scalars(query))


def _root(session: Session, conversation: Conversation, messages: list[Message]) -> Message | None:
    """The post that started the thread, when it is not one of the conversation's own."""
    if any(message.external_id == conversation.thread_key for message in messages):
        return None
    query = (
        select(Message)
        .where(
            Message.channel_id == conversation.channel_id,
            Message.external_id == conversation.thread_key,
        )
        .options(*_with_details())  # type: ignore[arg-type]
    )
    return session.scalar(query)


def _identities(session: Session, conversation: Conversation) -> list[Author]:
    if conversation.customer_id is None:
        return []
    query = (
        select(Author)
        .where(Author.customer_id == conversation.customer_id)
        .options(joinedload(Author.channel))
        .order_by(Author.created_at)
    )
    return list(session.scalars(query))


def _others(session: Session, conversation: Conversation) -> list[Conversation]:
    """The same person's other conversations, on every channel (R9)."""
    if conversation.customer_id is None:
        return []
    query = (
        select(Conversation)
        .where(
            Conversation.customer_id == conversation.customer_id,
            Conversation.id != conversation.id,
        )
        .options(joinedload(Conversation.channel))
        .order_by(Conversation.last_message_at.desc())
        .limit(OTHER_CONVERSATIONS)
    )
    return list(session.scalars(query))
