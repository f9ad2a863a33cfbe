"""Reading the channels: each channel that is due is asked for what is new since its cursor.

The connector reads outside any transaction. Then, in one transaction, the channel row is locked,
what was addressed to us is stored, what searches, feeds and firehoses found is stored where a
listening query matches it (or where it edits or deletes a post we hold), the matches are
recorded and the cursor moves on. A crash before the commit leaves the old cursor, so the same
page is read again, and ingestion, idempotent on (channel, external id), stores nothing twice;
after the commit nothing is read twice. Two readers of one channel cannot both store: the second
finds the cursor moved and drops its page.

Errors: the platform's wait (``RateLimited``) is honoured; other errors back off from 30 s
doubling to an hour, and are shown on the channel (``read_error``) until a read succeeds.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.channels.base import Fetched, Listening, RateLimited
from vastaa.channels.models import Channel
from vastaa.channels.registry import Registry
from vastaa.channels.service import backoff
from vastaa.clock import Clock
from vastaa.db import transaction
from vastaa.errors import VastaaError
from vastaa.listening import queries, service
from vastaa.listening.matcher import Matcher, Post
from vastaa.pipeline.events import Event, MessageEvent
from vastaa.pipeline.ingest import ingest

log = logging.getLogger(__name__)

READ_EVERY = timedelta(seconds=60)  # a channel's config ``read_seconds`` changes it
MAX_PROBLEMS = 2000  # characters of problems kept on the channel
STAY_KINDS = {"direct_message", "review"}  # kinds a match does not turn into "mention"


@dataclass(frozen=True)
class ReadOutcome:
    channel_id: uuid.UUID
    stored: int = 0  # events stored (addressed and matched)
    found: int = 0  # events searches and firehoses found
    matched: int = 0  # of which listening queries matched
    more: bool = False
    error: str = ""


class Listener:
    """The compiled listening queries, rebuilt when a query changes, and the language detector
    the queries with a language filter need. One per worker."""

    def __init__(self) -> None:
        self._version: tuple[object, ...] | None = None
        self._matcher = Matcher([])

    @cached_property
    def _detector(self):  # type: ignore[no-untyped-def]
        from vastaa.analysis.language import LanguageDetector

        return LanguageDetector()

    def matcher(self, session: Session) -> Matcher:
        own = queries.own_accounts(session)
        version = (
            *queries.version(session),
            tuple(sorted((k, tuple(sorted(v))) for k, v in own.items())),
        )
        if version != self._version:
            self._matcher = Matcher(queries.compiled(session), own=own)
            self._version = version
        return self._matcher

    def language(self, text: str) -> str | None:
        return str(self._detector.detect(text).lang)

    def select(
        self, session: Session, channel_id: uuid.UUID, found: list[Event]
    ) -> tuple[list[Event], dict[int, list[Hashable]]]:
        """What of ``found`` to store: posts a query matches (as mentions) and edits and
        deletions of posts already stored; with the queries each kept post matched, by its
        position in the list returned."""
        matcher = self.matcher(session)
        stored = queries.stored_ids(session, channel_id, (event.external_id for event in found))
        kept: list[Event] = []
        matches: dict[int, list[Hashable]] = {}
        for event in found:
            keys = self._match(matcher, event) if isinstance(event, MessageEvent) else []
            if keys and isinstance(event, MessageEvent):
                matches[len(kept)] = keys
                kept.append(_as_mention(event))
            elif event.external_id in stored:
                kept.append(event)
        return kept, matches

    def _match(self, matcher: Matcher, event: MessageEvent) -> list[Hashable]:
        text = event.text
        post = Post(
            text=text,
            platform=event.channel.platform,
            author=event.author.handle,
            lang=event.lang or (lambda: self.language(text)),
        )
        return matcher.match(post)


def read_due(
    sessions: sessionmaker[Session],
    registry: Registry,
    *,
    clock: Clock,
    listener: Listener,
    limit: int = 20,
) -> int:
    """Read every channel that is due (at most ``limit``); returns how much was stored, plus
    one per channel with more waiting."""
    with transaction(sessions) as session:
        due = due_channels(session, registry, now=clock())
    done = 0
    for channel_id in due[:limit]:
        outcome = read_channel(sessions, registry, channel_id, clock=clock, listener=listener)
        done += outcome.stored + int(outcome.more)
    return done


def due_channels(session: Session, registry: Registry, *, now: datetime) -> list[uuid.UUID]:
    channels = session.scalars(select(Channel).order_by(Channel.next_read_at, Channel.id))
    return [
        channel.id
        for channel in channels
        if registry.reads(channel) and (channel.next_read_at is None or channel.next_read_at <= now)
    ]


def read_channel(
    sessions: sessionmaker[Session],
    registry: Registry,
    channel_id: uuid.UUID,
    *,
    clock: Clock,
    listener: Listener,
) -> ReadOutcome:
    """One read of one channel (see the module's docstring)."""
    with transaction(sessions) as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            return ReadOutcome(channel_id, error="the channel was removed")
        cursor = dict(channel.cursor or {})
        listening = queries.listening_for(session, channel.brand_id)
        every = _interval(channel)
    try:
        fetched = _read(registry, channel, cursor, listening)
    except VastaaError as error:
        return _failed(sessions, channel_id, error, clock=clock)
    with transaction(sessions) as session:
        return _store(session, channel_id, cursor, fetched, listener, now=clock(), every=every)


def _read(
    registry: Registry, channel: Channel, cursor: dict[str, object], listening: Listening
) -> Fetched:
    try:
        return registry.connector(channel).read(cursor, listening)
    except VastaaError:
        raise
    except Exception as error:  # a connector's bug: logged, shown on the channel, retried
        log.exception("reading %s:%s failed", channel.platform, channel.account)
        raise VastaaError(f"{type(error).__name__}: {error}") from error


def _store(
    session: Session,
    channel_id: uuid.UUID,
    cursor: dict[str, object],
    fetched: Fetched,
    listener: Listener,
    *,
    now: datetime,
    every: timedelta,
) -> ReadOutcome:
    channel = session.get(Channel, channel_id, with_for_update=True)
    if channel is None or dict(channel.cursor or {}) != cursor:
        return ReadOutcome(channel_id, error="another reader moved the cursor; page dropped")
    kept, matches = listener.select(session, channel_id, fetched.found)
    _advance(channel, fetched, now=now, every=every)
    results = ingest(session, [*fetched.events, *kept], now=now)
    offset = len(fetched.events)
    pairs = [
        (result.message_id, uuid.UUID(str(key)))
        for result in results[offset:]
        if result.message_id is not None
        for key in matches.get(result.position - offset, ())
    ]
    service.record_matches(session, pairs, now=now)
    return ReadOutcome(
        channel_id,
        stored=len(fetched.events) + len(kept),
        found=len(fetched.found),
        matched=len(matches),
        more=fetched.more,
        error=channel.read_error,
    )


def _advance(channel: Channel, fetched: Fetched, *, now: datetime, every: timedelta) -> None:
    channel.cursor = dict(fetched.cursor)
    channel.read_at = now
    channel.read_failures = 0
    channel.read_error = "; ".join(fetched.problems)[:MAX_PROBLEMS]
    wait = timedelta(seconds=fetched.wait) if fetched.wait else timedelta(0)
    channel.next_read_at = now + max(wait, timedelta(0) if fetched.more else every)


def _failed(
    sessions: sessionmaker[Session], channel_id: uuid.UUID, error: VastaaError, *, clock: Clock
) -> ReadOutcome:
    retry_after = error.retry_after if isinstance(error, RateLimited) else None
    with transaction(sessions) as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            return ReadOutcome(channel_id, error=str(error))
        channel.read_failures += 1
        channel.read_error = str(error)[:MAX_PROBLEMS]
        channel.next_read_at = clock() + backoff(channel.read_failures, retry_after)
    return ReadOutcome(channel_id, error=str(error))


def _interval(channel: Channel) -> timedelta:
    value = (channel.config or {}).get("read_seconds")
    try:
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        seconds = None
    return timedelta(seconds=seconds) if seconds and seconds > 0 else READ_EVERY


def _as_mention(event: MessageEvent) -> MessageEvent:
    if event.kind in STAY_KINDS or event.kind == "mention":
        return event
    return event.model_copy(update={"kind": "mention"})


__all__ = ["Listener", "ReadOutcome", "read_channel", "read_due"]
