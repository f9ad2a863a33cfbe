"""Grouping complaints (R29): what complaints name (products, faults, parts, error codes) and
how alike the encoder finds them decide whether they are about one problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from vastaa.incidents.grouping import (
    Catalogue,
    Complaint,
    Signature,
    Weights,
    affinity,
    group,
    signature,
)

START = datetime(2026, 11, 2, tzinfo=UTC)
CATALOGUE = Catalogue(
    {
        "coffee maker": ["aamu a2", "kahvinkeit", "coffee maker", "kahve makine"],
        "kettle": ["vedenkeit", "kettle", "su ısıtıc"],
    }
)


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _complaint(key: str, hours: float, text: str, *values: float) -> Complaint:
    return Complaint(
        key=key,
        at=START + timedelta(hours=hours),
        vector=_unit(*(values or (1, 0, 0))),
        signature=signature(text, CATALOGUE),
    )


def test_a_signature_names_products_faults_parts_and_codes_in_three_languages() -> None:
    fi = signature("Aamu A2 vuotaa säiliön alta ja näytössä lukee E4", CATALOGUE)
    tr = signature("Kahve makinesi su sızdırıyor, ekranda e-4 hatası", CATALOGUE)
    en = signature("My kettle lid won't close", CATALOGUE)

    assert fi.products == tr.products == {"coffee maker"}
    assert "leak" in fi.faults and "leak" in tr.faults
    assert fi.codes == tr.codes == {"E4"}  # A2 is a model in the catalogue, not a code
    assert en.products == {"kettle"} and "lid" in en.parts
    assert signature("Order KD-487655 is late").codes == frozenset()


def test_the_same_fault_across_languages_is_one_group_and_another_fault_is_not() -> None:
    found = group(
        [
            _complaint("fi", 0, "Aamu A2 vuotaa vettä pöydälle"),
            _complaint("tr", 1, "Aamu A2 kahve makinesi su sızdırıyor"),
            _complaint("kettle", 2, "The kettle lid hinge snapped"),
            _complaint("en", 3, "my Aamu A2 coffee maker is leaking everywhere"),
        ]
    )

    assert [g.keys for g in found] == [["fi", "tr", "en"], ["kettle"]]


def test_one_product_with_two_faults_makes_two_groups() -> None:
    found = group(
        [
            _complaint("leak-1", 0, "kahvinkeitin vuotaa"),
            _complaint("code-1", 1, "kahvinkeitin näyttää virhekoodia E4"),
            _complaint("leak-2", 2, "the coffee maker leaks"),
            _complaint("code-2", 3, "coffee maker shows error E4"),
        ]
    )

    assert sorted(g.keys for g in found) == [["code-1", "code-2"], ["leak-1", "leak-2"]]


def test_a_complaint_after_the_window_starts_a_group_of_its_own() -> None:
    found = group(
        [
            _complaint("first", 0, "the kettle leaks"),
            _complaint("late", 100, "the kettle leaks"),
        ],
        window=timedelta(hours=72),
    )

    assert [g.keys for g in found] == [["first"], ["late"]]


def test_a_shared_error_code_outweighs_different_words() -> None:
    a = signature("E4 E4 E4", CATALOGUE)
    b = signature("kahve makinesi E4 verdi", CATALOGUE)
    c = signature("kahve makinesi F2 verdi", CATALOGUE)

    assert affinity(0.8, a, b) > 0 > affinity(0.8, a, c)


def test_groups_that_turn_out_alike_are_merged() -> None:
    # Cosine alone decides here: two groups grow apart from each other, then a complaint
    # between them joins one and makes it fit the other as a whole.
    cosine_only = Weights(-0.9, 1, 0, 0, 0, 0, 0, 0, 0)
    complaints = [
        Complaint("a", START, _unit(1, 0), Signature()),
        Complaint("b", START + timedelta(hours=1), _unit(0.8, 0.6), Signature()),
        Complaint("c", START + timedelta(hours=2), _unit(0.95, 0.31), Signature()),
    ]

    found = group(complaints, threshold=-0.05, weights=cosine_only)

    assert [sorted(map(str, g.keys)) for g in found] == [["a", "b", "c"]]
