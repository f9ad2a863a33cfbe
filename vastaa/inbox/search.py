"""Full-text search over message text: SQLite's FTS5 table or PostgreSQL's text search, both made
by migration 0004. Every word of the query must match, as a prefix ("tilau" finds "tilauksen"),
so inflected Finnish and Turkish forms are found from their stem."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from vastaa.bulk import is_postgres
from vastaa.messages.models import Message

WORD = re.compile(r"\w+")
MAX_WORDS = 8
MAX_QUERY = 200
# The newest matching messages considered; older ones are reached by narrowing the query.
MAX_MATCHES = 2000


def words(query: str) -> list[str]:
    """The searchable words of a query: letters and digits only (no operators, no quotes)."""
    return [word.lower() for word in WORD.findall(query)][:MAX_WORDS]


def matching_conversations(session: Session, query: str) -> Select[uuid.UUID | None] | None:
    """Ids of conversations with a message matching every word, or None for an empty query."""
    found = words(query)
    if not found:
        return None
    if is_postgres(session):
        # Prefixes of every word, or the query as PostgreSQL's parser reads it (which keeps
        # e-mail addresses, host names and URLs whole, as it does in the indexed text).
        prefixes = func.to_tsquery(_simple(), " & ".join(f"{w}:*" for w in found))
        phrase = func.websearch_to_tsquery(_simple(), query[:MAX_QUERY])
        return (
            select(Message.conversation_id)
            .where(_tsvector().op("@@")(prefixes.op("||")(phrase)))
            .order_by(Message.received_at.desc())
            .limit(MAX_MATCHES)
        )
    rowids = text(
        "SELECT rowid FROM message_fts WHERE message_fts MATCH :match "
        "ORDER BY rowid DESC LIMIT :limit"
    ).bindparams(match=" ".join(f'"{w}"*' for w in found), limit=MAX_MATCHES)
    return select(Message.conversation_id).where(
        literal_column("message.rowid").in_(rowids.columns(literal_column("rowid")))
    )


def _simple() -> ColumnElement[object]:
    # A constant, not a parameter: PostgreSQL matches the query to the index expression.
    return literal_column("'simple'::regconfig")


def _tsvector() -> ColumnElement[object]:
    return func.to_tsvector(_simple(), Message.text)
