"""The evidence archive (R28): what capturing evidence costs ingestion, per message, and how long
``vastaa evidence verify`` takes over a million records, on SQLite and PostgreSQL.

Capture: ``--messages`` events shaped as in benchmarks/ingest.py go through the path of
``vastaa ingest`` in transactions of ``--batch`` events, into an empty database per run;
``capture_ingested`` (snapshots, canonical JSON, hashes, the inserts and the head's lock) is timed
at each batch. Each run is repeated with capture replaced by a no-op, in the same process, as the
baseline of the whole ingestion.

Verify: ``--records`` records (about 500 bytes of canonical JSON each) are appended in batches
of 10,000, a transaction each, then ``verify`` (what ``vastaa evidence verify`` runs) walks the
chain ``--runs`` times over the same database.

    python benchmarks/evidence.py [--messages 20000] [--batch 500] [--records 1000000]
        [--runs 3] [--quick] [--only sqlite|postgresql] [--postgres URL] [--write]

PNG cards are rendered off the ingest path; their speed is benchmarks/cards.py's.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORDS, _cpu, ensure_database, fresh_engine, make_lines  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.db import make_sessionmaker, new_id, transaction  # noqa: E402
from vastaa.evidence import service  # noqa: E402
from vastaa.evidence.chain import Capture, append, canonical  # noqa: E402
from vastaa.evidence.verify import verify  # noqa: E402
from vastaa.pipeline.files import ingest_stream  # noqa: E402

KINDS = ("sqlite", "postgresql")
APPEND_BATCH = 10_000
CAPTURE_TARGET_MS = 5.0
VERIFY_TARGET_S = 60.0


# (a) Capture on ingestion -------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureRun:
    seconds_on: float  # the whole ingestion, capture on
    seconds_off: float  # the same, capture a no-op
    per_message_ms: list[float]  # each batch: capture's time / the records it appended


@contextmanager
def capture_timed(costs: list[float]) -> Iterator[None]:
    """``capture_ingested`` as it is, its time per captured message added to ``costs``."""
    original = service.capture_ingested

    def timed(*args: Any, **kwargs: Any) -> list[int]:
        began = time.perf_counter()
        seqs = original(*args, **kwargs)
        if seqs:
            costs.append((time.perf_counter() - began) * 1000 / len(seqs))
        return seqs

    with _replaced(timed):
        yield


@contextmanager
def capture_off() -> Iterator[None]:
    def skipped(*args: Any, **kwargs: Any) -> list[int]:
        return []

    with _replaced(skipped):
        yield


@contextmanager
def _replaced(function: Callable[..., list[int]]) -> Iterator[None]:
    """``vastaa.pipeline.ingest`` calls ``capture_ingested`` through the module (``evidence``),
    so replacing the module's attribute replaces what ingestion calls."""
    original = service.capture_ingested
    service.capture_ingested = function
    try:
        yield
    finally:
        service.capture_ingested = original


def ingest_once(engine: Engine, lines: list[bytes], batch: int) -> float:
    began = time.perf_counter()
    report = ingest_stream(
        lines, make_sessionmaker(engine), clock=lambda: datetime.now(UTC), batch_size=batch
    )
    assert report.counts == {"created": len(lines)}, (report.counts, report.rejected[:3])
    return time.perf_counter() - began


def capture_run(kind: str, args: argparse.Namespace, lines: list[bytes], run: int) -> CaptureRun:
    costs: list[float] = []
    seconds = {}
    for mode in ("on", "off") if run % 2 == 0 else ("off", "on"):  # neither always first
        engine = fresh_engine(kind, args.postgres, args.workdir, run)
        with capture_timed(costs) if mode == "on" else capture_off():
            seconds[mode] = ingest_once(engine, lines, args.batch)
        if mode == "on":
            check_chain(engine, len(lines))
        engine.dispose()
        _drop_sqlite(kind, args.workdir, run)
    return CaptureRun(seconds["on"], seconds["off"], costs)


def check_chain(engine: Engine, records: int) -> None:
    with make_sessionmaker(engine)() as session:
        verdict = verify(session)
    assert verdict.ok and verdict.records == records, verdict.as_json()


def _drop_sqlite(kind: str, workdir: Path, run: int) -> None:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (workdir / f"bench{run}.db{suffix}").unlink(missing_ok=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


@dataclass(frozen=True)
class CaptureRow:
    kind: str
    median_ms: float
    p95_ms: float
    max_ms: float
    rate_on: float
    rate_off: float


def measure_capture(kind: str, args: argparse.Namespace, lines: list[bytes]) -> CaptureRow:
    runs = []
    for run in range(args.runs):
        result = capture_run(kind, args, lines, run)
        runs.append(result)
        print(
            f"{kind} capture run {run + 1}: p95 {percentile(result.per_message_ms, 0.95):.3f} "
            f"ms/message; ingestion {result.seconds_on:.1f} s with capture, "
            f"{result.seconds_off:.1f} s without",
            file=sys.stderr,
        )
    return CaptureRow(
        kind,
        statistics.median(statistics.median(r.per_message_ms) for r in runs),
        statistics.median(percentile(r.per_message_ms, 0.95) for r in runs),
        max(max(r.per_message_ms) for r in runs),
        len(lines) / statistics.median(r.seconds_on for r in runs),
        len(lines) / statistics.median(r.seconds_off for r in runs),
    )


# (b) Verify over a million records -----------------------------------------------------------


def corpus(seed: int = 28) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(50_000))


def snapshot(n: int, text_: str, message_id: str) -> str:
    """About 500 bytes of canonical JSON, shaped as a first sight's (vastaa.evidence.snapshots)."""
    value = {
        "capture": "first_seen",
        "platform": "mastodon",
        "account": "kide",
        "channel_name": "Kide on Mastodon",
        "message": {
            "id": message_id,
            "external_id": f"m{n}",
            "url": f"https://mastodon.example/@user{n % 20_000}/{n}",
            "kind": "comment",
            "direction": "inbound",
            "public": True,
            "lang": "fi",
            "author": {"id": f"u{n % 20_000}", "handle": f"user{n % 20_000}", "display_name": ""},
            "created_at": "2026-11-20T10:00:00.000000+00:00",
            "edited_at": None,
            "deleted_at": None,
            "text": text_,
            "media": [],
            "promoted": False,
        },
        "raw": {"id": f"m{n}"},
    }
    return canonical(value)


def captures(start: int, count: int, words: str, conversations: list[Any]) -> list[Capture]:
    found = []
    for n in range(start, start + count):
        offset = (n * 7919) % (len(words) - 200)
        message_id = new_id()
        found.append(
            Capture(
                "first_seen",
                snapshot(n, words[offset : offset + 120], str(message_id)),
                message_id=message_id,
                conversation_id=conversations[n % len(conversations)],
                channel_id=conversations[0],
            )
        )
    return found


def build_chain(engine: Engine, records: int) -> float:
    """Append ``records`` records, a transaction per batch; returns the seconds it took."""
    sessions = make_sessionmaker(engine)
    words, conversations = corpus(), [new_id() for _ in range(5_000)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for done in range(0, records, APPEND_BATCH):
        batch = captures(done, min(APPEND_BATCH, records - done), words, conversations)
        with transaction(sessions) as session:
            append(session, batch, now=start + timedelta(seconds=done))
        if (done + len(batch)) % 100_000 == 0 or done + len(batch) == records:
            elapsed = time.perf_counter() - began
            print(f"  {done + len(batch):,} records appended, {elapsed:.0f} s", file=sys.stderr)
    _settle(engine)
    return time.perf_counter() - began


def _settle(engine: Engine) -> None:
    """What a database left alone a minute does anyway: SQLite checkpoints its WAL, PostgreSQL's
    autovacuum analyses the new tables."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            connection.execute(text("ANALYZE evidence_record, evidence_content"))
            connection.commit()


def time_verify(engine: Engine, records: int) -> float:
    with make_sessionmaker(engine)() as session:
        began = time.perf_counter()
        verdict = verify(session)
        seconds = time.perf_counter() - began
    assert verdict.ok and verdict.records == records, verdict.as_json()
    return seconds


@dataclass(frozen=True)
class VerifyRow:
    kind: str
    records: int
    build_s: float
    verify_s: float
    size_mib: float


def measure_verify(kind: str, args: argparse.Namespace) -> VerifyRow:
    engine = fresh_engine(kind, args.postgres, args.workdir, 99)
    print(f"{kind}: building {args.records:,} records", file=sys.stderr)
    build = build_chain(engine, args.records)
    times = []
    for run in range(args.runs):
        times.append(time_verify(engine, args.records))
        print(f"{kind} verify run {run + 1}: {times[-1]:.1f} s", file=sys.stderr)
    size = database_size(engine, args.workdir)
    engine.dispose()
    _drop_sqlite(kind, args.workdir, 99)
    return VerifyRow(kind, args.records, build, statistics.median(times), size)


def database_size(engine: Engine, workdir: Path) -> float:
    if engine.dialect.name == "sqlite":
        return (workdir / "bench99.db").stat().st_size / 2**20
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    return int(size or 0) / 2**20


# The report ----------------------------------------------------------------------------------


def render(
    capture_rows: list[CaptureRow], verify_rows: list[VerifyRow], args: argparse.Namespace
) -> str:
    command = (
        f"python benchmarks/evidence.py --messages {args.messages} --batch {args.batch} "
        f"--records {args.records} --runs {args.runs}"
    )
    lines = [
        f"`{command}` ({platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {_cpu()}; PostgreSQL is the local server (127.0.0.1), "
        "SQLite a file on local disk; median of the runs).",
        "",
        f"Capture on ingestion: {args.messages:,} events in transactions of {args.batch} "
        "through the path of `vastaa ingest`, into an empty database per run. `capture_ingested` "
        "(snapshots, canonical JSON, hashes, inserts, the head's lock) timed at each batch, per "
        "message it captured; the same ingestion with capture made a no-op is the baseline "
        f"(target ≤ {CAPTURE_TARGET_MS:g} ms p95 per message).",
        "",
        "| database | capture ms/message, median batch | p95 batch | worst batch "
        "| ingestion events/s with capture | without | cost of capture |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in capture_rows:
        cost = 1 - row.rate_on / row.rate_off
        lines.append(
            f"| {row.kind} | {row.median_ms:.3f} | {row.p95_ms:.3f} | {row.max_ms:.3f} "
            f"| {row.rate_on:,.0f} | {row.rate_off:,.0f} | {cost:.0%} |"
        )
    lines += [
        "",
        "`vastaa evidence verify` (the function it runs): records of about 500 bytes of "
        f"canonical JSON each, appended {APPEND_BATCH:,} to a transaction; verify walks every "
        "record, recomputing its hash and its content's, a page of 20,000 at a time "
        f"(target ≤ {VERIFY_TARGET_S:g} s for 1,000,000 records).",
        "",
        "| database | records | verify, median | records/s | building them | database size |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for v in verify_rows:
        lines.append(
            f"| {v.kind} | {v.records:,} | {v.verify_s:.1f} s | {v.records / v.verify_s:,.0f} "
            f"| {v.build_s:.0f} s | {v.size_mib:,.0f} MiB |"
        )
    return "\n".join(lines)


def kinds(args: argparse.Namespace) -> list[str]:
    chosen = [args.only] if args.only else list(KINDS)
    if "postgresql" in chosen:
        try:
            ensure_database(args.postgres)
        except OperationalError as error:
            print(f"PostgreSQL not reachable, skipped: {error}".splitlines()[0], file=sys.stderr)
            chosen.remove("postgresql")
    return chosen


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 messages, 20,000 records")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/vastaa_bench_evidence"
    )
    parser.add_argument("--only", choices=KINDS)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.records, args.runs = 2_000, 20_000, 2
    return args


def main() -> None:
    args = arguments()
    lines = make_lines(args.messages)
    capture_rows, verify_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        args.workdir = Path(tmp)
        for kind in kinds(args):
            capture_rows.append(measure_capture(kind, args, lines))
            verify_rows.append(measure_verify(kind, args))
    report = render(capture_rows, verify_rows, args)
    print(report)
    if args.write:
        write_section("Evidence archive", report)


if __name__ == "__main__":
    main()
