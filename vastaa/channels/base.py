"""The connector contract: what Vastaa asks of a platform, and what a platform may answer.

Reading: ``read(cursor, listening)`` returns one page of what is new since the durable
``cursor`` and the cursor after it (``Fetched``). The caller stores the events and the new
cursor in one transaction, so a crash between the two reads the same page again, and ingestion,
idempotent on (channel, external id), stores nothing twice. A stream or firehose is read the
same way, a bounded window at a time, its cursor the position of the last event read. Webhooks
(Meta) arrive through a ``WebhookReceiver`` instead: it checks the signature on the exact bytes
received and turns the body into events.

Writing: a connector declares its capabilities; the outbox (``vastaa.channels.tasks``) only
gives it actions it declared. ``send`` must be idempotent on ``Outgoing.key``: the outbox calls
it again with the same key after a time-out or a crash, and the platform must not post twice
(Mastodon honours an Idempotency-Key header; a connector for a platform without one looks for
its earlier post before posting again). Errors follow ``vastaa.errors``: ``RateLimited`` and other
``RetryableError`` are tried again later, ``PermanentError`` is shown to a person with the
platform's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import Event

if TYPE_CHECKING:
    from vastaa.config import Settings

Capability = Literal[
    "read_comments",
    "read_mentions",
    "read_direct_messages",
    "reply",
    "direct_message",
    "hide",
    "delete",
    "block",
    "report",
]
READS: frozenset[Capability] = frozenset({"read_comments", "read_mentions", "read_direct_messages"})


@dataclass(frozen=True)
class Outgoing:
    """A reply or a direct message on its way out."""

    key: str  # the idempotency key: the same for every attempt
    action: Literal["reply", "direct_message"]
    text: str
    lang: str | None = None
    in_reply_to: str | None = None  # the platform id of the message answered
    recipient: str | None = None  # the customer's handle: a direct message goes to it


@dataclass(frozen=True)
class Receipt:
    """What the platform says it posted: its id (the echo is recognised by it), a link, and
    for a direct message the thread the customer's answers will arrive in."""

    platform_id: str
    url: str | None = None
    thread_id: str | None = None
    text: str | None = None  # the text as posted, when the connector changed it (a mention)


ModerationAction = Literal["hide", "unhide", "delete", "block", "unblock", "report"]
# The capability a moderation action needs: undoing needs the same one as doing.
NEEDS: dict[str, Capability] = {
    "hide": "hide",
    "unhide": "hide",
    "delete": "delete",
    "block": "block",
    "unblock": "block",
    "report": "report",
}


@dataclass(frozen=True)
class Moderation:
    """A moderation action on a platform: on a message (hide, unhide, delete, report) or on its
    author (block, unblock; a report names both). Idempotent on ``key`` like ``Outgoing``."""

    key: str
    action: ModerationAction
    message_id: str | None  # the platform's id of the message
    author_id: str | None  # the platform's id of its author
    author_handle: str | None = None
    reason: str = ""  # what a report tells the platform


@dataclass(frozen=True)
class Listening:
    """What the brands' listening queries ask a source to look for, for platforms that search
    (``vastaa.listening``): words and "phrases" as written, hashtags without ``#``. Whatever a
    search finds is matched against the queries again before it is stored."""

    terms: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fetched:
    """One read: what is new since the cursor, and the cursor after it.

    ``events`` were addressed to us (mentions of our accounts, comments on our posts, direct
    messages) and are always stored. ``found`` came from searches, feeds and firehoses and is
    stored only where a listening query matches it. ``cursor`` is JSON: the position to read
    from next time, stored with the events. ``more``: another page is waiting, read again at
    once. ``wait``: seconds the platform asks us to wait before the next read (its rate
    headers). ``problems``: items of the page that could not be read (a malformed payload),
    each with its reason; the rest of the page is stored and the cursor moves past them."""

    events: list[Event] = field(default_factory=list)
    found: list[Event] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    more: bool = False
    wait: float | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    """A webhook request as it arrived: the exact bytes (signatures cover them), the headers
    with lower-case names, and the query parameters."""

    body: bytes
    headers: Mapping[str, str]
    params: Mapping[str, str]


class RateLimited(RetryableError):
    """The platform asked us to wait (HTTP 429, or its rate headers said none left)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Rejected(PermanentError):
    """The platform refused the action; ``reason`` is its own words."""


class Unauthorized(PermanentError):
    """A webhook's signature or verify token did not match: answered 401, nothing stored."""


class MalformedPayload(PermanentError):
    """A payload that does not have the platform's documented shape: answered 400."""


class Connector(Protocol):
    platform: str
    capabilities: frozenset[Capability]

    def check(self) -> str:
        """One cheap call that proves the settings and credentials work; says what it found
        ("signed in as @kide", "feed 'Kide blog', 12 entries"). Raises like the others."""
        ...

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        """What is new since ``cursor`` (``{}`` the first time: start from now, or from a
        platform's short backlog). A connector that declares no ``read_*`` capability returns
        ``Fetched(cursor=dict(cursor))``."""
        ...

    def send(self, outgoing: Outgoing) -> Receipt: ...

    def moderate(self, request: Moderation) -> None:
        """Carry out a moderation action the connector declared (``NEEDS`` maps it to its
        capability); an action already carried out (hiding what is hidden) succeeds."""
        ...


@dataclass(frozen=True)
class ChannelSetup:
    """What a connector is built from: the channel's account, its settings and credentials
    (credentials already read from the environment where the channel names a variable)."""

    account: str
    config: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)


ConnectorFactory = Callable[[ChannelSetup], Connector]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PLAIN = {"https": "http", "wss": "ws"}  # the unencrypted scheme allowed for loopback only


def checked_url(value: str, *, what: str, secure: str = "https") -> str:
    """A platform address from a channel's settings, without a trailing slash: ``secure``
    (https or wss), or its plain form (http, ws) only for this machine (tests' local servers),
    never with a user name or password in it. The host is compared after parsing, so
    ``http://127.0.0.1.evil.example`` and ``http://localhost:1@evil.example`` are refused.
    ``PermanentError`` names ``what`` and says why, without echoing the address."""
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise PermanentError(f"{what} is not a valid address") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise PermanentError(f"{what} must not carry a user name or password")
    if not host:
        raise PermanentError(f"{what} has no host")
    if parts.scheme == secure:
        return value.strip().rstrip("/")
    if parts.scheme == PLAIN.get(secure) and host in LOOPBACK_HOSTS:
        return value.strip().rstrip("/")
    raise PermanentError(f"{what} must be a {secure}:// address")


class WebhookReceiver(Protocol):
    """A platform that pushes (Meta): one receiver per platform, for all its channels."""

    platform: str

    def challenge(self, delivery: Delivery) -> str:
        """The subscription handshake (a GET): the text to answer, or ``Unauthorized``."""
        ...

    def receive(self, delivery: Delivery) -> list[Event]:
        """Check the signature on ``delivery.body`` (``Unauthorized`` when it does not match:
        nothing is stored) and turn the body into events (``MalformedPayload`` when it is not
        in the documented shape). Each event names its channel (the page or account id)."""
        ...


WebhookFactory = Callable[["Settings"], WebhookReceiver]
