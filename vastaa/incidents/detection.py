"""Incident detection in near real time (R29), a task of the worker.

Each analysed inbound message is looked at once (``message.grouped_at``). A complaint (the
analysis says so, or it names a fault and is not praise) is embedded by the multilingual encoder
outside any transaction, then, in one short transaction, joins the open incident of its brand it
fits best (``grouping``) or starts one. An incident counts *people*: one is isolated, the
``incident_pattern``-th person (2) makes it a pattern and raises an alert, the
``incident_problem``-th (3) a problem, an incident the team works, with another alert. Two open
incidents that turn out alike are merged while nobody has started work on the younger one.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from vastaa.audit.models import AuditEntry
from vastaa.channels.models import Brand, Channel
from vastaa.clock import Clock
from vastaa.db import transaction
from vastaa.incidents import grouping
from vastaa.incidents.grouping import Catalogue, Complaint, Pool, Signature
from vastaa.incidents.models import (
    LEVELS,
    Incident,
    IncidentAlias,
    IncidentFollowUp,
    IncidentMember,
)
from vastaa.incidents.names import fault_name
from vastaa.incidents.spikes import SpikeWatch
from vastaa.messages.models import Message
from vastaa.sla.models import Alert

if TYPE_CHECKING:
    from vastaa.config import Settings

log = logging.getLogger(__name__)
BATCH = 32
ASSIGN_LOCK = 0x76617374_61610008  # "vastaa", incidents: any constant the app owns

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Thresholds:
    pattern: int = 2
    problem: int = 3
    window: timedelta = grouping.WINDOW

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(
            settings.incident_pattern,
            settings.incident_problem,
            timedelta(hours=settings.incident_window_hours),
        )

    def level(self, people: int) -> str:
        if people >= self.problem:
            return "problem"
        return "pattern" if people >= self.pattern else "isolated"


@dataclass
class Detector:
    """What detection keeps between rounds: the encoder (loaded at the first complaint) and each
    brand's product catalogue (rebuilt when the brand's products change)."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    embed: Embed | None = None
    spikes: SpikeWatch = field(default_factory=SpikeWatch)
    _catalogues: dict[uuid.UUID | None, tuple[str, Catalogue]] = field(default_factory=dict)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        if self.embed is None:
            from vastaa.analysis.encoder import Encoder

            self.embed = Encoder().embed
        return self.embed(texts)

    def catalogue(self, brand_id: uuid.UUID | None, products: dict[str, list[str]]) -> Catalogue:
        key = repr(sorted((products or {}).items()))
        cached = self._catalogues.get(brand_id)
        if cached is None or cached[0] != key:
            cached = (key, Catalogue(products))
            self._catalogues[brand_id] = cached
        return cached[1]


@dataclass(frozen=True)
class Candidate:
    message_id: uuid.UUID
    text: str
    at: datetime
    brand_id: uuid.UUID | None
    signature: Signature


def detect_pending(sessions: sessionmaker[Session], detector: Detector, *, clock: Clock) -> int:
    """One round: look at up to ``BATCH`` waiting messages; returns how many were looked at."""
    with transaction(sessions) as session:
        waiting = _waiting(session, detector)
    if not waiting:
        return 0
    looked, complaints = waiting
    vectors = detector.vectors([c.text for c in complaints]) if complaints else None
    with transaction(sessions) as session:
        now = clock()
        mine = _claim(session, looked, now)
        for n, candidate in enumerate(complaints):
            if candidate.message_id in mine and vectors is not None:
                assign(session, candidate, vectors[n], detector.thresholds, now=now)
    return len(looked)


def _waiting(
    session: Session, detector: Detector
) -> tuple[list[uuid.UUID], list[Candidate]] | None:
    rows = session.execute(
        select(
            Message.id,
            Message.text,
            Message.created_at,
            Message.analysis,
            Message.deleted_at,
            Message.lang,
            Channel.brand_id,
            Brand.products,
        )
        .join(Channel, Channel.id == Message.channel_id)
        .outerjoin(Brand, Brand.id == Channel.brand_id)
        .where(
            Message.grouped_at.is_(None),
            Message.direction == "inbound",
            Message.analyzed_at.is_not(None),
        )
        .order_by(Message.received_at)
        .limit(BATCH)
    ).all()
    if not rows:
        return None
    complaints = []
    for message_id, body, at, analysis, deleted_at, lang, brand_id, products in rows:
        catalogue = detector.catalogue(brand_id, products or {})
        found = grouping.signature(body, catalogue, lang)
        if deleted_at is None and is_complaint(analysis, found):
            complaints.append(Candidate(message_id, body, at, brand_id, found))
    return [row[0] for row in rows], complaints


def is_complaint(analysis: dict[str, Any] | None, found: Signature) -> bool:
    """A complaint by the analysis, or a message that names a fault and is not praise."""
    analysis = analysis or {}
    if "complaint" in (analysis.get("intents") or []):
        return True
    sentiment = (analysis.get("sentiment") or {}).get("label")
    return bool(found.faults or found.codes) and sentiment != "positive"


def _claim(session: Session, looked: list[uuid.UUID], now: datetime) -> set[uuid.UUID]:
    """Mark the messages looked at; those another worker marked first are left to it."""
    mine = set()
    for message_id in looked:
        marked = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.grouped_at.is_(None))
            .values(grouped_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(marked, "rowcount", 0) == 1:
            mine.add(message_id)
    return mine


def assign(
    session: Session,
    candidate: Candidate,
    vector: np.ndarray,
    thresholds: Thresholds,
    *,
    now: datetime,
) -> Incident:
    """Put one complaint into the incident it fits best, or a new one."""
    complaint = Complaint(candidate.message_id, candidate.at, vector, candidate.signature)
    serialize(session)
    open_ones = _open_incidents(session, candidate.brand_id, candidate.at, thresholds.window)
    pool = Pool.of([complaint, *(m for _, members in open_ones for m in members)])
    best: Incident | None = None
    score = grouping.THRESHOLD
    candidates = [(incident, members) for incident, members in open_ones if members]
    values = grouping.fits(complaint, [members for _, members in candidates], pool)
    for (incident, _), value in zip(candidates, values, strict=True):
        if value >= score:
            best, score = incident, value
    if best is None:
        best = _new_incident(session, candidate, now)
        score_value: float | None = None
    else:
        score_value = score
    _add_member(session, best, candidate, vector, score_value, now)
    refresh(session, best, thresholds, now)
    others = [(i, members) for i, members in open_ones if i is not best and members]
    return _merge_alike(session, best, others, pool, thresholds, now)


def serialize(session: Session) -> None:
    """One assignment (or correction by a person, ``regroup``) at a time: on PostgreSQL two
    workers would otherwise count one incident each without the other's complaint, or take the
    same incident number (SQLite's write lock, taken by the first write, already serialises
    them)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ASSIGN_LOCK})


def _open_incidents(
    session: Session, brand_id: uuid.UUID | None, at: datetime, window: timedelta
) -> list[tuple[Incident, list[Complaint]]]:
    incidents = session.scalars(
        select(Incident)
        .where(
            Incident.closed_at.is_(None),
            Incident.last_at >= at - window,
            Incident.first_at <= at + window,
            Incident.brand_id.is_(None) if brand_id is None else Incident.brand_id == brand_id,
        )
        .order_by(Incident.number)
    ).all()
    members = members_by_incident(session, [incident.id for incident in incidents])
    return [(incident, members.get(incident.id, [])) for incident in incidents]


def members_of(session: Session, incident_id: uuid.UUID) -> list[Complaint]:
    return members_by_incident(session, [incident_id]).get(incident_id, [])


def members_by_incident(
    session: Session, incident_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Complaint]]:
    """The complaints of several incidents, read at once, each incident's in time order."""
    found: dict[uuid.UUID, list[Complaint]] = {}
    if not incident_ids:
        return found
    rows = session.execute(
        select(
            IncidentMember.incident_id,
            IncidentMember.message_id,
            IncidentMember.at,
            IncidentMember.vector,
            IncidentMember.signature,
        )
        .where(IncidentMember.incident_id.in_(incident_ids))
        .order_by(IncidentMember.at)
    ).all()
    for incident_id, message_id, at, vector, signed_as in rows:
        if not vector:  # an erased complaint keeps its place in the counts, not its content
            continue
        found.setdefault(incident_id, []).append(
            Complaint(
                message_id,
                at,
                np.frombuffer(vector, dtype=np.float16).astype(np.float32),
                Signature.from_json(signed_as),
            )
        )
    return found


def _new_incident(session: Session, candidate: Candidate, now: datetime) -> Incident:
    return new_incident(session, candidate.brand_id, candidate.at, now)


def new_incident(
    session: Session, brand_id: uuid.UUID | None, at: datetime, now: datetime
) -> Incident:
    """An empty incident with the next number (one never given out, merged ones included)."""
    used = (select(func.max(table.number)) for table in (Incident, IncidentAlias))
    number = max(int(session.scalar(query) or 0) for query in used) + 1
    incident = Incident(
        number=number,
        brand_id=brand_id,
        first_at=at,
        last_at=at,
        faults=[],
        codes=[],
        statement={},
        fix_note={},
        review={},
        created_at=now,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    return incident


def _add_member(
    session: Session,
    incident: Incident,
    candidate: Candidate,
    vector: np.ndarray,
    score: float | None,
    now: datetime,
) -> None:
    message = session.get(Message, candidate.message_id)
    assert message is not None  # claimed in this transaction
    analysis = message.analysis or {}
    sentiment = analysis.get("sentiment") or {}
    session.add(
        IncidentMember(
            message_id=message.id,
            incident_id=incident.id,
            conversation_id=message.conversation_id,
            author_id=message.author_id,
            channel_id=message.channel_id,
            lang=message.lang or analysis.get("lang"),
            sentiment=signed(sentiment),
            at=candidate.at,
            joined_at=now,
            score=score,
            signature=candidate.signature.as_json(),
            vector=np.asarray(vector, dtype=np.float16).tobytes(),
        )
    )
    session.flush()


def signed(sentiment: dict[str, Any]) -> float | None:
    """Sentiment as one number in [-1, 1]: the analysis score, already negative for negative."""
    score = sentiment.get("score")
    if not isinstance(score, int | float) or isinstance(score, bool):
        return None
    return max(-1.0, min(1.0, float(score)))


def refresh(session: Session, incident: Incident, thresholds: Thresholds, now: datetime) -> None:
    """Counts, signature and level from the members; an alert when the level rises."""
    rows = session.execute(
        select(IncidentMember.message_id, IncidentMember.author_id, IncidentMember.at)
        .where(IncidentMember.incident_id == incident.id)
        .order_by(IncidentMember.at)
    ).all()
    signatures = [
        Signature.from_json(found)
        for found in session.scalars(
            select(IncidentMember.signature).where(IncidentMember.incident_id == incident.id)
        )
    ]
    incident.complaints = len(rows)
    incident.people = len({author or message for message, author, _ in rows})
    incident.first_at, incident.last_at = rows[0][2], rows[-1][2]
    products = Counter(p for s in signatures for p in s.products)
    faults = Counter(f for s in signatures for f in s.faults)
    codes = Counter(c for s in signatures for c in s.codes)
    incident.product = products.most_common(1)[0][0] if products else None
    incident.faults = [f for f, _ in faults.most_common(3)]
    incident.codes = [c for c, _ in codes.most_common(3)]
    if not incident.title:
        incident.title = describe(incident)
    incident.updated_at = now
    _raise_level(session, incident, thresholds.level(incident.people), now)


def describe(incident: Incident) -> str:
    """A first title, until someone writes a better one: "coffee maker: leak, E4"."""
    parts = [fault_name(f) for f in incident.faults[:2]] + list(incident.codes[:1])
    head = incident.product or ""
    return f"{head}: {', '.join(parts)}" if head and parts else head or ", ".join(parts)


def _raise_level(session: Session, incident: Incident, level: str, now: datetime) -> None:
    order = {name: n for n, name in enumerate(LEVELS)}
    if order[level] <= order[incident.level]:
        return
    incident.level = level
    if level in ("pattern", "problem") and incident.pattern_at is None:
        incident.pattern_at = now
    if level == "problem":
        incident.problem_at = now
    title = incident.title or f"#{incident.number}"
    text = f"{level.capitalize()}: {incident.people} people report #{incident.number} {title}"
    session.add(Alert(kind=f"incident_{level}", incident_id=incident.id, at=now, text=text[:300]))


def _merge_alike(
    session: Session,
    grown: Incident,
    others: list[tuple[Incident, list[Complaint]]],
    pool: Pool,
    thresholds: Thresholds,
    now: datetime,
) -> Incident:
    """Merge open incidents that now fit the grown one as a whole into the older of the two,
    while nobody works on the younger one; returns the incident the complaint is now in."""
    mine = members_of(session, grown.id)
    pending = others
    while pending:
        values = grouping.group_fits(mine, [theirs for _, theirs in pending], pool)
        for index, ((other, _), value) in enumerate(zip(pending, values, strict=True)):
            if value < grouping.THRESHOLD:
                continue
            survivor, absorbed = sorted((grown, other), key=lambda i: i.number)
            if not untouched(session, absorbed):
                continue
            merge(session, survivor, absorbed, thresholds, now)
            if absorbed is grown:
                return survivor
            # The grown incident has more members now: the rest are scored against them all.
            mine = members_of(session, grown.id)
            pending = pending[index + 1 :]
            break
        else:
            return grown
    return grown


def untouched(session: Session, incident: Incident) -> bool:
    """Nobody has done anything to it yet (no audited change, no follow-ups)."""
    changed = session.scalar(
        select(func.count()).where(
            AuditEntry.target_type == "incident", AuditEntry.target_id == str(incident.number)
        )
    )
    follow_ups = session.scalar(
        select(func.count()).where(IncidentFollowUp.incident_id == incident.id)
    )
    return incident.owner_id is None and not changed and not follow_ups


def merge(
    session: Session, survivor: Incident, absorbed: Incident, thresholds: Thresholds, now: datetime
) -> None:
    """Everything of ``absorbed`` (complaints, alerts, follow-ups) moves to ``survivor``; its
    number stays as an alias of the survivor."""
    for table in (IncidentMember, Alert, IncidentFollowUp, IncidentAlias):
        session.execute(
            update(table)
            .where(table.incident_id == absorbed.id)
            .values(incident_id=survivor.id)
            .execution_options(synchronize_session=False)
        )
    # What the absorbed one had reached stays reached: no second alert for it.
    order = {name: n for n, name in enumerate(LEVELS)}
    if order[absorbed.level] > order[survivor.level]:
        survivor.level = absorbed.level
        survivor.pattern_at = survivor.pattern_at or absorbed.pattern_at
        survivor.problem_at = survivor.problem_at or absorbed.problem_at
    session.delete(absorbed)
    session.flush()
    session.add(IncidentAlias(number=absorbed.number, incident_id=survivor.id, merged_at=now))
    session.flush()
    log.info("incident #%d merged into #%d", absorbed.number, survivor.number)
    refresh(session, survivor, thresholds, now)
