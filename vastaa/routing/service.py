"""Routing: a new conversation nobody has taken yet goes to the team or agent of the first rule
that fits it (language, channel, intent, problem area, keywords, customer tags), and within a
team to an agent who is online and has room, by round-robin or least-loaded. Nothing here
commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vastaa.accounts.models import Team, TeamMember, User
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.errors import PermanentError
from vastaa.routing.models import STRATEGIES, RoutingRule

ONLINE = timedelta(minutes=10)  # seen in the app this recently counts as online
OPEN_STATUSES = ("new", "open", "waiting")
CONDITIONS = ("langs", "channels", "intents", "areas", "keywords", "tags")


@dataclass(frozen=True)
class Case:
    """What rules look at."""

    lang: str | None
    channel_id: uuid.UUID
    intents: frozenset[str]
    area: str | None
    text: str
    tags: frozenset[str]


def matches(conditions: dict[str, Any], case: Case) -> bool:
    """Every condition given holds; within one, any listed value will do."""
    checks = {
        "langs": lambda values: case.lang in values,
        "channels": lambda values: str(case.channel_id) in values,
        "intents": lambda values: bool(case.intents & set(values)),
        "areas": lambda values: case.area in values,
        "keywords": lambda values: any(word.casefold() in case.text.casefold() for word in values),
        "tags": lambda values: bool(case.tags & set(values)),
    }
    return all(checks[name](values) for name, values in conditions.items() if values)


@dataclass(frozen=True)
class Router:
    rules: tuple[RoutingRule, ...]

    @classmethod
    def load(cls, session: Session) -> Router:
        found = session.scalars(
            select(RoutingRule)
            .where(RoutingRule.active)
            .order_by(RoutingRule.position, RoutingRule.name)
        )
        return cls(tuple(found))

    def route(
        self, session: Session, conversation: Conversation, case: Case, *, now: datetime
    ) -> bool:
        """Apply the first fitting rule; True when one did. Marks the conversation routed."""
        conversation.routed_at = now
        rule = next((r for r in self.rules if matches(r.conditions, case)), None)
        if rule is None:
            return False
        agent = rule.user_id
        if rule.team_id is not None:
            conversation.team_id = rule.team_id
            if agent is None and rule.strategy != "none":
                agent = pick_agent(session, rule.team_id, rule.strategy, now=now)
        if agent is not None:
            conversation.assignee_id = agent
            if conversation.status == "new":
                conversation.status = "open"
        session.add(
            ConversationEvent(
                conversation_id=conversation.id,
                at=now,
                kind="routed",
                data={
                    "rule": rule.name,
                    "team_id": str(rule.team_id) if rule.team_id else None,
                    "assignee_id": str(agent) if agent else None,
                },
            )
        )
        return True


def pick_agent(
    session: Session, team_id: uuid.UUID, strategy: str, *, now: datetime
) -> uuid.UUID | None:
    """An active member seen in the last ten minutes with fewer open conversations than their
    capacity: the one routed to longest ago (round-robin) or the one with fewest (least-loaded)."""
    load = (
        select(Conversation.assignee_id, func.count().label("open"))
        .where(Conversation.status.in_(OPEN_STATUSES), Conversation.assignee_id.is_not(None))
        .group_by(Conversation.assignee_id)
        .subquery()
    )
    rows = session.execute(
        select(TeamMember, User.capacity, func.coalesce(load.c.open, 0))
        .join(User, User.id == TeamMember.user_id)
        .outerjoin(load, load.c.assignee_id == TeamMember.user_id)
        .where(
            TeamMember.team_id == team_id,
            User.active,
            User.last_seen_at >= now - ONLINE,
        )
    ).all()
    candidates: list[tuple[TeamMember, int]] = [
        (member, int(open_)) for member, capacity, open_ in rows if open_ < capacity
    ]
    if not candidates:
        return None
    never = datetime.min.replace(tzinfo=now.tzinfo)
    if strategy == "round_robin":
        member, _ = min(candidates, key=lambda c: (c[0].last_routed_at or never, str(c[0].user_id)))
    else:
        member, _ = min(
            candidates, key=lambda c: (c[1], c[0].last_routed_at or never, str(c[0].user_id))
        )
    member.last_routed_at = now
    return member.user_id


def add_rule(
    session: Session,
    *,
    name: str,
    conditions: Mapping[str, Sequence[str]],
    now: datetime,
    team: str | None = None,
    user: str | None = None,
    strategy: str = "least_loaded",
    position: int = 100,
) -> RoutingRule:
    """A rule to a team (by name) or a user (by username)."""
    if strategy not in STRATEGIES:
        raise PermanentError(f"the strategy must be one of {', '.join(STRATEGIES)}")
    unknown = [key for key in conditions if key not in CONDITIONS]
    if unknown:
        raise PermanentError(f"unknown condition(s): {', '.join(unknown)}")
    if (team is None) == (user is None):
        raise PermanentError("route to a team or to a user")
    team_id = user_id = None
    if team is not None:
        team_id = session.scalar(select(Team.id).where(Team.name == team))
        if team_id is None:
            raise PermanentError(f"no team named {team!r}")
    if user is not None:
        user_id = session.scalar(select(User.id).where(User.username == user))
        if user_id is None:
            raise PermanentError(f"no user named {user!r}")
    rule = RoutingRule(
        name=name,
        position=position,
        conditions={key: list(values) for key, values in conditions.items() if values},
        team_id=team_id,
        user_id=user_id,
        strategy=strategy,
        created_at=now,
    )
    session.add(rule)
    session.flush()
    return rule
