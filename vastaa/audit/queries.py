"""Reading the audit log: newest first, filtered by person, action, target and time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from vastaa.audit.models import AuditEntry

PAGE = 100


@dataclass(frozen=True)
class AuditFilter:
    actor_id: uuid.UUID | None = None
    action: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: tuple[datetime, uuid.UUID] | None = None  # the page after the entry (at, id)


def entries(session: Session, wanted: AuditFilter, *, limit: int = PAGE) -> list[AuditEntry]:
    query = _filtered(select(AuditEntry), wanted)
    if wanted.before is not None:
        at, entry_id = wanted.before
        query = query.where(
            or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < entry_id))
        )
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(query))


def _filtered(query: Select[tuple[AuditEntry]], wanted: AuditFilter) -> Select[tuple[AuditEntry]]:
    if wanted.actor_id is not None:
        query = query.where(AuditEntry.actor_id == wanted.actor_id)
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.target_id:
        query = query.where(AuditEntry.target_id == wanted.target_id)
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.at < wanted.until)
    return query
