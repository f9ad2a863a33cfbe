"""Exporting evidence to share with a colleague or a lawyer: a ZIP with each record's JSON and
PNG card, a manifest with every hash (and whether it still matches), and a readable HTML
summary. What the ZIP holds can be checked without Vastaa: ``sha256sum`` of each file is its
record's ``content_sha256``."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vastaa.audit.service import log
from vastaa.errors import NotFoundError
from vastaa.evidence.chain import iso, record_hash, sha256
from vastaa.evidence.models import EvidenceContent, EvidenceHead, EvidenceRecord
from vastaa.messages.models import Message

TEMPLATES = Path(__file__).parent / "templates"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # ZIP entry times: the same records give the same archive


@dataclass(frozen=True)
class Item:
    record: EvidenceRecord
    content: EvidenceContent | None

    @property
    def file(self) -> str | None:
        if self.content is None or self.content.erased_at is not None:
            return None
        if self.record.media_type == "image/png":
            return f"cards/{self.record.seq:08d}-card-of-{self.record.card_of or 0:08d}.png"
        return f"records/{self.record.seq:08d}-{self.record.capture}.json"

    @property
    def data(self) -> bytes | None:
        if self.content is None:
            return None
        if self.content.png is not None:
            return bytes(self.content.png)
        return self.content.json.encode() if self.content.json is not None else None

    @property
    def intact(self) -> bool:
        data = self.data
        content_ok = data is None or sha256(data) == self.record.content_sha256
        return content_ok and record_hash(self.record) == self.record.hash

    @property
    def snapshot(self) -> dict[str, Any]:
        if self.record.media_type != "application/json" or self.data is None:
            return {}
        loaded = json.loads(self.data)
        return loaded if isinstance(loaded, dict) else {}


def conversation_items(session: Session, conversation_id: uuid.UUID) -> list[Item]:
    """Every record about the conversation's messages (and cards of them), in chain order."""
    message_ids = select(Message.id).where(Message.conversation_id == conversation_id)
    query = (
        select(EvidenceRecord, EvidenceContent)
        .outerjoin(EvidenceContent, EvidenceContent.seq == EvidenceRecord.seq)
        .where(
            or_(
                EvidenceRecord.message_id.in_(message_ids),
                EvidenceRecord.conversation_id == conversation_id,
            )
        )
        .order_by(EvidenceRecord.seq)
    )
    return [Item(record, content) for record, content in session.execute(query)]


def write_zip(
    session: Session,
    items: list[Item],
    *,
    title: str,
    subject: dict[str, str],
    by: str,
    now: datetime,
) -> bytes:
    head = session.get(EvidenceHead, 1)
    manifest = {
        "title": title,
        "subject": subject,
        "generated_at": iso(now),
        "generated_by": by,
        "chain_head": {"seq": head.seq, "hash": head.hash} if head else None,
        "how_to_check": (
            "sha256 of each file equals its record's content_sha256; each record's hash is the "
            "sha256 of the canonical JSON of its other fields (docs/evidence.md); "
            "`vastaa evidence verify` checks the whole chain"
        ),
        "records": [_entry(item) for item in items],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            if item.file is not None and item.data is not None:
                _add(archive, item.file, item.data)
        _add(archive, "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        _add(archive, "summary.html", _summary(manifest, items).encode())
    return buffer.getvalue()


def _entry(item: Item) -> dict[str, Any]:
    record = item.record
    return {
        "seq": record.seq,
        "capture": record.capture,
        "captured_at": iso(record.captured_at),
        "message_id": str(record.message_id) if record.message_id else None,
        "card_of": record.card_of,
        "media_type": record.media_type,
        "content_sha256": record.content_sha256,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "file": item.file,
        "erased": item.content is not None and item.content.erased_at is not None,
        "intact": item.intact,
    }


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _summary(manifest: dict[str, Any], items: list[Item]) -> str:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    rows = [{"entry": _entry(item), "snapshot": item.snapshot} for item in items]
    template = environment.get_template("evidence/summary.html")
    return template.render(manifest=manifest, rows=rows)


def conversation_zip(
    session: Session,
    conversation_id: uuid.UUID,
    *,
    by: str,
    actor_id: uuid.UUID | None,
    now: datetime,
) -> tuple[bytes, int]:
    """A conversation's evidence as a ZIP and how many records it holds; the export is in the
    audit log. Raises ``NotFoundError`` when there is no evidence about it."""
    items = conversation_items(session, conversation_id)
    if not items:
        raise NotFoundError(f"no evidence about conversation {conversation_id}")
    data = write_zip(
        session,
        items,
        title=f"Evidence: conversation {conversation_id}",
        subject={"conversation": str(conversation_id)},
        by=by,
        now=now,
    )
    log(
        session,
        actor_id=actor_id,
        actor_name=by,
        action="export",
        now=now,
        target=("conversation", conversation_id),
        summary=f"evidence ZIP, {len(items)} records",
    )
    return data, len(items)
