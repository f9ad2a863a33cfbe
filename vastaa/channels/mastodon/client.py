"""Mastodon through Mastodon.py: reading mentions, direct messages, hashtags and searches;
replies, direct messages and moderation of authors.

Reading (``read``), one page of each source a call, each source's position in the cursor:

- ``GET /api/v1/notifications?types[]=mention&types[]=update``: statuses that mention the
  account (replies and direct messages mention it too) and edits (``update``) of statuses it
  boosted, kept where they are addressed to the account (``events``). Cursor
  ``{"notifications": "<id>"}``: the newest notification id delivered.
- ``GET /api/v1/timelines/tag/:hashtag`` for each of ``listening.hashtags``
  (``{"tags": {"kide": "<status id>"}}``) and ``GET /api/v2/search?type=statuses&q=`` for each
  of ``listening.terms`` (``{"terms": {"kide app": {"since": "<status id>"}}}``): ``found``.

The notifications and hashtag timelines page forward with ``min_id`` (the page immediately
newer than the cursor; the new position is the ``min_id`` of the ``Link`` header's
``rel="prev"``, or the newest id of the page). A search answers the newest matches first,
``min_id`` only bounding them, so a full page of a search is followed downwards with
``max_id`` (``top`` and ``below`` in its cursor) until a page is not full, and only then does
its position move to the newest match seen: nothing between is skipped. The first read of a
source takes only its newest page; a full page afterwards says ``more``. Sources no longer
listened to leave the cursor, new ones start from their newest page.

Rate limits: Mastodon.py in ``throw`` mode; a 429 becomes ``RateLimited`` with the time to
``X-RateLimit-Reset`` (after some sources were read, their pages are returned with ``wait``
instead). When ``X-RateLimit-Remaining`` reaches 0 on a successful call, the remaining sources
wait for the next read and ``Fetched.wait`` says until when.

Sending: a direct message is a status with ``direct`` visibility that mentions its recipient.
Every post carries the outbox key as its Idempotency-Key, which Mastodon honours for an hour: a
retried post is not posted twice.

Moderation: an account can block and unblock another account (blocking a blocked one succeeds)
and report an account with some of its statuses to the moderators, forwarded to the author's
server too. It cannot hide a reply or delete another person's status, so the connector does not
declare ``hide`` or ``delete``. The author is named by id, or by handle, looked up on the server.
A report has no idempotency key on Mastodon: one retried after a time-out may be filed twice.

Channel settings: ``config = {"base_url": "https://mastodon.example"}``, credentials
``{"token": ...}`` or ``{"token_env": "VARIABLE"}`` (an access token with read:accounts,
read:notifications, read:statuses and read:search for reading, write:statuses for sending, and
for moderation write:blocks and write:reports).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from vastaa.channels.base import (
    NEEDS,
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
)
from vastaa.channels.mastodon import parse
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import ChannelRef, Event, MessageEvent

CAPABILITIES: frozenset[Capability] = frozenset(
    {"read_mentions", "read_direct_messages", "reply", "direct_message", "block", "report"}
)
TIMEOUT_SECONDS = 15.0
REPORT_COMMENT_LIMIT = 1000  # Mastodon refuses a longer comment
PAGE_SIZE = 40  # the most a hashtag timeline or a search gives (notifications: 80)
NOTIFICATION_TYPES = ["mention", "update"]
DEFAULT_WAIT_SECONDS = 60.0  # when the server gave no usable X-RateLimit-Reset
HASHTAG = re.compile(r"^\w+$")

T = TypeVar("T")


class MastodonConnector:
    platform = "mastodon"
    capabilities = CAPABILITIES

    def __init__(self, api: Mastodon, account: str) -> None:
        self.api = api
        self.account = account
        self._me: str | None = None  # our account's id, asked once
        self._last = _LastResponse()
        api.session.hooks["response"].append(self._last)

    @classmethod
    def build(cls, setup: ChannelSetup) -> MastodonConnector:
        base_url = _base_url(setup)
        token = setup.credentials.get("token")
        if not token:
            raise PermanentError("mastodon: the channel needs an access token")
        api = Mastodon(
            access_token=token,
            api_base_url=base_url,
            ratelimit_method="throw",  # the outbox waits, not this thread
            request_timeout=TIMEOUT_SECONDS,
            version_check_mode="none",
            user_agent="vastaa",
        )
        return cls(api, setup.account)

    def check(self) -> str:
        account = self._call(self.api.account_verify_credentials)
        self._me = str(account["id"])
        return f"signed in as @{account['acct']}"

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        reading = _Reading(ChannelRef(platform=self.platform, account=self.account), self._id())
        for source in _sources(cursor, listening):
            if reading.wait is None:
                self._read_source(source, reading)
            else:  # the server asked us to wait: the rest waits for the next read
                reading.keep(source, source.state)
                reading.more = True
        return reading.fetched()

    def _read_source(self, source: _Source, reading: _Reading) -> None:
        """One page of one source into ``reading``; its position stays where it was unless
        the page was read."""
        state = source.state
        try:
            state = READERS[source.kind](self, source, reading)
        except RateLimited as limited:
            if not reading.answered:
                raise
            reading.wait = limited.retry_after
            if reading.wait is None:
                reading.wait = DEFAULT_WAIT_SECONDS
        except MalformedPayload as error:  # a page not in Mastodon's shape, a bad hashtag
            reading.problems.append(f"{_label(source)}: {error}")
        except Rejected as refused:  # listening refused (a scope, a query) is not fatal
            if source.kind == "notifications":
                raise
            reading.problems.append(f"{_label(source)}: {refused}")
        else:
            reading.answered += 1
            reading.wait = self._exhausted()
        reading.keep(source, state)

    def _notifications(self, source: _Source, reading: _Reading) -> str | None:
        since = _an_id(source.state)
        body, headers = self._fetch(
            self.api.notifications, types=NOTIFICATION_TYPES, min_id=since, limit=PAGE_SIZE
        )
        items = _listed(body)
        for item in items:
            reading.notification(item)
        reading.more |= since is not None and len(items) >= PAGE_SIZE
        return _newest([since, _prev_min_id(headers), *map(parse.item_id, items)])

    def _hashtag(self, source: _Source, reading: _Reading) -> str | None:
        if not HASHTAG.match(source.name):
            raise MalformedPayload("a hashtag has only letters, digits and _")
        since = _an_id(source.state)
        body, headers = self._fetch(
            self.api.timeline_hashtag, source.name, min_id=since, limit=PAGE_SIZE, missing=[]
        )
        items = _listed(body)
        for item in items:
            reading.status(item, _label(source))
        reading.more |= since is not None and len(items) >= PAGE_SIZE
        return _newest([since, _prev_min_id(headers), *map(parse.item_id, items)])

    def _search(self, source: _Source, reading: _Reading) -> dict[str, str] | None:
        """Newest matches first: a full page is followed down (``below``) before the
        position (``since``) moves up to the newest match seen (``top``)."""
        state = source.state if isinstance(source.state, Mapping) else {}
        since, top, below = (_an_id(state.get(key)) for key in ("since", "top", "below"))
        body, _ = self._fetch(
            self.api.search_v2,
            source.name,
            resolve=False,
            result_type="statuses",
            min_id=since,
            max_id=below,
            limit=PAGE_SIZE,
        )
        items = _listed(body.get("statuses") if isinstance(body, Mapping) else None)
        for item in items:
            if _between(parse.item_id(item), since, below):
                reading.status(item, _label(source))
        ids = [found for found in map(parse.item_id, items) if found]
        newest = _newest([top, *ids])
        if since is None:  # the first read: the newest page only
            return {"since": newest} if newest else None
        if len(items) < PAGE_SIZE or not ids:
            return {"since": _newest([since, newest]) or since}
        reading.more = True
        return {"since": since, "top": newest or since, "below": min(ids, key=_order)}

    def _fetch(
        self, method: Callable[..., Any], *args: Any, missing: Any = None, **params: Any
    ) -> tuple[Any, Mapping[str, str]]:
        """One GET through Mastodon.py (errors, rate-limit headers), answered as the server
        sent it: the JSON body and the headers. ``missing``: the answer to a 404."""
        try:
            method(*args, **params)
        except MastodonNotFoundError as error:
            if missing is None:
                raise _mapped(error, self.api) from error
            return missing, {}
        except Exception as error:  # every Mastodon.py error is mapped, none is lost
            raise _mapped(error, self.api) from error
        response = self._last.response
        if response is None:
            raise RetryableError("mastodon: no response was recorded")
        return response.json(), response.headers

    def _id(self) -> str:
        """Our account's id: a reply to it is a reply to us."""
        if self._me is None:
            self._me = str(self._call(self.api.account_verify_credentials)["id"])
        return self._me

    def _exhausted(self) -> float | None:
        """Seconds until the rate limit resets when the last call used the last request."""
        remaining = getattr(self.api, "ratelimit_remaining", None)
        if not isinstance(remaining, int) or remaining > 0:
            return None
        reset = getattr(self.api, "ratelimit_reset", None)
        return max(0.0, float(reset) - time.time()) if reset else DEFAULT_WAIT_SECONDS

    def send(self, outgoing: Outgoing) -> Receipt:
        if outgoing.action == "direct_message" and not outgoing.recipient:
            raise Rejected("mastodon: a direct message needs the customer's handle")
        text = outgoing.text
        if outgoing.recipient and f"@{outgoing.recipient}" not in text:
            text = f"@{outgoing.recipient} {text}"  # Mastodon notifies whom a post mentions
        try:
            status = self.api.status_post(
                text,
                in_reply_to_id=outgoing.in_reply_to,
                visibility="direct" if outgoing.action == "direct_message" else "public",
                language=outgoing.lang,
                idempotency_key=outgoing.key,
            )
        except Exception as error:  # every Mastodon.py error is mapped below, none is lost
            raise _mapped(error, self.api) from error
        status_id = str(status["id"])
        thread = status_id if outgoing.action == "direct_message" else None
        return Receipt(platform_id=status_id, url=status.get("url"), thread_id=thread, text=text)

    def moderate(self, request: Moderation) -> None:
        if NEEDS[request.action] not in self.capabilities:
            raise Rejected(
                f"mastodon: cannot {request.action}: Mastodon lets an account hide or delete "
                "only its own posts"
            )
        account_id = self._author_id(request)
        if request.action == "block":
            self._call(self.api.account_block, account_id)
        elif request.action == "unblock":
            self._call(self.api.account_unblock, account_id)
        else:
            self._report(account_id, request)

    def _report(self, account_id: str, request: Moderation) -> None:
        self._call(
            self.api.report,
            account_id,
            status_ids=[request.message_id] if request.message_id else None,
            comment=request.reason[:REPORT_COMMENT_LIMIT] or None,
            forward=True,  # the author's server's moderators see it too
            category=_category(request.reason),
        )

    def _author_id(self, request: Moderation) -> str:
        """The author's account id, looked up by handle when only the handle is known."""
        if request.author_id:
            return request.author_id
        if not request.author_handle:
            raise Rejected(f"mastodon: a {request.action} needs the author's id or handle")
        account = self._call(self.api.account_lookup, request.author_handle.removeprefix("@"))
        return str(account["id"])

    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One API call, its errors in Vastaa's tree."""
        try:
            return method(*args, **kwargs)
        except Exception as error:  # every Mastodon.py error is mapped, none is lost
            raise _mapped(error, self.api) from error


READERS: dict[str, Callable[[MastodonConnector, _Source, _Reading], Any]] = {
    "notifications": MastodonConnector._notifications,
    "tags": MastodonConnector._hashtag,
    "terms": MastodonConnector._search,
}


@dataclass(frozen=True)
class _Source:
    """One thing read: the notifications, a hashtag or a search term, and its position as
    the cursor holds it (``None`` for a source read for the first time)."""

    kind: Literal["notifications", "tags", "terms"]
    name: str
    state: Any


@dataclass
class _Reading:
    """What one ``read`` gathers, source by source. One version of each status: the newest
    (an edit and its original in one page); one found that is also an event is an event."""

    channel: ChannelRef
    me: str
    events: dict[str, MessageEvent] = field(default_factory=dict)
    found: dict[str, MessageEvent] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    more: bool = False
    wait: float | None = None
    answered: int = 0  # sources read

    def notification(self, item: Any) -> None:
        try:
            event = parse.notification_event(_mapping(item), channel=self.channel, me=self.me)
        except MalformedPayload as error:
            self.problems.append(f"notifications: {error}")
        else:
            if event is not None:
                _keep_newest(self.events, event)

    def status(self, item: Any, label: str) -> None:
        try:
            event = parse.found_event(_mapping(item), channel=self.channel, me=self.me)
        except MalformedPayload as error:
            self.problems.append(f"{label}: {error}")
        else:
            _keep_newest(self.found, event)

    def keep(self, source: _Source, state: Any) -> None:
        if state is None:
            return
        if source.kind == "notifications":
            self.cursor["notifications"] = state
        else:
            self.cursor.setdefault(source.kind, {})[source.name] = state

    def fetched(self) -> Fetched:
        found: list[Event] = [e for key, e in self.found.items() if key not in self.events]
        return Fetched(
            events=list[Event](self.events.values()),
            found=found,
            cursor=self.cursor,
            more=self.more,
            wait=self.wait,
            problems=self.problems,
        )


class _LastResponse:
    """A ``requests`` response hook that keeps the last response: its body as received (the
    raw payload) and its headers (``Link``)."""

    def __init__(self) -> None:
        self.response: Any = None

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.response = response


def _sources(cursor: Mapping[str, Any], listening: Listening) -> Iterator[_Source]:
    yield _Source("notifications", "", cursor.get("notifications"))
    tags, terms = _section(cursor, "tags"), _section(cursor, "terms")
    for tag in dict.fromkeys(t.strip().lstrip("#").casefold() for t in listening.hashtags):
        if tag:
            yield _Source("tags", tag, tags.get(tag))
    for term in dict.fromkeys(t.strip() for t in listening.terms):
        if term:
            yield _Source("terms", term, terms.get(term))


def _section(cursor: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = cursor.get(name)
    return section if isinstance(section, Mapping) else {}


def _label(source: _Source) -> str:
    if source.kind == "tags":
        return f"#{source.name}"
    return f"search {source.name!r}" if source.kind == "terms" else source.kind


def _mapping(item: Any) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise MalformedPayload(f"an item that is not an object: {str(item)[:40]!r}")
    return item


def _listed(body: Any) -> list[Any]:
    if not isinstance(body, list):
        raise MalformedPayload("the page is not a list")
    return body


def _keep_newest(events: dict[str, MessageEvent], event: MessageEvent) -> None:
    held = events.get(event.external_id)
    if held is None or event.version_at >= held.version_at:
        events[event.external_id] = event


def _an_id(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def _order(item_id: str) -> tuple[int, str]:
    """Mastodon's ids are numbers as text, "not guaranteed to be a number"."""
    return (len(item_id), item_id) if item_id.isdigit() else (0, item_id)


def _newest(ids: list[str | None]) -> str | None:
    known = [item_id for item_id in ids if item_id]
    return max(known, key=_order) if known else None


def _between(item_id: str | None, since: str | None, below: str | None) -> bool:
    """Whether a search result is newer than the position and older than the page above."""
    if item_id is None:
        return True  # parsing says what is wrong with it
    if since is not None and _order(item_id) <= _order(since):
        return False
    return below is None or _order(item_id) < _order(below)


def _prev_min_id(headers: Mapping[str, str]) -> str | None:
    """The ``min_id`` of the Link header's ``rel="prev"``: the newest item of the page."""
    for url, rel in re.findall(r'<([^>]*)>\s*;\s*rel="?([^";,]+)"?', headers.get("Link") or ""):
        if rel == "prev":
            query = parse_qs(urlsplit(url).query)
            found = query.get("min_id") or query.get("since_id")
            return str(found[0]) if found else None
    return None


def _base_url(setup: ChannelSetup) -> str:
    """``base_url``, by default the server of the account (``kide@mastodon.social``); https,
    or http on this machine (tests)."""
    _, _, domain = setup.account.removeprefix("@").partition("@")
    base_url = str(setup.config.get("base_url") or (f"https://{domain}" if domain else ""))
    parts = urlsplit(base_url)
    local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
    if not (parts.scheme == "https" and parts.hostname) and not local:
        raise PermanentError("mastodon: the channel needs an https:// base_url")
    return base_url.rstrip("/")


def _category(reason: str) -> str:
    """Mastodon's report category: spam when the reason says so, other otherwise."""
    return "spam" if reason.strip().casefold().startswith("spam") else "other"


def _mapped(error: Exception, api: Mastodon) -> Exception:
    """Mastodon.py's errors in Vastaa's tree, with the server's own reason."""
    if isinstance(error, MastodonRatelimitError):
        reset = getattr(api, "ratelimit_reset", None)
        wait = max(0.0, float(reset) - time.time()) if reset else None
        return RateLimited("mastodon: rate limited", retry_after=wait)
    if isinstance(error, MastodonNetworkError | MastodonServerError):
        return RetryableError(f"mastodon: {_reason(error)}")
    if isinstance(error, MastodonUnauthorizedError):
        return Rejected(f"mastodon: the access token was refused ({_reason(error)})")
    if isinstance(error, MastodonNotFoundError):
        return Rejected(f"mastodon: not found ({_reason(error)})")
    if isinstance(error, MastodonAPIError):
        return Rejected(f"mastodon: {_reason(error)}")
    return RetryableError(f"mastodon: {type(error).__name__}: {error}")


def _reason(error: Exception) -> str:
    """The server's error text (Mastodon.py passes it as the 4th argument) or the HTTP reason."""
    args: tuple[Any, ...] = error.args
    if len(args) >= 4 and args[3]:
        return str(args[3])[:500]
    if len(args) >= 3:
        return f"HTTP {args[1]} {args[2]}"
    return str(error)[:500]
