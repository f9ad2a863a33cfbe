"""E-mail: feedback forms and customer mail, read over IMAP and answered over SMTP.

The channel's account is the mailbox address (palaute@kide.fi). ``client.py`` speaks IMAP and
SMTP; ``parse.py`` turns the bytes of one mail into the canonical event; this module is the
connector. docs/platforms/email.md describes the settings.

Reading is UID-based: the cursor is ``{"uidvalidity", "last_uid"}`` of the configured mailbox,
selected read-only and fetched with ``BODY.PEEK[]``, so nothing is marked read, moved or deleted.
The first read, and a read after the server changed the mailbox's UIDVALIDITY (the old UIDs mean
nothing any more), start from the mail that arrived in the last ``backlog_days`` (7); ingestion
deduplicates on Message-ID, so mail read again is stored once. At most 100 mails and 5 ×
``max_bytes`` a read; a mail over ``max_bytes`` (10 MB) is read only up to it (``BODY.PEEK[]<0.n>``:
its headers and text come first, what is cut is attachments), marked in ``raw``.

Mail sent by a machine (Auto-Submitted, X-Autoreply, Precedence bulk/junk/auto_reply) is
skipped (logged, the cursor moves past it); mail from the channel's own address is read as an
outbound message (our echo, or a reply written in another mail program).

Sending: a reply or a direct message is a new mail to the customer's address, From the channel's
address, its Message-ID derived from the outbox key (``<vastaa.{key}@{domain}>``): the receipt's
id is that Message-ID, so the copy read back is recognised as our echo. A reply carries
In-Reply-To and References and "Re: " the subject of the mail answered (looked up in the
mailbox). SMTP has no idempotency key: with ``sent_mailbox`` set, a copy of each sent mail is
appended there and a retried send first looks for its Message-ID in it (found: not sent again).
A send retried after an ambiguous SMTP time-out, or after a crash between the SMTP delivery and
the append, may still deliver twice; without ``sent_mailbox`` every retry sends again.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from vastaa.channels.base import (
    Capability,
    ChannelSetup,
    Fetched,
    Listening,
    MalformedPayload,
    Moderation,
    Outgoing,
    Receipt,
    Rejected,
)
from vastaa.channels.email import parse
from vastaa.channels.email.client import (
    Mail,
    MailSettings,
    Selected,
    append,
    fetch,
    find,
    imap_session,
    search,
    select,
    settings,
    sizes,
    smtp_session,
)
from vastaa.clock import Clock, utcnow
from vastaa.pipeline.events import ChannelRef, Event

CAPABILITIES: frozenset[Capability] = frozenset({"read_direct_messages", "reply", "direct_message"})
BATCH = 100  # mails fetched in one read
BATCH_MAILS_BYTES = 5  # a read fetches at most this many times max_bytes
SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
ADDRESS = re.compile(r"[^@\s<>,;\"\x00-\x1f\x7f]+@[^@\s<>,;\"\x00-\x1f\x7f]+")
MAIL_ID = re.compile(r"[^<>\s\x00-\x1f\x7f]+")  # an id we can write between <>
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")

log = logging.getLogger(__name__)


class EmailConnector:
    platform = "email"
    capabilities = CAPABILITIES

    def __init__(self, settings: MailSettings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self.channel = ChannelRef(platform="email", account=settings.account)

    @classmethod
    def build(cls, setup: ChannelSetup) -> EmailConnector:
        return cls(settings(setup))

    def check(self) -> str:
        with imap_session(self.settings.imap) as conn:
            selected = select(conn, self.settings.mailbox)
        with smtp_session(self.settings.smtp) as smtp:
            smtp.noop()
        return (
            f"mailbox {self.settings.mailbox}, {selected.exists} messages; "
            f"{self.settings.smtp.where} ready"
        )

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        with imap_session(self.settings.imap) as conn:
            selected = select(conn, self.settings.mailbox)
            last = _last_uid(cursor, selected)
            uids = self._new(conn, last, selected)
            page, size = self._page(conn, uids)
            mails = self._fetch(conn, page, size)
        events, problems = self._events(mails)
        more = len(uids) > len(page)
        top = max(page, default=last or 0)
        if last is None and not more:
            top = max(top, selected.uidnext - 1)  # older mail is not read
        return Fetched(
            events=events,
            cursor={"uidvalidity": selected.uidvalidity, "last_uid": top},
            more=more,
            problems=problems,
        )

    def _page(self, conn: imaplib.IMAP4, uids: list[int]) -> tuple[list[int], dict[int, int]]:
        """The first UIDs up to BATCH mails and BATCH_MAILS_BYTES × max_bytes, with their
        sizes; a mail over max_bytes counts as max_bytes (only that much is fetched)."""
        size = sizes(conn, uids[:BATCH]) if uids else {}
        cap, budget = self.settings.max_bytes, BATCH_MAILS_BYTES * self.settings.max_bytes
        page: list[int] = []
        for uid in uids[:BATCH]:
            budget -= min(size.get(uid, 0), cap)
            if budget < 0:
                break
            page.append(uid)
        return page, size

    def _fetch(self, conn: imaplib.IMAP4, page: list[int], size: dict[int, int]) -> list[Mail]:
        """The mails of the page (expunged ones are absent); one over max_bytes only up to
        max_bytes: its headers and text come first, the rest is mostly attachments."""
        cap = self.settings.max_bytes
        whole = [uid for uid in page if uid in size and size[uid] <= cap]
        cut = [uid for uid in page if size.get(uid, 0) > cap]
        mails = fetch(conn, whole) if whole else []
        mails += fetch(conn, cut, f"BODY.PEEK[]<0.{cap}>") if cut else []
        return sorted((replace(mail, size=size.get(mail.uid)) for mail in mails), key=_uid)

    def _new(self, conn: imaplib.IMAP4, last: int | None, selected: Selected) -> list[int]:
        """UIDs after ``last``, or those of the backlog when there is no valid position."""
        if last is None:
            since = self.clock() - timedelta(days=self.settings.backlog_days)
            return search(conn, "SINCE", since.strftime("%d-%b-%Y"))
        if selected.uidnext <= last + 1:
            return []
        # ``n:*`` always includes the highest UID, even one at or below ``last``.
        return [uid for uid in search(conn, "UID", f"{last + 1}:*") if uid > last]

    def _events(self, mails: list[Mail]) -> tuple[list[Event], list[str]]:
        events: list[Event] = []
        problems: list[str] = []
        seen: set[str] = set()
        for mail in mails:
            try:
                event = self._event(mail)
            except MalformedPayload as error:
                problems.append(f"UID {mail.uid}: {error}")
                continue
            if event is not None and event.external_id not in seen:
                seen.add(event.external_id)
                events.append(event)
        return events, problems

    def _event(self, mail: Mail) -> Event | None:
        message = parse.load(mail.data)
        reason = parse.automatic(message)
        if reason:
            log.info("email: skipped UID %s, sent by a machine (%s)", mail.uid, reason)
            return None
        event = parse.message_event(
            mail.data, channel=self.channel, received_at=mail.received_at, message=message
        )
        if mail.size and mail.size > len(mail.data) and event.raw is not None:
            log.info("email: read UID %s (%s bytes) up to max_bytes", mail.uid, mail.size)
            event.raw.update(size=mail.size, cut_at=len(mail.data))
        return event

    def send(self, outgoing: Outgoing) -> Receipt:
        own_id = outgoing_id(outgoing.key, self.settings.account)
        receipt = Receipt(
            platform_id=own_id,
            thread_id=own_id if outgoing.action == "direct_message" else None,
        )
        if not (self.settings.sent_mailbox or outgoing.in_reply_to):
            self._deliver(compose(outgoing, own_id, None, self.settings, self.clock()))
            return receipt
        with imap_session(self.settings.imap) as conn:
            if self.settings.sent_mailbox and find(conn, self.settings.sent_mailbox, own_id):
                return receipt  # sent before: the copy is in the Sent mailbox
            context = self._answered(conn, outgoing.in_reply_to)
            mail = compose(outgoing, own_id, context, self.settings, self.clock())
            self._deliver(mail)
            if self.settings.sent_mailbox:
                crlf = mail.policy.clone(linesep="\r\n")  # IMAP wants CRLF line ends
                append(conn, self.settings.sent_mailbox, mail.as_bytes(policy=crlf))
        return receipt

    def _answered(self, conn: imaplib.IMAP4, message_id: str | None) -> parse.ReplyContext | None:
        """The headers of the mail answered, when it is still in the mailbox."""
        if not message_id:
            return None
        uids = find(conn, self.settings.mailbox, message_id)
        fields = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT FROM REPLY-TO REFERENCES)]"
        mails = fetch(conn, uids[:1], fields) if uids else []
        return parse.reply_context(mails[0].data) if mails else None

    def _deliver(self, mail: EmailMessage) -> None:
        with smtp_session(self.settings.smtp) as smtp:
            smtp.send_message(mail, from_addr=self.settings.account, to_addrs=[str(mail["To"])])

    def moderate(self, request: Moderation) -> None:
        raise Rejected(f"email: cannot {request.action}: e-mail has no moderation")


# Composing


def outgoing_id(key: str, account: str) -> str:
    """Our Message-ID (without brackets) for an outbox key: the same for every attempt."""
    local = key if SAFE_KEY.match(key) and len(key) <= 100 else _digest(key)
    return f"vastaa.{local}@{account.rpartition('@')[2].lower()}"


def _digest(key: str) -> str:
    return "h" + hashlib.sha256(key.encode()).hexdigest()[:40]


def compose(
    outgoing: Outgoing,
    own_id: str,
    answered: parse.ReplyContext | None,
    settings: MailSettings,
    now: datetime,
) -> EmailMessage:
    """The mail to send: To the customer, threaded under the mail answered."""
    recipient = outgoing.recipient or (answered.address if answered else None)
    if not recipient:
        raise Rejected("email: a mail needs the customer's address (the recipient)")
    if not ADDRESS.fullmatch(recipient):
        raise Rejected(f"email: not a mail address: {recipient[:200]!r}")
    mail = EmailMessage()
    mail["From"] = formataddr((parse.one_line(settings.from_name), settings.account))
    mail["To"] = recipient
    mail["Subject"] = _subject(answered, settings)
    mail["Date"] = format_datetime(now.astimezone(UTC))
    mail["Message-ID"] = f"<{own_id}>"
    parent = (answered.message_id if answered else None) or outgoing.in_reply_to
    if parent and _writable(parent):
        references = [*(answered.references if answered else ()), parent]
        mail["In-Reply-To"] = f"<{parent}>"
        mail["References"] = " ".join(f"<{ref}>" for ref in dict.fromkeys(references))
    mail.set_content(outgoing.text)  # clears Content-* headers: the language comes after
    if outgoing.lang and LANGUAGE.fullmatch(outgoing.lang):
        mail["Content-Language"] = outgoing.lang
    return mail


def _writable(mail_id: str) -> bool:
    """Whether an id can be written between <>: not a hash of one (``sha256-…``), no space
    or control character."""
    return not mail_id.startswith("sha256-") and bool(MAIL_ID.fullmatch(mail_id))


def _subject(answered: parse.ReplyContext | None, settings: MailSettings) -> str:
    subject = parse.one_line(answered.subject) if answered else ""
    if subject:
        return (
            subject if re.match(r"^(re|vs|ynt)\s*:", subject, re.IGNORECASE) else f"Re: {subject}"
        )
    return parse.one_line(settings.subject or settings.from_name) or settings.account


def _uid(mail: Mail) -> int:
    return mail.uid


def _last_uid(cursor: Mapping[str, Any], selected: Selected) -> int | None:
    """The last UID read, or None when the cursor is empty, unreadable or of an older
    UIDVALIDITY (the mailbox was rebuilt: its UIDs were given again)."""
    validity, last = cursor.get("uidvalidity"), cursor.get("last_uid")
    if not isinstance(validity, int) or not isinstance(last, int) or last < 0:
        return None
    return last if validity == selected.uidvalidity else None
