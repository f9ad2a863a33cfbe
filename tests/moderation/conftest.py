"""A Mastodon thread under a post of ours, with analysis written in directly (so the guard's
decisions do not depend on the models): criticism, hate, a troll and ordinary replies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels import fake_mastodon
from tests.factories import at, events, message
from vastaa.channels.models import Channel
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.pipeline.ingest import ingest

MASTODON = {"platform": "mastodon", "account": "kide@mastodon.example", "name": "Kide"}
CRITICISM = {
    "sentiment": {"label": "negative", "score": -0.9},
    "abuse": {"toxic": False, "scores": {"offensive": 0.3, "insult": 0.2, "identity_attack": 0.0}},
    "intents": ["complaint"],
    "specific": True,
}
HATE = {
    "sentiment": {"label": "negative", "score": -0.8},
    "abuse": {"toxic": True, "scores": {"offensive": 0.9, "insult": 0.9, "identity_attack": 0.85}},
    "intents": ["other"],
    "vague_rude": True,
}
TROLL = {
    "sentiment": {"label": "negative", "score": -0.5},
    "abuse": {"toxic": False, "scores": {"offensive": 0.75, "insult": 0.7, "identity_attack": 0.0}},
    "intents": ["other"],
    "vague_rude": True,
    "specific": False,
}
NEUTRAL = {"sentiment": {"label": "neutral", "score": 0.0}, "abuse": {}, "intents": ["question"]}
TEXTS = {
    "criticism": ("Toimitus myöhässä taas, ja asiakaspalvelu ei vastaa. Surkeaa.", CRITICISM),
    "hate": ("Senin gibi Kürtler defolsun bu ülkeden", HATE),
    "troll": ("lol ootte kaikki ihan pellejä", TROLL),
}


@pytest.fixture
def server() -> Iterator[fake_mastodon.Instance]:
    with fake_mastodon.running() as instance:
        yield instance


def thread(
    sessions: sessionmaker[Session],
    now: datetime,
    server: fake_mastodon.Instance | None = None,
    *,
    replies: int = 0,
    promoted: bool = False,
) -> dict[str, uuid.UUID]:
    """Our post, the three telling comments, and ``replies`` ordinary ones; returns ids by name."""
    items: list[dict[str, Any]] = [
        message(
            "p1",
            channel=MASTODON,
            kind="post",
            direction="outbound",
            promoted=promoted,
            author={"id": "1", "handle": "kide", "name": "Kide"},
            text="Uusi keitin!",
            created_at=at(-60),
        )
    ]
    for n, (name, (text, _)) in enumerate(TEXTS.items()):
        items.append(
            message(
                name,
                channel=MASTODON,
                parent_id="p1",
                thread_id="p1",
                text=text,
                author={"id": f"7{n}", "handle": f"{name}@example.social", "name": name.title()},
                created_at=at(-50 + n),
            )
        )
    for n in range(replies):
        items.append(
            message(
                f"r{n}",
                channel=MASTODON,
                parent_id="p1",
                thread_id="p1",
                text=f"Kiva keitin {n}",
                author={"id": f"9{n}", "handle": f"u{n}"},
                created_at=at(-40 + n),
            )
        )
    with transaction(sessions) as session:
        ingest(session, events(*items), now=now)
        if server is not None:
            channel = session.scalars(select(Channel)).one()
            channel.config = {"base_url": server.base_url}
            channel.credentials = {"token": fake_mastodon.TOKEN}
            for n, name in enumerate(TEXTS):
                server.add_account(f"7{n}", f"{name}@example.social", statuses=[name])
        found = {m.external_id: m for m in session.scalars(select(Message))}
        for name, (_, analysis) in TEXTS.items():
            found[name].analysis, found[name].analyzed_at = analysis, now
        for n in range(replies):
            found[f"r{n}"].analysis, found[f"r{n}"].analyzed_at = NEUTRAL, now
        return {external_id: row.id for external_id, row in found.items() if external_id}
