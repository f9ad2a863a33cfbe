"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
keep (or mend) the data on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from tests.conftest import NOW
from tests.factories import events, message
from vastaa.db import make_engine, transaction
from vastaa.incidents.models import Incident, IncidentMember
from vastaa.messages.models import Message
from vastaa.models import Base
from vastaa.pipeline.ingest import ingest
from vastaa.schema import include_object, upgrade


def test_the_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_an_upgrade_keeps_the_data_and_a_failed_one_leaves_nothing_half_done(
    tmp_path: Path,
) -> None:
    """SQLite rebuilds a table to change it: with rows referring to it, the upgrade must still
    succeed, and an upgrade that fails must roll back completely."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0005")
    with engine.begin() as connection:
        for statement in OLD_ROWS:
            connection.exec_driver_sql(statement)
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM conversation").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

    broken = make_engine(f"sqlite:///{tmp_path / 'broken.db'}")
    upgrade(broken, "0005")
    with broken.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE outbox (id INTEGER)")  # 0006 will fail on it
    with pytest.raises(OperationalError):
        upgrade(broken)
    with broken.connect() as connection:
        tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert "brand" not in tables and version == "0005"
    engine.dispose()
    broken.dispose()


OLD_ROWS = (
    "INSERT INTO channel (id, platform, account, name, staffed, created_at) "
    "VALUES ('c1', 'facebook', 'kide', 'Kide', 1, '2026-11-20 12:00:00')",
    "INSERT INTO author (id, channel_id, external_id, handle, display_name, followers, verified,"
    " created_at, updated_at) VALUES ('a1', 'c1', 'u1', 'matti', 'Matti', 0, 0,"
    " '2026-11-20 12:00:00', '2026-11-20 12:00:00')",
    "INSERT INTO conversation (id, channel_id, author_id, thread_key, public, status, preview,"
    " message_count, first_message_at, last_message_at, created_at, updated_at, queue, priority,"
    " priority_reason, toxic, escalated) VALUES ('k1', 'c1', 'a1', 't1', 1, 'new', '', 0,"
    " '2026-11-20 12:00:00', '2026-11-20 12:00:00', '2026-11-20 12:00:00',"
    " '2026-11-20 12:00:00', 'needs_reply', 0, '', 0, 0)",
)


def test_0015_recomputes_each_members_sentiment_from_its_analysis(tmp_path: Path) -> None:
    """Before 0015 a negative message's sentiment was stored flipped (a complaint read as
    positive); the upgrade takes the analysis score as it is and leaves an erased one empty."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0014")
    sessions = sessionmaker(engine)
    scores = {"m-angry": -0.8, "m-glad": 0.6, "m-erased": -0.4}
    with transaction(sessions) as session:
        ingest(session, events(*(message(key) for key in scores)), now=NOW)
        found = {m.external_id: m for m in session.scalars(select(Message))}
        incident = Incident(number=1, first_at=NOW, last_at=NOW, created_at=NOW, updated_at=NOW)
        session.add(incident)
        session.flush()
        for key, score in scores.items():
            label = "negative" if score < 0 else "positive"
            found[key].analysis = {"sentiment": {"label": label, "score": score}}
            stored = None if key == "m-erased" else abs(score)  # the old, flipped number
            session.add(_member(found[key], incident, stored))
    upgrade(engine)
    with transaction(sessions) as session:
        after = {
            key: sentiment
            for key, sentiment in session.execute(
                select(Message.external_id, IncidentMember.sentiment).join(
                    IncidentMember, IncidentMember.message_id == Message.id
                )
            )
        }
    assert after == {"m-angry": -0.8, "m-glad": 0.6, "m-erased": None}
    engine.dispose()


def _member(found: Message, incident: Incident, sentiment: float | None) -> IncidentMember:
    return IncidentMember(
        message_id=found.id,
        incident_id=incident.id,
        channel_id=found.channel_id,
        sentiment=sentiment,
        at=NOW,
        joined_at=NOW,
        vector=b"",
    )
