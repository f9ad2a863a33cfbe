"""People correcting the grouping (R29): move some complaints of an incident to another one or
to a new one (a split), or merge a whole incident into another.

Detection groups by likeness and will sometimes put two faults of one product together or keep
one fault apart in two incidents. A supervisor fixes that on the incident's page. Both sides get
an audit entry, so detection never merges them back on its own (it only merges incidents nobody
has touched). What an incident reached follows its people: a split that leaves it with fewer
lowers its level; the incident that receives complaints raises its level, with an alert, as if
they had arrived. A merged incident's number stays as an alias that leads to the one it joined.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from vastaa.audit.service import log as audit
from vastaa.bulk import one_of
from vastaa.errors import NotFoundError, PermanentError
from vastaa.i18n import N_
from vastaa.incidents import detection
from vastaa.incidents.detection import Thresholds
from vastaa.incidents.models import Incident, IncidentAlias, IncidentFollowUp, IncidentMember
from vastaa.incidents.service import changed, queue_follow_ups

CANDIDATES = 100


def merged_into(session: Session, number: int) -> int | None:
    """The number of the incident that a merged incident's number now leads to."""
    return session.scalar(
        select(Incident.number)
        .join(IncidentAlias, IncidentAlias.incident_id == Incident.id)
        .where(IncidentAlias.number == number)
    )


def candidates(session: Session, incident: Incident) -> list[Incident]:
    """The incidents this one's complaints may go to, or that may be merged into it: the other
    incidents of its brand that are not closed, the latest active first."""
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.id != incident.id,
                Incident.closed_at.is_(None),
                Incident.brand_id.is_(None)
                if incident.brand_id is None
                else Incident.brand_id == incident.brand_id,
            )
            .order_by(Incident.last_at.desc(), Incident.number.desc())
            .limit(CANDIDATES)
        )
    )


def move(
    session: Session,
    source: Incident,
    message_ids: Collection[uuid.UUID],
    target: Incident | None,
    *,
    thresholds: Thresholds,
    actor_id: uuid.UUID,
    now: datetime,
) -> Incident:
    """Move the chosen complaints of ``source`` to ``target``, or to a new incident when it is
    None; returns the incident that has them now."""
    detection.serialize(session)  # not while detection adds a complaint to either
    chosen = set(message_ids)
    members = set(
        session.scalars(
            select(IncidentMember.message_id).where(IncidentMember.incident_id == source.id)
        )
    )
    if not chosen:
        raise PermanentError(N_("choose the complaints to move"))
    if not chosen <= members:
        raise NotFoundError(
            N_("a chosen complaint is not in incident #{number}"), number=source.number
        )
    if chosen == members:
        raise PermanentError(N_("to move every complaint, merge the incident instead"))
    _check_open(source)
    if target is not None:
        _check_pair(source, target)
    chosen_ones = one_of(session, IncidentMember.message_id, sorted(chosen))
    first = session.scalar(select(func.min(IncidentMember.at)).where(chosen_ones))
    assert first is not None  # the chosen complaints are members
    receiver = target or detection.new_incident(session, source.brand_id, first, now)
    session.execute(
        update(IncidentMember)
        .where(chosen_ones)
        .values(incident_id=receiver.id, joined_at=now, score=None)
        .execution_options(synchronize_session=False)
    )
    _drop_follow_ups_of_those_gone(session, source)
    detection.refresh(session, source, thresholds, now)
    _lower_level(source, thresholds)
    detection.refresh(session, receiver, thresholds, now)
    if receiver.status == "fixed":
        queue_follow_ups(session, receiver, now=now)
    count = f"{len(chosen)} complaint{'s' if len(chosen) != 1 else ''}"
    changed(session, source, actor_id, now, f"{count} moved to #{receiver.number}")
    changed(session, receiver, actor_id, now, f"{count} moved from #{source.number}")
    return receiver


def merge(
    session: Session,
    survivor: Incident,
    absorbed: Incident,
    *,
    thresholds: Thresholds,
    actor_id: uuid.UUID,
    now: datetime,
) -> None:
    """Merge ``absorbed`` into ``survivor``: its complaints, alerts and follow-ups; its owner
    and texts where the survivor has none (the survivor keeps its title). Its number leads to
    the survivor from now on."""
    if survivor.id == absorbed.id:
        raise PermanentError(N_("an incident cannot be merged into itself"))
    detection.serialize(session)
    _check_open(survivor)
    _check_pair(survivor, absorbed)
    _drop_duplicate_follow_ups(session, survivor, absorbed)
    survivor.owner_id = survivor.owner_id or absorbed.owner_id
    for name in ("statement", "fix_note", "review"):
        mine, theirs = getattr(survivor, name), getattr(absorbed, name)
        setattr(survivor, name, {**theirs, **mine})
    number = absorbed.number
    detection.merge(session, survivor, absorbed, thresholds, now)
    if survivor.status == "fixed":
        queue_follow_ups(session, survivor, now=now)
    changed(session, survivor, actor_id, now, f"#{number} merged into it")
    audit(
        session,
        actor_id=actor_id,
        action="incident_change",
        now=now,
        target=("incident", number),
        summary=f"#{number}: merged into #{survivor.number}",
    )


def _check_open(incident: Incident) -> None:
    if incident.closed_at is not None:
        raise PermanentError(
            N_("incident #{number} is closed: reopen it first"), number=incident.number
        )


def _check_pair(incident: Incident, other: Incident) -> None:
    if other.id == incident.id:
        raise PermanentError(N_("choose another incident"))
    _check_open(other)
    if other.brand_id != incident.brand_id:
        raise PermanentError(N_("incident #{number} is about another brand"), number=other.number)


def _drop_follow_ups_of_those_gone(session: Session, incident: Incident) -> None:
    """Drafted follow-ups of people with no complaint left in the incident are dropped (the one
    that has their complaints now drafts its own when it is fixed); sent or skipped ones stay
    as what happened."""
    still = select(IncidentMember.conversation_id).where(
        IncidentMember.incident_id == incident.id, IncidentMember.conversation_id.is_not(None)
    )
    _drop_drafts(session, incident, IncidentFollowUp.conversation_id.not_in(still))


def _drop_duplicate_follow_ups(session: Session, survivor: Incident, absorbed: Incident) -> None:
    """One follow-up per conversation: the absorbed incident's drafts for people the survivor
    already has one for are dropped."""
    theirs = select(IncidentFollowUp.conversation_id).where(
        IncidentFollowUp.incident_id == survivor.id
    )
    _drop_drafts(session, absorbed, IncidentFollowUp.conversation_id.in_(theirs))


def _drop_drafts(session: Session, incident: Incident, which: ColumnElement[bool]) -> None:
    session.execute(
        delete(IncidentFollowUp)
        .where(
            IncidentFollowUp.incident_id == incident.id,
            IncidentFollowUp.state == "pending",
            which,
        )
        .execution_options(synchronize_session=False)
    )


def _lower_level(incident: Incident, thresholds: Thresholds) -> None:
    """After a split, the level its people now make (the alerts already raised stay)."""
    level = thresholds.level(incident.people)
    incident.level = level
    if level != "problem":
        incident.problem_at = None
    if level == "isolated":
        incident.pattern_at = None
