"""The weekly report (R31) and `vastaa report --weekly` / `vastaa analytics` on both databases:
the week against the week before, as HTML (charts as SVG, people's text escaped) and PDF."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from tests.analytics.test_rollup import HELSINKI
from tests.analytics.test_views import HOSTILE, _ready
from vastaa.analytics import report
from vastaa.channels.registry import builtin
from vastaa.cli import main
from vastaa.db import transaction
from vastaa.web.templating import Templates


def test_a_week_is_an_iso_week_or_the_last_whole_one() -> None:
    monday = date(2026, 11, 23)
    assert report.week("", monday) == report.week("2026-W47", monday)
    assert report.week("2026-W47", monday).start == date(2026, 11, 16)
    assert report.week("2026-W47", monday).end == date(2026, 11, 22)
    assert report.week("", date(2026, 11, 29)).start == date(2026, 11, 16)  # a Sunday
    with pytest.raises(ValueError, match="2026-W47"):
        report.week("last week", monday)


def test_the_weekly_report_compares_the_week_with_the_one_before(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _ready(sessions, now, cast["aino"])
    with transaction(sessions) as session:
        made = report.weekly(
            session,
            report.week("2026-W47", now.date()),
            timezone=HELSINKI,
            registry=builtin(),
            now=now,
        )
    assert made.name == "2026-W47"
    assert (made.board.totals.inbound, made.before.inbound) == (3, 0)
    rows = {
        name: (this, before)
        for name, this, before in report.figures(made.board.totals, made.before)
    }
    assert rows["Messages in"] == ("3", "0")
    assert rows["Mean first response"] == ("30 min", "—")
    for locale, said in (("tr", "30 dk"), ("fi", "30 min")):
        written = report.figures(made.board.totals, made.before, locale)
        assert ("Mean first response", said, "—") in written
    page = report.html(made, Templates(timezone=HELSINKI), "fi")
    assert "2026-W47" in page and "<svg" in page
    assert "<script" not in page  # a standalone file that runs nothing
    assert "&lt;script&gt;" in page  # the channel named with markup is shown as text
    text = report.markdown(made, "tr")
    assert "| 2026-11-20 | 3 |" in text
    assert HOSTILE not in text and "\\<script\\>" in text
    assert report.as_pdf(made, "fi").startswith(b"%PDF")


def test_the_report_and_the_figures_from_the_command_line(
    sessions: sessionmaker[Session],
    database_url: str,
    now: datetime,
    tmp_path: Path,
    cast: dict[str, uuid.UUID],
) -> None:
    _ready(sessions, now, cast["aino"])
    env = {"VASTAA_DATABASE_URL": database_url, "VASTAA_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    out = tmp_path / "reports"
    written = runner.invoke(
        main,
        ["report", "--weekly", "--week", "2026-W47", "--out", str(out), "--locale", "fi"],
        env=env,
    )
    assert written.exit_code == 0, written.output
    html, pdf = out / "vastaa-weekly-2026-W47.html", out / "vastaa-weekly-2026-W47.pdf"
    assert written.output.split() == [str(html), str(pdf)]
    assert "Viikkoraportti" in html.read_text() and pdf.read_bytes().startswith(b"%PDF")

    shown = runner.invoke(
        main, ["analytics", "show", "--from", "2026-11-14", "--to", "2026-11-20"], env=env
    )
    figures = json.loads(shown.output)
    assert figures["totals"]["inbound"] == 3 and figures["totals"]["answered_share"] == 0.5
    assert figures["first_response_buckets"] == {"15": 0, "60": 1, "240": 0, "1440": 0, "more": 0}
    assert figures["agents"][0]["replies"] == 1

    assert runner.invoke(main, ["report"], env=env).exit_code == 2
    bad = runner.invoke(main, ["report", "--weekly", "--week", "47"], env=env)
    assert bad.exit_code == 2 and "2026-W47" in bad.output
    again = runner.invoke(main, ["analytics", "refresh", "--all"], env=env)
    assert again.exit_code == 0 and again.output.startswith("Recomputed")
