"""Moderation in a real browser (R7, R26, R28): an agent tries to delete a negative complaint
and is refused; a supervisor removes a racist comment in one click — the evidence captured,
the comment deleted (by hand: Mastodon deletes only our own posts), reported and its author
blocked through the connector."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer, LogIn
from tests.browser.test_triage_flow import settle
from tests.channels import fake_mastodon
from tests.conftest import NOW, PASSWORD
from tests.factories import message
from tests.web.helpers import ingest_items
from vastaa.accounts.service import add_user
from vastaa.channels.models import Channel
from vastaa.channels.registry import builtin
from vastaa.channels.tasks import deliver_due
from vastaa.db import transaction
from vastaa.evidence.models import EvidenceRecord
from vastaa.evidence.verify import verify
from vastaa.messages.models import Message
from vastaa.moderation.models import ModerationAction

pytestmark = pytest.mark.browser
MASTODON = {"platform": "mastodon", "account": "kide@mastodon.example", "name": "Kide"}
COMPLAINT = "Keitin vuotaa taas ja olen tosi pettynyt, tämä on jo toinen kerta!"
RACIST = "Go back to your country, you filthy immigrants are all criminals"


@pytest.fixture
def mastodon(live_server: LiveServer) -> Iterator[fake_mastodon.Instance]:
    now = datetime.now(UTC)
    with fake_mastodon.running() as server:
        with transaction(live_server.sessions) as session:
            add_user(
                session, username="ada", password=PASSWORD, role="supervisor", now=NOW, locale="en"
            )
        ingest_items(
            live_server.sessions,
            now,
            message(
                "p1",
                channel=MASTODON,
                kind="post",
                direction="outbound",
                author={"id": "1", "handle": "kide", "name": "Kide"},
                text="Uusi keitinmallisto on täällä!",
                created_at=ago(now, 60),
            ),
            message(
                "109001",
                channel=MASTODON,
                parent_id="p1",
                thread_id="p1",
                text=COMPLAINT,
                lang="fi",
                created_at=ago(now, 5),
                author={"id": "77", "handle": "liisa@example.social", "name": "Liisa"},
            ),
            message(
                "109002",
                channel=MASTODON,
                parent_id="p1",
                thread_id="p1",
                text=RACIST,
                lang="en",
                created_at=ago(now, 4),
                author={"id": "88", "handle": "hater@example.social", "name": "H8"},
            ),
        )
        server.add_account("88", "hater@example.social", statuses=["109002"])
        with transaction(live_server.sessions) as session:
            channel = session.scalars(select(Channel)).one()
            channel.config = {"base_url": server.base_url}
            channel.credentials = {"token": fake_mastodon.TOKEN}
        settle(live_server, now)
        yield server


def ago(now: datetime, minutes: int) -> str:
    return (now - timedelta(minutes=minutes)).isoformat()


def conversation_of(server: LiveServer, external_id: str) -> str:
    with server.sessions() as session:
        found = session.scalars(select(Message).where(Message.external_id == external_id)).one()
        return f"{server.url}/conversations/{found.conversation_id}"


def test_an_agent_who_tries_to_delete_a_complaint_is_refused_and_told_to_answer(
    page: Page, live_server: LiveServer, log_in: LogIn, mastodon: fake_mastodon.Instance
) -> None:
    log_in("aino")
    page.goto(conversation_of(live_server, "109001"))
    complaint = page.locator("article.message.inbound", has_text="Keitin vuotaa")
    expect(complaint.locator(".moderation-advice.criticism")).to_be_visible()
    complaint.locator("details.moderate summary").click()
    complaint.locator("select[name=action]").select_option("delete")
    complaint.locator(".moderate-form button[type=submit]").click()

    refusal = page.locator("section.refused")
    expect(refusal).to_be_visible()
    expect(refusal.locator(".why")).to_contain_text("R26")
    expect(page.locator("#override-reason")).to_have_count(0)  # an agent cannot override
    with live_server.sessions() as session:
        assert session.scalars(select(ModerationAction)).all() == []
        assert session.scalars(select(Message.moderation)).all() == [None, None, None]

    page.locator("section.refused a").last.click()
    expect(page.locator("article.message.inbound", has_text="Keitin vuotaa")).to_be_visible()


def test_a_supervisor_removes_a_racist_comment_with_evidence_and_a_report(
    page: Page, live_server: LiveServer, log_in: LogIn, mastodon: fake_mastodon.Instance
) -> None:
    log_in("ada")
    page.goto(conversation_of(live_server, "109002"))
    comment = page.locator("article.message.inbound", has_text="Go back to your country")
    advice = comment.locator(".moderation-advice.hate")
    expect(advice).to_contain_text("hate")
    advice.locator("button").click()

    comment = page.locator("article.message.inbound", has_text="Go back to your country")
    expect(comment.locator(".badge.moderation").first).to_contain_text("removed")
    log = comment.locator(".moderation-log li")
    expect(log).to_have_count(3)
    expect(log.nth(0)).to_contain_text("to do on the platform by hand")  # delete
    expect(log.nth(1)).to_contain_text("on its way to the platform")  # report
    expect(comment.locator(".evidence-ref").first).to_be_visible()

    deliver_due(live_server.sessions, builtin({}), clock=lambda: datetime.now(UTC))
    page.reload()
    comment = page.locator("article.message.inbound", has_text="Go back to your country")
    expect(comment.locator(".moderation-log li").nth(1)).to_contain_text("done on the platform")
    expect(comment.locator(".moderation-log li").nth(2)).to_contain_text("done on the platform")
    expect(comment.locator(".badge.moderation").last).to_contain_text("author blocked")
    assert [report["status_ids"] for report in mastodon.reports] == [["109002"]]
    assert mastodon.blocked == {"88"}

    comment.locator(".moderation-log li").nth(0).locator("button", has_text="Done").click()
    comment = page.locator("article.message.inbound", has_text="Go back to your country")
    expect(comment.locator(".moderation-log li").nth(0)).to_contain_text("done on the platform")
    expect(page.locator("a[href$='evidence.zip']")).to_be_visible()

    with live_server.sessions() as session:
        captured = session.scalars(
            select(EvidenceRecord.capture).where(EvidenceRecord.capture == "before_action")
        ).all()
        assert len(captured) == 3 and verify(session).ok
