"""Reading the channels: each channel that is due is asked for what is new since its cursor.

The connector reads outside any transaction. Then, in one transaction, the channel row is locked,
what was addressed to us is stored, what searches, feeds and firehoses found is stored where a
listening query matches it (or where it edits or deletes a post we hold), the matches are
recorded and the cursor moves on. A crash before the commit leaves the old cursor, so the same
page is read again, and ingestion, idempotent on (channel, external id), stores nothing twice;
after the commit nothing is read twice. Two readers of one channel cannot both store: the
second finds the channel's read counter moved and drops its page.

Errors: the platform's wait (``RateLimited``) is honoured; other errors back off from 30 s
doubling to an hour, and are shown on the channel (``read_error``) until a read succeeds.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import select, update
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
from vastaa.pipeline.events import Event, MessageEvent, cleaned
from vastaa.pipeline.ingest import ingest

log = logging.getLogger(__name__)

READ_EVERY = timedelta(seconds=60)  # a channel's config ``read_seconds`` changes it
ROUND_BUDGET_SECONDS = 20.0  # no new channel is read after this much of a worker's round
MAX_PROBLEMS = 2000  # characters of problems kept on the channel
STAY_KINDS = {"direct_message", "review"}  # kinds a match does not turn into "mention"


@dataclass(frozen=True)
class ReadOutcome:
    channel_id: uuid.UUID
    stored: int = 0  # events stored (addressed and matched)
    found: int = 0  # events searches and firehoses found
    matched: int = 0  # of which listening queries matched
    more: bool = False
    error: str = ""  # why the read failed, or the problems of a page that was stored
    failed: bool = False  # nothing was stored: the channel backs off


class Listener:
    """The compiled listening queries, rebuilt when a query changes, and the language detector
    the queries with a language filter need. One per worker."""

    def __init__(self) -> None:
        self._version: tuple[object, ...] | None = None
        self._matchers: dict[uuid.UUID | None, Matcher] = {}

    @cached_property
    def _detector(self):  # type: ignore[no-untyped-def]
        from vastaa.analysis.language import LanguageDetector

        return LanguageDetector()

    def matcher(self, session: Session, brand_id: uuid.UUID | None = None) -> Matcher:
        """The queries a channel of ``brand_id`` listens with, compiled once per brand and again
        when a query or one of our accounts changes."""
        own = queries.own_accounts(session)
        version = (
            *queries.version(session),
            tuple(sorted((k, tuple(sorted(v))) for k, v in own.items())),
        )
        if version != self._version:
            self._matchers, self._version = {}, version
        if brand_id not in self._matchers:
            self._matchers[brand_id] = Matcher(queries.compiled(session, brand_id), own=own)
        return self._matchers[brand_id]

    def language(self, text: str) -> str | None:
        return str(self._detector.detect(text).lang)

    def select(
        self,
        session: Session,
        channel_id: uuid.UUID,
        found: list[Event],
        brand_id: uuid.UUID | None = None,
    ) -> tuple[list[Event], dict[int, list[Hashable]]]:
        """What of ``found`` to store: posts one of the brand's queries matches (as mentions)
        and edits and deletions of posts already stored or kept earlier in the same page; with
        the queries each kept post matched, by its position in the list returned."""
        matcher = self.matcher(session, brand_id)
        stored = queries.stored_ids(session, channel_id, (event.external_id for event in found))
        kept: list[Event] = []
        matches: dict[int, list[Hashable]] = {}
        for event in found:
            keys = self._match(matcher, event) if isinstance(event, MessageEvent) else []
            if keys and isinstance(event, MessageEvent):
                matches[len(kept)] = keys
                kept.append(_as_mention(event))
                stored.add(event.external_id)
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
            author_id=event.author.id,
        )
        return matcher.match(post)


def read_due(
    sessions: sessionmaker[Session],
    registry: Registry,
    *,
    clock: Clock,
    listener: Listener,
    limit: int = 20,
    budget: float = ROUND_BUDGET_SECONDS,
) -> int:
    """Read the channels that are due (at most ``limit``, and no new one once ``budget``
    seconds have passed, so the rest of the worker's round is not kept waiting); returns how
    much was stored, plus one per channel with more waiting. A channel whose read fails in a
    way nobody foresaw is shown the error and backs off; the others are read."""
    with transaction(sessions) as session:
        due = due_channels(session, registry, now=clock())
    done = 0
    started = time.monotonic()
    for channel_id in due[:limit]:
        if time.monotonic() - started > budget:
            break
        try:
            outcome = read_channel(sessions, registry, channel_id, clock=clock, listener=listener)
        except Exception as error:  # logged, shown on the channel, backed off; never fatal
            log.exception("storing what was read from channel %s failed", channel_id)
            _failed(sessions, channel_id, _unforeseen(error), clock=clock)
            continue
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
            return ReadOutcome(channel_id, error="the channel was removed", failed=True)
        seen = Seen(channel.read_seq, channel.brand_id, _interval(channel))
        cursor = dict(channel.cursor or {})
        listening = queries.listening_for(session, channel.brand_id)
    try:
        fetched = _read(registry, channel, cursor, listening)
    except VastaaError as error:
        return _failed(sessions, channel_id, error, clock=clock)
    with transaction(sessions) as session:
        return _store(session, channel_id, seen, fetched, listener, now=clock())


@dataclass(frozen=True)
class Seen:
    """What a read knew of its channel when it began."""

    read_seq: int  # the number of reads stored so far: another reader's store changes it
    brand_id: uuid.UUID | None
    every: timedelta


def _read(
    registry: Registry, channel: Channel, cursor: dict[str, object], listening: Listening
) -> Fetched:
    try:
        return registry.connector(channel).read(cursor, listening)
    except VastaaError:
        raise
    except Exception as error:  # a connector's bug: logged, shown on the channel, retried
        log.exception("reading %s:%s failed", channel.platform, channel.account)
        raise _unforeseen(error) from error


def _unforeseen(error: Exception) -> VastaaError:
    """What the channel shows of an error nobody foresaw: its kind only (its text may quote a
    request, and so a secret); the whole of it is in the server's log."""
    return VastaaError(f"{type(error).__name__} (the server's log has the details)")


def _store(
    session: Session,
    channel_id: uuid.UUID,
    seen: Seen,
    fetched: Fetched,
    listener: Listener,
    *,
    now: datetime,
) -> ReadOutcome:
    kept, matches = listener.select(session, channel_id, fetched.found, seen.brand_id)
    if not _claim(session, channel_id, seen.read_seq):
        return ReadOutcome(channel_id, error="another reader stored first; page dropped")
    channel = session.get(Channel, channel_id)
    if channel is None:
        return ReadOutcome(channel_id, error="the channel was removed")
    _advance(channel, fetched, now=now, every=seen.every)
    events = [cleaned(event) for event in [*fetched.events, *kept]]
    results = ingest(session, events, now=now)
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


def _claim(session: Session, channel_id: uuid.UUID, read_seq: int) -> bool:
    """Compare and set, the transaction's first write: only the reader that saw the channel's
    latest stored read may store, so two readers never both move the cursor (on SQLite the
    write lock is taken here; on PostgreSQL the row's lock, which leaves inserts that refer to
    the channel free)."""
    moved = session.execute(
        update(Channel)
        .where(Channel.id == channel_id, Channel.read_seq == read_seq)
        .values(read_seq=read_seq + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(moved, "rowcount", 0) == 1)


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
            return ReadOutcome(channel_id, error=str(error), failed=True)
        channel.read_failures += 1
        channel.read_error = str(error)[:MAX_PROBLEMS]
        channel.next_read_at = clock() + backoff(channel.read_failures, retry_after)
    return ReadOutcome(channel_id, error=str(error), failed=True)


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
