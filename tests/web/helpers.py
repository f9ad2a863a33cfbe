"""Test helpers for the web layer: ingest through the real path, count SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import events
from vastaa.db import transaction
from vastaa.pipeline.ingest import ingest


def ingest_items(sessions: sessionmaker[Session], now: datetime, *items: dict[str, Any]) -> None:
    with transaction(sessions) as session:
        ingest(session, events(*items), now=now)


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
