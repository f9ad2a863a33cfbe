"""The inbox list: newest first, filtered by channel, language and status."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vastaa.conversations.models import STATUSES
from vastaa.inbox.queries import InboxFilters, filter_options, inbox_page
from vastaa.web.auth import Context, User

router = APIRouter()


def parse_filters(
    channel: str | None, lang: str | None, status: str | None, page: int
) -> InboxFilters:
    """Unknown or empty values mean "no filter", never an error page."""
    try:
        channel_id = uuid.UUID(channel) if channel else None
    except ValueError:
        channel_id = None
    return InboxFilters(
        channel=channel_id,
        lang=lang if lang and len(lang) <= 8 else None,
        status=status if status in STATUSES else None,
        page=max(page, 1),
    )


@router.get("/", response_class=HTMLResponse)
def inbox(
    request: Request,
    context: Context,
    user: User,
    channel: Annotated[str | None, Query()] = None,
    lang: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query()] = 1,
) -> HTMLResponse:
    filters = parse_filters(channel, lang, status, page)
    with context.transaction() as session:
        found = inbox_page(session, filters)
        options = filter_options(session)
    return context.templates.render(
        request,
        "inbox/list.html",
        {
            "user": user,
            "page": found,
            "filters": filters,
            "options": options,
            "now": context.clock(),
        },
        locale=user.locale,
        partial="inbox/_rows.html",
    )
