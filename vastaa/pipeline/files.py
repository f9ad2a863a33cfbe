"""Reading canonical events from a JSON-lines file, for ``vastaa ingest``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vastaa.bulk import refresh_statistics
from vastaa.clock import Clock
from vastaa.db import transaction
from vastaa.errors import InvalidEventError
from vastaa.pipeline.events import Event, parse_event_json
from vastaa.pipeline.ingest import ingest

Lines = Iterable[bytes] | BinaryIO
# A bulk load into fresh tables outruns PostgreSQL's autovacuum: refresh the planner's
# statistics after the first, the tenth and the hundredth batch (cost: a few ANALYZE runs).
ANALYZE_AFTER_BATCH = frozenset({0, 9, 99})


@dataclass
class FileReport:
    """What happened to a file: counts per status and every rejected line with its reason."""

    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "counts": self.counts,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }


def read_lines(stream: Lines) -> Iterator[tuple[int, bytes]]:
    """Numbered non-blank lines (numbering starts at 1, as editors show it)."""
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line


def parse_lines(
    lines: Iterable[tuple[int, bytes]], on_error: Callable[[int, str], None]
) -> Iterator[tuple[int, Event]]:
    for number, line in lines:
        try:
            yield number, parse_event_json(line, number)
        except InvalidEventError as error:
            on_error(number, error.reason)


def batches(items: Iterable[tuple[int, Event]], size: int) -> Iterator[list[tuple[int, Event]]]:
    batch: list[tuple[int, Event]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest_stream(
    stream: Lines,
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    batch_size: int,
    on_error: Callable[[int, str], None] = lambda line, reason: None,
    on_batch: Callable[[int], None] = lambda count: None,
) -> FileReport:
    """Good lines are stored (a transaction per batch); bad lines are reported, never fatal.

    A batch the database refuses as a whole (it lost its connection, say) is reported line by
    line and the file goes on: ingestion is idempotent, so running the file again is safe.
    """
    report = FileReport()

    def reject(line: int, reason: str) -> None:
        report.rejected.append((line, reason))
        on_error(line, reason)

    parsed = parse_lines(read_lines(stream), reject)
    for number, batch in enumerate(batches(parsed, batch_size)):
        try:
            _ingest_batch(sessions, batch, report, now=clock())
        except SQLAlchemyError as error:
            reason = f"not stored, the database refused the batch: {_first_line(error)}"
            for line, _ in batch:
                reject(line, reason)
        if number in ANALYZE_AFTER_BATCH:
            with transaction(sessions) as session:
                refresh_statistics(session)
        on_batch(len(batch))
    return report


def _ingest_batch(
    sessions: sessionmaker[Session],
    batch: list[tuple[int, Event]],
    report: FileReport,
    *,
    now: datetime,
) -> None:
    with transaction(sessions) as session:
        results = ingest(session, [event for _, event in batch], now=now)
    for result in results:
        report.counts[result.status] = report.counts.get(result.status, 0) + 1


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
