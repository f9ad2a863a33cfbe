"""``vastaa brand`` and ``vastaa channel`` through click's runner; a brand's signature then
signs its agents' replies (R13)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from tests.factories import message
from vastaa.cli import main
from vastaa.conversations.models import Conversation
from vastaa.db import make_engine, make_sessionmaker, transaction
from vastaa.pipeline.events import parse_event
from vastaa.pipeline.ingest import ingest
from vastaa.replies.service import agent_signature


def test_channels_are_set_up_from_the_command_line_and_never_show_secrets(
    tmp_path: Path, now: datetime
) -> None:
    env = {"VASTAA_DATA_DIR": str(tmp_path / "data"), "VASTAA_DATABASE_URL": ""}
    runner = CliRunner()
    steps = [
        ["brand", "add", "Kide", "--signature", "{first_name} / Kide"],
        ["channel", "add", "facebook", "kidesuomi", "--brand", "Kide", "--staffed"],
        ["channel", "add", "mastodon", "kide@mastodon.example", "--brand", "Kide",
         "--config", "base_url=https://mastodon.example", "--credential", "token=s3cret-value"],
    ]  # fmt: skip
    for step in steps:
        result = runner.invoke(main, step, env=env)
        assert result.exit_code == 0, result.output

    listed = runner.invoke(main, ["channel", "list", "--json"], env=env)
    rows = {row["platform"]: row for row in map(json.loads, listed.output.splitlines())}
    assert rows["mastodon"]["capabilities"] == [
        "block",
        "direct_message",
        "read_direct_messages",
        "read_mentions",
        "reply",
        "report",
    ]
    assert rows["facebook"]["capabilities"] == [] and rows["facebook"]["staffed"] is True
    assert rows["mastodon"]["credentials"] == ["token"] and "s3cret" not in listed.output

    unknown = runner.invoke(main, ["channel", "add", "myspace", "x"], env=env)
    no_brand = runner.invoke(main, ["channel", "add", "x", "kide", "--brand", "Nope"], env=env)
    assert unknown.exit_code == 1 and "unknown platform 'myspace'" in unknown.output
    assert no_brand.exit_code == 1 and "no brand 'Nope'" in no_brand.output

    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'vastaa.db'}")
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        ingest(session, [parse_event(message("c1"), 0)], now=now)  # the facebook channel
        case = session.scalars(select(Conversation.id)).one()
        assert agent_signature(session, case, "default {name}", "Aino Laine") == "Aino / Kide"
    engine.dispose()
