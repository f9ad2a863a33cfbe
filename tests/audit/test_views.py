"""The audit log (SQLite and PostgreSQL): what writes it (logins, replies, moderation, rules,
exports), the supervisors' page with its filters and paging, and the evidence ZIP download."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.moderation.conftest import thread
from vastaa.audit.models import AuditEntry
from vastaa.audit.queries import PAGE
from vastaa.audit.service import log
from vastaa.conversations.models import Conversation
from vastaa.db import transaction
from vastaa.messages.models import Message

ROW = re.compile(r'<tr class="audit-(\w+)">')


def audited(sessions: sessionmaker[Session], action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.action)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    with sessions() as session:
        return list(session.scalars(query))


def rows(html: str) -> list[str]:
    """The actions of the entries the page lists, in order."""
    return ROW.findall(html)


def write(
    sessions: sessionmaker[Session],
    actor_id: uuid.UUID | None,
    action: str,
    at: datetime,
    *,
    target: tuple[str, object] | None = None,
    summary: str = "",
) -> None:
    with transaction(sessions) as session:
        log(session, actor_id=actor_id, action=action, now=at, target=target, summary=summary)


def failed_login(client: TestClient, username: str) -> int:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    data = {"username": username, "password": "not the password", "csrf_token": token.group(1)}
    return client.post("/login", data=data).status_code


def conversation_of(sessions: sessionmaker[Session], message_id: uuid.UUID) -> uuid.UUID:
    with sessions() as session:
        found = session.get(Message, message_id)
        assert found is not None and found.conversation_id is not None
        return found.conversation_id


# What writes the log -----------------------------------------------------------------------


def test_logging_in_and_out_is_audited(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    token = login(client, "aino")
    client.post("/logout", data={"csrf_token": token})

    entries = audited(sessions)

    assert [(e.action, e.actor_id, e.actor_name) for e in entries] == [
        ("login", cast["aino"], "aino"),
        ("logout", cast["aino"], "aino"),
    ]
    assert all(e.at == now for e in entries)


def test_a_failed_login_is_audited_with_the_name_tried(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session]
) -> None:
    assert failed_login(client, "aino") == 401
    assert failed_login(client, "nobody-" + "x" * 200) == 401

    entries = audited(sessions)

    assert [e.action for e in entries] == ["login_failed", "login_failed"]
    assert all(e.actor_id is None for e in entries)
    assert sorted(e.actor_name for e in entries) == ["aino", "nobody-" + "x" * 73]


def test_a_reply_is_audited_and_a_blocked_one_is_not(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    case = conversation_of(sessions, ids["criticism"])
    token = login(client, "aino")

    blocked = client.post(
        f"/conversations/{case}/replies",
        data={"text": "Soita meille: 040 1234567", "lang": "fi", "csrf_token": token},
    )
    sent = client.post(
        f"/conversations/{case}/replies",
        data={
            "text": "Kiitos, että kerroit! Pahoittelemme viivettä. Selvitämme asian. /Aino",
            "lang": "fi",
            "csrf_token": token,
        },
        follow_redirects=False,
    )

    assert blocked.status_code == 422 and sent.status_code == 303
    [entry] = audited(sessions, "reply")
    assert entry.actor_id == cast["aino"]
    assert (entry.target_type, entry.target_id) == ("conversation", str(case))


def test_moderation_and_rule_changes_are_audited(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "ada")
    client.post(
        f"/messages/{ids['criticism']}/moderate",
        data={"action": "hide", "reason": "Names a person", "csrf_token": token},
    )
    client.post(
        "/moderation/rules",
        data={
            "csrf_token": token,
            "intent": "save",
            "name": "Slurs",
            "keywords": "x",
            "review": "1",
        },
    )

    [moderation] = audited(sessions, "moderation")
    [rule] = audited(sessions, "rule_change")

    assert moderation.actor_id == cast["ada"]
    assert (moderation.target_type, moderation.target_id) == ("message", str(ids["criticism"]))
    assert moderation.summary == "hide: Names a person"
    assert moderation.data is not None and moderation.data["override"] is True
    assert rule.actor_id == cast["ada"] and rule.summary == "Slurs: saved"
    page = client.get("/audit").text
    assert rows(page).count("moderation") == 1 and rows(page).count("rule_change") == 1


def test_a_customers_data_export_is_audited(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    with sessions() as session:
        case = session.get(Conversation, conversation_of(sessions, ids["criticism"]))
        assert case is not None and case.customer_id is not None
        customer_id = case.customer_id
    token = login(client, "aino")
    assert client.get(f"/customers/{customer_id}/export").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "mert")

    response = client.get(f"/customers/{customer_id}/export")

    assert response.status_code == 200
    [entry] = audited(sessions, "export")
    assert entry.actor_id == cast["mert"]
    assert (entry.target_type, entry.target_id) == ("customer", str(customer_id))


# The page ----------------------------------------------------------------------------------


def test_agents_may_not_read_the_audit_log(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session]
) -> None:
    login(client, "aino")

    response = client.get("/audit")

    assert response.status_code == 403
    assert "audit-login" not in response.text


def test_supervisors_read_every_entry_newest_first(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    failed_login(client, "mallory")
    write(sessions, cast["mert"], "export", now - timedelta(hours=1), summary="evidence ZIP")
    login(client, "mert")

    page = client.get("/audit")

    assert page.status_code == 200
    listed = rows(page.text)
    assert sorted(listed[:2]) == ["login", "login_failed"] and listed[2:] == ["export"]
    assert "mallory" in page.text and "evidence ZIP" in page.text
    assert "Older entries" not in page.text and "before=" not in page.text


def test_entries_are_filtered_by_action_actor_and_target(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    target = uuid.uuid4()
    earlier = now - timedelta(minutes=5)
    write(sessions, cast["aino"], "login", earlier)
    write(sessions, cast["aino"], "reply", earlier, target=("conversation", target))
    write(sessions, cast["mert"], "login", earlier)
    write(sessions, cast["mert"], "moderation", earlier, target=("message", uuid.uuid4()))
    failed_login(client, "aino")
    login(client, "ada")

    logins = client.get("/audit", params={"action": "login"}).text
    by_mert = client.get("/audit", params={"actor": str(cast["mert"])}).text
    aimed = client.get("/audit", params={"target": f"  {target} "}).text
    both = client.get("/audit", params={"actor": str(cast["aino"]), "action": "login"}).text

    assert rows(logins) == ["login"] * 3
    assert '<option value="login" selected>' in logins
    assert sorted(rows(by_mert)) == ["login", "moderation"]
    assert f'<option value="{cast["mert"]}" selected>' in by_mert
    assert rows(aimed) == ["reply"] and f'href="/conversations/{target}"' in aimed
    assert rows(both) == ["login"]


def test_an_unknown_action_filter_is_ignored(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session]
) -> None:
    failed_login(client, "aino")
    login(client, "ada")

    page = client.get("/audit", params={"action": "drop table"})

    assert page.status_code == 200
    assert sorted(rows(page.text)) == ["login", "login_failed"]


def test_entries_are_filtered_by_day(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    for days in (1, 2, 3):
        write(sessions, cast["mert"], "export", now - timedelta(days=days), summary=f"{days} ago")
    login(client, "ada")  # today, 2026-11-20

    def summaries(**filters: str) -> list[str]:
        html = client.get("/audit", params=filters).text
        return re.findall(r"<td>(\d ago)</td>", html)

    assert summaries(since="2026-11-18") == ["1 ago", "2 ago"]
    assert summaries(until="2026-11-18") == ["2 ago", "3 ago"]
    assert summaries(since="2026-11-18", until="2026-11-18") == ["2 ago"]
    assert rows(client.get("/audit", params={"since": "2026-11-20"}).text) == ["login"]
    assert rows(client.get("/audit", params={"until": "2026-11-19"}).text) == ["export"] * 3


@pytest.mark.parametrize(
    "bad", ["2026-13-45", "yesterday", "20.11.2026", "'; --", "0001-01-01", "9999-12-31"]
)
def test_a_bad_date_is_ignored(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], bad: str
) -> None:
    login(client, "ada")

    page = client.get("/audit", params={"since": bad, "until": bad})

    assert page.status_code == 200
    assert rows(page.text) == ["login"]


def test_the_filter_form_submitted_as_it_is_shown_works(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session]
) -> None:
    """The form sends every field, the empty ones too ("Everyone" is actor=)."""
    login(client, "ada")
    page = client.get("/audit").text
    assert '<option value="">' in page  # "Everyone"

    response = client.get("/audit?actor=&action=login&target=&since=&until=")

    assert response.status_code == 200
    assert rows(response.text) == ["login"]


def exports(sessions: sessionmaker[Session], actor_id: uuid.UUID, now: datetime, n: int) -> None:
    """``n`` export entries, a minute apart, the newest a minute before ``now``."""
    with transaction(sessions) as session:
        for k in range(n):
            at = now - timedelta(minutes=k + 1)
            log(session, actor_id=actor_id, action="export", now=at, summary=f"export {k}")


def older_link(html: str) -> str | None:
    found = re.search(r'<a href="(/audit\?[^"]+before=[^"]+)">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_older_entries_are_offered_only_when_a_page_is_full(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    exports(sessions, cast["mert"], now, PAGE - 2)
    login(client, "ada")  # the newest: one short of a full page
    assert len(rows(client.get("/audit").text)) == PAGE - 1
    assert older_link(client.get("/audit").text) is None
    exports(sessions, cast["mert"], now - timedelta(days=1), 3)

    full = client.get("/audit").text
    logins = client.get("/audit", params={"action": "login"}).text

    assert len(rows(full)) == PAGE
    link = older_link(full)
    assert link is not None and "before=2026-11-19T11" in link
    assert rows(logins) == ["login"] and older_link(logins) is None


def test_older_entries_of_everyone_are_one_click_away(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    exports(sessions, cast["mert"], now, PAGE + 1)
    login(client, "ada")  # the newest: 102 in all

    link = older_link(client.get("/audit").text)
    assert link is not None
    second = client.get(link)

    assert second.status_code == 200
    assert re.findall(r"<td>(export \d+)</td>", second.text) == ["export 99", "export 100"]


def test_the_older_entries_link_keeps_the_filters(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    exports(sessions, cast["mert"], now, PAGE + 5)
    login(client, "ada")

    first = client.get("/audit", params={"action": "export", "actor": str(cast["mert"])}).text
    link = older_link(first)
    assert link is not None
    assert f"actor={cast['mert']}" in link and "action=export" in link
    second = client.get(link).text

    assert re.findall(r"<td>(export \d+)</td>", first)[-1] == "export 99"
    assert re.findall(r"<td>(export \d+)</td>", second) == [f"export {k}" for k in range(100, 105)]
    assert older_link(second) is None


def test_paging_loses_no_entries_written_at_the_same_instant(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    earlier = now - timedelta(hours=1)
    with transaction(sessions) as session:
        for n in range(PAGE + 20):
            log(session, actor_id=cast["mert"], action="export", now=earlier, summary=f"e{n}")
    login(client, "ada")

    seen: list[str] = []
    url: str | None = f"/audit?action=export&actor={cast['mert']}"  # actor=: see EMPTY_ACTOR
    while url is not None and len(seen) <= PAGE + 20:
        html = client.get(url).text
        seen += re.findall(r"<td>(e\d+)</td>", html)
        url = older_link(html)

    assert sorted(seen) == sorted(f"e{n}" for n in range(PAGE + 20))


def test_hostile_names_and_summaries_are_escaped(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    failed_login(client, "<script>alert(1)</script>")
    write(sessions, cast["mert"], "moderation", now, summary="hide: <img src=x onerror=alert(2)>")
    login(client, "ada")

    page = client.get("/audit").text

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img src=x" not in page


# The evidence ZIP --------------------------------------------------------------------------


def test_a_supervisor_downloads_a_conversations_evidence_and_it_is_audited(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    case = conversation_of(sessions, ids["hate"])
    login(client, "mert")

    response = client.get(f"/conversations/{case}/evidence.zip")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"manifest.json", "summary.html"} <= set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    assert str(case) in json.dumps(manifest)
    [entry] = audited(sessions, "export")
    assert entry.actor_id == cast["mert"]
    assert (entry.target_type, entry.target_id) == ("conversation", str(case))
    assert rows(client.get("/audit", params={"action": "export"}).text) == ["export"]


def test_agents_may_not_download_evidence(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    login(client, "aino")

    response = client.get(f"/conversations/{conversation_of(sessions, ids['hate'])}/evidence.zip")

    assert response.status_code == 403
    assert response.headers["content-type"] != "application/zip"
    assert audited(sessions, "export") == []


def test_evidence_of_an_unknown_conversation_is_not_found(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session]
) -> None:
    login(client, "ada")

    assert client.get(f"/conversations/{uuid.uuid4()}/evidence.zip").status_code == 404
    assert audited(sessions, "export") == []


def test_logging_out_needs_the_csrf_token(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session]
) -> None:
    login(client, "ada")

    assert client.post("/logout", data={}).status_code == 403
    assert audited(sessions, "logout") == []
    assert client.get("/audit").status_code == 200
