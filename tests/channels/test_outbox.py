"""The outbox against a local Mastodon server (SQLite and PostgreSQL): replies are sent once,
retried with backoff, failures are shown with the platform's reason, the echo is recognised."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels import fake_mastodon
from tests.factories import at, events, message
from vastaa.analytics.models import AnalyticsStale
from vastaa.channels.base import Outgoing
from vastaa.channels.models import Channel, OutboxItem
from vastaa.channels.registry import builtin
from vastaa.channels.service import retry
from vastaa.channels.tasks import STALE, deliver_due
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.errors import PermanentError
from vastaa.messages.models import Message
from vastaa.pipeline.ingest import ingest
from vastaa.replies.review import mark_posted
from vastaa.replies.service import reply

MASTODON = {"platform": "mastodon", "account": "kide@mastodon.example", "name": "Kide"}
TEXT = "Kiitos viestistä! Pahoittelemme vuotoa. Lähetämme uuden keittimen. /Aino"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server() -> Iterator[fake_mastodon.Instance]:
    with fake_mastodon.running() as instance:
        yield instance


def setup_case(
    sessions: sessionmaker[Session],
    now: datetime,
    server: fake_mastodon.Instance,
    credentials: dict[str, str] | None = None,
) -> uuid.UUID:
    post = message(
        "109001",
        channel=MASTODON,
        author={"id": "77", "handle": "matti@example.social", "name": "Matti Virtanen"},
        text="Keitin vuotaa taas!",
        lang="fi",
        created_at=at(-10),
    )
    with transaction(sessions) as session:
        ingest(session, events(post), now=now)
        channel = session.scalars(select(Channel)).one()
        channel.config = {"base_url": server.base_url}
        channel.credentials = credentials or {"token": fake_mastodon.TOKEN}
        return session.scalars(select(Conversation.id)).one()


def send(sessions: sessionmaker[Session], case: uuid.UUID, user: uuid.UUID, now: datetime) -> Any:
    with transaction(sessions) as session:
        return reply(
            session,
            conversation_id=case,
            text=TEXT,
            lang="fi",
            sent_by_id=user,
            now=now,
            connectors=builtin({}),
        ).id


def state(sessions: sessionmaker[Session], message_id: uuid.UUID) -> tuple[Any, ...]:
    with sessions() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.message_id == message_id)).one()
        sent = session.get(Message, message_id)
        assert sent is not None
        return item.state, item.attempts, sent.delivery, sent.external_id, item.last_error


def timeline(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(ConversationEvent.kind).order_by(ConversationEvent.at)))


def test_a_reply_is_posted_once_as_a_reply_in_the_customers_language(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    assert state(sessions, sent)[:3] == ("queued", 0, "pending")

    assert deliver_due(sessions, builtin({}), clock=lambda: now) == 1
    assert deliver_due(sessions, builtin({}), clock=lambda: now) == 0  # nothing twice

    posted = server.posted
    assert len(posted) == 1
    assert posted[0]["in_reply_to_id"] == "109001" and posted[0]["language"] == "fi"
    assert posted[0]["text"] == f"@matti@example.social {TEXT}"
    assert state(sessions, sent) == ("sent", 1, "sent", posted[0]["id"], "")
    assert "delivered" in timeline(sessions)

    echo = message(
        posted[0]["id"],
        channel=MASTODON,
        direction="outbound",
        author={"id": "1", "handle": "kide", "name": "Kide"},
        text=posted[0]["text"],
        parent_id="109001",
    )
    with transaction(sessions) as session:
        result = ingest(session, events(echo), now=now)
    assert result[0].status == "duplicate" and result[0].message_id == sent


def test_a_server_error_is_retried_with_backoff_and_still_posts_once(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    server.fail_next(503, "Service Unavailable")
    clock = Clock(now)

    deliver_due(sessions, builtin({}), clock=clock)
    status, attempts, delivery, _, error = state(sessions, sent)
    assert (status, attempts, delivery) == ("queued", 1, "pending")
    assert "Service Unavailable" in error
    assert deliver_due(sessions, builtin({}), clock=clock) == 0  # waits its backoff
    clock.now = now + timedelta(seconds=31)
    deliver_due(sessions, builtin({}), clock=clock)
    assert state(sessions, sent)[:3] == ("sent", 2, "sent") and len(server.posted) == 1


def test_a_rate_limit_waits_as_long_as_the_platform_asks(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    server.rate_limit_next(600)

    deliver_due(sessions, builtin({}), clock=lambda: now)
    with sessions() as session:
        item = session.scalars(select(OutboxItem)).one()
        assert item.state == "queued" and "rate limited" in item.last_error
        assert item.next_attempt_at >= now + timedelta(seconds=500)
    assert state(sessions, sent)[2] == "pending" and server.posted == []


def test_a_refusal_is_shown_with_the_platforms_reason_and_can_be_tried_again(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    server.fail_next(422, "Validation failed: Text contains a forbidden word")

    deliver_due(sessions, builtin({}), clock=lambda: now)
    status, _, delivery, _, error = state(sessions, sent)
    assert (status, delivery) == ("failed", "failed") and "forbidden word" in error
    assert timeline(sessions)[-1] == "delivery_failed"
    with sessions() as session:  # its day counted it as a reply: the analytics sum it again
        assert session.scalars(select(AnalyticsStale.at)).all() == [
            session.get(Message, sent).created_at
        ]

    with transaction(sessions) as session:
        retry(session, message_id=sent, now=now)
    deliver_due(sessions, builtin({}), clock=lambda: now)
    assert state(sessions, sent)[:3] == ("sent", 1, "sent") and len(server.posted) == 1
    with sessions() as session:  # counted again: its day is marked once more
        assert session.scalar(select(func.count()).select_from(AnalyticsStale)) == 2


def test_a_send_cut_off_by_a_crash_is_retried_without_posting_twice(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    with transaction(sessions) as session:  # the worker claimed it, posted it ... and died
        item = session.scalars(select(OutboxItem)).one()
        item.state, item.attempts = "sending", 1
        channel = session.get(Channel, item.channel_id)
        assert channel is not None
        builtin({}).connector(channel).send(
            Outgoing(key=item.key, action="reply", text=TEXT, in_reply_to="109001")
        )
    assert deliver_due(sessions, builtin({}), clock=lambda: now) == 0  # maybe still sending
    later = now + STALE + timedelta(seconds=1)
    assert deliver_due(sessions, builtin({}), clock=lambda: later) == 1
    assert len(server.posted) == 1 and state(sessions, sent)[0] == "sent"


def test_credentials_come_from_the_environment_and_a_missing_one_is_named(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server, credentials={"token_env": "KIDE_MASTODON_TOKEN"})
    first = send(sessions, case, cast["aino"], now)
    deliver_due(sessions, builtin({}), clock=lambda: now)
    status, _, _, _, error = state(sessions, first)
    assert status == "failed" and "KIDE_MASTODON_TOKEN is not set" in error

    second = send(sessions, case, cast["aino"], now + timedelta(minutes=1))
    env = {"KIDE_MASTODON_TOKEN": fake_mastodon.TOKEN}
    deliver_due(sessions, builtin(env), clock=lambda: now + timedelta(minutes=1))
    assert state(sessions, second)[0] == "sent"
    assert all(fake_mastodon.TOKEN not in state(sessions, m)[4] for m in (first, second))


def test_a_channel_without_a_connector_waits_for_a_person_to_post_by_hand(
    sessions: sessionmaker[Session], cast: dict, now: datetime
) -> None:
    with transaction(sessions) as session:
        ingest(session, events(message("c1", text="Keitin vuotaa!")), now=now)
        case = session.scalars(select(Conversation.id)).one()
    sent = send(sessions, case, cast["aino"], now)
    with sessions() as session:
        assert session.scalars(select(OutboxItem)).all() == []
    with transaction(sessions) as session:
        mark_posted(session, message_id=sent, actor_id=cast["aino"], now=now)
        assert session.get(Message, sent).delivery == "sent"  # type: ignore[union-attr]


def test_a_reply_being_sent_by_the_connector_cannot_also_be_posted_by_hand(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    with transaction(sessions) as session, pytest.raises(PermanentError, match="connector"):
        mark_posted(session, message_id=sent, actor_id=cast["aino"], now=now)


def test_a_refused_reply_reopens_the_case_and_once_posted_by_hand_is_never_retried(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    server.fail_next(422, "Validation failed: the thread is locked")
    deliver_due(sessions, builtin({}), clock=lambda: now)
    with sessions() as session:
        assert session.get(Conversation, case).status == "open"  # type: ignore[union-attr]

    with transaction(sessions) as session:
        mark_posted(session, message_id=sent, actor_id=cast["aino"], now=now)
    with transaction(sessions) as session, pytest.raises(PermanentError, match="failed send"):
        retry(session, message_id=sent, now=now)
    deliver_due(sessions, builtin({}), clock=lambda: now)
    assert server.posted == [] and state(sessions, sent)[:3] == ("sent", 1, "sent")


def test_a_late_result_from_a_reclaimed_send_is_not_recorded_twice(
    sessions: sessionmaker[Session], cast: dict, server: fake_mastodon.Instance, now: datetime
) -> None:
    case = setup_case(sessions, now, server)
    sent = send(sessions, case, cast["aino"], now)
    with transaction(sessions) as session:
        item = session.scalars(select(OutboxItem)).one()
        item.state, item.attempts = "sending", 1  # claimed by a worker that hangs
    later = now + STALE + timedelta(seconds=1)
    deliver_due(sessions, builtin({}), clock=lambda: later)  # reclaimed and sent
    from vastaa.channels.tasks import Claimed, _record_failure, _Sessions

    with sessions() as session:
        channel = session.scalars(select(Channel)).one()
    hung = Claimed(item.id, channel, Outgoing(key=item.key, action="reply", text=TEXT), 1)
    _record_failure(_Sessions(sessions, None), hung, "timed out", later, final=True)
    assert state(sessions, sent)[:3] == ("sent", 2, "sent") and len(server.posted) == 1


def test_a_direct_message_without_a_handle_is_refused_not_posted_to_nobody() -> None:
    from vastaa.channels.base import ChannelSetup, Rejected
    from vastaa.channels.mastodon.client import MastodonConnector

    connector = MastodonConnector.build(
        ChannelSetup("kide", {"base_url": "https://mastodon.example"}, {"token": "t"})
    )
    with pytest.raises(Rejected, match="handle"):
        connector.send(Outgoing(key="k", action="direct_message", text="Hi", recipient=""))
    with pytest.raises(PermanentError, match="https"):
        MastodonConnector.build(
            ChannelSetup("kide", {"base_url": "http://mastodon.example"}, {"token": "t"})
        )
