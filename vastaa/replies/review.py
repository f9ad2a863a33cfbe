"""Review before sending (R17): policies decide which replies need a colleague's approval; such a
reply waits in the reviewer queue (``delivery = "review"``) and only an approval — by a
supervisor or administrator other than its author — moves it on to be sent. The server enforces
this: there is no other way from "review" to "pending". Nothing here commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.channels.queries import outbox_of
from vastaa.channels.registry import Registry
from vastaa.channels.service import dispatch
from vastaa.conversations.models import Conversation
from vastaa.conversations.service import record
from vastaa.errors import NotFoundError, PermanentError, PermissionDenied
from vastaa.messages.models import Message, content_hash
from vastaa.replies.coach import coach

POLICIES = ("public_negative", "new_agents", "incident")
REVIEWERS = ("supervisor", "admin")


@dataclass(frozen=True)
class ReviewRules:
    """Which policies are on (``VASTAA_REVIEW_POLICIES``) and how long an agent is new."""

    policies: frozenset[str] = frozenset()
    new_agent_days: int = 14

    @classmethod
    def parse(cls, policies: str, new_agent_days: int = 14) -> ReviewRules:
        chosen = frozenset(p.strip() for p in policies.split(",") if p.strip())
        unknown = chosen - set(POLICIES)
        if unknown:
            raise ValueError(f"unknown review policies {sorted(unknown)}; known: {POLICIES}")
        return cls(chosen, new_agent_days)


def reasons_for_review(
    rules: ReviewRules, author: User, conversation: Conversation, now: datetime
) -> list[str]:
    """The policies that make this reply wait for approval (none for reviewers themselves)."""
    if author.role in REVIEWERS:
        return []
    found = []
    negative = conversation.sentiment == "negative" or conversation.toxic
    if "public_negative" in rules.policies and conversation.public and negative:
        found.append("public_negative")
    if "new_agents" in rules.policies and now - author.created_at < timedelta(
        days=rules.new_agent_days
    ):
        found.append("new_agents")
    if "incident" in rules.policies and "incident" in conversation.priority_reason.split(","):
        found.append("incident")
    return found


def _message(session: Session, message_id: uuid.UUID, *, lock: bool = False) -> Message:
    """The reply; ``lock`` holds its row until commit, so two reviewers cannot both act."""
    message = session.get(Message, message_id, with_for_update=lock or None)
    if message is None or message.direction != "outbound":
        raise NotFoundError(f"reply {message_id}")
    return message


def _reviewer(session: Session, reviewer_id: uuid.UUID, message: Message) -> User:
    reviewer = session.get(User, reviewer_id)
    if reviewer is None or reviewer.role not in REVIEWERS:
        raise PermissionDenied("only supervisors and administrators review replies")
    if message.sent_by_id == reviewer_id:
        raise PermissionDenied("a reply is reviewed by someone other than its author")
    if message.delivery != "review":
        raise PermanentError("this reply is not waiting for review")
    return reviewer


def _after(
    session: Session, message: Message, kind: str, actor: uuid.UUID, now: datetime, note: str = ""
) -> None:
    assert message.conversation_id is not None
    data = {"message_id": str(message.id)}
    record(session, message.conversation_id, kind, actor_id=actor, now=now, note=note, data=data)


def approve(
    session: Session,
    *,
    message_id: uuid.UUID,
    reviewer_id: uuid.UUID,
    now: datetime,
    text: str | None = None,
    connectors: Registry | None = None,
) -> Message:
    """Approve (optionally with the reviewer's edits): the reply goes on to be sent."""
    message = _message(session, message_id, lock=True)
    _reviewer(session, reviewer_id, message)
    if text is not None and text.strip() and text.strip() != message.text:
        _coached(session, message, text.strip())
        message.text = text.strip()
        message.content_hash = content_hash(message.text)
    message.delivery = "pending"
    message.created_at = message.received_at = now  # it leaves now
    dispatch(session, message=message, connectors=connectors, now=now)
    conversation = session.get(Conversation, message.conversation_id)
    if conversation is not None and conversation.status in ("new", "open"):
        conversation.status = "waiting"
    _after(session, message, "approved", reviewer_id, now)
    return message


def _coached(session: Session, message: Message, text: str) -> None:
    """A reviewer's edit obeys the same rules as the author's text."""
    from vastaa.replies.service import MAX_REPLY, BlockedReply, draft_for

    if len(text) > MAX_REPLY:
        raise PermanentError(f"a reply has 1 to {MAX_REPLY} characters")
    assert message.conversation_id is not None
    blocking = [
        f
        for f in coach(draft_for(session, message.conversation_id, text, None))
        if f.severity == "block"
    ]
    if blocking:
        raise BlockedReply(blocking)


def send_back(
    session: Session, *, message_id: uuid.UUID, reviewer_id: uuid.UUID, comment: str, now: datetime
) -> Message:
    """Return the reply to its author with a comment (required)."""
    comment = comment.strip()
    if not comment:
        raise PermanentError("say what should change")
    message = _message(session, message_id, lock=True)
    _reviewer(session, reviewer_id, message)
    message.delivery = "returned"
    _after(session, message, "returned", reviewer_id, now, note=comment[:2000])
    return message


def waiting(session: Session, limit: int = 100) -> list[tuple[Message, Conversation, User | None]]:
    """The reviewer queue, oldest first."""
    rows = session.execute(
        select(Message, Conversation, User)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(User, User.id == Message.sent_by_id)
        .where(Message.delivery == "review")
        .order_by(Message.created_at)
        .limit(limit)
    ).all()
    return [(message, conversation, user) for message, conversation, user in rows]


def mark_posted(
    session: Session, *, message_id: uuid.UUID, actor_id: uuid.UUID, now: datetime, url: str = ""
) -> Message:
    """Manual sending, for channels without a connector: the agent posted the reply on the
    platform and says so. When the platform's copy arrives, ingestion links it as the echo."""
    message = _message(session, message_id, lock=True)
    if message.delivery not in ("pending", "failed"):
        raise PermanentError("only a reply waiting to be sent can be marked posted")
    item = outbox_of(session, [message.id]).get(message.id)
    if item is not None and item.state in ("queued", "sending"):
        raise PermanentError("the connector is sending this reply; it is not posted by hand")
    if item is not None:  # a failed send, posted by hand instead: it must never be retried
        item.state, item.done_at, item.updated_at = "sent", now, now
    url = url.strip()
    if len(url) > 2000:
        raise PermanentError("the link is longer than 2,000 characters")
    if url and not url.startswith(("https://", "http://")):
        raise PermanentError("the link must start with https:// or http://")
    message.delivery = "sent"
    message.url = url or message.url
    _after(session, message, "posted_manually", actor_id, now)
    return message
