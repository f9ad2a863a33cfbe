"""Grouping complaints about the same fault, across channels and languages (R29), pure.

Two complaints are compared on what they say and on what they name:

- the multilingual sentence encoder's cosine (multilingual-e5-small: a Finnish, a Turkish and an
  English report of the same fault land near each other, but so do two faults of one product);
- the brand's **products** each names (the catalogue a care team enters: "Aamu A2", "kahvinkeitin",
  "kahve makinesi");
- the generic **fault concepts** (``concepts.FAULTS``: leak, charging, login...) and **parts**
  (``concepts.OBJECTS``: lid, map, battery...) each names, found the same way in all three
  languages;
- **error codes** ("E4", "F12"), which name one fault exactly;
- the **words** both use, weighted by how rare they are among the complaints considered (the
  ``Pool``): two Finnish reports of "suodatinvalo" share a rare word, while "kahvinkeitin" is in
  every complaint about the coffee maker. Words count for more between complaints in the same
  language, which is why the language is weighed too;
- the cosine once the **mean complaint** is taken out of both vectors: every complaint to a
  brand is "a complaint about a device", and that common direction drowns what tells faults
  apart. The mean is the pool's, pulled towards a mean shipped with Vastaa while the pool is
  small. The **nuisance** directions are taken out too: the few in which reports of one
  problem differ most among our development complaints (language, tone, length), shipped with
  the mean.

``affinity`` weighs these into log-odds that two complaints are about the same problem (a
logistic regression fitted on the development part of our labelled complaints:
``python benchmarks/incidents.py --fit``). Complaints are taken in time order: each joins the
open group with the highest mean affinity to its members (so one chance neighbour is not enough)
when that is at least ``THRESHOLD`` and the group's last complaint is within the window;
otherwise it starts a group. A group that now fits another open group as a whole is merged
with it. Measured in BENCHMARKS.md, "Incident grouping".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from vastaa.incidents.concepts import FAULTS, OBJECTS, concepts, words

THRESHOLD = -1.25  # chosen on the development sets of benchmarks/data (see BENCHMARKS.md)
WINDOW = timedelta(hours=72)
MIN_STEM = 3
# A word is compared by its first letters (ASCII-folded): Finnish and Turkish endings differ
# where the stems agree ("suodattimen", "suodatin"; "filtreyi", "filtre").
TERM_LETTERS = 5
# The shipped mean complaint counts as this many complaints in a pool's mean.
PRIOR = 20
# The space complaints are compared in, learned from our development complaints
# (``benchmarks/incidents.py --space``): the mean complaint, and the few directions in which
# reports of one problem differ most from each other (their language, tone and length, not
# their fault), as orthonormal rows.
SPACE = Path(__file__).with_name("complaint_space.npz")
with np.load(SPACE) as _space:
    MEAN = _space["mean"].astype(np.float32)
    NUISANCE = _space["nuisance"].astype(np.float32)

# "E4", "F12", "e-21": one or two letters and one to three digits, standing alone; not order
# numbers ("KD-487655"). Model names in the catalogue ("Aamu A2") are not codes.
CODE = re.compile(r"(?<![\w-])([A-Za-z]{1,2})-?(\d{1,3})(?![\w-])")
HANDLE = re.compile(r"[@#]\w+")


@dataclass(frozen=True)
class Weights:
    """Log-odds weights of ``affinity`` (fitted by ``benchmarks/incidents.py --fit``)."""

    intercept: float = -3.46
    cosine: float = -0.05  # the raw cosine adds nothing once the centred one is weighed
    centred: float = 11.1  # the cosine without the mean complaint and the nuisance
    same_product: float = 0.81
    other_product: float = -2.73
    faults: float = 4.65  # times the Jaccard overlap of the fault concepts
    other_faults: float = -1.19
    parts: float = 0.68  # times the Jaccard overlap of the parts named
    terms: float = 2.82  # times the overlap of the words, weighted by their rarity in the pool
    # Words are shared far more often within one language, so a pair in one language needs
    # more of them.
    same_language: float = -1.17
    code: float = 4.44
    other_code: float = -0.06  # few pairs with two different codes in the development sets


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


def terms(text: str) -> frozenset[str]:
    """The words of a complaint as compared across complaints: the first letters of each word of
    four letters or more, ASCII-folded, and numbers of two or three digits ("80 astetta", "80
    derece"); not handles, hashtags or order numbers."""
    found = set()
    for word in words(HANDLE.sub(" ", text)):
        folded = _ascii(word)
        if folded.isdigit():
            if 2 <= len(folded) <= 3:
                found.add(folded)
        elif len(folded) >= 4:
            found.add(folded[:TERM_LETTERS])
    return frozenset(found)


def _ascii(word: str) -> str:
    return unicodedata.normalize("NFKD", word.replace("ı", "i")).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class Signature:
    products: frozenset[str] = frozenset()
    faults: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    lang: str = ""  # the message's language where known

    def as_json(self) -> dict[str, list[str] | str]:
        return {
            "products": sorted(self.products),
            "faults": sorted(self.faults),
            "parts": sorted(self.parts),
            "codes": sorted(self.codes),
            "terms": sorted(self.terms),
            "lang": self.lang,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Iterable[str] | str] | None) -> Signature:
        data = data or {}
        lang = data.get("lang", "")
        return cls(
            frozenset(data.get("products", ())),
            frozenset(data.get("faults", ())),
            frozenset(data.get("parts", ())),
            frozenset(data.get("codes", ())),
            frozenset(data.get("terms", ())),
            lang if isinstance(lang, str) else "",
        )


def signature(text: str, catalogue: Catalogue | None = None, lang: str | None = None) -> Signature:
    models = catalogue.models if catalogue else frozenset()
    codes = frozenset(_code(letters, digits) for letters, digits in CODE.findall(text)) - models
    return Signature(
        products=catalogue.find(text) if catalogue else frozenset(),
        faults=concepts(text, FAULTS),
        parts=concepts(text, OBJECTS),
        codes=codes,
        terms=terms(text),
        lang=lang or "",
    )


def _code(letters: str, digits: str) -> str:
    return f"{letters.upper()}{int(digits)}"


@dataclass(frozen=True)
class Complaint:
    key: Hashable
    at: datetime
    vector: np.ndarray  # L2-normalised
    signature: Signature = field(default_factory=Signature)


@dataclass(frozen=True)
class Pool:
    """The complaints a comparison is made among (the open groups' and the new one): their mean,
    taken out of every vector before the second cosine, and how rare each word is among them."""

    mean: np.ndarray
    document_frequency: Mapping[str, int]
    size: int

    @classmethod
    def of(cls, complaints: Iterable[Complaint]) -> Pool:
        listed = list(complaints)
        total = MEAN * PRIOR
        if listed:
            total = total + np.stack([c.vector for c in listed]).sum(axis=0)
        counts = Counter(term for c in listed for term in c.signature.terms)
        return cls(total / (PRIOR + len(listed)), counts, len(listed))

    def centred(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors (one or a matrix of rows) less the mean and the nuisance directions,
        L2-normalised again."""
        moved = vectors - self.mean
        moved = moved - (moved @ NUISANCE.T) @ NUISANCE
        norms = np.linalg.norm(moved, axis=-1, keepdims=True)
        return np.asarray(moved / np.maximum(norms, 1e-9))

    def rarity(self, term: str) -> float:
        return math.log((self.size + 1) / (self.document_frequency.get(term, 0) + 0.5))

    def overlap(self, a: frozenset[str], b: frozenset[str]) -> float:
        """Cosine of two complaints' words, each word weighted by its rarity in the pool."""
        shared = a & b
        if not shared:
            return 0.0
        weight = {term: self.rarity(term) ** 2 for term in a | b}
        return sum(weight[t] for t in shared) / math.sqrt(
            sum(weight[t] for t in a) * sum(weight[t] for t in b)
        )


FEATURES = (
    "cosine",
    "centred",
    "same_product",
    "other_product",
    "faults",
    "other_faults",
    "parts",
    "terms",
    "same_language",
    "code",
    "other_code",
)


def features(cosine: float, centred: float, a: Signature, b: Signature, pool: Pool) -> list[float]:
    """What ``Weights`` weighs, in the order of ``FEATURES``."""
    return [
        cosine,
        centred,
        float(bool(a.products & b.products)),
        float(bool(a.products and b.products and not a.products & b.products)),
        _jaccard(a.faults, b.faults),
        float(bool(a.faults and b.faults and not a.faults & b.faults)),
        _jaccard(a.parts, b.parts),
        pool.overlap(a.terms, b.terms),
        float(bool(a.lang) and a.lang == b.lang),
        float(bool(a.codes & b.codes)),
        float(bool(a.codes and b.codes and not a.codes & b.codes)),
    ]


def affinity(
    cosine: float,
    centred: float,
    a: Signature,
    b: Signature,
    pool: Pool,
    weights: Weights = WEIGHTS,
) -> float:
    """Log-odds that two complaints are about the same problem."""
    values = features(cosine, centred, a, b, pool)
    coefficients = (float(getattr(weights, name)) for name in FEATURES)
    return weights.intercept + sum(c * x for c, x in zip(coefficients, values, strict=True))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


@dataclass
class Group:
    members: list[Complaint] = field(default_factory=list)

    @property
    def last_at(self) -> datetime:
        return self.members[-1].at

    @property
    def keys(self) -> list[Hashable]:
        return [member.key for member in self.members]


def affinities(
    complaints: Sequence[Complaint],
    members: Sequence[Complaint],
    pool: Pool,
    weights: Weights = WEIGHTS,
) -> np.ndarray:
    """``affinity`` of every complaint (rows) to every member (columns), computed as matrices:
    the same figures as pair by pair, at a fraction of the cost when many incidents are open."""
    a = np.stack([c.vector for c in complaints])
    b = np.stack([m.vector for m in members])
    left = [c.signature for c in complaints]
    right = [m.signature for m in members]
    products = _Shared.of([s.products for s in left], [s.products for s in right])
    faults = _Shared.of([s.faults for s in left], [s.faults for s in right])
    parts = _Shared.of([s.parts for s in left], [s.parts for s in right])
    codes = _Shared.of([s.codes for s in left], [s.codes for s in right])
    columns = {
        "cosine": a @ b.T,
        "centred": pool.centred(a) @ pool.centred(b).T,
        "same_product": products.any,
        "other_product": products.none_of_both,
        "faults": faults.jaccard,
        "other_faults": faults.none_of_both,
        "parts": parts.jaccard,
        "terms": _term_overlap(left, right, pool),
        "same_language": _same_language(left, right),
        "code": codes.any,
        "other_code": codes.none_of_both,
    }
    total = np.full((len(left), len(right)), weights.intercept)
    for name in FEATURES:
        total += float(getattr(weights, name)) * columns[name]
    return total


@dataclass(frozen=True)
class _Shared:
    """What every pair across two lists of sets has in common, as matrices."""

    shared: np.ndarray  # how many items the pair shares
    union: np.ndarray  # how many items the pair names in all
    both: np.ndarray  # whether each of the two names any

    @classmethod
    def of(cls, left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]) -> _Shared:
        vocabulary = {item: n for n, item in enumerate(sorted(set().union(*left, *right)))}
        a, b = _binary(left, vocabulary), _binary(right, vocabulary)
        shared = a @ b.T
        sizes_a, sizes_b = a.sum(axis=1), b.sum(axis=1)
        union = sizes_a[:, None] + sizes_b[None, :] - shared
        return cls(shared, union, (sizes_a[:, None] > 0) & (sizes_b[None, :] > 0))

    @property
    def any(self) -> np.ndarray:
        return np.asarray(self.shared > 0, dtype=float)

    @property
    def none_of_both(self) -> np.ndarray:
        """Both name some, and none the same."""
        return np.asarray(self.both & (self.shared == 0), dtype=float)

    @property
    def jaccard(self) -> np.ndarray:
        out = np.zeros_like(self.shared)
        np.divide(self.shared, self.union, out=out, where=self.union > 0)
        return out


def _binary(sets: Sequence[frozenset[str]], vocabulary: Mapping[str, int]) -> np.ndarray:
    matrix: np.ndarray = np.zeros((len(sets), len(vocabulary)))
    rows, columns = _cells(sets, vocabulary)
    matrix[rows, columns] = 1.0
    return matrix


def _cells(
    sets: Sequence[frozenset[str]], vocabulary: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each item of each set, for an incidence matrix."""
    rows = np.repeat(np.arange(len(sets)), [len(items) for items in sets])
    columns = np.fromiter((vocabulary[item] for items in sets for item in items), int, len(rows))
    return rows, columns


def _same_language(left: Sequence[Signature], right: Sequence[Signature]) -> np.ndarray:
    a = np.array([s.lang for s in left], dtype=object)
    b = np.array([s.lang for s in right], dtype=object)
    return np.asarray((a[:, None] == b[None, :]) & (a[:, None] != ""), dtype=float)


def _term_overlap(left: Sequence[Signature], right: Sequence[Signature], pool: Pool) -> np.ndarray:
    """``Pool.overlap`` of every pair, as sparse matrices over the words the pairs use."""
    vocabulary = {
        term: n for n, term in enumerate(set().union(*(s.terms for s in (*left, *right))))
    }
    weight = np.array([pool.rarity(term) ** 2 for term in vocabulary])

    def incidence(signatures: Sequence[Signature]) -> csr_matrix:
        rows, columns = _cells([s.terms for s in signatures], vocabulary)
        shape = (len(signatures), len(vocabulary))
        return csr_matrix((np.ones(len(rows)), (rows, columns)), shape=shape)

    a, b = incidence(left), incidence(right)
    shared = np.asarray((a.multiply(weight[None, :]) @ b.T).toarray(), dtype=float)
    norms = np.sqrt(np.outer(a @ weight, b @ weight))
    out = np.zeros_like(shared)
    np.divide(shared, norms, out=out, where=shared > 0)
    return out


def fits(
    complaint: Complaint,
    groups: Sequence[Sequence[Complaint]],
    pool: Pool,
    weights: Weights = WEIGHTS,
) -> list[float]:
    """Mean affinity of a complaint to each of several groups' members (none empty), from one
    row of affinities."""
    return group_fits([complaint], groups, pool, weights)


def group_fits(
    members: Sequence[Complaint],
    groups: Sequence[Sequence[Complaint]],
    pool: Pool,
    weights: Weights = WEIGHTS,
) -> list[float]:
    """Mean affinity over every pair across one group and each of several (none empty), from
    one matrix of affinities."""
    if not groups:
        return []
    matrix = affinities(members, [m for group in groups for m in group], pool, weights)
    ends = np.cumsum([len(group) for group in groups])
    return [float(block.mean()) for block in np.split(matrix, ends[:-1], axis=1)]


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
        pool = Pool.of([complaint, *(m for g in open_groups for m in g.members)])
        joined = best_fit(complaint, open_groups, threshold, pool, weights)
        if joined is None:
            joined = Group()
            groups.append(joined)
        joined.members.append(complaint)
        others = [g for g in open_groups if g is not joined]
        _merge_into(joined, others, groups, threshold, pool, weights)
    return groups


def best_fit(
    complaint: Complaint,
    groups: Sequence[Group],
    threshold: float,
    pool: Pool,
    weights: Weights = WEIGHTS,
) -> Group | None:
    best: Group | None = None
    score = threshold
    for candidate, value in zip(
        groups, fits(complaint, [g.members for g in groups], pool, weights), strict=True
    ):
        if value >= score:
            best, score = candidate, value
    return best


def _merge_into(
    grown: Group,
    others: list[Group],
    groups: list[Group],
    threshold: float,
    pool: Pool,
    weights: Weights,
) -> None:
    while others:
        values = group_fits(grown.members, [other.members for other in others], pool, weights)
        n = int(np.argmax(values))
        value = values[n]
        if value < threshold:
            return
        other = others.pop(n)
        grown.members[:] = sorted([*grown.members, *other.members], key=lambda c: c.at)
        groups.remove(other)
