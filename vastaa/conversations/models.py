"""A Conversation is the case an agent works: one customer's messages in one thread or DM."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vastaa.accounts.models import User
from vastaa.channels.models import Channel
from vastaa.customers.models import Author, Customer
from vastaa.db import Base, UTCDateTime, new_id

STATUSES = ("new", "open", "waiting", "resolved", "closed")


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (
        UniqueConstraint("channel_id", "thread_key", "author_id"),
        Index("ix_conversation_last_message_at", "last_message_at"),
        Index("ix_conversation_status_last", "status", "last_message_at"),
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

    channel: Mapped[Channel] = relationship(lazy="raise")
    author: Mapped[Author] = relationship(lazy="raise")
    customer: Mapped[Customer | None] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(lazy="raise")
