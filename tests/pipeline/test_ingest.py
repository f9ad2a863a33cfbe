"""The one ingestion path, on SQLite and PostgreSQL: idempotent, order-independent, lossless."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import X, at, delete, events, message, timestamp
from vastaa.analytics.models import AnalyticsStale
from vastaa.channels.models import Channel
from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author, Customer
from vastaa.db import transaction
from vastaa.messages.models import Message, MessageRevision, Tombstone
from vastaa.messages.service import record_outbound
from vastaa.pipeline.ingest import ingest
from vastaa.pipeline.records import EventResult


def run(sessions: sessionmaker[Session], now: datetime, *items: dict[str, Any]) -> list[str]:
    with transaction(sessions) as session:
        results = ingest(session, events(*items), now=now)
    return [result.status for result in results]


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def by_external_id(sessions: sessionmaker[Session], external_id: str) -> Message:
    with sessions() as session:
        found = session.scalar(select(Message).where(Message.external_id == external_id))
        assert found is not None
        return found


def test_a_new_message_is_stored_with_its_channel_author_customer_and_conversation(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    assert run(sessions, now, message("c1", text="Kahvinkeitin vuotaa!", lang="fi")) == ["created"]

    stored = by_external_id(sessions, "c1")
    assert stored.text == "Kahvinkeitin vuotaa!"
    assert stored.raw == {"id": "c1"}
    assert stored.created_at == timestamp(0)
    assert stored.direction == "inbound" and stored.lang == "fi"
    with sessions() as session:
        channel = session.scalars(select(Channel)).one()
        assert (channel.platform, channel.account, channel.staffed) == (
            "facebook",
            "kidesuomi",
            True,
        )
        author = session.scalars(select(Author)).one()
        assert (author.handle, author.followers) == ("matti.v", 312)
        customer = session.scalars(select(Customer)).one()
        assert author.customer_id == customer.id
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.customer_id == customer.id
        assert conversation.status == "new"
        assert conversation.preview == "Kahvinkeitin vuotaa!"
        assert stored.conversation_id == conversation.id


def test_redelivery_is_a_no_op(sessions: sessionmaker[Session], now: datetime) -> None:
    batch = [message("c1"), message("c2", parent_id="c1"), delete("c3")]
    run(sessions, now, *batch)
    before = [count(sessions, m) for m in (Message, Conversation, Author, Tombstone)]

    assert run(sessions, now, *batch) == ["duplicate", "duplicate", "duplicate"]

    assert [count(sessions, m) for m in (Message, Conversation, Author, Tombstone)] == before
    assert count(sessions, MessageRevision) == 0


def test_an_edit_becomes_a_revision_and_the_old_text_is_kept(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c1", text="first"))

    assert run(sessions, now, message("c1", text="second", edited_at=at(5))) == ["revised"]
    assert run(sessions, now, message("c1", text="first")) == ["duplicate"]

    stored = by_external_id(sessions, "c1")
    assert stored.text == "second" and stored.edited_at == timestamp(5)
    with sessions() as session:
        assert session.scalars(select(MessageRevision.text)).all() == ["first"]


def test_an_older_version_arriving_late_is_kept_without_replacing_the_newer(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c1", text="v3", edited_at=at(10)))

    assert run(sessions, now, message("c1", text="v2", edited_at=at(5))) == ["revised"]

    assert by_external_id(sessions, "c1").text == "v3"
    with sessions() as session:
        assert session.scalars(select(MessageRevision.text)).all() == ["v2"]


def test_create_and_edit_in_one_batch_keep_both_versions(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    statuses = run(sessions, now, message("c1", text="a"), message("c1", text="b", edited_at=at(1)))

    assert statuses == ["created", "revised"]
    assert by_external_id(sessions, "c1").text == "b"
    assert count(sessions, MessageRevision) == 1


def test_a_deletion_keeps_the_content_and_leaves_a_tombstone(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c1", text="Screenshot this"))

    assert run(sessions, now, delete("c1", minutes=30)) == ["deleted"]

    stored = by_external_id(sessions, "c1")
    assert stored.text == "Screenshot this"
    assert stored.deleted_at == timestamp(30)
    assert count(sessions, Tombstone) == 1


def test_a_deletion_that_arrives_first_marks_the_message_when_it_comes(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    assert run(sessions, now, delete("c1", minutes=30)) == ["deleted"]
    assert run(sessions, now, message("c1")) == ["created"]

    assert by_external_id(sessions, "c1").deleted_at == timestamp(30)


def test_a_reply_that_arrives_before_its_parent_is_linked_when_the_parent_arrives(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c2", parent_id="c1", thread_id="p1", created_at=at(5)))
    assert by_external_id(sessions, "c2").parent_id is None

    run(sessions, now, message("c1", parent_id="p1", thread_id="p1"))
    run(sessions, now, message("p1", kind="post", direction="outbound", author={"id": "page"}))

    parent, child, root = (by_external_id(sessions, e) for e in ("c1", "c2", "p1"))
    assert child.parent_id == parent.id
    assert child.root_id == root.id and parent.root_id == root.id
    assert child.conversation_id == parent.conversation_id


def test_a_thread_guessed_from_a_missing_parent_is_merged_into_the_real_one(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    # c2 answers c1 without naming the thread; c1 is unknown, so c2 is filed under "c1".
    run(sessions, now, message("c2", parent_id="c1", created_at=at(5)))
    run(sessions, now, message("c0", created_at=at(-5)))

    run(sessions, now, message("c1", parent_id="c0", created_at=at(1)))

    with sessions() as session:
        keys = set(session.scalars(select(Message.thread_key)))
        conversations = session.scalars(select(Conversation)).all()
    assert keys == {"c0"}
    assert len(conversations) == 1
    assert conversations[0].message_count == 3
    assert by_external_id(sessions, "c2").root_id == by_external_id(sessions, "c0").id
    # The analytics sum again the days both conversations began on.
    with sessions() as session:
        assert set(session.scalars(select(AnalyticsStale.at))) >= {timestamp(5), timestamp(-5)}


def test_one_conversation_per_customer_per_thread(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    other = {"id": "fb-u-2", "name": "Ayşe"}
    run(
        sessions,
        now,
        message("p1", kind="post", direction="outbound", author={"id": "page"}),
        message("c1", parent_id="p1", thread_id="p1"),
        message("c2", parent_id="p1", thread_id="p1", author=other),
        message("c3", parent_id="c1", thread_id="p1", created_at=at(3)),
        message(
            "r1",
            parent_id="c1",
            thread_id="p1",
            direction="outbound",
            author={"id": "page"},
            created_at=at(2),
        ),
    )

    with sessions() as session:
        cases = session.scalars(select(Conversation).order_by(Conversation.message_count)).all()
    assert [case.message_count for case in cases] == [1, 3]
    assert by_external_id(sessions, "r1").conversation_id == cases[1].id
    assert by_external_id(sessions, "p1").conversation_id is None


def test_direct_messages_both_ways_share_one_private_conversation(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    dm = {"kind": "direct_message", "public": False, "thread_id": "dm-1"}
    run(
        sessions,
        now,
        message("d1", **dm),
        message("d2", **dm, direction="outbound", author={"id": "page"}, created_at=at(2)),
        message("d3", **dm, created_at=at(4)),
    )

    with sessions() as session:
        case = session.scalars(select(Conversation)).one()
    assert (case.public, case.message_count, case.last_inbound_at) == (False, 3, timestamp(4))


def test_a_new_inbound_message_reopens_a_resolved_conversation(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c1"))
    with transaction(sessions) as session:
        session.scalars(select(Conversation)).one().status = "resolved"

    run(sessions, now, message("c2", parent_id="c1", created_at=at(9), text="Still leaking"))

    with sessions() as session:
        case = session.scalars(select(Conversation)).one()
    assert (case.status, case.preview, case.message_count) == ("open", "Still leaking", 2)


def test_our_reply_is_recognised_when_the_platform_echoes_it(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c1"))
    with transaction(sessions) as session:
        case_id = session.scalars(select(Conversation.id)).one()
        by_ref = record_outbound(
            session,
            conversation_id=case_id,
            text="Kiitos!",
            sent_by_id=None,
            now=now,
            client_ref="ref-1",
        )
        by_text = record_outbound(
            session, conversation_id=case_id, text="Pahoittelut", sent_by_id=None, now=now
        )
    page = {"id": "page"}
    statuses = run(
        sessions,
        now,
        message(
            "r1",
            parent_id="c1",
            direction="outbound",
            author=page,
            text="Kiitos!",
            client_ref="ref-1",
        ),
        message("r2", parent_id="c1", direction="outbound", author=page, text="Pahoittelut"),
    )

    assert statuses == ["echo", "echo"]
    assert by_external_id(sessions, "r1").id == by_ref.id
    assert by_external_id(sessions, "r2").id == by_text.id
    assert by_external_id(sessions, "r2").delivery == "sent"
    assert count(sessions, Message) == 3


def test_channels_are_kept_apart_and_results_follow_input_order(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        results = ingest(
            session,
            events(message("same"), message("same", channel=X, kind="mention"), message("same")),
            now=now,
        )
    assert [(r.position, r.status) for r in results] == [
        (0, "created"),
        (1, "created"),
        (2, "duplicate"),
    ]
    assert isinstance(results[0], EventResult)
    assert count(sessions, Channel) == 2


def test_author_profiles_follow_the_latest_event(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c1"))
    run(sessions, now, message("c2", author={"id": "fb-u-1", "handle": "mv", "followers": 900}))

    with sessions() as session:
        author = session.scalars(select(Author)).one()
    assert (author.handle, author.followers) == ("mv", 900)
    assert count(sessions, Customer) == 1


def test_an_event_that_names_its_author_by_id_only_keeps_the_stored_profile(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    run(sessions, now, message("c1"))  # matti.v, Matti Virtanen, 312 followers
    run(sessions, now, message("c2", author={"id": "fb-u-1"}))

    with sessions() as session:
        author = session.scalars(select(Author)).one()
    assert (author.handle, author.display_name, author.followers) == (
        "matti.v",
        "Matti Virtanen",
        312,
    )


def test_nul_characters_are_replaced_not_fatal(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    from vastaa.pipeline.events import parse_event_json

    line = json.dumps(message("c1", text="bad\u0000byte", raw={"note": "a\u0000b"}))
    with transaction(sessions) as session:
        ingest(session, [parse_event_json(line, 1)], now=now)

    stored = by_external_id(sessions, "c1")
    assert stored.text == "bad\ufffdbyte"
    assert stored.raw == {"note": "a\ufffdb"}
