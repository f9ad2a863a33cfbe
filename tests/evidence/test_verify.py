"""``verify`` and ``vastaa evidence``: an intact chain is whole; change one byte of any record or
PNG card, or remove a record, and the first broken record is named (on SQLite and PostgreSQL).

A DBA can drop the append-only triggers: the tamper tests do, inside a transaction they roll
back, so PostgreSQL's shared test database keeps its trigger."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import at, message
from tests.factories import delete as delete_event
from tests.web.helpers import ingest_items
from vastaa import schema
from vastaa.cli import main
from vastaa.db import make_engine, make_sessionmaker, transaction
from vastaa.evidence.chain import canonical, record_hash, sha256
from vastaa.evidence.models import EvidenceContent, EvidenceRecord
from vastaa.evidence.service import erase, prune
from vastaa.evidence.tasks import render_due
from vastaa.evidence.verify import Verdict, verify
from vastaa.messages.models import Message

Tamper = Callable[[Session], None]


def build_chain(sessions: sessionmaker[Session], now: datetime) -> None:
    """Records 1–2 first seen, 3 an edit of 1, 4 the deletion of 2, 5–8 their cards, 9 first
    seen again."""
    ingest_items(sessions, now, message("c1", text="Kahvinkeitin vuotaa"), message("c2"))
    ingest_items(sessions, now, message("c1", text="Keitin vuotaa yhä", edited_at=at(5)))
    ingest_items(sessions, now, delete_event("c2"))
    while render_due(sessions, clock=lambda: now):
        pass
    ingest_items(sessions, now + timedelta(minutes=1), message("c3"))


def drop_triggers(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER evidence_record_append_only ON evidence_record"))
        return
    session.execute(text("DROP TRIGGER evidence_record_no_update"))
    session.execute(text("DROP TRIGGER evidence_record_no_delete"))


@pytest.fixture
def tampering(sessions: sessionmaker[Session], now: datetime) -> Iterator[Session]:
    """A session over the built chain, the triggers dropped; rolled back afterwards."""
    build_chain(sessions, now)
    with sessions() as session:
        drop_triggers(session)
        yield session
        session.rollback()


def flip(data: bytes, at_index: int) -> bytes:
    """``data`` with one bit of one byte changed."""
    return data[:at_index] + bytes([data[at_index] ^ 0x01]) + data[at_index + 1 :]


def content_of(session: Session, seq: int) -> EvidenceContent:
    found = session.get(EvidenceContent, seq)
    assert found is not None
    return found


def change_json(seq: int) -> Tamper:
    def tamper(session: Session) -> None:
        stored = content_of(session, seq).json
        assert stored is not None
        data = stored.encode()
        changed = flip(data, data.index(b"vuotaa")).decode()
        session.execute(
            update(EvidenceContent).where(EvidenceContent.seq == seq).values(json=changed)
        )

    return tamper


def change_png(seq: int) -> Tamper:
    def tamper(session: Session) -> None:
        png = content_of(session, seq).png
        assert png is not None
        changed = flip(bytes(png), len(png) // 2)
        session.execute(
            update(EvidenceContent).where(EvidenceContent.seq == seq).values(png=changed)
        )

    return tamper


def change_column(seq: int, **values: object) -> Tamper:
    def tamper(session: Session) -> None:
        session.execute(update(EvidenceRecord).where(EvidenceRecord.seq == seq).values(**values))

    return tamper


def remove(seq: int) -> Tamper:
    def tamper(session: Session) -> None:
        session.execute(delete(EvidenceContent).where(EvidenceContent.seq == seq))
        session.execute(delete(EvidenceRecord).where(EvidenceRecord.seq == seq))

    return tamper


def wipe_content(seq: int, by: int | None) -> Tamper:
    """Content removed as if erased by record ``by``, which does not say so."""

    def tamper(session: Session) -> None:
        erased_at = datetime(2026, 11, 21).astimezone()
        session.execute(
            update(EvidenceContent)
            .where(EvidenceContent.seq == seq)
            .values(json=None, png=None, erased_at=erased_at, erased_by_seq=by)
        )

    return tamper


TAMPERS = {
    "one byte of a record's JSON": (change_json(3), 3),
    "one byte of a PNG card": (change_png(6), 6),
    "captured_at": (change_column(2, captured_at=datetime(2026, 1, 1).astimezone()), 2),
    "message_id": (change_column(4, message_id=uuid.UUID(int=1)), 4),
    "content_sha256": (change_column(7, content_sha256="f" * 64), 7),
    "capture": (change_column(5, capture="first_seen"), 5),
    "card_of": (change_column(8, card_of=1), 8),
    "prev_hash": (change_column(3, prev_hash="0" * 64), 3),
    "hash": (change_column(4, hash="a" * 64), 4),
    "a record in the middle removed": (remove(5), 5),
    "the first record removed": (remove(1), 1),
    "the last record cut off": (remove(9), 9),
    "content wiped, no erasure named": (wipe_content(3, None), 3),
    "content wiped, a first sight named": (wipe_content(6, 9), 6),
    "content wiped, an earlier record named": (wipe_content(8, 2), 8),
}


@pytest.mark.parametrize("tamper, broken", TAMPERS.values(), ids=TAMPERS.keys())
def test_verify_names_the_changed_record(tampering: Session, tamper: Tamper, broken: int) -> None:
    assert verify(tampering).ok

    tamper(tampering)

    verdict = verify(tampering)
    assert not verdict.ok
    assert verdict.first_broken == broken, verdict.problems
    assert verdict.reason


def erase_c3(session: Session, now: datetime) -> None:
    c3 = session.scalar(select(Message.id).where(Message.external_id == "c3"))
    assert c3 is not None
    erase(session, message_ids=[c3], reason="asked", actor="ada", now=now)


def prune_before_c3(session: Session, now: datetime) -> None:
    assert prune(session, retention_days=1, now=now + timedelta(days=1, seconds=30)) == 8


@pytest.mark.parametrize(
    "remove_content, wiped", [(erase_c3, 3), (prune_before_c3, 9)], ids=["erasure", "retention"]
)
def test_content_wiped_in_the_name_of_a_removal_that_does_not_cover_it_is_named(
    tampering: Session,
    now: datetime,
    remove_content: Callable[[Session, datetime], None],
    wiped: int,
) -> None:
    remove_content(tampering, now)
    assert verify(tampering).ok
    removal = tampering.scalar(select(func.max(EvidenceRecord.seq)))

    wipe_content(wiped, removal)(tampering)

    verdict = verify(tampering)
    assert (verdict.first_broken, verdict.broken) == (wiped, 1)
    assert "no erasure or retention record names it" in verdict.reason


def test_a_record_rewritten_with_fresh_hashes_breaks_the_next_link(tampering: Session) -> None:
    changed = canonical({"capture": "first_seen", "message": {"text": "nothing to see"}})
    record = tampering.get(EvidenceRecord, 2)
    assert record is not None
    tampering.expunge(record)  # a copy to compute the new hash with, not to write
    record.content_sha256 = sha256(changed)
    new_hash = record_hash(record)
    tampering.execute(update(EvidenceContent).where(EvidenceContent.seq == 2).values(json=changed))
    tampering.execute(
        update(EvidenceRecord)
        .where(EvidenceRecord.seq == 2)
        .values(content_sha256=sha256(changed), hash=new_hash)
    )

    verdict = verify(tampering)

    assert (verdict.first_broken, verdict.broken) == (3, 1)
    assert "previous record" in verdict.reason


def test_an_intact_chain_verifies_and_counts_its_cards(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    build_chain(sessions, now)

    with sessions() as session:
        verdict = verify(session)

    assert verdict.ok, verdict.problems
    assert (verdict.records, verdict.cards, verdict.erased) == (9, 4, 0)
    assert (verdict.first_broken, verdict.broken, verdict.last_seq) == (None, 0, 9)
    with sessions() as session:
        last = session.get(EvidenceRecord, 9)
        assert last is not None and verdict.last_hash == last.hash


def test_an_empty_archive_verifies(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        verdict = verify(session)

    assert verdict.ok and verdict.records == 0


def test_verify_reads_the_chain_a_page_at_a_time(
    sessions: sessionmaker[Session], now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("vastaa.evidence.verify.PAGE", 2)
    build_chain(sessions, now)

    with sessions() as session:
        verdict = verify(session)

    assert verdict.ok and verdict.records == 9


def test_the_verdict_as_json() -> None:
    verdict = Verdict(records=3)
    verdict.flag(2, "changed")
    verdict.flag(3, "also")

    assert verdict.as_json() == {
        "ok": False,
        "records": 3,
        "cards": 0,
        "erased": 0,
        "broken": 2,
        "first_broken": 2,
        "reason": "changed",
        "problems": [{"seq": 2, "reason": "changed"}, {"seq": 3, "reason": "also"}],
        "head": {"seq": 0, "hash": "0" * 64},
    }


# The command ---------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"VASTAA_DATA_DIR": str(tmp_path / "data"), "VASTAA_DATABASE_URL": ""}


@pytest.fixture
def cli_engine(env: dict[str, str], now: datetime) -> Iterator[Engine]:
    """The command's own SQLite file, migrated, with the chain of ``build_chain`` in it."""
    Path(env["VASTAA_DATA_DIR"]).mkdir(parents=True)
    engine = make_engine(f"sqlite:///{env['VASTAA_DATA_DIR']}/vastaa.db")
    schema.upgrade(engine)
    build_chain(make_sessionmaker(engine), now)
    yield engine
    engine.dispose()


def test_verify_command_on_an_intact_chain(cli_engine: Engine, env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["evidence", "verify"], env=env)

    assert result.exit_code == 0, result.output
    assert "The chain is whole: 9 records (4 cards, 0 with content erased" in result.stdout


def test_verify_command_names_the_broken_record(cli_engine: Engine, env: dict[str, str]) -> None:
    with transaction(make_sessionmaker(cli_engine)) as session:
        drop_triggers(session)
        change_json(3)(session)

    result = CliRunner().invoke(main, ["evidence", "verify"], env=env)

    assert result.exit_code == 1
    assert "Record 3 is broken: its JSON does not match its content hash" in result.stderr
    assert "1 problems in 9 records." in result.stderr


def test_verify_command_as_json(cli_engine: Engine, env: dict[str, str]) -> None:
    runner = CliRunner()
    whole = runner.invoke(main, ["evidence", "verify", "--json"], env=env)
    with transaction(make_sessionmaker(cli_engine)) as session:
        drop_triggers(session)
        remove(9)(session)
    cut = runner.invoke(main, ["evidence", "verify", "--json"], env=env)

    assert whole.exit_code == 0 and cut.exit_code == 1
    assert json.loads(whole.stdout)["ok"] is True
    verdict = json.loads(cut.stdout)
    assert (verdict["ok"], verdict["first_broken"], verdict["records"]) == (False, 9, 8)
    assert verdict["head"]["seq"] == 8


def test_verify_command_counts_erased_records(
    cli_engine: Engine, env: dict[str, str], now: datetime
) -> None:
    sessions = make_sessionmaker(cli_engine)
    with transaction(sessions) as session:
        c3 = session.scalar(select(Message.id).where(Message.external_id == "c3"))
        assert c3 is not None
        erase(session, message_ids=[c3], reason="asked", actor="ada", now=now)

    result = CliRunner().invoke(main, ["evidence", "verify"], env=env)

    assert result.exit_code == 0, result.output
    assert "10 records (4 cards, 1 with content erased" in result.stdout


def test_export_command_writes_the_conversation_zip(
    cli_engine: Engine, env: dict[str, str], tmp_path: Path
) -> None:
    with make_sessionmaker(cli_engine)() as session:
        query = select(Message.conversation_id).where(Message.external_id == "c1")
        conversation = session.scalar(query)
    output = tmp_path / "evidence.zip"

    result = CliRunner().invoke(
        main,
        ["evidence", "export", "--conversation", str(conversation), "-o", str(output)],
        env=env,
    )

    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(io.BytesIO(output.read_bytes()))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["records"] and f"Wrote {len(manifest['records'])} records" in result.stdout
    for entry in manifest["records"]:
        assert sha256(archive.read(entry["file"])) == entry["content_sha256"]


def test_export_command_refuses_an_unknown_conversation(
    cli_engine: Engine, env: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "none.zip"
    arguments = ["evidence", "export", "--conversation", str(uuid.uuid4()), "-o", str(output)]

    result = CliRunner().invoke(main, arguments, env=env)

    assert result.exit_code == 1 and "no evidence about conversation" in result.stderr
    assert not output.exists()


def test_cards_command_renders_what_is_missing(env: dict[str, str]) -> None:
    runner = CliRunner()
    source = json.dumps(message("c1")) + "\n" + json.dumps(message("c2")) + "\n"
    runner.invoke(main, ["ingest", "-"], input=source, env=env)

    first = runner.invoke(main, ["evidence", "cards"], env=env)
    again = runner.invoke(main, ["evidence", "cards"], env=env)
    verified = runner.invoke(main, ["evidence", "verify"], env=env)

    assert (first.exit_code, first.stdout) == (0, "Rendered 2 cards.\n")
    assert again.stdout == "Rendered 0 cards.\n"
    assert "4 records (2 cards" in verified.stdout
