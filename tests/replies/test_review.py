"""Review before sending (R17), enforced on the server (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.replies.test_views import seeded
from vastaa.app import create_app
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.messages.models import Message

GOOD = "Kiitos, että kerroit! Pahoittelemme vuotoa. Lähetämme uuden keittimen. /Aino"


@pytest.fixture
def reviewed(engine: Any, settings: Any, now: datetime) -> Iterator[TestClient]:
    strict = settings.model_copy(update={"review_policies": "public_negative"})
    with TestClient(create_app(strict, engine=engine, clock=lambda: now)) as client:
        yield client


def reply_state(sessions: sessionmaker[Session]) -> tuple[str, str, str]:
    with sessions() as session:
        message = session.scalars(select(Message).where(Message.direction == "outbound")).one()
        conversation = session.scalars(select(Conversation)).one()
        return message.delivery, message.text, conversation.queue


def test_a_public_reply_to_an_angry_customer_waits_for_a_supervisor(
    reviewed: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(reviewed, "aino")
    reviewed.post(f"/conversations/{case}/replies", data={"text": GOOD, "csrf_token": token})

    assert reply_state(sessions) == ("review", GOOD, "needs_reply")  # not sent, still ours to do
    with sessions() as session:
        message_id = session.scalars(select(Message.id).where(Message.delivery == "review")).one()
    own = reviewed.post(f"/reviews/{message_id}/approve", data={"csrf_token": token})
    assert own.status_code == 403 and reviewed.get("/reviews").status_code == 403

    token = login(reviewed, "mert")
    queue = reviewed.get("/reviews").text
    edited = GOOD.replace("uuden keittimen", "uuden keittimen huomenna")
    leaky_first = reviewed.post(
        f"/reviews/{message_id}/approve",
        data={"text": GOOD + " Soita 040 1234567.", "csrf_token": token},
    )
    approved = reviewed.post(
        f"/reviews/{message_id}/approve",
        data={"text": edited, "csrf_token": token},
        follow_redirects=False,
    )

    assert leaky_first.status_code == 400  # the reviewer's edit is coached too

    assert "Lähetämme uuden keittimen" in queue
    assert approved.status_code == 303
    assert reply_state(sessions) == ("pending", edited, "waiting")
    with sessions() as session:
        assert session.scalars(select(Conversation.status)).one() == "waiting"
    with sessions() as session:
        kinds = session.scalars(select(ConversationEvent.kind).order_by(ConversationEvent.at)).all()
    assert sorted(kinds) == ["approved", "review_requested"]


def test_a_reply_sent_back_needs_a_comment_and_returns_to_its_author(
    reviewed: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(reviewed, "aino")
    reviewed.post(f"/conversations/{case}/replies", data={"text": GOOD, "csrf_token": token})
    with sessions() as session:
        message_id = session.scalars(select(Message.id).where(Message.delivery == "review")).one()
    token = login(reviewed, "ada")

    empty = reviewed.post(
        f"/reviews/{message_id}/return", data={"comment": " ", "csrf_token": token}
    )
    back = reviewed.post(
        f"/reviews/{message_id}/return",
        data={"comment": "Tarjoa myös hyvitystä", "csrf_token": token},
    )
    again = reviewed.post(f"/reviews/{message_id}/approve", data={"csrf_token": token})

    assert empty.status_code == 400 and back.status_code == 200
    assert again.status_code == 400  # nothing waits any more
    assert reply_state(sessions)[0] == "returned"
    page = reviewed.get(f"/conversations/{case}").text
    assert "Tarjoa myös hyvitystä" in page


def test_supervisors_replies_and_calm_conversations_need_no_review(
    reviewed: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(reviewed, "mert")

    reviewed.post(f"/conversations/{case}/replies", data={"text": GOOD, "csrf_token": token})

    assert reply_state(sessions)[0] == "pending"


def test_a_misspelt_policy_stops_the_start(settings: Any, engine: Any) -> None:
    with pytest.raises(ValueError, match="unknown review policies"):
        create_app(settings.model_copy(update={"review_policies": "everything"}), engine=engine)
