"""Suggested first drafts: the seeds' structure in fi/tr/en, varied wording, and nothing the
coach would warn about."""

from __future__ import annotations

import itertools
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.replies.test_views import seeded
from vastaa.replies.coach import Draft, coach
from vastaa.replies.drafts import SOLUTION, DraftRequest, TemplateDrafter

INTENTS = (("complaint",), ("question",), ("praise",), ("complaint", "question"), ())


def test_every_draft_passes_the_coach_in_every_language_area_and_intent() -> None:
    drafter = TemplateDrafter()
    for lang, area, intents, n in itertools.product(
        ("fi", "tr", "en"), [*SOLUTION, None], INTENTS, range(3)
    ):
        request = DraftRequest(
            lang=lang,
            intents=intents,
            area=area,
            first_name="Liisa",
            article_url="https://kide.example/ohje",
            signature="/Aino",
            variant=f"case-{n}",
        )
        text = drafter.draft(request)
        findings = coach(
            Draft(
                text,
                lang=lang,
                public=True,
                complaint="complaint" in intents,
                praise="praise" in intents,
                customer_name="Liisa",
                signature="/Aino",
                article_url="https://kide.example/ohje",
            )
        )
        assert [f.code for f in findings if f.severity != "tip"] == [], (lang, area, intents, text)


def test_the_structure_thanks_apology_solution_step_signature() -> None:
    text = TemplateDrafter().draft(
        DraftRequest("en", ("complaint",), "product", "Sam", "", "– Ada, Kide", "x")
    )
    thanks, sorry = (
        text.find("Thank"),
        max(text.find("sorry"), text.find("apologise"), text.find("Sorry")),
    )
    assert 0 <= thanks < sorry < text.find(" or ") < text.find("DM") < text.find("– Ada, Kide")


def test_the_wording_varies_between_conversations() -> None:
    drafts = {
        TemplateDrafter().draft(DraftRequest("fi", ("complaint",), "delivery", variant=f"c{i}"))
        for i in range(12)
    }
    assert len(drafts) >= 4


def test_the_composer_asks_for_a_draft_in_the_customers_language(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(client, "aino")

    first = client.post(
        f"/conversations/{case}/draft", data={"lang": "fi", "n": 0}, headers={"X-CSRF-Token": token}
    )
    refused = client.post(f"/conversations/{case}/draft", data={"lang": "fi"})

    assert first.status_code == 200 and first.text.startswith("Kiitos")
    assert "Pahoittel" in first.text or "pahoillamme" in first.text
    assert refused.status_code == 403
