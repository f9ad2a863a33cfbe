"""Creating and upgrading the database schema through the Alembic migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Made by hand in the migrations, not by the models: the full-text search index (vastaa.search).
HAND_MADE = ("message_fts", "ix_message_text_search", "ix_message_search_received", "search_vector")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: leave what the migrations make by hand out of model comparison."""
    return not (name or "").startswith(HAND_MADE)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction; safe to run on every start."""
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        if engine.dialect.name == "sqlite":
            _upgrade_sqlite(connection, config, revision)
        else:
            with connection.begin():
                command.upgrade(config, revision)


def _upgrade_sqlite(connection: Connection, config: Config, revision: str) -> None:
    """SQLite changes a table by copying it: dropping the old copy of a table others refer to
    fails while foreign keys are enforced, so they are checked once, at the end, instead. The
    driver would not open a transaction before DDL by itself (a failed migration would stay
    half done), so it is opened here."""
    raw: Any = connection.connection.driver_connection
    level = raw.isolation_level
    raw.isolation_level = None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        raw.execute("BEGIN")
        with connection.begin():
            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(config, revision)
            after = MigrationContext.configure(connection).get_current_revision()
            if before != after:  # checked once per migration, not on every start
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken references: {broken[:5]}")
    finally:
        if raw.in_transaction:
            raw.rollback()
        raw.execute("PRAGMA foreign_keys=ON")
        raw.isolation_level = level


def make_revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration against an up-to-date database (developers only)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
