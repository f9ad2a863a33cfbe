"""The Reddit connector pointed at the local Reddit."""

from __future__ import annotations

from typing import Any

from tests.channels.reddit import fake_reddit
from vastaa.channels.base import ChannelSetup
from vastaa.channels.reddit.client import RedditConnector


def connector(
    server: fake_reddit.Reddit, *, password: str = fake_reddit.PASSWORD, **config: Any
) -> RedditConnector:
    setup = ChannelSetup(
        account=fake_reddit.USERNAME,
        config={"oauth_url": server.base_url, "reddit_url": server.base_url, **config},
        credentials={
            "client_id": fake_reddit.CLIENT_ID,
            "client_secret": fake_reddit.CLIENT_SECRET,
            "password": password,
        },
    )
    return RedditConnector.build(setup)
