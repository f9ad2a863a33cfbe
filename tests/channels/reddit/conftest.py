from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.reddit import fake_reddit


@pytest.fixture
def server() -> Iterator[fake_reddit.Reddit]:
    with fake_reddit.running() as reddit:
        yield reddit
