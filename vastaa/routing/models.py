"""Routing rules: which team or agent gets a new conversation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, PortableJSON, UTCDateTime, new_id

STRATEGIES = ("round_robin", "least_loaded", "none")


class RoutingRule(Base):
    """The first active rule (lowest ``position``) whose conditions all hold routes the
    conversation. ``conditions`` may name ``langs``, ``channels`` (ids), ``intents``,
    ``areas``, ``keywords`` and customer ``tags``, each a list where any one value matches.
    The target is a team (an agent of it is chosen by ``strategy``) or one agent."""

    __tablename__ = "routing_rule"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    strategy: Mapped[str] = mapped_column(String(16), default="least_loaded")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
