"""Automatic rules: saving them (every change in the audit log), a dry run over the last days
before a rule is switched on, and applying enabled rules to messages as they are analysed.

A rule acts only on what arrives after it was switched on. It never overrides the guard: where
it may not hide (criticism, or the thread's hide budget), it puts the message in the review
queue instead, so a person decides. Every automatic action is recorded with its rule and can be
undone like a person's."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.audit.service import log
from vastaa.channels.registry import Registry
from vastaa.errors import NotFoundError, PermanentError
from vastaa.messages.models import Message
from vastaa.moderation import policy, queries
from vastaa.moderation.models import ModerationRule
from vastaa.moderation.rules import Actions, Facts, matches, parse_actions, parse_conditions
from vastaa.moderation.service import Actor, Batch, OverBudget, hide_budget

DRY_RUN_LIMIT = 20_000


def save_rule(
    session: Session,
    *,
    name: str,
    conditions: Mapping[str, Any],
    actions: Mapping[str, Any],
    actor_id: uuid.UUID | None,
    now: datetime,
    description: str = "",
) -> ModerationRule:
    """Add a rule (switched off: dry-run it first) or change one by name."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise PermanentError("a rule's name has 1 to 120 characters")
    parsed, wanted = parse_conditions(conditions), parse_actions(actions)
    if parsed.empty:
        raise PermanentError("a rule needs at least one condition")
    if wanted.empty:
        raise PermanentError("a rule needs at least one action")
    _check_assignee(session, wanted)
    rule = session.scalar(select(ModerationRule).where(ModerationRule.name == name))
    if rule is None:
        rule = ModerationRule(name=name, enabled=False, created_by_id=actor_id, created_at=now)
        session.add(rule)
    changed = rule.enabled and (rule.conditions, rule.actions) != (
        parsed.as_json(),
        wanted.as_json(),
    )
    rule.conditions, rule.actions = parsed.as_json(), wanted.as_json()
    rule.description, rule.updated_at = description.strip()[:2000], now
    if changed:  # a changed rule is dry-run again before it acts
        rule.enabled, rule.enabled_at = False, None
    session.flush()
    _audit(session, rule, actor_id, now, "saved, switched off" if changed else "saved")
    return rule


def _check_assignee(session: Session, wanted: Actions) -> None:
    if wanted.assign and _user_id(session, wanted.assign) is None:
        raise PermanentError(f"no active user {wanted.assign!r} to assign to")


def _user_id(session: Session, username: str) -> uuid.UUID | None:
    return session.scalar(select(User.id).where(User.username == username, User.active))


def set_enabled(
    session: Session,
    *,
    rule_id: uuid.UUID,
    enabled: bool,
    actor_id: uuid.UUID | None,
    now: datetime,
) -> ModerationRule:
    rule = session.get(ModerationRule, rule_id)
    if rule is None:
        raise NotFoundError(f"rule {rule_id}")
    if rule.enabled != enabled:
        rule.enabled, rule.updated_at = enabled, now
        rule.enabled_at = now if enabled else None
        _audit(session, rule, actor_id, now, "switched on" if enabled else "switched off")
    return rule


def _audit(
    session: Session, rule: ModerationRule, actor_id: uuid.UUID | None, now: datetime, what: str
) -> None:
    log(
        session,
        actor_id=actor_id,
        action="rule_change",
        now=now,
        target=("rule", rule.id),
        summary=f"{rule.name}: {what}",
        data={"conditions": rule.conditions, "actions": rule.actions, "enabled": rule.enabled},
    )


@dataclass(frozen=True)
class Outcome:
    """What a rule did, or would do, to one message."""

    message_id: uuid.UUID
    actions: tuple[str, ...]
    note: str = ""  # e.g. why it would review instead of hiding


def dry_run(
    session: Session,
    *,
    conditions: Mapping[str, Any],
    actions: Mapping[str, Any],
    days: int,
    now: datetime,
) -> tuple[int, list[Outcome]]:
    """What the rule would have done over the last ``days``: (messages looked at, outcomes).
    Nothing is written."""
    parsed, wanted = parse_conditions(conditions), parse_actions(actions)
    since = now - timedelta(days=max(1, min(days, 90)))
    facts = queries.recent_facts(session, since=since, limit=DRY_RUN_LIMIT)
    outcomes = [
        _planned(session, message_id, fact, wanted)
        for message_id, fact in facts
        if matches(parsed, fact)
    ]
    return len(facts), outcomes


def _planned(session: Session, message_id: uuid.UUID, facts: Facts, wanted: Actions) -> Outcome:
    planned, note = [], ""
    if wanted.hide:
        refusal = _why_not_hide(session, message_id, facts)
        if refusal:
            planned.append("review")
            note = refusal
        else:
            planned.append("hide")
    if wanted.review and "review" not in planned:
        planned.append("review")
    if wanted.label:
        planned.append("label")
    if wanted.assign:
        planned.append("assign")
    return Outcome(message_id, tuple(planned), note)


def _why_not_hide(session: Session, message_id: uuid.UUID, facts: Facts) -> str:
    if policy.read(facts.analysis).criticism:
        return "criticism"
    message = session.get(Message, message_id)
    if message is not None and hide_budget(session, message).over:
        return "hide_budget"
    return ""


def apply_rules(
    session: Session,
    *,
    message_ids: list[uuid.UUID],
    rules: list[ModerationRule],
    now: datetime,
    connectors: Registry | None,
) -> list[Outcome]:
    """Apply the enabled rules to these (analysed, inbound) messages; each rule acts only on
    messages received after it was switched on."""
    outcomes = []
    query = select(Message.id, Message.received_at).where(Message.id.in_(message_ids))
    received = {message_id: at for message_id, at in session.execute(query)}
    for message_id, facts in queries.facts_for(session, message_ids):
        for rule in rules:
            since = rule.enabled_at
            if since is None or received[message_id] < since:
                continue
            if matches(parse_conditions(rule.conditions), facts):
                outcomes.append(_carry_out(session, rule, message_id, now, connectors))
    return outcomes


def _carry_out(
    session: Session,
    rule: ModerationRule,
    message_id: uuid.UUID,
    now: datetime,
    connectors: Registry | None,
) -> Outcome:
    wanted = parse_actions(rule.actions)
    batch = Batch()
    take = partial(
        batch.act,
        session,
        message_id=message_id,
        actor=Actor(id=None, role="rule", rule_id=rule.id),
        now=now,
        connectors=connectors,
    )
    reason, note, done = f"rule: {rule.name}", "", []
    if wanted.hide:
        try:
            take(action="hide", reason=reason)
            done.append("hide")
        except (policy.PolicyRefused, OverBudget) as refused:
            note = str(refused)
    if (wanted.review or note) and "hide" not in done:
        take(action="review", reason=f"{reason}; {note}" if note else reason)
        done.append("review")
    if wanted.label:
        take(action="label", label=wanted.label, reason=reason)
        done.append("label")
    assignee = _user_id(session, wanted.assign) if wanted.assign else None
    if assignee is not None:  # a user since deactivated: the case keeps whoever has it
        take(action="assign", assignee_id=assignee, reason=reason)
        done.append("assign")
    batch.seal(session, now=now)
    return Outcome(message_id, tuple(done), note)
