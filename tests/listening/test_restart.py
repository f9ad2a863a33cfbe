"""Kill the reading process in the middle of a backlog and start it again: nothing is lost and
nothing is stored twice (issue 7). The reader is the real `vastaa channel read --until-idle`
in its own process, reading the local X API page by page; it is killed with SIGKILL once part
of the backlog is stored, then run again to the end. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.x import fake_x
from vastaa.channels import service as channels
from vastaa.db import transaction
from vastaa.messages.models import Message

BACKLOG = 600
FIRST_ID = 1896900000000000000
OTHER = "1200000000000000009"


@pytest.fixture
def x() -> Iterator[fake_x.X]:
    with fake_x.running() as server:
        yield server


def _reader(database_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VASTAA_DATABASE_URL": database_url,
        "VASTAA_DATA_DIR": str(tmp_path / "data"),
    }
    with (tmp_path / "reader.log").open("ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vastaa.cli",
                "channel",
                "read",
                "x",
                fake_x.OUR_ID,
                "--until-idle",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def _finished(reader: subprocess.Popen[bytes], tmp_path: Path, timeout: float) -> None:
    assert reader.wait(timeout=timeout) == 0, (tmp_path / "reader.log").read_text()


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def test_a_reader_killed_mid_backlog_loses_nothing_and_duplicates_nothing(
    sessions: sessionmaker[Session], database_url: str, x: fake_x.X, now: datetime, tmp_path: Path
) -> None:
    with transaction(sessions) as session:
        channels.save_channel(
            session,
            platform="x",
            account=fake_x.OUR_ID,
            now=now,
            config={"base_url": x.base_url, "user_id": fake_x.OUR_ID},
            credentials={"bearer_token": fake_x.TOKEN},
        )
    x.add_tweet(str(FIRST_ID), "@kide first", author=OTHER)
    _finished(_reader(database_url, tmp_path), tmp_path, timeout=60)
    assert _count(sessions) == 1
    expected = {str(FIRST_ID)}
    for n in range(1, BACKLOG + 1):
        tweet_id = str(FIRST_ID + (n << 22))
        x.add_tweet(tweet_id, f"@kide backlog {n}", author=OTHER)
        expected.add(tweet_id)
    x.page_size = 5

    killed = _reader(database_url, tmp_path)
    deadline = time.monotonic() + 60
    while _count(sessions) < 1 + BACKLOG // 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=10)
    partial = _count(sessions)
    assert 1 < partial < 1 + BACKLOG, "the reader was to be killed in the middle"

    _finished(_reader(database_url, tmp_path), tmp_path, timeout=120)

    with sessions() as session:
        stored = list(session.scalars(select(Message.external_id)))
    assert len(stored) == len(set(stored)) == BACKLOG + 1
    assert set(stored) == expected
