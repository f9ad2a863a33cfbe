"""X API v2 payloads → canonical events. Pure: no HTTP, no clock.

A tweet (post) object with the ``includes`` of its page (users by id, media by key) becomes one
``MessageEvent``; the tweet as received is its ``raw``. An edited tweet arrives with a new id
whose ``edit_history_tweet_ids`` lists the original first: it is mapped as an edit of the
original (``external_id`` the original's id, ``edited_at`` the new version's ``created_at``;
``created_at`` read from the original id, a Snowflake that holds its creation time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from typing import Any, Literal

from pydantic import ValidationError

from vastaa.channels.base import MalformedPayload
from vastaa.pipeline.events import AuthorRef, ChannelRef, Kind, MediaRef, MessageEvent

TWITTER_EPOCH_MS = 1288834974657  # the Snowflake epoch of tweet ids
UNDETERMINED = frozenset({"und", "qme", "qht", "qam", "qct", "qst", "zxx", "art"})
MEDIA_TYPES: dict[str, Literal["image", "video"]] = {
    "photo": "image",
    "video": "video",
    "animated_gif": "video",
}
LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")


@dataclass(frozen=True)
class Includes:
    """A page's ``includes``: the users and media its tweets refer to."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, page: dict[str, Any]) -> Includes:
        includes = _member(page, "includes")
        users = {str(u["id"]): u for u in _objects(includes.get("users")) if "id" in u}
        media = {
            str(m["media_key"]): m for m in _objects(includes.get("media")) if "media_key" in m
        }
        return cls(users, media)


def tweet_event(
    tweet: Any, includes: Includes, channel: ChannelRef, our_id: str, *, found: bool = False
) -> MessageEvent:
    """One tweet as a canonical event; ``MalformedPayload`` names what is missing or
    unreadable (a value of the wrong kind or size never escapes as another error)."""
    try:
        return _tweet_event(_dict(tweet, "tweet"), includes, channel, our_id, found)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedPayload(f"tweet {_id_of(tweet)}: {where}: {first['msg']}") from None
    except (ValueError, OverflowError, TypeError) as error:
        raise MalformedPayload(f"tweet {_id_of(tweet)}: {str(error)[:200]}") from None


def _tweet_event(
    tweet: dict[str, Any], includes: Includes, channel: ChannelRef, our_id: str, found: bool
) -> MessageEvent:
    tweet_id = _text(tweet.get("id"), "tweet.id")
    created = _time(tweet.get("created_at"), f"tweet {tweet_id}: created_at")
    original = original_id(tweet)
    author = _author(tweet, includes)
    return MessageEvent(
        channel=channel,
        external_id=original,
        kind=_kind(tweet, our_id, found),
        direction="outbound" if author.id == our_id else "inbound",
        author=author,
        text=text_of(tweet),
        url=f"https://x.com/{author.handle or 'i/web'}/status/{original}",
        created_at=snowflake_time(original) if original != tweet_id else created,
        edited_at=created if original != tweet_id else None,
        thread_id=_optional(tweet.get("conversation_id")),
        parent_id=replied_to(tweet),
        lang=_lang(tweet.get("lang")),
        media=_media(tweet, includes),
        raw=tweet,
    )


def original_id(tweet: dict[str, Any]) -> str:
    """The id a tweet is known by: the first of its edit history (itself when never edited)."""
    history = tweet.get("edit_history_tweet_ids")
    if isinstance(history, list) and history and isinstance(history[0], str):
        return history[0]
    return _text(tweet.get("id"), "tweet.id")


def replied_to(tweet: dict[str, Any]) -> str | None:
    for reference in _objects(tweet.get("referenced_tweets")):
        if reference.get("type") == "replied_to" and reference.get("id"):
            return str(reference["id"])
    return None


def text_of(tweet: dict[str, Any]) -> str:
    """The text as written: X escapes ``&``, ``<`` and ``>`` as HTML entities."""
    return unescape(_text(tweet.get("text"), "tweet.text"))


def without_mentions(text: str) -> str:
    """A reply's text without the @mentions X puts in front of it."""
    return LEADING_MENTIONS.sub("", text.strip()).strip()


def snowflake_time(tweet_id: str) -> datetime:
    """When a tweet was created, from its id."""
    try:
        milliseconds = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
        return datetime.fromtimestamp(milliseconds / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        raise MalformedPayload(f"tweet id {tweet_id[:40]!r} is not a post id") from None


def _kind(tweet: dict[str, Any], our_id: str, found: bool) -> Kind:
    parent = replied_to(tweet)
    if parent and str(tweet.get("in_reply_to_user_id") or "") == our_id:
        return "reply"  # answers one of our tweets
    if found:
        return "reply" if parent else "post"
    return "mention"


def _author(tweet: dict[str, Any], includes: Includes) -> AuthorRef:
    author_id = _text(tweet.get("author_id"), f"tweet {tweet.get('id')}: author_id")
    user = includes.users.get(author_id, {})
    metrics = _member(user, "public_metrics")
    return AuthorRef(
        id=author_id,
        handle=str(user.get("username") or "")[:200],
        name=str(user.get("name") or "")[:200],
        followers=max(0, _count(metrics.get("followers_count"), "followers_count")),
        verified=bool(user.get("verified")),
    )


def _media(tweet: dict[str, Any], includes: Includes) -> list[MediaRef]:
    attachments = _member(tweet, "attachments")
    found = []
    for key in attachments.get("media_keys") or []:
        media = includes.media.get(str(key), {})
        url = media.get("url") or media.get("preview_image_url")
        if url:
            found.append(
                MediaRef(url=str(url), type=MEDIA_TYPES.get(media.get("type", ""), "image"))
            )
    return found[:50]


def _lang(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[a-z]{2,3}", value) and value not in UNDETERMINED:
        return value
    return None


def _member(value: dict[str, Any], key: str) -> dict[str, Any]:
    """An optional object member (``{}`` when absent or not an object)."""
    member = value.get(key)
    return member if isinstance(member, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where} is not an object")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"{where} is missing")
    return value


def _count(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MalformedPayload(f"{where} is not a number")
    try:
        return int(value)
    except ValueError:
        raise MalformedPayload(f"{where} is not a number: {str(value)[:40]!r}") from None


def _id_of(tweet: Any) -> str:
    return str(tweet.get("id") or "?")[:40] if isinstance(tweet, dict) else "?"


def _optional(value: Any) -> str | None:
    return str(value) if value else None


def _time(value: Any, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(_text(value, where))
    except ValueError:
        raise MalformedPayload(f"{where} is not a time: {str(value)[:40]!r}") from None
    if parsed.tzinfo is None:
        raise MalformedPayload(f"{where} has no time zone")
    return parsed
