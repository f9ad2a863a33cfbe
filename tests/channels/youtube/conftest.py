from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.youtube import fake_youtube


@pytest.fixture
def yt() -> Iterator[fake_youtube.YouTube]:
    with fake_youtube.running() as server:
        yield server
