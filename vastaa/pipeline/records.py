"""Typed records handed from one ingestion stage to the next."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from vastaa.pipeline.events import DeleteEvent, MessageEvent

Status = Literal["created", "duplicate", "revised", "deleted", "echo"]
ChannelKey = tuple[str, str]
MessageKey = tuple[uuid.UUID, str]


def by_channel(keys: Iterable[tuple[uuid.UUID, str]]) -> dict[uuid.UUID, list[str]]:
    """External ids grouped by channel: lookups go channel by channel, through its index."""
    grouped: dict[uuid.UUID, list[str]] = defaultdict(list)
    for channel_id, external_id in keys:
        grouped[channel_id].append(external_id)
    return grouped


@dataclass(frozen=True)
class EventResult:
    position: int
    status: Status
    message_id: uuid.UUID | None

    def as_json(self) -> dict[str, object]:
        return {
            "position": self.position,
            "status": self.status,
            "message_id": str(self.message_id) if self.message_id else None,
        }


@dataclass(frozen=True)
class KnownMessage:
    """What the round needs to know about a message already stored."""

    id: uuid.UUID
    content_hash: str
    version_at: datetime
    deleted: bool
    text: str


@dataclass(frozen=True)
class PendingOutbound:
    """A reply we sent that the platform has not echoed back yet."""

    id: uuid.UUID
    client_ref: str | None
    parent_external_id: str | None
    content_hash: str


@dataclass
class Known:
    messages: dict[MessageKey, KnownMessage] = field(default_factory=dict)
    tombstones: dict[MessageKey, datetime] = field(default_factory=dict)
    revision_hashes: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    pending: dict[uuid.UUID, list[PendingOutbound]] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    """An edit of a stored message; ``current`` says whether the event is the newest version."""

    message: KnownMessage
    event: MessageEvent
    current: bool


@dataclass
class Plan:
    """What ``classify`` decided for each event of the round."""

    results: list[EventResult] = field(default_factory=list)
    new: list[tuple[int, MessageEvent]] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    deletes: list[tuple[uuid.UUID, DeleteEvent, KnownMessage | None]] = field(default_factory=list)
    echoes: list[tuple[uuid.UUID, MessageEvent]] = field(default_factory=list)


@dataclass
class Placed:
    """New message rows with their thread and conversation, ready to insert."""

    rows: list[tuple[int, NewMessage]] = field(default_factory=list)
    new_conversations: list[dict[str, object]] = field(default_factory=list)
    conversation_updates: list[dict[str, object]] = field(default_factory=list)
    # Conversations that an older message moved to an earlier first day: their former first
    # moments, for the analytics rollups (analytics/stale.py).
    moved_first_days: list[datetime] = field(default_factory=list)


@dataclass
class NewMessage:
    id: uuid.UUID
    channel_id: uuid.UUID
    event: MessageEvent
    author_id: uuid.UUID
    thread_key: str
    parent_id: uuid.UUID | None = None
    root_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class Neighbour:
    """A stored message that a new one points at (its parent or its thread's root)."""

    id: uuid.UUID
    thread_key: str | None
    conversation_id: uuid.UUID | None


ConversationKey = tuple[uuid.UUID, str, uuid.UUID]
