"""The ``vastaa`` command, through click's runner, against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.factories import message
from vastaa.cli import main
from vastaa.db import make_engine, make_sessionmaker
from vastaa.messages.models import Message
from vastaa.pipeline.events import json_schema

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"VASTAA_DATA_DIR": str(tmp_path / "data"), "VASTAA_DATABASE_URL": ""}


def stored(env: dict[str, str]) -> int:
    engine = make_engine(f"sqlite:///{env['VASTAA_DATA_DIR']}/vastaa.db")
    with make_sessionmaker(engine)() as session:
        count = session.scalar(select(func.count()).select_from(Message)) or 0
    engine.dispose()
    return count


def test_ingest_keeps_good_lines_and_reports_bad_ones(tmp_path: Path, env: dict[str, str]) -> None:
    source = tmp_path / "events.jsonl"
    lines = [
        json.dumps(message("c1")),
        "{not json",
        "",
        json.dumps(message("c2", kind="tweet")),
        json.dumps(message("c3", text="Hyvää päivää 👋")),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["ingest", str(source)], env=env)

    assert result.exit_code == 1
    assert "line 2:" in result.stderr and "line 4: kind" in result.stderr
    assert "2 events stored (2 created); 2 lines rejected" in result.stdout
    assert stored(env) == 2


def test_ingest_reports_json_and_exits_zero_when_all_is_well(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text(json.dumps(message("c1")) + "\n")
    runner = CliRunner()

    runner.invoke(main, ["ingest", str(source)], env=env)
    result = runner.invoke(main, ["ingest", "--json", str(source)], env=env)

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"accepted": 1, "counts": {"duplicate": 1}, "rejected": []}


def test_ingest_reads_standard_input(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ingest", "-"], input=json.dumps(message("c1")), env=env)

    assert result.exit_code == 0, result.output
    assert stored(env) == 1


def test_user_add_and_token_create(env: dict[str, str]) -> None:
    runner = CliRunner()

    added = runner.invoke(
        main, ["user", "add", "aino", "--role", "agent", "--password", "long enough pw"], env=env
    )
    again = runner.invoke(main, ["user", "add", "aino", "--password", "long enough pw"], env=env)
    weak = runner.invoke(main, ["user", "add", "mert", "--password", "short"], env=env)
    token = runner.invoke(main, ["token", "create", "aino"], env=env)

    assert added.exit_code == 0, added.output
    assert again.exit_code == 1 and "already exists" in again.output
    assert weak.exit_code == 1 and "at least" in weak.output
    assert token.exit_code == 0 and token.stdout.startswith("vst_")


def test_team_add_names_unknown_members(env: dict[str, str]) -> None:
    runner = CliRunner()
    runner.invoke(main, ["user", "add", "mert", "--password", "long enough pw"], env=env)

    added = runner.invoke(
        main, ["team", "add", "Laskutus", "--escalation", "--member", "mert"], env=env
    )
    unknown = runner.invoke(main, ["team", "add", "Kargo", "--member", "nobody"], env=env)
    twice = runner.invoke(main, ["team", "add", "Laskutus"], env=env)

    assert added.exit_code == 0 and "1 member" in added.output, added.output
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    assert twice.exit_code == 1 and "already exists" in twice.output


def test_sla_and_route_add_check_their_input(env: dict[str, str]) -> None:
    runner = CliRunner()
    runner.invoke(main, ["user", "add", "aino", "--password", "long enough pw"], env=env)

    office = runner.invoke(
        main,
        ["sla", "add", "office", "--first", "30", "--hours", '{"0": [["08:00", "16:00"]]}'],
        env=env,
    )
    bad_hours = runner.invoke(main, ["sla", "add", "x", "--hours", '{"0": "8-16"}'], env=env)
    not_json = runner.invoke(main, ["sla", "add", "x", "--hours", "mon 8-16"], env=env)
    route = runner.invoke(main, ["route", "add", "fi", "--lang", "fi", "--user", "aino"], env=env)
    nowhere = runner.invoke(main, ["route", "add", "x", "--lang", "fi"], env=env)

    assert office.exit_code == 0, office.output
    assert bad_hours.exit_code == 1 and "opening hours" in bad_hours.output
    assert not_json.exit_code == 1 and "not JSON" in not_json.output
    assert route.exit_code == 0, route.output
    assert nowhere.exit_code == 1 and "team or to a user" in nowhere.output


def test_the_documented_event_schema_is_the_one_we_validate_with() -> None:
    documented = json.loads((ROOT / "docs" / "event.schema.json").read_text())

    assert documented == json_schema()
