"""A ListeningQuery is what a brand listens for on every channel (``vastaa.listening.query``
is its language); a ListeningMatch records which query let a found post into the inbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, PortableJSON, UTCDateTime, new_id


class ListeningQuery(Base):
    __tablename__ = "listening_query"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The brand it listens for; none: every channel's searches carry it.
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brand.id"))
    expression: Mapped[str] = mapped_column(Text)
    # Only posts in these languages (ISO 639-1); empty: every language.
    languages: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    # Leave out what our own accounts post.
    exclude_own: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ListeningMatch(Base):
    __tablename__ = "listening_match"

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message.id"), primary_key=True)
    query_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listening_query.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime)
