"""Triage from stored conversations, on SQLite and PostgreSQL: views, SLA deadlines, breaches,
alerts and the outgoing webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import message
from tests.web.helpers import ingest_items
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.sla.models import Alert, SlaPolicy
from vastaa.sla.service import deliver_pending, sweep_breaches
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending

WEIGHTS = PriorityWeights()


def settle(sessions: sessionmaker[Session], now: datetime) -> None:
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=WEIGHTS)


def conversations(sessions: sessionmaker[Session]) -> dict[str, Conversation]:
    with sessions() as session:
        found = session.scalars(select(Conversation)).all()
        return {c.thread_key: c for c in found}


def at(now: datetime, minutes: int) -> str:
    return (now + timedelta(minutes=minutes)).isoformat()


def test_new_conversations_get_a_view_a_priority_and_a_first_response_deadline(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(
        sessions,
        now,
        message(
            "angry",
            text="Kahvinkeitin vuotaa taas ja tilaus 12345 on myöhässä, olen tosi vihainen!",
            created_at=at(now, -20),
            author={"id": "a1", "handle": "iso.tili", "followers": 12000},
        ),
        message(
            "fan",
            text="Ihana uusi Aamu-keitin, kiitos Kide! Paras ikinä ❤️",
            created_at=at(now, -5),
            author={"id": "a2", "handle": "fani"},
        ),
    )

    settle(sessions, now)

    found = conversations(sessions)
    angry, fan = found["angry"], found["fan"]
    assert angry.queue == "needs_reply" and angry.sentiment == "negative"
    assert angry.due_at == now + timedelta(minutes=40)  # one hour from the message (R10)
    assert "negative" in angry.priority_reason and "followers:12000" in angry.priority_reason
    assert fan.queue == "praise" and fan.due_at is None
    assert angry.priority > fan.priority


def test_a_policy_with_opening_hours_sets_the_deadline(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        session.add(
            SlaPolicy(
                name="office",
                position=1,
                first_response_minutes=30,
                next_response_minutes=30,
                timezone="UTC",
                hours={str(day): [["08:00", "09:00"]] for day in range(7)},
                holidays=[],
                created_at=now,
            )
        )
    # NOW is 12:00 UTC: the office opens at 08:00 tomorrow.
    ingest_items(sessions, now, message("q", text="Missä tilaukseni on?", created_at=at(now, -1)))

    settle(sessions, now)

    due = conversations(sessions)["q"].due_at
    assert due == (now + timedelta(days=1)).replace(hour=8, minute=30)


def test_our_answer_stops_the_clock_and_a_new_question_starts_the_next_one(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("t", text="Missä tilaukseni on?", created_at=at(now, -50)))
    ingest_items(
        sessions,
        now,
        message(
            "r",
            parent_id="t",
            direction="outbound",
            author={"id": "page"},
            text="Se lähti eilen.",
            created_at=at(now, -40),
        ),
    )
    settle(sessions, now)
    answered = conversations(sessions)["t"]
    assert (answered.queue, answered.due_at) == ("waiting", None)
    assert answered.first_response_at == now - timedelta(minutes=40)

    ingest_items(
        sessions,
        now,
        message("t2", parent_id="t", text="Ei ole tullut, mitä nyt?", created_at=at(now, -10)),
    )
    settle(sessions, now)

    again = conversations(sessions)["t"]
    assert again.queue == "needs_reply"
    assert again.due_at == now + timedelta(minutes=50)  # next response: an hour by default


def test_a_missed_deadline_is_marked_once_with_an_alert_and_a_timeline_entry(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("late", text="Vastatkaa jo!", created_at=at(now, -90)))
    settle(sessions, now)

    with transaction(sessions) as session:
        first = len(sweep_breaches(session, now=now))
    with transaction(sessions) as session:
        second = len(sweep_breaches(session, now=now + timedelta(minutes=1)))

    assert (first, second) == (1, 0)
    late = conversations(sessions)["late"]
    assert late.breached_at == now and late.due_at == now - timedelta(minutes=30)
    with sessions() as session:
        alert = session.scalars(select(Alert)).one()
        kinds = session.scalars(select(ConversationEvent.kind)).all()
    assert alert.kind == "sla_breach" and alert.conversation_id == late.id
    assert kinds == ["sla_breach"]


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 204

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    _Receiver.received = []
    _Receiver.status = 204
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver
    server.shutdown()
    server.server_close()


def test_a_backlog_missed_long_ago_is_marked_without_flooding_alerts(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("old", text="Haloo?", created_at=at(now, -3 * 24 * 60)))
    settle(sessions, now)

    with transaction(sessions) as session:
        alerts = sweep_breaches(session, now=now)

    assert alerts == []
    assert conversations(sessions)["old"].breached_at == now


def test_breach_alerts_are_posted_to_the_webhook_and_retried_until_accepted(
    sessions: sessionmaker[Session], now: datetime, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    ingest_items(sessions, now, message("late", text="Haloo?", created_at=at(now, -90)))
    settle(sessions, now)
    with transaction(sessions) as session:
        sweep_breaches(session, now=now)
    handler.status = 500

    refused = deliver_pending(sessions, url, now=now)
    handler.status = 204
    accepted = deliver_pending(sessions, url, now=now)

    assert (refused, accepted) == (0, 1)
    assert [body["type"] for body in handler.received] == ["sla_breach", "sla_breach"]
    assert handler.received[-1]["conversation_id"] == str(conversations(sessions)["late"].id)
    assert handler.received[-1]["detail"] is None  # a spike's figures; none for a breach
    with sessions() as session:
        alert = session.scalars(select(Alert)).one()
    assert alert.delivered_at == now and alert.delivery_error is None


def test_alerts_show_in_the_app_until_acknowledged(
    client: Any, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    from tests.conftest import login

    ingest_items(sessions, now, message("late", text="Vastatkaa jo!", created_at=at(now, -90)))
    settle(sessions, now)
    with transaction(sessions) as session:
        sweep_breaches(session, now=now)
        alert_id = session.scalars(select(Alert.id)).one()
    token = login(client, "mert")

    badge = client.get("/alerts/count").text
    page = client.get("/alerts").text
    client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token})

    assert 'class="count">1<' in badge
    assert "Vastatkaa jo!" in page and "Acknowledge" not in page  # Mert reads Turkish
    assert 'class="count"' not in client.get("/alerts/count").text
    with sessions() as session:
        alert = session.get(Alert, alert_id)
    assert alert is not None and alert.acknowledged_by == cast["mert"]
