"""Stored messages are analysed once, after ingestion, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import message
from tests.web.helpers import ingest_items
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.conversations.models import Conversation
from vastaa.messages.models import Message


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
