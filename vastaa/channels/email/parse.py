"""An e-mail as received (RFC 5322 bytes) → the canonical event. Pure: no I/O, no clock.

- ``external_id``: the Message-ID without its angle brackets; a hash (``sha256-…``) of it when
  it is longer than 200 characters, or of the whole message when it has none.
- ``author``: the From address, lower-cased, as id and handle; its display name as name.
- ``text``: the text/plain body, else the HTML body as text; quoted earlier mail ("On … wrote:",
  "… kirjoitti:", "… yazdı:", Outlook's "-----Original Message-----" block, ``>`` lines) is
  trimmed. ``raw`` keeps the headers and the whole text, quotes included; attachments are
  listed in ``media`` (type ``file``, a ``cid:`` or ``name:`` reference) and never stored.
- ``thread_id``: the first id of References, else In-Reply-To, else its own; ``parent_id``:
  In-Reply-To. ``created_at``: the Date header, else the IMAP INTERNALDATE.
- Headers are read as sent: RFC 2047 encoded words are decoded, and 8-bit headers that are not
  UTF-8 are read as windows-1252. Bodies are decoded with their declared charset.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from pydantic import ValidationError

from vastaa.channels.base import MalformedPayload
from vastaa.pipeline.events import AuthorRef, ChannelRef, MediaRef, MessageEvent

MAX_ID = 200
MAX_TEXT = 100_000
MAX_MEDIA = 50
ANGLE_ID = re.compile(r"<([^<>\s]+)>")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # what could end a header line
LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class ReplyContext:
    """What a reply needs to know of the mail it answers."""

    message_id: str | None
    subject: str
    address: str | None  # Reply-To, else From
    references: tuple[str, ...]


def load(data: bytes) -> EmailMessage:
    """The message object of the bytes; the parser never fails, defects are read leniently."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage objects
    return message


def automatic(message: Message) -> str | None:
    """Why the mail was sent by a machine (an auto-reply, bulk mail), or None for a person's."""
    submitted = (header(message, "Auto-Submitted") or "no").strip().lower()
    if not submitted.startswith("no"):
        return f"Auto-Submitted: {submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        value = header(message, name)
        if value:
            return f"{name}: {value}"
    precedence = (header(message, "Precedence") or "").strip().lower()
    if precedence in {"bulk", "junk", "auto_reply"}:
        return f"Precedence: {precedence}"
    return None


def from_address(message: Message) -> tuple[str, str]:
    """The sender's address (lower-cased) and display name; MalformedPayload without one."""
    value = header(message, "From", decoded=False) or ""
    for name, address in getaddresses([value]):
        if "@" in address:
            return address.strip().lower(), _decoded(name).strip()
    raise MalformedPayload(f"no sender address in From: {value[:80]!r}")


def message_event(
    data: bytes,
    *,
    channel: ChannelRef,
    received_at: datetime | None = None,
    message: Message | None = None,
) -> MessageEvent:
    """The canonical event of one mail; mail from the channel's own address is outbound."""
    message = message or load(data)
    address, name, outbound = sender(message, channel.account)
    own_id = message_id(message, data)
    whole, media = body(message)
    try:
        return MessageEvent(
            channel=channel,
            external_id=own_id,
            kind="direct_message",
            direction="outbound" if outbound else "inbound",
            public=False,
            author=AuthorRef(id=address[:MAX_ID], handle=address[:MAX_ID], name=name[:200]),
            text=trim_quoted(whole)[:MAX_TEXT],
            created_at=created_at(message, received_at),
            thread_id=thread_id(message) or own_id,
            parent_id=parent_id(message),
            lang=language(message),
            media=media[:MAX_MEDIA],
            raw=_raw(message, whole, received_at),
        )
    except ValidationError as error:
        raise MalformedPayload(f"mail {own_id}: {error.errors()[0]['msg']}") from None


def sender(message: Message, account: str) -> tuple[str, str, bool]:
    """Who wrote the mail (address, name) and whether it was us. Mail From the channel's own
    address is ours, unless it names someone else in Reply-To: a feedback form that sends in
    the channel's name on behalf of the customer."""
    address, name = from_address(message)
    if address != account.lower():
        return address, name, False
    reply_to = _reply_to(message)
    if reply_to and reply_to[0] != address:
        return reply_to[0], reply_to[1], False
    return address, name, True


def _reply_to(message: Message) -> tuple[str, str] | None:
    for name, address in getaddresses([header(message, "Reply-To", decoded=False) or ""]):
        if "@" in address:
            return address.strip().lower(), _decoded(name).strip()
    return None


def reply_context(data: bytes) -> ReplyContext:
    """Subject, reply address and References of a mail (its headers are enough)."""
    message = load(data)
    reply_to = _reply_to(message)
    try:
        address = reply_to[0] if reply_to else from_address(message)[0]
    except MalformedPayload:
        address = None
    ids = _clean_ids(header(message, "Message-ID", decoded=False))
    return ReplyContext(
        message_id=ids[0] if ids else None,
        subject=one_line(header(message, "Subject") or ""),
        address=address,
        references=_clean_ids(header(message, "References", decoded=False)),
    )


def one_line(text: str) -> str:
    """The text with line breaks and other control characters as spaces: safe in a header
    we write (an encoded word can decode to CR LF)."""
    return " ".join(CONTROL.sub(" ", text).split())


def _clean_ids(value: str | None) -> tuple[str, ...]:
    """The <ids> of a header, leaving out any with a control character."""
    return tuple(found for found in ANGLE_ID.findall(value or "") if not CONTROL.search(found))


# Headers


def header(message: Message, name: str, *, decoded: bool = True) -> str | None:
    """The first header of that name as sent (folding undone), RFC 2047 words decoded."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            text = _unsurrogate(re.sub(r"\r?\n(?=[ \t])", "", str(value)))
            return _decoded(text) if decoded else text
    return None


def _decoded(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
        return value


def _unsurrogate(text: str) -> str:
    """8-bit header bytes arrive as surrogates: UTF-8 when they are, else windows-1252."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def mail_id(value: str) -> str:
    """A mail id as Vastaa stores it: itself, or its hash when longer than 200 characters."""
    if len(value) <= MAX_ID:
        return value
    return "sha256-" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def message_id(message: Message, data: bytes) -> str:
    value = header(message, "Message-ID", decoded=False) or ""
    found = ANGLE_ID.findall(value)
    if found:
        return mail_id(found[0])
    if value.strip() and " " not in value.strip():
        return mail_id(value.strip())
    return "sha256-" + hashlib.sha256(data).hexdigest()


def thread_id(message: Message) -> str | None:
    for name in ("References", "In-Reply-To"):
        found = ANGLE_ID.findall(header(message, name, decoded=False) or "")
        if found:
            return mail_id(found[0])
    return None


def parent_id(message: Message) -> str | None:
    found = ANGLE_ID.findall(header(message, "In-Reply-To", decoded=False) or "")
    return mail_id(found[0]) if found else None


def created_at(message: Message, received_at: datetime | None) -> datetime:
    value = header(message, "Date", decoded=False)
    try:
        sent = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        sent = None
    when = sent or received_at
    if when is None:
        raise MalformedPayload("the mail has no valid Date header and no arrival time")
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def language(message: Message) -> str | None:
    value = (header(message, "Content-Language") or "").split(",")[0].strip()
    match = LANG.match(value)
    return match.group(1).lower() if match else None


def _raw(message: Message, text: str, received_at: datetime | None) -> dict[str, Any]:
    headers = [[key, header(message, key) or ""] for key in _names(message)]
    raw: dict[str, Any] = {"headers": headers, "text": text[:MAX_TEXT]}
    if received_at is not None:
        raw["internaldate"] = received_at.isoformat()
    return raw


def _names(message: Message) -> list[str]:
    """Header names in order; a repeated header (Received) once per occurrence."""
    return [key for key, _ in message.raw_items()]


# Body


def body(message: EmailMessage | Message) -> tuple[str, list[MediaRef]]:
    """The text (plain preferred, else HTML as text) and the attachments as media."""
    assert isinstance(message, EmailMessage)
    chosen = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if chosen is not None:
        content = _content(chosen)
        text = html_to_text(content) if chosen.get_content_subtype() == "html" else content
    return _tidy(text), _attachments(message, chosen)


def _content(part: Message) -> str:
    """A text part decoded with its charset; an unknown charset is read as UTF-8 or cp1252."""
    assert isinstance(part, EmailMessage)
    try:
        content = part.get_content()
        if isinstance(content, str):
            return _unsurrogate(content)
    except (LookupError, UnicodeDecodeError, KeyError):
        pass
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _attachments(message: Message, chosen: Message | None) -> list[MediaRef]:
    media = []
    for part in message.walk():
        if part.is_multipart() or part is chosen:
            continue
        filename = part.get_filename()
        if part.get_content_maintype() == "text" and not filename:
            continue  # the other alternative of the body (HTML beside plain)
        reference = _reference(part, filename)
        if reference:
            media.append(MediaRef(url=reference[:2000], type="file"))
    return media


def _reference(part: Message, filename: str | None) -> str | None:
    content_id = ANGLE_ID.findall(header(part, "Content-ID", decoded=False) or "")
    if content_id:
        return f"cid:{content_id[0]}"
    if filename:
        return f"name:{_decoded(filename)}"
    return f"name:unnamed.{part.get_content_subtype()}"


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Quoted earlier mail

ATTRIBUTION = re.compile(
    r"((wrote|kirjoitti|yazdı|yazdi|schrieb|a écrit|skrev|escribió)|\bkirjoitti\b.*)\s*:\s*$",
    re.IGNORECASE,
)
ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|alkuperäinen viesti|orijinal ileti|özgün ileti|"
    r"ursprüngliche nachricht|forwarded message|välitetty viesti|iletilen ileti)\s*-{2,}\s*$",
    re.IGNORECASE,
)
OUTLOOK_FROM = re.compile(r"^\s*\*?(from|lähettäjä|kimden|gönderen)\*?\s*:\s", re.IGNORECASE)
OUTLOOK_SENT = re.compile(
    r"^\s*\*?(sent|date|lähetetty|päivämäärä|gönderildi|tarih)\*?\s*:\s", re.IGNORECASE
)


def trim_quoted(text: str) -> str:
    """The new text of a reply: from the first quote header ("On … wrote:", "… kirjoitti:",
    "… yazdı:", an Outlook header block) to the end is cut, and ``>`` lines are dropped.
    A mail that is all quote keeps its text."""
    lines = text.split("\n")
    cut = _quote_start(lines)
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    trimmed = _tidy("\n".join(kept))
    return trimmed or text


def _quote_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if ORIGINAL.match(line) or re.match(r"^\s*_{20,}\s*$", line):
            return index
        if OUTLOOK_FROM.match(line) and any(
            OUTLOOK_SENT.match(x) for x in lines[index : index + 5]
        ):
            return index
        if _attribution(lines, index):
            return index
    return len(lines)


def _attribution(lines: list[str], index: int) -> bool:
    """An "On <date>, <person> wrote:" line, possibly wrapped onto the next line."""
    line = lines[index]
    if line.lstrip().startswith(">"):
        return False
    for joined in (line, f"{line} {lines[index + 1]}" if index + 1 < len(lines) else ""):
        if ATTRIBUTION.search(joined) and re.search(r"[0-9@]", joined) and len(joined) < 300:
            return True
    return False


# HTML


def html_to_text(html: str) -> str:
    """The text of an HTML mail: blocks on their own lines, quotes (``<blockquote>``) as ``>``
    lines, scripts and styles left out, entities decoded."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return _tidy(parser.text())


class _TextParser(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
    )
    HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote = 0
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "blockquote":
            self.quote += 1
            self.lines.append("")
        elif tag in self.BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.lines.append("")
        elif tag in self.BLOCKS and tag != "br":
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        piece = re.sub(r"\s+", " ", data)  # source line breaks are spaces in HTML
        if not self.lines[-1]:
            piece = piece.lstrip()
            if piece:
                self.lines[-1] = "> " * self.quote
        self.lines[-1] += piece

    def text(self) -> str:
        return "\n".join(line.strip() for line in self.lines)
