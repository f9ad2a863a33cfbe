"""Saved replies (snippets with variables) and knowledge articles, per language, suggested by a
conversation's problem area and intent (R21: anticipate the next question)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, UTCDateTime, new_id


class Snippet(Base):
    """A saved reply. ``body`` may hold {first_name}, {agent} and {article_url}; ``areas`` and
    ``intents`` are comma lists (",delivery,billing,") it is suggested for."""

    __tablename__ = "snippet"
    __table_args__ = (UniqueConstraint("name", "lang"), Index("ix_snippet_lang", "lang"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    areas: Mapped[str] = mapped_column(String(200), default="")
    intents: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Article(Base):
    """A knowledge article: an FAQ entry, a guide, opening hours — a link the reply can give."""

    __tablename__ = "article"
    __table_args__ = (UniqueConstraint("url", "lang"), Index("ix_article_lang", "lang"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    lang: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text, default="")
    areas: Mapped[str] = mapped_column(String(200), default="")
    intents: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
