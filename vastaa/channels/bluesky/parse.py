"""Bluesky payloads → canonical events. Pure: no I/O, the payload kept as ``raw``.

Three shapes carry a post (an ``app.bsky.feed.post`` record):

- a notification of ``app.bsky.notification.listNotifications``: ``uri``, ``author`` (a
  profile view), ``reason``, ``record`` (the post as written), ``indexedAt``;
- a post view of ``app.bsky.feed.searchPosts`` / ``getPosts``: ``uri``, ``author``,
  ``record``, ``embed`` (the hydrated view of the record's embed: image addresses), ``indexedAt``;
- a Jetstream commit event: ``did``, ``time_us``, ``commit`` with ``operation``
  (create/update/delete), ``collection``, ``rkey``, ``record``.

The AT-URI (``at://did/app.bsky.feed.post/rkey``) is the external id; a reply's ``reply.parent``
and ``reply.root`` AT-URIs are its parent and thread. Bluesky text is plain text (no HTML), kept
as written; links, mentions and tags are facets over it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
)

POST = "app.bsky.feed.post"
APP = "https://bsky.app"
IMAGE_CDN = "https://cdn.bsky.app/img/feed_fullsize/plain"
VIDEO_CDN = "https://video.bsky.app/watch"
REASON_KINDS: dict[str, Kind] = {"mention": "mention", "reply": "reply", "quote": "mention"}
MAX_MEDIA = 50
_URI = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/([a-zA-Z0-9.-]+)/([A-Za-z0-9._:~-]+)$")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_LANG = re.compile(r"^[a-z]{2,3}$")


def from_notification(item: Mapping[str, Any], channel: ChannelRef) -> MessageEvent:
    """A mention, reply or quote notification; ``MalformedPayload`` names what is wrong."""
    reason = _string(item, "reason")
    kind = REASON_KINDS.get(reason)
    if kind is None:
        raise MalformedPayload(f"notification reason {reason!r} is not a post addressed to us")
    with _readable(item.get("uri", "an item")):
        record = _record(item)
        return _message(item, channel, kind=kind, record=record, media=_record_media(item, record))


def from_post_view(view: Mapping[str, Any], channel: ChannelRef) -> MessageEvent:
    """A post view (``app.bsky.feed.defs#postView``) found by a search."""
    with _readable(view.get("uri", "an item")):
        record = _record(view)
        kind: Kind = "reply" if record.get("reply") else "post"
        media = [*_view_media(view.get("embed")), *_facet_media(record)]
        return _message(view, channel, kind=kind, record=record, media=media)


def from_jetstream(event: Mapping[str, Any], channel: ChannelRef) -> Event | None:
    """A Jetstream event: a post created, updated (an edit) or deleted; ``None`` for anything
    else the stream carries (identity and account events, other collections)."""
    commit = event.get("commit")
    if event.get("kind") != "commit" or not isinstance(commit, Mapping):
        return None
    if commit.get("collection") != POST:
        return None
    uri = f"at://{_string(event, 'did')}/{POST}/{_string(commit, 'rkey')}"
    with _readable(uri):
        at = _microseconds(event.get("time_us"))
        operation = commit.get("operation")
        if operation == "delete":
            return _delete(event, channel, uri, at)
        if operation not in ("create", "update"):
            raise MalformedPayload(f"{uri}: unknown operation {operation!r}")
        return _jetstream_post(event, channel, uri, at, edited=operation == "update")


def post_url(uri: str) -> str | None:
    """The post's address on bsky.app, for a post's AT-URI."""
    match = _URI.match(uri)
    if match is None or match.group(2) != POST:
        return None
    return f"{APP}/profile/{match.group(1)}/post/{match.group(3)}"


def timestamp(value: Any) -> datetime:
    """An atproto datetime (``2024-11-20T10:00:00.000Z``, up to nanoseconds) in UTC."""
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"not a datetime: {value!r}")
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value))
    except ValueError:
        raise MalformedPayload(f"not a datetime: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def stamp(item: Mapping[str, Any]) -> tuple[datetime, str]:
    """Where a notification or post view stands in a newest-first listing: its indexedAt
    and AT-URI."""
    return timestamp(item.get("indexedAt")), _string(item, "uri")


def _message(
    item: Mapping[str, Any],
    channel: ChannelRef,
    *,
    kind: Kind,
    record: Mapping[str, Any],
    media: list[MediaRef],
) -> MessageEvent:
    uri = _string(item, "uri")
    parent, root = _reply_refs(record)
    return MessageEvent(
        channel=channel,
        external_id=uri,
        kind=kind,
        author=_author(item.get("author")),
        text=_text(record),
        url=post_url(uri),
        created_at=_created_at(record, fallback=item.get("indexedAt")),
        thread_id=root,
        parent_id=parent,
        lang=_lang(record),
        media=_unique(media),
        raw=dict(item),
    )


def _jetstream_post(
    event: Mapping[str, Any], channel: ChannelRef, uri: str, at: datetime, *, edited: bool
) -> MessageEvent:
    commit = event["commit"]
    record = commit.get("record")
    if not isinstance(record, Mapping):
        raise MalformedPayload(f"{uri}: the commit carries no record")
    did = _string(event, "did")
    parent, root = _reply_refs(record)
    return MessageEvent(
        channel=channel,
        external_id=uri,
        kind="reply" if parent else "post",
        author=AuthorRef(id=did),
        text=_text(record),
        url=post_url(uri),
        created_at=timestamp(record["createdAt"]) if "createdAt" in record else at,
        edited_at=at if edited else None,
        thread_id=root,
        parent_id=parent,
        lang=_lang(record),
        media=_unique([*_embed_media(did, record.get("embed")), *_facet_media(record)]),
        raw=dict(event),
    )


def _delete(event: Mapping[str, Any], channel: ChannelRef, uri: str, at: datetime) -> DeleteEvent:
    return DeleteEvent(
        type="delete", channel=channel, external_id=uri, deleted_at=at, raw=dict(event)
    )


@contextmanager
def _readable(name: Any) -> Iterator[None]:
    """What the event's models (an author id, a media address too long) or the standard
    library refuse while reading an item is ``MalformedPayload``, the item named by ``name``."""
    try:
        yield
    except ValidationError as error:
        raise MalformedPayload(f"{name}: {_first(error)}") from None
    except (ValueError, TypeError) as error:
        raise MalformedPayload(f"{name}: {error}") from None


def _first(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(part) for part in item["loc"])
    return f"{where}: {item['msg']}"


def _record(item: Mapping[str, Any]) -> Mapping[str, Any]:
    record = item.get("record")
    if not isinstance(record, Mapping):
        raise MalformedPayload(f"{item.get('uri', 'an item')}: no post record")
    kind = record.get("$type", POST)
    if kind != POST:
        raise MalformedPayload(f"{item.get('uri', 'an item')}: a {kind} record is not a post")
    return record


def _string(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"{item.get('uri', 'an item')}: no {key}")
    return value


def _text(record: Mapping[str, Any]) -> str:
    text = record.get("text", "")
    if not isinstance(text, str):
        raise MalformedPayload("the post's text is not a string")
    return text


def _author(value: Any) -> AuthorRef:
    if not isinstance(value, Mapping) or not isinstance(value.get("did"), str):
        raise MalformedPayload("the item names no author did")
    return AuthorRef(
        id=value["did"],
        handle=str(value.get("handle") or "")[:200],
        name=str(value.get("displayName") or "")[:200],
        followers=_count(value.get("followersCount")),
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _created_at(record: Mapping[str, Any], fallback: Any) -> datetime:
    """The post's own ``createdAt``; the index time when the record has none."""
    value = record.get("createdAt")
    return timestamp(value if value is not None else fallback)


def _microseconds(value: Any) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise MalformedPayload(f"not a time_us: {value!r}")
    try:
        return datetime.fromtimestamp(value / 1_000_000, tz=UTC)
    except (ValueError, OverflowError, OSError):  # beyond the years a datetime holds
        raise MalformedPayload(f"not a time_us: {value!r}") from None


def _reply_refs(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The AT-URIs of the post answered and of the thread's root post."""
    reply = record.get("reply")
    if not reply:
        return None, None
    if not isinstance(reply, Mapping):
        raise MalformedPayload("the post's reply is not an object")
    return _ref_uri(reply.get("parent")), _ref_uri(reply.get("root"))


def _ref_uri(ref: Any) -> str:
    if not isinstance(ref, Mapping) or not isinstance(ref.get("uri"), str):
        raise MalformedPayload("a reply reference has no uri")
    return str(ref["uri"])


def _lang(record: Mapping[str, Any]) -> str | None:
    """The first of the post's ``langs`` (BCP-47), as its primary language subtag."""
    langs = record.get("langs")
    if not isinstance(langs, list) or not langs or not isinstance(langs[0], str):
        return None
    primary = langs[0].split("-")[0].lower()
    return primary if _LANG.match(primary) else None


def _record_media(item: Mapping[str, Any], record: Mapping[str, Any]) -> list[MediaRef]:
    author = item.get("author")
    did = author.get("did") if isinstance(author, Mapping) else None
    embedded = _embed_media(did, record.get("embed")) if isinstance(did, str) else iter(())
    return [*embedded, *_facet_media(record)]


def _embed_media(did: str, embed: Any) -> Iterator[MediaRef]:
    """Media of a record's own embed: blobs, whose addresses are Bluesky's CDN's."""
    if not isinstance(embed, Mapping):
        return
    kind = embed.get("$type")
    if kind == "app.bsky.embed.images":
        for image in _objects(embed.get("images")):
            cid = _blob_cid(image.get("image"))
            if cid:
                yield MediaRef(url=f"{IMAGE_CDN}/{did}/{cid}@jpeg", type="image")
    elif kind == "app.bsky.embed.video":
        cid = _blob_cid(embed.get("video"))
        if cid:
            yield MediaRef(url=f"{VIDEO_CDN}/{did}/{cid}/playlist.m3u8", type="video")
    elif kind == "app.bsky.embed.external":
        yield from _external(embed.get("external"))
    elif kind == "app.bsky.embed.recordWithMedia":
        yield from _embed_media(did, embed.get("media"))


def _view_media(embed: Any) -> Iterator[MediaRef]:
    """Media of a post view's hydrated embed (``...#view``): the addresses are given."""
    if not isinstance(embed, Mapping):
        return
    kind = embed.get("$type")
    if kind == "app.bsky.embed.images#view":
        for image in _objects(embed.get("images")):
            url = image.get("fullsize") or image.get("thumb")
            if isinstance(url, str) and url:
                yield MediaRef(url=url, type="image")
    elif kind == "app.bsky.embed.video#view":
        if isinstance(embed.get("playlist"), str):
            yield MediaRef(url=embed["playlist"], type="video")
    elif kind == "app.bsky.embed.external#view":
        yield from _external(embed.get("external"))
    elif kind == "app.bsky.embed.recordWithMedia#view":
        yield from _view_media(embed.get("media"))


def _external(external: Any) -> Iterator[MediaRef]:
    """A link card: the page it links to."""
    if isinstance(external, Mapping) and _is_web(external.get("uri")):
        yield MediaRef(url=external["uri"], type="file")


def _facet_media(record: Mapping[str, Any]) -> Iterator[MediaRef]:
    """Links in the text (``app.bsky.richtext.facet#link`` features)."""
    for facet in _objects(record.get("facets")):
        for feature in _objects(facet.get("features")):
            link = feature.get("uri")
            if feature.get("$type") == "app.bsky.richtext.facet#link" and _is_web(link):
                yield MediaRef(url=link, type="file")


def _blob_cid(blob: Any) -> str | None:
    """A blob's CID: ``{"$type": "blob", "ref": {"$link": cid}}`` or the legacy ``{"cid"}``."""
    if not isinstance(blob, Mapping):
        return None
    ref = blob.get("ref")
    cid = ref.get("$link") if isinstance(ref, Mapping) else blob.get("cid")
    return cid if isinstance(cid, str) and cid.isalnum() else None


def _objects(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, Mapping))


def _is_web(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 2000
    )


def _unique(media: list[MediaRef]) -> list[MediaRef]:
    seen: dict[str, MediaRef] = {}
    for item in media:
        seen.setdefault(item.url, item)
    return list(seen.values())[:MAX_MEDIA]
