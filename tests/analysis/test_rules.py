"""Intents, problem areas and abuse signals from the word lists, in fi, tr and en."""

from __future__ import annotations

import pytest

from vastaa.analysis import rules


@pytest.mark.parametrize(
    ("text", "lang", "area"),
    [
        ("paketti ei ole tullut vieläkään", "fi", "delivery"),
        ("kahvinkeitin vuotaa taas", "fi", "product"),
        ("laskussa on väärä summa", "fi", "billing"),
        ("kargom 5 gündür gelmedi", "tr", "delivery"),
        ("makine bozuldu, su sızdırıyor", "tr", "product"),
        ("I was charged twice, I want a refund", "en", "billing"),
        ("hyvää päivää kaikille", "fi", None),
    ],
)
def test_problem_areas_follow_inflected_words(text: str, lang: str, area: str | None) -> None:
    assert rules.problem_area(rules.normalise(text), lang) == area


def test_innocent_words_are_not_obscene() -> None:
    for text, lang in (("Sıkıntı yok, Amasya'dan selamlar", "tr"), ("Scunthorpe", "en")):
        assert rules.lexicon_abuse(rules.normalise(text), lang)["obscene"] == 0.0


def test_swearing_is_obscene_but_not_an_identity_attack() -> None:
    scores = rules.lexicon_abuse(rules.normalise("Vittu tää kone vuotaa"), "fi")

    assert scores["obscene"] > 0.5 and scores["identity_attack"] == 0.0


def test_hostility_towards_a_group_is_an_identity_attack() -> None:
    scores = rules.lexicon_abuse(rules.normalise("Bu göçmenler defolsun gitsin"), "tr")

    assert scores["identity_attack"] >= 0.5


@pytest.mark.parametrize(
    ("text", "lang", "question"),
    [
        ("Onko tämä normaalia", "fi", True),
        ("Ihan paskaa koko firma", "fi", False),
        ("Kargo ne zaman gelir", "tr", True),
        ("Where is my order", "en", True),
        ("Great kettle", "en", False),
    ],
)
def test_questions_without_question_marks(text: str, lang: str, question: bool) -> None:
    assert rules.is_question(text, rules.normalise(text), lang) is question
