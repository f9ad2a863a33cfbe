"""What the incidents pages and reports show, read in one place."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import mean
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.channels.models import Channel
from vastaa.customers.models import Author
from vastaa.evidence.models import EvidenceRecord
from vastaa.incidents import service
from vastaa.incidents.models import Incident, IncidentFollowUp, IncidentMember
from vastaa.messages.models import Message

LISTED = 200


@dataclass(frozen=True)
class Listed:
    incident: Incident
    owner: str
    channels: list[str]
    languages: list[str]


def listed(session: Session, *, show: str = "open") -> list[Listed]:
    """Incidents newest activity first: ``open`` (patterns and problems not closed), ``all``
    (also closed ones), ``isolated`` (single complaints, not yet a pattern)."""
    query = select(Incident, User.display_name).outerjoin(User, User.id == Incident.owner_id)
    if show == "open":
        query = query.where(Incident.closed_at.is_(None), Incident.level != "isolated")
    elif show == "all":
        query = query.where(Incident.level != "isolated")
    else:
        query = query.where(Incident.level == "isolated", Incident.closed_at.is_(None))
    rows = session.execute(query.order_by(Incident.last_at.desc()).limit(LISTED)).all()
    spread = _spread(session, [incident.id for incident, _ in rows])
    return [
        Listed(incident, owner or "", *spread.get(incident.id, ([], [])))
        for incident, owner in rows
    ]


def _spread(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[list[str], list[str]]]:
    if not ids:
        return {}
    found: dict[uuid.UUID, tuple[set[str], set[str]]] = {}
    for incident_id, platform, lang in session.execute(
        select(IncidentMember.incident_id, Channel.platform, IncidentMember.lang)
        .join(Channel, Channel.id == IncidentMember.channel_id)
        .where(IncidentMember.incident_id.in_(ids))
        .distinct()
    ):
        channels, languages = found.setdefault(incident_id, (set(), set()))
        channels.add(platform)
        if lang:
            languages.add(lang)
    return {key: (sorted(c), sorted(lang)) for key, (c, lang) in found.items()}


@dataclass(frozen=True)
class Member:
    message_id: uuid.UUID
    conversation_id: uuid.UUID | None
    at: datetime
    platform: str
    lang: str | None
    author: str
    text: str
    sentiment: float | None
    answered: bool
    evidence: int | None  # the evidence record of the message as received


@dataclass(frozen=True)
class Day:
    day: date
    complaints: int
    sentiment: float | None


@dataclass
class Page:
    incident: Incident
    owner: str
    figures: service.Figures
    members: list[Member]
    trend: list[Day]
    channels: list[tuple[str, int]]
    languages: list[tuple[str, int]]
    suggestions: dict[uuid.UUID, str] = field(default_factory=dict)
    follow_ups: list[IncidentFollowUp] = field(default_factory=list)


def detail(session: Session, number: int, *, timezone: str, suggestions: bool = True) -> Page:
    incident = service.incident_numbered(session, number)
    owner = session.get(User, incident.owner_id) if incident.owner_id else None
    members = _members(session, incident)
    page = Page(
        incident=incident,
        owner=owner.display_name if owner else "",
        figures=service.figures(session, incident),
        members=members,
        trend=_trend(members, ZoneInfo(timezone)),
        channels=Counter(m.platform for m in members).most_common(),
        languages=Counter(m.lang or "?" for m in members).most_common(),
        follow_ups=list(
            session.scalars(
                select(IncidentFollowUp)
                .where(IncidentFollowUp.incident_id == incident.id)
                .order_by(IncidentFollowUp.created_at, IncidentFollowUp.id)
            )
        ),
    )
    open_now = incident.closed_at is None and incident.fixed_at is None
    if suggestions and incident.statement and open_now and incident.level != "isolated":
        unanswered = (m.conversation_id for m in members if m.conversation_id and not m.answered)
        waiting = list(dict.fromkeys(unanswered))
        customers = service.customers_of(session, incident, waiting)
        for case in waiting:  # in the order they wrote
            if case in customers and (text := service.reassurance(incident, customers[case])):
                page.suggestions[case] = text
    return page


def _members(session: Session, incident: Incident) -> list[Member]:
    answered = (
        select(func.count())
        .where(
            Message.conversation_id == IncidentMember.conversation_id,
            Message.direction == "outbound",
            Message.created_at >= IncidentMember.at,
        )
        .correlate(IncidentMember)
        .scalar_subquery()
    )
    evidence = (
        select(func.min(EvidenceRecord.seq))
        .where(
            and_(
                EvidenceRecord.message_id == IncidentMember.message_id,
                EvidenceRecord.capture == "first_seen",
            )
        )
        .correlate(IncidentMember)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            IncidentMember.message_id,
            IncidentMember.conversation_id,
            IncidentMember.at,
            Channel.platform,
            IncidentMember.lang,
            func.coalesce(Author.display_name, Author.handle, ""),
            Message.text,
            IncidentMember.sentiment,
            answered,
            evidence,
        )
        .join(Channel, Channel.id == IncidentMember.channel_id)
        .join(Message, Message.id == IncidentMember.message_id)
        .outerjoin(Author, Author.id == IncidentMember.author_id)
        .where(IncidentMember.incident_id == incident.id)
        .order_by(IncidentMember.at)
    ).all()
    return [
        Member(m, c, at, p, lang, author or "", text, s, bool(n), seq)
        for m, c, at, p, lang, author, text, s, n, seq in rows
    ]


def _trend(members: list[Member], zone: ZoneInfo) -> list[Day]:
    """By local day (the team's time zone)."""
    days: dict[date, list[Member]] = {}
    for member in members:
        days.setdefault(member.at.astimezone(zone).date(), []).append(member)
    return [
        Day(
            day,
            len(found),
            round(mean(scores), 2)
            if (scores := [m.sentiment for m in found if m.sentiment is not None])
            else None,
        )
        for day, found in sorted(days.items())
    ]


def in_period(session: Session, start: datetime, end: datetime, *, timezone: str) -> list[Page]:
    """Every pattern or problem with a complaint in [start, end), oldest first (at most
    ``LISTED``; the report says when there were more)."""
    numbers = session.scalars(
        select(Incident.number)
        .where(
            Incident.level != "isolated",
            Incident.first_at < end,
            Incident.last_at >= start,
        )
        .order_by(Incident.number)
        .limit(LISTED)
    ).all()
    return [detail(session, number, timezone=timezone, suggestions=False) for number in numbers]
