"""Payloads for the Bluesky connector's tests, from ``tests/fixtures/bluesky``, and the
connector pointed at the local PDS."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.channels.bluesky import fake_bluesky
from vastaa.channels.base import ChannelSetup
from vastaa.channels.bluesky.connector import BlueskyConnector
from vastaa.pipeline.events import Event, MessageEvent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bluesky"


def fixture(name: str) -> dict[str, Any]:
    """A payload of ``tests/fixtures/bluesky``, a fresh copy each time."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def notification(number: int, reason: str = "mention", at: str | None = None) -> dict[str, Any]:
    """A mention (or reply, quote) numbered ``number``, indexed ``number`` minutes after noon."""
    item = fixture(f"notification__{reason}")
    item["uri"] = f"at://did:plc:matti4x3zq7r2lw5bqkbnmty/app.bsky.feed.post/3lbqv2ofm{number:04d}"
    item["indexedAt"] = at or f"2024-11-21T12:{number:02d}:00.000Z"
    item["record"]["text"] = f"@kide.bsky.social message {number}"
    return item


def post_view(number: int, text: str) -> dict[str, Any]:
    """A post view numbered ``number`` with ``text``, indexed ``number`` minutes after noon."""
    view = fixture("post_view__images")
    view["uri"] = f"at://did:plc:anna7m2kq5xzt4vw3ybnlr6p/app.bsky.feed.post/3lbr2kdjf{number:04d}"
    view["indexedAt"] = f"2024-11-21T12:{number:02d}:00.000Z"
    view["record"]["text"] = text
    return view


def connect(
    pds: fake_bluesky.Pds,
    password: str = fake_bluesky.APP_PASSWORD,
    **config: Any,
) -> BlueskyConnector:
    setup = ChannelSetup(
        account=fake_bluesky.HANDLE,
        config={"base_url": pds.base_url, **config},
        credentials={"app_password": password},
    )
    return BlueskyConnector.build(setup)


def messages(events: list[Event]) -> list[MessageEvent]:
    """The events, each a message (not a deletion)."""
    assert all(isinstance(event, MessageEvent) for event in events)
    return [event for event in events if isinstance(event, MessageEvent)]


def numbers(events: list[Event]) -> list[str]:
    """The numbers of the messages ``notification`` made, in order."""
    return [event.text.rsplit(" ", 1)[-1] for event in messages(events)]
