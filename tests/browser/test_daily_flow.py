"""What an agent does a hundred times a day: log in, open the inbox, open a conversation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, LogIn
from tests.conftest import NOW
from vastaa.db import transaction
from vastaa.demo.scenario import load_messages

pytestmark = pytest.mark.browser


def test_log_in_open_the_inbox_and_a_conversation(
    page: Page, live_server: LiveServer, log_in: LogIn
) -> None:
    with transaction(live_server.sessions) as session:
        load_messages(session, now=NOW)

    log_in("aino")

    expect(page.locator("h1")).to_have_text("Vaatii vastauksen")
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(50)
    page.select_option("select[name=lang]", "tr")
    page.wait_for_url("**/?*lang=tr*")
    expect(page.locator("td.preview .lang").first).to_have_text("tr")
    assert set(page.locator("td.preview .lang").all_text_contents()) == {"tr"}
    page.locator("td.preview a").first.click()
    page.wait_for_url("**/conversations/*")
    expect(page.locator("article.message").first).to_be_visible()
    expect(page.locator("aside.customer h2")).to_have_text("Asiakas")


def test_a_wrong_password_keeps_you_on_the_login_page(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    page.fill("#username", "aino")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")

    expect(page.locator(".error")).to_be_visible()
    assert "/login" in page.url
