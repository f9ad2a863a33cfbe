"""Small factories for YouTube tests: connectors against the fake server, threads from the
fixtures with other ids and times."""

from __future__ import annotations

import copy
from typing import Any

from tests.channels.youtube import fake_youtube
from tests.channels.youtube.fake_youtube import fixture
from vastaa.channels.base import ChannelSetup
from vastaa.channels.youtube.client import YouTubeConnector

STATIC = {"access_token": fake_youtube.ACCESS_TOKEN}
REFRESHING = {
    "client_id": fake_youtube.CLIENT_ID,
    "client_secret": fake_youtube.CLIENT_SECRET,
    "refresh_token": fake_youtube.REFRESH_TOKEN,
}


def connector(
    yt: fake_youtube.YouTube, credentials: dict[str, str] | None = None
) -> YouTubeConnector:
    setup = ChannelSetup(
        account=fake_youtube.CHANNEL,
        config={"base_url": yt.base_url, "token_url": yt.token_url},
        credentials=STATIC if credentials is None else credentials,
    )
    return YouTubeConnector.build(setup)


def thread(top_id: str, published: str, text: str = "Hello Kide") -> dict[str, Any]:
    """The top-level fixture as another comment, published at ``published``."""
    made = copy.deepcopy(fixture("comment_thread__top_level"))
    made["id"] = top_id
    top = made["snippet"]["topLevelComment"]
    top["id"] = top_id
    top["snippet"].update(
        textOriginal=text, textDisplay=text, publishedAt=published, updatedAt=published
    )
    return dict(made)


def reply(
    top_id: str,
    suffix: str,
    published: str,
    author: str = "UCaino00000000000000000a",
    text: str = "a reply",
) -> dict[str, Any]:
    made = copy.deepcopy(fixture("comment_thread__with_replies")["replies"]["comments"][1])
    made["id"] = f"{top_id}.{suffix}"
    made["snippet"].update(
        parentId=top_id,
        textOriginal=text,
        textDisplay=text,
        publishedAt=published,
        updatedAt=published,
        authorChannelId={"value": author},
    )
    return dict(made)
