"""Saving listening queries and recording what they matched. The only code that writes the
listening tables."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vastaa.analytics import stale
from vastaa.channels.models import Brand
from vastaa.errors import NotFoundError, PermanentError
from vastaa.listening.models import ListeningMatch, ListeningQuery
from vastaa.listening.query import parse

LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def save_query(
    session: Session,
    *,
    name: str,
    expression: str,
    now: datetime,
    brand: str | None = None,
    languages: Iterable[str] = (),
    exclude_own: bool = True,
) -> ListeningQuery:
    """Add a query or change the one of that name; ``QueryError`` when the expression cannot
    be understood (nothing is saved)."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise PermanentError("a query's name has 1 to 120 characters")
    parse(expression)
    wanted = sorted({code.strip().lower() for code in languages if code.strip()})
    for code in wanted:
        if not LANGUAGE.match(code):
            raise PermanentError(f"{code!r} is not a language code (fi, tr, en, ...)")
    brand_id = _brand_id(session, brand) if brand else None
    found = session.scalar(select(ListeningQuery).where(ListeningQuery.name == name))
    if found is None:
        found = ListeningQuery(name=name, created_at=now, enabled=True)
        session.add(found)
    found.expression = expression.strip()
    found.languages = wanted
    found.exclude_own = exclude_own
    found.brand_id = brand_id
    found.updated_at = now
    session.flush()
    return found


def set_enabled(session: Session, *, name: str, enabled: bool, now: datetime) -> ListeningQuery:
    found = _named(session, name)
    found.enabled = enabled
    found.updated_at = now
    return found


def remove_query(session: Session, *, name: str) -> None:
    """Remove a query and its record of matches; the messages it let in stay."""
    found = _named(session, name)
    session.execute(delete(ListeningMatch).where(ListeningMatch.query_id == found.id))
    session.delete(found)
    session.flush()
    stale.everything(session)  # its mentions, on any day


def record_matches(
    session: Session, pairs: Iterable[tuple[uuid.UUID, uuid.UUID]], *, now: datetime
) -> int:
    """Which query let which message in (each pair once, however often it is read again)."""
    wanted = set(pairs)
    if not wanted:
        return 0
    message_ids = {message_id for message_id, _ in wanted}
    known = set(
        session.execute(
            select(ListeningMatch.message_id, ListeningMatch.query_id).where(
                ListeningMatch.message_id.in_(message_ids)
            )
        ).all()
    )
    new = [pair for pair in wanted if tuple(pair) not in known]
    session.add_all(
        ListeningMatch(message_id=message_id, query_id=query_id, matched_at=now)
        for message_id, query_id in new
    )
    session.flush()
    return len(new)


def _named(session: Session, name: str) -> ListeningQuery:
    found = session.scalar(select(ListeningQuery).where(ListeningQuery.name == name))
    if found is None:
        raise NotFoundError(f"no listening query named {name!r}")
    return found


def _brand_id(session: Session, name: str) -> uuid.UUID:
    found = session.scalar(select(Brand.id).where(Brand.name == name))
    if found is None:
        raise NotFoundError(f"no brand named {name!r}; add it with `vastaa brand add`")
    return found
