"""Every brand's listening queries compiled into an Aho-Corasick automaton (ahocorasick-rs, the
Python binding of the Rust aho-corasick crate: on this project's posts it scans twice as fast as
pyahocorasick, which alone would leave no room for the 100,000 posts/s of issue 7).

Each query has **triggers**: atoms of which at least one occurs in every post the query matches
(for ``kide AND (akku OR pil)`` just ``kide``; for ``a OR b`` both; see ``triggers``). A post is
folded once (``query.fold``) and scanned once for all triggers at the same time, each hit kept
only where it stands on word boundaries as its mode asks. Most posts name no brand and end
there. Otherwise only the queries triggered are evaluated; the other atoms they need are looked
for one by one with ``str.find``. The language filter and "not from our own accounts"
are checked last, and the language is asked for only then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import ahocorasick_rs

from vastaa.listening.query import (
    INFLECTION_FROM,
    Any_,
    Atom,
    Has,
    Node,
    Not,
    atoms,
    fold,
)

MAX_INFLECTION = 5  # letters an inflected form may add to a word


@dataclass(frozen=True)
class Compiled:
    """One saved query, ready to match: ``key`` is whatever the caller names it by."""

    key: Hashable
    node: Node
    languages: frozenset[str] = frozenset()
    exclude_own: bool = True


@dataclass(slots=True)
class Post:
    """What the matcher looks at: the text, and for the filters who wrote it where and (asked
    only when a query has a language filter) its language."""

    text: str
    platform: str = ""
    author: str = ""  # the author's handle
    lang: str | Callable[[], str | None] | None = None
    author_id: str = ""  # the author's id on the platform


class Matcher:
    def __init__(
        self, queries: Sequence[Compiled], own: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        """``own``: our own accounts per platform (handles or platform ids, compared without
        case and a leading @), which queries leave out."""
        self.queries = list(queries)
        self._own = {
            platform: {_handle(h) for h in handles} for platform, handles in (own or {}).items()
        }
        mentioned = [atoms(q.node) for q in self.queries]
        self._atoms: list[Atom] = sorted(set().union(*mentioned), key=_order)
        ids = {atom: index for index, atom in enumerate(self._atoms)}
        usage = Counter(atom for found in mentioned for atom in found)
        self._users: list[list[int]] = [[] for _ in self._atoms]  # trigger id → query indexes
        for index, compiled in enumerate(self.queries):
            fired_by = triggers(compiled.node, usage) or frozenset(mentioned[index])
            for atom in fired_by:
                self._users[ids[atom]].append(index)
        scanned = {i for i, users in enumerate(self._users) if users}
        # Per query, the atoms the trigger scan does not look for: found by str.find when needed.
        self._others = [
            [(ids[a], a.text, _scan_mode(a)) for a in found if ids[a] not in scanned]
            for found in mentioned
        ]
        self._triggers = _automaton([(i, self._atoms[i]) for i in sorted(scanned)])
        self._tests = [_predicate(q.node, ids) for q in self.queries]

    def __len__(self) -> int:
        return len(self.queries)

    def match(self, post: Post) -> list[Hashable]:
        """The keys of the queries ``post`` matches, in the order they were given."""
        triggers = self._triggers
        if triggers is None:
            return []
        folded = fold(post.text)
        hits = triggers.scanner.find_matches_as_indexes(folded, True)
        if not hits:  # most posts: no brand named, nothing more to do
            return []
        present = _scan(triggers, folded, hits)
        if not present:
            return []
        return self._decide(post, folded, present)

    def _decide(self, post: Post, folded: str, present: set[int]) -> list[Hashable]:
        candidates = sorted({index for atom_id in present for index in self._users[atom_id]})
        looked: set[int] = set()
        for index in candidates:
            for atom_id, text, mode in self._others[index]:
                if atom_id not in looked:
                    looked.add(atom_id)
                    if _occurs(folded, text, mode):
                        present.add(atom_id)
        lang: str | None = None
        asked = False
        matched: list[Hashable] = []
        for index in candidates:
            compiled = self.queries[index]
            if not self._tests[index](present):
                continue
            if compiled.exclude_own and self._is_own(post):
                continue
            if compiled.languages:
                if not asked:
                    lang, asked = _language(post), True
                if lang not in compiled.languages:
                    continue
            matched.append(compiled.key)
        return matched

    def _is_own(self, post: Post) -> bool:
        ours = self._own.get(post.platform, ())
        return any(name and _handle(name) in ours for name in (post.author, post.author_id))


def triggers(node: Node, usage: Mapping[Atom, int] | None = None) -> frozenset[Atom] | None:
    """Atoms of which at least one occurs wherever ``node`` matches (``None`` where only a
    negation could say, e.g. ``NOT NOT a``; then all its atoms serve). Of the parts of an AND
    the one most likely to be rare is chosen: atoms few queries share (a brand's name rather
    than a product word every brand uses), then fewer atoms, then the first written: write the
    brand's name first."""
    if isinstance(node, Has):
        return frozenset({node.atom})
    if isinstance(node, Not):
        return None
    found = [triggers(child, usage) for child in node.children]
    if isinstance(node, Any_):
        if any(part is None for part in found):
            return None
        return frozenset().union(*(part for part in found if part is not None))
    usable = [part for part in found if part is not None]
    if not usable:
        return None
    return min(usable, key=lambda part: _rarity(part, usage or {}))


def _rarity(part: frozenset[Atom], usage: Mapping[Atom, int]) -> tuple[int, int]:
    return (sum(usage.get(atom, 1) for atom in part), len(part))


def _scan(
    automaton: _Automaton, folded: str, hits: list[tuple[int, int, int]] | None = None
) -> set[int]:
    """The ids of the automaton's atoms that occur in ``folded`` on the boundaries their modes
    ask for (``hits``: the automaton's raw matches, when already found)."""
    present: set[int] = set()
    length = len(folded)
    entries_of = automaton.entries
    if hits is None:
        hits = automaton.scanner.find_matches_as_indexes(folded, True)
    for pattern, start, after in hits:
        if start and (folded[start - 1].isalnum() or folded[start - 1] == "_"):
            continue
        for atom_id, mode in entries_of[pattern]:
            if atom_id not in present and _ends_well(folded, after, length, mode):
                present.add(atom_id)
    return present


@dataclass(frozen=True)
class _Automaton:
    scanner: ahocorasick_rs.AhoCorasick
    entries: list[tuple[tuple[int, str], ...]]  # pattern index → (atom id, mode) of its atoms


def _automaton(numbered: Sequence[tuple[int, Atom]]) -> _Automaton | None:
    if not numbered:
        return None
    grouped: dict[str, list[tuple[int, str]]] = {}
    for atom_id, atom in numbered:
        grouped.setdefault(atom.text, []).append((atom_id, _scan_mode(atom)))
    patterns = list(grouped)
    scanner = ahocorasick_rs.AhoCorasick(
        patterns, implementation=ahocorasick_rs.Implementation.ContiguousNFA
    )
    return _Automaton(scanner, [tuple(grouped[text]) for text in patterns])


def _predicate(node: Node, ids: Mapping[Atom, int]) -> Callable[[set[int]], bool]:
    """``query.evaluate`` for one query, compiled to closures over atom ids (hashing an int is
    far cheaper than hashing an ``Atom``)."""
    if isinstance(node, Has):
        atom_id = ids[node.atom]
        return lambda present: atom_id in present
    if isinstance(node, Not):
        inner = _predicate(node.child, ids)
        return lambda present: not inner(present)
    parts = [_predicate(child, ids) for child in node.children]
    if isinstance(node, Any_):
        return lambda present: any(part(present) for part in parts)
    return lambda present: all(part(present) for part in parts)


def _occurs(folded: str, text: str, mode: str) -> bool:
    """Whether ``text`` occurs in ``folded`` on the boundaries ``mode`` asks for (one atom,
    found by ``str.find``: cheaper than a scan for the few atoms a triggered query needs)."""
    length = len(folded)
    start = folded.find(text)
    while start >= 0:
        before = folded[start - 1] if start else " "
        if not (before.isalnum() or before == "_") and _ends_well(
            folded, start + len(text), length, mode
        ):
            return True
        start = folded.find(text, start + 1)
    return False


def _ends_well(folded: str, after: int, length: int, mode: str) -> bool:
    """Whether a hit that ends just before ``after`` ends where its mode allows."""
    if after >= length or mode == "prefix":
        return True
    char = folded[after]
    if not _wordish(char):  # a space, a full stop, an apostrophe (Kide'nin), ...
        return mode != "handle" or char != "." or not _next_is_word(folded, after + 1, length)
    if mode != "word":
        return False
    run = 0
    while after + run < length and _wordish(folded[after + run]) and run <= MAX_INFLECTION:
        run += 1
    return run <= MAX_INFLECTION


def _scan_mode(atom: Atom) -> str:
    """The atom's mode as the scan applies it: a word (or a phrase's last word) shorter than
    ``INFLECTION_FROM`` letters is matched whole."""
    if atom.mode == "word" and len(atom.text.rsplit(" ", 1)[-1]) < INFLECTION_FROM:
        return "exact"
    return atom.mode


def _wordish(char: str) -> bool:
    return char.isalnum() or char == "_"


def _next_is_word(folded: str, position: int, length: int) -> bool:
    return position < length and _wordish(folded[position])


def _language(post: Post) -> str | None:
    return post.lang() if callable(post.lang) else post.lang


def _handle(handle: str) -> str:
    return handle.strip().lower().removeprefix("@")


def _order(atom: Atom) -> tuple[str, str]:
    return (atom.text, atom.mode)
