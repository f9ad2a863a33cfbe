"""Early warning from volume and mood (R3): a spike in how much is said about a topic, or in how
negative it is, compared with the same hours of the week before.

A topic is the problem area (delivery, billing, product, ...) the analysis gave each message, or
"all" for everything inbound; a message is negative when its own analysis says so (not its
conversation's mood now, which a later message may have changed). Every ``every`` (15 minutes)
the last ``span`` (6 hours) is compared with the 28 spans before it (7 days):

- **volume**: at least ``min_volume`` messages and more than the mean plus three standard
  deviations of the earlier spans (at least the square root of the mean: counts are Poisson);
- **negativity**: at least ``min_volume`` messages with a sentiment, a negative share of them at
  least 25 points above the earlier spans' share and above the mean plus three standard
  deviations.

Each spike raises one alert; the same topic and kind does not raise another within a span.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.sla.models import Alert

SPANS = 28


@dataclass(frozen=True)
class Spike:
    topic: str
    kind: str  # "volume" | "negativity"
    count: int
    value: float  # messages, or the negative share
    baseline: float

    def detail(self) -> dict[str, object]:
        """What the alerts page says in the reader's language."""
        return {
            "topic": self.topic,
            "kind": self.kind,
            "count": self.count,
            "value": round(self.value, 3),
            "baseline": round(self.baseline, 3),
        }

    def text(self) -> str:
        if self.kind == "volume":
            return (
                f"Spike in volume: {self.topic}, {self.count} messages in the last hours "
                f"(usually {self.baseline:.1f})"
            )
        return (
            f"Spike in negativity: {self.topic}, {self.value:.0%} negative of {self.count} "
            f"(usually {self.baseline:.0%})"
        )


def find_spikes(
    session: Session, *, now: datetime, span: timedelta, min_volume: int = 5
) -> list[Spike]:
    start = now - span * (SPANS + 1)
    analysis = Message.analysis
    rows = session.execute(
        select(
            Message.created_at,
            analysis["problem_area"].as_string(),
            analysis[("sentiment", "label")].as_string(),
        ).where(
            Message.direction == "inbound",
            Message.created_at >= start,
            Message.created_at <= now,  # one dated in the future is not in any span (yet)
        )
    ).all()
    buckets: dict[str, list[Counts]] = {}
    for at, area, sentiment in rows:
        n = int((now - at) / span)
        if n > SPANS:
            continue
        for topic in ("all", area) if area else ("all",):
            span_counts = buckets.setdefault(topic, [Counts() for _ in range(SPANS + 1)])[n]
            span_counts.messages += 1
            span_counts.judged += sentiment is not None
            span_counts.negative += sentiment == "negative"
    found = []
    for topic, counts in sorted(buckets.items()):
        found += _spikes(topic, counts, min_volume)
    return found


@dataclass
class Counts:
    """One span of one topic: its messages, those with a sentiment, and the negative ones."""

    messages: int = 0
    judged: int = 0
    negative: int = 0


def _spikes(topic: str, counts: list[Counts], min_volume: int) -> list[Spike]:
    last, earlier = counts[0], counts[1:]
    found = []
    if last.messages >= min_volume:
        volumes = [c.messages for c in earlier]
        mean = sum(volumes) / len(volumes)
        spread = max(_std(volumes, mean), math.sqrt(mean), 1.0)
        if last.messages > mean + 3 * spread:
            found.append(Spike(topic, "volume", last.messages, float(last.messages), mean))
    shares = [c.negative / c.judged for c in earlier if c.judged]
    if last.judged >= min_volume and shares:
        usual = sum(shares) / len(shares)
        share = last.negative / last.judged
        if share >= usual + 0.25 and share > usual + 3 * _std(shares, usual):
            found.append(Spike(topic, "negativity", last.judged, share, usual))
    return found


def _std(values: list[float] | list[int], mean: float) -> float:
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) if values else 0.0


def raise_alerts(session: Session, spikes: list[Spike], *, now: datetime, span: timedelta) -> int:
    raised = 0
    for spike in spikes:
        text = spike.text()
        prefix = text.split(",", 1)[0] + ","  # "Spike in volume: delivery,"
        recent = session.scalar(
            select(func.count()).where(
                Alert.kind == "spike",
                Alert.at > now - span,
                Alert.text.startswith(prefix, autoescape=True),
            )
        )
        if not recent:
            session.add(Alert(kind="spike", at=now, text=text[:300], detail=spike.detail()))
            raised += 1
    return raised


@dataclass
class SpikeWatch:
    span: timedelta = timedelta(hours=6)
    every: timedelta = timedelta(minutes=15)
    min_volume: int = 5
    last_run: datetime | None = field(default=None)

    def run_if_due(self, sessions: sessionmaker[Session], now: datetime) -> int:
        if self.last_run is not None and now - self.last_run < self.every:
            return 0
        self.last_run = now
        with transaction(sessions) as session:
            spikes = find_spikes(session, now=now, span=self.span, min_volume=self.min_volume)
            return raise_alerts(session, spikes, now=now, span=self.span)
