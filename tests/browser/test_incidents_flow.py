"""An incident in a real browser (R29, R13): three people report the same leak in Finnish,
Turkish and English; a supervisor (Turkish interface) finds the problem, writes the known-issue
statement, and an agent inserts the reply written for one customer into the composer. Once
fixed, the agent edits and sends a follow-up from the incident's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer, LogIn, second_person
from tests.conftest import NOW, PASSWORD
from tests.incidents.test_views import _wave
from vastaa.accounts.service import add_user
from vastaa.db import transaction
from vastaa.incidents.models import IncidentFollowUp

pytestmark = pytest.mark.browser


def test_a_supervisor_states_the_known_issue_and_an_agent_answers_with_it(
    page: Page, browser: Browser, live_server: LiveServer, log_in: LogIn
) -> None:
    incident = _wave(live_server.sessions, NOW)
    with transaction(live_server.sessions) as session:
        add_user(
            session, username="mert", password=PASSWORD, role="supervisor", now=NOW, locale="tr"
        )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The supervisor finds the problem from the top bar.
    log_in("mert")
    page.click("nav a[href='/incidents']")
    page.click(f"a[href='/incidents/{incident.number}']")
    expect(page.locator("#incident-level")).to_have_class("badge level-problem")
    expect(page.locator("#timeline table.members tbody tr")).to_have_count(3)
    page.fill("#statement-fi", "Aamu A2:n tiivisteessä on vika; uusi tiiviste on tulossa.")
    page.fill("#statement-tr", "Aamu A2 contasında bir arıza var; yeni conta geliyor.")
    page.fill("#statement-en", "The Aamu A2 seal is faulty; a new seal is on its way.")
    page.click("form.statement-form:has(#statement-fi) button[type=submit]")
    suggestions = page.locator("#suggestions pre.suggestion")
    expect(suggestions).to_have_count(3)
    expect(suggestions.filter(has_text="Mikko")).to_contain_text("uusi tiiviste")

    # An agent opens Mikko's conversation and takes the reply written for him.
    agent = second_person(browser, live_server, "aino", "fi-FI")
    agent.goto(page.url)
    agent.locator("#suggestions li", has_text="Mikko").locator("a").click()
    expect(agent.locator("#known-issue")).to_contain_text(f"#{incident.number}")
    agent.click("#known-issue [data-insert]")
    expect(agent.locator("#reply-text")).to_have_value(re.compile("Mikko.*uusi tiiviste", re.S))

    # Fixed: everyone affected gets a follow-up to edit and send.
    page.fill("#fix-fi", "Uudet tiivisteet lähtevät tänään.")
    page.click("form.statement-form:has(#fix-fi) button[type=submit]")
    page.select_option("#status", "fixed")
    page.click("form[action$='/status'] button[type=submit]")
    expect(page.locator("#status")).to_have_value("fixed")
    expect(page.locator("#follow-ups li.state-pending")).to_have_count(3)

    agent.goto(f"{live_server.url}/incidents/{incident.number}#follow-ups")
    first = agent.locator("#follow-ups li.follow-up").first
    first.locator("textarea").fill("Hei! Vika on korjattu, kiitos kärsivällisyydestäsi. /Aino")
    first.locator("button[value=send]").click()
    expect(agent.locator("#follow-ups li.state-sent")).to_have_count(1)
    with transaction(live_server.sessions) as session:
        states = sorted(session.scalars(select(IncidentFollowUp.state)))
    assert states == ["pending", "pending", "sent"]
    assert errors == []


def test_a_supervisor_splits_a_complaint_off_and_merges_it_back(
    page: Page, live_server: LiveServer, log_in: LogIn
) -> None:
    incident = _wave(live_server.sessions, NOW)
    with transaction(live_server.sessions) as session:
        add_user(
            session, username="mert", password=PASSWORD, role="supervisor", now=NOW, locale="fi"
        )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in("mert")
    page.goto(f"{live_server.url}/incidents/{incident.number}")

    # Daniel's report is about something else: it goes to an incident of its own.
    page.locator("#timeline tbody tr", has_text="Daniel").locator("input[type=checkbox]").check()
    page.click("#move button[type=submit]")
    split = incident.number + 1
    expect(page).to_have_url(f"{live_server.url}/incidents/{split}")
    expect(page.locator("#timeline table.members tbody tr")).to_have_count(1)
    expect(page.locator("#incident-level")).to_have_class("badge level-isolated")

    # It was the same fault after all: merged back from the first incident's page.
    page.goto(f"{live_server.url}/incidents/{incident.number}")
    expect(page.locator("#timeline table.members tbody tr")).to_have_count(2)
    page.select_option("#merge-other", str(split))
    page.click("#merge button[type=submit]")
    expect(page.locator("#timeline table.members tbody tr")).to_have_count(3)
    expect(page.locator("#incident-level")).to_have_class("badge level-problem")
    page.goto(f"{live_server.url}/incidents/{split}")
    expect(page).to_have_url(f"{live_server.url}/incidents/{incident.number}")
    assert errors == []
