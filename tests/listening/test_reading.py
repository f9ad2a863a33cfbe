"""Reading a channel through its real connector (X, against the local X API of
tests/channels/x/fake_x.py): what is addressed to us is stored, what searches find is stored as
a mention only where a listening query matches, the cursor moves in the same transaction, and
errors and rate limits are kept on the channel. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.x import fake_x
from tests.factories import events, message
from vastaa.channels import service as channels
from vastaa.channels.base import Listening
from vastaa.channels.models import Channel
from vastaa.channels.registry import builtin
from vastaa.db import transaction
from vastaa.listening import service
from vastaa.listening.models import ListeningMatch
from vastaa.listening.tasks import Listener, Seen, _store, due_channels, read_channel, read_due
from vastaa.messages.models import Message

OTHER = "1200000000000000009"


@pytest.fixture
def x() -> Iterator[fake_x.X]:
    with fake_x.running() as server:
        yield server


def _channel(sessions: sessionmaker[Session], x: fake_x.X, now: datetime) -> uuid.UUID:
    with transaction(sessions) as session:
        saved = channels.save_channel(
            session,
            platform="x",
            account=fake_x.OUR_ID,
            now=now,
            staffed=True,
            config={"base_url": x.base_url, "user_id": fake_x.OUR_ID},
            credentials={"bearer_token": fake_x.TOKEN},
        )
        service.save_query(
            session, name="Kide batteries", expression="kide AND (akku OR battery)", now=now
        )
        return saved.id


def _read(sessions: sessionmaker[Session], channel_id: uuid.UUID, now: datetime) -> object:
    return read_channel(sessions, builtin(), channel_id, clock=lambda: now, listener=Listener())


def _texts(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as session:
        return {m.text: m.kind for m in session.scalars(select(Message))}


def test_mentions_are_stored_and_found_posts_only_where_a_query_matches(
    sessions: sessionmaker[Session], x: fake_x.X, now: datetime
) -> None:
    channel_id = _channel(sessions, x, now)
    x.add_tweet("1896900000000000001", "@kide where is my order?", author=OTHER)
    x.add_tweet("1896900000000000002", "Kiden akku hajosi taas", author=OTHER)
    x.add_tweet("1896900000000000003", "kide cafe has the best coffee", author=OTHER)

    outcome = _read(sessions, channel_id, now)

    assert _texts(sessions) == {
        "@kide where is my order?": "mention",
        "Kiden akku hajosi taas": "mention",
    }
    assert outcome.error == ""  # type: ignore[attr-defined]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ListeningMatch)) == 1
        channel = session.get(Channel, channel_id)
        assert channel is not None and channel.cursor and channel.read_at == now
        assert channel.next_read_at == now + timedelta(seconds=60)


def test_reading_again_from_the_cursor_stores_nothing_twice(
    sessions: sessionmaker[Session], x: fake_x.X, now: datetime
) -> None:
    channel_id = _channel(sessions, x, now)
    x.add_tweet("1896900000000000001", "@kide hello", author=OTHER)
    _read(sessions, channel_id, now)
    x.add_tweet("1896900000000000005", "@kide again", author=OTHER)

    _read(sessions, channel_id, now)
    _read(sessions, channel_id, now)

    with sessions() as session:
        assert sorted(session.scalars(select(Message.text))) == ["@kide again", "@kide hello"]


def test_a_rate_limit_is_honoured_and_the_cursor_stays(
    sessions: sessionmaker[Session], x: fake_x.X, now: datetime
) -> None:
    channel_id = _channel(sessions, x, now)
    x.add_tweet("1896900000000000001", "@kide hello", author=OTHER)
    x.rate_limit_next(900)

    _read(sessions, channel_id, now)

    with sessions() as session:
        channel = session.get(Channel, channel_id)
        assert channel is not None
        assert channel.cursor is None and channel.read_failures == 1
        assert "too many requests" in channel.read_error.lower()
        assert channel.next_read_at is not None
        assert channel.next_read_at >= now + timedelta(seconds=800)
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        assert due_channels(session, builtin(), now=now) == []


def test_refused_credentials_are_shown_on_the_channel_without_the_token(
    sessions: sessionmaker[Session], x: fake_x.X, now: datetime
) -> None:
    channel_id = _channel(sessions, x, now)
    with transaction(sessions) as session:
        channels.save_channel(
            session,
            platform="x",
            account=fake_x.OUR_ID,
            now=now,
            credentials={"bearer_token": "wrong-token-456"},
        )

    outcome = _read(sessions, channel_id, now)

    assert outcome.error  # type: ignore[attr-defined]
    with sessions() as session:
        channel = session.get(Channel, channel_id)
        assert channel is not None and channel.read_error
        assert "wrong-token-456" not in channel.read_error


def test_a_page_read_while_another_reader_stored_is_dropped(
    sessions: sessionmaker[Session], x: fake_x.X, now: datetime
) -> None:
    channel_id = _channel(sessions, x, now)
    x.add_tweet("1896900000000000001", "@kide hello", author=OTHER)
    registry = builtin()
    with sessions() as session:
        channel = session.get(Channel, channel_id)
        assert channel is not None
        began = Seen(channel.read_seq, None, timedelta(seconds=60))
        fetched = registry.connector(channel).read({}, Listening())
    _read(sessions, channel_id, now)  # another reader stores first

    with transaction(sessions) as session:
        outcome = _store(session, channel_id, began, fetched, Listener(), now=now)

    assert "another reader" in outcome.error and not outcome.failed
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_found_edits_and_deletions_pass_only_for_posts_already_stored(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    from tests.factories import FACEBOOK, delete
    from vastaa.pipeline.ingest import ingest

    with transaction(sessions) as session:
        service.save_query(session, name="Kide", expression="kide", now=now)
        ingest(session, events(message("held", text="kide is fine")), now=now)
        channel_id = session.scalar(select(Channel.id).where(Channel.account == "kidesuomi"))
    assert channel_id is not None
    found = events(
        message(
            "held", text="nothing about it now", edited_at=(now + timedelta(minutes=5)).isoformat()
        ),
        message("new-unrelated", text="nothing about it"),
        delete("never-seen", channel=FACEBOOK),
        delete("held", channel=FACEBOOK),
        message("new-match", text="Kiden kahvinkeitin"),
    )

    with sessions() as session:
        kept, matches = Listener().select(session, channel_id, found)

    assert [(e.type, e.external_id) for e in kept] == [
        ("message", "held"),
        ("delete", "held"),
        ("message", "new-match"),
    ]
    assert kept[2].kind == "mention"  # type: ignore[union-attr]
    assert list(matches) == [2]


def test_read_due_reads_only_channels_that_are_set_up_and_due(
    sessions: sessionmaker[Session], x: fake_x.X, now: datetime
) -> None:
    channel_id = _channel(sessions, x, now)
    with transaction(sessions) as session:
        channels.save_channel(session, platform="facebook", account="listen-only", now=now)
    x.add_tweet("1896900000000000001", "@kide hello", author=OTHER)

    done = read_due(sessions, builtin(), clock=lambda: now, listener=Listener())
    again = read_due(sessions, builtin(), clock=lambda: now, listener=Listener())

    assert done == 1 and again == 0
    later = now + timedelta(seconds=61)
    with sessions() as session:
        assert due_channels(session, builtin(), now=later) == [channel_id]
