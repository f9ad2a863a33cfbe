"""Which SLA policy applies, when its deadline falls, and what happens when one is missed: the
conversation is marked, an alert is raised in the app, and (if configured) an outgoing webhook
is sent. Nothing here commits."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from vastaa.analytics import stale
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.sla.clock import BusinessHours
from vastaa.sla.models import Alert, SlaPolicy

log = logging.getLogger(__name__)

# Without any policy: answer within an hour (R10), round the clock.
DEFAULT_FIRST_MINUTES = 60
DEFAULT_NEXT_MINUTES = 60
ALERT_WITHIN = timedelta(hours=24)


@dataclass(frozen=True)
class Rule:
    channel_id: uuid.UUID | None
    min_priority: int
    first_minutes: int
    next_minutes: int
    hours: BusinessHours


DEFAULT_RULE = Rule(None, 0, DEFAULT_FIRST_MINUTES, DEFAULT_NEXT_MINUTES, BusinessHours())


@dataclass(frozen=True)
class Policies:
    rules: tuple[Rule, ...]

    @classmethod
    def load(cls, session: Session) -> Policies:
        found = session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.name))
        return cls(
            tuple(
                Rule(
                    policy.channel_id,
                    policy.min_priority,
                    policy.first_response_minutes,
                    policy.next_response_minutes,
                    BusinessHours.parse(policy.timezone, policy.hours, policy.holidays),
                )
                for policy in found
            )
        )

    def match(self, channel_id: uuid.UUID, priority: int) -> Rule:
        for rule in self.rules:
            if rule.channel_id in (None, channel_id) and priority >= rule.min_priority:
                return rule
        return DEFAULT_RULE


def deadline(rule: Rule, start: datetime, *, first: bool) -> datetime | None:
    """When the answer is due; None (and a warning) if the policy's hours leave no open time."""
    minutes = rule.first_minutes if first else rule.next_minutes
    try:
        return rule.hours.add(start, minutes)
    except ValueError as error:
        log.warning("SLA policy gives no deadline: %s", error)
        return None


def sweep_breaches(session: Session, *, now: datetime) -> list[Alert]:
    """Mark every conversation whose deadline has passed; one alert each for deadlines missed
    in the last ``ALERT_WITHIN`` (older ones — after an upgrade, or a worker that was down — are
    marked without an alert, so that a backlog does not flood the team and the webhook). Only
    conversations triaged since their last change count: an answer not yet triaged is no miss."""
    missed = session.scalars(
        select(Conversation)
        .where(
            Conversation.due_at < now,
            Conversation.breached_at.is_(None),
            Conversation.triaged_at.is_not(None),
        )
        .order_by(Conversation.due_at)
        .limit(500)
    ).all()
    alerts = []
    for conversation in missed:
        assert conversation.due_at is not None
        conversation.breached_at = now
        late = int((now - conversation.due_at) / timedelta(minutes=1))
        if now - conversation.due_at > ALERT_WITHIN:
            continue
        text = f"SLA missed: {conversation.preview[:200]}"
        alert = Alert(kind="sla_breach", conversation_id=conversation.id, at=now, text=text[:300])
        session.add(alert)
        session.add(
            ConversationEvent(
                conversation_id=conversation.id,
                at=now,
                kind="sla_breach",
                data={"due_at": conversation.due_at.isoformat(), "minutes_late": late},
            )
        )
        alerts.append(alert)
    session.flush()
    return alerts


def webhook_payload(alert: Alert, conversation: Conversation | None) -> dict[str, object]:
    """What the outgoing webhook POSTs (documented in docs/triage.md)."""
    return {
        "type": alert.kind,
        "alert_id": str(alert.id),
        "at": alert.at.isoformat(),
        "conversation_id": str(alert.conversation_id) if alert.conversation_id else None,
        "incident_id": str(alert.incident_id) if alert.incident_id else None,
        "due_at": conversation.due_at.isoformat() if conversation and conversation.due_at else None,
        "priority": conversation.priority if conversation else None,
        "text": alert.text,
        "detail": alert.detail,
    }


def deliver(url: str, payload: dict[str, object], timeout: float = 5.0) -> str | None:
    """POST the payload as JSON; returns None on a 2xx answer, else what went wrong."""
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 (the URL is the administrator's setting)
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return f"HTTP {error.code}"
    except OSError as error:  # refused, unreachable, timed out
        return str(error)[:300]
    return None if 200 <= status < 300 else f"HTTP {status}"


def pending_deliveries(
    session: Session, *, limit: int = 50
) -> list[tuple[uuid.UUID, dict[str, object]]]:
    """Alerts the webhook has not accepted yet, with what to send (read in one transaction)."""
    alerts = session.scalars(
        select(Alert).where(Alert.delivered_at.is_(None)).order_by(Alert.at).limit(limit)
    ).all()
    found = []
    for alert in alerts:
        conversation = (
            session.get(Conversation, alert.conversation_id) if alert.conversation_id else None
        )
        found.append((alert.id, webhook_payload(alert, conversation)))
    return found


def deliver_pending(
    sessions: sessionmaker[Session], url: str, *, now: datetime, give_up_after: int = 3
) -> int:
    """POST the pending alerts outside any transaction (a slow receiver holds no lock), then
    record each result. Stops for this round after ``give_up_after`` failures in a row (the
    receiver is down); a failed alert is retried on later rounds without blocking the rest."""
    with transaction(sessions) as session:
        pending = pending_deliveries(session)
    results: list[tuple[uuid.UUID, str | None]] = []
    failures = 0
    for alert_id, payload in pending:
        error = deliver(url, payload)
        results.append((alert_id, error))
        failures = failures + 1 if error else 0
        if error:
            log.warning("alert webhook failed: %s", error)
        if failures >= give_up_after:
            break
    with transaction(sessions) as session:
        for alert_id, error in results:
            alert = session.get(Alert, alert_id)
            if alert is None:
                continue
            if error is None:
                alert.delivered_at, alert.delivery_error = now, None
            else:
                alert.delivery_error = error
    return sum(1 for _, error in results if error is None)


def add_policy(
    session: Session,
    *,
    name: str,
    now: datetime,
    first_minutes: int = DEFAULT_FIRST_MINUTES,
    next_minutes: int = DEFAULT_NEXT_MINUTES,
    channel_id: uuid.UUID | None = None,
    min_priority: int = 0,
    timezone: str = "Europe/Helsinki",
    hours: dict[str, object] | None = None,
    holidays: list[str] | None = None,
    position: int = 100,
) -> SlaPolicy:
    """A policy, checked before it is stored (the hours must parse, the zone must exist)."""
    from vastaa.errors import PermanentError

    if not 1 <= first_minutes <= 60 * 24 * 30 or not 1 <= next_minutes <= 60 * 24 * 30:
        raise PermanentError("targets are 1 minute to 30 days")
    try:
        BusinessHours.parse(timezone, hours, holidays).add(now, 1)
    except (ValueError, TypeError) as error:
        raise PermanentError(f"bad opening hours: {error}") from error
    policy = SlaPolicy(
        name=name,
        position=position,
        channel_id=channel_id,
        min_priority=min_priority,
        first_response_minutes=first_minutes,
        next_response_minutes=next_minutes,
        timezone=timezone,
        hours=hours,
        holidays=holidays,
        created_at=now,
    )
    session.add(policy)
    session.flush()
    # Every waiting conversation's deadline is worked out again, and every day's met and missed.
    session.execute(
        update(Conversation).where(Conversation.due_at.is_not(None)).values(triaged_at=None)
    )
    stale.everything(session)
    return policy
