"""Working an incident (R29, R33): owner, status, the known-issue statement, the reassurance reply
each affected person is offered, the follow-ups once it is fixed, and the after-care figures.

Replies written from the statement are drafts for a person to send (through the coach, review
policies and the outbox, like any reply): each is written for its customer (their name, what
they told us, where they wrote, their order number) so that no two read as a copy (R13).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vastaa.accounts.models import User
from vastaa.audit.service import log as audit
from vastaa.bulk import one_of
from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author
from vastaa.errors import NotFoundError, PermanentError
from vastaa.i18n import N_
from vastaa.incidents.detection import signed
from vastaa.incidents.models import STATUSES, Incident, IncidentFollowUp, IncidentMember
from vastaa.messages.models import Message

LANGS = ("fi", "tr", "en")
MAX_STATEMENT = 1000
NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-](?=[^\W\d_])){0,39}")
ORDER = re.compile(r"(?<![\w-])[A-Z]{2,4}-\d{3,}(?:-\d{3,})*(?![\w-])")


def incident_numbered(session: Session, number: int) -> Incident:
    incident = session.scalar(select(Incident).where(Incident.number == number))
    if incident is None:
        raise NotFoundError(N_("incident #{number}"), number=number)
    return incident


def changed(
    session: Session, incident: Incident, actor_id: uuid.UUID, now: datetime, summary: str
) -> None:
    incident.updated_at = now
    audit(
        session,
        actor_id=actor_id,
        action="incident_change",
        now=now,
        target=("incident", incident.number),
        summary=f"#{incident.number}: {summary}"[:2000],
    )


def set_status(
    session: Session, incident: Incident, status: str, *, actor_id: uuid.UUID, now: datetime
) -> int:
    """Move the incident on; "fixed" queues a follow-up for everyone affected. Returns how
    many follow-ups were queued."""
    if status not in STATUSES:
        raise PermanentError(N_("status is one of {statuses}"), statuses=", ".join(STATUSES))
    if status == incident.status:
        return 0
    incident.status = status
    if status == "identified":
        incident.identified_at = incident.identified_at or now
    queued = 0
    if status == "fixed":
        incident.fixed_at = now
        queued = queue_follow_ups(session, incident, now=now)
    elif status in ("investigating", "identified"):
        incident.fixed_at = None  # reopened: the fix did not hold
    incident.closed_at = now if status == "closed" else None
    changed(session, incident, actor_id, now, f"status {status}")
    return queued


def set_owner(
    session: Session,
    incident: Incident,
    owner_id: uuid.UUID | None,
    *,
    actor_id: uuid.UUID,
    now: datetime,
) -> None:
    if owner_id is not None and session.get(User, owner_id) is None:
        raise NotFoundError(N_("no such user"))
    incident.owner_id = owner_id
    changed(session, incident, actor_id, now, "owner")


def exported(
    session: Session,
    *,
    what: str,
    actor_id: uuid.UUID | None,
    now: datetime,
    actor_name: str | None = None,
) -> None:
    """An after-care export left the system (it holds complaints' text and authors)."""
    audit(
        session,
        actor_id=actor_id,
        actor_name=actor_name,
        action="export",
        now=now,
        target=("incident", what),
        summary=what,
    )


def save_texts(
    session: Session,
    incident: Incident,
    *,
    actor_id: uuid.UUID,
    now: datetime,
    title: str | None = None,
    statement: dict[str, str] | None = None,
    fix_note: dict[str, str] | None = None,
    review: dict[str, str] | None = None,
) -> None:
    """Save what the team writes: the title, the known-issue statement and the fix note (per
    language), the after-care review."""
    saved = []
    if title is not None:
        title = title.strip()
        if not 1 <= len(title) <= 200:
            raise PermanentError(N_("a title has 1 to 200 characters"))
        incident.title = title
        saved.append("title")
    for name, given, keys in (
        ("statement", statement, LANGS),
        ("fix_note", fix_note, LANGS),
        ("review", review, ("went_well", "improve", "change")),
    ):
        if given is None:
            continue
        cleaned = {key: (given.get(key) or "").strip() for key in keys}
        if any(len(text) > MAX_STATEMENT * 4 for text in cleaned.values()):
            raise PermanentError(
                N_("a text has at most {count} characters"), count=MAX_STATEMENT * 4
            )
        if name != "review" and any(len(text) > MAX_STATEMENT for text in cleaned.values()):
            raise PermanentError(
                N_("a statement has at most {count} characters"), count=MAX_STATEMENT
            )
        setattr(incident, name, {key: text for key, text in cleaned.items() if text})
        saved.append(name.replace("_", " "))
    if saved:
        changed(session, incident, actor_id, now, ", ".join(saved))


# Replies built from the statement ---------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """What a reply is written for."""

    name: str
    lang: str
    text: str  # what they wrote last
    public: bool
    reports: int  # how many of their messages are in the incident
    sentiment: float | None


# The analysis scores a flat fault report about -0.1 and a plainly angry one ("I am furious")
# about -0.5: from here on the reply apologises rather than thanks.
UPSET = -0.4
GREETING = {"fi": "Hei {name}!", "tr": "Merhaba {name},", "en": "Hi {name},"}
GREETING_NO_NAME = {"fi": "Hei!", "tr": "Merhaba,", "en": "Hi,"}
SORRY = {
    "fi": (
        "Kiitos, että kerroit tästä.",
        "Olen todella pahoillani harmista, jota tämä on aiheuttanut.",
    ),
    "tr": ("Bize bildirdiğiniz için teşekkürler.", "Yaşattığı sıkıntı için gerçekten çok üzgünüz."),
    "en": (
        "Thank you for letting us know.",
        "I'm really sorry for the trouble this has caused you.",
    ),
}
AGAIN = {
    "fi": "Kiitos kärsivällisyydestäsi, kun jouduit kirjoittamaan meille useamman kerran.",
    "tr": "Bize birden fazla kez yazmak zorunda kaldığınız için sabrınıza teşekkür ederiz.",
    "en": "Thank you for your patience in writing to us more than once.",
}
KNOWN = {
    "fi": "Tiedämme vian ja selvitämme sitä:",
    "tr": "Bu sorunun farkındayız ve üzerinde çalışıyoruz:",
    "en": "We know about this fault and are working on it:",
}
ORDER_SEEN = {
    "fi": "Tilauksesi {order} on kirjattu meille, joten sitä ei tarvitse lähettää uudelleen.",
    "tr": "{order} numaralı siparişinizi not aldık, tekrar göndermenize gerek yok.",
    "en": "We have your order {order} noted, so there is no need to send it again.",
}
ASK_PRIVATE = {
    "fi": "Lähetäthän meille yksityisviestinä tilausnumerosi, niin hoidamme asiasi.",
    "tr": "Sipariş numaranızı bize özel mesajla iletirseniz sizin için hemen ilgileneceğiz.",
    "en": "Please send us your order number in a direct message and we will take care of it.",
}
ASK_ORDER = {
    "fi": "Kerrotko vielä tilausnumerosi, niin hoidamme asiasi.",
    "tr": "Sipariş numaranızı paylaşırsanız sizin için hemen ilgileneceğiz.",
    "en": "Could you tell us your order number so that we can take care of it?",
}
FIXED = {
    "fi": "Hyviä uutisia: vika, josta kerroit, on nyt korjattu.",
    "tr": "İyi haber: bildirdiğiniz sorun artık giderildi.",
    "en": "Good news: the fault you told us about has now been fixed.",
}
FIXED_ASK = {
    "fi": "Kertoisitko, toimiiko kaikki nyt sinun kohdallasi?",
    "tr": "Sizin için her şeyin artık yolunda olup olmadığını bize bildirir misiniz?",
    "en": "Could you let us know whether everything works for you now?",
}


def _pick(table: dict[str, str], lang: str) -> str:
    return table.get(lang) or table["en"]


def reassurance(incident: Incident, customer: Customer) -> str | None:
    """The suggested reply to one affected person while the fault is known, or None when the
    incident has no statement yet."""
    lang = customer.lang if customer.lang in LANGS else "en"
    statement = incident.statement.get(lang) or incident.statement.get("en")
    if not statement:
        return None
    if lang not in incident.statement:
        lang = "en"
    lines = [_greeting(customer, lang), _sorry(customer, lang)]
    lines.append(f"{_pick(KNOWN, lang)} {statement}")
    lines.append(_next_step(customer, lang))
    return "\n\n".join(line for line in lines if line)


def follow_up(incident: Incident, customer: Customer) -> str:
    """The reply to one affected person once the fault is fixed."""
    lang = customer.lang if customer.lang in LANGS else "en"
    # In the customer's language; a fix note not written in it is left out (the agent sees the
    # draft and may add it), rather than answering them in another language.
    note = incident.fix_note.get(lang, "")
    first = _pick(FIXED, lang) + (f" {note}" if note else "")
    lines = [_greeting(customer, lang), first]
    if customer.reports > 1:
        lines.append(_pick(AGAIN, lang))
    lines.append(_pick(FIXED_ASK, lang))
    return "\n\n".join(lines)


def first_name(display_name: str | None) -> str:
    """The first word of a display name when it reads as a name ("Mikko", "Anne-Mari",
    "O'Brien"), else none: a greeting never repeats a handle, an emoji or markup."""
    words = (display_name or "").split()
    first = words[0] if words else ""
    return first if NAME.fullmatch(first) else ""


def _greeting(customer: Customer, lang: str) -> str:
    if customer.name:
        return _pick(GREETING, lang).format(name=customer.name)
    return _pick(GREETING_NO_NAME, lang)


def _sorry(customer: Customer, lang: str) -> str:
    thanks, sorry = SORRY.get(lang) or SORRY["en"]
    upset = customer.sentiment is not None and customer.sentiment <= UPSET
    said = sorry if upset else thanks
    if customer.reports > 1:
        said = f"{said} {_pick(AGAIN, lang)}"
    return said


def _next_step(customer: Customer, lang: str) -> str:
    """In public, never repeat an order number (R18): ask for it in a direct message."""
    if customer.public:
        return _pick(ASK_PRIVATE, lang)
    order = ORDER.search(customer.text)
    if order:
        return _pick(ORDER_SEEN, lang).format(order=order.group(0))
    return _pick(ASK_ORDER, lang)


def customer_of(session: Session, incident: Incident, conversation_id: uuid.UUID) -> Customer:
    """What a reply needs to know of one conversation's customer in this incident."""
    found = customers_of(session, incident, [conversation_id])
    if conversation_id not in found:
        raise NotFoundError(f"conversation {conversation_id}")
    return found[conversation_id]


def customers_of(
    session: Session, incident: Incident, conversation_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    """``customer_of`` for many conversations, in four queries whatever their number."""
    if not conversation_ids:
        return {}
    cases = session.execute(
        select(
            Conversation.id, Conversation.author_id, Conversation.lang, Conversation.public
        ).where(one_of(session, Conversation.id, conversation_ids))
    ).all()
    author_ids = list({author_id for _, author_id, _, _ in cases if author_id is not None})
    who = select(Author.id, Author.display_name).where(one_of(session, Author.id, author_ids))
    names = dict(session.execute(who).all())
    members: dict[uuid.UUID | None, list[tuple[str | None, float | None]]] = {}
    for author_id, lang, sentiment in session.execute(
        select(IncidentMember.author_id, IncidentMember.lang, IncidentMember.sentiment)
        .where(
            IncidentMember.incident_id == incident.id,
            one_of(session, IncidentMember.author_id, author_ids),
        )
        .order_by(IncidentMember.at)
    ):
        members.setdefault(author_id, []).append((lang, sentiment))
    # What they told us last in each conversation (an order number from a private one stays
    # there).
    latest = (
        select(
            Message.conversation_id,
            Message.text,
            func.row_number()
            .over(partition_by=Message.conversation_id, order_by=Message.created_at.desc())
            .label("n"),
        )
        .where(
            one_of(session, Message.conversation_id, conversation_ids),
            Message.direction == "inbound",
        )
        .subquery()
    )
    last_text: dict[uuid.UUID, str] = {
        case_id: text
        for case_id, text in session.execute(
            select(latest.c.conversation_id, latest.c.text).where(latest.c.n == 1)
        )
    }
    found = {}
    for case_id, author_id, case_lang, public in cases:
        theirs = members.get(author_id, []) if author_id is not None else []
        sentiments = [s for _, s in theirs if s is not None]
        found[case_id] = Customer(
            name=first_name(names.get(author_id)),
            lang=(theirs[-1][0] if theirs else None) or case_lang or "en",
            text=last_text.get(case_id) or "",
            public=public,
            reports=len(theirs),
            sentiment=min(sentiments) if sentiments else None,
        )
    return found


def incident_for_conversation(session: Session, conversation_id: uuid.UUID) -> Incident | None:
    """The open incident (a pattern or a problem, not yet fixed) one of the conversation's
    complaints belongs to."""
    return session.scalar(
        select(Incident)
        .join(IncidentMember, IncidentMember.incident_id == Incident.id)
        .where(
            IncidentMember.conversation_id == conversation_id,
            Incident.closed_at.is_(None),
            Incident.fixed_at.is_(None),
            Incident.level != "isolated",
        )
        .order_by(Incident.number.desc())
        .limit(1)
    )


def queue_follow_ups(session: Session, incident: Incident, *, now: datetime) -> int:
    """One follow-up per affected conversation (the latest of each person) not already queued."""
    rows = session.execute(
        select(IncidentMember.author_id, IncidentMember.conversation_id, IncidentMember.at)
        .where(
            IncidentMember.incident_id == incident.id,
            IncidentMember.conversation_id.is_not(None),
        )
        .order_by(IncidentMember.at)
    ).all()
    latest: dict[object, uuid.UUID] = {}
    for author_id, conversation_id, _ in rows:
        if conversation_id is not None:
            latest[author_id or conversation_id] = conversation_id
    queued = set(
        session.scalars(
            select(IncidentFollowUp.conversation_id).where(
                IncidentFollowUp.incident_id == incident.id
            )
        )
    )
    added = 0
    wanted = [c for c in latest.values() if c not in queued]
    for conversation_id, customer in customers_of(session, incident, wanted).items():
        session.add(
            IncidentFollowUp(
                incident_id=incident.id,
                conversation_id=conversation_id,
                lang=customer.lang if customer.lang in LANGS else "en",
                text=follow_up(incident, customer),
                created_at=now,
            )
        )
        added += 1
    session.flush()
    return added


def finish_follow_up(
    session: Session,
    follow_up_id: uuid.UUID,
    *,
    state: str,
    actor_id: uuid.UUID,
    now: datetime,
    message_id: uuid.UUID | None = None,
) -> IncidentFollowUp:
    item = session.get(IncidentFollowUp, follow_up_id)
    if item is None:
        raise NotFoundError(f"follow-up {follow_up_id}")
    claimed = session.execute(
        update(IncidentFollowUp)
        .where(IncidentFollowUp.id == follow_up_id, IncidentFollowUp.state == "pending")
        .values(state=state, done_at=now, done_by=actor_id, message_id=message_id)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:  # done already, or by a second click just now
        raise PermanentError(N_("this follow-up is already done"))
    session.refresh(item)
    return item


# After-care (R33) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """After-care figures of one incident."""

    complaints: int
    people: int
    channels: list[str]
    languages: list[str]
    time_to_detect: timedelta | None  # first complaint → problem raised
    time_to_first_response: timedelta | None  # first complaint → our first reply in its cases
    sentiment_before: float | None  # members' mean, -1..1, until fixed (or now)
    sentiment_after: float | None  # the affected people's messages after "fixed"
    replies_sent: int
    follow_ups_sent: int
    follow_ups_pending: int


def figures(session: Session, incident: Incident) -> Figures:
    from vastaa.channels.models import Channel

    members = session.execute(
        select(
            IncidentMember.conversation_id,
            IncidentMember.author_id,
            IncidentMember.sentiment,
            IncidentMember.lang,
            Channel.platform,
            IncidentMember.at,
        )
        .join(Channel, Channel.id == IncidentMember.channel_id)
        .where(IncidentMember.incident_id == incident.id)
    ).all()
    conversations = {row[0] for row in members if row[0] is not None}
    authors = {row[1] for row in members if row[1] is not None}
    before = [row[2] for row in members if row[2] is not None]
    first_reply = replies = None
    if conversations:
        first_reply, replies = session.execute(
            select(func.min(Message.created_at), func.count()).where(
                Message.conversation_id.in_(conversations),
                Message.direction == "outbound",
                Message.created_at >= incident.first_at,
            )
        ).one()
    after: list[float] = []
    if incident.fixed_at is not None and authors:
        later = session.scalars(
            select(Message.analysis).where(
                Message.author_id.in_(authors),
                Message.direction == "inbound",
                Message.created_at >= incident.fixed_at,
            )
        ).all()
        after = [
            s for s in (signed((a or {}).get("sentiment") or {}) for a in later) if s is not None
        ]
    states = dict(
        session.execute(
            select(IncidentFollowUp.state, func.count())
            .where(IncidentFollowUp.incident_id == incident.id)
            .group_by(IncidentFollowUp.state)
        ).all()
    )
    return Figures(
        complaints=len(members),
        people=incident.people,
        channels=sorted({row[4] for row in members}),
        languages=sorted({row[3] for row in members if row[3]}),
        time_to_detect=(incident.problem_at - incident.first_at) if incident.problem_at else None,
        time_to_first_response=(first_reply - incident.first_at) if first_reply else None,
        sentiment_before=round(mean(before), 2) if before else None,
        sentiment_after=round(mean(after), 2) if after else None,
        replies_sent=int(replies or 0),
        follow_ups_sent=int(states.get("sent", 0)),
        follow_ups_pending=int(states.get("pending", 0)),
    )
