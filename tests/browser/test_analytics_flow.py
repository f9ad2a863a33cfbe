"""The analytics dashboard in a real browser (R31): an agent opens it in Finnish, the vendored
Chart.js draws the four charts from the page's figures, and the language filter narrows them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.analytics.test_rollup import _load
from tests.browser.conftest import LiveServer, LogIn
from vastaa.accounts.models import User
from vastaa.analytics.rollup import refresh
from vastaa.db import transaction

pytestmark = pytest.mark.browser
CHARTS = ("chart-volume", "chart-sentiment", "chart-frt", "chart-incidents")


def test_an_agent_reads_the_dashboard_and_filters_it(
    page: Page, live_server: LiveServer, log_in: LogIn
) -> None:
    now = datetime.now(UTC)
    with transaction(live_server.sessions) as session:
        aino = session.scalar(select(User.id).where(User.username == "aino"))
    assert aino is not None
    _load(live_server.sessions, now, aino)
    refresh(live_server.sessions, now=now, timezone="Europe/Helsinki")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    log_in("aino")
    page.click("nav >> text=Analytiikka")
    expect(page.locator("h1")).to_have_text("Analytiikka")
    inbound = page.locator('[data-kpi="inbound"] .value')
    expect(inbound).to_have_text("3")
    for chart in CHARTS:  # each canvas holds a drawn chart
        drawn = f"() => !!window.Chart.getChart(document.getElementById('{chart}'))"
        page.wait_for_function(drawn)
    bars = page.evaluate(
        "() => window.Chart.getChart(document.getElementById('chart-volume'))"
        ".data.datasets.map(d => d.data.reduce((a, b) => a + b, 0))"
    )
    assert sum(bars) == 3

    page.select_option("select[name=lang]", "fi")
    page.click("form.analytics-filters button[type=submit]")
    page.wait_for_url("**lang=fi**")
    expect(inbound).to_have_text("2")
    expect(page.locator('a[href^="/analytics.csv"]')).to_have_count(0)  # supervisors export
    assert errors == []
