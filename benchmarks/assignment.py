"""What one complaint costs the incident detection as open incidents pile up (issue 8): the
time to score a new complaint against every member of every open incident, and then the
incident it joined against every other open incident (the merge check), with today's matrices
of affinities (``grouping.fits`` and ``group_fits``, as ``detection.assign`` does) and, as the
baseline in the same process, pair by pair with ``grouping.affinity`` (as before).

The members are our labelled development complaints (benchmarks/data), with their real
vectors and signatures, in incidents of ten; the new complaint is another of them.

A second table times all of ``detection.assign`` in a database (SQLite and PostgreSQL): the
query for the open incidents and their members, the scoring, the new member written, the counts
refreshed and the merge check, each run rolled back so that every run sees the same incidents.

    python benchmarks/assignment.py [--repeat 7] [--postgres URL] [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from incidents import START, STREAMS, Stream  # noqa: E402
from ingest import _cpu, ensure_database, fresh_engine  # noqa: E402

from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.db import make_sessionmaker, transaction  # noqa: E402
from vastaa.incidents import detection  # noqa: E402
from vastaa.incidents.grouping import (  # noqa: E402
    Complaint,
    Pool,
    affinity,
    fits,
    group_fits,
)
from vastaa.messages.models import Message  # noqa: E402
from vastaa.pipeline.files import ingest_stream  # noqa: E402

SIZES = (10, 100, 500, 1000)  # open incidents
MEMBERS = 10  # complaints in each


def pairwise(
    complaint: Complaint, groups: Sequence[Sequence[Complaint]], pool: Pool
) -> list[float]:
    """The baseline, as the grouping did before: for each group, its cosines as one matrix
    product, then ``affinity`` for each member on its own."""
    values = []
    for members in groups:
        vectors = np.stack([m.vector for m in members])
        cosines = vectors @ complaint.vector
        centred = pool.centred(vectors) @ pool.centred(complaint.vector)
        scored = [
            affinity(float(c), float(d), complaint.signature, m.signature, pool)
            for c, d, m in zip(cosines, centred, members, strict=True)
        ]
        values.append(float(np.mean(scored)))
    return values


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` runs."""
    spent = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        spent.append((time.perf_counter() - start) * 1000)
    return statistics.median(spent)


def merge_pairwise(
    grown: Sequence[Complaint], groups: Sequence[Sequence[Complaint]], pool: Pool
) -> list[float]:
    """The baseline of the merge check, as before: for each other group, the mean of each
    grown member's ``pairwise`` fit to it."""
    return [
        float(np.mean([pairwise(member, [members], pool)[0] for member in grown]))
        for members in groups
    ]


def row(new: Complaint, others: Sequence[Complaint], size: int, repeat: int) -> str:
    """One line of the table: ``size`` open incidents of ``MEMBERS`` complaints."""
    members = [others[n % len(others)] for n in range(size * MEMBERS)]
    groups = [members[n : n + MEMBERS] for n in range(0, len(members), MEMBERS)]
    pool = Pool.of([new, *members])
    grown = [new, *groups[0][1:]]  # the incident the complaint joined, less one member
    figures = [
        timed(partial(pairwise, new, groups, pool), repeat),
        timed(partial(fits, new, groups, pool), repeat),
        timed(partial(merge_pairwise, grown, groups[1:], pool), repeat),
        timed(partial(group_fits, grown, groups[1:], pool), repeat),
    ]
    before, now, merge_before, merge_now = figures
    return (
        f"| {size} | {len(members)} | {before:.1f} | {now:.1f} | {before / now:.1f}× "
        f"| {merge_before:.1f} | {merge_now:.1f} | {merge_before / merge_now:.1f}× |"
    )


def _events(texts: Sequence[str]) -> list[bytes]:
    """One post a complaint on one channel, a minute apart (within ten hours)."""
    return [
        json.dumps(
            {
                "channel": {"platform": "x", "account": "bench"},
                "external_id": f"c{n}",
                "kind": "post",
                "author": {"id": f"u{n}", "handle": f"user{n}"},
                "text": text,
                "created_at": (START + timedelta(minutes=n % 600)).isoformat(),
            }
        ).encode()
        for n, text in enumerate(texts)
    ]


def _candidate(message_id: uuid.UUID, complaint: Complaint) -> detection.Candidate:
    return detection.Candidate(message_id, "", complaint.at, None, complaint.signature)


def desk(
    engine: Engine, texts: Sequence[str], members: Sequence[Complaint], size: int
) -> tuple[detection.Candidate, Complaint]:
    """Fill the database with ``size`` open incidents of ``MEMBERS`` complaints each (members
    written as ``detection.assign`` writes them); returns the new complaint (the last one)."""
    sessions = make_sessionmaker(engine)
    count = size * MEMBERS
    listed = [*texts[:count], texts[-1]]
    ingest_stream(_events(listed), sessions, clock=lambda: START, batch_size=5000)
    with transaction(sessions) as session:
        rows = session.execute(select(Message.external_id, Message.id)).all()
        ids = {external_id: message_id for external_id, message_id in rows}
        for first in range(0, count, MEMBERS):
            complaint = members[first]
            incident = detection.new_incident(session, None, complaint.at, START)
            for n in range(first, first + MEMBERS):
                candidate = _candidate(ids[f"c{n}"], members[n])
                detection._add_member(session, incident, candidate, members[n].vector, 0.0, START)
    return _candidate(ids[f"c{len(listed) - 1}"], members[-1]), members[-1]


def in_database(
    engine: Engine, complaints: Sequence[Complaint], texts: Sequence[str], size: int, repeat: int
) -> float:
    """Median milliseconds of one whole ``detection.assign``, rolled back after each run. The
    members are the complaints after the first, which is the new one."""
    count = size * MEMBERS
    members = [complaints[1 + n % (len(complaints) - 1)] for n in range(count)] + [complaints[0]]
    names = [texts[1 + n % (len(texts) - 1)] for n in range(count)] + [texts[0]]
    sessions = make_sessionmaker(engine)
    candidate, new = desk(engine, names, members, size)

    def run() -> None:
        with sessions() as session, session.begin() as outer:
            detection.assign(session, candidate, new.vector, detection.Thresholds(), now=START)
            outer.rollback()

    return timed(run, repeat)


def capacity(members: int, milliseconds: float, window_hours: int = 72) -> str:
    """What the slowest figure means for a brand: placing one complaint costs about the same
    per complaint open, so one worker keeps up until the open complaints arrive faster than
    it places them (n / window per hour against 3600 / (n · cost) per hour)."""
    per_hour = 3600 / (milliseconds / 1000)
    per_member = milliseconds / 1000 / members  # seconds per open complaint
    limit = math.sqrt(3600 * window_hours / per_member)
    return (
        f"What it means: with {members:,} complaints open in the window ({window_hours} hours "
        f"by default), one worker places a new complaint in {milliseconds / 1000:.1f} s, about "
        f"{per_hour:,.0f} an hour, while the brand receives about {members / window_hours:,.0f} "
        f"an hour to keep that many open. The cost grows with the complaints open, so one "
        f"worker falls behind at about {limit:,.0f} complaints in the window (about "
        f"{limit / window_hours * 24:,.0f} a day); nothing prunes the incidents a complaint is "
        "scored against yet."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/vastaa_bench")
    args = parser.parse_args()
    streams = [Stream.load(name, part) for name, part in STREAMS.items() if part == "dev"]
    complaints = [c for stream in streams for c in stream.complaints]
    texts = [str(row["text"]) for stream in streams for row in stream.rows]
    new, others = complaints[0], complaints[1:]
    lines = [
        f"`python benchmarks/assignment.py --repeat {args.repeat}` on {_cpu()}: milliseconds to "
        f"score one new complaint against every open incident ({MEMBERS} complaints each, our "
        "labelled development complaints), median of the runs. **Matrix** is what "
        "`detection.assign` does now (`grouping.fits`: one matrix of affinities); **pair by "
        "pair** is the baseline, run in the same process (`grouping.affinity` for each member, "
        "as before). **Merge check**: the incident the complaint joined (ten complaints) scored "
        "against every other open incident, as `detection.assign` does next (`grouping."
        "group_fits` now; before, one fit per member of the grown incident and other incident). "
        "The database reads (one query for the members of all open incidents) are not "
        "included here; the second table has them.",
        "",
        "| open incidents | members | assign, pair by pair (ms) | assign, matrix (ms) | ratio "
        "| merge check, pair by pair (ms) | merge check, matrix (ms) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [row(new, others, size, args.repeat) for size in SIZES]
    lines += [
        "",
        "All of `detection.assign` in a database, reads and writes included (the open incidents "
        "and their members read in one query, the scoring, the new member written, the counts "
        "refreshed, the merge check), median milliseconds, each run rolled back:",
        "",
        "| open incidents | members | SQLite (ms) | PostgreSQL (ms) |",
        "|---:|---:|---:|---:|",
    ]
    ensure_database(args.postgres)
    with tempfile.TemporaryDirectory() as tmp:
        for run, size in enumerate(SIZES):
            figures = []
            for kind in ("sqlite", "postgresql"):
                engine = fresh_engine(kind, args.postgres, Path(tmp), run)
                figures.append(in_database(engine, complaints, texts, size, args.repeat))
                engine.dispose()
            sqlite, postgres = figures
            lines.append(f"| {size} | {size * MEMBERS} | {sqlite:.1f} | {postgres:.1f} |")
            print(lines[-1], flush=True)
    slowest = max(sqlite, postgres)
    lines += ["", capacity(SIZES[-1] * MEMBERS, slowest)]
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section("Incident assignment", report)


if __name__ == "__main__":
    main()
