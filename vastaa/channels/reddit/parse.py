"""Reddit "things" as canonical events: pure functions, no HTTP.

A thing is ``{"kind": "t1" | "t3" | "t4", "data": {...}}`` as the OAuth API answers it (with
``raw_json=1``, so bodies are markdown without HTML entities). t1 is a comment (in the inbox a
comment reply, post reply or username mention, with ``context`` in place of ``permalink`` and
``link_id``), t3 a submission, t4 a private message. The fullname (``t1_abc``) is the external
id. Markdown stays as written: it is plain text already; ``body_html`` is not used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from vastaa.channels.base import MalformedPayload
from vastaa.pipeline.events import (
    AuthorRef,
    ChannelRef,
    DeleteEvent,
    Event,
    Kind,
    MediaRef,
    MessageEvent,
    without_nul,
)

SITE = "https://www.reddit.com"
GONE = frozenset({"[deleted]", "[removed]"})
KINDS = ("t1", "t3", "t4")
IMAGE = re.compile(r"\.(jpe?g|png|gif|webp)$", re.IGNORECASE)
CONTEXT_LINK = re.compile(r"/comments/([a-z0-9]+)/")
INBOX_KINDS: dict[str, Kind] = {
    "comment_reply": "reply",
    "post_reply": "reply",
    "username_mention": "mention",
}


@dataclass(frozen=True)
class Page:
    """One Listing: its things newest first, and the fullnames to page from."""

    children: list[Any]
    after: str | None
    before: str | None


def listing(payload: Any) -> Page:
    """A ``{"kind": "Listing", "data": {...}}`` answer; ``MalformedPayload`` otherwise."""
    if not isinstance(payload, dict) or payload.get("kind") != "Listing":
        raise MalformedPayload("reddit: the answer is not a Listing")
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise MalformedPayload("reddit: the Listing has no children")
    return Page(data["children"], _name(data.get("after")), _name(data.get("before")))


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Stamp:
    """Where a thing sits in a newest-first listing: its fullname and creation time."""

    name: str
    created: float


def stamp(thing: Any) -> Stamp:
    """The fullname and ``created_utc`` of a thing, which the cursor keeps."""
    data = _data(thing)
    name, created = data.get("name"), data.get("created_utc")
    if not isinstance(name, str) or not name.startswith(KINDS):
        raise MalformedPayload(f"reddit: a thing without a t1/t3/t4 fullname ({name!r})")
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise MalformedPayload(f"reddit: {name} has no created_utc")
    return Stamp(name, float(created))


def _data(thing: Any) -> dict[str, Any]:
    if not isinstance(thing, dict) or not isinstance(thing.get("data"), dict):
        raise MalformedPayload("reddit: a thing without data")
    if thing.get("kind") not in KINDS:
        raise MalformedPayload(f"reddit: a thing of kind {thing.get('kind')!r}")
    return dict(thing["data"])


def is_gone(thing: Any) -> bool:
    """Whether the thing was deleted by its author or removed by a moderator: its body says
    so, and its author is gone too (or Reddit names who removed it), so that a comment that
    merely reads "[deleted]" is not taken for a deletion."""
    data = _data(thing)
    text = data.get("body", data.get("selftext"))
    gone_author = data.get("author") in GONE or bool(data.get("removed_by_category"))
    return text in GONE and gone_author


def edited_mark(thing: Any) -> float:
    """``edited`` as a number: 0 when never edited."""
    edited = _data(thing).get("edited")
    return float(edited) if isinstance(edited, int | float) and edited is not True else 0.0


def event(
    thing: Any, *, channel: ChannelRef, account: str, inbox: bool, kind: Kind | None = None
) -> Event:
    """The canonical event for one thing. ``inbox``: it came from our inbox (a reply to us, a
    mention or a message), which decides its kind, unless ``kind`` is given (a thing read
    again through ``/api/info`` no longer says it was a mention). ``MalformedPayload`` names
    what is wrong."""
    data, at = _data(thing), stamp(thing)
    raw = without_nul(thing)
    if is_gone(thing):
        return DeleteEvent(
            type="delete", channel=channel, external_id=at.name, deleted_at=_when(at), raw=raw
        )
    try:
        return MessageEvent(
            channel=channel,
            external_id=at.name,
            kind=kind or _kind(thing["kind"], data, inbox),
            direction="outbound" if _is_ours(data, account) else "inbound",
            public=thing["kind"] != "t4",
            author=_author(data),
            text=_text(thing["kind"], data),
            url=link(thing["kind"], data),
            created_at=_when(at),
            edited_at=_edited(edited_mark(thing)),
            thread_id=thread(thing["kind"], data, at.name),
            parent_id=_name(data.get("parent_id")),
            media=_media(data),
            promoted=bool(data.get("promoted")),
            raw=raw,
        )
    except ValidationError as error:
        raise MalformedPayload(f"reddit: {at.name}: {error.errors()[0]['msg']}") from None


def _when(at: Stamp) -> datetime:
    return datetime.fromtimestamp(at.created, UTC)


def _edited(mark: float) -> datetime | None:
    return datetime.fromtimestamp(mark, UTC) if mark else None


def _kind(kind: str, data: Mapping[str, Any], inbox: bool) -> Kind:
    if kind == "t4":
        return "direct_message"
    if kind == "t3":
        return "post"
    if inbox:
        return INBOX_KINDS.get(str(data.get("type")), "reply")
    return "comment"


def _is_ours(data: Mapping[str, Any], account: str) -> bool:
    return str(data.get("author", "")).casefold() == account.casefold()


def _author(data: Mapping[str, Any]) -> AuthorRef:
    """The username is the id: it never changes and is what blocking and messages take."""
    author = data.get("author")
    if not isinstance(author, str) or not author:
        raise MalformedPayload(f"reddit: {data.get('name')} has no author")
    return AuthorRef(id=author, handle=author, name=author)


def _text(kind: str, data: Mapping[str, Any]) -> str:
    if kind == "t3":
        return "\n\n".join(p for p in (data.get("title"), data.get("selftext")) if p)
    body = data.get("body")
    if not isinstance(body, str):
        raise MalformedPayload(f"reddit: {data.get('name')} has no body")
    subject = data.get("subject")
    if kind == "t4" and not data.get("parent_id") and isinstance(subject, str) and subject:
        return f"{subject}\n\n{body}"  # the first message of a conversation: its subject too
    return body


def link(kind: str, data: Mapping[str, Any]) -> str | None:
    if kind == "t4":
        return f"{SITE}/message/messages/{data.get('id')}"
    path = data.get("permalink") or data.get("context")
    return f"{SITE}{path}" if isinstance(path, str) and path.startswith("/") else None


def thread(kind: str, data: Mapping[str, Any], name: str) -> str | None:
    """The root: a comment's submission (``link_id``, or in the inbox read off ``context``), a
    submission itself, a message's first message."""
    if kind == "t3":
        return name
    if kind == "t4":
        return _name(data.get("first_message_name")) or name
    if link := _name(data.get("link_id")):
        return link
    found = CONTEXT_LINK.search(str(data.get("context") or ""))
    return f"t3_{found.group(1)}" if found else None


def _media(data: Mapping[str, Any]) -> list[MediaRef]:
    url = data.get("url_overridden_by_dest") or data.get("url")
    if not isinstance(url, str) or not url.startswith("https://"):
        return []
    if data.get("is_video"):
        return [MediaRef(url=url, type="video")]
    if data.get("post_hint") == "image" or IMAGE.search(url):
        return [MediaRef(url=url, type="image")]
    return []
