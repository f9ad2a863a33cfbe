"""Incident detection in the worker (R29), on both databases with the real encoder: the demo's
product-fault wave (Aamu A2 leaking, reported in Finnish, English and Turkish) is a pattern at
its second person and a problem at its third; other complaints stay apart; alerts are raised
once per level; a message is looked at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.db import transaction
from vastaa.demo.scenario import add_listening, scenario, scenario_events
from vastaa.incidents.detection import Detector, detect_pending
from vastaa.incidents.models import Incident, IncidentMember
from vastaa.messages.models import Message
from vastaa.pipeline.events import Event, MessageEvent
from vastaa.pipeline.ingest import ingest
from vastaa.sla.models import Alert

DETECTOR = Detector()  # one encoder for the module's tests


def _wave_authors() -> list[str]:
    """The authors of the wave's inbound reports, in the order they first wrote."""
    records = sorted(
        (r for r in scenario()["messages"] if r["topic"] == "aamu_leak"),
        key=lambda r: -r["minutes_ago"],
    )
    seen: list[str] = []
    for record in records:
        if record["direction"] == "inbound" and record["author"] not in seen:
            seen.append(record["author"])
    return seen


def _step(sessions: sessionmaker[Session], event: Event, at: datetime) -> None:
    with transaction(sessions) as session:
        ingest(session, [event], now=at)
        add_listening(session, now=at)  # the brand, its products, its channels
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: at)
    while detect_pending(sessions, DETECTOR, clock=lambda: at):
        pass


def _wave(session: Session) -> Incident | None:
    """The incident holding the wave's first report."""
    first = session.scalar(select(Message.id).where(Message.external_id == "fb-c-0008"))
    incident_id = session.scalar(
        select(IncidentMember.incident_id).where(IncidentMember.message_id == first)
    )
    return session.get(Incident, incident_id) if incident_id else None


def test_the_demo_wave_is_a_pattern_at_the_second_person_and_a_problem_at_the_third(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    authors = _wave_authors()
    events = [
        e
        for e in scenario_events(now)
        if isinstance(e, MessageEvent) and e.created_at <= now - timedelta(minutes=7000)
    ]
    levels: dict[int, str] = {}
    for event in events:
        _step(sessions, event, event.created_at + timedelta(minutes=1))
        with transaction(sessions) as session:
            wave = _wave(session)
            if wave is not None:
                levels.setdefault(wave.people, wave.level)
                languages = set(
                    session.scalars(
                        select(IncidentMember.lang).where(IncidentMember.incident_id == wave.id)
                    )
                )
    assert len(authors) >= 3
    assert levels[1] == "isolated"
    assert levels[2] == "pattern"
    assert levels[3] == "problem"
    assert {"fi", "en", "tr"} <= languages  # the reports came in three languages
    with transaction(sessions) as session:
        wave = _wave(session)
        assert wave is not None and wave.product == "Aamu A2" and "leak" in wave.faults
        kinds = session.scalars(
            select(Alert.kind).where(Alert.incident_id == wave.id).order_by(Alert.at)
        ).all()
        assert kinds == ["incident_pattern", "incident_problem"]
        # Nothing is looked at twice, and everything inbound was looked at.
        waiting = session.scalar(
            select(func.count()).where(Message.direction == "inbound", Message.grouped_at.is_(None))
        )
        assert waiting == 0
        # What is not about the leak is not in the wave.
        outsiders = session.scalars(
            select(Message.text)
            .join(IncidentMember, IncidentMember.message_id == Message.id)
            .where(IncidentMember.incident_id == wave.id)
        ).all()
        assert not [t for t in outsiders if "kargo" in t.lower() or "order" in t.lower()[:5]]
