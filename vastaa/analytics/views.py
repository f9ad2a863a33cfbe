"""The analytics dashboard (R31) and its CSV export.

Everyone on the team sees the dashboard; the per-agent figures and the CSV export are for
supervisors (the export is audited). Filters: the days (in the team's time zone), one channel,
one language. The figures come from the daily rollups the worker keeps (at most a minute old);
the backlog is read live."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from vastaa.analytics import queries
from vastaa.analytics.models import FRT_BUCKETS
from vastaa.audit.service import log
from vastaa.errors import PermanentError
from vastaa.web.auth import Context, User

router = APIRouter()
PRESETS = (7, 30, 90, 365)


def _filters(context: Context, start: str, end: str, channel: str, lang: str) -> queries.Filters:
    today = context.clock().astimezone(context.templates.zone).date()
    try:
        return queries.filters(start, end, channel, lang, today=today)
    except (ValueError, OverflowError) as error:
        raise PermanentError(
            f"dates are YYYY-MM-DD, the start before the end, at most {queries.LONGEST} days; "
            f"the channel is one of the list ({error})"
        ) from None


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(
    request: Request,
    context: Context,
    user: User,
    start: str = "",
    end: str = "",
    channel: str = "",
    lang: str = "",
) -> HTMLResponse:
    wanted = _filters(context, start, end, channel, lang)
    with context.transaction() as session:
        board = queries.dashboard(session, wanted, timezone=context.settings.timezone)
        gap = board.gap(session, context.connectors)
    channels = sorted(board.labels.items(), key=lambda item: item[1])
    return context.templates.render(
        request,
        "analytics/dashboard.html",
        {
            "user": user,
            "board": board,
            "gap": gap,
            "charts": charts(board),
            "channels": channels,
            "presets": _presets(wanted.end),
            "buckets": FRT_BUCKETS,
            "query": request.url.query,
            "now": context.clock(),
        },
        locale=user.locale,
    )


@router.get("/analytics.csv")
def analytics_csv(
    context: Context,
    user: User,
    start: str = "",
    end: str = "",
    channel: str = "",
    lang: str = "",
) -> Response:
    """One row per day, channel and language, with every sum the dashboard is made of."""
    user.require("supervisor")
    wanted = _filters(context, start, end, channel, lang)
    with context.transaction() as session:
        header, rows = queries.csv_rows(session, wanted)
        what = f"analytics {wanted.start}–{wanted.end}"
        log(
            session,
            actor_id=user.id,
            action="export",
            now=context.clock(),
            target=("analytics", what),
            summary=what,
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    name = f"vastaa-analytics-{wanted.start}-{wanted.end}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(value: object) -> object:
    """A spreadsheet runs a cell that starts with = + - @ as a formula: channel names are text
    people chose, so such a text gets a leading apostrophe (numbers stay numbers)."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _presets(end: date) -> list[tuple[int, str]]:
    """(days, the start date) of the quick choices ending on ``end``."""
    return [(days, (end - timedelta(days=days - 1)).isoformat()) for days in PRESETS]


def charts(board: queries.Dashboard) -> dict[str, Any]:
    """What the charts draw, as plain numbers (the page's script reads it as JSON)."""
    days = board.days
    return {
        "days": [day.day.isoformat() for day in days],
        "volume": [
            {"name": name, "data": [day.inbound.get(name, 0) for day in days]}
            for name in board.channels
        ],
        "sentiment": {
            "negative": [day.negative for day in days],
            "neutral": [day.neutral for day in days],
            "positive": [day.positive for day in days],
            "score": [None if day.sentiment is None else round(day.sentiment, 3) for day in days],
        },
        "frt": board.frt_histogram,
        "incidents": {
            "pattern": [pattern for _, pattern, _ in board.incidents],
            "problem": [problem for _, _, problem in board.incidents],
        },
    }
