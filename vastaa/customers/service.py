"""Customers (R9): linking identities into one person, notes, tags and the VIP flag, and the
GDPR rights — export everything we hold about a person, or erase it. Nothing here commits."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from vastaa.analytics import stale
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.customers.models import Author, Customer, CustomerNote, CustomerTag
from vastaa.db import folded
from vastaa.errors import NotFoundError, PermanentError
from vastaa.evidence import service as evidence
from vastaa.incidents.models import IncidentFollowUp, IncidentMember
from vastaa.messages.models import Message, MessageRevision
from vastaa.sla.models import Alert

log = logging.getLogger(__name__)
TAG = re.compile(r"^[\w][\w\- ]{0,59}$")
MAX_NOTE = 2000


def _customer(session: Session, customer_id: uuid.UUID) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id}")
    return customer


def link_authors(
    session: Session, *, customer_id: uuid.UUID, author_ids: Sequence[uuid.UUID]
) -> None:
    """Make ``author_ids`` identities of one customer (R9); the customers they leave empty are
    merged into it (their tags, notes and VIP flag move along) and removed."""
    survivor = _customer(session, customer_id)
    previous = set(
        session.scalars(select(Author.customer_id).where(Author.id.in_(author_ids))).all()
    )
    session.execute(
        update(Author).where(Author.id.in_(author_ids)).values(customer_id=customer_id),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Conversation)
        .where(Conversation.author_id.in_(author_ids))
        .values(customer_id=customer_id, triaged_at=None),
        execution_options={"synchronize_session": False},
    )
    _remove_empty(session, survivor, previous - {customer_id})


def find_identity(session: Session, *, handle: str, customer_id: uuid.UUID) -> Author:
    """Another customer's identity by its handle (with or without @), on any channel."""
    wanted = handle.strip().lstrip("@").casefold()
    if not wanted:
        raise PermanentError("give the handle of the identity to link")
    found = session.scalars(
        select(Author).where(
            folded(session, Author.handle) == wanted,
            Author.customer_id.is_not(None),
            Author.customer_id != customer_id,
        )
    ).all()
    if not found:
        raise NotFoundError(f"no other customer's identity @{wanted}")
    if len(found) > 1:
        raise PermanentError(f"@{wanted} is on several channels; link it from its suggestion")
    return found[0]


def unlink_author(
    session: Session, *, customer_id: uuid.UUID, author_id: uuid.UUID, now: datetime
) -> Customer:
    """A wrongly linked identity of this customer becomes a customer of its own again."""
    author = session.get(Author, author_id)
    if author is None or author.customer_id != customer_id:
        raise NotFoundError(f"linked identity {author_id}")
    others = session.scalar(
        select(Author.id).where(Author.customer_id == author.customer_id, Author.id != author.id)
    )
    if others is None:
        raise PermanentError("this is the customer's only identity")
    customer = Customer(display_name=author.label, created_at=now)
    session.add(customer)
    session.flush()
    author.customer_id = customer.id
    session.execute(
        update(Conversation)
        .where(Conversation.author_id == author.id)
        .values(customer_id=customer.id, triaged_at=None),
        execution_options={"synchronize_session": False},
    )
    return customer


def _remove_empty(
    session: Session, survivor: Customer, customer_ids: set[uuid.UUID | None]
) -> None:
    for customer_id in customer_ids:
        if customer_id is None:
            continue
        still_used = session.scalar(select(Author.id).where(Author.customer_id == customer_id))
        if still_used is not None:
            continue
        merged = session.get(Customer, customer_id)
        if merged is not None and merged.vip:
            survivor.vip = True
        have = set(
            session.scalars(select(CustomerTag.tag).where(CustomerTag.customer_id == survivor.id))
        )
        for tag in session.scalars(
            select(CustomerTag.tag).where(CustomerTag.customer_id == customer_id)
        ):
            if tag not in have:
                session.add(CustomerTag(customer_id=survivor.id, tag=tag))
        session.execute(delete(CustomerTag).where(CustomerTag.customer_id == customer_id))
        session.execute(
            update(CustomerNote)
            .where(CustomerNote.customer_id == customer_id)
            .values(customer_id=survivor.id)
        )
        session.flush()
        session.execute(
            delete(Customer).where(Customer.id == customer_id),
            execution_options={"synchronize_session": False},
        )


def _retriage(session: Session, customer_id: uuid.UUID) -> None:
    session.execute(
        update(Conversation).where(Conversation.customer_id == customer_id).values(triaged_at=None),
        execution_options={"synchronize_session": False},
    )


def set_vip(session: Session, *, customer_id: uuid.UUID, vip: bool) -> Customer:
    customer = _customer(session, customer_id)
    customer.vip = vip
    _retriage(session, customer_id)
    return customer


def clean_tag(tag: str) -> str:
    tag = " ".join(tag.split()).casefold()
    if not TAG.match(tag):
        raise PermanentError("a tag is 1–60 letters, digits, spaces or dashes")
    return tag


def add_tag(session: Session, *, customer_id: uuid.UUID, tag: str) -> str:
    _customer(session, customer_id)
    tag = clean_tag(tag)
    if session.get(CustomerTag, (customer_id, tag)) is None:
        session.add(CustomerTag(customer_id=customer_id, tag=tag))
        _retriage(session, customer_id)
    return tag


def remove_tag(session: Session, *, customer_id: uuid.UUID, tag: str) -> None:
    session.execute(
        delete(CustomerTag).where(CustomerTag.customer_id == customer_id, CustomerTag.tag == tag)
    )
    _retriage(session, customer_id)


def add_note(
    session: Session, *, customer_id: uuid.UUID, text: str, author_id: uuid.UUID, now: datetime
) -> CustomerNote:
    _customer(session, customer_id)
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise PermanentError(f"a note has 1 to {MAX_NOTE} characters")
    note = CustomerNote(customer_id=customer_id, author_id=author_id, at=now, text=text)
    session.add(note)
    return note


# GDPR ------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export(session: Session, customer_id: uuid.UUID) -> dict[str, Any]:
    """Everything we hold about the person, as JSON-ready data (GDPR art. 15 and 20)."""
    customer = _customer(session, customer_id)
    authors = list(session.scalars(select(Author).where(Author.customer_id == customer_id)))
    author_ids = [author.id for author in authors]
    messages = list(
        session.scalars(
            select(Message).where(Message.author_id.in_(author_ids)).order_by(Message.created_at)
        )
    )
    revisions = list(
        session.scalars(
            select(MessageRevision).where(MessageRevision.message_id.in_([m.id for m in messages]))
        )
    )
    conversations = list(
        session.scalars(select(Conversation).where(Conversation.customer_id == customer_id))
    )
    notes = session.scalars(select(CustomerNote).where(CustomerNote.customer_id == customer_id))
    tags = session.scalars(select(CustomerTag.tag).where(CustomerTag.customer_id == customer_id))
    return {
        "customer": {
            "id": str(customer.id),
            "display_name": customer.display_name,
            "vip": customer.vip,
            "created_at": _iso(customer.created_at),
            "tags": sorted(tags),
        },
        "identities": [
            {
                "channel_id": str(a.channel_id),
                "external_id": a.external_id,
                "handle": a.handle,
                "display_name": a.display_name,
                "followers": a.followers,
                "verified": a.verified,
            }
            for a in authors
        ],
        "messages": [
            {
                "id": str(m.id),
                "channel_id": str(m.channel_id),
                "external_id": m.external_id,
                "kind": m.kind,
                "public": m.public,
                "text": m.text,
                "url": m.url,
                "created_at": _iso(m.created_at),
                "edited_at": _iso(m.edited_at),
                "deleted_at": _iso(m.deleted_at),
                "analysis": m.analysis,
            }
            for m in messages
        ],
        "earlier_versions": [
            {"message_id": str(r.message_id), "text": r.text, "version_at": _iso(r.version_at)}
            for r in revisions
        ],
        "conversations": [
            {
                "id": str(c.id),
                "channel_id": str(c.channel_id),
                "status": c.status,
                "first_message_at": _iso(c.first_message_at),
                "last_message_at": _iso(c.last_message_at),
            }
            for c in conversations
        ],
        "notes": [{"at": _iso(n.at), "text": n.text} for n in notes],
    }


def erase(
    session: Session,
    *,
    customer_id: uuid.UUID,
    now: datetime,
    keep_evidence: bool,
    actor: str = "",
) -> dict[str, int]:
    """Erase a person (GDPR art. 17): their messages' text, earlier versions, links, analysis and
    raw payloads, their profile, tags and notes. With ``keep_evidence``, messages in conversations
    that moderation found toxic are kept as they are (art. 17(3)(e): evidence for legal claims),
    under an anonymous identity. Conversations stay, empty, so that counts and our own replies'
    threads stay whole; each gets an "erased" entry on its timeline. The evidence archive's
    records of the erased messages lose their content (``vastaa.evidence.service.erase``)."""
    _customer(session, customer_id)
    authors = list(session.scalars(select(Author).where(Author.customer_id == customer_id)))
    author_ids = [author.id for author in authors]
    conversations = list(
        session.scalars(select(Conversation).where(Conversation.customer_id == customer_id))
    )
    messages = list(session.scalars(select(Message).where(Message.author_id.in_(author_ids))))
    abusive = {
        m.conversation_id for m in messages if ((m.analysis or {}).get("abuse") or {}).get("toxic")
    }
    kept_cases = {c.id for c in conversations if keep_evidence and (c.toxic or c.id in abusive)}
    erased = kept = 0
    for message in messages:
        if message.conversation_id in kept_cases:
            kept += 1
            continue
        message.text, message.url, message.raw, message.analysis = "", None, None, None
        message.media = None
        message.analysis_tier = None  # nothing left for the full tier to refine
        message.deleted_at = message.deleted_at or now
        erased += 1
    gone = [m for m in messages if m.conversation_id not in kept_cases]
    erased_ids = [m.id for m in gone]
    stale.mark(session, (m.created_at for m in gone))  # their sentiment and areas are gone
    session.execute(delete(MessageRevision).where(MessageRevision.message_id.in_(erased_ids)))
    for author in authors:
        author.handle, author.display_name, author.followers = "", "", 0
        author.external_id = f"erased-{uuid.uuid4().hex}"
        author.customer_id = None
    erased_cases = [c.id for c in conversations if c.id not in kept_cases]
    for conversation in conversations:
        if conversation.id not in kept_cases:
            conversation.preview = ""
        conversation.customer_id = None
        conversation.priority_reason = ""  # named followers, tags and VIP
        conversation.triaged_at = None
        session.add(ConversationEvent(conversation_id=conversation.id, at=now, kind="erased"))
    session.execute(delete(CustomerTag).where(CustomerTag.customer_id == customer_id))
    session.execute(delete(CustomerNote).where(CustomerNote.customer_id == customer_id))
    # Copies elsewhere: the team's notes on the erased conversations, and the alerts quoting them.
    session.execute(
        update(ConversationEvent)
        .where(ConversationEvent.conversation_id.in_(erased_cases))
        .values(note="")
    )
    session.execute(
        update(Alert).where(Alert.conversation_id.in_(erased_cases)).values(text="(erased)")
    )
    # Incidents keep that a complaint was there (the counts), not what it said.
    session.execute(
        update(IncidentMember)
        .where(IncidentMember.message_id.in_(erased_ids))
        .values(vector=b"", signature={}, sentiment=None)
    )
    session.execute(
        update(IncidentFollowUp)
        .where(IncidentFollowUp.conversation_id.in_(erased_cases))
        .values(text="(erased)", state="skipped")
    )
    session.flush()
    session.execute(delete(Customer).where(Customer.id == customer_id))
    # Last: it takes the evidence chain's lock, after every other row (docs/evidence.md).
    evidence.erase(  # the archive keeps that content was removed, and why, not the content
        session,
        message_ids=erased_ids,
        reason="erasure request (GDPR art. 17)",
        actor=actor,
        now=now,
    )
    log.info(
        "erased customer %s: %d messages erased, %d kept as evidence", customer_id, erased, kept
    )
    return {"messages_erased": erased, "messages_kept_as_evidence": kept}
