"""A Channel is one connected account or listened source on one platform."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, UTCDateTime, new_id

PLATFORMS = ("facebook", "instagram", "x", "forum", "blog", "trustpilot", "sikayetvar", "other")


class Channel(Base):
    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("platform", "account"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    platform: Mapped[str] = mapped_column(String(40))
    account: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    staffed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
