"""Routing on SQLite and PostgreSQL: rules by language, intent, keyword and tag; agents who
are online and have room, least-loaded or round-robin; applied once, when triage first sees an
analysed conversation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import message
from tests.web.helpers import ingest_items
from vastaa.accounts.models import User
from vastaa.accounts.service import add_team
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.errors import PermanentError
from vastaa.routing.service import Case, add_rule, matches
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending


def case(**changes: object) -> Case:
    values: dict[str, object] = {
        "lang": "fi",
        "channel_id": uuid.UUID(int=1),
        "intents": frozenset({"complaint"}),
        "area": "billing",
        "text": "Lasku on väärin",
        "tags": frozenset({"vip"}),
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def test_every_given_condition_must_hold_and_any_value_of_one_will_do() -> None:
    assert matches({"langs": ["tr", "fi"], "intents": ["complaint"]}, case())
    assert matches({"keywords": ["LASKU"]}, case())
    assert matches({"tags": ["vip", "press"], "areas": ["billing"]}, case())
    assert not matches({"langs": ["fi"], "areas": ["delivery"]}, case())
    assert not matches({"channels": [str(uuid.UUID(int=2))]}, case())
    assert matches({}, case())


def settle(sessions: sessionmaker[Session], now: datetime) -> None:
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())


def assignees(sessions: sessionmaker[Session]) -> dict[str, str | None]:
    with sessions() as session:
        rows = session.execute(
            select(Conversation.thread_key, User.username).outerjoin(
                User, User.id == Conversation.assignee_id
            )
        ).all()
    return dict(rows)


@pytest.fixture
def team(sessions: sessionmaker[Session], cast: dict, now: datetime) -> None:
    with transaction(sessions) as session:
        add_team(session, name="Suomi", now=now, members=["aino", "mert"])
        for user in session.scalars(select(User)):
            user.last_seen_at = now - timedelta(minutes=2)


def test_new_finnish_complaints_go_to_the_least_loaded_online_agent(
    sessions: sessionmaker[Session], now: datetime, team: None
) -> None:
    with transaction(sessions) as session:
        add_rule(session, name="suomi", conditions={"langs": ["fi"]}, now=now, team="Suomi")
    ingest_items(
        sessions,
        now,
        message("f1", text="Kahvinkeitin vuotaa, haluan rahat takaisin", author={"id": "u1"}),
        message("f2", text="Tilaus on myöhässä jo viikon", author={"id": "u2"}),
        message("e1", text="Where is my order?", author={"id": "u3"}),
    )

    settle(sessions, now)

    found = assignees(sessions)
    assert sorted(name for name in (found["f1"], found["f2"])) == ["aino", "mert"]
    assert found["e1"] is None
    with sessions() as session:
        kinds = session.scalars(select(ConversationEvent.kind)).all()
    assert kinds == ["routed", "routed"]


def test_offline_or_full_agents_get_nothing_and_routing_happens_once(
    sessions: sessionmaker[Session], now: datetime, team: None, cast: dict
) -> None:
    with transaction(sessions) as session:
        add_rule(
            session,
            name="rr",
            conditions={"keywords": ["tilaus"]},
            now=now,
            team="Suomi",
            strategy="round_robin",
        )
        mert = session.get(User, cast["mert"])
        assert mert is not None
        mert.last_seen_at = now - timedelta(hours=3)
    ingest_items(sessions, now, message("a", text="Tilaus ei tullut", author={"id": "u1"}))
    settle(sessions, now)
    assert assignees(sessions) == {"a": "aino"}  # mert has not been seen for hours
    with transaction(sessions) as session:
        aino = session.get(User, cast["aino"])
        assert aino is not None
        aino.capacity = 1
    ingest_items(sessions, now, message("b", text="Missä tilaus on?", author={"id": "u2"}))
    settle(sessions, now)

    with transaction(sessions) as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.thread_key == "a")
        ).one()
        conversation.assignee_id = None  # someone unassigns it: it is not routed again
        conversation.triaged_at = None
    settle(sessions, now)

    found = assignees(sessions)
    assert found == {"a": None, "b": None}
    with sessions() as session:
        teams = session.scalars(select(Conversation.team_id)).all()
    assert all(team_id is not None for team_id in teams)  # the team has them both


def test_rules_are_checked_when_added(sessions: sessionmaker[Session], now: datetime) -> None:
    with transaction(sessions) as session, pytest.raises(PermanentError, match="no team"):
        add_rule(session, name="x", conditions={"langs": ["fi"]}, now=now, team="Nobody")
    with transaction(sessions) as session, pytest.raises(PermanentError, match="unknown"):
        add_rule(session, name="x", conditions={"mood": ["sad"]}, now=now, user="aino")
