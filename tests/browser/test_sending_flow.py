"""Sending through a connector in a real browser, against a local Mastodon server: a bad reply
is coached, fixed, approved by a supervisor, sent by the outbox and shown as delivered; a public
case moves to a direct message (R18)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer, LogIn, coach_and_hold, second_person
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

pytestmark = pytest.mark.browser
MASTODON = {"platform": "mastodon", "account": "kide@mastodon.example", "name": "Kide"}


@pytest.fixture
def mastodon(live_server: LiveServer) -> Iterator[fake_mastodon.Instance]:
    now = datetime.now(UTC)
    with fake_mastodon.running() as server:
        with transaction(live_server.sessions) as session:
            add_user(session, username="mert", password=PASSWORD, role="supervisor", now=NOW)
        ingest_items(
            live_server.sessions,
            now,
            message(
                "109001",
                channel=MASTODON,
                text="Keitin vuotaa taas ja olen tosi pettynyt, tämä on jo toinen kerta!",
                lang="fi",
                created_at=(now - timedelta(minutes=5)).isoformat(),
                author={"id": "77", "handle": "liisa@example.social", "name": "Liisa Laine"},
            ),
        )
        with transaction(live_server.sessions) as session:
            channel = session.scalars(select(Channel)).one()
            channel.config = {"base_url": server.base_url}
            channel.credentials = {"token": fake_mastodon.TOKEN}
        settle(live_server, now)
        yield server


def deliver(server: LiveServer) -> None:
    """What the worker of ``vastaa serve`` does every round."""
    deliver_due(server.sessions, builtin({}), clock=lambda: datetime.now(UTC))


@pytest.mark.parametrize("live_settings", [{"review_policies": "public_negative"}])
def test_a_bad_reply_is_fixed_approved_sent_and_delivered(
    page: Page,
    live_server: LiveServer,
    log_in: LogIn,
    mastodon: fake_mastodon.Instance,
    browser: Browser,
) -> None:
    log_in("aino")
    conversation_url = coach_and_hold(page)
    deliver(live_server)
    assert mastodon.posted == []  # nothing leaves before the approval

    reviewer = second_person(browser, live_server, "mert", "tr-TR")
    reviewer.goto(f"{live_server.url}/reviews")
    reviewer.locator("section.review form.note-form button").click()
    expect(reviewer.locator("section.review")).to_have_count(0)
    reviewer.context.close()

    page.goto(conversation_url)
    expect(page.locator("article.message.outbound .badge")).to_have_text("lähetetään")
    deliver(live_server)
    page.reload()
    expect(page.locator("article.message.outbound .badge")).to_have_text("toimitettu")
    expect(page.locator(".timeline .event-delivered")).to_be_visible()
    assert len(mastodon.posted) == 1 and mastodon.posted[0]["in_reply_to_id"] == "109001"
    expect(page.locator("article.message.outbound .source a")).to_have_attribute(
        "href", mastodon.posted[0]["url"]
    )


def test_a_public_case_moves_to_a_direct_message(
    page: Page, live_server: LiveServer, log_in: LogIn, mastodon: fake_mastodon.Instance
) -> None:
    log_in("aino")
    page.locator("table.inbox tbody tr.row td.preview a").first.click()
    page.wait_for_url("**/conversations/*")

    page.click("details.move-private summary")
    page.check("#move-to-private")
    expect(page.locator("#reply-text")).to_have_value(re.compile("yksityisviesti"))
    expect(page.locator("#private-text")).to_have_value(re.compile(r"^Hei Liisa"))
    page.locator("#private-text").press("End")
    page.locator("#private-text").type(" Tilaus 12345678.")
    expect(page.locator("#coach-private .coach-ok")).to_be_visible()  # fine in private
    page.click("#reply button[type=submit]")
    page.wait_for_url("**/conversations/*")
    expect(page.locator("p.linked a")).to_be_visible()

    deliver(live_server)
    page.reload()
    expect(page.locator("article.message.outbound .badge")).to_have_text("toimitettu")
    page.click("p.linked a")
    expect(page.locator("article.message.outbound .text")).to_contain_text("12345678")
    visibilities = sorted(status["visibility"] for status in mastodon.posted)
    assert visibilities == ["direct", "public"]
