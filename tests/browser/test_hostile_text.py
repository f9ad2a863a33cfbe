"""Social media text is hostile input: nothing in it may run in the agent's browser."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, LogIn
from tests.conftest import NOW
from tests.factories import message
from vastaa.db import transaction
from vastaa.pipeline.events import parse_event
from vastaa.pipeline.ingest import ingest

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    '"><svg onload="window.__pwned=\'svg\'">',
    "<a href=\"javascript:window.__pwned='link'\">click me</a>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    '<div hx-get="/logout" hx-trigger="load">htmx</div>',
    "{{ 7*7 }} {% raw %}",
    "<style>body{display:none}</style>",
]


def hostile_events() -> list[Any]:
    items = []
    for n, payload in enumerate(PAYLOADS):
        items.append(
            message(
                f"x{n}",
                text=f"Payload {n}: {payload}",
                url="javascript:window.__pwned='url'"
                if n % 2
                else "data:text/html,<script>x</script>",
                author={"id": f"u{n}", "name": payload, "handle": f"h{n}<b>"},
                lang="en",
            )
        )
    return [parse_event(item, n) for n, item in enumerate(items)]


def test_nothing_from_a_message_runs_in_the_browser(
    page: Page, live_server: LiveServer, log_in: LogIn
) -> None:
    with transaction(live_server.sessions) as session:
        ingest(session, hostile_events(), now=NOW)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    log_in("aino")
    visited = [page.url]
    links = page.locator("td.preview a").evaluate_all("els => els.map(e => e.href)")
    assert len(links) == len(PAYLOADS)
    for link in links:
        page.goto(link)
        visited.append(link)
        assert page.evaluate("window.__pwned") is None, link
        assert page.locator("img[src='x'], svg, iframe, script:not([src])").count() == 0
        assert page.locator("a[href^='javascript:'], a[href^='data:']").count() == 0
        assert page.locator("body").is_visible()

    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Vaatii vastauksen"
    text = page.locator("table.inbox").inner_text()
    assert "<script>window.__pwned = 'script'</script>" in text
    assert "{{ 7*7 }}" in text
