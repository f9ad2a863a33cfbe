"""Triage in a real browser: the most urgent conversation first with its SLA countdown, a missed
deadline shown, assign and escalate with a note, keyboard shortcuts, and new messages appearing
without a reload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, LogIn, coach_and_hold, second_person
from tests.conftest import NOW, PASSWORD
from tests.factories import message
from tests.web.helpers import ingest_items
from vastaa.accounts.models import Team
from vastaa.accounts.service import add_user
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.db import transaction
from vastaa.sla.service import sweep_breaches
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending

pytestmark = pytest.mark.browser


def settle(server: LiveServer, now: datetime) -> None:
    analyze_pending(server.sessions, FastAnalyzer(), clock=lambda: now)
    with transaction(server.sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())
        sweep_breaches(session, now=now)


def ago(now: datetime, minutes: int) -> str:
    return (now - timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def seeded(live_server: LiveServer) -> datetime:
    now = datetime.now(UTC)
    with transaction(live_server.sessions) as session:
        add_user(session, username="mert", password=PASSWORD, role="supervisor", now=NOW)
        session.add(Team(name="Laskutus", escalation=True, created_at=NOW))
    ingest_items(
        live_server.sessions,
        now,
        message(
            "late",
            text="Veloititte minulta kahdesti, lasku 4471 on väärin ja olen tosi vihainen!",
            created_at=ago(now, 70),
            author={"id": "u1", "name": "Liisa Laskunen", "followers": 8000},
        ),
        message(
            "fresh",
            text="Missä tilaukseni on?",
            created_at=ago(now, 10),
            author={"id": "u2", "name": "Pekka Posti"},
        ),
    )
    settle(live_server, now)
    return now


def test_triage_assign_escalate_and_see_the_clock(
    page: Page, live_server: LiveServer, log_in: LogIn, seeded: datetime
) -> None:
    log_in("aino")

    rows = page.locator("table.inbox tbody tr.row")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("td.author")).to_contain_text("Liisa Laskunen")
    expect(rows.first.locator("time.sla")).to_have_class(re.compile("sla-missed"))
    expect(rows.first.locator("time.sla")).to_have_text(re.compile(r"^\d+ min myöhässä$"))
    expect(rows.nth(1).locator("time.sla")).to_have_text(re.compile(r"^(49|50) min$"))
    expect(rows.first.locator(".reason")).to_contain_text(
        "8 t. seuraajaa"
    )  # CLDR: Finnish "tuhatta"

    rows.first.locator("td.preview a").click()
    page.wait_for_url("**/conversations/*")
    expect(page.locator(".badge.breach")).to_have_text("SLA ylittyi")
    page.click("button.take")
    expect(page.locator(".timeline .event-assigned")).to_contain_text("aino osoitti sen")

    page.click("details.escalate summary")
    page.select_option("#target", label="Tiimi Laskutus")
    page.click(".escalate-form button[type=submit]")  # no note yet: the browser refuses
    expect(page.locator(".badge.escalated")).to_have_count(0)
    page.fill("#escalation-note", "Tuplaveloitus, laskutus tarkistaa <script>alert(1)</script>")
    page.click(".escalate-form button[type=submit]")
    expect(page.locator(".badge.escalated")).to_contain_text("Laskutus")
    expect(page.locator(".timeline .event-escalated .note")).to_have_text(
        "Tuplaveloitus, laskutus tarkistaa <script>alert(1)</script>"
    )

    page.goto(f"{live_server.url}/?view=escalated")
    expect(page.locator("table.inbox tbody tr.row")).to_have_count(1)
    expect(page.locator('a[data-view="escalated"] .count')).to_have_text("1")
    expect(page.locator('a[data-view="needs_reply"] .count')).to_have_text("1")


def test_keyboard_and_live_updates(
    page: Page, live_server: LiveServer, log_in: LogIn, seeded: datetime
) -> None:
    log_in("aino")
    rows = page.locator("table.inbox tbody tr.row")
    expect(rows).to_have_count(2)

    page.keyboard.press("j")
    expect(rows.first).to_have_class(re.compile("selected"))
    page.keyboard.press("a")
    expect(rows.first.locator("td.assignee")).to_have_text("aino")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()

    now = datetime.now(UTC)
    ingest_items(
        live_server.sessions,
        now,
        message("new", text="Onko Aamu A2 taas saatavilla?", author={"id": "u3"}),
    )
    settle(live_server, now)

    expect(rows).to_have_count(3, timeout=10_000)  # polled in, no reload
    expect(page.locator('a[data-view="needs_reply"] .count')).to_have_text("3")


def test_write_a_bad_reply_see_the_coach_fix_it_and_send(
    page: Page, live_server: LiveServer, log_in: LogIn, seeded: datetime
) -> None:
    log_in("aino")
    page.locator("table.inbox tbody tr.row td.preview a").nth(1).click()
    page.wait_for_url("**/conversations/*")

    page.fill("#reply-text", "Tilauksesi 12345678 on matkalla, takaamme sen.")
    page.locator("#reply-text").press("End")
    findings = page.locator("#coach .finding")
    expect(page.locator('#coach [data-code="personal_data"]')).to_be_visible()
    expect(page.locator('#coach [data-code="overpromise"]')).to_be_visible()
    expect(page.locator("#presence")).to_have_text("")  # nobody else here

    page.fill(
        "#reply-text",
        "Kiitos viestistä! Pahoittelemme viivettä. Paketti lähti eilen, ja laitan "
        "seurantalinkin yksityisviestillä. /Aino",
    )
    page.locator("#reply-text").press("End")
    expect(findings).to_have_count(0)
    expect(page.locator("#coach .coach-ok")).to_be_visible()
    page.click("#reply button[type=submit]")

    page.wait_for_url("**/conversations/*")
    expect(page.locator("article.message.outbound")).to_contain_text("Paketti lähti eilen")
    expect(page.locator(".timeline .event-replied")).to_contain_text("aino vastasi")


@pytest.mark.parametrize("live_settings", [{"review_policies": "public_negative"}])
def test_a_reply_is_coached_approved_by_a_supervisor_and_posted(
    page: Page, live_server: LiveServer, log_in: LogIn, seeded: datetime, browser: Browser
) -> None:
    log_in("aino")
    conversation_url = coach_and_hold(page)  # the angry one first

    reviewer = second_person(browser, live_server, "mert", "tr-TR")
    reviewer.goto(f"{live_server.url}/reviews")
    expect(reviewer.locator("section.review")).to_have_count(1)
    reviewer.locator("section.review form.note-form button").click()
    expect(reviewer.locator("section.review")).to_have_count(0)
    reviewer.context.close()

    page.goto(conversation_url)
    expect(page.locator("article.message.outbound .badge")).to_have_text("julkaise itse")
    page.click(".manual-send form button[type=submit]")
    expect(page.locator("article.message.outbound .badge")).to_have_text("julkaistu")
    expect(page.locator(".timeline .event-posted_manually")).to_be_visible()
    expect(page.locator(".timeline .event-approved")).to_contain_text("mert")
