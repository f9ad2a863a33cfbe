"""Changing conversations: status, assignment, escalation and snoozing. Each change is written
to the conversation's timeline and re-triages it at once, so every view agrees. Nothing here
commits."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.accounts.models import Team, TeamMember, User
from vastaa.conversations.models import STATUSES, Conversation, ConversationEvent
from vastaa.errors import NotFoundError, PermanentError
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.service import refresh

# R30: once the thank-you after a tone change is done, leave the customer alone for a while.
THANKED_SNOOZE = timedelta(days=3)
MAX_SNOOZE = timedelta(days=60)
MAX_NOTE = 2000


def _get(session: Session, conversation_id: uuid.UUID) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id}")
    return conversation


def _record(
    session: Session,
    conversation: Conversation,
    kind: str,
    *,
    actor_id: uuid.UUID | None,
    now: datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    conversation.updated_at = now
    record(session, conversation.id, kind, actor_id=actor_id, now=now, note=note, data=data)


def record(
    session: Session,
    conversation_id: uuid.UUID,
    kind: str,
    *,
    actor_id: uuid.UUID | None,
    now: datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Write a move on the conversation's timeline and re-triage it at once, so that every view
    (and the counts) agree with what just happened."""
    session.add(
        ConversationEvent(
            conversation_id=conversation_id,
            at=now,
            actor_id=actor_id,
            kind=kind,
            note=note,
            data=data,
        )
    )
    session.flush()
    refresh(session, [conversation_id], now=now, weights=_weights(session))
    session.info["inbox_changed"] = True


def _weights(session: Session) -> PriorityWeights:
    weights = session.info.get("priority_weights")
    return weights if isinstance(weights, PriorityWeights) else PriorityWeights()


def set_status(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    status: str,
    now: datetime,
    actor_id: uuid.UUID | None = None,
) -> Conversation:
    if status not in STATUSES:
        raise PermanentError(f"unknown status {status!r}")
    conversation = _get(session, conversation_id)
    if status == conversation.status:
        return conversation
    if status in ("resolved", "closed"):
        conversation.escalated = False
        if conversation.queue == "follow_up":
            conversation.snoozed_until, conversation.snoozed_at = now + THANKED_SNOOZE, now
    else:
        conversation.snoozed_until = conversation.snoozed_at = None
    previous, conversation.status = conversation.status, status
    _record(
        session,
        conversation,
        "status",
        actor_id=actor_id,
        now=now,
        data={"from": previous, "to": status},
    )
    return conversation


def assign(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
    now: datetime,
    actor_id: uuid.UUID | None = None,
) -> Conversation:
    conversation = _get(session, conversation_id)
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or not assignee.active:
            raise PermanentError("no such active user to assign")
    if conversation.assignee_id == assignee_id:
        return conversation
    conversation.assignee_id = assignee_id
    if conversation.status == "new":
        conversation.status = "open"
    kind = "assigned" if assignee_id else "unassigned"
    data = {"assignee_id": str(assignee_id)} if assignee_id else None
    _record(session, conversation, kind, actor_id=actor_id, now=now, data=data)
    return conversation


def escalate(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    note: str,
    now: datetime,
    actor_id: uuid.UUID | None,
    team_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> Conversation:
    """R19: hand the case up, to a specialist team or a supervisor, saying why (required)."""
    note = note.strip()
    if not note:
        raise PermanentError("an escalation needs a note saying why")
    if len(note) > MAX_NOTE:
        raise PermanentError(f"the note is longer than {MAX_NOTE} characters")
    if team_id is None and user_id is None:
        raise PermanentError("escalate to a team or to a person")
    conversation = _get(session, conversation_id)
    if team_id is not None and session.get(Team, team_id) is None:
        raise PermanentError("no such team")
    if user_id is not None:
        target = session.get(User, user_id)
        if target is None or not target.active:
            raise PermanentError("no such active user")
    conversation.escalated = True
    conversation.team_id = team_id
    conversation.assignee_id = user_id
    if conversation.status in ("new", "resolved", "closed"):
        conversation.status = "open"
    data = {
        "team_id": str(team_id) if team_id else None,
        "user_id": str(user_id) if user_id else None,
    }
    _record(session, conversation, "escalated", actor_id=actor_id, now=now, note=note, data=data)
    return conversation


def deescalate(
    session: Session, *, conversation_id: uuid.UUID, now: datetime, actor_id: uuid.UUID | None
) -> Conversation:
    conversation = _get(session, conversation_id)
    if not conversation.escalated:
        return conversation
    conversation.escalated = False
    _record(session, conversation, "deescalated", actor_id=actor_id, now=now)
    return conversation


def snooze(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    until: datetime | None,
    now: datetime,
    actor_id: uuid.UUID | None,
) -> Conversation:
    """Hide the conversation until ``until`` (None wakes it); a customer who needs us wakes it."""
    if until is not None and not now < until <= now + MAX_SNOOZE:
        raise PermanentError("snooze until a moment within the next 60 days")
    conversation = _get(session, conversation_id)
    conversation.snoozed_until = until
    conversation.snoozed_at = now if until else None
    data = {"until": until.isoformat() if until else None}
    _record(session, conversation, "snoozed", actor_id=actor_id, now=now, data=data)
    return conversation


def add_note(
    session: Session, *, conversation_id: uuid.UUID, note: str, now: datetime, actor_id: uuid.UUID
) -> Conversation:
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise PermanentError(f"a note has 1 to {MAX_NOTE} characters")
    conversation = _get(session, conversation_id)
    _record(session, conversation, "note", actor_id=actor_id, now=now, note=note)
    return conversation


def escalation_targets(session: Session) -> tuple[list[Team], list[User]]:
    """Teams that take escalations, and the supervisors and administrators."""
    teams = session.scalars(select(Team).where(Team.escalation).order_by(Team.name)).all()
    people = session.scalars(
        select(User)
        .where(User.active, User.role.in_(("supervisor", "admin")))
        .order_by(User.display_name)
    ).all()
    return list(teams), list(people)


def team_members(session: Session, team_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))
