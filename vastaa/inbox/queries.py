"""Read-only queries behind the inbox: one view (queue) at a time, filtered, with the count of
every view. A page costs the same few queries however many rows it shows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from vastaa.accounts.models import User
from vastaa.channels.models import Channel
from vastaa.conversations.models import QUEUES, STATUSES, Conversation
from vastaa.customers.models import Author, CustomerTag
from vastaa.inbox.search import matching_conversations

PAGE_SIZE = 50
Rows = Select[*tuple[Any, ...]]
SENTIMENTS = ("negative", "neutral", "positive")
# The languages offered as filters (a fixed list: finding the distinct ones would scan them all).
LANGUAGES = ("fi", "tr", "en", "sv", "de", "et", "ru")
INTENTS = ("complaint", "question", "suggestion", "praise", "spam", "other")
AREAS = ("product", "service", "delivery", "billing", "instructions", "user_error", "other")
PERIODS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
# Views an agent works through by urgency; the others read newest first.
BY_PRIORITY = ("needs_reply", "escalated", "moderation", "follow_up", "praise")


@dataclass(frozen=True)
class InboxFilters:
    view: str = "needs_reply"
    channel: uuid.UUID | None = None
    lang: str | None = None
    status: str | None = None
    sentiment: str | None = None
    intent: str | None = None
    area: str | None = None
    assignee: str | None = None  # "me", "none" or a user id
    tag: str | None = None
    period: str | None = None
    q: str = ""
    page: int = 1

    def __post_init__(self) -> None:
        if self.view not in QUEUES and self.view != "all":
            raise ValueError(f"unknown view {self.view!r}")
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.page < 1:
            raise ValueError("page must be 1 or more")

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The filters as URL parameters (empty ones left out), with ``changes`` applied."""
        values: dict[str, Any] = {
            "view": self.view,
            "channel": self.channel,
            "lang": self.lang,
            "status": self.status,
            "sentiment": self.sentiment,
            "intent": self.intent,
            "area": self.area,
            "assignee": self.assignee,
            "tag": self.tag,
            "period": self.period,
            "q": self.q,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {key: str(value) for key, value in values.items() if value}


@dataclass(frozen=True)
class InboxRow:
    id: uuid.UUID
    channel: str
    platform: str
    author: str
    handle: str
    followers: int
    last_message_at: datetime
    lang: str | None
    preview: str
    status: str
    public: bool
    message_count: int
    queue: str
    priority: int
    priority_reason: str
    due_at: datetime | None
    breached_at: datetime | None
    sentiment: str | None
    intents: str | None
    problem_area: str | None
    assignee: str | None


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    has_more: bool
    counts: dict[str, int] = field(default_factory=dict)


def inbox_page(
    session: Session,
    filters: InboxFilters,
    *,
    user_id: uuid.UUID | None,
    now: datetime,
    counts: dict[str, int] | None = None,
) -> InboxPage:
    """The rows of one view (filtered) and the count of every view (the whole inbox; counted
    here unless ``counts`` is given, as the snapshot of ``inbox.counts``)."""
    matches = matching_conversations(session, filters.q)
    query = _filtered(_rows_query(), filters, user_id=user_id, now=now, matches=matches)
    if filters.view != "all":
        query = query.where(Conversation.queue == filters.view)
    query = query.order_by(*_order(filters.view))
    offset = (filters.page - 1) * PAGE_SIZE
    found = session.execute(query.offset(offset).limit(PAGE_SIZE + 1)).all()
    rows = [InboxRow(*row) for row in found[:PAGE_SIZE]]
    return InboxPage(
        rows,
        has_more=len(found) > PAGE_SIZE,
        counts=counts if counts is not None else view_counts(session),
    )


def view_counts(session: Session) -> dict[str, int]:
    """How many conversations each view holds: one pass over the (queue, …) index. The counts
    are the whole inbox's, whatever the filters: counting a filtered million-message inbox
    would mean reading every conversation on each refresh."""
    query = select(Conversation.queue, func.count()).group_by(Conversation.queue)
    counts = {queue: 0 for queue in QUEUES}
    counts.update({queue: count for queue, count in session.execute(query).all()})
    return counts


def _order(view: str) -> tuple[Any, ...]:
    if view in BY_PRIORITY:
        return (
            Conversation.priority.desc(),
            Conversation.last_message_at.desc(),
            Conversation.id.desc(),
        )
    return (Conversation.last_message_at.desc(), Conversation.id.desc())


def _rows_query() -> Rows:
    assignee = aliased(User)
    return (
        select(
            Conversation.id,
            Channel.name,
            Channel.platform,
            Author.display_name,
            Author.handle,
            Author.followers,
            Conversation.last_message_at,
            Conversation.lang,
            Conversation.preview,
            Conversation.status,
            Conversation.public,
            Conversation.message_count,
            Conversation.queue,
            Conversation.priority,
            Conversation.priority_reason,
            Conversation.due_at,
            Conversation.breached_at,
            Conversation.sentiment,
            Conversation.intents,
            Conversation.problem_area,
            assignee.display_name,
        )
        .join(Channel, Channel.id == Conversation.channel_id)
        .join(Author, Author.id == Conversation.author_id)
        .outerjoin(assignee, assignee.id == Conversation.assignee_id)
    )


def _filtered(
    query: Rows,
    filters: InboxFilters,
    *,
    user_id: uuid.UUID | None,
    now: datetime,
    matches: Select[uuid.UUID | None] | None,
) -> Rows:
    simple = {
        Conversation.channel_id: filters.channel,
        Conversation.lang: filters.lang,
        Conversation.status: filters.status,
        Conversation.sentiment: filters.sentiment,
        Conversation.problem_area: filters.area,
    }
    for column, value in simple.items():
        if value:
            query = query.where(column == value)
    if filters.intent:
        query = query.where(Conversation.intents.contains(f",{filters.intent},", autoescape=True))
    if filters.assignee == "me" and user_id is not None:
        query = query.where(Conversation.assignee_id == user_id)
    elif filters.assignee == "none":
        query = query.where(Conversation.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Conversation.assignee_id == _uuid(filters.assignee))
    if filters.tag:
        tagged = select(CustomerTag.customer_id).where(CustomerTag.tag == filters.tag)
        query = query.where(Conversation.customer_id.in_(tagged))
    if filters.period in PERIODS:
        query = query.where(Conversation.last_message_at >= now - PERIODS[filters.period])
    if matches is not None:
        query = query.where(Conversation.id.in_(matches))
    return query


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)  # matches nobody


@dataclass(frozen=True)
class FilterOptions:
    channels: list[tuple[uuid.UUID, str]]
    languages: list[str]
    agents: list[tuple[uuid.UUID, str]]
    tags: list[str]
    statuses: tuple[str, ...] = STATUSES
    sentiments: tuple[str, ...] = SENTIMENTS
    intents: tuple[str, ...] = INTENTS
    areas: tuple[str, ...] = AREAS
    periods: tuple[str, ...] = tuple(PERIODS)


def filter_options(session: Session) -> FilterOptions:
    channels = session.execute(select(Channel.id, Channel.name).order_by(Channel.name)).all()
    agents = session.execute(
        select(User.id, User.display_name).where(User.active).order_by(User.display_name)
    ).all()
    tags = session.scalars(select(CustomerTag.tag).distinct().order_by(CustomerTag.tag)).all()
    return FilterOptions(
        [(id_, name) for id_, name in channels],
        list(LANGUAGES),
        [(id_, name) for id_, name in agents],
        list(tags),
    )
