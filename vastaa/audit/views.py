"""The audit log page: supervisors browse and filter every user action."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from vastaa.accounts.models import User as Account
from vastaa.audit.models import ACTIONS
from vastaa.audit.queries import PAGE, AuditFilter, entries
from vastaa.clock import as_utc, parse_day
from vastaa.web.auth import Context, User

router = APIRouter()


def _day(value: str | None) -> datetime | None:
    """A date from the form (YYYY-MM-DD) as the start of that day, UTC; anything else: none."""
    try:
        return datetime.combine(parse_day(value or ""), time(), tzinfo=None)
    except ValueError:
        return None


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _cursor(before: str, before_id: str) -> tuple[datetime, uuid.UUID] | None:
    """Where the previous page ended: the last entry's time and id (ties broken by id)."""
    entry_id = _uuid(before_id)
    try:
        at = datetime.fromisoformat(before)
    except ValueError:
        return None
    return (as_utc(at), entry_id) if entry_id is not None else None


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    context: Context,
    user: User,
    actor: str = "",
    action: str = "",
    target: str = "",
    since: str = "",
    until: str = "",
    before: str = "",
    before_id: str = "",
) -> HTMLResponse:
    """Filters that do not parse (an empty person, a bad date) are left out, not refused."""
    user.require("supervisor")
    start, end = _day(since), _day(until)
    wanted = AuditFilter(
        actor_id=_uuid(actor),
        action=action if action in ACTIONS else None,
        target_id=target.strip()[:64] or None,
        since=as_utc(start) if start else None,
        until=as_utc(end + timedelta(days=1)) if end else None,
        before=_cursor(before, before_id),
    )
    with context.transaction() as session:
        found = entries(session, wanted)
        people = list(session.scalars(select(Account).order_by(Account.display_name)))
    return context.templates.render(
        request,
        "audit/log.html",
        {
            "user": user,
            "entries": found,
            "people": people,
            "actions": ACTIONS,
            "filters": {
                "actor": _uuid(actor),
                "action": action,
                "target": target,
                "since": since,
                "until": until,
            },
            "more": len(found) == PAGE,
        },
        locale=user.locale,
    )
