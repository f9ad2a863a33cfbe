"""The customer page (R9) and the GDPR rights, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import X, at, message
from tests.web.helpers import ingest_items
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.customers.models import Author, Customer, CustomerTag
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.sla.models import Alert
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending


def seed(sessions: sessionmaker[Session], now: datetime) -> None:
    ingest_items(
        sessions,
        now,
        message(
            "fb1",
            text="Keitin vuotaa, soittakaa 040 1234567 tai matti@example.fi",
            author={"id": "fb-matti", "name": "Matti Virtanen"},
            created_at=at(-60),
        ),
        message(
            "fb2",
            parent_id="fb1",
            text="Kiitos, nyt toimii hienosti!",
            author={"id": "fb-matti", "name": "Matti Virtanen"},
            created_at=at(-10),
        ),
        message(
            "x1",
            channel=X,
            kind="mention",
            text="Olen se mies jonka keitin vuotaa, matti@example.fi",
            author={"id": "x-matti", "handle": "mattiv", "name": "MV"},
            created_at=at(-30),
        ),
        message(
            "x2",
            channel=X,
            kind="mention",
            text="Toinen Matti täällä",
            author={"id": "x-other", "handle": "matti2", "name": "Matti Virtanen"},
            created_at=at(-20),
        ),
    )
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())


def customer_of(sessions: sessionmaker[Session], external_id: str) -> str:
    with sessions() as session:
        return str(
            session.scalar(select(Author.customer_id).where(Author.external_id == external_id))
        )


def test_the_page_suggests_identities_by_name_and_email_and_links_them(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    matti = customer_of(sessions, "fb-matti")
    token = login(client, "aino")

    page = client.get(f"/customers/{matti}").text
    assert page.count('class="mood-') == 2  # two analysed messages on the mood line
    suggested = page[page.index('class="suggestions"') :]
    assert "@mattiv" in suggested and "@matti2" in suggested
    with sessions() as session:
        x_author = session.scalar(select(Author.id).where(Author.external_id == "x-matti"))

    client.post(f"/customers/{matti}/link", data={"author": str(x_author), "csrf_token": token})

    linked = client.get(f"/customers/{matti}").text
    identities = linked[
        linked.index('class="identities"') : linked.index(
            "</ul>", linked.index('class="identities"')
        )
    ]
    assert "@mattiv" in identities
    assert "Olen se mies" in linked  # the X conversation is now among the person's
    assert customer_of(sessions, "x-matti") == matti

    client.post(f"/customers/{matti}/unlink", data={"author": str(x_author), "csrf_token": token})
    assert customer_of(sessions, "x-matti") != matti

    foreign = client.post(
        f"/customers/{customer_of(sessions, 'x-other')}/unlink",
        data={"author": str(x_author), "csrf_token": token},
    )
    assert foreign.status_code == 404  # not that customer's identity
    by_handle = client.post(
        f"/customers/{matti}/link-handle", data={"handle": "@MattiV", "csrf_token": token}
    )
    unknown = client.post(
        f"/customers/{matti}/link-handle", data={"handle": "nobody", "csrf_token": token}
    )
    assert by_handle.status_code == 200 and unknown.status_code == 404
    assert customer_of(sessions, "x-matti") == matti


def test_vip_and_tags_raise_the_priority_of_the_persons_conversations(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    other = customer_of(sessions, "x-other")
    token = login(client, "aino")
    with sessions() as session:
        before = session.scalar(
            select(Conversation.priority).where(Conversation.thread_key == "x2")
        )

    client.post(f"/customers/{other}/vip", data={"on": "1", "csrf_token": token})
    client.post(f"/customers/{other}/tags", data={"tag": "  Lehdistö ", "csrf_token": token})
    bad = client.post(f"/customers/{other}/tags", data={"tag": "<b>", "csrf_token": token})
    client.post(
        f"/customers/{other}/notes", data={"text": "Toimittaja <i>HS</i>", "csrf_token": token}
    )
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())

    assert bad.status_code == 400
    with sessions() as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.thread_key == "x2")
        ).one()
        tags = session.scalars(select(CustomerTag.tag)).all()
    assert conversation.priority >= (before or 0) + 25 and "vip" in conversation.priority_reason
    assert tags == ["lehdistö"]
    page = client.get(f"/customers/{other}").text
    assert "Toimittaja &lt;i&gt;HS&lt;/i&gt;" in page and 'class="badge vip"' in page


def test_export_is_for_supervisors_and_holds_everything(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    matti = customer_of(sessions, "fb-matti")
    login(client, "aino")
    refused = client.get(f"/customers/{matti}/export")
    login(client, "mert")

    response = client.get(f"/customers/{matti}/export")

    assert refused.status_code == 403
    assert response.headers["content-disposition"].startswith("attachment")
    data = json.loads(response.text)
    assert data["customer"]["display_name"] == "Matti Virtanen"
    assert [m["text"][:13] for m in data["messages"]] == ["Keitin vuotaa", "Kiitos, nyt t"]
    assert data["identities"][0]["external_id"] == "fb-matti"


def test_erasure_removes_the_person_but_keeps_evidence_of_abuse(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    with transaction(sessions) as session:
        case = session.scalars(select(Conversation).where(Conversation.thread_key == "x1")).one()
        case.toxic = True  # as if moderation had found it abusive
        fb = session.scalars(select(Conversation).where(Conversation.thread_key == "fb1")).one()
        session.add(
            ConversationEvent(
                conversation_id=fb.id, at=now, kind="note", note="Matti asuu Espoossa"
            )
        )
        session.add(
            Alert(
                kind="sla_breach",
                conversation_id=fb.id,
                at=now,
                text="SLA missed: Keitin vuotaa, soittakaa",
            )
        )
    matti = customer_of(sessions, "fb-matti")
    with sessions() as session:
        x_author = session.scalar(select(Author.id).where(Author.external_id == "x-matti"))
    token = login(client, "ada")
    client.post(f"/customers/{matti}/link", data={"author": str(x_author), "csrf_token": token})

    unconfirmed = client.post(
        f"/customers/{matti}/erase", data={"confirm": "", "csrf_token": token}
    )
    done = client.post(
        f"/customers/{matti}/erase",
        data={"confirm": "erase", "csrf_token": token},
        follow_redirects=False,
    )

    assert unconfirmed.status_code == 400 and done.status_code == 303
    with sessions() as session:
        texts = dict(session.execute(select(Message.external_id, Message.text)).all())
        assert session.get(Customer, uuid.UUID(matti)) is None
        handles = session.scalars(select(Author.handle)).all()
    assert texts["fb1"] == "" and texts["fb2"] == ""
    assert texts["x1"].startswith("Olen se mies")  # evidence kept
    assert texts["x2"] == "Toinen Matti täällä"  # someone else
    assert "mattiv" not in handles
    with sessions() as session:
        assert session.scalars(
            select(ConversationEvent.note).where(ConversationEvent.kind == "note")
        ).all() == [""]
        assert session.scalars(select(Alert.text)).all() == ["(erased)"]
    inbox = client.get("/?view=all").text
    assert "Keitin vuotaa, soittakaa" not in inbox and "Kiitos, nyt toimii" not in inbox
