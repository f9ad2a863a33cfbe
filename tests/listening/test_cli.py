"""``vastaa listen`` and ``vastaa channel test|read|remove`` through click's runner, against a
real RSS feed served locally."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.channels.rss.feed_server import RSS, FeedHost, fixture, running
from vastaa.cli import main
from vastaa.db import make_engine, make_sessionmaker
from vastaa.listening.models import ListeningMatch
from vastaa.messages.models import Message


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"VASTAA_DATA_DIR": str(tmp_path / "data"), "VASTAA_DATABASE_URL": ""}


@pytest.fixture
def feeds() -> Iterator[FeedHost]:
    with running() as host:
        yield host


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_queries_are_added_listed_switched_and_removed(env: dict[str, str]) -> None:
    assert _run(env, "brand", "add", "Kide")[0] == 0
    code, said = _run(
        env, "listen", "add", "akut", 'kide AND (akku OR pil) NOT "kide cafe"',
        "--brand", "Kide", "--lang", "fi,tr",
    )  # fmt: skip
    assert code == 0, said
    assert _run(env, "listen", "disable", "akut")[0] == 0

    code, listed = _run(env, "listen", "list", "--json")
    row = json.loads(listed)
    assert row == {
        "name": "akut",
        "brand": "Kide",
        "expression": 'kide AND (akku OR pil) NOT "kide cafe"',
        "languages": ["fi", "tr"],
        "exclude_own": True,
        "enabled": False,
    }
    assert _run(env, "listen", "remove", "akut")[0] == 0
    assert _run(env, "listen", "list")[1] == ""


def test_a_query_that_cannot_be_understood_is_refused_with_the_reason(
    env: dict[str, str],
) -> None:
    code, said = _run(env, "listen", "add", "broken", "kide AND (akku")

    assert code == 1 and "parenthesis" in said
    assert _run(env, "listen", "list")[1] == ""


def test_listen_test_says_whether_a_text_matches(env: dict[str, str]) -> None:
    assert _run(env, "listen", "test", "kide", "Kidellä on ongelma") == (0, "matches\n")
    assert _run(env, "listen", "test", "kide", "kidemaailma") == (1, "does not match\n")
    assert _run(env, "listen", "test", "NOT kide", "x")[0] == 1


def test_a_feed_channel_is_tested_read_and_removed(
    env: dict[str, str], feeds: FeedHost, tmp_path: Path
) -> None:
    feeds.publish("/forum.xml", fixture("forum__atom.xml"), RSS)
    url = feeds.url("/forum.xml")
    assert _run(env, "listen", "add", "everything", "kide OR teslimat OR sipariş")[0] == 0
    assert _run(env, "channel", "add", "rss", "kide-forum", "--config", f"url={url}")[0] == 0

    code, tested = _run(env, "channel", "test", "rss", "kide-forum")
    assert code == 0 and "works" in tested and "read_mentions" in tested
    code, read = _run(env, "channel", "read", "rss", "kide-forum", "--json")
    assert code == 0, read
    outcome = json.loads(read)
    assert outcome["found"] >= outcome["matched"] >= 1 and outcome["error"] == ""
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'vastaa.db'}")
    with make_sessionmaker(engine)() as session:
        kinds = set(session.scalars(select(Message.kind)))
        matched = len(list(session.scalars(select(ListeningMatch.message_id))))
    engine.dispose()
    assert kinds == {"mention"} and matched == outcome["matched"]

    code, removed = _run(env, "channel", "remove", "rss", "kide-forum")
    assert code == 0 and "Disconnected" in removed
    code, listed = _run(env, "channel", "list", "--json")
    assert json.loads(listed)["capabilities"] == []


def test_testing_a_channel_that_does_not_work_says_why(
    env: dict[str, str], feeds: FeedHost
) -> None:
    feeds.fail_next(404)
    url = feeds.url("/missing.xml")
    assert _run(env, "channel", "add", "rss", "gone", "--config", f"url={url}")[0] == 0

    code, said = _run(env, "channel", "test", "rss", "gone")
    feeds.fail_next(404)
    read_code, read = _run(env, "channel", "read", "rss", "gone", "--json")

    assert code == 1 and "does not work" in said
    assert read_code == 1 and json.loads(read)["failed"] is True
    assert _run(env, "channel", "read", "rss")[0] == 2  # the account is needed too


def test_removing_an_empty_channel_deletes_it(env: dict[str, str]) -> None:
    assert _run(env, "channel", "add", "x", "kide", "--credential", "bearer_token=t")[0] == 0

    assert _run(env, "channel", "remove", "x", "kide") == (0, "Removed channel x:kide.\n")
    assert _run(env, "channel", "remove", "x", "kide")[0] == 1
