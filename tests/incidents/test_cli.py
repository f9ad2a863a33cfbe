"""`vastaa incidents` on both databases: the list as JSON lines, one incident, the after-care
report as Markdown and PDF (each export audited), and a clear error for a bad date or an
unknown incident."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.incidents.test_views import _wave
from vastaa.audit.models import AuditEntry
from vastaa.cli import main


def test_incidents_from_the_command_line(
    sessions: sessionmaker[Session], database_url: str, now: datetime, tmp_path: Path
) -> None:
    incident = _wave(sessions, now)
    env = {"VASTAA_DATABASE_URL": database_url, "VASTAA_DATA_DIR": str(tmp_path)}
    runner = CliRunner()

    listed = runner.invoke(main, ["incidents", "list", "--json"], env=env)
    shown = runner.invoke(main, ["incidents", "show", str(incident.number)], env=env)
    markdown = runner.invoke(main, ["incidents", "aftercare", str(incident.number)], env=env)
    pdf_path = tmp_path / "incident.pdf"
    pdf = runner.invoke(
        main,
        ["incidents", "aftercare", str(incident.number), "--format", "pdf", "-o", str(pdf_path)],
        env=env,
    )
    bad_date = runner.invoke(main, ["incidents", "aftercare", "--from", "2026-13-01"], env=env)
    too_early = runner.invoke(main, ["incidents", "aftercare", "--from", "0001-01-01"], env=env)
    unknown = runner.invoke(main, ["incidents", "show", "999"], env=env)

    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["number"] for r in rows] == [incident.number]
    assert rows[0]["level"] == "problem" and rows[0]["people"] == 3
    assert set(rows[0]["languages"]) == {"fi", "en", "tr"}
    assert json.loads(shown.output)["product"] == "Aamu A2"
    assert f"# Incident #{incident.number}" in markdown.output
    assert pdf.exit_code == 0 and pdf_path.read_bytes().startswith(b"%PDF")
    assert bad_date.exit_code == 1 and "YYYY-MM-DD" in bad_date.output
    assert too_early.exit_code == 1 and "YYYY-MM-DD" in too_early.output
    assert unknown.exit_code == 1 and "#999" in unknown.output
    with sessions() as session:
        exports = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert [(e.actor_name, e.summary) for e in exports] == [
        ("vastaa incidents aftercare", f"after-care #{incident.number}")
    ] * 2


def test_the_days_of_the_report_are_the_configured_time_zones(
    sessions: sessionmaker[Session], database_url: str, now: datetime, tmp_path: Path
) -> None:
    """The wave came at about 11:00 UTC on 20 November: already the 21st on Kiritimati (UTC+14),
    as the web page says it."""
    incident = _wave(sessions, now)
    env = {
        "VASTAA_DATABASE_URL": database_url,
        "VASTAA_DATA_DIR": str(tmp_path),
        "VASTAA_TIMEZONE": "Pacific/Kiritimati",
    }

    markdown = CliRunner().invoke(main, ["incidents", "aftercare", str(incident.number)], env=env)

    by_day = markdown.output.split("## By day", 1)[1]
    assert "| 2026-11-21 | 3 |" in by_day and "2026-11-20" not in by_day
