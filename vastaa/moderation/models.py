"""Moderation actions (always recorded, undone where the platform allows) and the automatic
rules that take some of them (docs/moderation.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, PortableJSON, UTCDateTime, new_id

# What a person or a rule can do to a message (block and unblock act on its author).
ACTIONS = (
    "hide",
    "unhide",
    "delete",
    "block",
    "unblock",
    "report",
    "spam",
    "unspam",
    "review",  # put it in the moderation queue for a person to decide
    "label",
    "assign",
)
UNDO = {"hide": "unhide", "block": "unblock", "spam": "unspam"}
# On the platform: carried out by the connector (queued → done | failed), by a person
# ("by_hand" → done), or nothing to do there ("local").
STATES = ("local", "queued", "by_hand", "done", "failed")


class ModerationAction(Base):
    __tablename__ = "moderation_action"
    __table_args__ = (Index("ix_moderation_action_message_at", "message_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message.id"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversation.id"))
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("moderation_rule.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # A supervisor overrode the policy guard (hiding or deleting criticism) with ``reason``.
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(60), default="")
    evidence_seq: Mapped[int | None] = mapped_column(BigInteger)  # the state captured before
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class ModerationRule(Base):
    """Conditions → actions, applied to every analysed inbound message while enabled."""

    __tablename__ = "moderation_rule"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Switched on at: a rule acts on what arrives from then on, never on the past.
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"min_offensive", "min_identity_attack", "min_threat", "keywords", "authors",
    #  "channels", "only_ads"}; all given conditions must hold.
    conditions: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    # {"hide": bool, "review": bool, "label": str, "assign": username}
    actions: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
