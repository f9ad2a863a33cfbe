"""The conversation page: thread in order, edits and deletions visible, the customer panel."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import X, at, delete, message
from tests.web.helpers import ingest_items
from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author
from vastaa.customers.service import link_authors
from vastaa.db import transaction


def conversation_id(sessions: sessionmaker[Session], thread: str) -> str:
    with sessions() as session:
        return str(
            session.scalars(
                select(Conversation.id).where(Conversation.thread_key == thread)
            ).first()
        )


def test_the_thread_shows_in_order_with_our_replies(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    page_author = {"id": "page", "name": "Kide Suomi"}
    ingest_items(
        sessions,
        now,
        message(
            "p1",
            kind="post",
            direction="outbound",
            author=page_author,
            text="Black Friday!",
            created_at=at(-60),
        ),
        message(
            "c2", thread_id="p1", parent_id="c1", text="Second: still leaking", created_at=at(-5)
        ),
        message("c1", thread_id="p1", parent_id="p1", text="First: it leaks", created_at=at(-30)),
        message(
            "r1",
            thread_id="p1",
            parent_id="c1",
            direction="outbound",
            author=page_author,
            text="Sorry! We will replace it.",
            created_at=at(-20),
        ),
    )
    login(client, "ada")

    html = client.get(f"/conversations/{conversation_id(sessions, 'p1')}").text

    order = [
        html.index(t) for t in ("Black Friday!", "First: it leaks", "Sorry! We will", "Second:")
    ]
    assert order == sorted(order)
    assert "In reply to" in html


def test_edits_and_deletions_stay_visible(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(
        sessions,
        now,
        message("c1", text="You are all idiots", created_at=at(-30)),
        message("c1", text="The tank leaks", created_at=at(-30), edited_at=at(-25)),
        delete("c1", minutes=-10),
    )
    login(client, "ada")

    html = client.get(f"/conversations/{conversation_id(sessions, 'c1')}").text

    assert "The tank leaks" in html
    assert "You are all idiots" in html
    assert "1 earlier version" in html
    assert "Deleted on the platform" in html


def test_the_customer_panel_shows_the_person_on_every_channel(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(
        sessions,
        now,
        message("c1", text="Order late", author={"id": "fb-jere", "name": "Jere"}),
        message(
            "x1",
            channel=X,
            kind="mention",
            text="@KideHome order late!!",
            author={"id": "x-jere", "handle": "jere_k"},
        ),
    )
    with transaction(sessions) as session:
        authors = session.scalars(select(Author)).all()
        link_authors(
            session, customer_id=authors[0].customer_id, author_ids=[a.id for a in authors]
        )
    login(client, "ada")

    html = client.get(f"/conversations/{conversation_id(sessions, 'c1')}").text

    assert "@jere_k" in html
    assert "@KideHome order late!!" in html


def test_changing_the_status_needs_the_csrf_token(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1"))
    case = conversation_id(sessions, "c1")
    csrf = login(client, "aino")

    refused = client.post(f"/conversations/{case}/status", data={"status": "resolved"})
    accepted = client.post(
        f"/conversations/{case}/status", data={"status": "resolved", "csrf_token": csrf}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200
    with sessions() as session:
        assert session.scalar(select(Conversation.status)) == "resolved"


def test_an_unknown_conversation_is_a_404_page_in_the_users_language(
    client: TestClient, cast: dict
) -> None:
    login(client, "aino")

    missing = client.get("/conversations/00000000-0000-4000-8000-000000000000")
    nonsense = client.get("/conversations/nonsense")

    assert missing.status_code == 404 and "<h1>Ei löytynyt</h1>" in missing.text
    assert nonsense.status_code == 422 and 'href="/"' in nonsense.text
