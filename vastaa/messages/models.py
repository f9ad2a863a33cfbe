"""Messages as they came from the platforms, every edit as a revision, deletions as tombstones."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vastaa.channels.models import Channel
from vastaa.customers.models import Author
from vastaa.db import Base, PortableJSON, UTCDateTime, new_id

KINDS = ("post", "comment", "reply", "direct_message", "review", "mention")
DIRECTIONS = ("inbound", "outbound")
DELIVERY_STATES = ("received", "pending", "sent", "failed")


def content_hash(text: str) -> str:
    """Identifies a version of a message's text; a redelivered version is a no-op."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class Message(Base):
    """One message; unique on (channel, external id). Outbound drafts have no external id yet."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_message_channel_parent_ext", "channel_id", "parent_external_id"),
        Index("ix_message_channel_thread", "channel_id", "thread_key"),
        Index("ix_message_conversation_created", "conversation_id", "created_at"),
        Index("ix_message_tier_received", "analysis_tier", "received_at"),
        # Reports over a period (the coverage gap; analytics).
        Index("ix_message_created", "created_at"),
        # What the automatic moderation rules have still to look at, and what moderation
        # touched: both small parts of a large table.
        Index(
            "ix_message_rules_pending",
            "received_at",
            sqlite_where=text("rules_at IS NULL AND direction = 'inbound'"),
            postgresql_where=text("rules_at IS NULL AND direction = 'inbound'"),
        ),
        # What incident detection has still to look at.
        Index(
            "ix_message_grouping_pending",
            "received_at",
            sqlite_where=text("grouped_at IS NULL AND direction = 'inbound'"),
            postgresql_where=text("grouped_at IS NULL AND direction = 'inbound'"),
        ),
        Index(
            "ix_message_moderation",
            "moderation",
            sqlite_where=text("moderation IS NOT NULL"),
            postgresql_where=text("moderation IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversation.id"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("author.id"))
    direction: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    lang: Mapped[str | None] = mapped_column(String(8))
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    thread_key: Mapped[str | None] = mapped_column(String(200))
    parent_external_id: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("message.id"))
    root_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("message.id"))
    content_hash: Mapped[str] = mapped_column(String(32))
    delivery: Mapped[str] = mapped_column(String(10), default="received")
    client_ref: Mapped[str | None] = mapped_column(String(200))
    sent_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    raw: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    # What vastaa.analysis says (the JSON of ``vastaa analyze``); empty until analysed.
    analysis: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    analyzed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Which tier wrote ``analysis``: "fast" first, then "full" for what reaches the inbox.
    analysis_tier: Mapped[str | None] = mapped_column(String(8))
    # Attachments as the source listed them ([{"url", "type"}]); a post that is a paid ad.
    media: Mapped[list[dict[str, Any]] | None] = mapped_column(PortableJSON)
    promoted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Our moderation of it: "hidden", "removed", "spam", "review" (waiting for a person).
    moderation: Mapped[str | None] = mapped_column(String(10))
    # When the automatic moderation rules last looked at it (empty = not yet).
    rules_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When incident detection looked at it (None: not yet; only inbound messages are looked at).
    grouped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    channel: Mapped[Channel] = relationship(lazy="raise")
    author: Mapped[Author | None] = relationship(lazy="raise")
    revisions: Mapped[list[MessageRevision]] = relationship(
        lazy="raise", order_by="MessageRevision.version_at"
    )

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def pii_types(self) -> list[str]:
        found = (self.analysis or {}).get("pii", [])
        return sorted({str(item.get("type")) for item in found if isinstance(item, dict)})


class MessageRevision(Base):
    """A version of a message other than the current one; never changed once written."""

    __tablename__ = "message_revision"
    __table_args__ = (UniqueConstraint("message_id", "content_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message.id"))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(32))
    version_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raw: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)


class Tombstone(Base):
    """A deletion reported by the platform; kept even when it arrives before the message."""

    __tablename__ = "tombstone"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raw: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
