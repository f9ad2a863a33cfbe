"""Small builders of canonical events for tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import NOW
from vastaa.pipeline.events import Event, parse_event

FACEBOOK = {"platform": "facebook", "account": "kidesuomi", "name": "Kide Suomi", "staffed": True}
X = {"platform": "x", "account": "KideHome"}


def at(minutes: int) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def message(external_id: str, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "channel": FACEBOOK,
        "external_id": external_id,
        "kind": "comment",
        "author": {"id": "fb-u-1", "handle": "matti.v", "name": "Matti Virtanen", "followers": 312},
        "text": f"Viesti {external_id}",
        "created_at": at(0),
        "raw": {"id": external_id},
    }
    event.update(fields)
    return event


def delete(
    external_id: str, minutes: int = 30, channel: dict[str, Any] = FACEBOOK
) -> dict[str, Any]:
    return {
        "type": "delete",
        "channel": channel,
        "external_id": external_id,
        "deleted_at": at(minutes),
    }


def events(*items: dict[str, Any]) -> list[Event]:
    return [parse_event(item, n) for n, item in enumerate(items)]


def timestamp(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)
