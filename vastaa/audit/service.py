"""Writing the audit log. Every user action calls :func:`log` in the same transaction as the
action itself, so an action and its entry are committed (or rolled back) together."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.audit.models import ACTIONS, AuditEntry

SYSTEM = "Vastaa"  # the actor of what automatic rules and the worker do


def log(
    session: Session,
    *,
    actor_id: uuid.UUID | None,
    action: str,
    now: datetime,
    target: tuple[str, Any] | None = None,
    summary: str = "",
    data: Mapping[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    target_type, target_id = target if target is not None else ("", "")
    entry = AuditEntry(
        at=now,
        actor_id=actor_id,
        actor_name=actor_name or name_of(session, actor_id),
        action=action,
        target_type=target_type,
        target_id=str(target_id or "")[:64],
        summary=summary[:2000],
        data=dict(data) if data else None,
    )
    session.add(entry)
    return entry


def name_of(session: Session, actor_id: uuid.UUID | None) -> str:
    if actor_id is None:
        return SYSTEM
    user = session.get(User, actor_id)
    return user.display_name if user is not None else str(actor_id)
