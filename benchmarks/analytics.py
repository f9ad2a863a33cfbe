"""Analytics dashboard latency with a million messages, on SQLite and PostgreSQL.

The database is the inbox benchmark's (benchmarks/inbox.py: triaged conversations over a year on
six channels, in fi/tr/en), with what the analytics read added: the analysis of every customer
message, our replies (by 20 agents), first response times, teams, resolutions with their status
events, tone changes and listening matches. 1,000,000 messages in all: three from the customer in
each of 250,000 conversations and 250,000 replies. Then:

- the daily rollups are built from empty (`rollup.refresh`, the one-off cost after an upgrade),
  then refreshed after ~200 of today's messages were analysed again (what the worker does);
- each kind of dashboard request (`queries.dashboard`, what the page shows) runs many times,
  and, where the web app has the page, the whole request through it (`GET /analytics` as a
  logged-in supervisor) and the CSV export; the report gives p50 and p95 per kind.

    python benchmarks/analytics.py [--messages 1000000] [--repeat 30] [--only sqlite] [--write]
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inbox  # noqa: E402
from inbox import NOW, PHRASES, build, percentile  # noqa: E402
from ingest import _cpu, ensure_database, fresh_engine  # noqa: E402
from sqlalchemy import Engine, func, select, update  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from vastaa.accounts.models import Team, User  # noqa: E402
from vastaa.accounts.service import add_user  # noqa: E402
from vastaa.analysis.records import ABUSE_KINDS, Abuse, Analysis, Sentiment  # noqa: E402
from vastaa.analytics import queries, rollup  # noqa: E402
from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.bulk import bulk_insert, one_of  # noqa: E402
from vastaa.channels.models import Channel  # noqa: E402
from vastaa.config import Settings  # noqa: E402
from vastaa.conversations.models import Conversation, ConversationEvent  # noqa: E402
from vastaa.db import Base, make_sessionmaker, new_id, transaction  # noqa: E402
from vastaa.listening.models import ListeningMatch, ListeningQuery  # noqa: E402
from vastaa.messages.models import Message  # noqa: E402

TIMEZONE = "Europe/Helsinki"
TEAMS = (("Suomi", False), ("Türkiye", False), ("Specialists", True))
# What the analyser says of each phrase of inbox.PHRASES (the same order in every language):
# sentiment, intents, problem area.
MEANINGS: list[tuple[str, list[str], str | None]] = [
    ("negative", ["complaint"], "product"),
    ("negative", ["complaint"], "delivery"),
    ("positive", ["praise"], None),
    ("neutral", ["question"], "delivery"),
    ("negative", ["complaint"], "billing"),
    ("positive", ["praise"], "product"),
    ("negative", ["complaint", "question"], "service"),
    ("negative", ["question"], "instructions"),
]
# How likely a conversation in each view is to have had a reply from us.
ANSWERED = {
    "resolved": 0.9,
    "waiting": 1.0,
    "needs_reply": 0.15,
    "praise": 0.5,
    "moderation": 0.05,
    "leave_alone": 0.05,
    "follow_up": 0.9,
    "escalated": 0.6,
    "snoozed": 0.8,
}
REPLIES = {
    "fi": ["Kiitos viestistä, selvitämme asian heti.", "Pahoittelut viivästyksestä!"],
    "tr": ["Mesajınız için teşekkürler, hemen inceliyoruz.", "Gecikme için özür dileriz!"],
    "en": ["Thanks for letting us know, we are on it.", "Sorry for the delay!"],
}


def prepare(engine: Engine, messages: int, seed: int = 12) -> int:
    """The inbox benchmark's data with what the analytics read; returns the messages made."""
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        teams = [Team(name=name, escalation=special, created_at=NOW) for name, special in TEAMS]
        listening = ListeningQuery(
            name="Kide", expression="kide", languages=[], created_at=NOW, updated_at=NOW
        )
        session.add_all([*teams, listening])
        session.flush()
        filler = Filler(random.Random(seed), [team.id for team in teams], listening.id)
    conversations = messages // 4
    # The builder's rows get what they lack as they are written: updating a million messages
    # afterwards costs more than building them (on PostgreSQL every update recomputes the
    # search vector and writes every index again).
    with patch.object(inbox, "bulk_insert", filler.insert):
        build(engine, conversations * 3)  # three messages from the customer in each
    return conversations * 3 + filler.replies


class Filler:
    """Adds to the inbox builder's rows what the analytics read: the analysis of each customer
    message, our replies (as many as conversations), teams, resolutions with their status
    events, tone changes and listening matches."""

    def __init__(self, rng: random.Random, teams: list[uuid.UUID], query_id: uuid.UUID) -> None:
        self.rng, self.teams, self.query_id = rng, teams, query_id
        self.agents: list[uuid.UUID] = []
        self.toxic: dict[uuid.UUID, bool] = {}  # the chunk's conversations
        self.later: list[tuple[type[Base], list[dict[str, Any]]]] = []
        self.replies = 0

    def insert(self, session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
        if model is Conversation:
            self._conversations(session, rows)
        elif model is Message:
            self._messages(session, rows)
        else:
            bulk_insert(session, model, rows)

    def _conversations(self, session: Session, cases: list[dict[str, Any]]) -> None:
        rng = self.rng
        if not self.agents:
            query = select(User.id).where(User.role == "agent").order_by(User.username)
            self.agents = list(session.scalars(query))
        # One reply for each answered conversation, the rest as second (or third) replies.
        answered = [case["id"] for case in cases if rng.random() < ANSWERED[case["queue"]]]
        count = Counter(answered)
        for _ in range(len(cases) - len(answered) if answered else 0):
            count[rng.choice(answered)] += 1
        replies: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for case in cases:
            lang = case["lang"] or "en"
            began, last = case["first_message_at"], case["last_message_at"]
            times = _reply_times(rng, began, last, count[case["id"]])
            agent = case["assignee_id"]
            for n, at in enumerate(times):
                by = (agent or rng.choice(self.agents)) if rng.random() < 0.98 else None  # API
                replies.append(
                    {
                        "id": new_id(),
                        "channel_id": case["channel_id"],
                        "external_id": f"{case['thread_key']}-r{n}",
                        "conversation_id": case["id"],
                        "direction": "outbound",
                        "kind": "reply" if case["public"] else "direct_message",
                        "public": case["public"],
                        "text": rng.choice(REPLIES[lang]),
                        "lang": lang,
                        "created_at": at,
                        "received_at": at,
                        "thread_key": case["thread_key"],
                        "content_hash": uuid.uuid4().hex,
                        "delivery": "sent",
                        "sent_by_id": by,
                    }
                )
            last = max([last, *times])
            case["updated_at"], case["tone_changed_at"] = last, None
            if rng.random() < 0.03:  # the customer's second message turned the tone
                case["tone_changed_at"] = began + timedelta(hours=1)
                events.append(_event(case["id"], began + timedelta(hours=1), None, "tone_change"))
            if case["status"] == "resolved":
                case["updated_at"] = _by_now(rng, last, _minutes(rng, 180, 1.2))
                if rng.random() < 0.75:  # the rest were resolved before events were kept
                    data = {"from": "open", "to": "resolved"}
                    events.append(_event(case["id"], case["updated_at"], agent, "status", data))
            case["team_id"] = _team(rng, case["queue"], lang, self.teams)
            case["first_response_at"] = times[0] if times else None
            case["last_outbound_at"] = times[-1] if times else None
            case["message_count"] = 3 + len(times)
            case["last_message_at"] = last
            self.toxic[case["id"]] = case["toxic"]
        bulk_insert(session, Conversation, cases)
        self.later = [(Message, replies), (ConversationEvent, events)]
        self.replies += len(replies)

    def _messages(self, session: Session, rows: list[dict[str, Any]]) -> None:
        rng = self.rng
        matches = []
        for row in rows:
            toxic = self.toxic[row["conversation_id"]]
            row["analysis"] = analysis(rng, row["text"], row["lang"], toxic)
            row["analyzed_at"] = row["created_at"] + timedelta(seconds=rng.randrange(2, 60))
            row["analysis_tier"] = "full"
            if rng.random() < 0.04:
                matches.append(
                    {"message_id": row["id"], "query_id": self.query_id, "matched_at": NOW}
                )
        bulk_insert(session, Message, rows)
        after: list[tuple[type[Base], list[dict[str, Any]]]] = [
            *self.later,
            (ListeningMatch, matches),
        ]
        for model, more in after:
            bulk_insert(session, model, more)
        self.toxic, self.later = {}, []


def analysis(rng: random.Random, text: str, lang: str, toxic: bool) -> dict[str, object]:
    """What the full tier writes for one of inbox.PHRASES' texts (its first phrase decides)."""
    found = next((n for n, phrase in enumerate(PHRASES[lang]) if text.startswith(phrase)), 7)
    label, intents, area = MEANINGS[found]
    if rng.random() < 0.15:  # the models do not always agree with the words
        label = "neutral"
    score = {
        "negative": -rng.uniform(0.3, 0.95),
        "neutral": rng.uniform(-0.25, 0.25),
        "positive": rng.uniform(0.3, 0.95),
    }[label]
    scores = {kind: rng.random() * (0.9 if toxic else 0.1) for kind in ABUSE_KINDS}
    return Analysis(
        lang=lang,
        lang_confidence=rng.uniform(0.8, 1.0),
        sentiment=Sentiment(label, score),  # type: ignore[arg-type]
        abuse=Abuse(scores, toxic),
        intents=intents,
        problem_area=area,
        specific=area is not None,
        tier="full",
    ).as_json()


def _minutes(rng: random.Random, median: float, spread: float) -> timedelta:
    """A log-normal wait, in whole seconds (times compare exactly after a round trip)."""
    return timedelta(seconds=int(60 * rng.lognormvariate(math.log(median), spread)))


def _reply_times(rng: random.Random, first: datetime, last: datetime, count: int) -> list[datetime]:
    """The first reply some 40 minutes after the first message (a long tail of days), the
    others after the customer's latest message."""
    times: list[datetime] = []
    for n in range(count):
        after = first if n == 0 else max(times[-1], last)
        times.append(
            _by_now(rng, after, _minutes(rng, 40, 1.4) if n == 0 else _minutes(rng, 30, 1.0))
        )
    return times


def _by_now(rng: random.Random, after: datetime, wait: timedelta) -> datetime:
    """``after`` + ``wait``; what would fall after now falls somewhere between (whole seconds)."""
    if after + wait <= NOW:
        return after + wait
    return after + timedelta(seconds=int(rng.random() * (NOW - after).total_seconds()))


def _team(rng: random.Random, queue: str, lang: str, teams: list[uuid.UUID]) -> uuid.UUID | None:
    finnish, turkish, specialists = teams
    if queue == "escalated":
        return specialists
    if lang in ("fi", "tr") and rng.random() < 0.7:
        return finnish if lang == "fi" else turkish
    if lang == "en" and rng.random() < 0.5:
        return rng.choice((finnish, turkish))
    return None


def _event(
    case_id: uuid.UUID,
    at: datetime,
    actor: uuid.UUID | None,
    kind: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "conversation_id": case_id,
        "at": at,
        "actor_id": actor,
        "kind": kind,
        "note": "",
        "data": data,
    }


# The rollups ------------------------------------------------------------------------------


@dataclass
class Refreshes:
    rebuild_s: float
    rebuild_days: int
    incremental_s: float
    incremental_days: int
    idle_s: float
    idle_days: int
    rows: dict[str, int]


def time_refreshes(engine: Engine, touched: int = 200) -> Refreshes:
    sessions = make_sessionmaker(engine)
    began = time.perf_counter()
    rebuilt = rollup.refresh(sessions, now=NOW, timezone=TIMEZONE)
    rebuild_s = time.perf_counter() - began
    later = NOW + timedelta(minutes=1)
    touch_today(sessions, touched, later)
    began = time.perf_counter()
    changed = rollup.refresh(sessions, now=later + timedelta(minutes=1), timezone=TIMEZONE)
    incremental_s = time.perf_counter() - began
    began = time.perf_counter()
    idle = rollup.refresh(sessions, now=later + timedelta(minutes=2), timezone=TIMEZONE)
    idle_s = time.perf_counter() - began
    if engine.dialect.name == "postgresql":  # autovacuum would, after so many new rows
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE daily_messages, daily_cases, daily_agents")
    with sessions() as session:
        rows = {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in rollup.TABLES
        }
    return Refreshes(rebuild_s, rebuilt, incremental_s, changed, idle_s, idle, rows)


def touch_today(sessions: sessionmaker[Session], count: int, at: datetime) -> None:
    """The full tier analyses ``count`` of today's messages again and triage sees them."""
    zone = ZoneInfo(TIMEZONE)
    today = rollup.day_start(rollup.local_day(NOW, zone), zone)
    with transaction(sessions) as session:
        found = session.execute(
            select(Message.id, Message.conversation_id, Message.analysis)
            .where(Message.direction == "inbound", Message.created_at >= today)
            .order_by(Message.created_at.desc())
            .limit(count)
        ).all()
        changed = []
        for message_id, _, result in found:
            result = dict(result or {}) | {"sentiment": {"label": "negative", "score": -0.6}}
            changed.append({"id": message_id, "analysis": result, "analyzed_at": at})
        session.execute(update(Message), changed)
        cases = sorted({case_id for _, case_id, _ in found})
        session.execute(
            update(Conversation)
            .where(one_of(session, Conversation.id, cases))
            .values(updated_at=at, triaged_at=at)
        )


# The dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    name: str
    days: int
    channel: bool = False
    lang: str = ""
    default: bool = False  # the page without a query string

    def params(self, today: date, channel: uuid.UUID) -> tuple[str, str, str, str]:
        """The page's query string: start, end, channel, language ("" where not given)."""
        if self.default:
            return "", "", "", ""
        start = (today - timedelta(days=self.days - 1)).isoformat()
        return start, today.isoformat(), str(channel) if self.channel else "", self.lang


REQUESTS = [
    Request("7 days", 7),
    Request("30 days (the default)", 30, default=True),
    Request("90 days", 90),
    Request("365 days", 365),
    Request("30 days, one channel", 30, channel=True),
    Request("30 days, language fi", 30, lang="fi"),
    Request("90 days, one channel + fi", 90, channel=True, lang="fi"),
]
TARGET_MS = 300
PAGE = "GET /analytics"
CSV = "GET /analytics.csv, 30 days"


def first_channel(engine: Engine) -> uuid.UUID:
    with make_sessionmaker(engine)() as session:
        found = session.scalar(select(Channel.id).where(Channel.platform == "facebook"))
    assert found is not None
    return found


def measure(engine: Engine, repeat: int) -> dict[str, list[float]]:
    """``queries.dashboard`` per kind of request, each in a fresh transaction."""
    sessions = make_sessionmaker(engine)
    channel = first_channel(engine)
    today = rollup.local_day(NOW, ZoneInfo(TIMEZONE))
    timings: dict[str, list[float]] = {}
    for request in REQUESTS:
        wanted = queries.filters(*request.params(today, channel), today=today)
        runs = []
        for _ in range(repeat + 2):
            with sessions() as session:
                began = time.perf_counter()
                queries.dashboard(session, wanted, timezone=TIMEZONE)
                runs.append((time.perf_counter() - began) * 1000)
        timings[request.name] = runs[2:]  # the first two warm the caches
    return timings


def measure_http(engine: Engine, repeat: int, workdir: Path) -> dict[str, list[float]]:
    """The whole page through the web app, as a logged-in supervisor (template included), and
    the CSV export; not what the app has no page for (yet), or answers with an error."""
    from fastapi.testclient import TestClient

    from vastaa.app import create_app, settle_memory

    settings = Settings(data_dir=workdir / "data", default_locale="en", timezone=TIMEZONE)
    app = create_app(settings, engine=engine, clock=lambda: NOW)
    settle_memory()  # as `vastaa serve` does once the server is built
    password = "correct horse battery"
    with transaction(make_sessionmaker(engine)) as session:
        add_user(session, username="bench-lead", password=password, role="supervisor", now=NOW)
    channel = first_channel(engine)
    today = rollup.local_day(NOW, ZoneInfo(TIMEZONE))
    keys = ("start", "end", "channel", "lang")
    wanted = [(f"{PAGE}, {r.name}", "/analytics", r.params(today, channel)) for r in REQUESTS]
    wanted.append((CSV, "/analytics.csv", REQUESTS[1].params(today, channel)))
    timings: dict[str, list[float]] = {}
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        login(client, "bench-lead", password)
        for name, path, params in wanted:
            query = {key: value for key, value in zip(keys, params, strict=True) if value}
            runs = []
            for _ in range(repeat + 2):
                began = time.perf_counter()
                response = client.get(path, params=query)
                runs.append((time.perf_counter() - began) * 1000)
                if response.status_code == 404:
                    print(f"  the web app has no {path} yet: not timed")
                    break
                if response.status_code != 200:
                    print(f"  {path}?{query} answered {response.status_code}: not timed")
                    print(response.text[:2000])
                    break
            else:
                timings[name] = runs[2:]
    gc.unfreeze()  # the next database starts as the first did
    return timings


def login(client: Any, username: str, password: str) -> None:
    """Log in through the real form (as tests/conftest.py's ``login`` does)."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text[:500]
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]


# The run and the report -------------------------------------------------------------------


@dataclass
class Result:
    messages: int
    refreshes: Refreshes
    timings: dict[str, list[float]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/vastaa_bench_analytics"
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
            if args.only and kind != args.only:
                continue
            if kind == "postgresql":
                ensure_database(args.postgres)
            engine = fresh_engine(kind, args.postgres, Path(tmp), 0)
            began = time.perf_counter()
            print(f"{kind}: building {args.messages:,} messages")
            messages = prepare(engine, args.messages)
            print(f"{kind}: built {messages:,} messages in {time.perf_counter() - began:.0f} s")
            refreshes = time_refreshes(engine)
            print(
                f"{kind}: rollups rebuilt in {refreshes.rebuild_s:.1f} s "
                f"({refreshes.rebuild_days} days, {refreshes.rows}); after 200 messages "
                f"{refreshes.incremental_s:.2f} s ({refreshes.incremental_days} days); "
                f"nothing new {refreshes.idle_s:.2f} s ({refreshes.idle_days} days)"
            )
            timings = measure(engine, args.repeat)
            timings |= measure_http(engine, args.repeat, Path(tmp) / kind)
            engine.dispose()
            results[kind] = Result(messages, refreshes, timings)
            for name, values in timings.items():
                print(
                    f"{kind:10} {name:52} p50 {statistics.median(values):7.1f} ms"
                    f"  p95 {percentile(values, 0.95):7.1f} ms"
                )
    report = render(results, args)
    print(report)
    if args.write:
        write_section("Analytics dashboard", report)


def render(results: dict[str, Result], args: argparse.Namespace) -> str:
    kinds = list(results)
    first = next(iter(results.values()))
    conversations = args.messages // 4
    replies = first.messages - 3 * conversations
    lines = [
        f"`python benchmarks/analytics.py --messages {args.messages} --repeat {args.repeat}` "
        f"({platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{_cpu()}; {first.messages:,} messages: {conversations * 3:,} from customers in "
        f"{conversations:,} triaged conversations over a year and {replies:,} replies by 20 "
        "agents; the daily rollups built by `rollup.refresh`; each request is "
        f"`queries.dashboard` in {TIMEZONE} in a fresh transaction, then (`GET`) the whole page "
        "through the web app as a logged-in supervisor, template included, with the objects of "
        "start-up left out of the garbage collector's passes as `vastaa serve` does "
        "(`app.settle_memory`), timed "
        f"{args.repeat} times after two warm-up runs; PostgreSQL vacuumed and analysed after "
        "loading and the rollups after building, as autovacuum would; target p95 ≤ "
        f"{TARGET_MS} ms).",
        "",
        "| request | " + " | ".join(f"{k} p50 ms | {k} p95 ms" for k in kinds) + " |",
        "|---|" + "---:|---:|" * len(kinds),
    ]
    names = list(dict.fromkeys(name for result in results.values() for name in result.timings))
    for name in names:
        cells = []
        for kind in kinds:
            values = results[kind].timings.get(name)
            if values:
                cells.append(f"{statistics.median(values):.1f} | {percentile(values, 0.95):.1f}")
            else:
                cells.append("— | —")
        lines.append(f"| {_label(name)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| rollups | " + " | ".join(kinds) + " |",
        "|---|" + "---:|" * len(kinds),
        "| every day recomputed (from empty; the daily sweep) | "
        + " | ".join(
            f"{r.refreshes.rebuild_s:.1f} s ({_days(r.refreshes.rebuild_days)})"
            for r in results.values()
        )
        + " |",
        "| refresh after 200 of today's messages were analysed again | "
        + " | ".join(
            f"{r.refreshes.incremental_s * 1000:.0f} ms ({_days(r.refreshes.incremental_days)})"
            for r in results.values()
        )
        + " |",
        "| refresh with nothing new (the worker, every minute) | "
        + " | ".join(
            f"{r.refreshes.idle_s * 1000:.0f} ms ({_days(r.refreshes.idle_days)})"
            for r in results.values()
        )
        + " |",
        "| rows: "
        + " / ".join(name.replace("_", " ") for name in first.refreshes.rows)
        + " | "
        + " | ".join(
            " / ".join(f"{n:,}" for n in r.refreshes.rows.values()) for r in results.values()
        )
        + " |",
    ]
    over = [
        f"{_label(name)} ({kind} {percentile(values, 0.95):.0f} ms)"
        for name in names
        for kind in kinds
        if (values := results[kind].timings.get(name)) and percentile(values, 0.95) > TARGET_MS
    ]
    if over:
        lines += ["", f"Over the target (p95 > {TARGET_MS} ms): " + "; ".join(over) + "."]
    return "\n".join(lines) + "\n\n" + SHAPE


def _label(name: str) -> str:
    return name if name.startswith("GET") else f"`dashboard()`, {name}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


SHAPE = """The data: the inbox benchmark's conversations (six channels, fi/tr/en, spread over a
year in the views of a triaged inbox, 40 % assigned among 20 agents), each customer message
analysed (sentiment, intents, problem area as the full tier writes them), three in four
conversations answered (the first reply a median 40 minutes after the first message, a long tail
of days; a third of the answered get a second reply), about half in one of three teams, resolved
ones with a status event (three in four), 3 % with a tone change, 4 % of messages matched by a
listening query; no SLA policy (the default hour). The dashboard reads the daily rollups, and the
backlog, the open work per agent and the oldest waiting conversation live from the
conversations. The channel filtered by is one of six; the CSV export is audited, as in use."""


if __name__ == "__main__":
    main()
