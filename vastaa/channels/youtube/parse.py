"""YouTube Data API v3 payloads → canonical events. Pure: no HTTP, no clock.

A ``commentThread`` holds a top-level ``comment`` on a video and some of its replies; each
comment becomes one ``MessageEvent`` with the comment resource as received in ``raw``. A
top-level comment is kind ``comment`` (its parent and thread: the video); a reply is kind
``reply`` (its parent: the top-level comment it answers, its thread: the video). A comment
whose ``updatedAt`` is later than its ``publishedAt`` was edited: ``edited_at`` says when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from vastaa.channels.base import MalformedPayload
from vastaa.channels.markup import html_to_text
from vastaa.pipeline.events import AuthorRef, ChannelRef, MessageEvent

WATCH_URL = "https://www.youtube.com/watch"


@dataclass(frozen=True)
class Comment:
    """One comment of a thread as received, with what the thread says about it."""

    raw: dict[str, Any]
    video_id: str
    parent_id: str | None  # the top-level comment a reply answers; None for a top-level one


def thread_comments(thread: Any) -> list[Comment]:
    """The top-level comment of a ``commentThread`` and the replies it carries."""
    snippet = _dict(_dict(thread, "thread").get("snippet"), "thread.snippet")
    video_id = _text(snippet.get("videoId"), "thread.snippet.videoId")
    top = _dict(snippet.get("topLevelComment"), "thread.snippet.topLevelComment")
    top_id = _text(top.get("id"), "topLevelComment.id")
    replies = _dict(thread.get("replies") or {}, "thread.replies").get("comments") or []
    if not isinstance(replies, list):
        raise MalformedPayload("thread.replies.comments is not a list")
    return [Comment(top, video_id, None)] + [Comment(r, video_id, top_id) for r in replies]


def reply_comments(items: Any, video_id: str, parent_id: str) -> list[Comment]:
    """The replies of one thread from ``comments.list?parentId=``."""
    if not isinstance(items, list):
        raise MalformedPayload("comments.items is not a list")
    return [Comment(item, video_id, parent_id) for item in items]


def thread_time(thread: Any) -> datetime | None:
    """When a thread's top-level comment was published (None when unreadable)."""
    try:
        snippet = thread["snippet"]["topLevelComment"]["snippet"]
        return _time(snippet.get("publishedAt"), "publishedAt")
    except (KeyError, TypeError, MalformedPayload):
        return None


def comment_id(comment: Comment) -> str:
    return _text(comment.raw.get("id") if isinstance(comment.raw, dict) else None, "comment.id")


def version_time(comment: Comment) -> datetime:
    """The time of the comment's latest version: its edit, or its publication."""
    snippet = _dict(comment.raw.get("snippet"), "comment.snippet")
    published = _time(snippet.get("publishedAt"), "comment.snippet.publishedAt")
    updated = snippet.get("updatedAt")
    return max(published, _time(updated, "comment.snippet.updatedAt")) if updated else published


def comment_event(comment: Comment, channel: ChannelRef) -> MessageEvent:
    """One comment as a canonical event; ``MalformedPayload`` names what is missing or
    unreadable (a value of the wrong kind or size never escapes as another error)."""
    try:
        return _comment_event(comment, channel)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedPayload(f"comment {_id_of(comment.raw)}: {where}: {first['msg']}") from None
    except (ValueError, OverflowError, TypeError) as error:
        raise MalformedPayload(f"comment {_id_of(comment.raw)}: {str(error)[:200]}") from None


def reply_count(thread: dict[str, Any]) -> int:
    """A thread's ``totalReplyCount`` (0 when left out); ``MalformedPayload`` when it is not
    a whole number."""
    count = _dict(thread.get("snippet"), "thread.snippet").get("totalReplyCount", 0)
    if isinstance(count, int) and not isinstance(count, bool):
        return max(0, count)
    if isinstance(count, str) and count.isascii() and count.isdigit() and len(count) < 19:
        return int(count)
    raise MalformedPayload(f"totalReplyCount is not a number: {str(count)[:40]!r}")


def _comment_event(comment: Comment, channel: ChannelRef) -> MessageEvent:
    raw = _dict(comment.raw, "comment")
    snippet = _dict(raw.get("snippet"), "comment.snippet")
    external_id = _text(raw.get("id"), "comment.id")
    published = _time(snippet.get("publishedAt"), "comment.snippet.publishedAt")
    edited = version_time(comment)
    author = _author(snippet)
    return MessageEvent(
        channel=channel,
        external_id=external_id,
        kind="reply" if comment.parent_id else "comment",
        direction="outbound" if author.id == channel.account else "inbound",
        author=author,
        text=_comment_text(snippet),
        url=f"{WATCH_URL}?v={comment.video_id}&lc={external_id}",
        created_at=published,
        edited_at=edited if edited > published else None,
        thread_id=comment.video_id,
        parent_id=comment.parent_id or comment.video_id,
        raw=raw,
    )


def _comment_text(snippet: dict[str, Any]) -> str:
    """``textOriginal`` (the text as written) where given, else ``textDisplay`` as text."""
    original = snippet.get("textOriginal")
    if isinstance(original, str):
        return original
    display = snippet.get("textDisplay")
    if isinstance(display, str):
        return html_to_text(display)
    raise MalformedPayload("comment.snippet has neither textOriginal nor textDisplay")


def _author(snippet: dict[str, Any]) -> AuthorRef:
    channel_id = _dict(snippet.get("authorChannelId") or {}, "authorChannelId").get("value")
    name = str(snippet.get("authorDisplayName") or "")
    handle = name.removeprefix("@") if name.startswith("@") else ""
    author_id = _text(channel_id, "comment.snippet.authorChannelId.value")
    return AuthorRef(id=author_id, handle=handle[:200], name=name[:200])


def _id_of(item: Any) -> str:
    return str(item.get("id") or "?")[:80] if isinstance(item, dict) else "?"


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where} is missing or not an object")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"{where} is missing")
    return value


def _time(value: Any, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(_text(value, where))
    except ValueError:
        raise MalformedPayload(f"{where} is not a time: {str(value)[:40]!r}") from None
    if parsed.tzinfo is None:
        raise MalformedPayload(f"{where} has no time zone")
    return parsed
