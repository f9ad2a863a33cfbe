"""The listening page: supervisors save, try, switch and remove queries; agents may not; every
change is in the audit log. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from vastaa.audit.models import AuditEntry
from vastaa.listening.models import ListeningQuery


def _queries(sessions: sessionmaker[Session]) -> dict[str, tuple[str, bool, list[str]]]:
    with sessions() as session:
        return {
            q.name: (q.expression, q.enabled, list(q.languages))
            for q in session.scalars(select(ListeningQuery))
        }


def test_a_supervisor_saves_switches_and_removes_a_query(
    client: TestClient, sessions: sessionmaker[Session], cast: dict[str, uuid.UUID]
) -> None:
    csrf = login(client, "mert")
    form = {
        "csrf_token": csrf,
        "name": "Kide",
        "expression": "kide OR #kide",
        "languages": "fi, tr",
    }

    saved = client.post("/listening", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert _queries(sessions) == {"Kide": ("kide OR #kide", True, ["fi", "tr"])}
    page = client.get("/listening")
    assert "kide OR #kide" in page.text

    with sessions() as session:
        query_id = session.scalars(select(ListeningQuery.id)).one()
    client.post(f"/listening/{query_id}/switch", data={"csrf_token": csrf}, follow_redirects=False)
    assert _queries(sessions)["Kide"][1] is False
    client.post(f"/listening/{query_id}/remove", data={"csrf_token": csrf}, follow_redirects=False)
    assert _queries(sessions) == {}
    with sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("listening_change") == 3


def test_a_query_that_cannot_be_understood_is_shown_again_with_the_reason(
    client: TestClient, sessions: sessionmaker[Session], cast: dict[str, uuid.UUID]
) -> None:
    csrf = login(client, "mert")

    answer = client.post(
        "/listening", data={"csrf_token": csrf, "name": "Bad", "expression": '"<b>kide'}
    )

    assert answer.status_code == 400
    assert "quotation mark" in answer.text and "<b>kide" not in answer.text
    assert _queries(sessions) == {}


def test_trying_a_query_says_whether_it_matches(
    client: TestClient, cast: dict[str, uuid.UUID]
) -> None:
    csrf = login(client, "mert")

    yes = client.post(
        "/listening/try", data={"csrf_token": csrf, "expression": "kide", "text": "Kidellä"}
    )
    no = client.post(
        "/listening/try", data={"csrf_token": csrf, "expression": "kide", "text": "kidemaailma"}
    )

    assert "Eşleşiyor." in yes.text  # mert reads Vastaa in Turkish
    assert "Eşleşmiyor." in no.text


def test_agents_cannot_manage_listening(
    client: TestClient, sessions: sessionmaker[Session], cast: dict[str, uuid.UUID]
) -> None:
    csrf = login(client, "aino")

    assert client.get("/listening").status_code == 403
    answer = client.post("/listening", data={"csrf_token": csrf, "name": "K", "expression": "kide"})
    assert answer.status_code == 403
    assert _queries(sessions) == {}


def test_a_query_whose_name_has_a_slash_can_be_switched_and_removed(
    client: TestClient, sessions: sessionmaker[Session], cast: dict[str, uuid.UUID]
) -> None:
    csrf = login(client, "mert")
    form = {"csrf_token": csrf, "name": "Kide akku/battery", "expression": "kide"}
    client.post("/listening", data=form, follow_redirects=False)
    page = client.get("/listening")
    with sessions() as session:
        query_id = session.scalars(select(ListeningQuery.id)).one()
    assert f'action="/listening/{query_id}/switch"' in page.text

    client.post(f"/listening/{query_id}/remove", data={"csrf_token": csrf})

    assert _queries(sessions) == {}
