"""Grouping complaints (issue 8, first step): similar complaints within the window join one
group, dissimilar or late ones start their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from vastaa.incidents.grouping import Complaint, group

START = datetime(2026, 11, 2, tzinfo=UTC)


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _complaint(key: str, hours: float, *values: float) -> Complaint:
    return Complaint(key=key, at=START + timedelta(hours=hours), vector=_unit(*values))


def test_similar_complaints_within_the_window_form_one_group() -> None:
    found = group(
        [
            _complaint("fi", 0, 1, 0.05, 0),
            _complaint("tr", 1, 1, 0.0, 0.05),
            _complaint("other", 2, 0, 1, 0),
            _complaint("en", 3, 1, 0.03, 0.02),
        ],
        threshold=0.9,
    )

    assert [g.members for g in found] == [["fi", "tr", "en"], ["other"]]


def test_a_complaint_after_the_window_starts_a_group_of_its_own() -> None:
    found = group(
        [_complaint("first", 0, 1, 0, 0), _complaint("late", 100, 1, 0, 0)],
        threshold=0.9,
        window=timedelta(hours=72),
    )

    assert [g.members for g in found] == [["first"], ["late"]]


def test_one_close_neighbour_is_not_enough_to_join_a_group() -> None:
    found = group(
        [
            _complaint("a", 0, 1, 0, 0),
            _complaint("b", 0.5, 0.8, 0.6, 0),  # 0.8 like a: joins it
            _complaint("c", 1, 0, 1, 0),  # 0.6 like b, 0 like a: 0.3 on average
        ],
        threshold=0.6,
    )

    assert [g.members for g in found] == [["a", "b"], ["c"]]
