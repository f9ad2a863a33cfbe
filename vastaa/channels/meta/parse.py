"""Meta's payloads as canonical events: pure functions, no I/O.

Webhook notifications (``parse_body``): ``{"object": "page" | "instagram", "entry": [...]}``.
Each entry is one account (its ``id`` is the Page id or the Instagram professional account id,
the channel's account) with ``changes`` (the Page ``feed``, Instagram ``comments``) and/or
``messaging`` (Messenger and Instagram direct messages):

- Page feed, item ``comment``: verb ``add`` → a comment (or a reply when its ``parent_id`` is
  another comment), ``edited`` → the same external id with ``edited_at``, ``remove`` →
  ``DeleteEvent``. Items ``status``/``post``/``photo``/``video`` written by visitors → a post;
  the Page's own posts, reactions, likes and shares are skipped.
- Instagram ``comments`` / ``live_comments`` → a comment or a reply. ``mentions`` carry only
  ids (no text, no author), so they are skipped with a reason.
- ``messaging``: ``message`` (``is_echo`` → our own, outbound; ``is_deleted`` → deleted),
  ``message_edit``; deliveries, reads, reactions and postbacks are skipped.

A body that is not JSON or not this envelope raises ``MalformedPayload``; an item that cannot
be read is skipped with its reason and the rest is kept. Every event keeps the item as received
in ``raw``. The Graph API's comment objects (the catch-up read) are turned into the same events
by ``graph_comment``. Meta's texts are plain text: nothing is unescaped or stripped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

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
)

OBJECTS = {"page": "facebook", "instagram": "instagram"}
POST_ITEMS = ("status", "post", "photo", "video")
MEDIA_TYPES: dict[str, Literal["image", "video", "audio", "file"]] = {
    "image": "image",
    "sticker": "image",
    "video": "video",
    "reel": "video",
    "ig_reel": "video",
    "audio": "audio",
    "file": "file",
}
MILLISECONDS = 100_000_000_000  # a Unix time above this is in milliseconds


class Skip(Exception):
    """An item that is not read: its reason."""


@dataclass(frozen=True)
class Parsed:
    events: list[Event] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Entry:
    """One account's part of a notification."""

    platform: str
    account: str
    time: datetime | None

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(platform=self.platform, account=self.account)


Item = dict[str, Any]
Reader = Callable[[Entry, Item], Event]


# the envelope --------------------------------------------------------------------------------


def parse_body(body: bytes) -> Parsed:
    """A webhook body as received: JSON in Meta's envelope, or ``MalformedPayload``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedPayload(f"meta: the body is not JSON ({error})") from None
    except RecursionError:
        raise MalformedPayload("meta: the body is not JSON (nested too deep)") from None
    return parse_notification(data)


def parse_notification(data: Any) -> Parsed:
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise MalformedPayload("meta: expected an object with an 'entry' list")
    kind = data.get("object")
    platform = OBJECTS.get(kind) if isinstance(kind, str) else None
    if platform is None:
        return Parsed(skipped=[f"object {kind!r}: not a Page or Instagram notification"])
    events: list[Event] = []
    skipped: list[str] = []
    for position, raw in enumerate(data["entry"]):
        entry = _entry(platform, raw, position)
        for where, reader, item in _items(entry, raw, position):
            try:
                events.append(reader(entry, item))
            except Skip as reason:
                skipped.append(f"{where}: {reason}")
            except ValidationError as error:
                skipped.append(f"{where}: {_first_error(error)}")
    return Parsed(events, skipped)


def _entry(platform: str, raw: Any, position: int) -> Entry:
    if not isinstance(raw, dict) or not _is_id(raw.get("id")):
        raise MalformedPayload(f"meta: entry {position} has no account id")
    for name in ("changes", "messaging"):
        if name in raw and not isinstance(raw[name], list):
            raise MalformedPayload(f"meta: entry {position}: '{name}' is not a list")
    return Entry(platform, str(raw["id"]), _time_or_none(raw.get("time")))


def _items(entry: Entry, raw: dict[str, Any], position: int) -> Iterator[tuple[str, Reader, Any]]:
    for index, change in enumerate(raw.get("changes", [])):
        where = f"entry {position} change {index}"
        yield where, _change_reader(entry, change), change
    for index, event in enumerate(raw.get("messaging", [])):
        yield f"entry {position} messaging {index}", _messaging, event
    if "standby" in raw:
        yield f"entry {position} standby", _refuse("standby (handover) events are not read"), {}


def _change_reader(entry: Entry, change: Any) -> Reader:
    topic = change.get("field") if isinstance(change, dict) else None
    if entry.platform == "facebook" and topic == "feed":
        return _feed
    if entry.platform == "instagram" and topic in ("comments", "live_comments"):
        return _instagram_comment
    if entry.platform == "instagram" and topic == "mentions":
        return _refuse("an Instagram mention carries only ids (no text, no author): not read")
    return _refuse(f"field {topic!r} is not read")


def _refuse(reason: str) -> Reader:
    def reader(entry: Entry, item: Item) -> Event:
        raise Skip(reason)

    return reader


# the Page feed -------------------------------------------------------------------------------


def _feed(entry: Entry, change: Item) -> Event:
    value = _value(change)
    item, verb = value.get("item"), value.get("verb")
    if item == "comment":
        return _feed_comment(entry, change, value, verb)
    if item in POST_ITEMS:
        return _feed_post(entry, change, value, verb)
    raise Skip(f"feed item {item!r} is not read")


def _feed_comment(entry: Entry, change: Item, value: Item, verb: Any) -> Event:
    comment_id = _required_id(value, "comment_id")
    if verb == "remove":
        return _deleted(entry, comment_id, change)
    if verb not in ("add", "edited"):
        raise Skip(f"comment verb {verb!r} is not read")
    post_id = _optional_id(value, "post_id")
    parent_id = _optional_id(value, "parent_id") or post_id
    author = _author(value.get("from"), name_key="name")
    created = _time_or_none(value.get("created_time")) or _entry_time(entry)
    return MessageEvent(
        channel=entry.channel,
        external_id=comment_id,
        kind=_comment_kind(parent_id, post_id),
        direction=_direction(entry, author),
        author=author,
        text=_text(value.get("message")),
        created_at=created,
        edited_at=_entry_time(entry) if verb == "edited" else None,
        thread_id=post_id,
        parent_id=parent_id,
        media=_feed_media(value),
        raw=change,
    )


def _feed_post(entry: Entry, change: Item, value: Item, verb: Any) -> Event:
    post_id = _required_id(value, "post_id")
    if verb == "remove":
        return _deleted(entry, post_id, change)
    if verb not in ("add", "edited"):
        raise Skip(f"post verb {verb!r} is not read")
    author = _author(value.get("from"), name_key="name")
    if author.id == entry.account:
        raise Skip("the Page's own post is not read")
    created = _time_or_none(value.get("created_time")) or _entry_time(entry)
    return MessageEvent(
        channel=entry.channel,
        external_id=post_id,
        kind="post",
        author=author,
        text=_text(value.get("message")),
        created_at=created,
        edited_at=_entry_time(entry) if verb == "edited" else None,
        thread_id=post_id,
        media=_feed_media(value),
        raw=change,
    )


def _feed_media(value: Item) -> list[MediaRef]:
    """A comment's ``photo``/``video``; a photo post's ``link``/``photos``."""
    found: list[tuple[Any, Literal["image", "video", "audio", "file"]]] = [
        (value.get("photo"), "image"),
        (value.get("video"), "video"),
    ]
    if value.get("item") == "photo":
        found.append((value.get("link"), "image"))
    photos = value.get("photos")
    if isinstance(photos, list):
        found.extend((url, "image") for url in photos)
    return [MediaRef(url=url, type=kind) for url, kind in found if _is_url(url)]


# Instagram comments --------------------------------------------------------------------------


def _instagram_comment(entry: Entry, change: Item) -> Event:
    value = _value(change)
    comment_id = _required_id(value, "id")
    media = value.get("media")
    media_id = _optional_id(media, "id") if isinstance(media, dict) else None
    parent_id = _optional_id(value, "parent_id") or media_id
    author = _author(value.get("from"), name_key=None)
    return MessageEvent(
        channel=entry.channel,
        external_id=comment_id,
        kind=_comment_kind(parent_id, media_id),
        direction=_direction(entry, author),
        author=author,
        text=_text(value.get("text")),
        created_at=_entry_time(entry),  # the notification carries no time of its own
        thread_id=media_id,
        parent_id=parent_id,
        raw=change,
    )


# direct messages (Messenger and Instagram) ---------------------------------------------------


def _messaging(entry: Entry, event: Item) -> Event:
    if not isinstance(event, dict):
        raise Skip("a messaging event is not an object")
    if isinstance(event.get("message"), dict):
        return _message(entry, event, event["message"])
    if isinstance(event.get("message_edit"), dict):
        return _message_edit(entry, event, event["message_edit"])
    known = ("delivery", "read", "reaction", "postback", "referral", "optin", "account_linking")
    what = next((name for name in known if name in event), "unknown")
    raise Skip(f"a messaging {what} event is not read")


def _message(entry: Entry, event: Item, message: Item) -> Event:
    mid = _required_id(message, "mid")
    if message.get("is_deleted") is True:
        return _deleted(entry, mid, event, when=_messaging_time(entry, event))
    echo = message.get("is_echo") is True
    sender, recipient = _party(event, "sender"), _party(event, "recipient")
    reply_to = message.get("reply_to")
    return MessageEvent(
        channel=entry.channel,
        external_id=mid,
        kind="direct_message",
        direction="outbound" if echo else "inbound",
        public=False,
        author=AuthorRef(id=sender),
        text=_text(message.get("text")),
        created_at=_messaging_time(entry, event),
        thread_id=recipient if echo else sender,  # one thread per customer
        parent_id=_optional_id(reply_to, "mid") if isinstance(reply_to, dict) else None,
        media=_attachments(message.get("attachments")),
        raw=event,
    )


def _message_edit(entry: Entry, event: Item, edit: Item) -> Event:
    sender, recipient = _party(event, "sender"), _party(event, "recipient")
    ours = sender == entry.account
    when = _messaging_time(entry, event)
    return MessageEvent(
        channel=entry.channel,
        external_id=_required_id(edit, "mid"),
        kind="direct_message",
        direction="outbound" if ours else "inbound",
        public=False,
        author=AuthorRef(id=sender),
        text=_text(edit.get("text")),
        created_at=when,  # Meta does not repeat the original time; the stored one is kept
        edited_at=when,
        thread_id=recipient if ours else sender,
        raw=event,
    )


def _attachments(value: Any) -> list[MediaRef]:
    media: list[MediaRef] = []
    for attachment in value if isinstance(value, list) else []:
        if not isinstance(attachment, dict):
            continue
        payload = attachment.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        kind = MEDIA_TYPES.get(str(attachment.get("type")), "file")
        if _is_url(url):
            media.append(MediaRef(url=url, type=kind))
    return media


def _party(event: Item, name: str) -> str:
    value = event.get(name)
    if not isinstance(value, dict) or not _is_id(value.get("id")):
        raise Skip(f"the message has no {name} id")
    return str(value["id"])


def _messaging_time(entry: Entry, event: Item) -> datetime:
    return _time_or_none(event.get("timestamp")) or _entry_time(entry)


# Graph API objects (the catch-up read) -------------------------------------------------------


def graph_comment(
    platform: str,
    account: str,
    comment: Mapping[str, Any],
    *,
    root: str,
    parent: str | None = None,
) -> MessageEvent:
    """A comment object of the Graph API on the post or media ``root``: ``message``,
    ``created_time`` and ``parent{id}`` on Facebook; ``text``, ``timestamp`` on Instagram, whose
    replies are listed under their comment (``parent``). ``Skip`` when it cannot be read."""
    entry = Entry(platform, account, None)
    comment_id = _required_id(comment, "id")
    above = comment.get("parent")
    parent_id = parent or (_optional_id(above, "id") if isinstance(above, dict) else None)
    author = _author(comment.get("from"), name_key="name" if platform == "facebook" else None)
    created = _time_or_none(comment.get("created_time") or comment.get("timestamp"))
    if created is None:
        raise Skip(f"comment {comment_id} has no time")
    try:
        return MessageEvent(
            channel=entry.channel,
            external_id=comment_id,
            kind="reply" if parent_id else "comment",
            direction=_direction(entry, author),
            author=author,
            text=_text(comment.get("message", comment.get("text"))),
            created_at=created,
            thread_id=root,
            parent_id=parent_id or root,
            raw={key: value for key, value in comment.items() if key != "replies"},
        )
    except ValidationError as error:
        raise Skip(f"comment {comment_id}: {_first_error(error)}") from None


# small readers -------------------------------------------------------------------------------


def _value(change: Item) -> Item:
    value = change.get("value")
    if not isinstance(value, dict):
        raise Skip("the change has no 'value' object")
    return value


def _deleted(entry: Entry, external_id: str, raw: Item, when: datetime | None = None) -> Event:
    return DeleteEvent(
        type="delete",
        channel=entry.channel,
        external_id=external_id,
        deleted_at=when or _entry_time(entry),
        raw=raw,
    )


def _author(value: Any, *, name_key: str | None) -> AuthorRef:
    """``from``: ``{id, name}`` on Facebook, ``{id, username}`` on Instagram."""
    if not isinstance(value, dict) or not _is_id(value.get("id")):
        raise Skip("the item has no author ('from' with an id)")
    name = str(value.get(name_key) or "") if name_key else ""
    handle = str(value.get("username") or "")
    return AuthorRef(id=str(value["id"]), handle=handle, name=name)


def _direction(entry: Entry, author: AuthorRef) -> Literal["inbound", "outbound"]:
    return "outbound" if author.id == entry.account else "inbound"


def _comment_kind(parent_id: str | None, root_id: str | None) -> Kind:
    return "comment" if parent_id is None or parent_id == root_id else "reply"


def _required_id(value: Mapping[str, Any], key: str) -> str:
    found = _optional_id(value, key)
    if found is None:
        raise Skip(f"the item has no '{key}'")
    return found


def _optional_id(value: Mapping[str, Any], key: str) -> str | None:
    found = value.get(key)
    return str(found) if _is_id(found) else None


def _is_id(value: Any) -> bool:
    return (isinstance(value, str) and value != "") or (
        isinstance(value, int) and not isinstance(value, bool)
    )


def _is_url(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 2000
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _entry_time(entry: Entry) -> datetime:
    if entry.time is None:
        raise Skip("the item has no time and neither has its entry")
    return entry.time


def _time_or_none(value: Any) -> datetime | None:
    """Unix seconds or milliseconds (webhooks), or ISO 8601 with ``+0000`` (the Graph API)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:  # a number too large for a float or a date is no time
            return datetime.fromtimestamp(value / 1000 if value > MILLISECONDS else value, UTC)
        except (OverflowError, ValueError, OSError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where or 'event'}: {first['msg']}"
