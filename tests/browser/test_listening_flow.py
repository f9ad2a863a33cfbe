"""Listening in a real browser (R1, R2): a supervisor tries a query on a sentence, saves it for
the brand, and once a forum's feed is read (as the worker does), the post that names the brand
is in the inbox as a mention; the Coverage page shows the forum as a place where the brand is
discussed and nobody can answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, LogIn
from tests.browser.test_triage_flow import settle
from tests.channels.rss.feed_server import FeedHost, running
from tests.conftest import NOW, PASSWORD
from vastaa.accounts.service import add_user
from vastaa.channels import service as channels
from vastaa.channels.registry import builtin
from vastaa.db import transaction
from vastaa.listening.tasks import Listener, due_channels, read_channel

pytestmark = pytest.mark.browser
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Kotikone-foorumi</title><link>https://forum.example/</link>
<description>Keskustelua kodinkoneista</description>
<item><guid>https://forum.example/t/1</guid><link>https://forum.example/t/1</link>
<title>Kiden kahvinkeitin vuotaa</title>
<description>Kiden keitin vuotaa pohjasta jo toista kertaa. Onko muilla samaa?</description>
<pubDate>{date}</pubDate></item>
<item><guid>https://forum.example/t/2</guid><link>https://forum.example/t/2</link>
<title>Paras leipäkone?</title><description>Mikä leipäkone kannattaa ostaa?</description>
<pubDate>{date}</pubDate></item>
</channel></rss>"""


@pytest.fixture
def forum(live_server: LiveServer) -> Iterator[FeedHost]:
    now = datetime.now(UTC)
    with running() as host:
        date = now.strftime("%a, %d %b %Y %H:%M:%S +0000")
        url = host.publish("/forum.xml", FEED.format(date=date).encode())
        with transaction(live_server.sessions) as session:
            add_user(
                session, username="mert", password=PASSWORD, role="supervisor", now=NOW, locale="en"
            )
            channels.save_brand(session, name="Kide", signature=None, now=now)
            channels.save_channel(
                session, platform="rss", account="kotikone", now=now, config={"url": url}
            )
        yield host


def test_a_supervisor_sets_up_listening_and_sees_the_gap(
    page: Page, live_server: LiveServer, log_in: LogIn, forum: FeedHost
) -> None:
    log_in("mert")
    page.goto(f"{live_server.url}/listening")
    page.fill("#t-expression", "kide AND (keitin OR kahvinkeitin)")
    page.fill("#t-text", "Kidellä on uusi keitin")
    page.click("#query-try button[type=submit]")
    expect(page.locator(".trial-result")).to_have_text("It matches.")

    page.fill("#q-name", "Kide coffee machines")
    page.fill("#q-expression", "kide AND (keitin OR kahvinkeitin)")
    page.select_option("#q-brand", "Kide")
    page.fill("#q-languages", "fi")
    page.click("#query-form button[type=submit]")
    expect(page.locator("table.queries")).to_contain_text("Kide coffee machines")

    now = datetime.now(UTC)
    registry = builtin({})
    with live_server.sessions() as session:
        (channel_id,) = due_channels(session, registry, now=now)
    outcome = read_channel(
        live_server.sessions, registry, channel_id, clock=lambda: now, listener=Listener()
    )
    assert (outcome.found, outcome.matched) == (2, 1)
    settle(live_server, now)

    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Kiden kahvinkeitin vuotaa")).to_be_visible()
    expect(page.get_by_text("Paras leipäkone")).to_have_count(0)

    page.goto(f"{live_server.url}/coverage")
    gap = page.locator("table.coverage-channels tr.gap", has_text="kotikone")
    expect(gap).to_contain_text("Vastaa cannot reply on this platform")
