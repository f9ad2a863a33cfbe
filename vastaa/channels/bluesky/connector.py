"""The Bluesky connector: mentions, replies and quotes of our account; searches; Jetstream.

Reading (``read``), each source one page per read, its position in the cursor:

- ``notifications``: ``app.bsky.notification.listNotifications`` (reasons mention, reply,
  quote) → ``events``, walked newest first as ``listing`` describes;
- ``search``: ``app.bsky.feed.searchPosts`` (``sort=latest``) per listening term and
  ``#hashtag`` → ``found``, one listing per query;
- ``jetstream``: with ``jetstream_url`` set, a window of the firehose (post creates → ``found``,
  updates → edits, deletes → ``DeleteEvent``); its position is the last ``time_us`` read.

A 429 on the first call raises ``RateLimited``; on a later source it ends the read there with
what was read so far and ``wait`` set, the sources not read keeping their position. Only the
notifications failing fails the read: a search or the firehose that fails (refused, a 5xx, down)
is named in ``problems`` and keeps its position, and what the read already got is kept.

Sending: a reply is an ``app.bsky.feed.post`` record with ``reply`` strong references to the
post answered and its thread's root (looked up with ``app.bsky.feed.getPosts``). Its record key
is a TID derived from the outbox key, so a retried ``createRecord`` cannot make a second post:
the PDS refuses the existing key (today with HTTP 500) and the connector then answers with the
record already there (``com.atproto.repo.getRecord``).

Direct messages (``chat.bsky.*``, through the chat service proxy and with an app password that
allows them) are not supported, and Bluesky gives an account no way to hide or delete another
account's reply, so neither is declared.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from atproto import models

from vastaa.channels.base import (
    Capability,
    ChannelSetup,
    Fetched,
    Listening,
    MalformedPayload,
    Moderation,
    Outgoing,
    RateLimited,
    Receipt,
    Rejected,
    checked_url,
)
from vastaa.channels.bluesky import jetstream, parse
from vastaa.channels.bluesky.client import Answer, Xrpc
from vastaa.channels.bluesky.listing import Listing, Stamp
from vastaa.clock import Clock, utcnow
from vastaa.errors import PermanentError, RetryableError, VastaaError
from vastaa.pipeline.events import ChannelRef, Event, MessageEvent

CAPABILITIES: frozenset[Capability] = frozenset({"read_mentions", "reply"})
DEFAULT_BASE_URL = "https://bsky.social"
REASONS = ("mention", "reply", "quote")
NOTIFICATION_PAGE = 50
SEARCH_PAGE = 50
SEARCH_MAX_PAGES = 10  # a walk through a burst of one search goes at most this deep
NOTIFICATION_MAX_PAGES = 1000
WINDOW_SECONDS = 5.0
MAX_WINDOW_SECONDS = 60.0
MAX_EVENTS = 5000
DEFAULT_WAIT_SECONDS = 60.0  # a 429 that says nothing about when to come back
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_EPOCH_US = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z


@dataclass(frozen=True)
class Stream:
    """The Jetstream settings of a channel."""

    url: str
    seconds: float = WINDOW_SECONDS
    max_events: int = MAX_EVENTS


@dataclass
class _Read:
    """What a read gathers, source by source."""

    cursor: dict[str, Any]
    events: dict[str, Event] = field(default_factory=dict)
    found: dict[str, Event] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    more: bool = False
    wait: float | None = None
    calls: int = 0

    def fetched(self) -> Fetched:
        events = list(self.events.values())
        addressed = {event.external_id for event in events}
        return Fetched(
            events=events,
            found=[event for event in self.found.values() if event.external_id not in addressed],
            cursor=self.cursor,
            more=self.more,
            wait=self.wait,
            problems=self.problems,
        )

    def waits(self, seconds: float | None) -> None:
        if seconds is not None:
            self.wait = max(self.wait or 0.0, seconds)


class BlueskyConnector:
    platform = "bluesky"
    capabilities = CAPABILITIES

    def __init__(
        self, xrpc: Xrpc, channel: ChannelRef, *, stream: Stream | None = None, clock: Clock
    ) -> None:
        self.xrpc = xrpc
        self.channel = channel
        self.stream = stream
        self.clock = clock

    @classmethod
    def build(
        cls,
        setup: ChannelSetup,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utcnow,
    ) -> BlueskyConnector:
        handle = setup.account.strip().removeprefix("@")
        password = setup.credentials.get("app_password")
        if not handle:
            raise PermanentError("bluesky: the channel's account must be the handle")
        if not password:
            raise PermanentError("bluesky: the channel needs an app password (app_password)")
        base_url = _address(setup.config.get("base_url", DEFAULT_BASE_URL), "base_url", "https")
        xrpc = Xrpc(base_url, handle, password, clock=clock, transport=transport)
        channel = ChannelRef(platform="bluesky", account=setup.account)
        return cls(xrpc, channel, stream=_stream(setup.config), clock=clock)

    def check(self) -> str:
        return f"signed in as @{self.xrpc.session().handle}"

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        read = _Read(cursor=dict(cursor))
        searched = _mapping(cursor.get("search"))  # a query no longer listened to is dropped
        read.cursor["search"] = {q: searched[q] for q in _queries(listening) if q in searched}
        for name, source in self._sources(listening):
            if read.wait is None:
                self._read_source(name, source, read)
            else:  # the platform asked us to wait: the rest is read next time
                read.more = True
        return read.fetched()

    def _read_source(self, name: str, source: Callable[[_Read], None], read: _Read) -> None:
        """One page of one source; its position stays where it was unless it was read. Only
        the notifications (addressed to us) fail the whole read; another source that fails (a
        query the search refuses, a 5xx, the firehose down, a bug) is named in ``problems``."""
        try:
            source(read)
        except RateLimited as limited:
            if read.calls == 0:
                raise
            wait = limited.retry_after
            read.waits(DEFAULT_WAIT_SECONDS if wait is None else wait)
        except VastaaError as failed:
            if name == "notifications":
                raise
            read.problems.append(f"{name}: {failed}")
        except Exception as error:  # only its type: its message may quote what was sent
            if name == "notifications":
                raise
            read.problems.append(f"{name}: failed unexpectedly ({type(error).__name__})")

    def _sources(self, listening: Listening) -> Iterator[tuple[str, Callable[[_Read], None]]]:
        yield "notifications", self._notifications
        for query in _queries(listening):
            yield f"search {query!r}", functools.partial(self._search, query=query)
        if self.stream is not None:
            yield "jetstream", self._jetstream

    def _notifications(self, read: _Read) -> None:
        listing = Listing.from_json(read.cursor.get("notifications"))
        params = models.AppBskyNotificationListNotifications.Params(
            limit=NOTIFICATION_PAGE, reasons=list(REASONS), cursor=listing.page
        )
        answer = self._query(read, "app.bsky.notification.listNotifications", params)
        items = _items(answer.body, "notifications", read.problems)
        pairs = list(self._page(items, self._notification, read.problems))
        step = listing.step([s for s, _ in pairs], _next(answer.body), max_pages=10**6)
        _keep(read.events, pairs, step.fresh)
        read.cursor["notifications"] = step.after.to_json()
        read.more = read.more or step.after.walking

    def _notification(self, item: Mapping[str, Any]) -> Event | None:
        if item.get("reason") not in REASONS:
            return None  # a like, a follow: listed, not addressed to us as a message
        return parse.from_notification(item, self.channel)

    def _search(self, read: _Read, query: str) -> None:
        searches = dict(_mapping(read.cursor.get("search")))
        listing = Listing.from_json(searches.get(query))
        params = models.AppBskyFeedSearchPosts.Params(
            q=query, sort="latest", limit=SEARCH_PAGE, cursor=listing.page
        )
        answer = self._query(read, "app.bsky.feed.searchPosts", params)
        items = _items(answer.body, "posts", read.problems)
        pairs = list(self._page(items, self._post_view, read.problems))
        step = listing.step([s for s, _ in pairs], _next(answer.body), max_pages=SEARCH_MAX_PAGES)
        _keep(read.found, pairs, step.fresh)
        if step.cut:
            read.problems.append(f"search {query!r}: a burst deeper than {SEARCH_MAX_PAGES} pages")
        searches[query] = step.after.to_json()
        read.cursor["search"] = searches
        read.more = read.more or step.after.walking

    def _post_view(self, item: Mapping[str, Any]) -> Event:
        return self._ours(parse.from_post_view(item, self.channel))

    def _ours(self, event: MessageEvent) -> MessageEvent:
        """Our own post (a reply we sent, coming back) is outbound."""
        if event.author.id != self.xrpc.session().did:
            return event
        return event.model_copy(update={"direction": "outbound"})

    def _jetstream(self, read: _Read) -> None:
        assert self.stream is not None
        stored = _mapping(read.cursor.get("jetstream")).get("time_us")
        position = stored if isinstance(stored, int) and not isinstance(stored, bool) else None
        url = jetstream.subscribe_url(self.stream.url, position)
        started = int(self.clock().timestamp() * 1_000_000)
        window = jetstream.read_window(
            url, seconds=self.stream.seconds, max_events=self.stream.max_events, after_us=position
        )
        read.problems.extend(window.problems)
        for event in window.events:
            self._take_stream_event(read, event)
        last = max(window.last_time_us or 0, position or 0) or started  # a rewind goes no further
        read.cursor["jetstream"] = {"time_us": last}
        read.more = read.more or window.full

    def _take_stream_event(self, read: _Read, event: Mapping[str, Any]) -> None:
        try:
            found = parse.from_jetstream(event, self.channel)
        except (MalformedPayload, ValueError, TypeError) as error:  # one event: the rest is read
            read.problems.append(f"jetstream: {error}")
            return
        if isinstance(found, MessageEvent):  # an edit is kept beside its original
            read.found[f"{found.external_id} {found.version_at.isoformat()}"] = self._ours(found)
        elif found is not None:
            read.found[f"{found.external_id} deleted"] = found

    def _query(self, read: _Read, nsid: str, params: Any) -> Answer:
        answer = self.xrpc.query(nsid, params)
        read.calls += 1
        read.waits(answer.wait(self.clock))
        return answer

    def _page(
        self,
        items: list[Mapping[str, Any]],
        parser: Callable[[Mapping[str, Any]], Event | None],
        problems: list[str],
    ) -> Iterator[tuple[Stamp, Event | None]]:
        """Each readable item's place in the listing and its event; an item whose event cannot
        be read keeps its place (the position moves past it) and is named in ``problems``."""
        for item in items:
            try:
                stamp = parse.stamp(item)
            except MalformedPayload as error:
                problems.append(f"skipped: {error}")
                continue
            try:
                yield stamp, parser(item)
            except MalformedPayload as error:
                problems.append(f"skipped {stamp[1]}: {error}")
                yield stamp, None

    def send(self, outgoing: Outgoing) -> Receipt:
        if outgoing.action != "reply":
            raise Rejected("bluesky: direct messages are not supported")
        if not outgoing.in_reply_to:
            raise Rejected("bluesky: a reply needs the AT-URI of the post it answers")
        did = self.xrpc.session().did
        rkey = record_key(outgoing.key)
        try:
            created = self._create(did, rkey, outgoing)
        except RateLimited:
            raise
        except (RetryableError, Rejected):
            existing = self.xrpc.get_record(did, parse.POST, rkey)
            if existing is None:  # no earlier attempt with this key succeeded
                raise
            created = existing
        return _receipt(created, outgoing.text)

    def _create(self, did: str, rkey: str, outgoing: Outgoing) -> dict[str, Any]:
        record = self._reply_record(outgoing, self._post(str(outgoing.in_reply_to)))
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=did, collection=parse.POST, rkey=rkey, record=record
        )
        return self.xrpc.procedure("com.atproto.repo.createRecord", data).body

    def _post(self, uri: str) -> Mapping[str, Any]:
        params = models.AppBskyFeedGetPosts.Params(uris=[uri])
        posts = self.xrpc.query("app.bsky.feed.getPosts", params).body.get("posts")
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, Mapping) and post.get("uri") == uri:
                return post
        raise Rejected(f"bluesky: the post answered is not there any more ({uri})")

    def _reply_record(self, outgoing: Outgoing, parent: Mapping[str, Any]) -> dict[str, Any]:
        parent_ref = _strong_ref(parent)
        record = parent.get("record")
        reply = record.get("reply") if isinstance(record, Mapping) else None
        root = reply.get("root") if isinstance(reply, Mapping) else None
        post: dict[str, Any] = {
            "$type": parse.POST,
            "text": outgoing.text,
            "createdAt": utc_text(self.clock()),
            "reply": {"root": _strong_ref(root) if root else parent_ref, "parent": parent_ref},
        }
        if outgoing.lang:
            post["langs"] = [outgoing.lang]
        return post

    def moderate(self, request: Moderation) -> None:
        raise Rejected(
            f"bluesky: cannot {request.action}: the connector does not moderate on Bluesky"
        )


def record_key(key: str) -> str:
    """A TID (``3…``, 13 characters of base32-sortable) derived from the outbox key: the same
    key always names the same record. Its time part is a made-up instant in 2024 (53 bits of
    microseconds, the top bit zero) and its clock id 10 bits of the key's hash."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    micros = TID_EPOCH_US + (digest >> 10) % (1 << 45)
    value = (micros << 10) | (digest & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (5 * place)) & 31] for place in reversed(range(13)))


def utc_text(moment: datetime) -> str:
    """An atproto datetime: ``2024-11-20T10:00:00.000Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _queries(listening: Listening) -> list[str]:
    """The searches: terms as written, hashtags as ``#tag``; each once."""
    queries = [*listening.terms, *(f"#{tag.lstrip('#')}" for tag in listening.hashtags)]
    return list(dict.fromkeys(q.strip() for q in queries if q.strip().lstrip("#")))


def _receipt(record: Mapping[str, Any], text: str) -> Receipt:
    uri = record.get("uri")
    if not isinstance(uri, str) or not uri:
        raise RetryableError("bluesky: createRecord answered no uri")
    return Receipt(platform_id=uri, url=parse.post_url(uri), text=text)


def _strong_ref(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value.get("uri") or not value.get("cid"):
        raise Rejected("bluesky: the post answered has no uri and cid to refer to")
    return {"uri": str(value["uri"]), "cid": str(value["cid"])}


def _keep(
    into: dict[str, Event], pairs: list[tuple[Stamp, Event | None]], fresh: list[bool]
) -> None:
    for (_, event), new in zip(pairs, fresh, strict=True):
        if new and event is not None:
            into.setdefault(event.external_id, event)


def _items(body: Mapping[str, Any], key: str, problems: list[str]) -> list[Mapping[str, Any]]:
    items = body.get(key)
    if not isinstance(items, list):
        raise RetryableError(f"bluesky: the answer has no {key} list")
    listed = [item for item in items if isinstance(item, Mapping)]
    if len(listed) < len(items):
        problems.append(f"skipped {len(items) - len(listed)} {key} that are not objects")
    return listed


def _next(body: Mapping[str, Any]) -> str | None:
    cursor = body.get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _address(value: Any, key: str, secure: str) -> str:
    """An ``https://`` (``wss://``) address, or a local ``http://`` (``ws://``) one for tests."""
    return checked_url(str(value), what=f"bluesky: {key}", secure=secure)


def _stream(config: Mapping[str, Any]) -> Stream | None:
    url = config.get("jetstream_url")
    if not url:
        return None
    seconds = _number(config.get("window_seconds", WINDOW_SECONDS), "window_seconds")
    events = _number(config.get("max_events", MAX_EVENTS), "max_events")
    return Stream(
        url=_address(url, "jetstream_url", "wss"),
        seconds=min(seconds, MAX_WINDOW_SECONDS),
        max_events=int(events),
    )


def _number(value: Any, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if number <= 0:
        raise PermanentError(f"bluesky: {key} must be a positive number")
    return number
