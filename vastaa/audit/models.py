"""The audit log: every user action, append-only (who, when, what)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, PortableJSON, UTCDateTime, new_id

ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "reply",
    "approval",
    "returned",
    "moderation",
    "moderation_undo",
    "rule_change",
    "channel_change",
    "listening_change",
    "incident_change",
    "export",
    "merge",
    "erasure",
)


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_action_at", "action", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The name as it was: the log reads the same after a user is renamed.
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))
    target_type: Mapped[str] = mapped_column(String(30), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
