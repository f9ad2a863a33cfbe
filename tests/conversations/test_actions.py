"""What agents and supervisors do to a conversation: assign, escalate with a note, snooze,
resolve; each change is on the timeline and moves the conversation to its view at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import at, message
from tests.web.helpers import ingest_items
from vastaa.accounts.models import Team
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.db import transaction
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending


def seeded(sessions: sessionmaker[Session], now: datetime) -> str:
    ingest_items(
        sessions,
        now,
        message("c1", text="Laskussa on virhe, veloititte kahdesti!", created_at=at(-20)),
    )
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())
        return str(session.scalars(select(Conversation.id)).one())


def state(sessions: sessionmaker[Session]) -> Conversation:
    with sessions() as session:
        return session.scalars(select(Conversation)).one()


def events(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(ConversationEvent.kind, ConversationEvent.note).order_by(ConversationEvent.at)
        ).all()
    return [(kind, note) for kind, note in rows]


def test_an_agent_takes_a_conversation_and_it_shows_in_my_list(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(client, "aino")

    response = client.post(
        f"/conversations/{case}/assign",
        data={"assignee": "me", "csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert state(sessions).assignee_id == cast["aino"]
    assert "Laskussa on virhe" in client.get("/?assignee=me").text
    assert events(sessions) == [("assigned", "")]
    page = client.get(f"/conversations/{case}").text
    assert 'class="event event-assigned"' in page
    assert "assigned it" not in page  # the timeline speaks Finnish to Aino


def test_escalation_needs_a_note_and_moves_the_case_to_escalated(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    with transaction(sessions) as session:
        team = Team(name="Laskutus", escalation=True, created_at=now)
        session.add(team)
        session.flush()
        team_id = team.id
    token = login(client, "aino")

    refused = client.post(
        f"/conversations/{case}/escalate",
        data={"target": f"team:{team_id}", "note": "   ", "csrf_token": token},
    )
    accepted = client.post(
        f"/conversations/{case}/escalate",
        data={
            "target": f"team:{team_id}",
            "note": "Tuplaveloitus, tarvitsen laskutuksen apua <b>heti</b>",
            "csrf_token": token,
        },
        follow_redirects=False,
    )

    assert refused.status_code == 400
    assert accepted.status_code == 303
    escalated = state(sessions)
    assert escalated.escalated and escalated.team_id == team_id
    assert escalated.queue == "escalated"
    assert events(sessions) == [
        ("escalated", "Tuplaveloitus, tarvitsen laskutuksen apua <b>heti</b>")
    ]
    page = client.get(f"/conversations/{case}").text
    assert "&lt;b&gt;heti&lt;/b&gt;" in page and "<b>heti</b>" not in page
    assert "Laskussa on virhe" in client.get("/?view=escalated").text


def test_a_supervisor_can_be_the_escalation_target_and_take_it_back(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(client, "mert")

    client.post(
        f"/conversations/{case}/escalate",
        data={"target": f"user:{cast['mert']}", "note": "Bakacağım", "csrf_token": token},
    )
    client.post(f"/conversations/{case}/deescalate", data={"csrf_token": token})

    final = state(sessions)
    assert not final.escalated and final.assignee_id == cast["mert"]
    assert final.queue == "needs_reply"
    assert [kind for kind, _ in events(sessions)] == ["escalated", "deescalated"]


def test_snoozing_hides_the_conversation_until_the_time_comes(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    token = login(client, "ada")

    client.post(f"/conversations/{case}/snooze", data={"until": "4h", "csrf_token": token})

    snoozed = state(sessions)
    assert snoozed.queue == "snoozed" and snoozed.snoozed_until == now + timedelta(hours=4)
    assert "Laskussa on virhe" in client.get("/?view=snoozed").text
    bad = client.post(f"/conversations/{case}/snooze", data={"until": "1y", "csrf_token": token})
    assert bad.status_code == 400


def test_resolving_after_a_turn_to_thanks_snoozes_instead_of_poking_again(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(
        sessions,
        now,
        message("t", text="Tämä on aivan kamalaa, kaikki meni pieleen!", created_at=at(-60)),
        message(
            "t2", parent_id="t", text="Kiitos paljon, nyt toimii täydellisesti!", created_at=at(-5)
        ),
    )
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())
    followed = state(sessions)
    assert followed.queue == "follow_up" and followed.tone_changed_at == now
    token = login(client, "ada")

    client.post(
        f"/conversations/{followed.id}/status", data={"status": "resolved", "csrf_token": token}
    )

    resolved = state(sessions)
    assert resolved.status == "resolved" and resolved.queue == "snoozed"
    assert resolved.snoozed_until == now + timedelta(days=3)
    assert [kind for kind, _ in events(sessions)] == ["tone_change", "status"]


def test_actions_need_the_csrf_token(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    case = seeded(sessions, now)
    login(client, "ada")

    response = client.post(f"/conversations/{case}/assign", data={"assignee": "me"})

    assert response.status_code == 403
    assert state(sessions).assignee_id is None


def test_bulk_actions_apply_to_every_ticked_conversation_and_return_to_the_view(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(
        sessions,
        now,
        *(message(f"b{i}", text=f"Missä tilaus {i}?", author={"id": f"u{i}"}) for i in range(3)),
    )
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())
        ids = [str(i) for i in session.scalars(select(Conversation.id)).all()]
    token = login(client, "ada")

    response = client.post(
        "/conversations/bulk",
        data={
            "action": "resolve",
            "ids": ids[:2],
            "next": "/?view=needs_reply",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    elsewhere = client.post(
        "/conversations/bulk",
        data={"action": "assign_me", "ids": ids[2:], "next": "//evil.example", "csrf_token": token},
        follow_redirects=False,
    )
    unknown = client.post(
        "/conversations/bulk", data={"action": "delete", "ids": ids, "csrf_token": token}
    )

    assert response.headers["location"] == "/?view=needs_reply"
    assert elsewhere.headers["location"] == "/"
    backslash = client.post(
        "/conversations/bulk",
        data={"action": "reopen", "ids": ids[2:], "next": "/\\evil.example", "csrf_token": token},
        follow_redirects=False,
    )
    assert backslash.headers["location"] == "/"
    assert unknown.status_code == 400
    with sessions() as session:
        rows = session.execute(select(Conversation.queue, Conversation.assignee_id)).all()
    assert sorted(queue for queue, _ in rows) == ["needs_reply", "resolved", "resolved"]
    assert [a for _, a in rows if a is not None] == [cast["ada"]]


def test_everyone_sees_who_else_is_viewing_or_writing(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime, engine: Any
) -> None:
    case = seeded(sessions, now)
    token = login(client, "aino")
    other = TestClient(client.app)
    other_token = login(other, "mert")

    alone = client.post(f"/conversations/{case}/presence", headers={"X-CSRF-Token": token})
    other.post(
        f"/conversations/{case}/presence",
        data={"activity": "drafting"},
        headers={"X-CSRF-Token": other_token},
    )
    seen = client.post(f"/conversations/{case}/presence", headers={"X-CSRF-Token": token})
    inbox = other.get("/").text
    other.post(
        f"/conversations/{case}/presence",
        data={"activity": "left"},
        headers={"X-CSRF-Token": other_token},
    )
    gone = client.post(f"/conversations/{case}/presence", headers={"X-CSRF-Token": token})

    assert alone.text.strip() == ""
    assert "presence-drafting" in seen.text and "mert" in seen.text
    assert "👁 aino" in inbox
    assert gone.text.strip() == ""
