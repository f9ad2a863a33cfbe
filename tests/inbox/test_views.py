"""The inbox: views with counts, priority order, filters, search, HTMX fragments and live
polling, and a bounded number of queries."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import X, at, message
from tests.web.helpers import count_queries, ingest_items
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.channels.models import Channel
from vastaa.conversations.models import Conversation
from vastaa.customers.models import CustomerTag
from vastaa.db import transaction
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending


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

    assert fragment.lstrip().startswith('<div class="inbox-layout"')
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

    assert len(many) == len(few) <= 8
    assert "Next" in page.text


def settle(sessions: sessionmaker[Session], now: datetime) -> None:
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())


def test_views_show_their_counts_and_the_most_urgent_first(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(
        sessions,
        now,
        message("q", text="Missä tilaukseni on?", created_at=at(-5), author={"id": "u1"}),
        message(
            "angry",
            text="Kahvinkeitin vuotaa taas, tilaus 12345 on rikki ja olen todella vihainen!",
            created_at=at(-40),
            author={"id": "u2", "followers": 50000},
        ),
        message("fan", text="Ihana keitin, kiitos Kide! ❤️", created_at=at(-1), author={"id": "u3"}),
    )
    settle(sessions, now)
    login(client, "ada")

    needs = client.get("/").text
    praise = client.get("/?view=praise").text

    assert needs.index("Kahvinkeitin vuotaa") < needs.index("Missä tilaukseni")
    assert "Ihana keitin" not in needs and "Ihana keitin" in praise
    assert 'data-view="needs_reply"' in needs
    assert _count(needs, "needs_reply") == 2 and _count(needs, "praise") == 1
    assert "20 min" in needs  # the SLA countdown of the complaint written 40 minutes ago
    assert "50K followers" in needs


def _count(html: str, view: str) -> int:
    start = html.index(f'data-view="{view}"')
    found = html.index('class="count">', start) + len('class="count">')
    return int(html[found : html.index("<", found)])


def test_search_finds_inflected_words_from_their_stem(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    login(client, "ada")

    assert previews(client.get("/?q=kahvinkeit").text) == ["Kahvinkeitin vuotaa"]
    assert previews(client.get("/?q=sipariş").text) == ["Siparişim nerede?"]
    assert previews(client.get("/?q=order+where").text) == ["Where is my order?"]
    assert previews(client.get('/?q="%3B DROP TABLE message; --').text) == []
    assert _count(client.get("/?q=order").text, "needs_reply") == 3  # counts are the inbox's


def test_filters_by_analysis_assignee_and_tag(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    seed(sessions, now)
    settle(sessions, now)
    with transaction(sessions) as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.thread_key == "c2")
        ).one()
        conversation.assignee_id = cast["ada"]
        assert conversation.customer_id is not None
        session.add(CustomerTag(customer_id=conversation.customer_id, tag="vip-2026"))
    login(client, "ada")

    assert previews(client.get("/?assignee=me").text) == ["Siparişim nerede?"]
    assert sorted(previews(client.get("/?assignee=none").text)) == [
        "Kahvinkeitin vuotaa",
        "Where is my order?",
    ]
    assert previews(client.get("/?tag=vip-2026").text) == ["Siparişim nerede?"]
    assert sorted(previews(client.get("/?intent=question").text)) == [
        "Siparişim nerede?",
        "Where is my order?",
    ]
    assert previews(client.get("/?period=1h&view=all").text) == [
        "Siparişim nerede?",
        "Where is my order?",
        "Kahvinkeitin vuotaa",
    ]


def test_turkish_capital_i_and_finnish_capitals_are_found(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(
        sessions,
        now,
        message("ist", text="istanbul şubesi kapalı mı?", author={"id": "u1"}),
        message("hki", text="ÄÄNEKÄS keitin", author={"id": "u2"}),
    )
    login(client, "ada")

    assert "istanbul şubesi" in client.get("/?q=İstanbul").text
    assert "ÄÄNEKÄS keitin" in client.get("/?q=äänekäs").text
