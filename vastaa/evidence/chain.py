"""The hash chain: canonical JSON, the record's hash, and appending under the head's lock.

A record's hash is the SHA-256 of the canonical JSON of its envelope (every column but the hash
itself, the previous record's hash included); its content is hashed separately
(``content_sha256``), so content can be erased while the chain still verifies.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from vastaa.bulk import bulk_insert
from vastaa.clock import as_utc
from vastaa.evidence.models import EvidenceContent, EvidenceRecord

JSON_TYPE = "application/json"
PNG_TYPE = "image/png"


def canonical(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 as is (RFC 8785 in spirit)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def iso(value: datetime | None) -> str | None:
    return None if value is None else _iso(value)


@lru_cache(maxsize=4096)
def _iso(value: datetime) -> str:
    """Cached: the records of one append share a time."""
    return as_utc(value).isoformat(timespec="microseconds")


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


# The envelope's canonical JSON, keys in sorted order, written out: it is hashed once per record
# on append and once per record by `vastaa evidence verify` (a million times), and must be
# byte for byte what ``canonical`` gives for the same dict (a test holds the two together).
ENVELOPE = (
    '{"capture":%s,"captured_at":%s,"card_of":%s,"channel_id":%s,"content_sha256":%s,'
    '"conversation_id":%s,"media_type":%s,"message_id":%s,"prev_hash":%s,"seq":%s}'
)


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _number(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def envelope(
    *,
    seq: int,
    capture: str,
    captured_at: datetime,
    message_id: uuid.UUID | None,
    conversation_id: uuid.UUID | None,
    channel_id: uuid.UUID | None,
    card_of: int | None,
    media_type: str,
    content_sha256: str,
    prev_hash: str,
) -> str:
    """The canonical text a record's hash is taken of."""
    return ENVELOPE % (
        _text(capture),
        _text(iso(captured_at)),
        _number(card_of),
        _text(_id(channel_id)),
        _text(content_sha256),
        _text(_id(conversation_id)),
        _text(media_type),
        _text(_id(message_id)),
        _text(prev_hash),
        _number(seq),
    )


class RecordFields(Protocol):
    """A record's columns: the ORM row, or a row of a plain query (``vastaa.evidence.verify``)."""

    @property
    def seq(self) -> int: ...
    @property
    def capture(self) -> str: ...
    @property
    def captured_at(self) -> datetime: ...
    @property
    def message_id(self) -> uuid.UUID | None: ...
    @property
    def conversation_id(self) -> uuid.UUID | None: ...
    @property
    def channel_id(self) -> uuid.UUID | None: ...
    @property
    def card_of(self) -> int | None: ...
    @property
    def media_type(self) -> str: ...
    @property
    def content_sha256(self) -> str: ...
    @property
    def prev_hash(self) -> str: ...


def record_hash(record: RecordFields) -> str:
    """The hash ``record`` should carry, from its columns (as stored or as read back)."""
    return sha256(
        envelope(
            seq=record.seq,
            capture=record.capture,
            captured_at=record.captured_at,
            message_id=record.message_id,
            conversation_id=record.conversation_id,
            channel_id=record.channel_id,
            card_of=record.card_of,
            media_type=record.media_type,
            content_sha256=record.content_sha256,
            prev_hash=record.prev_hash,
        )
    )


@dataclass(frozen=True)
class Capture:
    """One thing to put in the archive: a JSON snapshot, or a PNG card of an earlier record."""

    capture: str
    content: str | bytes
    message_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None
    channel_id: uuid.UUID | None = None
    card_of: int | None = None


def append(session: Session, captures: Sequence[Capture], *, now: datetime) -> list[int]:
    """Append ``captures`` in order; returns their record numbers. Takes the head's row lock
    (an UPDATE, which also makes SQLite's transaction the writer) until the caller commits."""
    if not captures:
        return []
    seq, prev = lock_head(session)
    records: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    for capture in captures:
        seq += 1
        record = _record(seq, capture, prev, now)
        prev = record["hash"]
        records.append(record)
        contents.append(_content(seq, capture.content))
    bulk_insert(session, EvidenceRecord, records)
    _insert_contents(session, contents)
    session.execute(
        text("UPDATE evidence_head SET seq = :seq, hash = :hash WHERE id = 1"),
        {"seq": seq, "hash": prev},
    )
    return [record["seq"] for record in records]


def lock_head(session: Session) -> tuple[int, str]:
    """Take the head's row lock until the transaction ends; the last record's number and hash.
    Take it last in a transaction (after any other row it writes): appends wait for each other
    in one order."""
    row = session.execute(
        text("UPDATE evidence_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
    ).one()
    return int(row[0]), str(row[1])


def _record(seq: int, capture: Capture, prev: str, now: datetime) -> dict[str, Any]:
    media_type = PNG_TYPE if isinstance(capture.content, bytes) else JSON_TYPE
    fields: dict[str, Any] = {
        "seq": seq,
        "capture": capture.capture,
        "captured_at": now,
        "message_id": capture.message_id,
        "conversation_id": capture.conversation_id,
        "channel_id": capture.channel_id,
        "card_of": capture.card_of,
        "media_type": media_type,
        "content_sha256": sha256(capture.content),
        "prev_hash": prev,
    }
    return {**fields, "hash": sha256(envelope(**fields))}


def _content(seq: int, content: str | bytes) -> dict[str, Any]:
    if isinstance(content, bytes):
        return {"seq": seq, "json": None, "png": content}
    return {"seq": seq, "json": content, "png": None}


def _insert_contents(session: Session, contents: list[dict[str, Any]]) -> None:
    """JSON contents go in bulk; PNG bytes (one card at a time, off the ingest path) through
    the ORM, which knows how each database takes binary data."""
    texts = [{"seq": c["seq"], "json": c["json"]} for c in contents if c["png"] is None]
    bulk_insert(session, EvidenceContent, texts)
    for content in contents:
        if content["png"] is not None:
            session.add(EvidenceContent(seq=content["seq"], png=content["png"]))
    session.flush()
