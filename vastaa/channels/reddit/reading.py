"""Reading Reddit's listings a bounded page at a time, without losing or repeating items.

Every source is a Listing, newest first: the inbox (``/message/inbox``), the subreddits'
``/new`` and ``/comments``, and ``/search?q=…&sort=new``. The cursor keeps per source the
newest item delivered (``top``: its fullname and ``created_utc``). A read walks from the top of
the listing backwards (``after=`` the last fullname of a page) until it meets that item, or an
older one when it has gone. If it does not meet it within ``PAGES_PER_READ`` pages, the cursor
keeps the unfinished stretch (``fill``: where to go on, and where to stop), ``more`` is set, and
the next read goes on from there before it looks at the top again. The first read of a source
takes only its newest page (an empty one is remembered as such: all that comes later is new).

Replies and mentions delivered to us are watched for a while (``watch``: the last
``WATCH_LIMIT``): each read asks ``/api/info`` for them once, and one that was edited comes
again with ``edited_at``, one that was deleted or removed as a ``DeleteEvent``.

Reddit's ``X-Ratelimit-Remaining`` reaching 0 ends the read where it is: the cursor keeps what
was read, ``more`` is set and ``wait`` is ``X-Ratelimit-Reset``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from vastaa.channels.base import Fetched, MalformedPayload
from vastaa.channels.reddit import parse
from vastaa.pipeline.events import ChannelRef, Event, Kind, MessageEvent

PAGES_PER_READ = 3
WATCH_LIMIT = 100  # /api/info takes at most 100 ids
# The top of a listing that was empty when first read: everything after it is new.
EMPTY = {"name": "", "created": 0.0}


class Listings(Protocol):
    """What reading needs of the API (``client.Api``)."""

    @property
    def exhausted(self) -> bool: ...

    @property
    def reset(self) -> float | None: ...

    async def get(self, path: str, **params: str | int) -> Any: ...


@dataclass(frozen=True)
class Source:
    key: str  # the cursor's name for it
    path: str
    params: Mapping[str, str]
    inbox: bool  # addressed to us: ``events``; otherwise ``found``


@dataclass
class Out:
    """What one read has gathered so far, each item once."""

    events: dict[str, Event] = field(default_factory=dict)
    found: dict[str, Event] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Walk:
    """One source's walk: its cursor entry after it, and whether a stretch is left."""

    entry: dict[str, Any]
    pending: bool


class Reader:
    def __init__(self, account: str, page_size: int, pages: int = PAGES_PER_READ) -> None:
        self.account = account
        self.channel = ChannelRef(platform="reddit", account=account)
        self.page_size = page_size
        self.pages = pages

    async def read(
        self, api: Listings, cursor: Mapping[str, Any], sources: list[Source]
    ) -> Fetched:
        out = Out()
        watch: dict[str, Any] = dict(cursor.get("watch") or {})
        if watch:
            await self._recheck(api, watch, out)
        old: Mapping[str, Any] = cursor.get("sources") or {}
        entries: dict[str, Any] = {}
        more = False
        for source in sources:
            entry = dict(old.get(source.key) or {})
            walk = Walk(entry, True) if api.exhausted else await self._walk(api, source, entry, out)
            more = more or walk.pending
            if walk.entry:
                entries[source.key] = walk.entry
        _watch_new(out.events.values(), watch)
        return Fetched(
            events=list(out.events.values()),
            found=list(out.found.values()),
            cursor={"sources": entries, "watch": watch},
            more=more,
            wait=api.reset if api.exhausted else None,
            problems=out.problems,
        )

    async def _walk(self, api: Listings, source: Source, entry: dict[str, Any], out: Out) -> Walk:
        try:
            return await self._pages(api, source, entry, out)
        except MalformedPayload as error:
            out.problems.append(f"{source.key}: {error}")
            return Walk(entry, False)

    async def _pages(self, api: Listings, source: Source, entry: dict[str, Any], out: Out) -> Walk:
        fill, top = entry.get("fill"), entry.get("top")
        stop = fill["stop"] if fill else top
        after: str | None = fill["after"] if fill else None
        newest: dict[str, Any] | None = None
        done = stop is None  # the first read takes the newest page only
        for number in range(self.pages if stop else 1):
            if number and api.exhausted:
                break
            limit = {"limit": self.page_size} | ({"after": after} if after else {})
            page = parse.listing(await api.get(source.path, **source.params, **limit))
            reached, first = self._take(page.children, stop, source, out)
            newest, after = newest or first, page.after
            if reached or after is None:
                done = True
                break
        entry = {"top": top if fill else (newest or top or EMPTY)}
        if not done:
            entry["fill"] = {"after": after, "stop": stop}
        return Walk({k: v for k, v in entry.items() if v}, not done)

    def _take(
        self, children: list[Any], stop: Mapping[str, Any] | None, source: Source, out: Out
    ) -> tuple[bool, dict[str, Any] | None]:
        """Deliver a page's things down to ``stop``: (whether it was met, the first thing's
        place). A thing older than ``stop`` meets it too: the one stopped at may be gone."""
        first: dict[str, Any] | None = None
        for child in children:
            try:
                at = parse.stamp(child)
            except MalformedPayload as error:
                out.problems.append(f"{source.key}: {error}")
                continue
            if stop and (at.name == stop["name"] or at.created < float(stop["created"])):
                return True, first
            first = first or {"name": at.name, "created": at.created}
            self._deliver(child, at.name, source, out)
        return False, first

    def _deliver(self, thing: Any, name: str, source: Source, out: Out) -> None:
        into = out.events if source.inbox else out.found
        if name in into:
            return
        try:
            into[name] = parse.event(
                thing, channel=self.channel, account=self.account, inbox=source.inbox
            )
        except MalformedPayload as error:
            out.problems.append(f"{source.key}: {error}")

    async def _recheck(self, api: Listings, watch: dict[str, Any], out: Out) -> None:
        """Edits and deletions of the replies and mentions we watch."""
        try:
            page = parse.listing(await api.get("/api/info", id=",".join(watch)))
        except MalformedPayload as error:
            out.problems.append(f"watch: {error}")
            return
        for thing in page.children:
            try:
                self._changed(thing, watch, out)
            except MalformedPayload as error:
                out.problems.append(f"watch: {error}")

    def _changed(self, thing: Any, watch: dict[str, Any], out: Out) -> None:
        name = parse.stamp(thing).name
        seen = watch.get(name)
        if seen is None:
            return
        gone, mark = parse.is_gone(thing), parse.edited_mark(thing)
        if not gone and mark == seen["edited"]:
            return
        kind: Kind = seen["kind"]
        event = parse.event(
            thing, channel=self.channel, account=self.account, inbox=True, kind=kind
        )
        out.events[name] = event
        if gone:
            del watch[name]
        else:
            watch[name] = {"edited": mark, "kind": kind}


def _watch_new(events: Iterable[Event], watch: dict[str, Any]) -> None:
    """Watch the comments just delivered to us, the newest ``WATCH_LIMIT`` of all (oldest
    first, so that the oldest are the first to go)."""
    for event in reversed(list(events)):
        fresh = event.external_id not in watch and event.external_id.startswith("t1_")
        if isinstance(event, MessageEvent) and fresh:
            mark = parse.edited_mark(event.raw)
            watch[event.external_id] = {"edited": mark, "kind": event.kind}
    for name in list(watch)[: max(0, len(watch) - WATCH_LIMIT)]:
        del watch[name]
