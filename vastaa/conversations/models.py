"""A Conversation is the case an agent works: one customer's messages in one thread or DM."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vastaa.accounts.models import Team, User
from vastaa.channels.models import Channel
from vastaa.customers.models import Author, Customer
from vastaa.db import Base, PortableJSON, UTCDateTime, new_id

STATUSES = ("new", "open", "waiting", "resolved", "closed")
# The views of the inbox: every conversation is in exactly one (see ``vastaa.triage``).
QUEUES = (
    "needs_reply",
    "waiting",
    "moderation",
    "praise",
    "leave_alone",
    "follow_up",
    "escalated",
    "snoozed",
    "resolved",
)
EVENT_KINDS = (
    "assigned",
    "unassigned",
    "routed",
    "escalated",
    "deescalated",
    "status",
    "snoozed",
    "sla_breach",
    "tone_change",
    "note",
    "erased",
    "replied",
    "review_requested",
    "approved",
    "returned",
    "posted_manually",
    "moved_private",
    "delivered",
    "delivery_failed",
    "moderated",
    "moderation_undone",
)


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (
        UniqueConstraint("channel_id", "thread_key", "author_id"),
        Index("ix_conversation_last_message_at", "last_message_at"),
        Index("ix_conversation_status_last", "status", "last_message_at"),
        Index("ix_conversation_queue_priority", "queue", "priority", "last_message_at"),
        Index("ix_conversation_queue_last", "queue", "last_message_at"),
        Index("ix_conversation_assignee_queue", "assignee_id", "queue"),
        Index("ix_conversation_due", "due_at"),
        Index("ix_conversation_updated", "updated_at"),  # the analytics refresh
        Index("ix_conversation_first_message", "first_message_at"),
        # The analytics backlog, read from the index alone.
        Index(
            "ix_conversation_waiting",
            "queue",
            "status",
            "assignee_id",
            "channel_id",
            "lang",
            "last_inbound_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("author.id"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"), index=True)
    thread_key: Mapped[str] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(10), default="new")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    lang: Mapped[str | None] = mapped_column(String(8))
    preview: Mapped[str] = mapped_column(String(300), default="")
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    first_message_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # Triage (vastaa.triage): the view it is in, its priority and why, from the analysis of its
    # latest inbound message, its reach, its SLA clock and its customer.
    queue: Mapped[str] = mapped_column(
        String(16), default="needs_reply", server_default="needs_reply"
    )
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    priority_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    sentiment: Mapped[str | None] = mapped_column(String(8))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    # The latest inbound message's intents as ",complaint,question," (any one can be filtered).
    intents: Mapped[str | None] = mapped_column(String(80))
    problem_area: Mapped[str | None] = mapped_column(String(16))
    toxic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SLA deadline now running (first or next response), and when it was missed.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tone_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When routing rules were applied (once, to a new conversation nobody had yet).
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A public case moved to private (R18) and its direct-message case point at each other.
    linked_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversation.id"))

    channel: Mapped[Channel] = relationship(lazy="raise")
    author: Mapped[Author] = relationship(lazy="raise")
    customer: Mapped[Customer | None] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(lazy="raise")
    team: Mapped[Team | None] = relationship(lazy="raise")


class ConversationEvent(Base):
    """What people and the system did to a conversation: its timeline and audit trail."""

    __tablename__ = "conversation_event"
    __table_args__ = (Index("ix_conversation_event_conversation_at", "conversation_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversation.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)

    actor: Mapped[User | None] = relationship(lazy="raise")
