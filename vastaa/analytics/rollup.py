"""Keeping the daily rollups (models.py) true: recompute whole days from the source tables.

A day is recomputed from scratch (summed again from the messages and the conversations of that
day, then its rows replaced). What to recompute:

- everything: the first time, when the team's time zone changed (days move), after a change
  that can touch any day (``stale.everything``: an SLA policy added, a listening query
  removed), and once a day (SWEEP_EVERY) as a safety net;
- otherwise the days touched since the last refresh: the day of every message written,
  analysed or arrived since, the first day of every conversation changed, triaged, or whose
  deadline passed since (an unanswered conversation becomes an SLA miss with nothing written),
  and the days of the moments marked stale (``stale.mark``) by the few changes that leave no
  trace on the day they touch.

See docs/analytics.md. Concurrent refreshes (the worker and ``vastaa analytics refresh``) swap
their rows under one advisory lock on PostgreSQL; SQLite has one writer anyway.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from vastaa.analytics.models import (
    FRT_BUCKETS,
    AnalyticsStale,
    AnalyticsState,
    CaseSums,
    DailyAgents,
    DailyAgentTotals,
    DailyAreaTotals,
    DailyCases,
    DailyCaseTotals,
    DailyMessages,
    DailyMessageTotals,
)
from vastaa.bulk import one_of
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.listening.models import ListeningMatch
from vastaa.messages.models import Message
from vastaa.sla.service import Policies, deadline
from vastaa.triage.service import SLA_QUEUES

ROLLUP_LOCK = 0x76617374_61610010  # "vastaa", analytics: any constant the app owns
MARGIN = timedelta(minutes=5)  # a transaction may commit a little after the time it wrote
CHUNK_DAYS = 7  # a rebuild recomputes this many days per transaction
MARKS_PER_DELETE = 10_000  # within SQLite's limit of bound parameters
# Everything is recomputed once a day as well, in case a change neither leaves a trace on the day
# it touches nor marks it stale.
SWEEP_EVERY = timedelta(days=1)
SENT = ("sent", "pending")  # our replies that went, or are going, out
DONE = ("resolved", "closed")


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``, in UTC (days are 23 to 25 hours long)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days as (first, last) runs of at most CHUNK_DAYS."""
    ordered = sorted(set(days))
    start = previous = None
    for day in ordered:
        if start is None or previous is None:
            start = previous = day
        elif day == previous + timedelta(days=1) and (day - start).days < CHUNK_DAYS:
            previous = day
        else:
            yield start, previous
            start = previous = day
    if start is not None and previous is not None:
        yield start, previous


def refresh(sessions: sessionmaker[Session], *, now: datetime, timezone: str) -> int:
    """Bring the rollups up to ``now``; returns how many days were recomputed.

    Each run of days is summed in a read transaction, then swapped in by a short write
    transaction (SQLite has one writer: the inbox must not wait for the summing). What changes
    meanwhile carries a later time, so the next refresh sees it."""
    zone = ZoneInfo(timezone)
    with transaction(sessions) as session:
        state = session.get(AnalyticsState, 1)
        full = (
            state is None
            or state.timezone != timezone
            or state.refreshed_at is None
            or state.swept_at is None
            or now - state.swept_at >= SWEEP_EVERY
        )
        marked, stale_days = _stale(session, zone)
        days: Collection[date]
        if full:
            days = all_days(session, zone, now)
        else:
            assert state is not None and state.refreshed_at is not None
            since = state.refreshed_at - MARGIN
            days = changed_days(session, since=since, now=now, zone=zone) | stale_days
    for start, end in runs(days):
        with transaction(sessions) as session:
            sums = compute(session, start, end, zone=zone, now=now)
        with transaction(sessions) as session:
            _lock(session)
            replace(session, start, end, sums)
    with transaction(sessions) as session:
        _lock(session)
        if full:  # days outside the data (or of another time zone) go
            _keep_only(session, min(days, default=None), max(days, default=None))
        for chunk in range(0, len(marked), MARKS_PER_DELETE):
            done = marked[chunk : chunk + MARKS_PER_DELETE]
            session.execute(delete(AnalyticsStale).where(one_of(session, AnalyticsStale.id, done)))
        state = session.get(AnalyticsState, 1)
        if state is None:
            state = AnalyticsState(id=1)
            session.add(state)
        state.timezone, state.refreshed_at = timezone, now
        if full:
            state.swept_at = now
    return len(set(days))


def _stale(session: Session, zone: ZoneInfo) -> tuple[list[int], set[date]]:
    """The marks ``stale.mark`` left (deleted once their days are summed: by id, as a mark
    committed meanwhile may carry a lower one) and their days."""
    rows = session.execute(select(AnalyticsStale.id, AnalyticsStale.at)).all()
    return [id_ for id_, _ in rows], {local_day(at, zone) for _, at in rows}


def all_days(session: Session, zone: ZoneInfo, now: datetime) -> list[date]:
    first = session.scalar(select(func.min(Message.created_at)))
    if first is None:
        return []
    start, end = local_day(min(first, now), zone), local_day(now, zone)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def changed_days(session: Session, *, since: datetime, now: datetime, zone: ZoneInfo) -> set[date]:
    """The days touched since ``since``: of messages written, analysed, or arrived (replies the
    brand wrote on the platform itself are not analysed), and of conversations changed,
    triaged or past their deadline."""
    stamps: set[datetime] = set()
    for touched in (
        Message.created_at >= since,
        Message.analyzed_at >= since,
        and_(Message.analysis_tier.is_(None), Message.received_at >= since),
    ):
        stamps.update(session.scalars(select(Message.created_at).where(touched)))
    stamps.update(
        session.scalars(
            select(Conversation.first_message_at).where(
                or_(
                    Conversation.updated_at >= since,
                    Conversation.triaged_at >= since,
                    and_(Conversation.due_at >= since, Conversation.due_at <= now),
                )
            )
        )
    )
    return {local_day(at, zone) for at in stamps}


Rollup = (
    DailyMessages
    | DailyMessageTotals
    | DailyAreaTotals
    | DailyCases
    | DailyCaseTotals
    | DailyAgents
    | DailyAgentTotals
)
TABLES: tuple[type[Rollup], ...] = (
    DailyMessages,
    DailyMessageTotals,
    DailyAreaTotals,
    DailyCases,
    DailyCaseTotals,
    DailyAgents,
    DailyAgentTotals,
)
Sums = list[tuple[type[Rollup], list[dict[str, object]]]]


def compute(session: Session, first: date, last: date, *, zone: ZoneInfo, now: datetime) -> Sums:
    """The rows of the days ``first`` to ``last`` (both included), from the source tables."""
    since, until = day_start(first, zone), day_start(last + timedelta(days=1), zone)
    said, agents = _messages(session, since, until, zone)
    cases = _cases(session, since, until, zone, now)
    return [
        (DailyMessages, said),
        (DailyMessageTotals, coarser(said, ("day", "channel_id", "lang"), _names(_Said))),
        (DailyAreaTotals, coarser(said, ("day", "area"), _names(_Said))),
        (DailyCases, cases),
        (DailyCaseTotals, coarser(cases, ("day", "team_id"), list(CaseSums.__annotations__))),
        (DailyAgents, agents),
        (DailyAgentTotals, coarser(agents, ("day", "agent_id"), _names(_Agent))),
    ]


def coarser(
    rows: list[dict[str, object]], keys: tuple[str, ...], names: list[str]
) -> list[dict[str, object]]:
    """``rows``' sums ``names`` summed over every key not in ``keys`` (the coarse tables)."""
    summed: dict[tuple[object, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        into = summed.setdefault(key, dict(zip(keys, key, strict=True)) | dict.fromkeys(names, 0))
        for name in names:
            into[name] += row[name]
    return list(summed.values())


def _names(sums: type[_Said | _Agent]) -> list[str]:
    return [f.name for f in fields(sums)]


def replace(session: Session, first: date, last: date, sums: Sums) -> None:
    for table, rows in sums:
        session.execute(delete(table).where(table.day >= first, table.day <= last))
        if rows:
            session.execute(insert(table), rows)


def recompute(session: Session, first: date, last: date, *, zone: ZoneInfo, now: datetime) -> None:
    replace(session, first, last, compute(session, first, last, zone=zone, now=now))


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK})


def _keep_only(session: Session, first: date | None, last: date | None) -> None:
    for table in TABLES:
        if first is None or last is None:
            session.execute(delete(table))
        else:
            session.execute(delete(table).where(or_(table.day < first, table.day > last)))


# What was said, and what each agent did, by the day it was written.


@dataclass
class _Said:
    inbound: int = 0
    mentions: int = 0
    complaints: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0
    outbound: int = 0


@dataclass
class _Agent:
    replies: int = 0
    first_responses: int = 0
    frt_minutes: float = 0.0


def _messages(
    session: Session, since: datetime, until: datetime, zone: ZoneInfo
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    analysis = Message.analysis
    matched = exists().where(ListeningMatch.message_id == Message.id)
    rows = session.execute(
        select(
            Message.created_at,
            Message.channel_id,
            Message.direction,
            Message.kind,
            Message.lang,
            Message.delivery,
            Message.sent_by_id,
            analysis[("sentiment", "label")].as_string(),
            analysis[("sentiment", "score")].as_float(),
            analysis["problem_area"].as_string(),
            analysis["intents"],
            matched,
            Conversation.lang,
            Message.conversation_id,
            Conversation.first_response_at,
        )
        .outerjoin(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.created_at >= since, Message.created_at < until)
    )
    firsts: list[tuple[_Agent, uuid.UUID, datetime]] = []
    said: dict[tuple[date, uuid.UUID, str, str], _Said] = defaultdict(_Said)
    agents: dict[tuple[date, uuid.UUID, uuid.UUID, str], _Agent] = defaultdict(_Agent)
    for (
        at,
        channel_id,
        direction,
        kind,
        lang,
        delivery,
        sent_by,
        label,
        score,
        area,
        intents,
        is_match,
        case_lang,
        case_id,
        first_response,
    ) in rows:
        day = local_day(at, zone)
        if direction == "inbound":
            row = said[(day, channel_id, lang or case_lang or "", area or "")]
            row.inbound += 1
            row.mentions += kind == "mention" or bool(is_match)
            row.complaints += "complaint" in (intents or ())
            row.negative += label == "negative"
            row.neutral += label == "neutral"
            row.positive += label == "positive"
            if score is not None:
                row.sentiment_sum += float(score)
                row.sentiment_n += 1
            continue
        if delivery not in SENT or kind == "post":
            continue  # waiting for review, sent back, refused; or the brand's own post
        language = case_lang or lang or ""
        said[(day, channel_id, language, "")].outbound += 1
        if sent_by is None:
            continue
        agent = agents[(day, sent_by, channel_id, language)]
        agent.replies += 1
        if first_response is not None and first_response == at and case_id is not None:
            firsts.append((agent, case_id, at))
    asked_at = _first_inbound(
        session, one_of(session, Message.conversation_id, [c for _, c, _ in firsts])
    )
    for agent, case_id, at in firsts:
        if case_id in asked_at:
            agent.first_responses += 1
            agent.frt_minutes += max(0.0, (at - asked_at[case_id]) / timedelta(minutes=1))
    return (
        [
            {"day": d, "channel_id": c, "lang": lang, "area": area, **vars(row)}
            for (d, c, lang, area), row in said.items()
        ],
        [
            {"day": d, "agent_id": a, "channel_id": c, "lang": lang, **vars(row)}
            for (d, a, c, lang), row in agents.items()
        ],
    )


# The conversations, by the day they began.


@dataclass
class _Cases:
    cases: int = 0
    needing: int = 0
    answered: int = 0
    frt_minutes: float = 0.0
    frt: list[int] = field(default_factory=lambda: [0] * (len(FRT_BUCKETS) + 1))
    sla_met: int = 0
    sla_missed: int = 0
    resolved: int = 0
    resolution_minutes: float = 0.0
    tone_changes: int = 0
    tone_thanked: int = 0
    tone_left: int = 0

    def as_row(self) -> dict[str, object]:
        row = {k: v for k, v in vars(self).items() if k != "frt"}
        names = [f"frt_{limit}" for limit in FRT_BUCKETS] + ["frt_more"]
        return row | dict(zip(names, self.frt, strict=True))


def _cases(
    session: Session, since: datetime, until: datetime, zone: ZoneInfo, now: datetime
) -> list[dict[str, object]]:
    in_range = and_(Conversation.first_message_at >= since, Conversation.first_message_at < until)
    resolved_at = _resolved_at(session, in_range)
    # An IN over the range's conversations: joined instead, SQLite walks every message.
    asked_at = _first_inbound(
        session, Message.conversation_id.in_(select(Conversation.id).where(in_range))
    )
    policies = Policies.load(session)
    rows = session.execute(
        select(
            Conversation.id,
            Conversation.channel_id,
            Conversation.lang,
            Conversation.team_id,
            Conversation.status,
            Conversation.queue,
            Conversation.priority,
            Conversation.first_message_at,
            Conversation.first_response_at,
            Conversation.last_outbound_at,
            Conversation.tone_changed_at,
            Conversation.updated_at,
        ).where(in_range)
    )
    sums: dict[tuple[date, uuid.UUID, str, uuid.UUID | None], _Cases] = defaultdict(_Cases)
    for (
        case_id,
        channel_id,
        lang,
        team_id,
        status,
        queue,
        priority,
        began,
        first_response,
        last_out,
        tone_at,
        updated,
    ) in rows:
        row = sums[(local_day(began, zone), channel_id, lang or "", team_id)]
        row.cases += 1
        waiting = queue in SLA_QUEUES and status not in DONE
        if first_response is not None or waiting:
            # The clock runs from the customer's first message, as triage's does (a case that
            # began with our direct message waits for them first).
            asked = asked_at.get(case_id, began)
            row.needing += 1
            due = deadline(policies.match(channel_id, priority), asked, first=True)
            if first_response is not None:
                _answered(row, (first_response - asked) / timedelta(minutes=1))
                if due is not None:
                    row.sla_met += first_response <= due
                    row.sla_missed += first_response > due
            elif due is not None and due < now:
                row.sla_missed += 1
        if status in DONE:
            row.resolved += 1
            done_at = resolved_at.get(case_id) or updated or began
            row.resolution_minutes += max(0.0, (done_at - began) / timedelta(minutes=1))
        if tone_at is not None:
            row.tone_changes += 1
            if last_out is not None and last_out > tone_at:
                row.tone_thanked += 1
            elif status in DONE:
                row.tone_left += 1
    return [
        {"day": d, "channel_id": c, "lang": lang, "team_id": team, **row.as_row()}
        for (d, c, lang, team), row in sums.items()
    ]


def _answered(row: _Cases, minutes: float) -> None:
    minutes = max(0.0, minutes)
    row.answered += 1
    row.frt_minutes += minutes
    bucket = next((n for n, limit in enumerate(FRT_BUCKETS) if minutes <= limit), -1)
    row.frt[bucket] += 1


def _first_inbound(session: Session, which: ColumnElement[bool]) -> dict[uuid.UUID, datetime]:
    """When the customer first wrote, in each conversation ``which`` selects."""
    rows = session.execute(
        select(Message.conversation_id, func.min(Message.created_at))
        .where(which, Message.direction == "inbound")
        .group_by(Message.conversation_id)
    )
    return {case_id: at for case_id, at in rows if case_id is not None}


def _resolved_at(session: Session, in_range: ColumnElement[bool]) -> dict[uuid.UUID, datetime]:
    """When each resolved conversation of the range was last resolved or closed."""
    events = session.execute(
        select(ConversationEvent.conversation_id, ConversationEvent.at, ConversationEvent.data)
        .join(Conversation, Conversation.id == ConversationEvent.conversation_id)
        .where(in_range, Conversation.status.in_(DONE), ConversationEvent.kind == "status")
        .order_by(ConversationEvent.at)
    )
    found: dict[uuid.UUID, datetime] = {}
    for case_id, at, data in events:
        if (data or {}).get("to") in DONE:
            found[case_id] = at
    return found
