"""POST /api/v1/events: a token, a result per event, 422 naming each bad one, nothing half done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import message
from vastaa.accounts.models import User
from vastaa.accounts.service import create_api_token
from vastaa.db import transaction
from vastaa.messages.models import Message


def api_token(sessions: sessionmaker[Session], now: datetime, username: str = "ada") -> str:
    with transaction(sessions) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return create_api_token(session, user=user, name="test", now=now)


def stored(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def test_a_batch_gets_a_result_per_event(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    headers = {"Authorization": f"Bearer {api_token(sessions, now)}"}
    batch = [message("c1"), message("c2", parent_id="c1")]

    first = client.post("/api/v1/events", json={"events": batch}, headers=headers)
    again = client.post("/api/v1/events", json=batch, headers=headers)

    assert first.status_code == 200
    assert [r["status"] for r in first.json()["results"]] == ["created", "created"]
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert [r["position"] for r in again.json()["results"]] == [0, 1]
    assert stored(sessions) == 2


def test_malformed_events_are_named_and_nothing_is_written(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    headers = {"Authorization": f"Bearer {api_token(sessions, now)}"}
    broken = message("c2")
    del broken["external_id"]
    batch = [message("c1"), broken, message("c3", kind="tweet"), "not an object"]

    response = client.post("/api/v1/events", json=batch, headers=headers)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["position"] for e in errors] == [1, 2, 3]
    assert "external_id" in errors[0]["reason"]
    assert "kind" in errors[1]["reason"]
    assert stored(sessions) == 0


def test_a_body_that_is_not_json_is_a_clear_422(
    client: TestClient, cast: dict, sessions: sessionmaker[Session], now: datetime
) -> None:
    headers = {
        "Authorization": f"Bearer {api_token(sessions, now)}",
        "Content-Type": "application/json",
    }

    response = client.post("/api/v1/events", content=b"{nope", headers=headers)

    assert response.status_code == 422
    assert response.json()["errors"]


def test_the_api_needs_a_valid_token(client: TestClient, cast: dict) -> None:
    missing = client.post("/api/v1/events", json=[message("c1")])
    wrong = client.post(
        "/api/v1/events", json=[message("c1")], headers={"Authorization": "Bearer vst_nope"}
    )

    assert missing.status_code == 401 and wrong.status_code == 401
    assert "token" in missing.json()["error"]


def test_a_browser_session_is_not_an_api_token(client: TestClient, cast: dict) -> None:
    from tests.conftest import login

    login(client, "ada")

    assert client.post("/api/v1/events", json=[message("c1")]).status_code == 401


def test_a_database_that_refuses_writes_gets_a_retryable_answer(
    client: TestClient, cast: dict, engine: Engine, sessions: sessionmaker[Session], now: datetime
) -> None:
    headers = {"Authorization": f"Bearer {api_token(sessions, now)}"}
    if engine.dialect.name != "sqlite":
        pytest.skip("PRAGMA query_only is SQLite's way to make the database refuse writes")

    def read_only(connection: Any, _: Any) -> None:
        connection.execute("PRAGMA query_only = ON")

    event.listen(engine, "connect", read_only)
    engine.dispose()

    response = client.post("/api/v1/events", json=[message("c1")], headers=headers)

    assert response.status_code == 503
    assert "retry" in response.json()["error"]
