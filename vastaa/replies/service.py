"""Replies from the conversation page: coached, refused while the coach blocks them, recorded as
outbound messages and queued in the outbox when the channel's connector can send them (otherwise
an agent posts them by hand). A public case can move to private (R18): a short public reply and a
direct message that continues the case, both linked. Nothing here commits."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.channels.models import PROVISIONAL_THREAD, Brand, Channel
from vastaa.channels.registry import Registry
from vastaa.channels.service import dispatch
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


def agent_signature(
    session: Session, conversation_id: uuid.UUID, default: str, display_name: str
) -> str:
    """The signature of the brand that owns the conversation's channel (R13), else the
    team-wide ``VASTAA_REPLY_SIGNATURE``."""
    template = session.scalar(
        select(Brand.signature)
        .join(Channel, Channel.brand_id == Brand.id)
        .join(Conversation, Conversation.channel_id == Channel.id)
        .where(Conversation.id == conversation_id)
    )
    return signature_for(template or default, display_name)


def draft_for(
    session: Session,
    conversation_id: uuid.UUID,
    text: str,
    lang: str | None,
    signature: str = "",
    *,
    private: bool = False,
) -> Draft:
    """The draft with what the coach needs to know of the conversation (``private``: the
    direct message that continues a public case)."""
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
        public=conversation.public and not private,
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
    connectors: Registry | None = None,
) -> Message:
    """Coach the reply again (the browser's findings are advice; this is the rule), record it,
    and queue it for sending unless a review policy holds it (R17); the conversation then waits
    on the customer."""
    text = _checked(session, conversation_id, text, lang, signature)
    message = _recorded(session, conversation_id, text, lang, sent_by_id, now)
    _release_or_hold(session, message, sent_by_id, now, review, connectors)
    return message


def _checked(
    session: Session,
    conversation_id: uuid.UUID,
    text: str,
    lang: str | None,
    signature: str,
    *,
    private: bool = False,
) -> str:
    text = text.strip()
    if not text or len(text) > MAX_REPLY:
        raise PermanentError(f"a reply has 1 to {MAX_REPLY} characters")
    draft = draft_for(session, conversation_id, text, lang, signature, private=private)
    blocking = [f for f in coach(draft) if f.severity == "block"]
    if blocking:
        raise BlockedReply(blocking)
    return text


def _release_or_hold(
    session: Session,
    message: Message,
    sent_by_id: uuid.UUID,
    now: datetime,
    review: ReviewRules | None,
    connectors: Registry | None,
    *,
    held: list[str] | None = None,
) -> None:
    assert message.conversation_id is not None
    conversation = session.get(Conversation, message.conversation_id)
    author = session.get(User, sent_by_id)
    assert conversation is not None and author is not None
    reasons = (
        held
        if held is not None
        else reasons_for_review(review or ReviewRules(), author, conversation, now)
    )
    if reasons:
        message.delivery = "review"  # waits for a colleague's approval (R17)
    else:
        dispatch(session, message=message, connectors=connectors, now=now)
        if conversation.status in ("new", "open"):
            conversation.status = "waiting"
    record(
        session,
        conversation.id,
        "review_requested" if reasons else "replied",
        actor_id=sent_by_id,
        now=now,
        data={"message_id": str(message.id), "policies": reasons},
    )


def move_private(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    public_text: str,
    private_text: str,
    lang: str | None,
    sent_by_id: uuid.UUID,
    now: datetime,
    signature: str = "",
    review: ReviewRules | None = None,
    connectors: Registry | None = None,
) -> tuple[Message, Message]:
    """R18: a short public reply, and a direct message that continues the case in private.
    The direct message joins the customer's private case on the channel (a new one when there
    is none), and the two cases point at each other."""
    public_case = session.get(Conversation, conversation_id)
    if public_case is None:
        raise NotFoundError(f"conversation {conversation_id}")
    if not public_case.public:
        raise PermanentError("this conversation is already private")
    public_text = _checked(session, conversation_id, public_text, lang, signature)
    private_text = _checked(session, conversation_id, private_text, lang, signature, private=True)
    private_case = _private_case(session, public_case, sent_by_id, now)
    public_case.linked_id, private_case.linked_id = private_case.id, public_case.id
    public = _recorded(session, public_case.id, public_text, lang, sent_by_id, now)
    private = _recorded(session, private_case.id, private_text, lang, sent_by_id, now)
    data = {"linked_id": str(private_case.id), "message_id": str(private.id)}
    record(session, public_case.id, "moved_private", actor_id=sent_by_id, now=now, data=data)
    data = {"linked_id": str(public_case.id), "message_id": str(public.id)}
    record(session, private_case.id, "moved_private", actor_id=sent_by_id, now=now, data=data)
    # The two halves leave together: if either needs a colleague's approval, both wait.
    rules = review or ReviewRules()
    author = session.get(User, sent_by_id)
    assert author is not None
    held = sorted(
        {*reasons_for_review(rules, author, public_case, now)}
        | {*reasons_for_review(rules, author, private_case, now)}
    )
    for message in (public, private):
        _release_or_hold(session, message, sent_by_id, now, review, connectors, held=held)
    return public, private


def _recorded(
    session: Session,
    conversation_id: uuid.UUID,
    text: str,
    lang: str | None,
    sent_by_id: uuid.UUID,
    now: datetime,
) -> Message:
    return record_outbound(
        session,
        conversation_id=conversation_id,
        text=text,
        sent_by_id=sent_by_id,
        now=now,
        lang=lang,
    )


def _private_case(
    session: Session, public_case: Conversation, agent_id: uuid.UUID, now: datetime
) -> Conversation:
    """The customer's latest private case on this channel, or a new one whose thread the
    platform names when the direct message is sent (``vastaa.channels.tasks``)."""
    existing = session.scalar(
        select(Conversation)
        .where(
            Conversation.channel_id == public_case.channel_id,
            Conversation.author_id == public_case.author_id,
            Conversation.public.is_(False),
        )
        .order_by(Conversation.last_message_at.desc())
        .limit(1)
    )
    if existing is not None:
        existing.status = "open" if existing.status in ("resolved", "closed") else existing.status
        return existing
    case = Conversation(
        channel_id=public_case.channel_id,
        author_id=public_case.author_id,
        customer_id=public_case.customer_id,
        thread_key=f"{PROVISIONAL_THREAD}{uuid.uuid4().hex}",
        public=False,
        status="open",
        assignee_id=public_case.assignee_id or agent_id,
        team_id=public_case.team_id,
        lang=public_case.lang,
        preview=public_case.preview,
        message_count=0,
        first_message_at=now,
        last_message_at=now,
        created_at=now,
        updated_at=now,
        sentiment=public_case.sentiment,
        intents=public_case.intents,
        problem_area=public_case.problem_area,
    )
    session.add(case)
    session.flush()
    return case
