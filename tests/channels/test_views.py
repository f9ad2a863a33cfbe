"""The channels page: admins add a channel (credentials stored, never shown), test it against
the platform and remove it; nobody else may. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.rss.feed_server import FeedHost, running
from tests.conftest import login
from vastaa.channels.models import Channel


@pytest.fixture
def feeds() -> Iterator[FeedHost]:
    with running() as host:
        yield host


def _channels(sessions: sessionmaker[Session]) -> dict[str, Channel]:
    with sessions() as session:
        return {f"{c.platform}:{c.account}": c for c in session.scalars(select(Channel))}


def test_an_admin_adds_tests_and_removes_a_channel(
    client: TestClient,
    sessions: sessionmaker[Session],
    cast: dict[str, uuid.UUID],
    feeds: FeedHost,
) -> None:
    url = feeds.publish("/blog.xml", "blog__rss2.xml")
    csrf = login(client, "ada")
    form = {
        "csrf_token": csrf,
        "platform": "rss",
        "account": "kide-blog",
        "staffed": "",
        "config": f"url={url}",
        "credentials": "api_key=very-secret-value",
    }

    assert client.post("/channels", data=form, follow_redirects=False).status_code == 303
    saved = _channels(sessions)["rss:kide-blog"]
    assert saved.config == {"url": url} and saved.credentials == {"api_key": "very-secret-value"}
    page = client.get("/channels")
    assert "kide-blog" in page.text and "very-secret-value" not in page.text

    tested = client.post(f"/channels/{saved.id}/test", data={"csrf_token": csrf})
    assert tested.status_code == 200 and "entries" in tested.text

    client.post(f"/channels/{saved.id}/remove", data={"csrf_token": csrf}, follow_redirects=False)
    assert "rss:kide-blog" not in _channels(sessions)


def test_a_failing_channel_test_says_why(
    client: TestClient,
    sessions: sessionmaker[Session],
    cast: dict[str, uuid.UUID],
    feeds: FeedHost,
) -> None:
    csrf = login(client, "ada")
    config = "url=" + feeds.url("/gone.xml")
    form = {"csrf_token": csrf, "platform": "rss", "account": "gone", "config": config}
    client.post("/channels", data=form, follow_redirects=False)
    channel = _channels(sessions)["rss:gone"]
    feeds.fail_next(404)

    tested = client.post(f"/channels/{channel.id}/test", data={"csrf_token": csrf})

    assert tested.status_code == 502 and "rss:gone: " in tested.text and "404" in tested.text


def test_a_setting_that_is_not_key_value_is_refused(
    client: TestClient, sessions: sessionmaker[Session], cast: dict[str, uuid.UUID]
) -> None:
    csrf = login(client, "ada")

    answer = client.post(
        "/channels",
        data={"csrf_token": csrf, "platform": "rss", "account": "a", "config": "just words"},
    )

    assert answer.status_code == 400 and "KEY=VALUE" in answer.text
    assert _channels(sessions) == {}


def test_supervisors_and_agents_cannot_see_channels(
    client: TestClient, cast: dict[str, uuid.UUID]
) -> None:
    login(client, "mert")

    assert client.get("/channels").status_code == 403
