"""Feed bytes → canonical events, and which of them are new since the cursor. Pure: no I/O.

feedparser reads RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 from the bytes (never from a
URL: handed a string, feedparser would fetch it). It also resolves relative links, decodes
entities and CDATA and strips scripts from HTML; this module turns the HTML that is left into
plain text. feedparser is given only the scheme and host of the feed's address to resolve
against: it keeps that base in every ``*_detail`` (so in ``raw``), and the path or query of a
private feed's address holds its token.

Every entry becomes a public ``post``: its id (the link when it has none) is the external id,
hashed when longer than 200 characters (the original stays in ``raw``); its time is when it
was published (else updated, else when the feed was fetched), in UTC.
"""

from __future__ import annotations

import calendar
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser

from vastaa.channels.base import MalformedPayload
from vastaa.channels.markup import html_to_text
from vastaa.pipeline.events import AuthorRef, ChannelRef, MediaRef, MessageEvent

MAX_ID = 200
MAX_FIELD = 200
MAX_TEXT = 100_000
MAX_URL = 2000
MAX_MEDIA = 50
SEEN_LIMIT = 1000  # ids remembered, beyond those still in the feed
# fmt: off
GOOGLE_REDIRECT = ("www.google.com", "google.com")

Seen = list[tuple[str, int | None]]  # (external id, version stamp, epoch seconds)


@dataclass(frozen=True)
class Entry:
    """One readable entry: its event as first seen, and the time its version is stamped with
    (``updated``, else ``published``; ``None`` when the entry has no date)."""

    event: MessageEvent
    stamp: int | None
    published: datetime | None


@dataclass(frozen=True)
class _Context:
    """What every event of one fetch shares."""

    channel: ChannelRef
    fetched_at: datetime


@dataclass(frozen=True)
class Feed:
    title: str
    entries: list[Entry]
    total: int  # entries in the document, readable or not
    problems: list[str]


def _plain(detail: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The text of a feedparser text construct (its ``*_detail``), HTML or not."""
    if not detail:
        return " ".join(fallback.split())
    value = str(detail.get("value") or "")
    kind = str(detail.get("type") or "")
    return html_to_text(value) if "html" in kind else value.strip()


# one entry ------------------------------------------------------------------------------------


def external_id(original: str) -> str:
    """The id as the feed gives it, or ``sha256:<hex>`` of it when longer than 200 chars."""
    if len(original) <= MAX_ID:
        return original
    return "sha256:" + hashlib.sha256(original.encode()).hexdigest()


def _moment(value: Any) -> datetime | None:
    """A feedparser ``*_parsed`` time (a UTC ``struct_time``) as an aware datetime."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _own(entry: Mapping[str, Any], key: str) -> Any:
    """A field the entry really has: feedparser answers ``updated_parsed`` with the published
    time when there is none (with a DeprecationWarning), which would hide that it is missing."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _stamp(entry: Mapping[str, Any]) -> datetime | None:
    return _moment(_own(entry, "updated_parsed")) or _moment(_own(entry, "published_parsed"))


def _web(url: Any) -> str | None:
    text = str(url or "").strip()
    if len(text) > MAX_URL or urlsplit(text).scheme not in ("http", "https"):
        return None
    return text


def _unwrapped(url: str | None) -> str | None:
    """Google Alerts link through ``https://www.google.com/url?...&url=<the article>``."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.hostname in GOOGLE_REDIRECT and parts.path == "/url":
        target = parse_qs(parts.query).get("url", [""])[0]
        return _web(target) or url
    return url


def _text(entry: Mapping[str, Any]) -> str:
    title = _plain(entry.get("title_detail"), str(entry.get("title") or ""))
    contents = entry.get("content") or []
    body_detail = contents[0] if contents else entry.get("summary_detail")
    body = _plain(body_detail, str(entry.get("summary") or ""))
    parts = [title] if title else []
    if body and body != title:
        parts.append(body)
    return "\n\n".join(parts)[:MAX_TEXT]


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "") if url else ""


def _site(url: str) -> str:
    """``scheme://host[:port]/`` of the feed's address, never its path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/"


def _person(detail: Mapping[str, Any] | None) -> AuthorRef | None:
    if not detail:
        return None
    name = str(detail.get("name") or "").strip()
    email = str(detail.get("email") or "").strip()
    href = str(detail.get("href") or "").strip()
    key = href or email or name
    if not key:
        return None
    return AuthorRef(id=key[:MAX_FIELD], name=(name or email or href)[:MAX_FIELD])


def _author(
    entry: Mapping[str, Any], feed: Mapping[str, Any], url: str | None, home: str
) -> AuthorRef:
    """The entry's author, else the feed's; else the site the entry links to (an alert feed
    gathers many sites), else the feed itself by its title and host."""
    found = _person(entry.get("author_detail")) or _person(feed.get("author_detail"))
    if found:
        return found
    site = _host(url)
    if site and site != home:
        return AuthorRef(id=site[:MAX_FIELD], name=site[:MAX_FIELD])
    title = " ".join(str(feed.get("title") or "").split())
    key = home or title or "feed"
    return AuthorRef(id=key[:MAX_FIELD], name=(title or key)[:MAX_FIELD])


def _media(entry: Mapping[str, Any]) -> list[MediaRef]:
    found: list[MediaRef] = []
    for link in entry.get("links") or []:
        href = _web(link.get("href"))
        if link.get("rel") == "enclosure" and href:
            major = str(link.get("type") or "").partition("/")[0]
            kind = major if major in ("image", "video", "audio") else "file"
            found.append(MediaRef(url=href, type=kind))
    return found[:MAX_MEDIA]


def jsonable(value: Any) -> Any:
    """feedparser's dicts as JSON: its ``*_parsed`` time tuples are left out (the text of
    each date is kept), anything else unusual becomes text."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if not str(k).endswith("_parsed")}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _entry(
    entry: Mapping[str, Any], feed: Mapping[str, Any], home: str, context: _Context
) -> Entry:
    original = str(entry.get("id") or "").strip() or str(entry.get("link") or "").strip()
    if not original:
        raise ValueError("it has neither an id nor a link")
    text = _text(entry)
    if not text:
        raise ValueError("it has neither a title nor any text")
    url = _unwrapped(_web(entry.get("link")))
    stamp = _stamp(entry)
    published = _moment(_own(entry, "published_parsed"))
    created = published or stamp or context.fetched_at
    key = external_id(original)
    event = MessageEvent(
        channel=context.channel,
        external_id=key,
        kind="post",
        public=True,
        author=_author(entry, feed, url, home),
        text=text,
        url=url,
        created_at=created,
        thread_id=key,
        media=_media(entry),
        raw=jsonable(entry),
    )
    return Entry(event, int(stamp.timestamp()) if stamp else None, published)


# the feed -------------------------------------------------------------------------------------


def _bozo_reason(parsed: Mapping[str, Any]) -> str:
    error = parsed.get("bozo_exception")
    message = getattr(error, "getMessage", None)
    line = getattr(error, "getLineNumber", None)
    if callable(message) and callable(line):
        return f"line {line()}: {message()}"
    return str(error or "not well-formed")[:300]


def _label(entry: Mapping[str, Any], position: int) -> str:
    name = str(entry.get("id") or entry.get("link") or entry.get("title") or "")
    return f"entry {position}" + (f" ({name[:80]})" if name else "")


def parse_feed(
    body: bytes,
    *,
    channel: ChannelRef,
    location: str,
    content_type: str | None,
    fetched_at: datetime,
) -> Feed:
    """Read a feed document. An entry that cannot be read is left out with its reason in
    ``problems``; a feed that is not well-formed but still gives entries is used, the reason
    noted; one that gives none raises ``MalformedPayload`` with feedparser's reason."""
    headers = {
        "content-location": _site(location),
        "content-type": content_type or "application/xml",
    }
    parsed = feedparser.parse(body, response_headers=headers)
    feed: Mapping[str, Any] = parsed.get("feed") or {}
    raw_entries: Sequence[Mapping[str, Any]] = parsed.get("entries") or []
    home = _host(_web(feed.get("link"))) or _host(location)
    context = _Context(channel, fetched_at)
    entries, problems = _entries(raw_entries, feed, home, context)
    bozo = bool(parsed.get("bozo"))
    if bozo and not entries:
        raise MalformedPayload(f"rss: the feed could not be read ({_bozo_reason(parsed)})")
    if not raw_entries and not parsed.get("version"):
        raise MalformedPayload("rss: the document is not an RSS or Atom feed")
    if bozo:
        problems.insert(
            0,
            f"rss: the feed is not well-formed ({_bozo_reason(parsed)}); "
            f"{len(entries)} of {len(raw_entries)} entries were read anyway",
        )
    title = " ".join(str(feed.get("title") or "").split())
    return Feed(title=title, entries=entries, total=len(raw_entries), problems=problems)


def _entries(
    raw_entries: Sequence[Mapping[str, Any]],
    feed: Mapping[str, Any],
    home: str,
    context: _Context,
) -> tuple[list[Entry], list[str]]:
    entries: list[Entry] = []
    problems: list[str] = []
    for position, raw in enumerate(raw_entries, start=1):
        try:
            entries.append(_entry(raw, feed, home, context))
        except ValueError as error:  # pydantic's ValidationError is one too
            problems.append(f"rss: {_label(raw, position)} was skipped: {_short(error)}")
    return entries, problems


def _short(error: ValueError) -> str:
    return " ".join(str(error).split())[:300]


# what is new ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class News:
    events: list[MessageEvent]
    seen: Seen


def _latest(entries: Sequence[Entry]) -> dict[str, Entry]:
    """One entry per id, in feed order: the newest version where an id appears twice."""
    latest: dict[str, Entry] = {}
    for entry in entries:
        key = entry.event.external_id
        held = latest.get(key)
        if held is None or (entry.stamp or 0) > (held.stamp or 0):
            latest[key] = entry
    return latest


def _edited(entry: Entry, before: int | None) -> MessageEvent:
    """The event of an entry whose ``updated`` moved forward. Without a published date its
    creation time is that of the version first delivered."""
    assert entry.stamp is not None
    created = entry.event.created_at
    if entry.published is None and before is not None:
        created = datetime.fromtimestamp(before, UTC)
    edited_at = max(created, datetime.fromtimestamp(entry.stamp, UTC))
    return entry.event.model_copy(update={"created_at": created, "edited_at": edited_at})


def _moved(entry: Entry, before: int | None) -> bool:
    return entry.stamp is not None and (before is None or entry.stamp > before)


def news(
    entries: Sequence[Entry], seen: Sequence[tuple[str, int | None]], *, limit: int = SEEN_LIMIT
) -> News:
    """The entries not delivered before and those updated since (as edits), oldest first, and
    the ids to remember: all those in the feed, then earlier ones up to ``limit`` in all.
    An id missing from the feed is not a deletion: feeds drop old entries."""
    known = dict(seen)
    events: list[MessageEvent] = []
    current: Seen = []
    for key, entry in _latest(entries).items():
        before = known.get(key)
        if key not in known:
            events.append(entry.event)
        elif _moved(entry, before):
            events.append(_edited(entry, before))
        stamps = [s for s in (entry.stamp, before) if s is not None]
        current.append((key, max(stamps) if stamps else None))
    listed = {key for key, _ in current}
    older = [(key, stamp) for key, stamp in seen if key not in listed]
    events.sort(key=lambda event: event.version_at)
    return News(events, current + older[: max(0, limit - len(current))])
