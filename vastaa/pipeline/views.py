"""``POST /api/v1/events``: a batch of canonical events, all or nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from vastaa.errors import InvalidEventError
from vastaa.pipeline.events import Event, parse_event
from vastaa.pipeline.ingest import ingest
from vastaa.web.auth import ApiUser, Context

router = APIRouter(prefix="/api/v1")


def validate_batch(body: Any, limit: int) -> tuple[list[Event], list[InvalidEventError]]:
    """Every event checked before anything is written; errors name each event's position."""
    items = body.get("events") if isinstance(body, dict) else body
    if not isinstance(items, list):
        return [], [InvalidEventError(0, 'send a JSON array of events or {"events": [...]}')]
    if len(items) > limit:
        return [], [InvalidEventError(limit, f"at most {limit} events per request")]
    events: list[Event] = []
    errors: list[InvalidEventError] = []
    for position, item in enumerate(items):
        try:
            events.append(parse_event(item, position))
        except InvalidEventError as error:
            errors.append(error)
    return events, errors


@router.post("/events")
def post_events(context: Context, user_id: ApiUser, body: Any = Body(...)) -> JSONResponse:  # noqa: B008
    events, errors = validate_batch(body, context.settings.api_max_events)
    if errors:
        detail = [{"position": e.position, "reason": e.reason} for e in errors]
        return JSONResponse({"errors": detail, "written": 0}, status_code=422)
    with context.transaction() as session:
        results = ingest(session, events, now=context.clock())
    return JSONResponse({"results": [result.as_json() for result in results]})
