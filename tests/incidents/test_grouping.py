"""Grouping complaints (R29): what complaints name (products, faults, parts, error codes) and
how alike the encoder finds them decide whether they are about one problem."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from vastaa.incidents.grouping import (
    MEAN,
    NUISANCE,
    Catalogue,
    Complaint,
    Pool,
    Signature,
    Weights,
    affinities,
    affinity,
    group,
    signature,
    terms,
)

START = datetime(2026, 11, 2, tzinfo=UTC)
CATALOGUE = Catalogue(
    {
        "coffee maker": ["aamu a2", "kahvinkeit", "coffee maker", "kahve makine"],
        "kettle": ["vedenkeit", "kettle", "su ısıtıc"],
    }
)


AXES = itertools.count()


def _unit(*values: float) -> np.ndarray:
    vector = np.zeros(MEAN.shape, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def _unrelated() -> np.ndarray:
    """A complaint as the encoder sees one that is like no other: mostly the mean complaint,
    plus a direction of its own, so that what it names decides."""
    mean = MEAN / np.linalg.norm(MEAN)
    own = np.zeros(MEAN.shape, dtype=np.float32)
    own[next(AXES)] = 1.0
    own -= (own @ mean) * mean
    vector = 0.9 * mean + 0.4 * own / np.linalg.norm(own)
    return vector / np.linalg.norm(vector)


def _complaint(key: str, hours: float, text: str) -> Complaint:
    return Complaint(
        key=key,
        at=START + timedelta(hours=hours),
        vector=_unrelated(),
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

    pool = Pool.of([])

    assert affinity(0.8, 0.0, a, b, pool) > 0 > affinity(0.8, 0.0, a, c, pool)


def test_groups_that_turn_out_alike_are_merged() -> None:
    # Cosine alone decides here: two groups grow apart from each other, then a complaint
    # between them joins one and makes it fit the other as a whole.
    cosine_only = Weights(-0.9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    complaints = [
        Complaint("a", START, _unit(1, 0), Signature()),
        Complaint("b", START + timedelta(hours=1), _unit(0.8, 0.6), Signature()),
        Complaint("c", START + timedelta(hours=2), _unit(0.95, 0.31), Signature()),
    ]

    found = group(complaints, threshold=-0.05, weights=cosine_only)

    assert [sorted(map(str, g.keys)) for g in found] == [["a", "b", "c"]]


def test_words_are_compared_by_their_folded_stems_without_handles_or_order_numbers() -> None:
    fi = terms("@KideSuomi Suodattimen valo palaa, asetin 80 astetta #kide KD-487655")
    tr = terms("Fıltre ışığı sönmüyor, 80 derece")

    assert {"suoda", "valo", "palaa", "aseti", "80"} <= fi
    assert not {"kides", "kide", "48765", "487655"} & fi
    assert {"filtr", "isigi", "80"} <= tr


def test_a_rare_shared_word_counts_for_more_than_a_common_one() -> None:
    common = _complaint("c", 0, "kahvinkeitin").signature.terms
    pool = Pool.of(
        [_complaint(str(n), n, "kahvinkeitin ei toimi") for n in range(8)]
        + [_complaint("x", 9, "kahvinkeitin suodatinvalo")]
    )
    rare = terms("suodatinvalo palaa")

    assert pool.overlap(rare, terms("kahvinkeitin suodatinvalo")) > pool.overlap(
        common, terms("kahvinkeitin suodatinvalo")
    )
    assert pool.overlap(rare, terms("aivan muuta")) == 0.0


def test_what_all_complaints_share_is_taken_out_before_the_second_cosine() -> None:
    a, b = _unrelated(), _unrelated()
    pool = Pool.of([])

    assert float(a @ b) > 0.7  # alike as complaints
    assert abs(float(pool.centred(a) @ pool.centred(b))) < 0.2  # but not as faults


def test_how_reports_of_one_problem_differ_is_taken_out_too() -> None:
    a = _unrelated()
    b = a + 0.5 * NUISANCE[0]  # the same report in another language or tone, say
    c = _unrelated()
    pool = Pool.of([])

    assert float(pool.centred(a) @ pool.centred(b)) > 0.99
    assert abs(float(pool.centred(a) @ pool.centred(c))) < 0.2


def test_the_shipped_space_is_a_mean_and_orthonormal_directions() -> None:
    assert MEAN.shape == (384,) and NUISANCE.shape[1] == 384
    assert np.allclose(NUISANCE @ NUISANCE.T, np.eye(len(NUISANCE)), atol=1e-5)


def test_a_signature_keeps_its_words_and_language_through_json() -> None:
    found = signature("Kettle leaks on the counter", CATALOGUE, "en")

    assert Signature.from_json(found.as_json()) == found
    assert Signature.from_json({"products": ["kettle"]}).terms == frozenset()  # stored before


def test_the_matrix_of_affinities_is_the_affinity_of_each_pair() -> None:
    rng = np.random.default_rng(8)
    texts = [
        ("Aamu A2 vuotaa tankin alta, E4 näytöllä", "fi"),
        ("My Aamu A2 coffee maker leaks under the tank", "en"),
        ("kahve makinesi alttan su sızdırıyor E4", "tr"),
        ("Kettle won't switch off, the lid is stuck", "en"),
        ("vedenkeitin ei sammu itsestään", "fi"),
        ("@KideHome order KD-123456 never arrived", ""),
        ("", "en"),
    ]
    complaints = [
        Complaint(n, START, _random_unit(rng), signature(text, CATALOGUE, lang))
        for n, (text, lang) in enumerate(texts)
    ]
    pool = Pool.of(complaints)
    matrix = affinities(complaints[:3], complaints, pool)
    centred = pool.centred(np.stack([c.vector for c in complaints]))
    for i, j in itertools.product(range(3), range(len(complaints))):
        a, b = complaints[i], complaints[j]
        cosines = float(a.vector @ b.vector), float(centred[i] @ centred[j])
        one = affinity(*cosines, a.signature, b.signature, pool)
        assert matrix[i, j] == pytest.approx(one, abs=1e-5)


def _random_unit(rng: np.random.Generator) -> np.ndarray:
    vector = rng.normal(size=MEAN.shape).astype(np.float32)
    return vector / np.linalg.norm(vector)
