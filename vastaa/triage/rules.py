"""Which view a conversation belongs in, how urgent it is, and why — pure functions over what
we know of it (see ``service`` for where the facts come from).

The reason is kept as short codes ("negative", "complaint", "followers:12000", "due:48") and
rendered in the reader's language; ``docs/triage.md`` lists the codes and the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

# Sentiment scores past these count as a clear turn (R30).
NEGATIVE_TURN = -0.3
POSITIVE_TURN = 0.3
REACH_FULL = 100_000  # followers at which reach adds its whole weight


class PriorityWeights(BaseModel):
    """Points each fact adds to a conversation's priority (0–100); ``VASTAA_PRIORITY_WEIGHTS``
    overrides any of them as JSON, e.g. ``{"vip": 40}``."""

    base: int = 10
    negative: int = 30  # at a sentiment score of -1, proportionally less above
    complaint: int = 15
    question: int = 10
    specific: int = 5
    abuse: int = 10  # offensive language in a message that still needs an answer
    reach: int = 15  # at REACH_FULL followers, on a log scale below
    public: int = 5
    vip: int = 25
    tagged: int = 5  # any customer tag other than vip
    incident: int = 15
    due_soon: int = 15  # as the SLA deadline comes within the hour
    overdue: int = 25


@dataclass(frozen=True)
class Facts:
    """What triage looks at: the latest inbound message's analysis and the conversation's state."""

    status: str
    public: bool
    followers: int
    analysis: dict[str, Any] | None
    earlier_negative: bool  # an earlier inbound message was clearly negative
    last_is_ours: bool  # we wrote last: the customer is the one to answer
    escalated: bool = False
    snoozed_until: datetime | None = None
    snoozed_at: datetime | None = None
    last_inbound_at: datetime | None = None
    vip: bool = False
    tags: tuple[str, ...] = ()
    in_incident: bool = False
    tone_changed_at: datetime | None = None


@dataclass(frozen=True)
class Triage:
    queue: str
    priority: int
    reasons: tuple[str, ...] = field(default_factory=tuple)
    tone_change: bool = False  # this conversation just turned from negative to positive

    @property
    def reason(self) -> str:
        return ",".join(self.reasons)[:300]


def _sentiment(analysis: dict[str, Any] | None) -> tuple[str, float]:
    sentiment = (analysis or {}).get("sentiment") or {}
    return str(sentiment.get("label", "neutral")), float(sentiment.get("score", 0.0))


def _intents(analysis: dict[str, Any] | None) -> set[str]:
    return set((analysis or {}).get("intents") or ())


def _abuse(analysis: dict[str, Any] | None) -> tuple[bool, float]:
    abuse = (analysis or {}).get("abuse") or {}
    scores = abuse.get("scores") or {}
    return bool(abuse.get("toxic")), float(scores.get("offensive", 0.0))


def turned_positive(facts: Facts) -> bool:
    """R30: a customer who was clearly negative now writes clearly positive."""
    label, score = _sentiment(facts.analysis)
    thanks = "praise" in _intents(facts.analysis)
    return facts.earlier_negative and (score >= POSITIVE_TURN or (thanks and label != "negative"))


def needs_us(facts: Facts) -> bool:
    """The latest message asks something of us: a complaint, a question, or negative words."""
    label, _ = _sentiment(facts.analysis)
    return label == "negative" or bool(_intents(facts.analysis) & {"complaint", "question"})


def _woken(facts: Facts) -> bool:
    """The customer wrote after the snooze began, asking something of us."""
    wrote_since = (
        facts.last_inbound_at is not None
        and facts.snoozed_at is not None
        and facts.last_inbound_at > facts.snoozed_at
    )
    return wrote_since and facts.status not in ("resolved", "closed") and needs_us(facts)


def _just_thanks(facts: Facts) -> bool:
    """Positive words or praise, asking nothing of us."""
    label, _ = _sentiment(facts.analysis)
    praise = "praise" in _intents(facts.analysis)
    return not needs_us(facts) and (label == "positive" or praise)


def _thanked_already(facts: Facts) -> bool:
    """The tone change was followed up and the conversation resolved and snoozed after it."""
    return (
        facts.tone_changed_at is not None
        and facts.snoozed_until is not None
        and facts.snoozed_until > facts.tone_changed_at
    )


def queue_of(facts: Facts, now: datetime) -> tuple[str, bool]:
    """(view, whether the tone just changed). A snoozed conversation wakes early when the
    customer asks something of us; thanks after a followed-up tone change leave it resolved
    (R30: know when to leave someone alone)."""
    snoozed = facts.snoozed_until is not None and facts.snoozed_until > now
    if snoozed and not _woken(facts):
        return "snoozed", False
    if _thanked_already(facts) and _just_thanks(facts):
        return "resolved", False
    if facts.status in ("resolved", "closed"):
        return "resolved", False
    if facts.escalated:
        return "escalated", False
    if facts.last_is_ours or facts.status == "waiting":
        return "waiting", False
    analysis = facts.analysis
    toxic, _ = _abuse(analysis)
    intents = _intents(analysis)
    if toxic or "spam" in intents:
        return "moderation", False
    if analysis and analysis.get("vague_rude"):
        return "leave_alone", False
    if turned_positive(facts):
        return "follow_up", facts.tone_changed_at is None
    label, _ = _sentiment(analysis)
    if label == "positive" and "praise" in intents and not intents & {"complaint", "question"}:
        return "praise", False
    return "needs_reply", False


def priority_of(
    facts: Facts,
    queue: str,
    weights: PriorityWeights,
    *,
    minutes_left: float | None = None,
) -> tuple[int, tuple[str, ...]]:
    """Points for each fact, highest first in the reasons; ``minutes_left`` to the SLA deadline
    (negative once missed)."""
    parts: list[tuple[float, str]] = []
    analysis = facts.analysis
    label, score = _sentiment(analysis)
    intents = _intents(analysis)
    if label == "negative" or score < 0:
        parts.append((weights.negative * min(1.0, max(0.0, -score)), "negative"))
    for intent in ("complaint", "question"):
        if intent in intents:
            parts.append((getattr(weights, intent), intent))
    if analysis and analysis.get("specific"):
        parts.append((weights.specific, "specific"))
    toxic, offensive = _abuse(analysis)
    if queue != "moderation" and offensive >= 0.5:
        parts.append((weights.abuse * offensive, "offensive"))
    if facts.followers > 0:
        share = min(1.0, math.log10(facts.followers + 1) / math.log10(REACH_FULL + 1))
        parts.append((weights.reach * share, f"followers:{facts.followers}"))
    if facts.public:
        parts.append((weights.public, "public"))
    if facts.vip:
        parts.append((weights.vip, "vip"))
    elif facts.tags:
        parts.append((weights.tagged, "tag:" + facts.tags[0]))
    if facts.in_incident:
        parts.append((weights.incident, "incident"))
    if minutes_left is not None:
        if minutes_left < 0:
            parts.append((weights.overdue, f"overdue:{int(-minutes_left)}"))
        elif minutes_left <= 60:
            parts.append((weights.due_soon * (1 - minutes_left / 60), f"due:{int(minutes_left)}"))
        else:
            parts.append((0.0, f"due:{int(minutes_left)}"))
    total = weights.base + sum(points for points, _ in parts)
    ordered = sorted(parts, key=lambda part: -part[0])
    return max(0, min(100, round(total))), tuple(code for _, code in ordered)


def triage(
    facts: Facts,
    weights: PriorityWeights,
    now: datetime,
    *,
    due_at: datetime | None = None,
) -> Triage:
    queue, tone_change = queue_of(facts, now)
    minutes_left = None if due_at is None else (due_at - now).total_seconds() / 60
    priority, reasons = priority_of(facts, queue, weights, minutes_left=minutes_left)
    return Triage(queue, priority, reasons, tone_change)
