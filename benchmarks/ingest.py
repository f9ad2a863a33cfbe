"""Ingestion throughput: 100,000 canonical events into SQLite and PostgreSQL, then the same
100,000 again (every one a no-op). Events go through the same path as ``vastaa ingest``:
JSON line → validation → ingest, in transactions of ``--batch`` events (the CLI's default).

    python benchmarks/ingest.py [--events 100000] [--runs 3] [--postgres URL] [--write]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from vastaa import schema
from vastaa.benchmarking import write_section
from vastaa.config import Settings
from vastaa.db import make_engine, make_sessionmaker
from vastaa.pipeline.files import ingest_stream

PLATFORMS = [
    ("facebook", "kide"),
    ("instagram", "kide.tr"),
    ("x", "KideHome"),
    ("forum", "kotikone"),
    ("trustpilot", "kide.fi"),
]
WORDS = [
    "kahvinkeitin",
    "vuotaa",
    "tilaus",
    "myöhässä",
    "teşekkürler",
    "sipariş",
    "kargo",
    "gecikti",
    "the",
    "machine",
    "leaks",
    "again",
    "please",
    "help",
    "order",
    "delivery",
    "thanks",
    "great",
    "service",
    "kiitos",
    "nopeasta",
]


def make_lines(count: int, seed: int = 7) -> list[bytes]:
    """Realistic-shaped events: a third thread roots, the rest replies to earlier messages."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    lines: list[bytes] = []
    roots: list[tuple[int, str]] = []
    for i in range(count):
        platform_, account = PLATFORMS[i % len(PLATFORMS)]
        author = rng.randrange(20_000)
        event = {
            "channel": {"platform": platform_, "account": account},
            "external_id": f"m{i}",
            "kind": "comment",
            "author": {
                "id": f"u{author}",
                "handle": f"user{author}",
                "name": f"User {author}",
                "followers": author * 3 % 5000,
            },
            "text": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 30))),
            "created_at": (start + timedelta(seconds=i * 7)).isoformat(),
            "lang": rng.choice(("fi", "tr", "en")),
            "raw": {"id": f"m{i}", "source": platform_},
        }
        same_channel = [r for r in roots[-50:] if r[0] == i % len(PLATFORMS)]
        if same_channel and rng.random() < 0.66:
            root = rng.choice(same_channel)
            event.update(thread_id=root[1], parent_id=root[1], kind="reply")
        else:
            event["kind"] = "post"
            roots.append((i % len(PLATFORMS), f"m{i}"))
        lines.append(json.dumps(event).encode() + b"\n")
    return lines


def run_pass(engine: Engine, lines: list[bytes], batch: int) -> tuple[float, dict[str, int]]:
    """One pass through exactly what ``vastaa ingest`` does, minus the progress bar."""
    began = time.perf_counter()
    report = ingest_stream(
        lines, make_sessionmaker(engine), clock=lambda: datetime.now(UTC), batch_size=batch
    )
    assert not report.rejected, report.rejected[:3]
    return len(lines) / (time.perf_counter() - began), report.counts


def fresh_engine(kind: str, postgres_url: str, workdir: Path, run: int) -> Engine:
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{workdir / f'bench{run}.db'}")
    else:
        engine = make_engine(postgres_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    schema.upgrade(engine)
    return engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=Settings().ingest_batch_size)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/vastaa_bench")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    lines = make_lines(args.events)
    ensure_database(args.postgres)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
            if args.only and kind != args.only:
                continue
            first, again = [], []
            for run in range(args.runs):
                engine = fresh_engine(kind, args.postgres, Path(tmp), run)
                rate, counts = run_pass(engine, lines, args.batch)
                assert counts == {"created": args.events}, counts
                first.append(rate)
                rate, counts = run_pass(engine, lines, args.batch)
                assert counts == {"duplicate": args.events}, counts
                again.append(rate)
                engine.dispose()
                print(f"{kind} run {run + 1}: first {first[-1]:,.0f}/s, again {again[-1]:,.0f}/s")
            rows.append((kind, statistics.median(first), statistics.median(again)))
    report = render(rows, args)
    print(report)
    if args.write:
        write_section("Ingestion", report)


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = make_engine(url.rsplit("/", 1)[0] + "/postgres").execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def render(rows: list[tuple[str, float, float]], args: argparse.Namespace) -> str:
    lines = [
        f"`python benchmarks/ingest.py --events {args.events} --runs {args.runs}` "
        f"({platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{_cpu()}; batches of {args.batch} events per transaction; JSON parsing and "
        "validation included; median of the runs; target ≥ 10,000 events/s).",
        "",
        "| database | first pass events/s | redelivery events/s | redelivery / first |",
        "|---|---:|---:|---:|",
    ]
    for kind, first, again in rows:
        lines.append(f"| {kind} | {first:,.0f} | {again:,.0f} | {again / first:.2f} |")
    return "\n".join(lines) + "\n\n" + SHAPE


SHAPE = """What the events are: five channels, 20,000 authors, a third of the events start a thread
and the rest answer one of the 50 newest threads on their channel (so most events also create an
author, a customer and a conversation). The first pass stores every event; the second delivers the
same events again, and every one is a no-op (`duplicate`). Each pass starts from an empty database
built by the migrations; PostgreSQL is the local server (127.0.0.1), SQLite a file on local disk."""


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cores = len([x for x in Path("/proc/cpuinfo").read_text().split("\n\n") if x])
                return f"{line.split(':', 1)[1].strip()}, {cores} cores"
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
