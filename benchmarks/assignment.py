"""What one complaint costs the incident detection as open incidents pile up (issue 8): the
time to score a new complaint against every member of every open incident, with today's
matrix of affinities (``grouping.fits``, as ``detection.assign`` does) and, as the baseline in
the same process, pair by pair with ``grouping.affinity`` (as before).

The members are our labelled development complaints (benchmarks/data), with their real
vectors and signatures, in incidents of ten; the new complaint is another of them.

    python benchmarks/assignment.py [--repeat 7] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from incidents import STREAMS, Stream  # noqa: E402
from ingest import _cpu  # noqa: E402

from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.incidents.grouping import Complaint, Pool, affinity, fits  # noqa: E402

SIZES = (10, 100, 500, 1000)  # open incidents
MEMBERS = 10  # complaints in each


def pairwise(
    complaint: Complaint, groups: Sequence[Sequence[Complaint]], pool: Pool
) -> list[float]:
    """The baseline: every member scored on its own, as the grouping did before."""
    values = []
    for members in groups:
        scored = []
        for member in members:
            cosine = float(member.vector @ complaint.vector)
            centred = float(pool.centred(member.vector) @ pool.centred(complaint.vector))
            scored.append(affinity(cosine, centred, complaint.signature, member.signature, pool))
        values.append(sum(scored) / len(scored))
    return values


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` runs."""
    spent = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        spent.append((time.perf_counter() - start) * 1000)
    return statistics.median(spent)


def row(new: Complaint, others: Sequence[Complaint], size: int, repeat: int) -> str:
    """One line of the table: ``size`` open incidents of ``MEMBERS`` complaints."""
    members = [others[n % len(others)] for n in range(size * MEMBERS)]
    groups = [members[n : n + MEMBERS] for n in range(0, len(members), MEMBERS)]
    pool = Pool.of([new, *members])
    baseline = timed(partial(pairwise, new, groups, pool), repeat)
    matrix = timed(partial(fits, new, groups, pool), repeat)
    ratio = baseline / matrix
    return f"| {size} | {len(members)} | {baseline:.1f} | {matrix:.1f} | {ratio:.1f}× |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    complaints = [
        c
        for name, part in STREAMS.items()
        if part == "dev"
        for c in Stream.load(name, part).complaints
    ]
    new, others = complaints[0], complaints[1:]
    lines = [
        f"`python benchmarks/assignment.py --repeat {args.repeat}` on {_cpu()}: milliseconds to "
        f"score one new complaint against every open incident ({MEMBERS} complaints each, our "
        "labelled development complaints), median of the runs. **Matrix** is what "
        "`detection.assign` does now (`grouping.fits`: one matrix of affinities); **pair by "
        "pair** is the baseline, run in the same process (`grouping.affinity` for each member, "
        "as before). The database reads of `assign` (one query for the members of all open "
        "incidents) are not included.",
        "",
        "| open incidents | members | pair by pair (ms) | matrix (ms) | ratio |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [row(new, others, size, args.repeat) for size in SIZES]
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section("Incident assignment", report)


if __name__ == "__main__":
    main()
