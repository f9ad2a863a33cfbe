"""The inbox list: newest first, filters, HTMX fragments, a bounded number of queries."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import X, at, message
from tests.web.helpers import count_queries, ingest_items
from vastaa.channels.models import Channel


def seed(sessions: sessionmaker[Session], now: datetime) -> None:
    ingest_items(
        sessions,
        now,
        message("c1", text="Kahvinkeitin vuotaa", lang="fi", created_at=at(-50)),
        message(
            "c2",
            text="Siparişim nerede?",
            lang="tr",
            created_at=at(-10),
            author={"id": "fb-u-2", "name": "Ayşe Kaya"},
        ),
        message(
            "x1",
            text="Where is my order?",
            lang="en",
            channel=X,
            kind="mention",
            created_at=at(-30),
            author={"id": "x-u-1", "handle": "jere"},
        ),
    )


def previews(html: str) -> list[str]:
    found = []
    for marker in ("Kahvinkeitin vuotaa", "Siparişim nerede?", "Where is my order?"):
        if marker in html:
            found.append((html.index(marker), marker))
    return [marker for _, marker in sorted(found)]


def test_the_inbox_lists_conversations_newest_first(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    login(client, "ada")

    page = client.get("/").text

    assert previews(page) == ["Siparişim nerede?", "Where is my order?", "Kahvinkeitin vuotaa"]
    assert "Ayşe Kaya" in page and "@jere" in page
    assert "10 min" in page


def test_filters_narrow_the_list(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    login(client, "ada")
    with sessions() as session:
        x_id = session.scalar(select(Channel.id).where(Channel.platform == "x"))

    assert previews(client.get("/?lang=fi").text) == ["Kahvinkeitin vuotaa"]
    assert previews(client.get(f"/?channel={x_id}").text) == ["Where is my order?"]
    assert previews(client.get("/?status=resolved").text) == []
    assert "No conversations match" in client.get("/?status=resolved").text


def test_nonsense_filters_are_ignored_not_errors(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    login(client, "ada")

    response = client.get("/?channel=not-a-uuid&status=<b>&lang=")

    assert response.status_code == 200
    assert len(previews(response.text)) == 3


def test_htmx_asks_for_the_rows_only(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    login(client, "ada")

    fragment = client.get("/?lang=tr", headers={"HX-Request": "true"}).text

    assert fragment.lstrip().startswith('<table class="inbox">')
    assert "<html" not in fragment
    assert previews(fragment) == ["Siparişim nerede?"]


def test_the_inbox_costs_the_same_few_queries_for_many_conversations(
    client: TestClient, cast: dict, engine: Engine, sessions: sessionmaker[Session], now: datetime
) -> None:
    login(client, "ada")
    seed(sessions, now)
    with count_queries(engine) as few:
        client.get("/")
    ingest_items(
        sessions,
        now,
        *[message(f"m{i}", author={"id": f"u{i}"}, created_at=at(-i)) for i in range(60)],
    )
    with count_queries(engine) as many:
        page = client.get("/")

    assert len(many) == len(few) <= 6
    assert "Older" in page.text
