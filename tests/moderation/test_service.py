"""Moderation actions on SQLite and PostgreSQL: the guard, the evidence captured first, the
platform's part through the connector (or by hand), the hide budget, undo, the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels import fake_mastodon
from tests.moderation.conftest import thread
from vastaa.audit.models import AuditEntry
from vastaa.channels.models import OutboxItem
from vastaa.channels.registry import builtin
from vastaa.channels.tasks import deliver_due
from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author
from vastaa.db import transaction
from vastaa.errors import PermissionDenied
from vastaa.evidence.models import EvidenceContent, EvidenceRecord
from vastaa.evidence.verify import verify
from vastaa.messages.models import Message
from vastaa.moderation import service
from vastaa.moderation.models import ModerationAction
from vastaa.moderation.policy import PolicyRefused

AGENT = "agent"


def actor(ids: dict[str, uuid.UUID], name: str, role: str) -> service.Actor:
    return service.Actor(id=ids[name], role=role)


def take(
    sessions: sessionmaker[Session],
    now: datetime,
    message_id: uuid.UUID,
    action: str,
    who: service.Actor,
    **options: object,
) -> ModerationAction:
    with transaction(sessions) as session:
        return service.act(
            session,
            message_id=message_id,
            action=action,
            actor=who,
            now=now,
            connectors=builtin({}),
            **options,  # type: ignore[arg-type]
        )


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_agent_cannot_hide_or_delete_criticism_and_nothing_is_written(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    ids = thread(sessions, now)
    records = count(sessions, EvidenceRecord)
    for action in ("hide", "delete", "spam"):
        with pytest.raises(PolicyRefused) as refused:
            take(sessions, now, ids["criticism"], action, actor(cast, "aino", AGENT))
        assert refused.value.code == "criticism"
    assert count(sessions, ModerationAction) == 0
    assert count(sessions, EvidenceRecord) == records
    with sessions() as session:
        assert session.get(Message, ids["criticism"]).moderation is None  # type: ignore[union-attr]


def test_a_supervisor_overrides_with_a_written_reason_recorded_with_the_evidence(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    mert = actor(cast, "mert", "supervisor")
    with pytest.raises(PolicyRefused) as refused:
        take(sessions, now, ids["criticism"], "hide", mert)
    assert refused.value.code == "reason_needed"

    taken = take(sessions, now, ids["criticism"], "hide", mert, reason="Contains a home address")

    assert taken.override and taken.state == "by_hand"  # Mastodon cannot hide a reply
    with sessions() as session:
        assert session.get(Message, ids["criticism"]).moderation == "hidden"  # type: ignore[union-attr]
        record = session.get(EvidenceRecord, taken.evidence_seq)
        content = session.get(EvidenceContent, taken.evidence_seq)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation")).one()
    assert record is not None and record.capture == "before_action"
    assert content is not None and "Contains a home address" in (content.json or "")
    assert "Surkeaa" in (content.json or "")  # the message as it was, before hiding
    assert entry.actor_id == cast["mert"] and entry.data and entry.data["override"] is True
    with sessions() as session:
        assert verify(session).ok


def test_hate_is_captured_deleted_reported_and_blocked_in_one_go_through_mastodon(
    sessions: sessionmaker[Session],
    cast: dict[str, uuid.UUID],
    now: datetime,
    server: fake_mastodon.Instance,
) -> None:
    ids = thread(sessions, now, server)
    with transaction(sessions) as session:
        done = service.remove_hate(
            session,
            message_id=ids["hate"],
            actor=actor(cast, "aino", AGENT),
            now=now,
            connectors=builtin({}),
        )
    assert [(t.action, t.state) for t in done] == [
        ("delete", "by_hand"),  # Mastodon deletes only our own posts: a person does it there
        ("report", "queued"),
        ("block", "queued"),
    ]

    deliver_due(sessions, builtin({}), clock=lambda: now)

    assert server.blocked == {"71"}
    assert [r["status_ids"] for r in server.reports] == [["hate"]]
    with sessions() as session:
        states = {t.action: t.state for t in session.scalars(select(ModerationAction))}
        author = session.scalars(select(Author).where(Author.external_id == "71")).one()
        message = session.get(Message, ids["hate"])
    assert states == {"delete": "by_hand", "report": "done", "block": "done"}
    assert author.blocked_at is not None
    assert message is not None and message.moderation == "removed" and message.text  # kept
    with sessions() as session:
        case = session.get(Conversation, message.conversation_id)
    assert case is not None and case.status == "resolved"  # removed, not answered (R7)


def test_a_platform_refusal_leaves_the_action_failed_with_the_reason(
    sessions: sessionmaker[Session],
    cast: dict[str, uuid.UUID],
    now: datetime,
    server: fake_mastodon.Instance,
) -> None:
    ids = thread(sessions, now, server)
    take(sessions, now, ids["troll"], "block", actor(cast, "aino", AGENT))
    server.fail_next(422, "Validation failed: You cannot block this account")

    deliver_due(sessions, builtin({}), clock=lambda: now)

    with sessions() as session:
        taken = session.scalars(select(ModerationAction)).one()
        message = session.get(Message, ids["troll"])
    assert taken.state == "failed" and "cannot block" in taken.last_error
    assert message is not None and message.delivery == "received"  # not a reply: untouched
    with transaction(sessions) as session:
        service.mark_done(session, action_id=taken.id, actor=actor(cast, "aino", AGENT), now=now)
    with sessions() as session:
        assert session.get(ModerationAction, taken.id).state == "done"  # type: ignore[union-attr]


def test_the_hide_budget_warns_above_ten_percent_of_the_threads_replies(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    ids = thread(sessions, now, replies=17)  # 20 replies: 2 may be hidden, the 3rd shows
    mert = actor(cast, "mert", "supervisor")
    take(sessions, now, ids["troll"], "hide", mert)
    take(sessions, now, ids["hate"], "hide", mert)
    with pytest.raises(service.OverBudget) as over:
        take(sessions, now, ids["r0"], "hide", mert)
    assert (over.value.budget.hidden, over.value.budget.replies) == (3, 20)

    take(sessions, now, ids["r0"], "hide", mert, over_budget_ok=True)
    assert count(sessions, ModerationAction) == 3


def test_undo_shows_the_message_again_and_both_steps_are_recorded(
    sessions: sessionmaker[Session],
    cast: dict[str, uuid.UUID],
    now: datetime,
    server: fake_mastodon.Instance,
) -> None:
    ids = thread(sessions, now, server, replies=20)
    aino = actor(cast, "aino", AGENT)
    hidden = take(sessions, now, ids["troll"], "hide", aino)
    blocked = take(sessions, now, ids["troll"], "block", aino)
    deleted = take(sessions, now, ids["hate"], "delete", aino)
    with transaction(sessions) as session:
        service.undo(session, action_id=hidden.id, actor=aino, now=now, connectors=builtin({}))
        service.undo(session, action_id=blocked.id, actor=aino, now=now, connectors=builtin({}))
    with transaction(sessions) as session, pytest.raises(Exception, match="cannot be undone"):
        service.undo(session, action_id=deleted.id, actor=aino, now=now, connectors=builtin({}))
    deliver_due(sessions, builtin({}), clock=lambda: now)

    with sessions() as session:
        message = session.get(Message, ids["troll"])
        actions = [
            (t.action, t.undone_at is not None)
            for t in session.scalars(
                select(ModerationAction).order_by(
                    ModerationAction.created_at, ModerationAction.action
                )
            )
        ]
        undos = session.scalar(select(func.count()).where(AuditEntry.action == "moderation"))
    assert message is not None and message.moderation is None
    assert ("hide", True) in actions and ("unhide", False) in actions
    assert ("block", True) in actions and ("unblock", False) in actions
    assert server.blocked == set()  # blocked, then unblocked on the platform
    assert undos == 5


def test_only_messages_from_others_are_moderated(
    sessions: sessionmaker[Session], cast: dict[str, uuid.UUID], now: datetime
) -> None:
    ids = thread(sessions, now)
    with pytest.raises(Exception, match="from others"):
        take(sessions, now, ids["p1"], "hide", actor(cast, "mert", "supervisor"))


def test_an_agent_neither_blocks_nor_reports_a_critic_nor_undoes_a_supervisors_override(
    sessions: sessionmaker[Session],
    cast: dict[str, uuid.UUID],
    now: datetime,
    server: fake_mastodon.Instance,
) -> None:
    ids = thread(sessions, now, server, replies=20)
    aino, mert = actor(cast, "aino", AGENT), actor(cast, "mert", "supervisor")
    for action in ("block", "report"):
        with pytest.raises(PolicyRefused):
            take(sessions, now, ids["criticism"], action, aino)
    override = take(sessions, now, ids["criticism"], "block", mert, reason="Threatened staff")
    with transaction(sessions) as session, pytest.raises(PermissionDenied):
        service.undo(session, action_id=override.id, actor=aino, now=now, connectors=None)

    with transaction(sessions) as session:  # undone before it went out: never sent
        service.undo(session, action_id=override.id, actor=mert, now=now, connectors=builtin({}))
    with sessions() as session:
        states = {item.action: item.state for item in session.scalars(select(OutboxItem))}
    assert states == {"block": "cancelled", "unblock": "queued"}
