"""Saved replies and knowledge articles: import, suggestions by area and intent, variables, the
composer's lists, and the coach pointing at a fitting article (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import at, message
from tests.web.helpers import ingest_items
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.cli import main
from vastaa.conversations.models import Conversation
from vastaa.db import transaction
from vastaa.errors import PermanentError
from vastaa.replies.knowledge import add_article, fill, import_file, suggest
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending

DEMO = Path(__file__).resolve().parents[2] / "vastaa" / "demo" / "knowledge.json"


def test_suggestions_fit_the_language_area_and_intent(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        assert import_file(session, DEMO, now=now) == (9, 9)
        assert import_file(session, DEMO, now=now) == (9, 9)  # updates, no duplicates
        found = suggest(
            session,
            lang="tr",
            area="delivery",
            intents=["complaint"],
            first_name="Ayşe",
            agent="Mert",
        )

    assert found.articles[0].url == "https://kide.example/tr/kargo"
    name, text = found.snippets[0][0].name, found.snippets[0][1]
    assert name == "Geciken kargo"
    assert "Ayşe" in text and "– Mert" in text and "https://kide.example/tr/kargo" in text


def test_unknown_variables_stay_visible_and_bad_links_are_refused(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    assert fill("Hei {first_name}, {order_url}", first_name="Liisa") == "Hei Liisa, {order_url}"
    with transaction(sessions) as session, pytest.raises(PermanentError, match="https"):
        add_article(session, title="x", url="javascript:alert(1)", lang="fi", now=now)


def test_the_composer_offers_them_and_the_coach_points_to_the_article(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        import_file(session, DEMO, now=now)
    ingest_items(
        sessions,
        now,
        message(
            "c1",
            text="Missä tilaukseni on? Paketti on myöhässä jo viikon.",
            lang="fi",
            created_at=at(-20),
        ),
    )
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())
        case = session.scalars(select(Conversation)).one()
    assert case.problem_area == "delivery"
    token = login(client, "aino")

    page = client.get(f"/conversations/{case.id}").text
    coached = client.post(
        f"/conversations/{case.id}/coach",
        data={
            "text": "Kiitos viestistä! Pahoittelut viivästyksestä. Tarkistan asian. /Aino",
            "lang": "fi",
        },
        headers={"X-CSRF-Token": token},
    ).text

    assert "Paketin seuranta ja toimitusajat" in page and "Myöhästynyt toimitus" in page
    assert 'data-insert="https://kide.example/fi/toimitus"' in page
    assert 'data-code="no_next_step"' in coached


def test_kb_import_reports_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "kb.json"
    bad.write_text('{"articles": [{"title": "x", "url": "ftp://x", "lang": "fi"}]}')
    env = {"VASTAA_DATA_DIR": str(tmp_path / "data")}

    good = CliRunner().invoke(main, ["kb", "import", str(DEMO)], env=env)
    refused = CliRunner().invoke(main, ["kb", "import", str(bad)], env=env)

    assert good.exit_code == 0 and "9 saved replies and 9 articles" in good.output
    assert refused.exit_code == 1 and "https://" in refused.output
