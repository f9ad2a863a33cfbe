"""Re-triaging conversations: gather the facts set-wise (a few queries for any number of
conversations), apply ``rules``, store the view, priority, reason and SLA deadline, and record
tone changes on the timeline. Nothing here commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.bulk import one_of
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.customers.models import Author, Customer, CustomerTag
from vastaa.messages.models import Message
from vastaa.routing.service import Case, Router
from vastaa.sla.service import Policies, deadline
from vastaa.triage.rules import NEGATIVE_TURN, Facts, PriorityWeights, triage

# Replies that have not left: waiting for review, or sent back to their author.
UNSENT = ("review", "returned", "failed")

# Conversations whose SLA deadline is this close are re-triaged on every worker round, so that
# their priority and countdown rise as the clock runs.
RETRIAGE_WINDOW_MINUTES = 60


@dataclass
class _Thread:
    inbound: list[tuple[datetime, dict[str, Any] | None]]
    outbound: list[datetime]


def _threads(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _Thread]:
    rows = session.execute(
        select(Message.conversation_id, Message.direction, Message.created_at, Message.analysis)
        .where(
            one_of(session, Message.conversation_id, list(ids)),
            Message.delivery.not_in(UNSENT),
        )
        .order_by(Message.created_at)
    ).all()
    threads: dict[uuid.UUID, _Thread] = defaultdict(lambda: _Thread([], []))
    for conversation_id, direction, created_at, analysis in rows:
        thread = threads[conversation_id]
        if direction == "inbound":
            thread.inbound.append((created_at, analysis))
        else:
            thread.outbound.append(created_at)
    return threads


def _tags(session: Session, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    if not customer_ids:
        return {}
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    rows = session.execute(
        select(CustomerTag.customer_id, CustomerTag.tag)
        .where(one_of(session, CustomerTag.customer_id, customer_ids))
        .order_by(CustomerTag.tag)
    )
    for customer_id, tag in rows:
        found[customer_id].append(tag)
    return {key: tuple(value) for key, value in found.items()}


def _score(analysis: dict[str, Any] | None) -> float:
    return float(((analysis or {}).get("sentiment") or {}).get("score", 0.0))


def refresh(
    session: Session,
    ids: Collection[uuid.UUID],
    *,
    now: datetime,
    weights: PriorityWeights,
    policies: Policies | None = None,
) -> int:
    """Re-triage these conversations; returns how many changed view or priority."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return 0
    policies = policies or Policies.load(session)
    router = Router.load(session)
    rows = session.execute(
        select(Conversation, Author.followers, Customer.vip)
        .join(Author, Author.id == Conversation.author_id)
        .outerjoin(Customer, Customer.id == Conversation.customer_id)
        .where(one_of(session, Conversation.id, ids))
    ).all()
    threads = _threads(session, ids)
    tags = _tags(session, [c.customer_id for c, _, _ in rows if c.customer_id is not None])
    changed = 0
    for conversation, followers, vip in rows:
        thread = threads.get(conversation.id, _Thread([], []))
        before = (conversation.queue, conversation.priority)
        _apply(conversation, thread, followers, bool(vip), tags, policies, weights, now, session)
        if _routable(conversation, thread):
            router.route(session, conversation, _case(conversation, thread, tags), now=now)
        changed += before != (conversation.queue, conversation.priority)
    return changed


def _apply(
    conversation: Conversation,
    thread: _Thread,
    followers: int,
    vip: bool,
    tags: dict[uuid.UUID, tuple[str, ...]],
    policies: Policies,
    weights: PriorityWeights,
    now: datetime,
    session: Session,
) -> None:
    last_in = thread.inbound[-1] if thread.inbound else None
    last_out = thread.outbound[-1] if thread.outbound else None
    analysis = last_in[1] if last_in else None
    facts = Facts(
        status=conversation.status,
        public=conversation.public,
        followers=followers,
        analysis=analysis,
        earlier_negative=any(_score(a) <= NEGATIVE_TURN for _, a in thread.inbound[:-1]),
        last_is_ours=last_out is not None and (last_in is None or last_out >= last_in[0]),
        escalated=conversation.escalated,
        snoozed_until=conversation.snoozed_until,
        snoozed_at=conversation.snoozed_at,
        last_inbound_at=last_in[0] if last_in else None,
        vip=vip,
        tags=tuple(tag for tag in tags.get(conversation.customer_id or uuid.UUID(int=0), ())),
        tone_changed_at=conversation.tone_changed_at,
    )
    first_in = thread.inbound[0][0] if thread.inbound else None
    conversation.first_response_at = next(
        (at for at in thread.outbound if first_in is not None and at >= first_in), None
    )
    conversation.last_outbound_at = last_out
    result = triage(facts, weights, now)
    due = _due(conversation, thread, result.queue, result.priority, policies)
    if due is not None:
        result = triage(facts, weights, now, due_at=due)
    if due != conversation.due_at:
        conversation.breached_at = None
    conversation.due_at = due
    if result.tone_change:
        conversation.tone_changed_at = now
        session.add(ConversationEvent(conversation_id=conversation.id, at=now, kind="tone_change"))
    sentiment = (analysis or {}).get("sentiment") or {}
    intents = (analysis or {}).get("intents") or []
    conversation.queue = result.queue
    conversation.priority = result.priority
    conversation.priority_reason = result.reason
    conversation.sentiment = sentiment.get("label")
    conversation.sentiment_score = sentiment.get("score")
    conversation.intents = (
        "".join(f",{i}" for i in INTENT_ORDER if i in intents) + "," if intents else None
    )
    conversation.problem_area = (analysis or {}).get("problem_area")
    conversation.toxic = bool(((analysis or {}).get("abuse") or {}).get("toxic"))
    conversation.triaged_at = now


# New work that someone should pick up; routing waits until the analysis is there.
ROUTED_QUEUES = ("needs_reply", "moderation", "follow_up", "praise", "escalated")


def _routable(conversation: Conversation, thread: _Thread) -> bool:
    analysed = bool(thread.inbound) and thread.inbound[-1][1] is not None
    return (
        analysed
        and conversation.routed_at is None
        and conversation.assignee_id is None
        and conversation.team_id is None
        and conversation.queue in ROUTED_QUEUES
    )


def _case(
    conversation: Conversation, thread: _Thread, tags: dict[uuid.UUID, tuple[str, ...]]
) -> Case:
    analysis = thread.inbound[-1][1] or {}
    return Case(
        lang=conversation.lang or analysis.get("lang"),
        channel_id=conversation.channel_id,
        intents=frozenset(analysis.get("intents") or ()),
        area=analysis.get("problem_area"),
        text=conversation.preview,
        tags=frozenset(tags.get(conversation.customer_id or uuid.UUID(int=0), ())),
    )


INTENT_ORDER = ("complaint", "question", "suggestion", "praise", "spam", "other")


SLA_QUEUES = ("needs_reply", "escalated", "follow_up")


def _due(
    conversation: Conversation,
    thread: _Thread,
    queue: str,
    priority: int,
    policies: Policies,
) -> datetime | None:
    """The deadline now running: first response, or the next one after our last answer."""
    if queue not in SLA_QUEUES or not thread.inbound:
        return None
    policy = policies.match(conversation.channel_id, priority)
    if conversation.first_response_at is None:
        return deadline(policy, thread.inbound[0][0], first=True)
    last_out = thread.outbound[-1]
    waiting = [at for at, _ in thread.inbound if at > last_out]
    if not waiting:
        return None
    return deadline(policy, waiting[0], first=False)
