"""Alembic environment: the connection is handed in by :mod:`vastaa.schema`."""

from __future__ import annotations

from alembic import context

from vastaa.models import Base
from vastaa.schema import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
