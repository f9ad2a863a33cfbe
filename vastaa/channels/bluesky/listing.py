"""Reading a newest-first listing (notifications, a search) without loss, one page a read.

Bluesky lists notifications and search results newest first; its page cursor walks towards
older items. A ``Listing`` is the durable state of reading one such list:

- ``seen``: the newest item delivered (its indexedAt and the AT-URIs at that instant), so a
  restart delivers nothing older again;
- while a burst is larger than a page, a *walk*: the platform's cursor of the next older page
  (``page``) and the newest item of the walk (``top``). ``seen`` moves to ``top`` only when the
  walk reaches what was seen before, so a crash in the middle reads the rest again, and the
  items that arrive meanwhile are on the first page of the next walk.

The first read of a listing (``seen`` unknown) takes the first page as its short backlog.
A walk may be cut at ``max_pages`` (a search term in a viral burst): ``seen`` then moves to
the walk's top and what lies deeper is skipped, said in ``Step.cut``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Stamp = tuple[datetime, str]  # indexedAt, AT-URI


@dataclass(frozen=True)
class Position:
    """The newest instant delivered, with the AT-URIs delivered at that very instant."""

    at: datetime
    uris: frozenset[str]

    @classmethod
    def newest(cls, stamps: Iterable[Stamp]) -> Position | None:
        listed = list(stamps)
        if not listed:
            return None
        at = max(when for when, _ in listed)
        return cls(at, frozenset(uri for when, uri in listed if when == at))

    def before(self, stamp: Stamp) -> bool:
        """Whether ``stamp`` is newer than this position (not yet delivered)."""
        at, uri = stamp
        return at > self.at or (at == self.at and uri not in self.uris)

    def merged(self, other: Position | None) -> Position:
        if other is None or other.at < self.at:
            return self
        if other.at > self.at:
            return other
        return Position(self.at, self.uris | other.uris)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "uris": sorted(self.uris)}

    @classmethod
    def from_json(cls, value: Any) -> Position | None:
        if not isinstance(value, Mapping) or not isinstance(value.get("at"), str):
            return None
        uris = value.get("uris")
        listed = [str(uri) for uri in uris] if isinstance(uris, list) else []
        return cls(datetime.fromisoformat(value["at"]), frozenset(listed))


@dataclass(frozen=True)
class Step:
    """What one page of a listing means: which of its items are new, and the state after it."""

    fresh: list[bool]
    after: Listing
    cut: bool = False


@dataclass(frozen=True)
class Listing:
    seen: Position | None = None
    page: str | None = None  # the platform's cursor of the next older page, while walking
    top: Position | None = None  # the newest item of the walk in progress
    pages: int = 0  # pages of the walk read so far

    @property
    def walking(self) -> bool:
        return self.page is not None

    def step(self, stamps: list[Stamp], next_page: str | None, *, max_pages: int) -> Step:
        """The page read at ``self.page`` (the first page when not walking) held ``stamps``,
        newest first; ``next_page`` is the platform's cursor of the page after it."""
        seen = self.seen
        fresh = [seen is None or seen.before(item) for item in stamps]
        newest = Position.newest(stamps)
        top = self.top or newest
        done = seen is None or not next_page or not all(fresh) or not stamps
        if done or self.pages + 1 >= max_pages:
            settled = top.merged(seen) if top else seen
            return Step(fresh, Listing(seen=settled), cut=not done)
        return Step(fresh, Listing(seen, next_page, top, self.pages + 1))

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"seen": self.seen.to_json() if self.seen else None}
        if self.page is not None:
            value["walk"] = {
                "page": self.page,
                "top": self.top.to_json() if self.top else None,
                "pages": self.pages,
            }
        return value

    @classmethod
    def from_json(cls, value: Any) -> Listing:
        if not isinstance(value, Mapping):
            return cls()
        seen = Position.from_json(value.get("seen"))
        walk = value.get("walk")
        if not isinstance(walk, Mapping) or not isinstance(walk.get("page"), str):
            return cls(seen)
        pages = walk.get("pages")
        count = pages if isinstance(pages, int) else 0
        return cls(seen, walk["page"], Position.from_json(walk.get("top")), count)
