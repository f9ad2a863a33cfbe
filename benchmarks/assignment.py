"""What one complaint costs the incident detection as open incidents pile up (issue 8): the
time to score a new complaint against every member of every open incident, and then the
incident it joined against every other open incident (the merge check), with today's matrices
of affinities (``grouping.fits`` and ``group_fits``, as ``detection.assign`` does) and, as the
baseline in the same process, pair by pair with ``grouping.affinity`` (as before).

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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from incidents import STREAMS, Stream  # noqa: E402
from ingest import _cpu  # noqa: E402

from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.incidents.grouping import (  # noqa: E402
    Complaint,
    Pool,
    affinity,
    fits,
    group_fits,
)

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
        "as before). **Merge check**: the incident the complaint joined (ten complaints) scored "
        "against every other open incident, as `detection.assign` does next (`grouping."
        "group_fits` now; before, one fit per member of the grown incident and other incident). "
        "The database reads (one query for the members of all open incidents) are not "
        "included.",
        "",
        "| open incidents | members | assign, pair by pair (ms) | assign, matrix (ms) | ratio "
        "| merge check, pair by pair (ms) | merge check, matrix (ms) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [row(new, others, size, args.repeat) for size in SIZES]
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section("Incident assignment", report)


if __name__ == "__main__":
    main()
