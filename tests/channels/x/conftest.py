from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.x import fake_x
from vastaa.channels.base import ChannelSetup
from vastaa.channels.x.client import XConnector


@pytest.fixture
def x() -> Iterator[fake_x.X]:
    with fake_x.running() as server:
        yield server


def connector(x: fake_x.X, token: str = fake_x.TOKEN, account: str = fake_x.OUR_ID) -> XConnector:
    setup = ChannelSetup(
        account=account, config={"base_url": x.base_url}, credentials={"bearer_token": token}
    )
    return XConnector.build(setup)
