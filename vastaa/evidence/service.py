"""Writing the archive: captures on first sight, edit and deletion (from ingestion), before a
moderation action, PNG cards (from the worker), and erasure and retention, which remove content
but keep the chain, recording what was removed and why. Nothing here commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vastaa.evidence import snapshots
from vastaa.evidence.chain import Capture, append, canonical, iso, lock_head
from vastaa.evidence.models import EvidenceContent, EvidenceRecord
from vastaa.pipeline.records import ChannelKey, Placed, Plan

ERASE_BATCH = 10_000


def capture_ingested(
    session: Session,
    plan: Plan,
    placed: Placed,
    channels: Mapping[ChannelKey, uuid.UUID],
    *,
    now: datetime,
) -> list[int]:
    """Records for one ingestion round: new messages, edits and deletions, in that order."""
    captures = [
        Capture(
            "first_seen",
            canonical(snapshots.from_event("first_seen", row.event, row.id)),
            message_id=row.id,
            conversation_id=row.conversation_id,
            channel_id=row.channel_id,
        )
        for _, row in placed.rows
    ]
    for edit in plan.edits:
        channel_id = channels[(edit.event.channel.platform, edit.event.channel.account)]
        snapshot = snapshots.from_event("edit", edit.event, edit.message.id)
        snapshot["previous_text"] = edit.message.text
        captures.append(
            Capture("edit", canonical(snapshot), message_id=edit.message.id, channel_id=channel_id)
        )
    captures.extend(_deletions(session, plan, now))
    captures.extend(_echoes(session, plan))
    return append(session, captures, now=now)


def _echoes(session: Session, plan: Plan) -> list[Capture]:
    """Our replies, once the platform shows them: as they appeared there."""
    if not plan.echoes:
        return []
    found = snapshots.from_stored(session, "first_seen", [mid for mid, _ in plan.echoes])
    captures = []
    for message_id, event in plan.echoes:
        if message_id in found:
            snapshot = found[message_id]
            snapshot["message"].update(external_id=event.external_id, url=event.url)
            snapshot["raw"] = event.raw
            captures.append(_stored_capture("first_seen", message_id, snapshot))
    return captures


def _stored_capture(capture: str, message_id: uuid.UUID, snapshot: Mapping[str, Any]) -> Capture:
    return Capture(
        capture,
        canonical(snapshot),
        message_id=message_id,
        conversation_id=_conversation(snapshot),
    )


def _deletions(session: Session, plan: Plan, now: datetime) -> list[Capture]:
    stored_ids = [stored.id for _, _, stored in plan.deletes if stored is not None]
    stored = snapshots.from_stored(session, "deletion", stored_ids) if stored_ids else {}
    captures = []
    for channel_id, event, known in plan.deletes:
        if known is not None and known.id in stored:
            snapshot = stored[known.id]
            snapshot["message"]["deleted_at"] = iso(event.deleted_at)
        else:
            snapshot = snapshots.from_delete(event)
        message_id = known.id if known is not None else None
        captures.append(
            Capture("deletion", canonical(snapshot), message_id=message_id, channel_id=channel_id)
        )
    return captures


def prepare_captures(
    session: Session,
    message_ids: Sequence[uuid.UUID],
    *,
    capture: str,
    extra: Mapping[str, Any] | None = None,
) -> list[Capture]:
    """The stored messages as they are now, ready to append (later in the transaction: the
    chain's head is locked last, after any other row, so writers never wait on each other in
    opposite orders)."""
    found = snapshots.from_stored(session, capture, message_ids)
    return [
        _stored_capture(capture, message_id, {**found[message_id], **(extra or {})})
        for message_id in message_ids
        if message_id in found
    ]


def capture_messages(
    session: Session,
    message_ids: Sequence[uuid.UUID],
    *,
    capture: str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> dict[uuid.UUID, int]:
    """The stored messages as they are now; returns each message's record number."""
    captures = prepare_captures(session, message_ids, capture=capture, extra=extra)
    seqs = append(session, captures, now=now)
    return {c.message_id: seq for c, seq in zip(captures, seqs, strict=True) if c.message_id}


def _conversation(snapshot: Mapping[str, Any]) -> uuid.UUID | None:
    value = snapshot.get("conversation_id")
    return uuid.UUID(value) if isinstance(value, str) else None


def add_card(session: Session, *, record: EvidenceRecord, png: bytes, now: datetime) -> int | None:
    """The PNG card of ``record``, as a record of its own that points at it; None when the
    record already has one or its content was erased meanwhile (checked under the head's lock,
    so an erasure or another worker cannot slip in between)."""
    lock_head(session)
    erased = session.scalar(
        select(EvidenceContent.erased_at).where(EvidenceContent.seq == record.seq)
    )
    carded = session.scalar(select(EvidenceRecord.seq).where(EvidenceRecord.card_of == record.seq))
    if erased is not None or carded is not None:
        return None
    capture = Capture(
        "card",
        png,
        message_id=record.message_id,
        conversation_id=record.conversation_id,
        channel_id=record.channel_id,
        card_of=record.seq,
    )
    return append(session, [capture], now=now)[0]


def erase(
    session: Session,
    *,
    message_ids: Iterable[uuid.UUID],
    reason: str,
    actor: str,
    now: datetime,
) -> int | None:
    """Remove the content of every record about these messages (an erasure request) and
    append a record that says which, why and by whom; the content itself is not repeated."""
    lock_head(session)  # no record about them can be appended while they are chosen
    seqs = list(
        session.scalars(
            select(EvidenceRecord.seq).where(EvidenceRecord.message_id.in_(list(message_ids)))
        )
    )
    if not seqs:
        return None
    what = {"capture": "erasure", "records": seqs, "reason": reason, "by": actor}
    return _erase_content(session, "erasure", seqs, what, now)


def prune(session: Session, *, retention_days: int, now: datetime) -> int:
    """Retention: remove the content of records older than ``retention_days`` (0 = keep all),
    a batch at a time; returns how many were removed."""
    if retention_days <= 0:
        return 0
    cutoff = now - timedelta(days=retention_days)
    query = (
        select(EvidenceContent.seq)
        .join(EvidenceRecord, EvidenceRecord.seq == EvidenceContent.seq)
        .where(EvidenceRecord.captured_at < cutoff, EvidenceContent.erased_at.is_(None))
        .where(EvidenceRecord.capture.not_in(("erasure", "retention")))
        .order_by(EvidenceContent.seq)
        .limit(ERASE_BATCH)
    )
    seqs = list(session.scalars(query))
    if not seqs:
        return 0
    what = {
        "capture": "retention",
        "from": seqs[0],
        "to": seqs[-1],
        "count": len(seqs),
        "reason": f"older than the retention period of {retention_days} days",
    }
    _erase_content(session, "retention", seqs, what, now)
    return len(seqs)


def _erase_content(
    session: Session, capture: str, seqs: list[int], what: dict[str, Any], now: datetime
) -> int:
    seq = append(session, [Capture(capture, canonical(what))], now=now)[0]
    session.execute(
        update(EvidenceContent)
        .where(EvidenceContent.seq.in_(seqs))
        .values(json=None, png=None, erased_at=now, erased_by_seq=seq)
    )
    return seq
