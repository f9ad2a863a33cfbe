"""The conversation page (the thread, the customer, the timeline) and the moves an agent makes
on it: status, assignment, escalation, snooze and notes."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vastaa.accounts.views import safe_next
from vastaa.conversations import service
from vastaa.conversations.models import STATUSES, Conversation
from vastaa.conversations.queries import conversation_page
from vastaa.errors import PermanentError
from vastaa.incidents import service as incidents
from vastaa.incidents.models import Incident
from vastaa.replies.drafts import to_private
from vastaa.replies.knowledge import suggest
from vastaa.replies.service import agent_signature
from vastaa.web.auth import CheckedUser, Context, User

router = APIRouter()
SNOOZES = ("1h", "4h", "tomorrow", "3d", "wake")


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation(
    request: Request, context: Context, user: User, conversation_id: uuid.UUID
) -> HTMLResponse:
    with context.transaction() as session:
        page = conversation_page(session, conversation_id)
        case = page.conversation
        heard = [m.lang for m in page.messages if m.direction == "inbound" and m.lang]
        reply_lang = case.lang or (heard[-1] if heard else "en")
        first_name = (case.author.display_name.split() or [""])[0]
        signature = agent_signature(
            session, case.id, context.settings.reply_signature, user.display_name
        )
        knowledge = suggest(
            session,
            lang=reply_lang if reply_lang in ("fi", "tr", "en") else "en",
            area=case.problem_area,
            intents=[i for i in (case.intents or "").split(",") if i],
            first_name=first_name,
            agent=(user.display_name.split() or [""])[0],
        )
        known = known_issue(session, case.id)
    return context.templates.render(
        request,
        "conversations/detail.html",
        {
            "user": user,
            "page": page,
            "now": context.clock(),
            "statuses": STATUSES,
            "snoozes": SNOOZES,
            "signature": signature,
            "private_pair": to_private(reply_lang, first_name, signature, str(case.id)),
            "reply_lang": reply_lang,
            "knowledge": knowledge,
            "known": known,
        },
        locale=user.locale,
    )


def known_issue(session: Session, conversation_id: uuid.UUID) -> tuple[Incident, str | None] | None:
    """The problem this conversation's complaint is part of, and the reassurance reply written
    for this customer from its statement (R29)."""
    incident = incidents.incident_for_conversation(session, conversation_id)
    if incident is None:
        return None
    case = session.get(Conversation, conversation_id)
    answered = bool(
        case
        and case.last_outbound_at
        and (case.last_inbound_at is None or case.last_outbound_at >= case.last_inbound_at)
    )
    if answered:  # the known issue is shown; the reply is for people still waiting
        return incident, None
    customer = incidents.customer_of(session, incident, conversation_id)
    return incident, incidents.reassurance(incident, customer)


def _back(conversation_id: uuid.UUID) -> Response:
    return RedirectResponse(f"/conversations/{conversation_id}", status_code=303)


BULK_ACTIONS = ("assign_me", "unassign", "resolve", "snooze_4h", "reopen")
MAX_BULK = 200


@router.post("/conversations/bulk")
def bulk(
    context: Context,
    user: CheckedUser,
    action: Annotated[str, Form()],
    ids: Annotated[list[uuid.UUID], Form()] = [],  # noqa: B006 (FastAPI reads it, never mutates)
    next: Annotated[str, Form()] = "/",  # noqa: A002 (the form field's name)
) -> Response:
    """One move for many conversations, in one transaction: all or nothing."""
    if action not in BULK_ACTIONS:
        raise PermanentError("unknown bulk action")
    if len(ids) > MAX_BULK:
        raise PermanentError(f"at most {MAX_BULK} conversations at once")
    now = context.clock()
    with context.transaction() as session:
        for conversation_id in dict.fromkeys(ids):
            _apply_bulk(session, action, conversation_id, user.id, now)
    return RedirectResponse(safe_next(next), status_code=303)


def _apply_bulk(
    session: Session, action: str, conversation_id: uuid.UUID, actor: uuid.UUID, now: datetime
) -> None:
    if action in ("assign_me", "unassign"):
        service.assign(
            session,
            conversation_id=conversation_id,
            assignee_id=actor if action == "assign_me" else None,
            now=now,
            actor_id=actor,
        )
    elif action in ("resolve", "reopen"):
        service.set_status(
            session,
            conversation_id=conversation_id,
            status="resolved" if action == "resolve" else "open",
            now=now,
            actor_id=actor,
        )
    else:
        service.snooze(
            session,
            conversation_id=conversation_id,
            until=now + timedelta(hours=4),
            now=now,
            actor_id=actor,
        )


@router.post("/conversations/{conversation_id}/presence", response_class=HTMLResponse)
def presence(
    request: Request,
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    activity: Annotated[str, Form()] = "viewing",
) -> HTMLResponse:
    """The browser's heartbeat on a conversation page; answers who else is here."""
    now = context.clock()
    if activity == "left":
        context.presence.leave(conversation_id, user.id)
    else:
        context.presence.report(conversation_id, user.id, user.display_name, activity, now)
    return context.templates.render(
        request,
        "conversations/_presence.html",
        {"others": context.presence.others(conversation_id, user.id, now)},
        locale=user.locale,
    )


@router.post("/conversations/{conversation_id}/status")
def change_status(
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    status: Annotated[str, Form()],
) -> Response:
    with context.transaction() as session:
        service.set_status(
            session,
            conversation_id=conversation_id,
            status=status,
            now=context.clock(),
            actor_id=user.id,
        )
    return _back(conversation_id)


def _user_id(value: str, me: uuid.UUID) -> uuid.UUID | None:
    if value == "me":
        return me
    if value in ("", "none"):
        return None
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise PermanentError("no such user") from error


@router.post("/conversations/{conversation_id}/assign")
def assign(
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    assignee: Annotated[str, Form()] = "",
) -> Response:
    with context.transaction() as session:
        service.assign(
            session,
            conversation_id=conversation_id,
            assignee_id=_user_id(assignee, user.id),
            now=context.clock(),
            actor_id=user.id,
        )
    return _back(conversation_id)


def _target(value: str) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """ "team:<id>" or "user:<id>" to (team, user)."""
    kind, _, raw = value.partition(":")
    try:
        found = uuid.UUID(raw)
    except ValueError as error:
        raise PermanentError("choose whom to escalate to") from error
    if kind == "team":
        return found, None
    if kind == "user":
        return None, found
    raise PermanentError("choose whom to escalate to")


@router.post("/conversations/{conversation_id}/escalate")
def escalate(
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    target: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    team_id, user_id = _target(target)
    with context.transaction() as session:
        service.escalate(
            session,
            conversation_id=conversation_id,
            note=note,
            now=context.clock(),
            actor_id=user.id,
            team_id=team_id,
            user_id=user_id,
        )
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/deescalate")
def deescalate(context: Context, user: CheckedUser, conversation_id: uuid.UUID) -> Response:
    with context.transaction() as session:
        service.deescalate(
            session, conversation_id=conversation_id, now=context.clock(), actor_id=user.id
        )
    return _back(conversation_id)


def snooze_until(choice: str, now: datetime, timezone: str) -> datetime | None:
    """The moment a snooze choice means; "tomorrow" is 08:00 local time."""
    if choice == "wake":
        return None
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "4h":
        return now + timedelta(hours=4)
    if choice == "3d":
        return now + timedelta(days=3)
    if choice == "tomorrow":
        zone = ZoneInfo(timezone)
        day = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(day, time(8), zone)
    raise PermanentError("unknown snooze choice")


@router.post("/conversations/{conversation_id}/snooze")
def snooze(
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    until: Annotated[str, Form()] = "",
) -> Response:
    now = context.clock()
    with context.transaction() as session:
        service.snooze(
            session,
            conversation_id=conversation_id,
            until=snooze_until(until, now, context.settings.timezone),
            now=now,
            actor_id=user.id,
        )
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/notes")
def add_note(
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    note: Annotated[str, Form()] = "",
) -> Response:
    with context.transaction() as session:
        service.add_note(
            session,
            conversation_id=conversation_id,
            note=note,
            now=context.clock(),
            actor_id=user.id,
        )
    return _back(conversation_id)
