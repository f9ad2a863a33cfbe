"""The composer: live coaching, the server refusing what the coach blocks, and a reply recorded
on its way out (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import at, message
from tests.web.helpers import ingest_items
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.replies.service import signature_for
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending


def seeded(sessions: sessionmaker[Session], now: datetime) -> str:
    ingest_items(
        sessions,
        now,
        message(
            "c1", text="Keitin vuotaa taas, olen tosi pettynyt!", lang="fi", created_at=at(-20)
        ),
    )
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())
        return str(session.scalars(select(Conversation.id)).one())


def test_the_coach_answers_as_the_agent_types_in_their_language(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(client, "ada")

    bad = client.post(
        f"/conversations/{case}/coach",
        data={"text": "Tilauksesi 12345678 on matkalla.", "lang": "fi"},
        headers={"X-CSRF-Token": token},
    ).text
    good = client.post(
        f"/conversations/{case}/coach",
        data={
            "text": "Kiitos viestistä! Pahoittelemme vuotoa. Lähetämme uuden keittimen, "
            "tai voit palauttaa vanhan. /Ada",
            "lang": "fi",
        },
        headers={"X-CSRF-Token": token},
    ).text

    assert 'data-code="thanks_apology_missing"' in bad and 'data-code="personal_data"' in bad
    assert "blocks sending" in bad and "<q>12345678</q>" in bad
    assert "nothing to add" in good


def test_a_blocked_reply_is_refused_and_a_good_one_is_recorded(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(client, "aino")

    refused = client.post(
        f"/conversations/{case}/replies",
        data={"text": "Soita meille: 040 1234567", "lang": "fi", "csrf_token": token},
    )
    sent = client.post(
        f"/conversations/{case}/replies",
        data={
            "text": "Kiitos, että kerroit! Pahoittelemme vuotoa. Lähetämme uuden. /Aino",
            "lang": "fi",
            "csrf_token": token,
        },
        follow_redirects=False,
    )

    assert refused.status_code == 422
    kept = ">Soita meille: 040 1234567</textarea>"
    assert kept in refused.text  # nothing lost: the text comes back to edit and send again
    assert sent.status_code == 303
    with sessions() as session:
        outbound = session.scalars(select(Message).where(Message.direction == "outbound")).all()
        conversation = session.scalars(select(Conversation)).one()
        kinds = session.scalars(select(ConversationEvent.kind)).all()
    assert [m.delivery for m in outbound] == ["pending"]
    assert outbound[0].sent_by_id == cast["aino"] and outbound[0].parent_external_id == "c1"
    assert conversation.queue == "waiting" and conversation.due_at is None
    assert kinds == ["replied"]


def test_the_team_signature_is_prefilled_and_required(
    engine: Any, settings: Any, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    from vastaa.app import create_app

    signed = settings.model_copy(update={"reply_signature": "– {first_name}, Kide"})
    case = seeded(sessions, now)
    with TestClient(create_app(signed, engine=engine, clock=lambda: now)) as client:
        token = login(client, "aino")
        page = client.get(f"/conversations/{case}").text
        unsigned = client.post(
            f"/conversations/{case}/coach",
            data={"text": "Kiitos! Pahoittelut. Lähetämme uuden.", "lang": "fi"},
            headers={"X-CSRF-Token": token},
        ).text

    assert "– aino, Kide</textarea>" in page
    assert 'data-code="signature_missing"' in unsigned


def test_signatures_are_made_from_the_agents_name() -> None:
    assert signature_for("/{initials}", "Aino Laine") == "/AL"
    assert signature_for("– {first_name}, Kide", "Mert Yılmaz") == "– Mert, Kide"
    assert signature_for("{name.__class__}", "Ada") == "{name.__class__}"
    assert signature_for("", "Ada") == ""


def test_a_reply_posted_by_hand_is_marked_and_its_echo_recognised(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(client, "aino")
    text = "Kiitos, että kerroit! Pahoittelemme vuotoa. Lähetämme uuden. /Aino"
    client.post(f"/conversations/{case}/replies", data={"text": text, "csrf_token": token})
    with sessions() as session:
        reply_id = session.scalars(select(Message.id).where(Message.direction == "outbound")).one()
    page = client.get(f"/conversations/{case}").text

    bad = client.post(
        f"/replies/{reply_id}/posted", data={"url": "javascript:alert(1)", "csrf_token": token}
    )
    done = client.post(
        f"/replies/{reply_id}/posted",
        data={"url": "https://facebook.example/kide/posts/1?c=9", "csrf_token": token},
        follow_redirects=False,
    )
    ingest_items(
        sessions,
        now,
        message(
            "our-9",
            parent_id="c1",
            direction="outbound",
            author={"id": "page"},
            text=text,
            created_at=at(1),
        ),
    )

    assert 'data-copy="Kiitos, että kerroit!' in page and "Mark as posted" not in page  # Finnish UI
    assert bad.status_code == 400 and done.status_code == 303
    with sessions() as session:
        outbound = session.scalars(select(Message).where(Message.direction == "outbound")).all()
    assert len(outbound) == 1  # the platform's copy is our reply, not a second one
    assert outbound[0].delivery == "sent" and outbound[0].external_id == "our-9"
    assert outbound[0].url == "https://facebook.example/kide/posts/1?c=9"
