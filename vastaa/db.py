"""Declarative base, portable column types and the engine factory.

One schema serves SQLite (embedded default, WAL mode) and PostgreSQL; anything specific to one
database sits behind a function here with a path for the other.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from vastaa.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that always comes back in UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


PortableJSON = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_random = random.Random(random.SystemRandom().getrandbits(256))
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))


def new_id() -> uuid.UUID:
    """A random (version 4) UUID. Ids are identifiers, not secrets: a fast generator seeded
    from the OS is enough, and bulk ingestion makes tens of thousands a second. ``UUID(int=)``
    validates at length; the bits are set here exactly as it would set them."""
    value = object.__new__(uuid.UUID)
    object.__setattr__(value, "int", (_random.getrandbits(128) & _VERSION_MASK) | _VERSION_4)
    object.__setattr__(value, "is_safe", uuid.SafeUUID.unknown)
    return value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # 64 MiB of page cache (the default is 2 MiB): the indexes of a busy desk stay in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()
    # SQLite's own lower() knows only ASCII: "ÄIJÄ" and "äijä" would not match.
    dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)


def _casefold(value: str | None) -> str | None:
    return value.casefold() if isinstance(value, str) else value


def folded(session: Session, column: Any) -> Any:
    """``column`` case-folded in SQL, as Python's ``str.casefold`` does on SQLite."""
    return (
        func.casefold(column) if session.get_bind().dialect.name == "sqlite" else func.lower(column)
    )


def register_sqlite_adapters() -> None:
    """Teach the sqlite3 driver to store UUIDs, aware datetimes and JSON exactly as SQLAlchemy's
    SQLite dialect does, so that the bulk path (``vastaa.bulk``) can hand it Python values.
    SQLAlchemy converts its own parameters before the driver sees them: this changes nothing
    for it."""
    sqlite3.register_adapter(uuid.UUID, _sqlite_uuid)
    sqlite3.register_adapter(datetime, _sqlite_datetime)
    sqlite3.register_adapter(dict, _sqlite_json)
    sqlite3.register_adapter(list, _sqlite_json)


def _sqlite_uuid(value: uuid.UUID) -> str:
    return value.hex


@lru_cache(maxsize=65536)
def _sqlite_datetime(value: datetime) -> str:
    """Cached: a bulk insert stores the same few times (now, the event's time) many times."""
    return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_json(value: dict[str, Any] | list[Any]) -> str:
    return json.dumps(value)


def make_engine(url: str) -> Engine:
    """Build the engine for ``url``; SQLite gets WAL mode and enforced foreign keys."""
    if url.startswith("sqlite"):
        register_sqlite_adapters()
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The boundary (request, job, CLI command) owns the transaction."""
    with factory() as session, session.begin():
        yield session
