"""The one ingestion path: canonical events in, messages, revisions and conversations out.

Every source (connectors, ``vastaa ingest``, ``POST /api/v1/events``, the demo) calls
:func:`ingest`. It is idempotent on (channel, external id) and independent of arrival order.
Events are handled set-wise, a round at a time; the stages of a round, in order (1–4 in
``stages.py``, 5–7 in ``placing.py``):

1. ``resolve_channels``   channel references → channel rows (created when new)
2. ``load_known``         the messages, tombstones and revisions the round touches
3. ``classify``           each event becomes created / duplicate / revised / deleted / echo
4. ``resolve_authors``    author identities (and a customer for each new one)
5. ``place``              thread, parent and conversation of every new message
6. ``write``              inserts and updates, in bulk
7. ``relink``             earlier orphans are linked to the parents that just arrived
8. ``capture``            evidence records of what arrived, changed or was deleted (R28)

The caller owns the transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from vastaa.evidence import service as evidence
from vastaa.pipeline import placing, stages
from vastaa.pipeline.events import Event
from vastaa.pipeline.records import EventResult


def ingest(session: Session, events: Sequence[Event], *, now: datetime) -> list[EventResult]:
    """Store ``events``; return one result per event, in input order."""
    results: list[EventResult] = []
    for round_ in _rounds(events):
        results.extend(_ingest_round(session, round_, now=now))
    results.sort(key=lambda result: result.position)
    return results


def _rounds(events: Sequence[Event]) -> Iterable[list[tuple[int, Event]]]:
    """Split so that each (channel, external id) occurs at most once per round, order kept."""
    current: list[tuple[int, Event]] = []
    seen: set[tuple[str, str, str]] = set()
    for position, event in enumerate(events):
        key = (event.channel.platform, event.channel.account, event.external_id)
        if key in seen:
            yield current
            current, seen = [], set()
        current.append((position, event))
        seen.add(key)
    if current:
        yield current


def _ingest_round(
    session: Session, round_: list[tuple[int, Event]], *, now: datetime
) -> list[EventResult]:
    channels = stages.resolve_channels(session, [event.channel for _, event in round_], now=now)
    known = stages.load_known(session, round_, channels)
    plan = stages.classify(round_, channels, known)
    authors = stages.resolve_authors(session, [event for _, event in plan.new], channels, now=now)
    placed = placing.place(session, plan.new, channels, authors, known, now=now)
    placing.write(session, plan, placed, known, now=now)
    placing.relink(session, placed)
    evidence.capture_ingested(session, plan, placed, channels, now=now)
    return plan.results + [
        EventResult(position, "created", row.id) for position, row in placed.rows
    ]


__all__ = ["EventResult", "ingest"]
