"""Moving a public case to private (R18) through the Mastodon connector, on SQLite and
PostgreSQL: a short public reply and a direct message, linked; the customer's answer to the
direct message comes back into the private case."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels import fake_mastodon
from tests.channels.test_outbox import MASTODON, setup_case
from tests.conftest import login
from tests.factories import at, events, message
from vastaa.app import create_app
from vastaa.channels.registry import builtin
from vastaa.channels.tasks import deliver_due
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.pipeline.ingest import ingest

PUBLIC = "Kiitos, Matti, ja pahoittelut! Lähetimme sinulle yksityisviestin. /Aino"
PRIVATE = "Hei Matti, kiitos! Kertoisitko tilausnumerosi, niin katsomme asian? /Aino"


@pytest.fixture
def server() -> Iterator[fake_mastodon.Instance]:
    with fake_mastodon.running() as instance:
        yield instance


@pytest.fixture
def app_client(engine: object, settings: object, now: datetime) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine, clock=lambda: now, connectors=builtin({}))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


def cases(sessions: sessionmaker[Session]) -> dict[bool, Conversation]:
    with sessions() as session:
        return {case.public: case for case in session.scalars(select(Conversation))}


def test_a_public_case_moves_to_a_linked_direct_message_and_the_answer_comes_back_there(
    app_client: TestClient,
    cast: dict[str, uuid.UUID],
    sessions: sessionmaker[Session],
    server: fake_mastodon.Instance,
    now: datetime,
) -> None:
    case = setup_case(sessions, now, server)
    token = login(app_client, "aino")
    page = app_client.get(f"/conversations/{case}").text
    assert 'name="move_to_private"' in page and "yksityisviesti" in page  # offered in Finnish

    sent = app_client.post(
        f"/conversations/{case}/replies",
        data={
            "text": PUBLIC,
            "lang": "fi",
            "move_to_private": "1",
            "private_text": PRIVATE,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    found = cases(sessions)
    public, private = found[True], found[False]
    assert public.linked_id == private.id and private.linked_id == public.id
    assert private.assignee_id == cast["aino"] and public.status == "waiting"

    deliver_due(sessions, builtin({}), clock=lambda: now)
    by_visibility = {status["visibility"]: status for status in server.posted}
    assert by_visibility["public"]["in_reply_to_id"] == "109001"
    assert by_visibility["direct"]["text"].startswith("@matti@example.social Hei Matti")
    assert by_visibility["direct"]["in_reply_to_id"] is None
    dm_id = by_visibility["direct"]["id"]
    assert cases(sessions)[False].thread_key == dm_id  # the platform named the thread

    answer = message(
        "109500",
        channel=MASTODON,
        kind="direct_message",
        public=False,
        author={"id": "77", "handle": "matti@example.social", "name": "Matti Virtanen"},
        text="Tilausnumero on 12345678.",
        thread_id=dm_id,
        parent_id=dm_id,
        created_at=at(5),
    )
    with transaction(sessions) as session:
        ingest(session, events(answer), now=now)
    with sessions() as session:
        assert session.scalars(select(Conversation)).all().__len__() == 2
        joined = session.scalars(select(Message).where(Message.external_id == "109500")).one()
        assert joined.conversation_id == private.id

    text = app_client.get(f"/conversations/{case}").text
    assert f'href="/conversations/{private.id}"' in text and "delivered" in text
    with sessions() as session:
        kinds = session.scalars(
            select(ConversationEvent.kind).where(ConversationEvent.conversation_id == public.id)
        ).all()
        assert "moved_private" in kinds and "delivered" in kinds


def test_personal_data_is_allowed_in_the_direct_message_but_not_in_the_public_part(
    app_client: TestClient,
    cast: dict[str, uuid.UUID],
    sessions: sessionmaker[Session],
    server: fake_mastodon.Instance,
    now: datetime,
) -> None:
    case = setup_case(sessions, now, server)
    token = login(app_client, "aino")
    with_order = PRIVATE + " Tilauksesi 12345678 on matkalla."
    leaky = app_client.post(
        f"/conversations/{case}/replies",
        data={
            "text": PUBLIC + " Tilaus 12345678.",
            "lang": "fi",
            "move_to_private": "1",
            "private_text": with_order,
            "csrf_token": token,
        },
    )
    assert leaky.status_code == 422 and with_order in leaky.text  # nothing lost
    with sessions() as session:
        assert session.scalars(select(Message).where(Message.direction == "outbound")).all() == []

    fine = app_client.post(
        f"/conversations/{case}/replies",
        data={
            "text": PUBLIC,
            "lang": "fi",
            "move_to_private": "1",
            "private_text": with_order,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert fine.status_code == 303
    coached = app_client.post(
        f"/conversations/{case}/coach",
        data={"private_text": with_order, "which": "private", "lang": "fi"},
        headers={"X-CSRF-Token": token},
    ).text
    assert 'data-code="personal_data"' not in coached
