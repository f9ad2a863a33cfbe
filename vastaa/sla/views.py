"""The alerts page: missed SLA deadlines, incidents that became a pattern or a problem, spikes;
newest first, until someone acknowledges them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vastaa.errors import NotFoundError
from vastaa.incidents.models import Incident
from vastaa.sla.models import Alert
from vastaa.web.auth import CheckedUser, Context, User

router = APIRouter()
SHOWN = 200


def open_alerts(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(Alert.acknowledged_at.is_(None))) or 0)


@router.get("/alerts", response_class=HTMLResponse)
def alerts(request: Request, context: Context, user: User) -> HTMLResponse:
    with context.transaction() as session:
        found = session.scalars(
            select(Alert).order_by(Alert.acknowledged_at.is_not(None), Alert.at.desc()).limit(SHOWN)
        ).all()
        ids = {alert.incident_id for alert in found if alert.incident_id}
        incidents = (
            {i.id: i for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
            if ids
            else {}
        )
    return context.templates.render(
        request,
        "sla/alerts.html",
        {"user": user, "alerts": found, "incidents": incidents, "now": context.clock()},
        locale=user.locale,
    )


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(context: Context, user: CheckedUser, alert_id: uuid.UUID) -> Response:
    with context.transaction() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"alert {alert_id}")
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = context.clock(), user.id
    return RedirectResponse("/alerts", status_code=303)


@router.get("/alerts/count", response_class=HTMLResponse)
def count(request: Request, context: Context, user: User) -> HTMLResponse:
    """The header's badge, refreshed live."""
    with context.transaction() as session:
        waiting = open_alerts(session)
    return context.templates.render(
        request, "sla/_badge.html", {"waiting": waiting}, locale=user.locale
    )
