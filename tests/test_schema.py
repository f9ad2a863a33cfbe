"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from vastaa.db import make_engine
from vastaa.models import Base
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
