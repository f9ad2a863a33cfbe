"""The built-in demo scenario loads through the ingestion path and holds the MISSION situations."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.channels.models import Channel
from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author
from vastaa.db import transaction
from vastaa.demo.scenario import load, scenario
from vastaa.messages.models import Message, MessageRevision


def test_the_demo_holds_a_week_of_messages_in_three_languages(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        loaded = load(session, now=now)

    assert loaded.messages >= 300
    assert {login.role for login in loaded.logins} == {"agent", "supervisor", "admin"}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Channel)) >= 5
        languages = Counter(session.scalars(select(Message.lang)))
        assert min(languages["fi"], languages["tr"], languages["en"]) >= 50
        oldest = session.scalar(select(func.min(Message.created_at)))
        newest = session.scalar(select(func.max(Message.created_at)))
        assert oldest is not None and newest is not None
        assert now - oldest >= timedelta(days=6) and now - newest <= timedelta(hours=1)
        assert session.scalar(select(func.count()).where(Message.deleted_at.is_not(None))) >= 1
        assert session.scalar(select(func.count()).select_from(MessageRevision)) >= 1
        kinds = set(session.scalars(select(Message.kind)))
        assert {"comment", "mention", "review", "direct_message", "post"} <= kinds
        assert session.scalar(select(func.count()).select_from(Conversation)) >= 150


def test_the_customer_on_two_channels_is_one_customer(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        load(session, now=now)
    linked = [a["id"] for a in scenario()["authors"].values() if a.get("customer") == "c_jere"]

    with sessions() as session:
        rows = session.execute(
            select(Author.customer_id, Channel.platform)
            .join(Channel, Channel.id == Author.channel_id)
            .where(Author.external_id.in_(linked))
        ).all()
    assert len({customer for customer, _ in rows}) == 1
    assert len({platform for _, platform in rows}) >= 2


def test_the_scenario_covers_every_situation_of_the_mission() -> None:
    topics = Counter(m.get("topic") for m in scenario()["messages"])

    for topic in (
        "aamu_leak",
        "delivery_delay",
        "question",
        "praise",
        "troll",
        "hate",
        "vague_rude",
        "pii",
        "joke",
        "spam",
    ):
        assert topics[topic] >= 1, topic
    assert topics["aamu_leak"] >= 10
    assert any(m.get("ad") for m in scenario()["messages"])
