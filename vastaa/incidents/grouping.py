"""Grouping complaints about the same problem, across channels and languages (R29), pure.

Each complaint is a point in the multilingual sentence encoder's space (multilingual-e5-small:
a Finnish, a Turkish and an English report of the same fault land close together). Complaints
are taken in time order; each joins the open group it is most similar to — its mean similarity
to the group's members, so one chance neighbour is not enough — when that is at least
``threshold`` and the group's last complaint is within ``window``; otherwise it starts a group
of its own. Groups are what incidents are made of: one member is isolated, two a pattern, three
or more a problem.

A first, measured baseline of issue 8 (BENCHMARKS.md, "Incident grouping"): far under its target
and not yet used by the product.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

THRESHOLD = 0.835  # chosen on the development half of benchmarks/data/complaints.jsonl
WINDOW = timedelta(hours=72)


@dataclass(frozen=True)
class Complaint:
    key: Hashable
    at: datetime
    vector: np.ndarray  # L2-normalised


@dataclass
class Group:
    members: list[Hashable] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    last_at: datetime | None = None

    def add(self, complaint: Complaint) -> None:
        self.members.append(complaint.key)
        self.vectors.append(complaint.vector)
        self.last_at = complaint.at


def group(
    complaints: Sequence[Complaint],
    *,
    threshold: float = THRESHOLD,
    window: timedelta = WINDOW,
) -> list[Group]:
    """The complaints in groups, in the order the groups began."""
    groups: list[Group] = []
    for complaint in sorted(complaints, key=lambda c: c.at):
        best, score = _closest(groups, complaint, window)
        if best is not None and score >= threshold:
            best.add(complaint)
        else:
            fresh = Group()
            fresh.add(complaint)
            groups.append(fresh)
    return groups


def _closest(
    groups: Sequence[Group], complaint: Complaint, window: timedelta
) -> tuple[Group | None, float]:
    best: Group | None = None
    score = -1.0
    for candidate in groups:
        if candidate.last_at is None or complaint.at - candidate.last_at > window:
            continue
        similarity = float(np.mean(np.stack(candidate.vectors) @ complaint.vector))
        if similarity > score:
            best, score = candidate, similarity
    return best, score
