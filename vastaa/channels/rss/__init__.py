"""RSS and Atom feeds (blogs, forums, news, Google Alerts): listening only, no credentials.

One channel reads one feed, its address in ``config["url"]``. Every entry goes to
``Fetched.found`` as a public ``post``; the caller keeps those a brand's listening query
matches. A feed has no replies, no direct messages and no moderation: ``send`` and ``moderate``
are refused.

The cursor (JSON) holds the ETag and Last-Modified of the last answer, sent back so that an
unchanged feed costs a 304, and the ids of entries already delivered with the time of their
version (``updated``), newest first: every id still in the feed and up to 1,000 in all. Reading
the same feed again returns nothing; an entry whose ``updated`` moved forward comes back as an
edit (the same external id, ``edited_at`` set); an entry that left the feed is not a deletion
(feeds drop old entries). A feed is one page: ``more`` is never set.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from vastaa.channels.base import (
    Capability,
    ChannelSetup,
    Fetched,
    Listening,
    Moderation,
    Outgoing,
    Receipt,
    Rejected,
    checked_url,
)
from vastaa.channels.rss.client import FeedClient, Page, Resolver, public
from vastaa.channels.rss.parse import Feed, Seen, news, parse_feed
from vastaa.errors import PermanentError
from vastaa.pipeline.events import ChannelRef

PLATFORM = "rss"
CAPABILITIES: frozenset[Capability] = frozenset({"read_mentions"})
READ_ONLY = "rss: a feed can only be read; answer on the site that published the entry"

__all__ = ["CAPABILITIES", "PLATFORM", "RssConnector"]


class RssConnector:
    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(
        self,
        client: FeedClient,
        account: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.channel = ChannelRef(platform=PLATFORM, account=account)
        self.clock = clock

    @classmethod
    def build(
        cls,
        setup: ChannelSetup,
        *,
        transport: httpx.BaseTransport | None = None,
        resolve: Resolver = socket.getaddrinfo,
    ) -> RssConnector:
        url = str(setup.config.get("url") or "").strip()
        if not url:
            raise PermanentError("rss: the channel needs the feed's address (config url=https://…)")
        # checked, but kept as written: checked_url drops a trailing slash, and a feed at
        # /feed/ answers /feed with a permanent redirect
        checked_url(url, what="rss: the feed's address")
        return cls(FeedClient(url, transport=transport, resolve=resolve), setup.account)

    def check(self) -> str:
        page = self.client.fetch()  # no validators sent: a 304 would be the server's error
        if page is None:
            raise PermanentError("rss: the feed server answered 304 to a plain request")
        feed = self._parse(page)
        title = f"'{feed.title}'" if feed.title else "(no title)"
        found = f"feed {title}, {feed.total} {'entry' if feed.total == 1 else 'entries'}"
        return "; ".join([found, *feed.problems[:1]])

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        """The entries new or updated since ``cursor``; ``listening`` is not needed: a feed
        is read whole and every entry is offered to the listening queries."""
        etag, modified = _text(cursor.get("etag")), _text(cursor.get("last_modified"))
        page = self.client.fetch(etag, modified)
        if page is None:
            return Fetched(cursor=dict(cursor))
        feed = self._parse(page)
        found = news(feed.entries, _seen(cursor.get("seen")))
        seen = [[key, stamp] for key, stamp in found.seen]
        after = {"etag": page.etag, "last_modified": page.last_modified, "seen": seen}
        return Fetched(
            found=list(found.events), cursor=after, problems=feed.problems + _moved(page)
        )

    def send(self, outgoing: Outgoing) -> Receipt:
        raise Rejected(READ_ONLY)

    def moderate(self, request: Moderation) -> None:
        raise Rejected(f"rss: cannot {request.action}: a feed is read only, it has no moderation")

    def _parse(self, page: Page) -> Feed:
        return parse_feed(
            page.body,
            channel=self.channel,
            location=page.url,
            content_type=page.content_type,
            fetched_at=self.clock(),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _seen(value: Any) -> Seen:
    """The remembered ids of a stored cursor; anything not shaped right is dropped."""
    seen: Seen = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str):
            stamp = item[1] if isinstance(item[1], int) else None
            seen.append((item[0], stamp))
    return seen


def _moved(page: Page) -> list[str]:
    if not page.moved_to:
        return []
    return [
        f"rss: the feed has moved permanently to an address on {public(page.moved_to)} (the full "
        "address is not shown: it may hold a secret); update the channel"
    ]
