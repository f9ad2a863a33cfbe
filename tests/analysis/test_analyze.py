"""The fast tier end to end, and `vastaa analyze`'s stable JSON-lines interface."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vastaa.analysis.analyzer import FastAnalyzer, TextIn
from vastaa.cli import main

KEYS = {
    "lang",
    "lang_confidence",
    "sentiment",
    "abuse",
    "intents",
    "problem_area",
    "specific",
    "pii",
}


def analyse(*texts: str) -> list[dict]:
    return [result.as_json() for result in FastAnalyzer().analyze([TextIn(t) for t in texts])]


def test_languages_of_short_messages() -> None:
    results = analyse(
        "Kahvinkeitin vuotaa taas, mitä teen?",
        "Siparişim hala gelmedi, kargo nerede?",
        "My kettle stopped working after a week",
    )

    assert [r["lang"] for r in results] == ["fi", "tr", "en"]
    assert all(0.5 <= r["lang_confidence"] <= 1.0 for r in results)


def test_a_furious_customer_with_a_real_fault_is_a_complaint_not_toxic() -> None:
    (result,) = analyse("Vittu, tää Aamu A2 vuotaa taas ja tiski on märkä, kolmas kerta!")

    assert result["sentiment"]["label"] == "negative"
    assert result["abuse"]["scores"]["obscene"] > 0.5
    assert result["abuse"]["toxic"] is False
    assert "complaint" in result["intents"] and result["problem_area"] == "product"
    assert result["specific"] is True


def test_hate_is_toxic_and_vague_rudeness_gets_the_leave_alone_hint() -> None:
    hate, rude = analyse("Bu göçmenler defolsun gitsin ülkemizden", "Ihan paskaa koko firma")

    assert hate["abuse"]["toxic"] is True
    assert hate["abuse"]["scores"]["identity_attack"] >= 0.5
    assert rude["specific"] is False and rude["vague_rude"] is True


def test_praise_and_personal_data() -> None:
    praise, pii = analyse(
        "Thank you so much, the new kettle is amazing!",
        "Soittakaa 040 1234567, tilaus KD-2026-118734 on myöhässä",
    )

    assert praise["sentiment"]["label"] == "positive" and praise["intents"] == ["praise"]
    assert [p["type"] for p in pii["pii"]] == ["phone", "order_number"]


def test_the_cli_streams_one_line_per_input_in_order() -> None:
    lines = [
        json.dumps({"text": "Kiitos nopeasta avusta!", "lang": "fi"}),
        "not json",
        json.dumps({"text": "Where is my parcel?"}),
        "",
        json.dumps({"lang": "en"}),
    ]

    result = CliRunner().invoke(main, ["analyze", "--tier", "fast"], input="\n".join(lines))

    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert len(out) == 4
    assert set(out[0]) >= KEYS and out[0]["lang"] == "fi" and out[0]["lang_confidence"] == 1.0
    assert "error" in out[1] and "error" in out[3]
    assert out[2]["lang"] == "en" and "question" in out[2]["intents"]


def test_the_cli_answers_each_line_without_waiting_for_the_end_of_input() -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "vastaa.cli", "analyze", "--tier", "fast"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        answers = []
        for text in ("Paketti on myöhässä", "Teşekkürler, çok memnunum"):
            process.stdin.write(json.dumps({"text": text}).encode() + b"\n")
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
    finally:
        process.stdin.close()
        process.wait(timeout=30)
        process.stdout.close()

    assert [answer["lang"] for answer in answers] == ["fi", "tr"]
    assert process.returncode == 0
