"""The inbox: the views (Needs reply, Waiting, Moderation, …) with their counts, filters, search,
and the rows of one view, refreshed live by HTMX polling."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vastaa.conversations.models import QUEUES, STATUSES
from vastaa.inbox.queries import (
    AREAS,
    INTENTS,
    PERIODS,
    SENTIMENTS,
    InboxFilters,
    filter_options,
    inbox_page,
)
from vastaa.web.auth import Context, User

router = APIRouter()


def _one_of(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def parse_filters(
    *,
    view: str | None = None,
    channel: str | None = None,
    lang: str | None = None,
    status: str | None = None,
    sentiment: str | None = None,
    intent: str | None = None,
    area: str | None = None,
    assignee: str | None = None,
    tag: str | None = None,
    period: str | None = None,
    q: str | None = None,
    page: int = 1,
) -> InboxFilters:
    """Unknown or empty values mean "no filter", never an error page."""
    try:
        channel_id = uuid.UUID(channel) if channel else None
    except ValueError:
        channel_id = None
    return InboxFilters(
        view=view if view in QUEUES or view == "all" else "needs_reply",
        channel=channel_id,
        lang=lang if lang and len(lang) <= 8 else None,
        status=_one_of(status, STATUSES),
        sentiment=_one_of(sentiment, SENTIMENTS),
        intent=_one_of(intent, INTENTS),
        area=_one_of(area, AREAS),
        assignee=assignee[:40] if assignee else None,
        tag=tag[:60] if tag else None,
        period=_one_of(period, tuple(PERIODS)),
        q=(q or "")[:200],
        page=max(page, 1),
    )


@router.get("/", response_class=HTMLResponse)
def inbox(
    request: Request,
    context: Context,
    user: User,
    view: Annotated[str | None, Query()] = None,
    channel: Annotated[str | None, Query()] = None,
    lang: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    sentiment: Annotated[str | None, Query()] = None,
    intent: Annotated[str | None, Query()] = None,
    area: Annotated[str | None, Query()] = None,
    assignee: Annotated[str | None, Query()] = None,
    tag: Annotated[str | None, Query()] = None,
    period: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query()] = 1,
) -> HTMLResponse:
    filters = parse_filters(
        view=view,
        channel=channel,
        lang=lang,
        status=status,
        sentiment=sentiment,
        intent=intent,
        area=area,
        assignee=assignee,
        tag=tag,
        period=period,
        q=q,
        page=page,
    )
    now = context.clock()
    with context.transaction() as session:
        counts = context.counts.get(session, now)
        found = inbox_page(session, filters, user_id=user.id, now=now, counts=counts)
        options = filter_options(session)
    return context.templates.render(
        request,
        "inbox/list.html",
        {
            "user": user,
            "page": found,
            "filters": filters,
            "options": options,
            "queues": QUEUES,
            "now": now,
            "live_seconds": max(1, context.settings.live_seconds),
            "viewers": context.presence.viewers([row.id for row in found.rows], now),
        },
        locale=user.locale,
        partial="inbox/_body.html",
    )
