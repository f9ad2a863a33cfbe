"""The bulk paths of ingestion. The portable ORM path costs more per row than the database
does; these few functions do the same work set-wise, with a path for each database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import JSON, Boolean, ColumnElement, Table, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeEngine

from vastaa.db import Base, UTCDateTime


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def one_of(
    session: Session, column: InstrumentedAttribute[Any], values: list[Any]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter instead of one per value."""
    if is_postgres(session):
        item_type: TypeEngine[Any] = column.type
        return column == any_(bindparam(None, values, type_=ARRAY(item_type)))
    return column.in_(values)


def refresh_statistics(session: Session) -> None:
    """After a bulk load, let the query planner see the new row counts (PostgreSQL's ANALYZE;
    autovacuum does it too, but only a minute or more later). SQLite plans well without it."""
    if is_postgres(session):
        session.connection().exec_driver_sql("ANALYZE message, author, customer, conversation")


def bulk_insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows with the same keys: COPY on PostgreSQL, executemany on SQLite (whose
    driver stores UUIDs, datetimes and JSON as SQLAlchemy does: ``register_sqlite_adapters``)."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    columns = list(rows[0])
    connection = session.connection()
    if is_postgres(session):
        _copy(connection.connection.dbapi_connection, table, columns, rows)
        return
    values = list(map(itemgetter(*columns), rows))
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    connection.exec_driver_sql(sql, values)


# PostgreSQL: COPY in text format ---------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
Format = Callable[[Any], str]


def _copy(dbapi: Any, table: Table, columns: list[str], rows: list[dict[str, Any]]) -> None:
    formats = [_copy_format(table.c[name].type) for name in columns]
    pick = itemgetter(*columns)
    lines = []
    for row in rows:
        fields = [
            "\\N" if value is None else fmt(value)
            for fmt, value in zip(formats, pick(row), strict=True)
        ]
        lines.append("\t".join(fields))
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write("\n".join(lines) + "\n")


def _copy_format(type_: Any) -> Format:
    if isinstance(type_, UTCDateTime):
        return _copy_datetime
    if isinstance(type_, JSON):
        return _copy_json
    if isinstance(type_, Boolean):
        return _copy_bool
    if type_.python_type is uuid.UUID:
        return str
    return _copy_text


def _copy_datetime(value: datetime) -> str:
    return value.isoformat()


def _copy_json(value: Any) -> str:
    return json.dumps(value).translate(_ESCAPES)


def _copy_bool(value: bool) -> str:
    return "t" if value else "f"


def _copy_text(value: Any) -> str:
    return str(value).translate(_ESCAPES)
