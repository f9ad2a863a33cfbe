"""SLA policies (how fast we answer, and when the clock runs) and the alerts a missed one raises."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, PortableJSON, UTCDateTime, new_id


class SlaPolicy(Base):
    """The first policy (lowest ``position``) whose channel and minimum priority fit a
    conversation applies to it. ``hours`` maps weekday numbers ("0" = Monday) to opening
    [start, end] pairs in ``timezone`` ("08:00", "16:00"); empty means round the clock.
    ``holidays`` lists ISO dates when the clock stands still."""

    __tablename__ = "sla_policy"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=100)
    channel_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("channel.id"))
    min_priority: Mapped[int] = mapped_column(Integer, default=0)
    first_response_minutes: Mapped[int] = mapped_column(Integer, default=60)
    next_response_minutes: Mapped[int] = mapped_column(Integer, default=120)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki")
    hours: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    holidays: Mapped[list[str] | None] = mapped_column(PortableJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Alert(Base):
    """Something a supervisor must see: a missed SLA deadline (``sla_breach``), complaints that
    became a pattern or a problem (``incident_pattern``, ``incident_problem``), a spike in a
    topic's volume or negativity (``spike``)."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_open_at", "acknowledged_at", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("conversation.id"))
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(String(300))  # in English, for the outgoing webhook
    # What the page needs to say it in the reader's language (a spike: its topic, kind, count,
    # value and usual value); empty where the kind and links say it all.
    detail: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # Delivery of the outgoing webhook: when it succeeded, and the last error if it did not.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_error: Mapped[str | None] = mapped_column(String(300))
