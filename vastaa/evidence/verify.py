"""``vastaa evidence verify``: walk the whole chain in order and name the first broken record.

A record is broken when its number is not the next one (a record removed), when it does not
point at the previous record's hash, when its own hash does not match its columns (a byte of it
changed), or when its content (JSON or PNG) no longer matches the hash recorded for it. Content
removed by an erasure or by retention is counted, not broken: the record saying why is in the
chain. The head must name the last record (records cut off the end).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.evidence.chain import record_hash, sha256
from vastaa.evidence.models import GENESIS, EvidenceContent, EvidenceHead, EvidenceRecord

PAGE = 20_000


@dataclass
class Verdict:
    records: int = 0
    erased: int = 0
    cards: int = 0
    first_broken: int | None = None
    reason: str = ""
    broken: int = 0  # how many records failed in all
    last_seq: int = 0
    last_hash: str = GENESIS
    problems: list[tuple[int, str]] = field(default_factory=list)  # the first few

    @property
    def ok(self) -> bool:
        return self.broken == 0

    def flag(self, seq: int, reason: str) -> None:
        self.broken += 1
        if self.first_broken is None:
            self.first_broken, self.reason = seq, reason
        if len(self.problems) < 20:
            self.problems.append((seq, reason))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "cards": self.cards,
            "erased": self.erased,
            "broken": self.broken,
            "first_broken": self.first_broken,
            "reason": self.reason,
            "problems": [{"seq": seq, "reason": reason} for seq, reason in self.problems],
            "head": {"seq": self.last_seq, "hash": self.last_hash},
        }


def verify(session: Session) -> Verdict:
    verdict = Verdict()
    expected_prev, expected_seq = GENESIS, 1
    for row in _rows(session):
        verdict.records += 1
        _check(verdict, row, expected_seq, expected_prev)
        expected_prev, expected_seq = row.hash, row.seq + 1
    verdict.last_seq, verdict.last_hash = expected_seq - 1, expected_prev
    _check_head(session, verdict)
    return verdict


def _check(verdict: Verdict, row: Any, expected_seq: int, expected_prev: str) -> None:
    if row.seq != expected_seq:
        verdict.flag(expected_seq, f"records {expected_seq} to {row.seq - 1} are missing")
    if row.prev_hash != expected_prev:
        verdict.flag(row.seq, "does not point at the previous record's hash")
    if record_hash(row) != row.hash:
        verdict.flag(row.seq, "its columns do not match its hash (the record was changed)")
    verdict.cards += row.capture == "card"
    _check_content(verdict, row)


def _check_content(verdict: Verdict, row: Any) -> None:
    if row.erased_at is not None:
        verdict.erased += 1
        return
    content = row.png if row.png is not None else row.json
    if content is None:
        verdict.flag(row.seq, "its content is missing and no erasure says why")
    elif sha256(bytes(content) if row.png is not None else content) != row.content_sha256:
        kind = "PNG card" if row.png is not None else "JSON"
        verdict.flag(row.seq, f"its {kind} does not match its content hash (it was changed)")


def _check_head(session: Session, verdict: Verdict) -> None:
    head = session.get(EvidenceHead, 1)
    if head is None:
        verdict.flag(verdict.last_seq, "the chain's head is missing")
    elif (head.seq, head.hash) != (verdict.last_seq, verdict.last_hash):
        verdict.flag(
            min(head.seq, verdict.last_seq + 1),
            f"the head names record {head.seq}, the chain ends at {verdict.last_seq}",
        )


def _rows(session: Session) -> Iterator[Any]:
    """Every record with its content, in order, a page at a time (keyset pagination)."""
    columns = [*EvidenceRecord.__table__.c, *_content_columns()]
    after = 0
    while True:
        query = (
            select(*columns)
            .outerjoin(EvidenceContent, EvidenceContent.seq == EvidenceRecord.seq)
            .where(EvidenceRecord.seq > after)
            .order_by(EvidenceRecord.seq)
            .limit(PAGE)
        )
        page = session.execute(query).all()
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].seq


def _content_columns() -> list[Any]:
    return [EvidenceContent.json, EvidenceContent.png, EvidenceContent.erased_at]
