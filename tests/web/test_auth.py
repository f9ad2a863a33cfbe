"""Every page and API call needs a login; forms need the session's CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, login

VASTAA = Path(__file__).parents[2] / "vastaa"


def test_pages_redirect_to_login_when_logged_out(client: TestClient) -> None:
    response = client.get("/?status=new", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fstatus%3Dnew"


def test_login_with_the_right_password_opens_the_inbox(client: TestClient, cast: dict) -> None:
    login(client, "ada")

    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Needs reply</h1>" in page.text
    cookie = next(c for c in client.cookies.jar if c.name == "vastaa_session")
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_a_wrong_password_is_refused_with_a_message(client: TestClient, cast: dict) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    response = client.post(
        "/login", data={"username": "ada", "password": "wrong password!", "csrf_token": token}
    )

    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_without_the_form_token_is_refused(client: TestClient, cast: dict) -> None:
    client.get("/login")

    response = client.post("/login", data={"username": "ada", "password": PASSWORD})

    assert response.status_code == 401


def test_login_never_redirects_off_site(client: TestClient, cast: dict) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = client.post(
            "/login",
            data={"username": "ada", "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, cast: dict) -> None:
    login(client, "ada")

    response = client.post("/settings/language", data={"locale": "fi"})

    assert response.status_code == 403
    assert "<h1>Needs reply</h1>" in client.get("/").text


def test_the_interface_speaks_the_users_language(client: TestClient, cast: dict) -> None:
    csrf = login(client, "ada")

    client.post("/settings/language", data={"locale": "tr", "csrf_token": csrf})
    assert "<h1>Yanıt bekliyor</h1>" in client.get("/").text
    client.post("/settings/language", data={"locale": "fi", "csrf_token": csrf})
    assert "<h1>Vaatii vastauksen</h1>" in client.get("/").text


def test_the_login_page_follows_the_browser_language(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})

    assert '<html lang="tr">' in page.text


def test_logout_ends_the_session(client: TestClient, cast: dict) -> None:
    csrf = login(client, "ada")
    stolen = client.cookies.get("vastaa_session")

    client.post("/logout", data={"csrf_token": csrf})

    client.cookies.set("vastaa_session", stolen or "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_carry_a_strict_content_security_policy(client: TestClient) -> None:
    policy = client.get("/login").headers["content-security-policy"]

    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_no_template_relies_on_what_the_policy_blocks() -> None:
    """Inline styles, inline scripts and event handler attributes are refused by the browser
    under this policy: a template using them shows a broken page, silently. (A JSON data
    block is not run, so it is allowed.)"""
    blocked = re.compile(
        r"""\sstyle=|<script(?![^>]*\s(?:src=|type="application/json"))|\son[a-z]+=""", re.I
    )
    found = [
        f"{path.relative_to(VASTAA)}:{number}"
        for path in sorted(VASTAA.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if blocked.search(line)
    ]

    assert found == []


def test_an_expired_session_asks_for_login_again(
    client: TestClient, cast: dict, sessions, now
) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from vastaa.accounts.models import WebSession
    from vastaa.db import transaction

    login(client, "ada")
    with transaction(sessions) as session:
        session.execute(update(WebSession).values(expires_at=now - timedelta(minutes=1)))

    assert client.get("/", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
