"""A local Mastodon server with our account (id 1, ``kide``) and the connector that reads it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels import fake_mastodon
from tests.channels.mastodon.helpers import connect
from vastaa.channels.mastodon.client import MastodonConnector


@pytest.fixture
def server() -> Iterator[fake_mastodon.Instance]:
    with fake_mastodon.running() as instance:
        yield instance


@pytest.fixture
def mastodon(server: fake_mastodon.Instance) -> MastodonConnector:
    return connect(server)
