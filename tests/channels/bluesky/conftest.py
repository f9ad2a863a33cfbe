"""The local PDS and Jetstream of the Bluesky connector's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.bluesky import fake_bluesky


@pytest.fixture
def pds() -> Iterator[fake_bluesky.Pds]:
    with fake_bluesky.running_pds() as server:
        yield server


@pytest.fixture
def jetstream() -> Iterator[fake_bluesky.Jetstream]:
    with fake_bluesky.running_jetstream() as stream:
        yield stream
