"""Inbox list and search latency with a million messages, on SQLite and PostgreSQL.

The database is built by the migrations and filled in bulk (not through ingestion, which has its
own benchmark) with triaged conversations as the worker leaves them: 1,000,000 messages in about
330,000 conversations over a year, on six channels, in fi/tr/en. Then each kind of inbox request
(`inbox_page`, the very function the web page calls: the rows of one view and the counts of all
views) runs many times; the report gives p50 and p95 per kind and over all of them.

    python benchmarks/inbox.py [--messages 1000000] [--repeat 30] [--only sqlite] [--write]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _cpu, ensure_database, fresh_engine  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from vastaa.accounts.models import User  # noqa: E402
from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.bulk import bulk_insert, refresh_statistics  # noqa: E402
from vastaa.channels.models import Channel  # noqa: E402
from vastaa.conversations.models import Conversation  # noqa: E402
from vastaa.customers.models import Author, Customer  # noqa: E402
from vastaa.db import make_sessionmaker, new_id, transaction  # noqa: E402
from vastaa.inbox.queries import InboxFilters, inbox_page, view_counts  # noqa: E402
from vastaa.messages.models import Message  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TOTAL = [0]  # messages being built (arrival times count back from NOW)
CHUNK = 20_000
PHRASES = {
    "fi": [
        "kahvinkeitin vuotaa taas",
        "tilaus on myöhässä jo viikon",
        "kiitos nopeasta avusta",
        "missä paketti on",
        "lasku on väärin veloititte kahdesti",
        "uusi Aamu A2 on ihana",
        "asiakaspalvelu ei vastaa puhelimeen",
        "ohjeet ovat epäselvät",
    ],
    "tr": [
        "kahve makinesi yine sızdırıyor",
        "siparişim hâlâ gelmedi",
        "hızlı yardım için teşekkürler",
        "kargo nerede",
        "faturada hata var iki kez ödeme alındı",
        "yeni makine harika",
        "müşteri hizmetleri cevap vermiyor",
        "kullanım kılavuzu anlaşılmıyor",
    ],
    "en": [
        "the kettle leaks again",
        "my order is a week late",
        "thanks for the quick help",
        "where is my parcel",
        "you charged me twice on the invoice",
        "love the new machine",
        "customer service does not answer",
        "the manual is confusing",
    ],
}
QUEUES = [
    ("resolved", 55),
    ("waiting", 15),
    ("needs_reply", 12),
    ("praise", 5),
    ("moderation", 3),
    ("leave_alone", 3),
    ("follow_up", 2),
    ("escalated", 2),
    ("snoozed", 3),
]
INTENTS = [",complaint,", ",question,", ",complaint,question,", ",praise,", None]
AREAS = ["product", "delivery", "billing", "service", None]


def build(engine: Engine, messages: int, seed: int = 11) -> uuid.UUID:
    """Fill the database; returns the id of an agent to filter "assigned to me" by."""
    rng = random.Random(seed)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        channels = [
            Channel(platform=p, account=f"kide-{p}", name=f"Kide {p}", created_at=NOW)
            for p in ("facebook", "instagram", "x", "forum", "trustpilot", "sikayetvar")
        ]
        agents = [
            User(
                username=f"agent{i}",
                display_name=f"Agent {i}",
                password_hash="-",
                role="agent",
                locale="fi",
                created_at=NOW,
            )
            for i in range(20)
        ]
        session.add_all([*channels, *agents])
        session.flush()
        channel_ids = [c.id for c in channels]
        agent_ids = [a.id for a in agents]
    conversations = messages // 3
    TOTAL[0] = conversations * 3
    made = 0
    while made < conversations:
        size = min(CHUNK // 3, conversations - made)
        with transaction(sessions) as session:
            _chunk(session, rng, made, size, channel_ids, agent_ids)
        made += size
        print(f"  {made * 3:,} messages", end="\r", flush=True)
    print()
    with transaction(sessions) as session:
        refresh_statistics(session)
    if engine.dialect.name == "postgresql":  # what autovacuum does to a live database
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return agent_ids[0]


def _chunk(
    session: Session,
    rng: random.Random,
    start: int,
    size: int,
    channel_ids: list[uuid.UUID],
    agent_ids: list[uuid.UUID],
) -> None:
    customers, authors, cases, rows = [], [], [], []
    queues = [name for name, weight in QUEUES for _ in range(weight)]
    for n in range(start, start + size):
        channel_id = rng.choice(channel_ids)
        lang = rng.choice(("fi", "fi", "tr", "tr", "en"))
        customer_id, author_id, case_id = new_id(), new_id(), new_id()
        last = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
        customers.append({"id": customer_id, "display_name": f"Customer {n}", "created_at": last})
        authors.append(
            {
                "id": author_id,
                "channel_id": channel_id,
                "external_id": f"a{n}",
                "handle": f"user{n}",
                "display_name": f"User {n}",
                "followers": int(rng.paretovariate(1.2) * 20),
                "verified": False,
                "customer_id": customer_id,
                "created_at": last,
                "updated_at": last,
            }
        )
        queue = rng.choice(queues)
        texts = [f"{rng.choice(PHRASES[lang])} {rng.choice(PHRASES[lang])} #{n}" for _ in range(3)]
        cases.append(
            {
                "id": case_id,
                "channel_id": channel_id,
                "author_id": author_id,
                "customer_id": customer_id,
                "thread_key": f"t{n}",
                "public": rng.random() < 0.7,
                "status": "resolved" if queue == "resolved" else "open",
                "assignee_id": rng.choice(agent_ids) if rng.random() < 0.4 else None,
                "lang": lang,
                "preview": texts[-1],
                "message_count": 3,
                "first_message_at": last - timedelta(hours=2),
                "last_message_at": last,
                "last_inbound_at": last,
                "created_at": last,
                "updated_at": last,
                "queue": queue,
                "priority": rng.randrange(100),
                "priority_reason": "negative,complaint",
                "sentiment": rng.choice(("negative", "neutral", "positive")),
                "intents": rng.choice(INTENTS),
                "problem_area": rng.choice(AREAS),
                "toxic": queue == "moderation",
                "escalated": queue == "escalated",
                "due_at": last + timedelta(hours=1) if queue == "needs_reply" else None,
                "triaged_at": last,
            }
        )
        for i, text in enumerate(texts):
            at = last - timedelta(hours=2 - i)
            # Arrival is the order of insertion, as in a live system (about 30 s apart).
            arrived = NOW - timedelta(seconds=30 * (TOTAL[0] - (3 * n + i)))
            rows.append(
                {
                    "id": new_id(),
                    "channel_id": channel_id,
                    "external_id": f"m{n}-{i}",
                    "conversation_id": case_id,
                    "author_id": author_id,
                    "direction": "inbound",
                    "kind": "comment",
                    "public": True,
                    "text": text,
                    "lang": lang,
                    "created_at": at,
                    "received_at": arrived,
                    "thread_key": f"t{n}",
                    "content_hash": uuid.uuid4().hex,
                    "delivery": "received",
                }
            )
    bulk_insert(session, Customer, customers)
    bulk_insert(session, Author, authors)
    bulk_insert(session, Conversation, cases)
    bulk_insert(session, Message, rows)


def requests(agent: uuid.UUID) -> dict[str, InboxFilters]:
    return {
        "needs reply (default)": InboxFilters(),
        "resolved, newest first": InboxFilters(view="resolved"),
        "all, page 5": InboxFilters(view="all", page=5),
        "language fi + negative": InboxFilters(lang="fi", sentiment="negative"),
        "intent question": InboxFilters(intent="question"),
        "assigned to me": InboxFilters(view="all", assignee="me"),
        "last 24 hours": InboxFilters(view="all", period="24h"),
        "search, common word": InboxFilters(view="all", q="tilaus"),
        "search, two words": InboxFilters(view="all", q="siparişim gelmedi"),
        "search, rare": InboxFilters(view="all", q="#123457"),
    }


COUNTS = "view counts (the worker, every 5 s)"


def measure(engine: Engine, agent: uuid.UUID, repeat: int) -> dict[str, list[float]]:
    """Each request as the web app serves it: the rows, with the counts from the worker's
    snapshot; and, on its own line, the recount the worker makes every five seconds."""
    sessions = make_sessionmaker(engine)
    timings: dict[str, list[float]] = {}
    with sessions() as session:
        snapshot = view_counts(session)
    for name, filters in requests(agent).items():
        timings[name] = []
        for _ in range(repeat + 2):
            with sessions() as session:
                began = time.perf_counter()
                inbox_page(session, filters, user_id=agent, now=NOW, counts=snapshot)
                timings[name].append((time.perf_counter() - began) * 1000)
        timings[name] = timings[name][2:]  # the first two warm the caches
    timings[COUNTS] = []
    for _ in range(repeat + 2):
        with sessions() as session:
            began = time.perf_counter()
            view_counts(session)
            timings[COUNTS].append((time.perf_counter() - began) * 1000)
    timings[COUNTS] = timings[COUNTS][2:]
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/vastaa_bench")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
            if args.only and kind != args.only:
                continue
            if kind == "postgresql":
                ensure_database(args.postgres)
            engine = fresh_engine(kind, args.postgres, Path(tmp), 0)
            began = time.perf_counter()
            print(f"{kind}: building {args.messages:,} messages")
            agent = build(engine, args.messages)
            print(f"{kind}: built in {time.perf_counter() - began:.0f} s")
            results[kind] = measure(engine, agent, args.repeat)
            engine.dispose()
            for name, values in results[kind].items():
                print(
                    f"{kind:10} {name:28} p50 {statistics.median(values):6.1f} ms"
                    f"  p95 {percentile(values, 0.95):6.1f} ms"
                )
    report = render(results, args)
    print(report)
    if args.write:
        write_section("Inbox latency", report)


def render(results: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> str:
    kinds = list(results)
    lines = [
        f"`python benchmarks/inbox.py --messages {args.messages} --repeat {args.repeat}` "
        f"({platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{_cpu()}; {args.messages:,} messages in {args.messages // 3:,} triaged conversations; "
        "each request is `inbox_page` as the web app calls it — one view's 50 rows, with every "
        "view's count from the snapshot the worker refreshes every 5 s (timed on its own line) — "
        f"timed {args.repeat} times after two warm-up runs; PostgreSQL vacuumed and analysed "
        "after loading, as autovacuum would; target p95 ≤ 50 ms).",
        "",
        "| request | " + " | ".join(f"{k} p50 ms | {k} p95 ms" for k in kinds) + " |",
        "|---|" + "---:|---:|" * len(kinds),
    ]
    names = list(next(iter(results.values())))
    for name in names:
        cells = []
        for kind in kinds:
            values = results[kind][name]
            cells.append(f"{statistics.median(values):.1f} | {percentile(values, 0.95):.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    overall = []
    for kind in kinds:
        every = [v for name, values in results[kind].items() if name != COUNTS for v in values]
        overall.append(f"{statistics.median(every):.1f} | {percentile(every, 0.95):.1f}")
    lines.append("| **all page requests** | " + " | ".join(overall) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
