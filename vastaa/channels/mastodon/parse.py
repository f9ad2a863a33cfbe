"""Mastodon's payloads as canonical events: pure functions, no HTTP.

A Status (docs.joinmastodon.org/entities/Status) becomes a ``MessageEvent`` whose
``external_id`` is the status id and whose ``raw`` is the item as received: the Notification
for what came through the notifications, the Status for what a hashtag or a search found.
The content is sanitized HTML (``<p>``, ``<br>``, ``<span>``, ``<a>``); it becomes plain text
with its line breaks, a link becoming its text (the whole address, the ``invisible`` spans
included). A content warning (``spoiler_text``) is kept as the first line, ``CW: ...``.

Kinds: a ``direct`` status is a ``direct_message`` and not public; a status answering one of
ours is a ``reply``; any other status that came through a notification is a ``mention``, and
one that a hashtag or a search found is a ``post`` (a ``reply`` when it answers a status).
``parent_id`` is ``in_reply_to_id``; the root of the thread is left to the pipeline, which
follows the parents. An edit (``edited_at``) is the same ``external_id`` with ``edited_at``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from vastaa.channels.base import MalformedPayload
from vastaa.channels.markup import html_to_text
from vastaa.pipeline.events import AuthorRef, ChannelRef, Kind, MediaRef, MessageEvent

MEDIA_TYPES: dict[str, str] = {
    "image": "image",
    "gifv": "video",
    "video": "video",
    "audio": "audio",
}
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# Notification types that carry a status addressed to us (``update``: a status was edited).
ADDRESSED_TYPES = frozenset({"mention", "update"})


def notification_event(
    notification: Mapping[str, Any], *, channel: ChannelRef, me: str
) -> MessageEvent | None:
    """The status of a ``mention`` or ``update`` notification; ``None`` for an edit of a
    status not addressed to us (Mastodon notifies edits of statuses we boosted, too)."""
    kind = notification.get("type")
    status = notification.get("status")
    if kind not in ADDRESSED_TYPES:
        return None
    if not isinstance(status, Mapping):
        raise MalformedPayload(f"notification {notification.get('id')}: no status")
    if kind == "update" and not _addressed(status, me):
        return None
    return _event(status, channel=channel, me=me, addressed=True, raw=dict(notification))


def found_event(status: Mapping[str, Any], *, channel: ChannelRef, me: str) -> MessageEvent:
    """A status a hashtag timeline or a search found."""
    return _event(status, channel=channel, me=me, addressed=False, raw=dict(status))


def item_id(item: Any) -> str | None:
    """The id of a Status, a Notification or an Account, as text; ``None`` without one."""
    if isinstance(item, Mapping) and isinstance(item.get("id"), str | int):
        return str(item["id"]) or None
    return None


def _addressed(status: Mapping[str, Any], me: str) -> bool:
    mentioned = {str(m.get("id")) for m in status.get("mentions") or [] if isinstance(m, Mapping)}
    return me in mentioned or str(status.get("in_reply_to_account_id")) == me


def _event(
    status: Mapping[str, Any],
    *,
    channel: ChannelRef,
    me: str,
    addressed: bool,
    raw: dict[str, Any],
) -> MessageEvent:
    external_id = item_id(status)
    if external_id is None:
        raise MalformedPayload("a status without an id")
    try:
        return _message(status, external_id, channel=channel, me=me, addressed=addressed, raw=raw)
    except MalformedPayload as error:
        raise MalformedPayload(f"status {external_id}: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedPayload(f"status {external_id}: {where}: {first['msg']}") from None


def _message(
    status: Mapping[str, Any],
    external_id: str,
    *,
    channel: ChannelRef,
    me: str,
    addressed: bool,
    raw: dict[str, Any],
) -> MessageEvent:
    author = _author(status.get("account"))
    parent = status.get("in_reply_to_id")
    return MessageEvent(
        channel=channel,
        external_id=external_id,
        kind=_kind(status, me, addressed),
        direction="outbound" if author.id == me else "inbound",
        public=status.get("visibility") != "direct",
        author=author,
        text=_text(status),
        url=status.get("url") or status.get("uri"),
        created_at=_time(status.get("created_at"), "created_at"),
        edited_at=_time(status["edited_at"], "edited_at") if status.get("edited_at") else None,
        parent_id=str(parent) if parent else None,
        lang=_language(status.get("language")),
        media=_media(status.get("media_attachments")),
        raw=raw,
    )


def _kind(status: Mapping[str, Any], me: str, addressed: bool) -> Kind:
    if status.get("visibility") == "direct":
        return "direct_message"
    if status.get("in_reply_to_id") and str(status.get("in_reply_to_account_id")) == me:
        return "reply"
    if addressed:
        return "mention"
    return "reply" if status.get("in_reply_to_id") else "post"


def _author(account: Any) -> AuthorRef:
    if not isinstance(account, Mapping) or item_id(account) is None:
        raise MalformedPayload("no account")
    followers = account.get("followers_count")
    return AuthorRef(
        id=str(account["id"]),
        handle=str(account.get("acct") or account.get("username") or ""),
        name=str(account.get("display_name") or account.get("username") or ""),
        followers=followers if isinstance(followers, int) and followers > 0 else 0,
    )


def _text(status: Mapping[str, Any]) -> str:
    content = status.get("content")
    if not isinstance(content, str):
        raise MalformedPayload("no content")
    body = html_to_text(content)
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        return f"CW: {spoiler.strip()}\n\n{body}".strip()
    return body


def _time(value: Any, name: str) -> datetime:
    """Mastodon's datetime (ISO 8601, ``Z`` for UTC), aware."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MalformedPayload(f"{name} is not a date and time: {str(value)[:40]!r}") from None
    if moment.tzinfo is None:
        raise MalformedPayload(f"{name} has no time zone")
    return moment


def _language(value: Any) -> str | None:
    """The ISO 639 code, without a region (``pt-BR`` → ``pt``); ``None`` when unknown."""
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_]", value.strip().lower())[0]
    return code if LANGUAGE.match(code) else None


def _media(attachments: Any) -> list[MediaRef]:
    media = []
    for item in attachments if isinstance(attachments, list) else []:
        if not isinstance(item, Mapping):
            continue
        url = item.get("url") or item.get("remote_url")
        if isinstance(url, str) and url:
            kind = MEDIA_TYPES.get(str(item.get("type")), "file")
            media.append(MediaRef.model_validate({"url": url, "type": kind}))
    return media[:50]
