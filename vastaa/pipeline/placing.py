"""Stages 5–7 of an ingestion round: place new messages in threads and conversations, write,
and link earlier orphans to parents that just arrived."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from vastaa.analytics import stale
from vastaa.bulk import bulk_insert, one_of
from vastaa.conversations.models import Conversation
from vastaa.db import new_id
from vastaa.messages.models import Message, MessageRevision, Tombstone, content_hash
from vastaa.pipeline.cases import assign_conversations
from vastaa.pipeline.events import MessageEvent
from vastaa.pipeline.records import (
    ChannelKey,
    Known,
    MessageKey,
    Neighbour,
    NewMessage,
    Placed,
    Plan,
    by_channel,
)
from vastaa.pipeline.threads import merge_provisional_threads

# 5. place ------------------------------------------------------------------------------------


def place(
    session: Session,
    new: list[tuple[int, MessageEvent]],
    channels: dict[ChannelKey, uuid.UUID],
    authors: dict[tuple[uuid.UUID, str], tuple[uuid.UUID, uuid.UUID | None]],
    known: Known,
    *,
    now: datetime,
) -> Placed:
    placed = Placed()
    for position, event in new:
        channel_id = channels[(event.channel.platform, event.channel.account)]
        author_id = authors[(channel_id, event.author.id)][0]
        row = NewMessage(new_id(), channel_id, event, author_id, thread_key="")
        row.deleted_at = known.tombstones.get((channel_id, event.external_id))
        placed.rows.append((position, row))
    if not placed.rows:
        return placed
    batch = {(row.channel_id, row.event.external_id): row for _, row in placed.rows}
    stored = _load_neighbours(session, _parent_and_thread_keys(batch))
    for row in batch.values():
        row.thread_key = _thread_key(row, batch, stored)
    stored.update(_load_neighbours(session, _missing_roots(batch, stored)))
    for row in batch.values():
        _link(row, batch, stored)
    placed.rows.sort(key=lambda item: _depth(item[1], batch))
    customers = {author_id: customer for author_id, customer in authors.values()}
    assign_conversations(session, placed, batch, stored, customers, now=now)
    return placed


def _parent_and_thread_keys(batch: dict[MessageKey, NewMessage]) -> set[MessageKey]:
    keys = set()
    for (channel_id, _), row in batch.items():
        for ext in (row.event.parent_id, row.event.thread_id):
            if ext and (channel_id, ext) not in batch:
                keys.add((channel_id, ext))
    return keys


def _missing_roots(
    batch: dict[MessageKey, NewMessage], stored: dict[MessageKey, Neighbour]
) -> set[MessageKey]:
    keys = {(row.channel_id, row.thread_key) for row in batch.values()}
    return {key for key in keys if key not in batch and key not in stored}


def _load_neighbours(session: Session, keys: Iterable[MessageKey]) -> dict[MessageKey, Neighbour]:
    found: dict[MessageKey, Neighbour] = {}
    for channel_id, external_ids in by_channel(keys).items():
        query = select(
            Message.external_id, Message.id, Message.thread_key, Message.conversation_id
        ).where(
            Message.channel_id == channel_id, one_of(session, Message.external_id, external_ids)
        )
        for external_id, id_, thread_key, conversation_id in session.execute(query):
            found[(channel_id, external_id or "")] = Neighbour(id_, thread_key, conversation_id)
    return found


def _thread_key(
    row: NewMessage,
    batch: dict[MessageKey, NewMessage],
    stored: dict[MessageKey, Neighbour],
    depth: int = 0,
) -> str:
    """The thread's root id; a reply whose parent is unknown gets the parent's id for now."""
    event = row.event
    if row.thread_key:
        return row.thread_key
    if event.thread_id:
        return event.thread_id
    if not event.parent_id or event.parent_id == event.external_id:
        return event.external_id
    key = (row.channel_id, event.parent_id)
    if key in batch and depth < 100:
        return _thread_key(batch[key], batch, stored, depth + 1)
    neighbour = stored.get(key)
    if neighbour is not None and neighbour.thread_key:
        return neighbour.thread_key
    return event.parent_id


def _link(
    row: NewMessage, batch: dict[MessageKey, NewMessage], stored: dict[MessageKey, Neighbour]
) -> None:
    """Parent and root ids; a row inside the batch is referenced only when it is inserted
    earlier (see ``_depth``), anything else is left to ``relink``."""
    parent = batch.get((row.channel_id, row.event.parent_id or ""))
    if parent is not None:
        row.parent_id = parent.id
    else:
        row.parent_id = _stored_id(row.channel_id, row.event.parent_id, stored)
    root = batch.get((row.channel_id, row.thread_key))
    if root is row:
        row.root_id = row.id
    elif root is not None:
        is_root = root.thread_key == root.event.external_id
        row.root_id = root.id if is_root and _depth(root, batch) < _depth(row, batch) else None
    else:
        row.root_id = _stored_id(row.channel_id, row.thread_key, stored)


def _depth(row: NewMessage, batch: dict[MessageKey, NewMessage], limit: int = 100) -> int:
    """How many ancestors of ``row`` are in the batch: rows are inserted in this order."""
    depth, seen = 0, {row.id}
    parent = batch.get((row.channel_id, row.event.parent_id or ""))
    while parent is not None and parent.id not in seen and depth < limit:
        depth += 1
        seen.add(parent.id)
        parent = batch.get((parent.channel_id, parent.event.parent_id or ""))
    return depth


def _stored_id(
    channel_id: uuid.UUID, external_id: str | None, stored: dict[MessageKey, Neighbour]
) -> uuid.UUID | None:
    neighbour = stored.get((channel_id, external_id)) if external_id else None
    return neighbour.id if neighbour else None


# 6. write ------------------------------------------------------------------------------------


def write(session: Session, plan: Plan, placed: Placed, known: Known, *, now: datetime) -> None:
    if placed.new_conversations:
        bulk_insert(session, Conversation, placed.new_conversations)
    if placed.rows:
        bulk_insert(session, Message, [_message_row(row, now) for _, row in placed.rows])
    if placed.conversation_updates:
        session.execute(update(Conversation), _by_columns(placed.conversation_updates))
    stale.mark(session, placed.moved_first_days)
    _write_edits(session, plan, known, now=now)
    _write_deletes(session, plan, now=now)
    _write_echoes(session, plan)


def _by_columns(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Bulk UPDATE by primary key batches rows with the same keys; keep them uniform."""
    keys = set().union(*(row.keys() for row in rows))
    full = [row for row in rows if set(row) == keys]
    return full + [row for row in rows if set(row) != keys]


def _message_row(row: NewMessage, now: datetime) -> dict[str, object]:
    event = row.event
    return {
        "id": row.id,
        "channel_id": row.channel_id,
        "external_id": event.external_id,
        "conversation_id": row.conversation_id,
        "author_id": row.author_id,
        "direction": event.direction,
        "kind": event.kind,
        "public": event.public,
        "text": event.text,
        "url": event.url,
        "lang": event.lang,
        "rating": event.rating,
        "created_at": event.created_at,
        "edited_at": event.edited_at,
        "deleted_at": row.deleted_at,
        "received_at": now,
        "thread_key": row.thread_key,
        "parent_external_id": event.parent_id,
        "parent_id": row.parent_id,
        "root_id": row.root_id,
        "content_hash": content_hash(event.text),
        "delivery": "received" if event.direction == "inbound" else "sent",
        "client_ref": event.client_ref,
        "media": [item.model_dump() for item in event.media] or None,
        "promoted": event.promoted,
        "raw": event.raw,
    }


def _write_edits(session: Session, plan: Plan, known: Known, *, now: datetime) -> None:
    revisions: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for edit in plan.edits:
        stored, event = edit.message, edit.event
        if edit.current:
            if (stored.id, stored.content_hash) not in known.revision_hashes:
                revisions.append(_revision(stored.id, stored.text, stored.version_at, None, now))
            updates.append(_edited_message(stored.id, event))
        else:
            revisions.append(_revision(stored.id, event.text, event.version_at, event.raw, now))
    if revisions:
        bulk_insert(session, MessageRevision, revisions)
    if updates:
        session.execute(update(Message), updates)


def _revision(
    message_id: uuid.UUID, text: str, at: datetime, raw: object, now: datetime
) -> dict[str, object]:
    return {
        "id": new_id(),
        "message_id": message_id,
        "text": text,
        "content_hash": content_hash(text),
        "version_at": at,
        "recorded_at": now,
        "raw": raw,
    }


def _edited_message(message_id: uuid.UUID, event: MessageEvent) -> dict[str, object]:
    return {
        "id": message_id,
        "text": event.text,
        "content_hash": content_hash(event.text),
        "edited_at": event.version_at,
        "media": [item.model_dump() for item in event.media] or None,
        "raw": event.raw,
    }


def _write_deletes(session: Session, plan: Plan, *, now: datetime) -> None:
    if not plan.deletes:
        return
    tombstones: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for channel_id, event, stored in plan.deletes:
        tombstones.append(
            {
                "id": new_id(),
                "channel_id": channel_id,
                "external_id": event.external_id,
                "deleted_at": event.deleted_at,
                "recorded_at": now,
                "raw": event.raw,
            }
        )
        if stored is not None and not stored.deleted:
            updates.append({"id": stored.id, "deleted_at": event.deleted_at})
    bulk_insert(session, Tombstone, tombstones)
    if updates:
        session.execute(update(Message), updates)


def _write_echoes(session: Session, plan: Plan) -> None:
    if not plan.echoes:
        return
    rows = [
        {"id": message_id, "external_id": event.external_id, "delivery": "sent", "raw": event.raw}
        for message_id, event in plan.echoes
    ]
    session.execute(update(Message), rows)


# 7. relink -----------------------------------------------------------------------------------


def relink(session: Session, placed: Placed) -> None:
    """Orphans that arrived before their parent or root are linked now that it is here."""
    rows_by_channel: dict[uuid.UUID, list[NewMessage]] = defaultdict(list)
    for _, row in placed.rows:
        rows_by_channel[row.channel_id].append(row)
    for channel_id, rows in rows_by_channel.items():
        merge_provisional_threads(session, channel_id, rows)
        _link_orphans(session, channel_id, [row.event.external_id for row in rows])


def _link_orphans(session: Session, channel_id: uuid.UUID, external_ids: list[str]) -> None:
    in_channel = Message.channel_id == channel_id
    is_child = one_of(session, Message.parent_external_id, external_ids)
    in_thread = one_of(session, Message.thread_key, external_ids)
    unlinked_outbound = and_(Message.conversation_id.is_(None), Message.direction == "outbound")
    waiting = select(Message.id).where(
        in_channel,
        or_(
            and_(is_child, or_(Message.parent_id.is_(None), unlinked_outbound)),
            and_(in_thread, Message.root_id.is_(None)),
        ),
    )
    if session.execute(waiting.limit(1)).first() is None:
        return
    parent = Message.__table__.alias("parent")
    same_channel = parent.c.channel_id == Message.channel_id
    by_parent = parent.c.external_id == Message.parent_external_id
    for condition, values in (
        (and_(is_child, Message.parent_id.is_(None)), {"parent_id": parent.c.id}),
        (and_(in_thread, Message.root_id.is_(None)), {"root_id": parent.c.id}),
        (and_(is_child, unlinked_outbound), {"conversation_id": parent.c.conversation_id}),
    ):
        column = next(iter(values.values()))
        match = by_parent if "root_id" not in values else parent.c.external_id == Message.thread_key
        found = select(column).where(same_channel, match).scalar_subquery()
        session.execute(
            update(Message).where(in_channel, condition).values({next(iter(values)): found}),
            execution_options={"synchronize_session": False},
        )
