"""Automatic rules: matching (pure), the dry run, and the worker applying enabled rules only to
what arrives after they were switched on, never hiding criticism, every action undoable."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import at, events, message
from tests.moderation.conftest import HATE, MASTODON, thread
from vastaa.audit.models import AuditEntry
from vastaa.channels.registry import builtin
from vastaa.db import transaction
from vastaa.errors import PermanentError
from vastaa.messages.models import Message
from vastaa.moderation import automation, service
from vastaa.moderation.models import ModerationAction, ModerationRule
from vastaa.moderation.rules import Facts, matches, parse_conditions
from vastaa.moderation.tasks import moderate_pending
from vastaa.pipeline.ingest import ingest


def facts(text: str = "", **scores: float) -> Facts:
    return Facts(
        text=text,
        analysis={"abuse": {"scores": scores}},
        handle="troll42",
        platform="mastodon",
        account="kide",
        under_ad=False,
    )


def test_conditions_all_hold_words_match_whole_and_case_insensitively() -> None:
    rule = parse_conditions({"min_offensive": "0.8", "keywords": "HUIJARI\nscam artist"})
    assert matches(rule, facts("Te olette huijari!", offensive=0.9))
    assert matches(rule, facts("what a SCAM ARTIST", insult=0.85))
    assert not matches(rule, facts("huijarit", offensive=0.9))  # a different word
    assert not matches(rule, facts("huijari", offensive=0.5))  # too mild
    assert matches(parse_conditions({"authors": "@Troll42"}), facts())
    assert matches(parse_conditions({"channels": ["mastodon:kide"]}), facts())
    assert not matches(parse_conditions({"only_ads": True}), facts())
    assert not matches(parse_conditions({}), facts())  # no conditions: nothing


@pytest.mark.parametrize("bad", [{"min_offensive": "2"}, {"min_threat": "lots"}])
def test_a_score_is_a_number_between_0_and_1(bad: dict[str, str]) -> None:
    with pytest.raises(PermanentError):
        parse_conditions(bad)


def save(sessions: sessionmaker[Session], now: datetime, **actions: object) -> uuid.UUID:
    with transaction(sessions) as session:
        rule = automation.save_rule(
            session,
            name="abuse",
            conditions={"min_offensive": 0.7},
            actions=actions,
            actor_id=None,
            now=now,
        )
        return rule.id


def test_a_dry_run_shows_what_would_happen_and_changes_nothing(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    ids = thread(sessions, now, replies=30)
    with transaction(sessions) as session:
        seen, outcomes = automation.dry_run(
            session,
            conditions={"min_offensive": 0.7},
            actions={"hide": True, "label": "abuse"},
            days=7,
            now=now,
        )
    assert seen == 33
    assert {o.message_id: o.actions for o in outcomes} == {
        ids["hate"]: ("hide", "label"),
        ids["troll"]: ("hide", "label"),
    }
    with transaction(sessions) as session:
        _, criticism = automation.dry_run(
            session, conditions={"keywords": "surkeaa"}, actions={"hide": True}, days=7, now=now
        )
    assert [(o.actions, o.note) for o in criticism] == [(("review",), "criticism")]
    with sessions() as session:
        assert session.scalars(select(ModerationAction)).all() == []


def test_enabled_rules_act_only_on_what_arrives_afterwards_and_can_be_undone(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    thread(sessions, now, replies=30)  # received before the rule is on: left alone
    rule_id = save(sessions, now, hide=True, label="abuse")
    later = now + timedelta(minutes=5)
    with transaction(sessions) as session:
        automation.set_enabled(
            session, rule_id=rule_id, enabled=True, actor_id=cast["mert"], now=later
        )
        ingest(
            session,
            events(
                message(
                    "new-hate",
                    channel=MASTODON,
                    parent_id="p1",
                    thread_id="p1",
                    text="Kürtler defolsun",
                    created_at=at(1),
                )
            ),
            now=later,
        )
        new = session.scalars(select(Message).where(Message.external_id == "new-hate")).one()
        new.analysis, new.analyzed_at = HATE, later

    assert moderate_pending(sessions, now=later, connectors=builtin({})) == 1
    assert moderate_pending(sessions, now=later, connectors=builtin({})) == 0  # once only

    with sessions() as session:
        taken = session.scalars(select(ModerationAction)).all()
        changes = session.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "rule_change")
        ).all()
    assert sorted((t.action, t.message_id == new.id, t.rule_id == rule_id) for t in taken) == [
        ("hide", True, True),
        ("label", True, True),
    ]
    assert changes == ["abuse: saved", "abuse: switched on"]
    hide = next(t for t in taken if t.action == "hide")
    with transaction(sessions) as session:
        service.undo(
            session,
            action_id=hide.id,
            actor=service.Actor(cast["mert"], "supervisor"),
            now=later,
            connectors=None,
        )
    with sessions() as session:
        assert session.get(Message, new.id).moderation is None  # type: ignore[union-attr]


def test_a_rule_puts_criticism_in_the_queue_instead_of_hiding_it(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    with transaction(sessions) as session:
        rule = automation.save_rule(
            session,
            name="words",
            conditions={"keywords": "surkeaa"},
            actions={"hide": True},
            actor_id=None,
            now=now - timedelta(hours=1),
        )
        automation.set_enabled(
            session, rule_id=rule.id, enabled=True, actor_id=None, now=now - timedelta(hours=1)
        )
    ids = thread(sessions, now)
    moderate_pending(sessions, now=now, connectors=None)
    with sessions() as session:
        taken = session.scalars(select(ModerationAction)).one()
        criticism = session.get(Message, ids["criticism"])
    assert taken.action == "review" and "criticism" in taken.reason
    assert criticism is not None and criticism.moderation == "review"


def test_a_rule_needs_a_condition_an_action_and_a_real_assignee(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    cases = [
        ({}, {"hide": True}, "condition"),
        ({"min_offensive": 0.5}, {}, "action"),
        ({"min_offensive": 0.5}, {"assign": "nobody"}, "no active user"),
    ]
    for conditions, actions, why in cases:
        with transaction(sessions) as session, pytest.raises(PermanentError, match=why):
            automation.save_rule(
                session, name="x", conditions=conditions, actions=actions, actor_id=None, now=now
            )


def test_changing_a_rule_that_is_on_switches_it_off_to_be_dry_run_again(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    rule_id = save(sessions, now, hide=True)
    with transaction(sessions) as session:
        automation.set_enabled(session, rule_id=rule_id, enabled=True, actor_id=None, now=now)
    save(sessions, now, hide=True)  # the same: stays on
    with sessions() as session:
        assert session.get(ModerationRule, rule_id).enabled  # type: ignore[union-attr]
    save(sessions, now, hide=True, label="abuse")  # changed: off again
    with sessions() as session:
        assert not session.get(ModerationRule, rule_id).enabled  # type: ignore[union-attr]
