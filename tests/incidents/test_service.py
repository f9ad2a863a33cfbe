"""The replies written for one affected person (R13, R29): apologise to the upset, thank the
calm, greet by a first name only when it reads as one; a member's sentiment as analysed."""

from __future__ import annotations

from datetime import datetime

import pytest

from vastaa.incidents.detection import signed
from vastaa.incidents.models import Incident
from vastaa.incidents.service import Customer, first_name, reassurance

STATEMENT = {
    "fi": "Vika on säiliön tiivisteessä.",
    "tr": "Sorun hazne contasında.",
    "en": "The fault is in the tank seal.",
}


def _reply(now: datetime, **fields: object) -> str:
    incident = Incident(number=7, first_at=now, last_at=now, statement=STATEMENT)
    customer = {
        "name": "Mikko",
        "lang": "fi",
        "text": "Aamu A2 vuotaa",
        "public": True,
        "reports": 1,
        "sentiment": -0.1,
    }
    customer.update(fields)
    written = reassurance(incident, Customer(**customer))  # type: ignore[arg-type]
    assert written is not None
    return written


@pytest.mark.parametrize(
    ("lang", "thanks", "sorry"),
    [
        ("fi", "Kiitos, että kerroit", "pahoillani"),
        ("tr", "teşekkürler", "üzgünüz"),
        ("en", "Thank you for letting us know", "really sorry"),
    ],
)
def test_an_upset_customer_gets_an_apology_and_a_calm_one_thanks(
    now: datetime, lang: str, thanks: str, sorry: str
) -> None:
    calm = _reply(now, lang=lang, sentiment=-0.1)
    upset = _reply(now, lang=lang, sentiment=-0.55)

    assert thanks in calm and sorry not in calm
    assert sorry in upset and thanks not in upset


@pytest.mark.parametrize(
    ("name", "greeting"),
    [
        ("Mikko", "Hei Mikko!"),
        ("Anne-Mari", "Hei Anne-Mari!"),
        ("", "Hei!"),
    ],
)
def test_the_greeting_uses_the_name_it_is_given(now: datetime, name: str, greeting: str) -> None:
    assert _reply(now, name=name).startswith(greeting + "\n")


@pytest.mark.parametrize(
    ("display_name", "name"),
    [
        ("Mikko Salminen", "Mikko"),
        ("Selin Aydın", "Selin"),
        ("İsmail K.", "İsmail"),
        ("O'Brien", "O'Brien"),
        ("<img src=x onerror=alert(1)> Ville", ""),
        ("@kide_fan", ""),
        ("😀 Ada", ""),
        (None, ""),
    ],
)
def test_a_display_name_gives_a_first_name_only_when_it_reads_as_one(
    display_name: str | None, name: str
) -> None:
    assert first_name(display_name) == name


def test_a_member_sentiment_is_the_analysis_score_as_it_is() -> None:
    assert signed({"label": "negative", "score": -0.55}) == -0.55
    assert signed({"label": "neutral", "score": 0.05}) == 0.05
    assert signed({"label": "positive", "score": 0.7}) == 0.7
    assert signed({"label": "negative"}) is None
    assert signed({"label": "negative", "score": True}) is None
