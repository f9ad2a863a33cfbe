"""`vastaa ingest`'s reader: line numbers, bad lines kept apart, database refusals reported."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import message
from vastaa.db import make_sessionmaker
from vastaa.pipeline.files import ingest_stream


def jsonl(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode() + b"\n")


def test_line_numbers_count_blank_lines_and_bad_lines_do_not_stop_the_file(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    errors: list[tuple[int, str]] = []
    source = jsonl(
        json.dumps(message("c1")), "", "[1, 2]", "\xff garbage", json.dumps(message("c2"))
    )

    report = ingest_stream(
        source, sessions, clock=lambda: now, batch_size=1, on_error=lambda *e: errors.append(e)
    )

    assert report.counts == {"created": 2}
    assert [line for line, _ in errors] == [3, 4]
    assert "object" in errors[0][1]
    assert "JSON" in errors[1][1] or "UTF-8" in errors[1][1]


def test_a_batch_the_database_refuses_is_reported_line_by_line(
    engine: Engine, now: datetime
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PRAGMA query_only is SQLite's way to make the database refuse writes")

    def read_only(connection: Any, _: Any) -> None:
        connection.execute("PRAGMA query_only = ON")

    event.listen(engine, "connect", read_only)
    engine.dispose()
    source = jsonl(json.dumps(message("c1")), json.dumps(message("c2")))

    report = ingest_stream(source, make_sessionmaker(engine), clock=lambda: now, batch_size=10)

    assert report.accepted == 0
    assert [line for line, _ in report.rejected] == [1, 2]
    assert "database refused" in report.rejected[0][1]
