"""Real-browser tests: the app served by uvicorn on 127.0.0.1, driven by Playwright in Debian's
Chromium (``chromium`` on PATH, or ``VASTAA_CHROMIUM``)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import NOW, PASSWORD
from vastaa.accounts.service import add_user
from vastaa.app import create_app
from vastaa.config import Settings
from vastaa.db import make_engine, make_sessionmaker, transaction

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("VASTAA_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is not installed: scripts/test installs Debian's chromium package")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    sessions: sessionmaker[Session]


@pytest.fixture
def live_settings() -> dict[str, object]:
    """Settings a test wants changed (parametrize this name to change them)."""
    return {}


@pytest.fixture
def live_server(
    sqlite_template: Path, tmp_path: Path, live_settings: dict[str, object]
) -> Iterator[LiveServer]:
    database = tmp_path / "browser.db"
    shutil.copy(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        add_user(session, username="aino", password=PASSWORD, role="agent", now=NOW, locale="fi")
    settings = Settings(data_dir=tmp_path, live_seconds=1).model_copy(update=live_settings)
    app = create_app(settings, engine=engine)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", sessions)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fi-FI")
    page = context.new_page()
    yield page
    context.close()


LogIn = Callable[[str], None]


@pytest.fixture
def log_in(page: Page, live_server: LiveServer) -> LogIn:
    def run(username: str) -> None:
        page.goto(f"{live_server.url}/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return run


def second_person(browser: Browser, server: LiveServer, username: str, locale: str) -> Page:
    """A colleague logged in in a browser context of their own (a reviewer, say)."""
    other = browser.new_context(locale=locale).new_page()
    other.goto(f"{server.url}/login")
    other.fill("#username", username)
    other.fill("#password", PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url(f"{server.url}/")
    return other


def coach_and_hold(page: Page) -> str:
    """From the inbox, the first conversation: a reply with an order number is flagged by the
    coach, replaced by the suggestion and submitted; the public negative case holds it for a
    supervisor's review. Returns the conversation's address."""
    page.locator("table.inbox tbody tr.row td.preview a").first.click()
    page.wait_for_url("**/conversations/*")
    conversation_url = page.url
    page.fill("#reply-text", "Tilaus 12345678 korjataan heti, takaamme sen.")
    page.locator("#reply-text").press("End")
    expect(page.locator('#coach [data-code="personal_data"]')).to_be_visible()
    page.click("button.suggest")
    expect(page.locator("#reply-text")).to_have_value(re.compile(r"^Kiitos"))
    expect(page.locator("#coach .coach-ok")).to_be_visible()
    page.click("#reply button[type=submit]")
    page.wait_for_url("**/conversations/*")
    expect(page.locator("article.message.outbound .badge")).to_have_text("odottaa tarkistusta")
    return conversation_url
