"""A Channel is one connected account or listened source on one platform; a Brand owns channels
(and signs its replies, R13); the outbox holds what must still be carried out on a platform."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vastaa.db import Base, PortableJSON, UTCDateTime, new_id

PLATFORMS = (
    "facebook",
    "instagram",
    "x",
    "mastodon",
    "bluesky",
    "reddit",
    "youtube",
    "email",
    "rss",
    "forum",
    "blog",
    "trustpilot",
    "sikayetvar",
    "other",
)
# What an outbox item asks of the platform, and where it stands.
ACTIONS = ("reply", "direct_message", "hide", "unhide", "delete", "block", "unblock", "report")
OUTBOX_STATES = ("queued", "sending", "sent", "failed", "cancelled")
# The thread key of a new direct-message case until the platform names its thread.
PROVISIONAL_THREAD = "vastaa:"


class Brand(Base):
    """A company (or one of its brands) that the desk answers for."""

    __tablename__ = "brand"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # How this brand's agents sign replies: {name}, {first_name}, {initials}; "" = the default.
    signature: Mapped[str] = mapped_column(String(200), default="")
    # Its products and what customers call them ({"coffee maker": ["aamu a2", "kahvinkeitin"]}):
    # incident detection tells complaints about one product from another by these.
    products: Mapped[dict[str, list[str]]] = mapped_column(
        PortableJSON, default=dict, server_default="{}"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Channel(Base):
    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("platform", "account"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    platform: Mapped[str] = mapped_column(String(40))
    account: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    staffed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brand.id"))
    # The connector's settings (the server's address, ...); never secrets.
    config: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    # Credentials, or the names of environment variables holding them; never shown or logged.
    credentials: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    # Reading (vastaa.listening.tasks): where the connector reads from next, stored in the same
    # transaction as what it read; when to read next; the last read and what went wrong.
    cursor: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    next_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_error: Mapped[str] = mapped_column(Text, default="")
    read_failures: Mapped[int] = mapped_column(Integer, default=0)
    # How many reads were stored: a reader stores only if nobody stored since it began.
    read_seq: Mapped[int] = mapped_column(Integer, default=0)

    brand: Mapped[Brand | None] = relationship(lazy="raise")


class OutboxItem(Base):
    """One thing to carry out on a platform, written in the same transaction as the reason for
    it. The worker sends it, retries with backoff, and never twice: ``key`` is the idempotency
    key every attempt carries."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    platform_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A moderation action to carry out (hide, delete, block, report, ...) instead of a reply.
    moderation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("moderation_action.id"))
