"""The evidence archive (R28): every message on first sight, every edit and deletion, and the
state before any moderation action, as an append-only hash chain.

A record is small and never changes: what was captured (``capture``), when, about which message,
the SHA-256 of its content, the previous record's hash and its own. The content (the canonical
JSON, or the PNG card) lives beside it in ``evidence_content`` so that retention and erasure can
remove it while the chain stays whole and verifiable (docs/evidence.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, UTCDateTime

CAPTURES = (
    "first_seen",  # a message arrived (or a reply of ours was posted)
    "edit",  # a new version of its text
    "deletion",  # the platform reported it deleted
    "before_action",  # its state just before a moderation action
    "card",  # the PNG card of an earlier record
    "erasure",  # content removed for a person's erasure request (what and why, not the content)
    "retention",  # content removed at the end of the retention period
)
GENESIS = "0" * 64  # the previous hash of the first record


class EvidenceRecord(Base):
    __tablename__ = "evidence_record"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    capture: Mapped[str] = mapped_column(String(20))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # No foreign keys: evidence outlives what it depicts (an erased message, a removed channel).
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    channel_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    card_of: Mapped[int | None] = mapped_column(BigInteger, index=True)  # for a "card"
    media_type: Mapped[str] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class EvidenceContent(Base):
    """What a record holds: canonical JSON text or PNG bytes; empty once erased."""

    __tablename__ = "evidence_content"

    seq: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("evidence_record.seq"), primary_key=True, autoincrement=False
    )
    json: Mapped[str | None] = mapped_column(Text)
    png: Mapped[bytes | None] = mapped_column(LargeBinary)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_by_seq: Mapped[int | None] = mapped_column(BigInteger)  # the record saying why


class EvidenceHead(Base):
    """One row: the last record's number and hash. Appending locks it, so the chain has one
    order even with several writers."""

    __tablename__ = "evidence_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
