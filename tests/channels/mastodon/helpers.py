"""Recorded Mastodon payloads, series of them, and the connector pointed at the local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.channels import fake_mastodon
from vastaa.channels.base import ChannelSetup
from vastaa.channels.mastodon.client import MastodonConnector

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
ACCOUNT = "kide@mastodon.example"


def load(name: str) -> dict[str, Any]:
    """A recorded payload, ``tests/fixtures/mastodon/<name>.json``."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def mention(number: int, *, status_id: str | None = None) -> dict[str, Any]:
    """The mention fixture as notification ``number`` of a series, about its own status."""
    notification = load("notification__mention")
    notification["id"] = str(35000000 + number)
    notification["status"]["id"] = status_id or str(110100000000100000 + number)
    return notification


def tagged(number: int, tag: str = "kide") -> dict[str, Any]:
    """The hashtag fixture as status ``number`` of a series."""
    status = load("status__hashtag")
    status["id"] = str(110200000000100000 + number)
    status["tags"] = [{"name": tag, "url": f"https://mastodon.example/tags/{tag}"}]
    return status


def matching(number: int) -> dict[str, Any]:
    """The search fixture (it says "kide app") as status ``number`` of a series."""
    status = load("status__search")
    status["id"] = str(110300000000100000 + number)
    return status


def connect(server: fake_mastodon.Instance, token: str = fake_mastodon.TOKEN) -> MastodonConnector:
    setup = ChannelSetup(ACCOUNT, {"base_url": server.base_url}, {"token": token})
    return MastodonConnector.build(setup)
