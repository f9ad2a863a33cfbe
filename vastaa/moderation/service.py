"""Taking moderation actions: the guard first, then the message's state captured as evidence,
the action recorded, its effect in Vastaa, and the platform's part queued for its connector
(or left for a person to do by hand where the connector cannot). Nothing here commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vastaa.accounts.models import User, at_least
from vastaa.audit.service import log, name_of
from vastaa.channels.base import NEEDS
from vastaa.channels.models import Channel, OutboxItem
from vastaa.channels.registry import Registry
from vastaa.conversations.service import assign, record, set_status
from vastaa.customers.models import Author
from vastaa.errors import NotFoundError, PermanentError, PermissionDenied
from vastaa.evidence.chain import Capture, append
from vastaa.evidence.service import prepare_captures
from vastaa.messages.models import Message
from vastaa.moderation import policy
from vastaa.moderation.models import ACTIONS, UNDO, ModerationAction

# What each action does to the message in Vastaa's own view.
MESSAGE_STATE = {"hide": "hidden", "delete": "removed", "spam": "spam", "review": "review"}
CLEARS = {"unhide": "hidden", "unspam": "spam"}
MAX_REASON = 2000


@dataclass(frozen=True)
class Actor:
    """Who acts: a person (id and role) or an automatic rule (``rule_id``, never overriding)."""

    id: uuid.UUID | None
    role: str
    rule_id: uuid.UUID | None = None


class OverBudget(PermanentError):
    """Hiding this would hide more than the budget of the thread's replies (R27)."""

    def __init__(self, budget: policy.Budget) -> None:
        super().__init__(
            f"hiding this would hide {budget.hidden} of the thread's {budget.replies} replies "
            f"({budget.share:.0%}, more than {policy.HIDE_BUDGET:.0%}): people notice"
        )
        self.budget = budget


class Batch:
    """Several actions in one transaction (remove hate, a rule's actions): each message's state
    is captured before its action, but the records are appended together at the end, because
    appending takes the evidence chain's lock, which must come after every other row the
    transaction changes (ingestion takes it last too; the other order could deadlock)."""

    def __init__(self) -> None:
        self.pending: list[tuple[ModerationAction, list[Capture]]] = []

    def act(self, session: Session, **request: Any) -> ModerationAction:
        taken, before = _act(session, **request)
        self.pending.append((taken, before))
        return taken

    def seal(self, session: Session, *, now: datetime) -> None:
        captures = [capture for _, before in self.pending for capture in before]
        seqs = iter(append(session, captures, now=now))
        for taken, before in self.pending:
            for _ in before:
                taken.evidence_seq = next(seqs)
        self.pending.clear()


def act(
    session: Session,
    *,
    message_id: uuid.UUID,
    action: str,
    actor: Actor,
    now: datetime,
    connectors: Registry | None,
    reason: str = "",
    over_budget_ok: bool = False,
    label: str = "",
    assignee_id: uuid.UUID | None = None,
) -> ModerationAction:
    """One moderation action (see ``_act``), its evidence appended last."""
    batch = Batch()
    taken = batch.act(
        session,
        message_id=message_id,
        action=action,
        actor=actor,
        now=now,
        connectors=connectors,
        reason=reason,
        over_budget_ok=over_budget_ok,
        label=label,
        assignee_id=assignee_id,
    )
    batch.seal(session, now=now)
    return taken


def _act(
    session: Session,
    *,
    message_id: uuid.UUID,
    action: str,
    actor: Actor,
    now: datetime,
    connectors: Registry | None,
    reason: str = "",
    over_budget_ok: bool = False,
    label: str = "",
    assignee_id: uuid.UUID | None = None,
) -> tuple[ModerationAction, list[Capture]]:
    """The guard, the state before (captured, not yet appended), the action recorded, its
    effect in Vastaa, the platform's part queued or left to do by hand."""
    if action not in ACTIONS:
        raise PermanentError(f"unknown moderation action {action!r}")
    message = _message(session, message_id)
    reason = reason.strip()[:MAX_REASON]
    override = policy.check(action, policy.read(message.analysis), role=actor.role, reason=reason)
    if action == "hide" and not over_budget_ok:
        _check_budget(session, message)
    before = prepare_captures(
        session,
        [message.id],
        capture="before_action",
        extra={"action": {"action": action, "by": name_of(session, actor.id), "reason": reason}},
    )
    taken = ModerationAction(
        message_id=message.id,
        conversation_id=message.conversation_id,
        action=action,
        state="local",
        actor_id=actor.id,
        rule_id=actor.rule_id,
        reason=reason,
        override=override,
        label=label[:60],
        last_error="",
        created_at=now,
    )
    session.add(taken)
    session.flush()
    _apply(session, taken, message, now=now, assignee_id=assignee_id)
    taken.state = _platform_part(session, taken, message, connectors, now)
    _record(session, taken, actor, now, kind="moderated", audit="moderation")
    return taken, before


def _message(session: Session, message_id: uuid.UUID) -> Message:
    message = session.get(Message, message_id, with_for_update=True)
    if message is None:
        raise NotFoundError(f"message {message_id}")
    if message.direction != "inbound":
        raise PermanentError("only messages from others are moderated")
    return message


def _check_budget(session: Session, message: Message) -> None:
    budget = hide_budget(session, message)
    if budget.over:
        raise OverBudget(budget)


def hide_budget(session: Session, message: Message) -> policy.Budget:
    """The thread's replies (everything under its root post) and how many would be hidden."""
    in_thread = (
        Message.channel_id == message.channel_id,
        Message.thread_key == message.thread_key,
        Message.parent_external_id.is_not(None),
    )
    replies = session.scalar(select(func.count()).where(*in_thread)) or 0
    hidden = (
        session.scalar(select(func.count()).where(*in_thread, Message.moderation == "hidden")) or 0
    )
    already = message.moderation == "hidden"
    return policy.Budget(replies=max(replies, 1), hidden=hidden + (0 if already else 1))


def _apply(
    session: Session,
    taken: ModerationAction,
    message: Message,
    *,
    now: datetime,
    assignee_id: uuid.UUID | None,
) -> None:
    """The action's effect in Vastaa (what the platform does follows in the outbox)."""
    action = taken.action
    if action in MESSAGE_STATE:
        message.moderation = MESSAGE_STATE[action]
    elif action in CLEARS and message.moderation == CLEARS[action]:
        message.moderation = None
    elif action in ("block", "unblock") and message.author_id is not None:
        author = session.get(Author, message.author_id)
        if author is not None:
            author.blocked_at = now if action == "block" else None
    elif action == "assign" and message.conversation_id is not None:
        assign(
            session,
            conversation_id=message.conversation_id,
            assignee_id=assignee_id,
            now=now,
            actor_id=taken.actor_id,
        )


def _platform_part(
    session: Session,
    taken: ModerationAction,
    message: Message,
    connectors: Registry | None,
    now: datetime,
) -> str:
    """ "local" when the platform has nothing to do, "queued" for the connector, "by_hand"
    where no connector can (a person does it on the platform and marks it done)."""
    capability = NEEDS.get(taken.action)
    if capability is None:
        return "local"
    channel = session.get(Channel, message.channel_id)
    if channel is None or connectors is None or not connectors.can(channel, capability):
        return "by_hand"
    session.add(
        OutboxItem(
            key=taken.id.hex,
            channel_id=channel.id,
            message_id=message.id,
            action=taken.action,
            state="queued",
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
            updated_at=now,
            moderation_id=taken.id,
        )
    )
    return "queued"


def _record(
    session: Session, taken: ModerationAction, actor: Actor, now: datetime, *, kind: str, audit: str
) -> None:
    data = {
        "action": taken.action,
        "action_id": str(taken.id),
        "state": taken.state,
        "override": taken.override,
        "rule_id": str(taken.rule_id) if taken.rule_id else None,
    }
    if taken.conversation_id is not None:
        record(
            session,
            taken.conversation_id,
            kind,
            actor_id=actor.id,
            now=now,
            note=taken.reason,
            data=data,
        )
    log(
        session,
        actor_id=actor.id,
        action=audit,
        now=now,
        target=("message", taken.message_id),
        summary=f"{taken.action}: {taken.reason}" if taken.reason else taken.action,
        data=data,
    )


def undo(
    session: Session,
    *,
    action_id: uuid.UUID,
    actor: Actor,
    now: datetime,
    connectors: Registry | None,
) -> ModerationAction:
    """Undo an action where that is possible (hide, block, spam, review, label): the undoing
    is an action of its own, and the original is marked undone."""
    original = session.get(ModerationAction, action_id, with_for_update=True)
    if original is None:
        raise NotFoundError(f"moderation action {action_id}")
    if original.undone_at is not None:
        raise PermanentError("this action has already been undone")
    _may_undo(session, original, actor)
    _cancel_queued(session, original)
    if original.action in ("review", "label"):
        return _undo_locally(session, original, actor, now)
    inverse = UNDO.get(original.action)
    if inverse is None:
        raise PermanentError(f"{original.action} cannot be undone on the platform")
    reversed_ = act(
        session,
        message_id=original.message_id,
        action=inverse,
        actor=actor,
        now=now,
        connectors=connectors,
        reason=f"undo of {original.action}",
    )
    original.undone_at, original.undone_by_id = now, actor.id
    return reversed_


def _may_undo(session: Session, original: ModerationAction, actor: Actor) -> None:
    """A supervisor's action (an override above all) is undone by a supervisor; an agent's or
    an automatic rule's by anyone."""
    by = session.get(User, original.actor_id) if original.actor_id else None
    needs = "supervisor" if original.override or (by and at_least(by.role, "supervisor")) else ""
    if needs and not at_least(actor.role, needs):
        raise PermissionDenied("a supervisor's moderation is undone by a supervisor")


def _cancel_queued(session: Session, original: ModerationAction) -> None:
    """An action still waiting for the platform is not sent after its undoing."""
    item = session.scalar(
        select(OutboxItem).where(OutboxItem.moderation_id == original.id).with_for_update()
    )
    if item is not None and item.state in ("queued", "failed"):
        item.state, item.last_error = "cancelled", "undone before it was carried out"
        original.state = "local"


def _undo_locally(
    session: Session, original: ModerationAction, actor: Actor, now: datetime
) -> ModerationAction:
    message = session.get(Message, original.message_id)
    if original.action == "review" and message is not None and message.moderation == "review":
        message.moderation = None
    original.undone_at, original.undone_by_id = now, actor.id
    _record(session, original, actor, now, kind="moderation_undone", audit="moderation_undo")
    return original


def mark_done(
    session: Session, *, action_id: uuid.UUID, actor: Actor, now: datetime
) -> ModerationAction:
    """A person carried out on the platform what its connector could not."""
    taken = session.get(ModerationAction, action_id, with_for_update=True)
    if taken is None:
        raise NotFoundError(f"moderation action {action_id}")
    if taken.state not in ("by_hand", "failed"):
        raise PermanentError("only an action left to do by hand can be marked done")
    taken.state, taken.done_at, taken.last_error = "done", now, ""
    log(
        session,
        actor_id=actor.id,
        action="moderation",
        now=now,
        target=("message", taken.message_id),
        summary=f"{taken.action}: done on the platform by hand",
        data={"action_id": str(taken.id), "state": "done"},
    )
    return taken


def remove_hate(
    session: Session,
    *,
    message_id: uuid.UUID,
    actor: Actor,
    now: datetime,
    connectors: Registry | None,
    reason: str = "",
) -> list[ModerationAction]:
    """R7 in one click: the evidence captured, the message deleted, reported and its author
    blocked (each through the connector where the platform allows, by hand elsewhere)."""
    message = _message(session, message_id)
    reading = policy.read(message.analysis)
    if not policy.may_remove_hate(reading, role=actor.role):
        raise policy.PolicyRefused(
            "not_hate", "the analysis does not read this as hate; a supervisor may still remove it"
        )
    if not reading.hate and not reason.strip():
        raise policy.PolicyRefused(
            "reason_needed", "removing what the analysis does not read as hate needs a reason"
        )
    why = reason.strip() or "hate speech or an identity attack"
    batch = Batch()
    taken = [
        batch.act(
            session,
            message_id=message_id,
            action=action,
            actor=actor,
            now=now,
            connectors=connectors,
            reason=why,
        )
        for action in ("delete", "report", "block")
    ]
    _resolve_if_last(session, message, actor, now)
    batch.seal(session, now=now)
    return taken


def _resolve_if_last(session: Session, message: Message, actor: Actor, now: datetime) -> None:
    """Hate is removed, not answered (R7): when it was the customer's latest word, the case
    leaves the work queues."""
    if message.conversation_id is None:
        return
    latest = session.scalar(
        select(Message.id)
        .where(Message.conversation_id == message.conversation_id, Message.direction == "inbound")
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    if latest == message.id:
        set_status(
            session,
            conversation_id=message.conversation_id,
            status="resolved",
            now=now,
            actor_id=actor.id,
        )
