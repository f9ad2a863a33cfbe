"""The worker's side of the outbox: claim what is due, send it outside any transaction, record
what the platform said. A crash between sending and recording leaves the item "sending"; it is
claimed again after ``STALE`` and sent with the same idempotency key, so it is not posted twice."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.analytics import stale
from vastaa.channels.base import Moderation, Outgoing, RateLimited, Receipt
from vastaa.channels.models import PROVISIONAL_THREAD, Channel, OutboxItem
from vastaa.channels.registry import Registry
from vastaa.channels.service import MAX_ATTEMPTS, backoff
from vastaa.clock import Clock
from vastaa.conversations.models import Conversation
from vastaa.conversations.service import record
from vastaa.customers.models import Author
from vastaa.db import transaction
from vastaa.errors import PermanentError, RetryableError
from vastaa.messages.models import Message, content_hash
from vastaa.moderation.models import ModerationAction
from vastaa.triage.rules import PriorityWeights

log = logging.getLogger(__name__)
STALE = timedelta(minutes=10)  # far above BATCH × the connector's time-out
BATCH = 5


@dataclass(frozen=True)
class Claimed:
    item_id: uuid.UUID
    channel: Channel
    outgoing: Outgoing | Moderation
    attempt: int  # the result is recorded only while the item is still this claim's


def deliver_due(
    sessions: sessionmaker[Session],
    connectors: Registry,
    *,
    clock: Clock,
    weights: PriorityWeights | None = None,
) -> int:
    """Send what is due; returns how many items were tried. ``weights``: the configured
    priority weights, for the re-triage that recording a delivery does."""
    with transaction(sessions) as session:
        claimed = _claim(session, clock())
    for item in claimed:
        try:
            _deliver(_Sessions(sessions, weights), connectors, item, clock)
        except Exception:  # recording failed: the item is reclaimed after STALE, same key
            log.exception("recording outbox item %s failed", item.item_id)
    return len(claimed)


@dataclass(frozen=True)
class _Sessions:
    factory: sessionmaker[Session]
    weights: PriorityWeights | None

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with transaction(self.factory) as session:
            if self.weights is not None:
                session.info["priority_weights"] = self.weights
            yield session


def _claim(session: Session, now: datetime) -> list[Claimed]:
    due = or_(
        and_(OutboxItem.state == "queued", OutboxItem.next_attempt_at <= now),
        and_(OutboxItem.state == "sending", OutboxItem.updated_at <= now - STALE),
    )
    query = select(OutboxItem).where(due).order_by(OutboxItem.next_attempt_at).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for item in session.scalars(query).all():
        if item.state == "sending" and item.attempts >= MAX_ATTEMPTS:
            item.last_error = item.last_error or "no answer from the worker that sent it"
            _give_up(session, item, now)
            continue
        item.state, item.updated_at = "sending", now
        item.attempts += 1
        claimed.append(_claimed(session, item))
    return claimed


def _claimed(session: Session, item: OutboxItem) -> Claimed:
    message = session.get(Message, item.message_id)
    channel = session.get(Channel, item.channel_id)
    assert message is not None and channel is not None
    if item.moderation_id is not None:
        session.expunge(channel)
        return Claimed(item.id, channel, _moderation(session, item, message), item.attempts)
    recipient = None  # the customer: a direct message goes to them, a reply may mention them
    if message.conversation_id is not None:
        case = session.get(Conversation, message.conversation_id)
        author = session.get(Author, case.author_id) if case else None
        recipient = author.handle if author else None
    session.expunge(channel)
    outgoing = Outgoing(
        key=item.key,
        action="direct_message" if item.action == "direct_message" else "reply",
        text=message.text,
        lang=message.lang,
        in_reply_to=message.parent_external_id,
        recipient=recipient,
    )
    return Claimed(item.id, channel, outgoing, item.attempts)


def _moderation(session: Session, item: OutboxItem, message: Message) -> Moderation:
    taken = session.get(ModerationAction, item.moderation_id)
    author = session.get(Author, message.author_id) if message.author_id else None
    assert taken is not None
    return Moderation(
        key=item.key,
        action=taken.action,  # type: ignore[arg-type]  # checked when it was queued
        message_id=message.external_id,
        author_id=author.external_id if author else None,
        author_handle=author.handle if author else None,
        reason=taken.reason,
    )


def _carry_out(connectors: Registry, claimed: Claimed) -> Receipt | None:
    connector = connectors.connector(claimed.channel)
    if isinstance(claimed.outgoing, Moderation):
        connector.moderate(claimed.outgoing)
        return None
    return connector.send(claimed.outgoing)


def _deliver(sessions: _Sessions, connectors: Registry, claimed: Claimed, clock: Clock) -> None:
    try:
        receipt = _carry_out(connectors, claimed)
    except PermanentError as error:
        _record_failure(sessions, claimed, str(error), clock(), final=True)
    except RateLimited as error:
        _record_failure(sessions, claimed, str(error), clock(), wait=error.retry_after or 0.0)
    except RetryableError as error:
        _record_failure(sessions, claimed, str(error), clock())
    except Exception as error:  # a connector's bug: logged, and tried again later
        log.exception("sending outbox item %s failed", claimed.item_id)
        _record_failure(sessions, claimed, f"{type(error).__name__}: {error}", clock())
    else:
        with sessions.begin() as session:
            if not _still_ours(session, claimed):
                return
            if receipt is None:
                moderated(session, item_id=claimed.item_id, now=clock())
            else:
                delivered(session, item_id=claimed.item_id, receipt=receipt, now=clock())


def _still_ours(session: Session, claimed: Claimed) -> bool:
    """Another worker may have reclaimed the item after STALE: only the latest claim records."""
    item = session.get(OutboxItem, claimed.item_id, with_for_update=True)
    return item is not None and item.state == "sending" and item.attempts == claimed.attempt


def delivered(session: Session, *, item_id: uuid.UUID, receipt: Receipt, now: datetime) -> None:
    """The platform posted it: keep its id (the echo is then recognised), its link, and for a
    new direct-message case the thread the customer's answers will come in."""
    item = session.get(OutboxItem, item_id)
    assert item is not None
    message = session.get(Message, item.message_id)
    assert message is not None
    item.state, item.platform_id, item.done_at, item.updated_at = (
        "sent",
        receipt.platform_id,
        now,
        now,
    )
    item.last_error = ""
    taken = session.scalar(
        select(Message.id).where(
            Message.channel_id == message.channel_id, Message.external_id == receipt.platform_id
        )
    )
    if taken is None or taken == message.id:
        message.external_id = receipt.platform_id
    message.delivery = "sent"
    message.url = receipt.url or message.url
    if receipt.text and receipt.text != message.text:  # what the customer sees, and the echo
        message.text, message.content_hash = receipt.text, content_hash(receipt.text)
    if receipt.thread_id:
        _name_thread(session, message, receipt.thread_id)
    if message.conversation_id is not None:
        data = {"message_id": str(message.id), "platform_id": receipt.platform_id}
        record(session, message.conversation_id, "delivered", actor_id=None, now=now, data=data)


def moderated(session: Session, *, item_id: uuid.UUID, now: datetime) -> None:
    """The platform carried out a moderation action."""
    item = session.get(OutboxItem, item_id)
    assert item is not None and item.moderation_id is not None
    item.state, item.done_at, item.updated_at, item.last_error = "sent", now, now, ""
    taken = session.get(ModerationAction, item.moderation_id)
    if taken is not None:
        taken.state, taken.done_at, taken.last_error = "done", now, ""


def _name_thread(session: Session, message: Message, thread_id: str) -> None:
    case = session.get(Conversation, message.conversation_id)
    if case is None or not case.thread_key.startswith(PROVISIONAL_THREAD):
        return
    taken = session.scalar(
        select(Conversation.id).where(
            Conversation.channel_id == case.channel_id,
            Conversation.thread_key == thread_id,
            Conversation.author_id == case.author_id,
        )
    )
    if taken is None:
        case.thread_key = thread_id
        message.thread_key = thread_id


def _record_failure(
    sessions: _Sessions,
    claimed: Claimed,
    reason: str,
    now: datetime,
    *,
    final: bool = False,
    wait: float | None = None,
) -> None:
    with sessions.begin() as session:
        if not _still_ours(session, claimed):
            return
        item = session.get(OutboxItem, claimed.item_id)
        assert item is not None
        item.last_error, item.updated_at = reason[:2000], now
        if wait is not None:
            item.attempts = max(0, item.attempts - 1)  # waiting our turn is not a failure
        if final or item.attempts >= MAX_ATTEMPTS:
            _give_up(session, item, now)
        else:
            item.state = "queued"
            item.next_attempt_at = now + backoff(item.attempts, wait)


def _give_up(session: Session, item: OutboxItem, now: datetime) -> None:
    item.state, item.done_at = "failed", now
    if item.moderation_id is not None:  # the action stays recorded; a person sees why
        taken = session.get(ModerationAction, item.moderation_id)
        if taken is not None:
            taken.state, taken.last_error = "failed", item.last_error[:2000]
        return
    message = session.get(Message, item.message_id)
    assert message is not None
    message.delivery = "failed"
    stale.mark(session, [message.created_at])  # it counted as a reply that day
    if message.conversation_id is not None:
        case = session.get(Conversation, message.conversation_id)
        if case is not None and case.status == "waiting":
            case.status = "open"  # the customer has no answer yet: back to the work queues
        data = {"message_id": str(message.id), "reason": item.last_error[:500]}
        record(
            session, message.conversation_id, "delivery_failed", actor_id=None, now=now, data=data
        )
