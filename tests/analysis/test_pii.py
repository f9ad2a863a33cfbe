"""Personal data is found by validation, not by loose patterns."""

from __future__ import annotations

import pytest

from vastaa.analysis.pii import find_pii


def found(text: str) -> list[tuple[str, str]]:
    return [(span.type, text[span.start : span.end]) for span in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Soita 040 123 4567 kiitos", [("phone", "040 123 4567")]),
        ("Numaram +90 532 123 45 67", [("phone", "+90 532 123 45 67")]),
        ("beni 0532 123 45 67 den arayın", [("phone", "0532 123 45 67")]),
        ("mail: matti.virtanen@example.fi!", [("email", "matti.virtanen@example.fi")]),
        ("hetu 131052-308T", [("fi_hetu", "131052-308T")]),
        ("uusi hetu 010105B123P", [("fi_hetu", "010105B123P")]),
        ("TC kimlik 17291716060", [("tr_tckn", "17291716060")]),
        ("IBAN FI21 1234 5600 0007 85 please", [("iban", "FI21 1234 5600 0007 85")]),
        ("kortti 4111 1111 1111 1111", [("payment_card", "4111 1111 1111 1111")]),
        ("tilaus KD-2026-118734 ei tullut", [("order_number", "KD-2026-118734")]),
        ("Sipariş no: 998877665 gelmedi", [("order_number", "998877665")]),
    ],
)
def test_each_kind_is_found_with_its_span(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hetu 131052-308U",  # wrong check character
        "TC 17291716050",  # wrong checksum
        "kortti 4111 1111 1111 1112",  # fails Luhn
        "IBAN FI21 1234 5600 0007 86",  # wrong check digits
        "Amasya'da 2026 yılında 12 345 kişi",
        "Kide Aamu A2 maksoi 129 euroa",
    ],
)
def test_lookalikes_are_not_personal_data(text: str) -> None:
    assert found(text) == []


def test_findings_do_not_overlap_and_come_in_order() -> None:
    text = "IBAN TR33 0006 1005 1978 6457 8413 26, puh 040 1234567, a@b.fi"

    kinds = [kind for kind, _ in found(text)]

    assert kinds == ["iban", "phone", "email"]
