"""The evidence archive on SQLite and PostgreSQL: what ingestion captures, in one hash chain;
the database refusing changes; erasure and retention keeping the chain whole; the export."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import at, delete, message
from tests.web.helpers import ingest_items
from vastaa.db import transaction
from vastaa.evidence.chain import record_hash, sha256
from vastaa.evidence.export import conversation_items, write_zip
from vastaa.evidence.models import GENESIS, EvidenceContent, EvidenceHead, EvidenceRecord
from vastaa.evidence.service import capture_messages, erase, prune
from vastaa.evidence.tasks import Retention, render_due
from vastaa.evidence.verify import verify
from vastaa.messages.models import Message
from vastaa.messages.service import record_outbound

HOSTILE = "<script>alert(1)</script>"


def records(sessions: sessionmaker[Session]) -> list[tuple[EvidenceRecord, EvidenceContent]]:
    with sessions() as session:
        query = (
            select(EvidenceRecord, EvidenceContent)
            .join(EvidenceContent, EvidenceContent.seq == EvidenceRecord.seq)
            .order_by(EvidenceRecord.seq)
        )
        return [(record, content) for record, content in session.execute(query)]


def snapshot(content: EvidenceContent) -> dict[str, Any]:
    assert content.json is not None
    loaded = json.loads(content.json)
    assert isinstance(loaded, dict)
    return loaded


def message_id(sessions: sessionmaker[Session], external_id: str) -> uuid.UUID:
    with sessions() as session:
        found = session.scalar(select(Message.id).where(Message.external_id == external_id))
    assert found is not None
    return found


def conversation_of(sessions: sessionmaker[Session], external_id: str) -> uuid.UUID:
    with sessions() as session:
        query = select(Message.conversation_id).where(Message.external_id == external_id)
        found = session.scalar(query)
    assert found is not None
    return found


def verdict_of(sessions: sessionmaker[Session]) -> Any:
    with sessions() as session:
        return verify(session)


def head(sessions: sessionmaker[Session]) -> tuple[int, str]:
    with sessions() as session:
        row = session.get(EvidenceHead, 1)
        assert row is not None
        return row.seq, row.hash


def render_all(sessions: sessionmaker[Session], now: datetime) -> int:
    total = 0
    while done := render_due(sessions, clock=lambda: now):
        total += done
    return total


# Capture on ingestion ----------------------------------------------------------------------


def test_first_sight_edit_and_deletion_are_chained_in_order(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1", text="Kahvinkeitin vuotaa"))
    ingest_items(sessions, now, message("c1", text="Kahvinkeitin vuotaa taas", edited_at=at(5)))
    ingest_items(sessions, now, delete("c1"))

    found = records(sessions)
    assert [record.capture for record, _ in found] == ["first_seen", "edit", "deletion"]
    assert [record.seq for record, _ in found] == [1, 2, 3]
    assert [record.prev_hash for record, _ in found] == [GENESIS] + [r.hash for r, _ in found[:2]]
    for record, content in found:
        assert record.hash == record_hash(record)
        assert record.content_sha256 == sha256(content.json or "")
        assert record.message_id == message_id(sessions, "c1")
        assert record.captured_at == now
    first, edit, deletion = (snapshot(content) for _, content in found)
    assert first["message"]["text"] == "Kahvinkeitin vuotaa"
    assert edit["message"]["text"] == "Kahvinkeitin vuotaa taas"
    assert edit["previous_text"] == "Kahvinkeitin vuotaa"
    assert deletion["capture"] == "deletion" and deletion["message"]["deleted_at"] is not None
    assert head(sessions) == (3, found[-1][0].hash)


def test_a_redelivery_adds_no_record(sessions: sessionmaker[Session], now: datetime) -> None:
    batch = [message("c1"), message("c2", parent_id="c1"), delete("c3")]
    ingest_items(sessions, now, *batch)
    before = records(sessions)

    ingest_items(sessions, now, *batch)

    assert [record.seq for record, _ in records(sessions)] == [record.seq for record, _ in before]
    assert head(sessions) == (3, before[-1][0].hash)


def test_a_first_record_carries_its_conversation_and_channel(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1"))

    [(record, content)] = records(sessions)
    assert record.conversation_id == conversation_of(sessions, "c1")
    assert record.channel_id is not None
    assert snapshot(content)["platform"] == "facebook"


def test_a_deletion_of_a_message_never_seen_records_the_report(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, delete("x9"))

    [(record, content)] = records(sessions)
    assert (record.capture, record.message_id, record.channel_id is None) == (
        "deletion",
        None,
        False,
    )
    deleted_at = "2026-11-20T12:30:00.000000+00:00"  # microseconds always: one text per time
    assert snapshot(content)["message"] == {"external_id": "x9", "deleted_at": deleted_at}


def test_our_reply_is_recorded_as_the_platform_shows_it(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1"))
    with transaction(sessions) as session:
        reply = record_outbound(
            session,
            conversation_id=conversation_of(sessions, "c1"),
            text="Kiitos!",
            sent_by_id=None,
            now=now,
            client_ref="ref-1",
        )
    echo = message(
        "r1",
        parent_id="c1",
        direction="outbound",
        author={"id": "page"},
        text="Kiitos!",
        client_ref="ref-1",
        url="https://facebook.example/r1",
    )

    ingest_items(sessions, now, echo)
    ingest_items(sessions, now, echo)

    assert [record.capture for record, _ in records(sessions)] == ["first_seen", "first_seen"]
    record, content = records(sessions)[1]
    assert (record.message_id, record.conversation_id) == (reply.id, reply.conversation_id)
    stored = snapshot(content)
    assert stored["message"]["external_id"] == "r1"
    assert stored["message"]["url"] == "https://facebook.example/r1"
    assert (stored["message"]["direction"], stored["message"]["text"]) == ("outbound", "Kiitos!")
    assert stored["raw"] == {"id": "r1"}


def test_before_action_stores_the_current_state_and_the_action(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1", text="first"))
    ingest_items(sessions, now, message("c1", text="now this", edited_at=at(5)))
    target = message_id(sessions, "c1")
    action = {"action": "hide", "by": "Sanna", "reason": "Personal data in public"}

    with transaction(sessions) as session:
        seqs = capture_messages(
            session,
            [target, uuid.uuid4()],
            capture="before_action",
            now=now,
            extra={"action": action},
        )

    assert seqs == {target: 3}
    record, content = records(sessions)[-1]
    assert (record.capture, record.message_id) == ("before_action", target)
    assert record.conversation_id == conversation_of(sessions, "c1")
    stored = snapshot(content)
    assert stored["message"]["text"] == "now this"
    assert stored["message"]["edited_at"] is not None
    assert stored["action"] == action
    assert verdict_of(sessions).ok


# The database refuses changes ------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE evidence_record SET capture = 'edit' WHERE seq = 1",
        "UPDATE evidence_record SET hash = prev_hash",
        "DELETE FROM evidence_record WHERE seq = 1",
    ],
)
def test_the_database_refuses_to_change_or_remove_a_record(
    sessions: sessionmaker[Session], now: datetime, statement: str
) -> None:
    ingest_items(sessions, now, message("c1"))

    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as session:
        session.execute(text("DELETE FROM evidence_content"))
        session.execute(text(statement))

    assert len(records(sessions)) == 1
    assert verdict_of(sessions).ok


# Erasure and retention -----------------------------------------------------------------


def test_erasure_empties_the_content_and_records_what_and_why(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    secret = "Henkilötunnukseni on 010190-123A"
    ingest_items(sessions, now, message("c1", text=secret), message("c2", text="kiitos"))
    ingest_items(sessions, now, message("c1", text=secret + "!", edited_at=at(5)))
    render_all(sessions, now)  # cards 4–6: of 1 (c1), 2 (c2) and 3 (c1's edit)
    erased_ids = [message_id(sessions, "c1")]

    with transaction(sessions) as session:
        seq = erase(session, message_ids=erased_ids, reason="GDPR art. 17", actor="ada", now=now)

    assert seq == 7
    found = {record.seq: (record, content) for record, content in records(sessions)}
    gone = [s for s, (record, _) in found.items() if record.message_id == erased_ids[0]]
    assert gone == [1, 3, 4, 6]
    for s in gone:
        content = found[s][1]
        assert (content.json, content.png) == (None, None)
        assert (content.erased_at, content.erased_by_seq) == (now, 7)
    assert found[2][1].json is not None and found[5][1].png is not None
    record, content = found[7]
    assert record.capture == "erasure" and content.json is not None
    assert secret not in content.json and "010190" not in content.json
    assert snapshot(content) == {
        "capture": "erasure",
        "records": gone,
        "reason": "GDPR art. 17",
        "by": "ada",
    }
    verdict = verdict_of(sessions)
    assert verdict.ok, verdict.problems
    assert (verdict.records, verdict.erased, verdict.cards) == (7, 4, 3)


def test_erasing_messages_without_records_appends_nothing(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    with transaction(sessions) as session:
        seq = erase(session, message_ids=[uuid.uuid4()], reason="r", actor="ada", now=now)

    assert seq is None
    assert head(sessions) == (0, GENESIS)


def test_retention_removes_the_content_of_old_records_only(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    old = now - timedelta(days=40)
    ingest_items(sessions, old, message("c1"), message("c2"))
    ingest_items(sessions, now, message("c3"))

    with transaction(sessions) as session:
        removed = prune(session, retention_days=30, now=now)
        again = prune(session, retention_days=30, now=now)

    assert (removed, again) == (2, 0)
    found = records(sessions)
    assert [record.capture for record, _ in found] == [
        "first_seen",
        "first_seen",
        "first_seen",
        "retention",
    ]
    assert [content.erased_at for _, content in found] == [now, now, None, None]
    what = snapshot(found[3][1])
    assert (what["from"], what["to"], what["count"]) == (1, 2, 2)
    assert "30 days" in what["reason"]
    verdict = verdict_of(sessions)
    assert verdict.ok, verdict.problems
    assert (verdict.records, verdict.erased) == (4, 2)


def test_retention_of_zero_days_keeps_everything(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now - timedelta(days=4000), message("c1"))

    with transaction(sessions) as session:
        assert prune(session, retention_days=0, now=now) == 0
    assert Retention(0).run_if_due(sessions, now) == 0

    assert [content.erased_at for _, content in records(sessions)] == [None]


def test_retention_runs_at_most_once_an_hour_once_caught_up(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    old = now - timedelta(days=40)
    retention = Retention(30)
    ingest_items(sessions, old, message("c1"))

    assert retention.run_if_due(sessions, now) == 1
    assert retention.run_if_due(sessions, now) == 0  # caught up: the hour starts
    ingest_items(sessions, old, message("c2"))
    assert retention.run_if_due(sessions, now + timedelta(minutes=59)) == 0
    assert retention.run_if_due(sessions, now + timedelta(minutes=61)) == 1

    assert verdict_of(sessions).ok


# Export -----------------------------------------------------------------------------------


def export(sessions: sessionmaker[Session], conversation: uuid.UUID, now: datetime) -> bytes:
    with transaction(sessions) as session:
        items = conversation_items(session, conversation)
        return write_zip(
            session, items, title="Evidence", subject={"conversation": "x"}, by="test", now=now
        )


def test_the_export_holds_every_record_of_the_conversation_with_matching_hashes(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    other_author = {"id": "fb-u-2", "handle": "liisa", "name": "Liisa"}
    ingest_items(
        sessions,
        now,
        message("c1", text=HOSTILE),
        message("c2", parent_id="c1", text="<b>bold</b> & more"),
        message("o1", author=other_author, text="another case"),
    )
    ingest_items(sessions, now, message("c2", text="edited <i>", parent_id="c1", edited_at=at(3)))
    render_all(sessions, now)
    conversation = conversation_of(sessions, "c1")
    assert conversation_of(sessions, "o1") != conversation
    ours = {message_id(sessions, "c1"), message_id(sessions, "c2")}
    expected = [record.seq for record, _ in records(sessions) if record.message_id in ours]

    archive = zipfile.ZipFile(io.BytesIO(export(sessions, conversation, now)))

    manifest = json.loads(archive.read("manifest.json"))
    assert [entry["seq"] for entry in manifest["records"]] == expected
    assert len(expected) == 6  # 3 records, 3 cards
    assert manifest["chain_head"]["seq"] == head(sessions)[0]
    files = {entry["file"] for entry in manifest["records"]}
    assert files | {"manifest.json", "summary.html"} == set(archive.namelist())
    for entry in manifest["records"]:
        assert sha256(archive.read(entry["file"])) == entry["content_sha256"]
        assert entry["intact"] and not entry["erased"]
    assert sum(name.endswith(".png") for name in files) == 3
    summary = archive.read("summary.html").decode()
    assert HOSTILE not in summary and "<b>bold" not in summary and "<i>" not in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary


def test_the_export_is_the_same_for_the_same_records(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1"))
    conversation = conversation_of(sessions, "c1")

    assert export(sessions, conversation, now) == export(sessions, conversation, now)


def test_an_erased_record_is_listed_without_its_file(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    ingest_items(sessions, now, message("c1", text="secret"))
    conversation = conversation_of(sessions, "c1")
    with transaction(sessions) as session:
        erase(session, message_ids=[message_id(sessions, "c1")], reason="r", actor="a", now=now)

    archive = zipfile.ZipFile(io.BytesIO(export(sessions, conversation, now)))

    [entry] = json.loads(archive.read("manifest.json"))["records"]
    assert (entry["seq"], entry["file"], entry["erased"], entry["intact"]) == (1, None, True, True)
    assert set(archive.namelist()) == {"manifest.json", "summary.html"}
    assert "secret" not in archive.read("summary.html").decode()


def test_the_written_out_envelope_is_exactly_the_canonical_json_of_its_fields() -> None:
    """``envelope`` is hand-written for speed; it must stay byte for byte ``canonical``."""
    import random
    from datetime import timedelta, timezone

    from vastaa.evidence.chain import canonical, envelope, iso

    rng = random.Random(7)
    alphabet = 'ab"\\\n\t\x00\x1fåäöşğı€😀\u2028'

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))

    for _ in range(2000):
        zone = timezone(timedelta(hours=rng.randint(-5, 5)))
        ids = [uuid.uuid4() if rng.random() < 0.6 else None for _ in range(3)]
        fields = {
            "seq": rng.randint(1, 10**12),
            "capture": text(),
            "captured_at": datetime(2026, 1, 1, tzinfo=zone)
            + timedelta(microseconds=rng.randint(0, 10**12)),
            "message_id": ids[0],
            "conversation_id": ids[1],
            "channel_id": ids[2],
            "card_of": rng.choice([None, rng.randint(1, 10**9)]),
            "media_type": text(),
            "content_sha256": text(),
            "prev_hash": text(),
        }
        plain = {
            **fields,
            "captured_at": iso(fields["captured_at"]),
            **{k: str(v) if v else None for k, v in fields.items() if k.endswith("_id")},
        }
        assert envelope(**fields) == canonical(plain)  # type: ignore[arg-type]
