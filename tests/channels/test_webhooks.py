"""``/webhooks/{platform}`` through the web app: Meta's verify-token handshake, deliveries
signed with X-Hub-Signature-256 stored once however often Meta resends them, and a bad or
missing signature answered 401 with nothing stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from vastaa.config import Settings
from vastaa.messages.models import Message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta"
SECRET = "meta-app-secret-7"
VERIFY = "kide-verify-token"


@pytest.fixture
def meta_client(engine: Engine, tmp_path: Path, now: datetime) -> Iterator[TestClient]:
    from vastaa.app import create_app

    settings = Settings(
        data_dir=tmp_path / "data", meta_app_secret=SECRET, meta_verify_token=VERIFY
    )
    app = create_app(settings, engine=engine, clock=lambda: now)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def test_the_handshake_answers_the_challenge_only_to_the_right_token(
    meta_client: TestClient,
) -> None:
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY}
    answered = meta_client.get("/webhooks/facebook", params=params)
    refused = meta_client.get("/webhooks/facebook", params={**params, "hub.verify_token": "x"})

    assert (answered.status_code, answered.text) == (200, "1158201444")
    assert refused.status_code == 403 and "1158201444" not in refused.text


def test_a_signed_delivery_is_stored_once_however_often_meta_resends_it(
    meta_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    body = (FIXTURES / "feed_comment__add.json").read_bytes()

    first = meta_client.post("/webhooks/facebook", content=body, headers=_signed(body))
    again = meta_client.post("/webhooks/facebook", content=body, headers=_signed(body))

    assert first.status_code == 200 and first.json()["stored"] >= 1
    assert again.status_code == 200 and again.json()["stored"] == 0
    assert _count(sessions) == first.json()["stored"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        _signed(b"another body"),
        _signed((FIXTURES / "feed_comment__add.json").read_bytes(), secret="wrong-secret"),
    ],
    ids=["missing", "zeros", "other-body", "other-secret"],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored(
    meta_client: TestClient, sessions: sessionmaker[Session], headers: dict[str, str]
) -> None:
    body = (FIXTURES / "feed_comment__add.json").read_bytes()

    answer = meta_client.post("/webhooks/facebook", content=body, headers=headers)

    assert answer.status_code == 401
    assert _count(sessions) == 0


def test_a_signed_body_that_is_not_a_delivery_is_a_400(
    meta_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    body = b"{not json"

    answer = meta_client.post("/webhooks/facebook", content=body, headers=_signed(body))

    assert answer.status_code == 400
    assert _count(sessions) == 0


def test_without_an_app_secret_every_delivery_is_refused(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    body = (FIXTURES / "feed_comment__add.json").read_bytes()

    answer = client.post("/webhooks/facebook", content=body, headers=_signed(body, secret=""))

    assert answer.status_code == 401
    assert _count(sessions) == 0


def test_a_platform_without_webhooks_is_a_404(meta_client: TestClient) -> None:
    assert meta_client.post("/webhooks/myspace", content=b"{}").status_code == 404
    assert meta_client.get("/webhooks/myspace").status_code == 404


def test_a_delivery_over_the_size_limit_is_refused_before_it_is_read(
    meta_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    body = b"{" + b" " * 1_000_001 + b"}"

    answer = meta_client.post("/webhooks/facebook", content=body, headers=_signed(body))

    assert answer.status_code == 413
    assert _count(sessions) == 0
