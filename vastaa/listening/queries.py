"""Read-only questions of listening: the saved queries, what to search for, and the coverage gap
(R2: where the brand is discussed and nobody can answer)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from vastaa.channels.base import Listening
from vastaa.channels.models import Brand, Channel
from vastaa.channels.registry import Registry
from vastaa.customers.models import Author
from vastaa.listening.matcher import Compiled
from vastaa.listening.models import ListeningMatch, ListeningQuery
from vastaa.listening.query import parse, positive
from vastaa.messages.models import Message


def all_queries(session: Session) -> list[tuple[ListeningQuery, Brand | None]]:
    rows = session.execute(
        select(ListeningQuery, Brand)
        .outerjoin(Brand, Brand.id == ListeningQuery.brand_id)
        .order_by(ListeningQuery.name)
    ).all()
    return [(query, brand) for query, brand in rows]


def version(session: Session) -> tuple[int, datetime | None]:
    """Changes when a query is added, changed or removed: a compiled matcher is rebuilt then."""
    count, latest = session.execute(
        select(func.count(ListeningQuery.id), func.max(ListeningQuery.updated_at))
    ).one()
    return int(count), latest


def compiled(session: Session, brand_id: uuid.UUID | None = None) -> list[Compiled]:
    """The enabled queries a channel of ``brand_id`` listens with (its brand's and those of no
    brand; every query for a channel of no brand), ready for ``Matcher``; keyed by id."""
    enabled = select(ListeningQuery).where(ListeningQuery.enabled.is_(True))
    if brand_id is not None:
        enabled = enabled.where(
            or_(ListeningQuery.brand_id == brand_id, ListeningQuery.brand_id.is_(None))
        )
    return [
        Compiled(
            key=query.id,
            node=parse(query.expression),
            languages=frozenset(query.languages or ()),
            exclude_own=query.exclude_own,
        )
        for query in session.scalars(enabled)
    ]


def own_accounts(session: Session) -> dict[str, set[str]]:
    """Our accounts per platform: each channel's account (and for ``user@server`` accounts the
    user part, as Mastodon names local accounts), and the handles and ids of the authors that
    are ours (authors with no customer: the brand's own accounts)."""
    own: dict[str, set[str]] = {}
    for platform, account in session.execute(select(Channel.platform, Channel.account)):
        names = own.setdefault(platform, set())
        names.add(account)
        if "@" in account.strip("@"):
            names.add(account.strip("@").split("@", 1)[0])
    ours = session.execute(
        select(Channel.platform, Author.handle, Author.external_id)
        .join(Author, Author.channel_id == Channel.id)
        .where(Author.customer_id.is_(None))
    )
    for platform, handle, external_id in ours:
        own.setdefault(platform, set()).update(v for v in (handle, external_id) if v)
    return own


def listening_for(session: Session, brand_id: uuid.UUID | None) -> Listening:
    """What a channel's searches look for: the words, phrases and hashtags the enabled queries
    of its brand (every brand's, for a channel without one) look for."""
    wanted = select(ListeningQuery).where(ListeningQuery.enabled.is_(True))
    if brand_id is not None:
        wanted = wanted.where(
            or_(ListeningQuery.brand_id == brand_id, ListeningQuery.brand_id.is_(None))
        )
    terms: set[str] = set()
    hashtags: set[str] = set()
    for query in session.scalars(wanted):
        for atom in positive(parse(query.expression)):
            if atom.mode == "tag":
                hashtags.add(atom.text.removeprefix("#"))
            elif atom.mode != "handle":
                terms.add(f'"{atom.text}"' if " " in atom.text else atom.text)
    return Listening(terms=tuple(sorted(terms)), hashtags=tuple(sorted(hashtags)))


def stored_ids(session: Session, channel_id: uuid.UUID, external_ids: Iterable[str]) -> set[str]:
    """Which of these platform ids the channel already holds."""
    wanted = list(set(external_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            session.scalars(
                select(Message.external_id).where(
                    Message.channel_id == channel_id,
                    Message.external_id.in_(wanted[start : start + 500]),
                )
            )
        )
    return found


@dataclass(frozen=True)
class ChannelCoverage:
    """One channel's messages in the period and whether anyone can answer there."""

    channel_id: uuid.UUID
    platform: str
    account: str
    name: str
    brand: str | None
    staffed: bool
    can_reply: bool
    messages: int
    mentions: int  # of which mentions found by listening or naming our account
    answered_by: str | None  # the channel whose team can answer here; None: nobody
    reason: str  # why nobody can: one of REASONS ("" when someone can)

    @property
    def answerable(self) -> bool:
        return self.answered_by is not None


@dataclass(frozen=True)
class Coverage:
    since: datetime
    until: datetime
    channels: list[ChannelCoverage] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(row.messages for row in self.channels)

    @property
    def unanswerable(self) -> int:
        return sum(row.messages for row in self.channels if not row.answerable)

    @property
    def share_unanswerable(self) -> float:
        return self.unanswerable / self.messages if self.messages else 0.0

    def platforms(self) -> list[tuple[str, int, int]]:
        """(platform, messages, messages nobody can answer), most discussed first."""
        totals: dict[str, list[int]] = {}
        for row in self.channels:
            counts = totals.setdefault(row.platform, [0, 0])
            counts[0] += row.messages
            counts[1] += 0 if row.answerable else row.messages
        ranked = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
        return [(platform, counts[0], counts[1]) for platform, counts in ranked]

    def as_json(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "messages": self.messages,
            "unanswerable": self.unanswerable,
            "share_unanswerable": round(self.share_unanswerable, 4),
            "platforms": [
                {"platform": p, "messages": m, "unanswerable": u} for p, m, u in self.platforms()
            ],
            "channels": [
                {
                    "platform": row.platform,
                    "account": row.account,
                    "name": row.name,
                    "brand": row.brand,
                    "staffed": row.staffed,
                    "can_reply": row.can_reply,
                    "messages": row.messages,
                    "mentions": row.mentions,
                    "answered_by": row.answered_by,
                    "reason": row.reason,
                }
                for row in self.channels
            ],
        }


def coverage(
    session: Session,
    registry: Registry,
    *,
    since: datetime,
    until: datetime,
    counts: dict[uuid.UUID, tuple[int, int]] | None = None,
) -> Coverage:
    """Inbound messages per channel written from ``since`` to ``until`` (both included), and
    for each channel who can answer there: its own team if it is staffed and its connector can
    reply, otherwise a staffed channel of the same platform (and brand, where both have one)
    that can; or nobody, and why. ``counts`` (messages, mentions per channel) are counted here
    unless given (the analytics dashboard has them from its daily sums)."""
    counts = _counts(session, since, until) if counts is None else counts
    everyone = session.execute(
        select(Channel, Brand).outerjoin(Brand, Brand.id == Channel.brand_id)
    ).all()
    able = [c for c, _ in everyone if registry.can(c, "reply")]
    answering = [c for c in able if c.staffed]
    rows = []
    for channel, brand in everyone:
        messages, mentions = counts.get(channel.id, (0, 0))
        if not messages:
            continue
        by, reason = _who_answers(channel, answering, able, registry)
        rows.append(
            ChannelCoverage(
                channel_id=channel.id,
                platform=channel.platform,
                account=channel.account,
                name=channel.name,
                brand=brand.name if brand else None,
                staffed=channel.staffed,
                can_reply=registry.can(channel, "reply"),
                messages=messages,
                mentions=mentions,
                answered_by=by,
                reason=reason,
            )
        )
    rows.sort(key=lambda row: (row.answerable, -row.messages, row.platform, row.account))
    return Coverage(since=since, until=until, channels=rows)


def _counts(session: Session, since: datetime, until: datetime) -> dict[uuid.UUID, tuple[int, int]]:
    matched = exists().where(ListeningMatch.message_id == Message.id)
    is_mention = case((or_(Message.kind == "mention", matched), 1), else_=0)
    rows = session.execute(
        select(Message.channel_id, func.count(Message.id), func.sum(is_mention))
        .where(
            and_(
                Message.direction == "inbound",
                Message.created_at >= since,
                Message.created_at <= until,
            )
        )
        .group_by(Message.channel_id)
    ).all()
    return {channel_id: (int(total), int(mentions or 0)) for channel_id, total, mentions in rows}


def _who_answers(
    channel: Channel, answering: list[Channel], able: list[Channel], registry: Registry
) -> tuple[str | None, str]:
    if channel in answering:
        return f"{channel.platform}:{channel.account}", ""
    for other in answering:
        if _answers_for(other, channel):
            return f"{other.platform}:{other.account}", ""
    if "reply" not in registry.declared(channel.platform):
        return None, "no_connector"
    if any(_answers_for(other, channel) for other in able):
        return None, "not_staffed"  # an account could answer, but nobody is staffed there
    return None, "no_account"


def _answers_for(other: Channel, channel: Channel) -> bool:
    """Whether ``other``'s team could answer on ``channel``: the same platform, and the same
    brand where both have one."""
    same_brand = None in (channel.brand_id, other.brand_id) or channel.brand_id == other.brand_id
    return other.platform == channel.platform and same_brand


REASONS = {
    "no_connector": "Vastaa cannot reply on this platform",
    "no_account": "no account with credentials to reply from",
    "not_staffed": "nobody is staffed to answer here",
}
