"""Grouping complaints about the same fault, across channels and languages (R29), pure.

Two complaints are compared on what they say and on what they name:

- the multilingual sentence encoder's cosine (multilingual-e5-small: a Finnish, a Turkish and an
  English report of the same fault land near each other, but so do two faults of one product);
- the brand's **products** each names (the catalogue a care team enters: "Aamu A2", "kahvinkeitin",
  "kahve makinesi");
- the generic **fault concepts** (``concepts.FAULTS``: leak, charging, login...) and **parts**
  (``concepts.OBJECTS``: lid, map, battery...) each names, found the same way in all three
  languages;
- **error codes** ("E4", "F12"), which name one fault exactly.

``affinity`` weighs these into log-odds that two complaints are about the same problem (a
logistic regression fitted on the development half of our labelled complaints:
``python benchmarks/incidents.py --fit``). Complaints are taken in time order: each joins the
open group with the highest mean affinity to its members (so one chance neighbour is not enough)
when that is at least ``THRESHOLD`` and the group's last complaint is within the window;
otherwise it starts a group. A group that now fits another open group as a whole is merged
with it. Measured in BENCHMARKS.md, "Incident grouping".
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from vastaa.incidents.concepts import FAULTS, OBJECTS, concepts, words

THRESHOLD = -1.0  # chosen on the development half of benchmarks/data/complaints.jsonl
WINDOW = timedelta(hours=72)
MIN_STEM = 3

# "E4", "F12", "e-21": one or two letters and one to three digits, standing alone; not order
# numbers ("KD-487655"). Model names in the catalogue ("Aamu A2") are not codes.
CODE = re.compile(r"(?<![\w-])([A-Za-z]{1,2})-?(\d{1,3})(?![\w-])")


@dataclass(frozen=True)
class Weights:
    """Log-odds weights of ``affinity`` (fitted by ``benchmarks/incidents.py --fit``)."""

    intercept: float = -5.62
    cosine: float = 2.21
    same_product: float = 1.23
    other_product: float = -1.14
    faults: float = 8.33  # times the Jaccard overlap of the fault concepts
    other_faults: float = -1.41
    parts: float = 2.19  # times the Jaccard overlap of the parts named
    # No error-code problem is in the development half, so these cannot be fitted there: a shared
    # code counts as much as the same faults; two different codes as much against.
    code: float = 8.33
    other_code: float = -8.33


WEIGHTS = Weights()


class Catalogue:
    """A brand's products and what customers call them: ``{"coffee maker": ["aamu a2",
    "kahvinkeitin", "kahve makine"]}``, word stems matched as the fault concepts are."""

    def __init__(self, products: Mapping[str, Sequence[str]] | None = None) -> None:
        self.table: dict[str, dict[str, tuple[str, ...]]] = {
            name: {
                "any": tuple(
                    dict.fromkeys(a for a in map(str.lower, [name, *aliases]) if usable(a))
                )
            }
            for name, aliases in (products or {}).items()
        }
        self.models = frozenset(
            _code(letters, digits)
            for stems in self.table.values()
            for alias in stems["any"]
            for letters, digits in CODE.findall(alias)
        )

    def find(self, text: str) -> frozenset[str]:
        return concepts(text, self.table) if self.table else frozenset()


def usable(alias: str) -> bool:
    """An alias that can be matched: a word of at least three characters, or several words."""
    found = words(alias)
    return len(found) > 1 or (len(found) == 1 and len(found[0]) >= MIN_STEM)


@dataclass(frozen=True)
class Signature:
    products: frozenset[str] = frozenset()
    faults: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, list[str]]:
        return {
            "products": sorted(self.products),
            "faults": sorted(self.faults),
            "parts": sorted(self.parts),
            "codes": sorted(self.codes),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Iterable[str]] | None) -> Signature:
        data = data or {}
        return cls(
            frozenset(data.get("products", ())),
            frozenset(data.get("faults", ())),
            frozenset(data.get("parts", ())),
            frozenset(data.get("codes", ())),
        )


def signature(text: str, catalogue: Catalogue | None = None) -> Signature:
    models = catalogue.models if catalogue else frozenset()
    codes = frozenset(_code(letters, digits) for letters, digits in CODE.findall(text)) - models
    return Signature(
        products=catalogue.find(text) if catalogue else frozenset(),
        faults=concepts(text, FAULTS),
        parts=concepts(text, OBJECTS),
        codes=codes,
    )


def _code(letters: str, digits: str) -> str:
    return f"{letters.upper()}{int(digits)}"


def features(cosine: float, a: Signature, b: Signature) -> list[float]:
    """cosine, same product, other product, fault overlap, other faults, part overlap, same
    code, other code: what ``Weights`` weighs."""
    return [
        cosine,
        float(bool(a.products & b.products)),
        float(bool(a.products and b.products and not a.products & b.products)),
        _jaccard(a.faults, b.faults),
        float(bool(a.faults and b.faults and not a.faults & b.faults)),
        _jaccard(a.parts, b.parts),
        float(bool(a.codes & b.codes)),
        float(bool(a.codes and b.codes and not a.codes & b.codes)),
    ]


def affinity(cosine: float, a: Signature, b: Signature, weights: Weights = WEIGHTS) -> float:
    """Log-odds that two complaints are about the same problem."""
    w = weights
    coefficients = (
        w.cosine,
        w.same_product,
        w.other_product,
        w.faults,
        w.other_faults,
        w.parts,
        w.code,
        w.other_code,
    )
    return w.intercept + sum(
        c * x for c, x in zip(coefficients, features(cosine, a, b), strict=True)
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


@dataclass(frozen=True)
class Complaint:
    key: Hashable
    at: datetime
    vector: np.ndarray  # L2-normalised
    signature: Signature = field(default_factory=Signature)


@dataclass
class Group:
    members: list[Complaint] = field(default_factory=list)

    @property
    def last_at(self) -> datetime:
        return self.members[-1].at

    @property
    def keys(self) -> list[Hashable]:
        return [member.key for member in self.members]


def fit(complaint: Complaint, members: Sequence[Complaint], weights: Weights = WEIGHTS) -> float:
    """Mean affinity of a complaint to a group's members."""
    cosines = np.stack([m.vector for m in members]) @ complaint.vector
    return float(
        np.mean(
            [
                affinity(float(c), complaint.signature, m.signature, weights)
                for c, m in zip(cosines, members, strict=True)
            ]
        )
    )


def group(
    complaints: Sequence[Complaint],
    *,
    threshold: float = THRESHOLD,
    window: timedelta = WINDOW,
    weights: Weights = WEIGHTS,
) -> list[Group]:
    """The complaints in groups, in the order the groups began."""
    groups: list[Group] = []
    for complaint in sorted(complaints, key=lambda c: c.at):
        open_groups = [g for g in groups if complaint.at - g.last_at <= window]
        joined = best_fit(complaint, open_groups, threshold, weights)
        if joined is None:
            joined = Group()
            groups.append(joined)
        joined.members.append(complaint)
        _merge_into(joined, [g for g in open_groups if g is not joined], groups, threshold, weights)
    return groups


def best_fit(
    complaint: Complaint, groups: Sequence[Group], threshold: float, weights: Weights = WEIGHTS
) -> Group | None:
    best: Group | None = None
    score = threshold
    for candidate in groups:
        value = fit(complaint, candidate.members, weights)
        if value >= score:
            best, score = candidate, value
    return best


def group_fit(a: Sequence[Complaint], b: Sequence[Complaint], weights: Weights = WEIGHTS) -> float:
    """Mean affinity over every pair across two groups."""
    return float(np.mean([fit(member, b, weights) for member in a]))


def _merge_into(
    grown: Group, others: list[Group], groups: list[Group], threshold: float, weights: Weights
) -> None:
    while others:
        scored = [
            (group_fit(grown.members, other.members, weights), n) for n, other in enumerate(others)
        ]
        value, n = max(scored)
        if value < threshold:
            return
        other = others.pop(n)
        grown.members[:] = sorted([*grown.members, *other.members], key=lambda c: c.at)
        groups.remove(other)
