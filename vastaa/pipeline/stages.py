"""Stages 1–4 of an ingestion round (see ``ingest.py``): channels, what is known,
classification, authors."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from vastaa.bulk import bulk_insert, one_of
from vastaa.channels.models import Channel
from vastaa.customers.models import Author, Customer
from vastaa.db import new_id
from vastaa.messages.models import Message, MessageRevision, Tombstone, content_hash
from vastaa.pipeline.events import AuthorRef, ChannelRef, DeleteEvent, Event, MessageEvent
from vastaa.pipeline.records import (
    ChannelKey,
    Edit,
    EventResult,
    Known,
    KnownMessage,
    MessageKey,
    PendingOutbound,
    Plan,
    by_channel,
)

AuthorKey = tuple[uuid.UUID, str]


# 1. channels ---------------------------------------------------------------------------------


def resolve_channels(
    session: Session, refs: Sequence[ChannelRef], *, now: datetime
) -> dict[ChannelKey, uuid.UUID]:
    wanted = {(ref.platform, ref.account): ref for ref in refs}
    keys = tuple_(Channel.platform, Channel.account)
    query = select(Channel.platform, Channel.account, Channel.id).where(keys.in_(list(wanted)))
    found: dict[ChannelKey, uuid.UUID] = {(p, a): i for p, a, i in session.execute(query)}
    missing = [ref for key, ref in wanted.items() if key not in found]
    if missing:
        rows = {(ref.platform, ref.account): _channel_row(ref, now) for ref in missing}
        bulk_insert(session, Channel, list(rows.values()))
        found.update({key: row["id"] for key, row in rows.items()})
    return found


def _channel_row(ref: ChannelRef, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "platform": ref.platform,
        "account": ref.account,
        "name": ref.name or f"{ref.platform}: {ref.account}",
        "staffed": bool(ref.staffed),
        "created_at": now,
    }


def channel_of(event: Event, channels: dict[ChannelKey, uuid.UUID]) -> uuid.UUID:
    return channels[(event.channel.platform, event.channel.account)]


# 2. what is known ----------------------------------------------------------------------------


def load_known(
    session: Session, round_: list[tuple[int, Event]], channels: dict[ChannelKey, uuid.UUID]
) -> Known:
    keys = [(channel_of(event, channels), event.external_id) for _, event in round_]
    known = Known()
    for channel_id, external_ids in by_channel(keys).items():
        known.messages.update(_known_messages(session, channel_id, external_ids))
        known.tombstones.update(_tombstones(session, channel_id, external_ids))
    known.revision_hashes = _revision_hashes(session, round_, channels, known)
    known.pending = _pending_outbound(session, round_, channels, known)
    return known


def _known_messages(
    session: Session, channel_id: uuid.UUID, external_ids: list[str]
) -> dict[MessageKey, KnownMessage]:
    query = select(
        Message.external_id,
        Message.id,
        Message.content_hash,
        Message.created_at,
        Message.edited_at,
        Message.deleted_at,
        Message.text,
    ).where(Message.channel_id == channel_id, one_of(session, Message.external_id, external_ids))
    return {
        (channel_id, ext or ""): KnownMessage(
            id_, hash_, edited or created, deleted is not None, text
        )
        for ext, id_, hash_, created, edited, deleted, text in session.execute(query)
    }


def _tombstones(
    session: Session, channel_id: uuid.UUID, external_ids: list[str]
) -> dict[MessageKey, datetime]:
    query = select(Tombstone.external_id, Tombstone.deleted_at).where(
        Tombstone.channel_id == channel_id, one_of(session, Tombstone.external_id, external_ids)
    )
    return {(channel_id, ext): deleted_at for ext, deleted_at in session.execute(query)}


def _revision_hashes(
    session: Session,
    round_: list[tuple[int, Event]],
    channels: dict[ChannelKey, uuid.UUID],
    known: Known,
) -> set[tuple[uuid.UUID, str]]:
    changed = [
        stored.id
        for _, event in round_
        if isinstance(event, MessageEvent)
        and (stored := known.messages.get((channel_of(event, channels), event.external_id)))
        and stored.content_hash != content_hash(event.text)
    ]
    if not changed:
        return set()
    query = select(MessageRevision.message_id, MessageRevision.content_hash).where(
        MessageRevision.message_id.in_(changed)
    )
    return {(message_id, hash_) for message_id, hash_ in session.execute(query)}


def _pending_outbound(
    session: Session,
    round_: list[tuple[int, Event]],
    channels: dict[ChannelKey, uuid.UUID],
    known: Known,
) -> dict[uuid.UUID, list[PendingOutbound]]:
    wanted = {
        channel_of(event, channels)
        for _, event in round_
        if isinstance(event, MessageEvent)
        and event.direction == "outbound"
        and (channel_of(event, channels), event.external_id) not in known.messages
    }
    if not wanted:
        return {}
    query = select(
        Message.channel_id,
        Message.id,
        Message.client_ref,
        Message.parent_external_id,
        Message.content_hash,
    ).where(
        Message.channel_id.in_(wanted),
        Message.external_id.is_(None),
        Message.direction == "outbound",
        Message.delivery.in_(("pending", "sent")),
    )
    pending: dict[uuid.UUID, list[PendingOutbound]] = defaultdict(list)
    for channel_id, id_, client_ref, parent_external_id, hash_ in session.execute(query):
        pending[channel_id].append(PendingOutbound(id_, client_ref, parent_external_id, hash_))
    return pending


# 3. classification ---------------------------------------------------------------------------


def classify(
    round_: list[tuple[int, Event]], channels: dict[ChannelKey, uuid.UUID], known: Known
) -> Plan:
    plan = Plan()
    claimed: set[uuid.UUID] = set()
    for position, event in round_:
        key = (channel_of(event, channels), event.external_id)
        stored = known.messages.get(key)
        if isinstance(event, DeleteEvent):
            _classify_delete(plan, position, key, event, stored, known)
        elif stored is not None:
            _classify_update(plan, position, event, stored, known)
        elif (echo := _match_echo(event, known.pending.get(key[0], []), claimed)) is not None:
            claimed.add(echo)
            plan.echoes.append((echo, event))
            plan.results.append(EventResult(position, "echo", echo))
        else:
            plan.new.append((position, event))
    return plan


def _classify_delete(
    plan: Plan,
    position: int,
    key: MessageKey,
    event: DeleteEvent,
    stored: KnownMessage | None,
    known: Known,
) -> None:
    message_id = stored.id if stored else None
    if key in known.tombstones:
        plan.results.append(EventResult(position, "duplicate", message_id))
        return
    plan.deletes.append((key[0], event, stored))
    plan.results.append(EventResult(position, "deleted", message_id))


def _classify_update(
    plan: Plan, position: int, event: MessageEvent, stored: KnownMessage, known: Known
) -> None:
    hash_ = content_hash(event.text)
    if hash_ == stored.content_hash or (stored.id, hash_) in known.revision_hashes:
        plan.results.append(EventResult(position, "duplicate", stored.id))
        return
    plan.edits.append(Edit(stored, event, current=event.version_at >= stored.version_at))
    plan.results.append(EventResult(position, "revised", stored.id))


def _match_echo(
    event: MessageEvent, pending: list[PendingOutbound], claimed: set[uuid.UUID]
) -> uuid.UUID | None:
    """An outbound message we sent comes back: match by client ref, else by parent and text."""
    if event.direction != "outbound":
        return None
    open_ = [p for p in pending if p.id not in claimed]
    if event.client_ref:
        for candidate in open_:
            if candidate.client_ref == event.client_ref:
                return candidate.id
    hash_ = content_hash(event.text)
    for candidate in open_:
        same_parent = candidate.parent_external_id == event.parent_id
        if same_parent and candidate.content_hash == hash_:
            return candidate.id
    return None


# 4. authors ----------------------------------------------------------------------------------


def resolve_authors(
    session: Session,
    events: Sequence[MessageEvent],
    channels: dict[ChannelKey, uuid.UUID],
    *,
    now: datetime,
) -> dict[AuthorKey, tuple[uuid.UUID, uuid.UUID | None]]:
    """Author (and customer) ids for every author of ``events``; profiles kept up to date."""
    latest: dict[AuthorKey, AuthorRef] = {}
    inbound: set[AuthorKey] = set()
    for event in events:
        key = (channel_of(event, channels), event.author.id)
        latest[key] = event.author
        if event.direction == "inbound":
            inbound.add(key)
    found = _load_authors(session, latest)
    _refresh_profiles(session, latest, found, now=now)
    missing = [key for key in latest if key not in found]
    if missing:
        found.update(_create_authors(session, missing, latest, inbound, now=now))
    return {key: (author_id, customer_id) for key, (author_id, customer_id, _) in found.items()}


AuthorRow = tuple[uuid.UUID, uuid.UUID | None, tuple[str, str, int, bool]]


def _load_authors(
    session: Session, wanted: dict[AuthorKey, AuthorRef]
) -> dict[AuthorKey, AuthorRow]:
    found: dict[AuthorKey, AuthorRow] = {}
    for channel_id, external_ids in by_channel(wanted).items():
        query = select(
            Author.external_id,
            Author.id,
            Author.customer_id,
            Author.handle,
            Author.display_name,
            Author.followers,
            Author.verified,
        ).where(Author.channel_id == channel_id, one_of(session, Author.external_id, external_ids))
        for ext, id_, customer_id, handle, name, followers, verified in session.execute(query):
            found[(channel_id, ext)] = (id_, customer_id, (handle, name, followers, verified))
    return found


def _profile(ref: AuthorRef) -> tuple[str, str, int, bool]:
    return (ref.handle, ref.name, ref.followers, ref.verified)


def _refresh_profiles(
    session: Session,
    latest: dict[AuthorKey, AuthorRef],
    found: dict[AuthorKey, AuthorRow],
    *,
    now: datetime,
) -> None:
    changed = []
    for key, row in found.items():
        merged = _merged(row[2], latest[key])
        if merged != row[2]:
            handle, name, followers, verified = merged
            changed.append(
                {
                    "id": row[0],
                    "handle": handle,
                    "display_name": name,
                    "followers": followers,
                    "verified": verified,
                    "updated_at": now,
                }
            )
    if changed:
        session.execute(update(Author), changed)


def _merged(stored: tuple[str, str, int, bool], ref: AuthorRef) -> tuple[str, str, int, bool]:
    """The profile after an event: what the event says, except where it says nothing (an
    Instagram message names its sender by id only; it must not blank the stored handle)."""
    handle, name, followers, verified = stored
    thin = not ref.handle and not ref.name
    return (
        ref.handle or handle,
        ref.name or name,
        ref.followers or followers,
        verified if thin else ref.verified,
    )


def _author_fields(ref: AuthorRef) -> dict[str, object]:
    return {
        "handle": ref.handle,
        "display_name": ref.name,
        "followers": ref.followers,
        "verified": ref.verified,
    }


def _create_authors(
    session: Session,
    missing: list[AuthorKey],
    latest: dict[AuthorKey, AuthorRef],
    inbound: set[AuthorKey],
    *,
    now: datetime,
) -> dict[AuthorKey, AuthorRow]:
    """New authors; one who writes to us is a customer, our own accounts are not."""
    customers: list[dict[str, object]] = []
    authors: list[dict[str, object]] = []
    created: dict[AuthorKey, AuthorRow] = {}
    for channel_id, external_id in missing:
        ref = latest[(channel_id, external_id)]
        author_id = new_id()
        customer_id = new_id() if (channel_id, external_id) in inbound else None
        if customer_id is not None:
            name = ref.name or ref.handle or ref.id
            customers.append({"id": customer_id, "display_name": name, "created_at": now})
        authors.append(
            {
                "id": author_id,
                "channel_id": channel_id,
                "external_id": external_id,
                "customer_id": customer_id,
                "created_at": now,
                "updated_at": now,
                **_author_fields(ref),
            }
        )
        created[(channel_id, external_id)] = (author_id, customer_id, _profile(ref))
    if customers:
        bulk_insert(session, Customer, customers)
    bulk_insert(session, Author, authors)
    return created
