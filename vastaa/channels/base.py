"""The connector contract: what Vastaa asks of a platform, and what a platform may answer.

A connector declares its capabilities; the outbox (``vastaa.channels.tasks``) only gives it
actions it declared. ``send`` must be idempotent on ``Outgoing.key``: the outbox calls it again
with the same key after a time-out or a crash, and the platform must not post twice (Mastodon
honours an Idempotency-Key header; a connector for a platform without one looks for its earlier
post before posting again). Errors follow ``vastaa.errors``: ``RateLimited`` and other
``RetryableError`` are tried again later, ``PermanentError`` is shown to a person with the
platform's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from vastaa.errors import PermanentError, RetryableError

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


class RateLimited(RetryableError):
    """The platform asked us to wait (HTTP 429, or its rate headers said none left)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Rejected(PermanentError):
    """The platform refused the action; ``reason`` is its own words."""


class Connector(Protocol):
    platform: str
    capabilities: frozenset[Capability]

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
