"""Read-only queries behind the inbox list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from vastaa.channels.models import Channel
from vastaa.conversations.models import STATUSES, Conversation
from vastaa.customers.models import Author

PAGE_SIZE = 50
Rows = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class InboxFilters:
    channel: uuid.UUID | None = None
    lang: str | None = None
    status: str | None = None
    page: int = 1

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.page < 1:
            raise ValueError("page must be 1 or more")


@dataclass(frozen=True)
class InboxRow:
    id: uuid.UUID
    channel: str
    platform: str
    author: str
    handle: str
    last_message_at: datetime
    lang: str | None
    preview: str
    status: str
    public: bool
    message_count: int


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    has_more: bool


def inbox_page(session: Session, filters: InboxFilters) -> InboxPage:
    """Conversations, newest first, one query however many rows."""
    query = _filtered(_rows_query(), filters)
    offset = (filters.page - 1) * PAGE_SIZE
    found = session.execute(query.offset(offset).limit(PAGE_SIZE + 1)).all()
    rows = [InboxRow(*row) for row in found[:PAGE_SIZE]]
    return InboxPage(rows, has_more=len(found) > PAGE_SIZE)


def _rows_query() -> Rows:
    return (
        select(
            Conversation.id,
            Channel.name,
            Channel.platform,
            Author.display_name,
            Author.handle,
            Conversation.last_message_at,
            Conversation.lang,
            Conversation.preview,
            Conversation.status,
            Conversation.public,
            Conversation.message_count,
        )
        .join(Channel, Channel.id == Conversation.channel_id)
        .join(Author, Author.id == Conversation.author_id)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    )


def _filtered(query: Rows, filters: InboxFilters) -> Rows:
    if filters.channel is not None:
        query = query.where(Conversation.channel_id == filters.channel)
    if filters.lang:
        query = query.where(Conversation.lang == filters.lang)
    if filters.status:
        query = query.where(Conversation.status == filters.status)
    return query


@dataclass(frozen=True)
class FilterOptions:
    channels: list[tuple[uuid.UUID, str]]
    languages: list[str]
    statuses: tuple[str, ...] = STATUSES


def filter_options(session: Session) -> FilterOptions:
    channels = session.execute(select(Channel.id, Channel.name).order_by(Channel.name)).all()
    languages = session.scalars(
        select(Conversation.lang).distinct().where(Conversation.lang.is_not(None))
    ).all()
    return FilterOptions(
        [(id_, name) for id_, name in channels], sorted(lang for lang in languages if lang)
    )
