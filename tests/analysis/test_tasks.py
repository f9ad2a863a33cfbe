"""Stored messages are analysed once, after ingestion, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import message
from tests.web.helpers import ingest_items
from vastaa.analysis.analyzer import FastAnalyzer, FullAnalyzer
from vastaa.analysis.tasks import analyze_pending, upgrade_batch
from vastaa.conversations.models import Conversation
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.worker import work_once


def test_inbound_messages_are_analysed_once(sessions: sessionmaker[Session], now: datetime) -> None:
    ingest_items(
        sessions,
        now,
        message("c1", text="Kahvinkeitin vuotaa taas, soittakaa 040 1234567"),
        message(
            "r1",
            parent_id="c1",
            direction="outbound",
            author={"id": "page"},
            text="Pahoittelut, laitamme uuden koneen tulemaan.",
        ),
    )
    analyzer = FastAnalyzer()

    first = analyze_pending(sessions, analyzer, clock=lambda: now)
    again = analyze_pending(sessions, analyzer, clock=lambda: now)

    assert (first, again) == (1, 0)
    with sessions() as session:
        inbound = session.scalars(select(Message).where(Message.external_id == "c1")).one()
        outbound = session.scalars(select(Message).where(Message.external_id == "r1")).one()
    assert inbound.analyzed_at == now and inbound.lang == "fi"
    assert inbound.analysis is not None and inbound.analysis["problem_area"] == "product"
    assert inbound.pii_types == ["phone"]
    assert outbound.analysis is None


def test_the_conversation_page_shows_what_the_analysis_found(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1", text="Paketti myöhässä, tilaus KD-2026-118734!"))
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with sessions() as session:
        case = session.scalars(select(Conversation.id)).one()
    login(client, "aino")

    html = client.get(f"/conversations/{case}").text

    assert "Sisältää henkilötietoja (tilausnumero)" in html
    assert "toimitus" in html


def test_the_full_tier_refines_the_newest_messages_first(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now - timedelta(minutes=5), message("old", text="Tilaus ei tullut"))
    ingest_items(sessions, now, message("new", text="Sipariş hâlâ gelmedi, rezalet"))
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    full = FullAnalyzer()

    tiers = []
    for _ in range(3):
        with transaction(sessions) as session:
            done = upgrade_batch(session, full, now=now, size=1)
        with sessions() as session:
            rows = session.execute(select(Message.external_id, Message.analysis_tier)).all()
        tiers.append((done, dict(rows)))

    assert tiers == [
        (1, {"old": "fast", "new": "full"}),
        (1, {"old": "full", "new": "full"}),
        (0, {"old": "full", "new": "full"}),
    ]


def test_one_round_of_work_does_fast_first_then_one_full_batch(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, *(message(f"m{i}", text=f"Missä tilaus {i}?") for i in range(3)))

    done = work_once(sessions, FastAnalyzer(), FullAnalyzer(), clock=lambda: now)

    assert done == 12  # 3 analysed, 3 triaged, 3 evidence cards, 3 refined by the full tier
    with sessions() as session:
        tiers = session.scalars(select(Message.analysis_tier)).all()
        analyses = session.scalars(select(Message.analysis)).all()
    assert set(tiers) == {"full"}
    assert {analysis["tier"] for analysis in analyses if analysis} == {"full"}


def test_the_full_tier_leaves_history_older_than_a_week_alone(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now - timedelta(days=8), message("old", text="Tilaus ei tullut"))
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)

    with transaction(sessions) as session:
        done = upgrade_batch(session, FullAnalyzer(), now=now)

    assert done == 0
    with sessions() as session:
        assert session.scalars(select(Message.analysis_tier)).one() == "fast"
