"""What the analytics dashboard, its CSV and the weekly report show (R31), read from the daily
rollups (and, for what is true now, the backlog, from the conversations themselves)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from vastaa.accounts.models import Team, User
from vastaa.analytics.models import (
    FRT_BUCKETS,
    AnalyticsState,
    DailyAgents,
    DailyAgentTotals,
    DailyAreaTotals,
    DailyCases,
    DailyCaseTotals,
    DailyMessages,
    SaidSums,
)
from vastaa.analytics.models import DailyMessageTotals as Said
from vastaa.analytics.rollup import day_start
from vastaa.channels.models import Channel
from vastaa.channels.registry import Registry
from vastaa.clock import parse_day
from vastaa.conversations.models import Conversation
from vastaa.incidents.models import Incident
from vastaa.listening.queries import Coverage, coverage
from vastaa.triage.service import SLA_QUEUES

LONGEST = 366  # days one view may cover
TOP_AREAS = 8


@dataclass(frozen=True)
class Filters:
    start: date  # both days included, in the team's time zone
    end: date
    channel_id: uuid.UUID | None = None
    lang: str | None = None

    @property
    def whole(self) -> bool:
        """Neither a channel nor a language is asked for: the coarse rollups answer."""
        return self.channel_id is None and self.lang is None

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def previous(self) -> Filters:
        """The same number of days just before (for the weekly report's comparison)."""
        length = (self.end - self.start).days + 1
        return Filters(
            self.start - timedelta(days=length),
            self.start - timedelta(days=1),
            self.channel_id,
            self.lang,
        )


def filters(
    start: str, end: str, channel: str, lang: str, *, today: date, days: int = 30
) -> Filters:
    """Filters from the page's query string; raises ValueError on a bad date or channel."""
    last = parse_day(end) if end else today
    first = parse_day(start) if start else last - timedelta(days=days - 1)
    if first > last:
        raise ValueError("the start is after the end")
    if (last - first).days >= LONGEST:
        raise ValueError(f"at most {LONGEST} days at a time")
    channel_id = uuid.UUID(channel) if channel else None
    return Filters(first, last, channel_id, lang.strip()[:8] or None)


@dataclass
class Totals:
    inbound: int = 0
    mentions: int = 0
    complaints: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0
    outbound: int = 0
    cases: int = 0
    needing: int = 0
    answered: int = 0
    frt_minutes: float = 0.0
    sla_met: int = 0
    sla_missed: int = 0
    resolved: int = 0
    resolution_minutes: float = 0.0
    tone_changes: int = 0
    tone_thanked: int = 0
    tone_left: int = 0

    @property
    def sentiment(self) -> float | None:
        return self.sentiment_sum / self.sentiment_n if self.sentiment_n else None

    @property
    def negative_share(self) -> float | None:
        judged = self.negative + self.neutral + self.positive
        return self.negative / judged if judged else None

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.needing if self.needing else None

    @property
    def frt(self) -> float | None:
        """Mean first response time, in minutes."""
        return self.frt_minutes / self.answered if self.answered else None

    @property
    def sla_share(self) -> float | None:
        judged = self.sla_met + self.sla_missed
        return self.sla_met / judged if judged else None

    @property
    def resolution(self) -> float | None:
        """Mean time from the first message to resolved, in minutes."""
        return self.resolution_minutes / self.resolved if self.resolved else None

    @property
    def tone_waiting(self) -> int:
        return self.tone_changes - self.tone_thanked - self.tone_left


@dataclass(frozen=True)
class Day:
    day: date
    inbound: dict[str, int]  # per channel label
    negative: int
    neutral: int
    positive: int
    sentiment: float | None
    cases: int
    answered: int
    frt: float | None


@dataclass(frozen=True)
class Group:
    """One team's or one agent's figures."""

    name: str
    cases: int = 0
    answered: int = 0
    frt: float | None = None
    sla_share: float | None = None
    resolved: int = 0
    replies: int = 0
    open_now: int = 0


@dataclass(frozen=True)
class Area:
    area: str
    inbound: int
    complaints: int
    negative: int


@dataclass
class Dashboard:
    filters: Filters
    totals: Totals
    days: list[Day]
    channels: list[str]  # the labels of channels with messages, most first
    frt_histogram: list[int]  # per FRT_BUCKETS, then "more"
    teams: list[Group]
    agents: list[Group]
    areas: list[Area]
    incidents: list[tuple[date, int, int]]  # day, incidents that became patterns, problems
    backlog: dict[str, int]  # per queue, now
    oldest_waiting: datetime | None
    channel_counts: dict[uuid.UUID, tuple[int, int]]  # inbound, mentions (the coverage gap)
    refreshed_at: datetime | None
    since: datetime  # the first day's start, UTC
    until: datetime  # the day after the last's start, UTC
    languages: list[str] = field(default_factory=list)
    labels: dict[uuid.UUID, str] = field(default_factory=dict)  # every channel's name

    def gap(self, session: Session, registry: Registry) -> Coverage:
        """The coverage gap of the period (R2), from the daily sums."""
        return coverage(
            session, registry, since=self.since, until=self.until, counts=self.channel_counts
        )


def dashboard(session: Session, wanted: Filters, *, timezone: str) -> Dashboard:
    zone = ZoneInfo(timezone)
    labels = channel_labels(session)
    said, cases = _said(session, wanted), _cases(session, wanted)
    days, channels = _days(said, cases, wanted, labels)
    waiting = _waiting(session, wanted)
    return Dashboard(
        filters=wanted,
        totals=_totals(said, cases),
        days=days,
        channels=channels,
        frt_histogram=[int(n) for n in _summed(cases, HISTOGRAM).values()],
        teams=_teams(session, cases),
        agents=_agents(session, wanted, waiting),
        areas=_areas(session, wanted),
        incidents=_incidents(session, wanted, zone),
        backlog=waiting.per_queue,
        oldest_waiting=waiting.oldest,
        channel_counts=_channel_counts(said),
        refreshed_at=session.scalar(select(AnalyticsState.refreshed_at)),
        since=day_start(wanted.start, zone),
        until=day_start(wanted.end + timedelta(days=1), zone),
        languages=_languages(session),
        labels=labels,
    )


def channel_labels(session: Session) -> dict[uuid.UUID, str]:
    """Each channel's name as people know it; one name shared by two channels gets the
    platform and account too, so that charts, filters and the CSV tell them apart."""
    rows = session.execute(
        select(Channel.id, Channel.platform, Channel.account, Channel.name)
    ).all()
    names = Counter(name for _, _, _, name in rows if name)
    return {
        channel_id: (
            name
            if name and names[name] == 1
            else f"{name} ({platform}:{account})"
            if name
            else f"{platform}:{account}"
        )
        for channel_id, platform, account, name in rows
    }


def _where(table: Any, wanted: Filters) -> ColumnElement[bool]:
    terms = [table.day >= wanted.start, table.day <= wanted.end]
    if wanted.channel_id is not None:
        terms.append(table.channel_id == wanted.channel_id)
    if wanted.lang is not None:
        terms.append(table.lang == wanted.lang)
    return and_(*terms)


SAID_SUMS = tuple(SaidSums.__annotations__)  # inbound, mentions, ..., outbound
CASE_SUMS = (
    "cases",
    "needing",
    "answered",
    "frt_minutes",
    "sla_met",
    "sla_missed",
    "resolved",
    "resolution_minutes",
    "tone_changes",
    "tone_thanked",
    "tone_left",
)


HISTOGRAM = (*(f"frt_{limit}" for limit in FRT_BUCKETS), "frt_more")
# A rollup's sums in the period, one row per day and one more key (a channel, or a team).
Row = tuple[date, uuid.UUID | None, dict[str, Any]]
Rows = list[Row]


def _rows(session: Session, table: Any, key: Any, names: Sequence[str], wanted: Filters) -> Rows:
    sums = (func.sum(getattr(table, name)) for name in names)
    query = select(table.day, key, *sums).where(_where(table, wanted)).group_by(table.day, key)
    found = session.execute(query)
    return [(row[0], row[1], dict(zip(names, row[2:], strict=True))) for row in found]


def _said(session: Session, wanted: Filters) -> Rows:
    """What was said, per day and channel: one read of the coarse table for the whole page."""
    return _rows(session, Said, Said.channel_id, SAID_SUMS, wanted)


def _cases(session: Session, wanted: Filters) -> Rows:
    """What became of the cases, per day and team: one read for the whole page, of the per-team
    totals where no channel or language is asked for."""
    table: Any = DailyCaseTotals if wanted.whole else DailyCases
    return _rows(session, table, table.team_id, (*CASE_SUMS, *HISTOGRAM), wanted)


def _summed(rows: Rows, names: Sequence[str]) -> dict[str, Any]:
    return {name: sum(values[name] for _, _, values in rows) for name in names}


def totals_of(session: Session, wanted: Filters) -> Totals:
    return _totals(_said(session, wanted), _cases(session, wanted))


def _totals(said: Rows, cases: Rows) -> Totals:
    return Totals(**_summed(said, SAID_SUMS), **_summed(cases, CASE_SUMS))


def _days(
    said: Rows, cases: Rows, wanted: Filters, labels: dict[uuid.UUID, str]
) -> tuple[list[Day], list[str]]:
    inbound: dict[date, dict[str, int]] = {}
    per_channel: dict[str, int] = {}
    for day, channel_id, values in said:
        if n := int(values["inbound"]):
            label = labels.get(channel_id, str(channel_id)) if channel_id else ""
            inbound.setdefault(day, {})[label] = n
            per_channel[label] = per_channel.get(label, 0) + n
    moods = {day: _summed(rows, MOODS) for day, rows in _grouped(said, lambda r: r[0]).items()}
    answers = {day: _summed(rows, ANSWERS) for day, rows in _grouped(cases, lambda r: r[0]).items()}
    silent, unasked = _summed([], MOODS), _summed([], ANSWERS)
    days = []
    for day in wanted.days:
        mood, answer = moods.get(day, silent), answers.get(day, unasked)
        days.append(
            Day(
                day=day,
                inbound=inbound.get(day, {}),
                negative=int(mood["negative"]),
                neutral=int(mood["neutral"]),
                positive=int(mood["positive"]),
                sentiment=_ratio(mood["sentiment_sum"], mood["sentiment_n"]),
                cases=int(answer["cases"]),
                answered=int(answer["answered"]),
                frt=_ratio(answer["frt_minutes"], answer["answered"]),
            )
        )
    channels = sorted(per_channel, key=lambda label: (-per_channel[label], label))
    return days, channels


MOODS = ("negative", "neutral", "positive", "sentiment_sum", "sentiment_n")
ANSWERS = ("cases", "answered", "frt_minutes")
K = TypeVar("K")


def _grouped(rows: Rows, key: Callable[[Row], K]) -> dict[K, Rows]:
    found: dict[K, Rows] = {}
    for row in rows:
        found.setdefault(key(row), []).append(row)
    return found


def _ratio(total: float, count: float) -> float | None:
    return float(total) / count if count else None


def _teams(session: Session, cases: Rows) -> list[Group]:
    names: dict[uuid.UUID, str] = dict(session.execute(select(Team.id, Team.name)).all())
    groups = []
    for name, rows in _grouped(cases, lambda row: names.get(row[1], "") if row[1] else "").items():
        sums = _summed(rows, CASE_SUMS)
        met, missed = int(sums["sla_met"]), int(sums["sla_missed"])
        groups.append(
            Group(
                name=name,
                cases=int(sums["cases"]),
                answered=int(sums["answered"]),
                frt=_ratio(sums["frt_minutes"], sums["answered"]),
                sla_share=_ratio(met, met + missed),
                resolved=int(sums["resolved"]),
            )
        )
    return sorted(groups, key=lambda group: (group.name == "", -group.cases, group.name))


def _agents(session: Session, wanted: Filters, waiting: Waiting) -> list[Group]:
    """Per agent: replies and first responses in the period, and conversations open now. The
    per-agent totals are read where no channel or language is asked for."""
    table: Any = DailyAgentTotals if wanted.whole else DailyAgents
    rows = session.execute(
        select(
            table.agent_id,
            func.sum(table.replies),
            func.sum(table.first_responses),
            func.sum(table.frt_minutes),
        )
        .where(_where(table, wanted))
        .group_by(table.agent_id)
    ).all()
    open_now = dict(waiting.per_agent)
    names = dict(
        session.execute(
            select(User.id, User.display_name).where(
                User.id.in_([row[0] for row in rows] + list(open_now))
            )
        ).all()
    )
    groups = [
        Group(
            name=names.get(user_id, "?"),
            replies=int(replies),
            answered=int(firsts),
            frt=float(minutes) / int(firsts) if firsts else None,
            open_now=open_now.pop(user_id, 0),
        )
        for user_id, replies, firsts, minutes in rows
    ]
    groups += [Group(name=names.get(i, "?"), open_now=n) for i, n in open_now.items()]
    return sorted(groups, key=lambda group: (-group.replies, -group.open_now, group.name))


@dataclass(frozen=True)
class Waiting:
    """The backlog now: per view, per assigned agent, and since when the oldest waits."""

    per_queue: dict[str, int]
    per_agent: dict[uuid.UUID, int]
    oldest: datetime | None


def _waiting(session: Session, wanted: Filters) -> Waiting:
    """One pass over the conversations waiting for an answer now, in the order of
    ix_conversation_waiting, which holds every column read (neither the table nor a sort is
    needed). The channel and language are picked here, not in SQL, where SQLite would take a
    worse index; the days do not apply."""
    per_queue = dict.fromkeys(SLA_QUEUES, 0)
    per_agent: dict[uuid.UUID, int] = {}
    oldest: datetime | None = None
    order = (
        Conversation.queue,
        Conversation.status,
        Conversation.assignee_id,
        Conversation.channel_id,
        Conversation.lang,
    )
    for queue, _, agent, channel_id, lang, n, since in session.execute(
        select(*order, func.count(), func.min(Conversation.last_inbound_at))
        .where(
            Conversation.queue.in_(SLA_QUEUES),
            Conversation.status.not_in(("resolved", "closed")),
        )
        .group_by(*order)
    ):
        if wanted.channel_id not in (None, channel_id) or wanted.lang not in (None, lang):
            continue
        per_queue[queue] = per_queue.get(queue, 0) + int(n)
        if agent is not None:
            per_agent[agent] = per_agent.get(agent, 0) + int(n)
        if since is not None and (oldest is None or since < oldest):
            oldest = since
    return Waiting(per_queue, per_agent, oldest)


def _areas(session: Session, wanted: Filters) -> list[Area]:
    """The problem areas most complained about: of the per-area totals where no channel or
    language is asked for."""
    table: Any = DailyAreaTotals if wanted.whole else DailyMessages
    sums = (func.sum(table.inbound), func.sum(table.complaints), func.sum(table.negative))
    named = and_(_where(table, wanted), table.area != "")
    rows = session.execute(select(table.area, *sums).where(named).group_by(table.area)).all()
    areas = [Area(area, int(n), int(c), int(neg)) for area, n, c, neg in rows if n]
    areas.sort(key=lambda area: (-area.complaints, -area.negative, -area.inbound, area.area))
    return areas[:TOP_AREAS]


def _incidents(session: Session, wanted: Filters, zone: ZoneInfo) -> list[tuple[date, int, int]]:
    """Per day: incidents that became a pattern, and that became a problem (all channels)."""
    since, until = day_start(wanted.start, zone), day_start(wanted.end + timedelta(days=1), zone)
    counts = {day: [0, 0] for day in wanted.days}
    for column, slot in ((Incident.pattern_at, 0), (Incident.problem_at, 1)):
        for at in session.scalars(select(column).where(column >= since, column < until)):
            if at is not None:
                counts[at.astimezone(zone).date()][slot] += 1
    return [(day, pattern, problem) for day, (pattern, problem) in counts.items()]


def _channel_counts(said: Rows) -> dict[uuid.UUID, tuple[int, int]]:
    counts: dict[uuid.UUID, tuple[int, int]] = {}
    for _, channel_id, values in said:
        if channel_id is not None:
            n, mentions = counts.get(channel_id, (0, 0))
            counts[channel_id] = (n + int(values["inbound"]), mentions + int(values["mentions"]))
    return {channel_id: pair for channel_id, pair in counts.items() if pair[0]}


def _languages(session: Session) -> list[str]:
    found = session.scalars(select(Said.lang).where(Said.lang != "").distinct()).all()
    return sorted(found)


def csv_rows(session: Session, wanted: Filters) -> tuple[list[str], list[list[object]]]:
    """One row per day, channel and language: what was said and what became of the cases."""
    labels = channel_labels(session)
    said: dict[tuple[date, uuid.UUID, str], list[Any]] = {}
    for row in session.execute(
        select(
            Said.day, Said.channel_id, Said.lang, *(func.sum(getattr(Said, n)) for n in SAID_SUMS)
        )
        .where(_where(Said, wanted))
        .group_by(Said.day, Said.channel_id, Said.lang)
    ):
        said[(row[0], row[1], row[2])] = list(row[3:])
    cases: dict[tuple[date, uuid.UUID, str], list[Any]] = {}
    for row in session.execute(
        select(
            DailyCases.day,
            DailyCases.channel_id,
            DailyCases.lang,
            *(func.sum(getattr(DailyCases, n)) for n in CASE_SUMS),
        )
        .where(_where(DailyCases, wanted))
        .group_by(DailyCases.day, DailyCases.channel_id, DailyCases.lang)
    ):
        cases[(row[0], row[1], row[2])] = list(row[3:])
    header = ["day", "channel", "language", *SAID_SUMS, *CASE_SUMS]
    rows: list[list[object]] = []
    for key in sorted(said.keys() | cases.keys(), key=lambda k: (k[0], labels.get(k[1], ""), k[2])):
        day, channel_id, lang = key
        values = said.get(key, [0] * len(SAID_SUMS)) + cases.get(key, [0] * len(CASE_SUMS))
        rows.append([day.isoformat(), labels.get(channel_id, str(channel_id)), lang, *values])
    return header, rows


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def as_json(board: Dashboard) -> dict[str, object]:
    """The dashboard for scripts (``vastaa analytics show``; documented in docs/analytics.md)."""
    t, f = board.totals, board.filters
    return {
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "channel_id": str(f.channel_id) if f.channel_id else None,
        "lang": f.lang,
        "refreshed_at": board.refreshed_at.isoformat() if board.refreshed_at else None,
        "totals": {
            **{name: getattr(t, name) for name in SAID_SUMS if name != "sentiment_sum"},
            **{name: getattr(t, name) for name in CASE_SUMS if not name.endswith("_minutes")},
            "mean_sentiment": _rounded(t.sentiment),
            "negative_share": _rounded(t.negative_share),
            "answered_share": _rounded(t.answered_share),
            "mean_first_response_minutes": _rounded(t.frt, 1),
            "sla_share": _rounded(t.sla_share),
            "mean_resolution_minutes": _rounded(t.resolution, 1),
            "tone_waiting": t.tone_waiting,
        },
        "first_response_buckets": dict(
            zip([*(str(limit) for limit in FRT_BUCKETS), "more"], board.frt_histogram, strict=True)
        ),
        "backlog": board.backlog,
        "days": [
            {
                "day": day.day.isoformat(),
                "inbound": sum(day.inbound.values()),
                "negative": day.negative,
                "neutral": day.neutral,
                "positive": day.positive,
                "mean_sentiment": _rounded(day.sentiment),
                "cases": day.cases,
                "answered": day.answered,
                "mean_first_response_minutes": _rounded(day.frt, 1),
            }
            for day in board.days
        ],
        "areas": [vars(area) for area in board.areas],
        "teams": [
            {
                "team": group.name or None,
                "cases": group.cases,
                "answered": group.answered,
                "mean_first_response_minutes": _rounded(group.frt, 1),
                "sla_share": _rounded(group.sla_share),
                "resolved": group.resolved,
            }
            for group in board.teams
        ],
        "agents": [
            {
                "agent": group.name,
                "replies": group.replies,
                "first_responses": group.answered,
                "mean_first_response_minutes": _rounded(group.frt, 1),
                "waiting_now": group.open_now,
            }
            for group in board.agents
        ],
        "incidents": [
            {"day": day.isoformat(), "patterns": patterns, "problems": problems}
            for day, patterns, problems in board.incidents
        ],
    }
