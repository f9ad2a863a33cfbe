"""Full-text search over message text: SQLite's FTS5 table or PostgreSQL's text search, both made
by migration 0004. Every word of the query must match, as a prefix ("tilau" finds "tilauksen"),
so inflected Finnish and Turkish forms are found from their stem. The newest matches count:
at most ``MAX_MATCHES`` messages, newest first."""

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
MAX_MATCHES = 500
# PostgreSQL first looks through this many of the newest messages (an index walk that stops
# early for common words), and only then, for what is still missing, asks the GIN index.
RECENT = 20_000


def words(query: str) -> list[str]:
    """The searchable words of a query: letters and digits only (no operators, no quotes)."""
    # "İ".lower() is "i" plus a combining dot in Python; the databases index a plain "i".
    return [word.replace("İ", "i").lower() for word in WORD.findall(query)][:MAX_WORDS]


def matching_conversations(session: Session, query: str) -> Select[uuid.UUID | None] | None:
    """Ids of conversations with a message matching every word, or None for an empty query."""
    found = words(query)
    if not found:
        return None
    if is_postgres(session):
        ids = _postgres_matches(session, query, found)
        return select(Message.conversation_id).where(Message.id.in_(ids or [uuid.UUID(int=0)]))
    rowids = text(
        "SELECT rowid FROM message_fts WHERE message_fts MATCH :match "
        "ORDER BY rowid DESC LIMIT :limit"
    ).bindparams(match=" ".join(f'"{w}"*' for w in found), limit=MAX_MATCHES)
    return select(Message.conversation_id).where(
        literal_column("message.rowid").in_(rowids.columns(literal_column("rowid")))
    )


def _postgres_matches(session: Session, query: str, found: list[str]) -> list[uuid.UUID]:
    """Message ids, newest first, in two bounded steps (PostgreSQL cannot estimate how common a
    prefix is, so the plan is chosen here): the newest ``RECENT`` messages by walking the arrival
    index, then older ones through the GIN index if fewer than ``MAX_MATCHES`` were found."""
    condition = _vector().op("@@")(_tsquery(query, found))
    boundary = session.scalar(
        select(Message.received_at).order_by(Message.received_at.desc()).offset(RECENT).limit(1)
    )
    recent = select(Message.id).where(condition).order_by(Message.received_at.desc())
    if boundary is not None:
        recent = recent.where(Message.received_at > boundary)
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    ids = list(session.scalars(recent.limit(MAX_MATCHES)))
    session.execute(text("SET LOCAL enable_bitmapscan = on"))
    if boundary is None or len(ids) >= MAX_MATCHES:
        return ids
    older = (
        select(Message.id, Message.received_at)
        .where(condition, Message.received_at <= boundary)
        .cte("older")
        .prefix_with("MATERIALIZED")
    )
    more = session.scalars(
        select(older.c.id).order_by(older.c.received_at.desc()).limit(MAX_MATCHES - len(ids))
    )
    return ids + list(more)


def _tsquery(query: str, found: list[str]) -> ColumnElement[object]:
    """Prefixes of every word; a query that looks like an e-mail address, host or link is also
    read as PostgreSQL's parser reads text (it keeps those whole)."""
    simple: ColumnElement[object] = literal_column("'simple'::regconfig")
    prefixes = func.to_tsquery(simple, " & ".join(f"{w}:*" for w in found))
    if not re.search(r"[@.:/]", query):
        return prefixes
    return prefixes.op("||")(func.websearch_to_tsquery(simple, query[:MAX_QUERY]))


def _vector() -> ColumnElement[object]:
    return literal_column("message.search_vector")
