"""``vastaa evidence verify``: walk the whole chain in order and name the first broken record.

A record is broken when its number is not the next one (a record removed), when it does not
point at the previous record's hash, when its own hash does not match its columns (a byte of it
changed), or when its content (JSON or PNG) no longer matches the hash recorded for it. Content
removed by an erasure or by retention is counted, not broken, when the record saying why is in the
chain and names it (``erased_by_seq``); content removed without one is broken. The head must name
the last record (records cut off the end).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from vastaa.evidence.chain import record_hash, sha256
from vastaa.evidence.models import GENESIS, EvidenceContent, EvidenceHead, EvidenceRecord

PAGE = 5_000  # PNG cards are ~15 KiB: a page stays under ~100 MiB
ERASING = ("erasure", "retention")
UNEXPLAINED = "its content was removed, but no erasure or retention record names it"


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
        if self.first_broken is None or seq < self.first_broken:
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


@dataclass
class Erasures:
    """Erased content waiting for the record that says why, which always comes later."""

    waiting: dict[int, list[int]] = field(default_factory=dict)  # erasing seq → erased seqs

    def wait(self, seq: int, by: int | None) -> None:
        self.waiting.setdefault(by if by is not None and by > seq else 0, []).append(seq)

    def explain(self, verdict: Verdict, row: Any) -> None:
        erased = self.waiting.pop(row.seq, [])
        covers = _coverage(row) if erased else None
        for seq in erased:
            if covers is None or not covers(seq):
                verdict.flag(seq, UNEXPLAINED)

    def finish(self, verdict: Verdict) -> None:
        for erased in self.waiting.values():
            for seq in erased:
                verdict.flag(seq, UNEXPLAINED)


def _coverage(row: Any) -> Callable[[int], bool] | None:
    """Which records an erasure or retention record says it removed the content of."""
    if row.capture not in ERASING or row.json is None:
        return None
    try:
        what = json.loads(row.json)
    except ValueError:
        return None
    if not isinstance(what, dict):
        return None
    if row.capture == "erasure":
        listed = what.get("records")
        records = {s for s in listed if isinstance(s, int)} if isinstance(listed, list) else set()
        return records.__contains__
    first, last = what.get("from"), what.get("to")
    if not isinstance(first, int) or not isinstance(last, int):
        return None
    return lambda seq: first <= seq <= last


def verify(session: Session) -> Verdict:
    """The chain up to the head as it is when verification starts: records appended while it
    runs (ingestion goes on) are left for the next run, not reported as a break."""
    verdict, erasures = Verdict(), Erasures()
    head = session.execute(select(EvidenceHead.seq, EvidenceHead.hash)).first()
    expected_prev, expected_seq = GENESIS, 1
    for row in _rows(session, upto=head[0] if head is not None else None):
        verdict.records += 1
        _check(verdict, erasures, row, expected_seq, expected_prev)
        expected_prev, expected_seq = row.hash, row.seq + 1
    erasures.finish(verdict)
    verdict.last_seq, verdict.last_hash = expected_seq - 1, expected_prev
    _check_head(verdict, None if head is None else (int(head[0]), str(head[1])))
    return verdict


def _check(
    verdict: Verdict, erasures: Erasures, row: Any, expected_seq: int, expected_prev: str
) -> None:
    if row.seq != expected_seq:
        verdict.flag(expected_seq, f"records {expected_seq} to {row.seq - 1} are missing")
    if row.prev_hash != expected_prev:
        verdict.flag(row.seq, "does not point at the previous record's hash")
    if record_hash(row) != row.hash:
        verdict.flag(row.seq, "its columns do not match its hash (the record was changed)")
    verdict.cards += row.capture == "card"
    _check_content(verdict, erasures, row)
    erasures.explain(verdict, row)


def _check_content(verdict: Verdict, erasures: Erasures, row: Any) -> None:
    content = row.png if row.png is not None else row.json
    if row.erased_at is not None:
        verdict.erased += 1
        erasures.wait(row.seq, row.erased_by_seq)
        if content is None:
            return
    if content is None:
        verdict.flag(row.seq, "its content is missing and no erasure says why")
    elif sha256(bytes(content) if row.png is not None else content) != row.content_sha256:
        kind = "PNG card" if row.png is not None else "JSON"
        verdict.flag(row.seq, f"its {kind} does not match its content hash (it was changed)")


def _check_head(verdict: Verdict, head: tuple[int, str] | None) -> None:
    if head is None:
        verdict.flag(verdict.last_seq, "the chain's head is missing")
    elif head != (verdict.last_seq, verdict.last_hash):
        seq = head[0]
        verdict.flag(
            seq if seq == verdict.last_seq else min(seq, verdict.last_seq + 1),
            f"the head names record {seq}, the chain ends at {verdict.last_seq}",
        )


def _rows(session: Session, *, upto: int | None) -> Iterator[Any]:
    """Every record with its content, in order, a page at a time (keyset pagination)."""
    columns = [*EvidenceRecord.__table__.c, *_content_columns()]
    after = 0
    while True:
        query = (
            select(*columns)
            .outerjoin(EvidenceContent, EvidenceContent.seq == EvidenceRecord.seq)
            .where(EvidenceRecord.seq > after)
            .where(EvidenceRecord.seq <= upto if upto is not None else true())
            .order_by(EvidenceRecord.seq)
            .limit(PAGE)
        )
        page = session.connection().execute(query).all()  # rows, not ORM objects
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].seq


def _content_columns() -> list[Any]:
    return [
        EvidenceContent.json,
        EvidenceContent.png,
        EvidenceContent.erased_at,
        EvidenceContent.erased_by_seq,
    ]
