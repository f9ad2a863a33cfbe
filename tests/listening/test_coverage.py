"""The coverage gap (R2): messages per channel in the period, who can answer there (the channel's
own staffed account, or a staffed account on the same platform), why nobody can, and the share
nobody can answer; through the query, the CLI and the page. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import events, message
from vastaa.channels import service as channels
from vastaa.channels.registry import builtin
from vastaa.cli import main
from vastaa.db import make_engine, make_sessionmaker, transaction
from vastaa.listening import queries
from vastaa.pipeline.ingest import ingest

SETUPS = [
    # platform, account, staffed, credentials
    ("mastodon", "kide@m.example", True, {"token": "t"}),
    ("mastodon", "someone-else@m.example", False, None),
    ("forum", "kide-forum", False, None),
    ("facebook", "kidesuomi", True, None),
    ("x", "kide", False, {"bearer_token": "t"}),
]
MESSAGES = {
    ("mastodon", "kide@m.example"): 3,
    ("mastodon", "someone-else@m.example"): 2,
    ("forum", "kide-forum"): 4,
    ("facebook", "kidesuomi"): 1,
    ("x", "kide"): 2,
}


def _scene(sessions: sessionmaker[Session], now: datetime) -> None:
    with transaction(sessions) as session:
        for platform, account, staffed, credentials in SETUPS:
            channels.save_channel(
                session,
                platform=platform,
                account=account,
                now=now,
                staffed=staffed,
                config={"base_url": "https://m.example"} if platform == "mastodon" else None,
                credentials=credentials,
            )
        items = []
        for (platform, account), count in MESSAGES.items():
            for n in range(count):
                items.append(
                    message(
                        f"{platform}-{account}-{n}",
                        channel={"platform": platform, "account": account},
                        kind="mention" if n == 0 else "comment",
                    )
                )
        items.append(
            message(
                "old",
                channel={"platform": "forum", "account": "kide-forum"},
                created_at=(now - timedelta(days=90)).isoformat(),
            )
        )
        ingest(session, events(*items), now=now)


def test_who_can_answer_each_channel_and_why_nobody_can(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    _scene(sessions, now)

    with sessions() as session:
        report = queries.coverage(
            session, builtin(), since=now - timedelta(days=30), until=now + timedelta(seconds=1)
        )

    rows = {
        (r.platform, r.account): (r.messages, r.mentions, r.answered_by, r.reason)
        for r in report.channels
    }
    assert rows == {
        ("mastodon", "kide@m.example"): (3, 1, "mastodon:kide@m.example", ""),
        ("mastodon", "someone-else@m.example"): (2, 1, "mastodon:kide@m.example", ""),
        ("forum", "kide-forum"): (4, 1, None, "no_connector"),
        ("facebook", "kidesuomi"): (1, 1, None, "no_account"),
        ("x", "kide"): (2, 1, None, "not_staffed"),
    }
    assert (report.messages, report.unanswerable) == (12, 7)
    assert report.platforms()[0] == ("mastodon", 5, 0)
    assert ("forum", 4, 4) in report.platforms()
    assert [row.answerable for row in report.channels] == [False, False, False, True, True]


def test_messages_outside_the_period_are_left_out(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    _scene(sessions, now)

    with sessions() as session:
        report = queries.coverage(
            session, builtin(), since=now + timedelta(days=1), until=now + timedelta(days=2)
        )

    assert report.channels == [] and report.share_unanswerable == 0.0


def test_the_cli_reports_the_gap_as_json(tmp_path: Path, now: datetime) -> None:
    env = {"VASTAA_DATA_DIR": str(tmp_path / "data"), "VASTAA_DATABASE_URL": ""}
    runner = CliRunner()
    assert runner.invoke(main, ["channel", "list"], env=env).exit_code == 0  # creates the db
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'vastaa.db'}")
    from vastaa.clock import utcnow

    _scene(make_sessionmaker(engine), utcnow())
    engine.dispose()

    result = runner.invoke(main, ["coverage", "--days", "7", "--json"], env=env)
    text = runner.invoke(main, ["coverage"], env=env)

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["messages"], report["unanswerable"]) == (12, 7)
    assert {"platform": "forum", "messages": 4, "unanswerable": 4} in report["platforms"]
    assert "Vastaa cannot reply on this platform" in text.output


def test_the_page_shows_the_gap_to_supervisors_only(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, object]
) -> None:
    _scene(sessions, now)
    login(client, "aino")
    assert client.get("/coverage").status_code == 403
    client.post("/logout", data={})

    login(client, "mert")
    page = client.get("/coverage?days=30")

    assert page.status_code == 200
    assert "kide-forum" in page.text and 'class="gap"' in page.text


def test_an_account_that_could_answer_but_is_not_staffed_is_named_as_the_reason(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        channels.save_channel(
            session, platform="x", account="kide", now=now, credentials={"bearer_token": "t"}
        )
        ingest(
            session,
            events(message("s1", channel={"platform": "x", "account": "search:kide"})),
            now=now,
        )

    with sessions() as session:
        report = queries.coverage(session, builtin(), since=now, until=now)

    (row,) = report.channels
    assert (row.account, row.answered_by, row.reason) == ("search:kide", None, "not_staffed")
