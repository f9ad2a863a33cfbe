"""Declarative base, portable column types and the engine factory.

One schema serves SQLite (embedded default, WAL mode) and PostgreSQL; anything specific to one
database sits behind a function here with a path for the other.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

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


_ids = random.SystemRandom(), random.Random()
_ids[1].seed(_ids[0].getrandbits(128))


def new_id() -> uuid.UUID:
    """A random (version 4) UUID. Ids are identifiers, not secrets: a fast generator seeded
    from the OS is enough, and bulk ingestion makes tens of thousands a second."""
    return uuid.UUID(int=_ids[1].getrandbits(128), version=4)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Build the engine for ``url``; SQLite gets WAL mode and enforced foreign keys."""
    if url.startswith("sqlite"):
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


def refresh_statistics(session: Session) -> None:
    """After a bulk load, let the query planner see the new row counts (PostgreSQL's ANALYZE;
    autovacuum does it too, but only a minute or more later). SQLite plans well without it."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("ANALYZE message, author, customer, conversation")


# Bulk paths for ingestion: the portable ORM path costs more per row than the database does.


def one_of(
    session: Session, column: InstrumentedAttribute[Any], values: list[Any]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter instead of one per value."""
    if session.get_bind().dialect.name == "postgresql":
        item_type: TypeEngine[Any] = column.type
        return column == any_(bindparam(None, values, type_=ARRAY(item_type)))
    return column.in_(values)


def bulk_insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows with the same keys: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    columns = list(rows[0])
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_rows(connection.connection.dbapi_connection, table, columns, rows)
        return
    convert = [_sqlite_converter(table.c[name].type) for name in columns]
    values = [tuple(f(row[c]) for f, c in zip(convert, columns, strict=True)) for row in rows]
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    connection.exec_driver_sql(sql, values)


def _copy_rows(dbapi: Any, table: Table, columns: list[str], rows: list[dict[str, Any]]) -> None:
    from psycopg.types.json import Jsonb

    is_json = [isinstance(table.c[name].type, JSON) for name in columns]
    with (
        dbapi.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [
                    Jsonb(row[c]) if j and row[c] is not None else row[c]
                    for c, j in zip(columns, is_json, strict=True)
                ]
            )


def _sqlite_converter(type_: Any) -> Any:
    """Store values exactly as SQLAlchemy's SQLite dialect would, so the ORM reads them back."""
    if isinstance(type_, UTCDateTime):
        return _sqlite_datetime
    if isinstance(type_, JSON):
        return _sqlite_json
    if type_.python_type is uuid.UUID:
        return _sqlite_uuid
    return _same


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _sqlite_uuid(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _same(value: Any) -> Any:
    return value
