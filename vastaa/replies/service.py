"""Replies from the conversation page: coached, refused while the coach blocks them, recorded as
outbound messages waiting to be sent (the outbox and the connectors come later: issue 5 and 7).
Nothing here commits."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.conversations.models import Conversation
from vastaa.conversations.service import record
from vastaa.customers.models import Author
from vastaa.errors import NotFoundError, PermanentError
from vastaa.messages.models import Message
from vastaa.messages.service import record_outbound
from vastaa.replies.coach import Draft, Finding, coach
from vastaa.replies.knowledge import suggest
from vastaa.replies.review import ReviewRules, reasons_for_review

RECENT = timedelta(days=7)
RECENT_REPLIES = 50
MAX_REPLY = 5000


class BlockedReply(PermanentError):
    """The coach found something that must not go out (personal data in public)."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(
            "the reply cannot be sent as it is: " + "; ".join(f.message for f in findings)
        )
        self.findings = findings


def signature_for(template: str, display_name: str) -> str:
    """The team's signature for this agent: {name}, {first_name} and {initials} replaced."""
    if not template:
        return ""
    parts = display_name.split()
    initials = "".join(part[0].upper() for part in parts if part)
    return (
        template.replace("{name}", display_name)
        .replace("{first_name}", parts[0] if parts else display_name)
        .replace("{initials}", initials)
    )


def draft_for(
    session: Session,
    conversation_id: uuid.UUID,
    text: str,
    lang: str | None,
    signature: str = "",
) -> Draft:
    """The draft with what the coach needs to know of the conversation."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id}")
    customer_text = session.scalar(
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.direction == "inbound")
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    author = session.get(Author, conversation.author_id)
    first_name = (author.display_name.split() or [""])[0] if author else ""
    recent = session.scalars(
        select(Message.text)
        .where(
            Message.direction == "outbound",
            Message.conversation_id != conversation_id,
            Message.created_at >= (conversation.last_message_at - RECENT),
        )
        .order_by(Message.created_at.desc())
        .limit(RECENT_REPLIES)
    ).all()
    lang = lang or conversation.lang or "en"
    intents = [i for i in (conversation.intents or "").split(",") if i]
    fitting = suggest(session, lang=lang, area=conversation.problem_area, intents=intents)
    return Draft(
        text,
        lang=lang,
        public=conversation.public,
        complaint=bool(conversation.intents and ",complaint," in conversation.intents),
        praise=bool(conversation.intents and ",praise," in conversation.intents),
        customer_text=customer_text or "",
        customer_name=first_name,
        recent_replies=tuple(recent),
        signature=signature,
        article_url=fitting.articles[0].url if fitting.articles else "",
    )


def reply(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    text: str,
    lang: str | None,
    sent_by_id: uuid.UUID,
    now: datetime,
    signature: str = "",
    review: ReviewRules | None = None,
) -> Message:
    """Coach the reply again (the browser's findings are advice; this is the rule) and record
    it as waiting to be sent; the conversation then waits on the customer."""
    text = text.strip()
    if not text or len(text) > MAX_REPLY:
        raise PermanentError(f"a reply has 1 to {MAX_REPLY} characters")
    draft = draft_for(session, conversation_id, text, lang, signature)
    blocking = [f for f in coach(draft) if f.severity == "block"]
    if blocking:
        raise BlockedReply(blocking)
    message = record_outbound(
        session, conversation_id=conversation_id, text=text, sent_by_id=sent_by_id, now=now
    )
    conversation = session.get(Conversation, conversation_id)
    author = session.get(User, sent_by_id)
    assert conversation is not None and author is not None
    reasons = reasons_for_review(review or ReviewRules(), author, conversation, now)
    if reasons:
        message.delivery = "review"  # waits for a colleague's approval (R17)
    elif conversation.status in ("new", "open"):
        conversation.status = "waiting"
    record(
        session,
        conversation_id,
        "review_requested" if reasons else "replied",
        actor_id=sent_by_id,
        now=now,
        data={"message_id": str(message.id), "policies": reasons},
    )
    return message
