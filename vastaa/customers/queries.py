"""Read-only queries behind the customer page (R9): every identity, every conversation,
sentiment over time, notes and tags, and suggested identities that may be the same person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author, Customer, CustomerNote, CustomerTag
from vastaa.db import folded
from vastaa.errors import NotFoundError
from vastaa.inbox.search import matching_conversations
from vastaa.messages.models import Message

CONVERSATIONS = 100
MOOD_POINTS = 60
SUGGESTIONS = 10
CONTACT_TYPES = ("email", "phone")


@dataclass(frozen=True)
class Mood:
    at: datetime
    score: float
    label: str


@dataclass(frozen=True)
class Suggestion:
    author: Author
    why: str  # "name", "email" or "phone"


@dataclass(frozen=True)
class CustomerPage:
    customer: Customer
    identities: list[Author]
    conversations: list[Conversation]
    mood: list[Mood]
    notes: list[CustomerNote]
    tags: list[str]
    suggestions: list[Suggestion]


def customer_page(session: Session, customer_id: uuid.UUID) -> CustomerPage:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id}")
    identities = list(
        session.scalars(
            select(Author)
            .where(Author.customer_id == customer_id)
            .options(joinedload(Author.channel))
            .order_by(Author.created_at)
        )
    )
    return CustomerPage(
        customer=customer,
        identities=identities,
        conversations=list(
            session.scalars(
                select(Conversation)
                .where(Conversation.customer_id == customer_id)
                .options(joinedload(Conversation.channel))
                .order_by(Conversation.last_message_at.desc())
                .limit(CONVERSATIONS)
            )
        ),
        mood=_mood(session, [a.id for a in identities]),
        notes=list(
            session.scalars(
                select(CustomerNote)
                .where(CustomerNote.customer_id == customer_id)
                .order_by(CustomerNote.at.desc())
            )
        ),
        tags=list(
            session.scalars(
                select(CustomerTag.tag)
                .where(CustomerTag.customer_id == customer_id)
                .order_by(CustomerTag.tag)
            )
        ),
        suggestions=suggestions(session, customer, identities),
    )


def _mood(session: Session, author_ids: list[uuid.UUID]) -> list[Mood]:
    """The sentiment of the person's latest analysed messages, oldest first (R6)."""
    rows = session.execute(
        select(Message.created_at, Message.analysis)
        .where(
            Message.author_id.in_(author_ids),
            Message.direction == "inbound",
            Message.analysis.is_not(None),
        )
        .order_by(Message.created_at.desc())
        .limit(MOOD_POINTS)
    ).all()
    found = []
    for at, analysis in reversed(rows):
        sentiment = (analysis or {}).get("sentiment") or {}
        found.append(Mood(at, float(sentiment.get("score", 0.0)), str(sentiment.get("label", ""))))
    return found


def contacts(session: Session, author_ids: list[uuid.UUID]) -> dict[str, dict[str, str]]:
    """E-mail addresses and phone numbers the person wrote in their messages (as validated by
    the analysis): for each kind, the normalised value and one way it was written."""
    found: dict[str, dict[str, str]] = {kind: {} for kind in CONTACT_TYPES}
    rows = session.execute(
        select(Message.text, Message.analysis).where(
            Message.author_id.in_(author_ids), Message.analysis.is_not(None)
        )
    ).all()
    for text, analysis in rows:
        for span in (analysis or {}).get("pii") or ():
            kind = span.get("type")
            if kind in found:
                written = text[span["start"] : span["end"]]
                found[kind].setdefault(_normal(kind, written), written)
    return found


def _normal(kind: str, value: str) -> str:
    if kind == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        return digits[-9:]  # the subscriber part: +358 40… and 040… agree
    return value.strip().casefold()


def suggestions(session: Session, customer: Customer, identities: list[Author]) -> list[Suggestion]:
    """Identities of other customers that may be this person: the same name, or the same
    e-mail address or phone number written in a message. A person confirms each link."""
    mine = {a.id for a in identities}
    names = {a.display_name.casefold() for a in identities if a.display_name.strip()}
    found: dict[uuid.UUID, Suggestion] = {}
    if names:
        same_name = session.scalars(
            select(Author)
            .where(
                folded(session, Author.display_name).in_(names),
                Author.customer_id.is_not(None),
                Author.customer_id != customer.id,
            )
            .options(joinedload(Author.channel))
            .limit(SUGGESTIONS)
        )
        for author in same_name:
            found.setdefault(author.id, Suggestion(author, "name"))
    for kind, values in contacts(session, list(mine)).items():
        for value in sorted(values)[:5]:
            for author in _writers_of(session, kind, value, values[value], customer.id):
                found.setdefault(author.id, Suggestion(author, kind))
    return list(found.values())[:SUGGESTIONS]


def _writers_of(
    session: Session, kind: str, value: str, written: str, customer_id: uuid.UUID
) -> list[Author]:
    """Other customers' identities whose messages contain this contact detail (found by the
    words it was written with, then compared normalised)."""
    matches = matching_conversations(session, written)
    if matches is None:
        return []
    rows = session.execute(
        select(Message.author_id, Message.text, Message.analysis)
        .where(Message.conversation_id.in_(matches), Message.analysis.is_not(None))
        .limit(200)
    ).all()
    authors = set()
    for author_id, text, analysis in rows:
        for span in (analysis or {}).get("pii") or ():
            if (
                span.get("type") == kind
                and _normal(kind, text[span["start"] : span["end"]]) == value
            ):
                authors.add(author_id)
    if not authors:
        return []
    return list(
        session.scalars(
            select(Author)
            .where(
                Author.id.in_(authors),
                Author.customer_id.is_not(None),
                Author.customer_id != customer_id,
            )
            .options(joinedload(Author.channel))
        )
    )
