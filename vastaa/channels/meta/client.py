"""The Graph API connector for a Facebook Page (platform ``facebook``, account = the Page id) and
an Instagram professional account linked to a Page (``instagram``, account = the Instagram
account id), both with a Page access token.

Reading: comments and messages arrive by webhook (``webhook.py``). ``read`` is only a catch-up
poll for comments missed while Vastaa was down: the newest posts (``GET /{page-id}/feed``) or
media (``GET /{ig-user-id}/media``), ``POSTS_PER_PAGE`` at a time and at most ``catch_up_pages``
pages per pass, each with its newest ``COMMENTS_PER_POST`` comments; the comments newer than the
cursor are returned. The cursor is ``{"since": unix seconds, "seen": [comment ids]}``: the newest
comment time seen, never later than the moment the pass began (so what was written during a pass
is read by the next), and the ids already returned from that very second. Graph's times are whole
seconds, so a comment of the same second that Graph lists only later is still new; ``seen``
keeps at most ``SEEN_KEPT`` ids, and those of a busier second come again (ingestion stores each
once). Within a pass it also holds the feed's ``after`` cursor. Direct messages are not polled.

Sending: a reply is ``POST /{comment-id}/comments`` (Facebook) or ``/{ig-comment-id}/replies``
(Instagram). Graph has no idempotency key, so before replying the connector reads the comment's
replies and, when one from our account has the same text, returns it instead of posting again.
A direct message goes through the Send API (``POST /{page-id}/messages``, or ``/me/messages``
for Instagram, ``messaging_type=RESPONSE``) to the customer's scoped id, or to the comment
answered (a private reply), or to the sender of the message answered (looked up with
``GET /{message-id}?fields=from``). A direct message has nothing to look back at: one retried
after a time-out may arrive twice.

Moderation: hide and unhide (``POST /{comment-id}`` with ``is_hidden`` on Facebook, ``hide`` on
Instagram) and delete (``DELETE /{comment-id}``; one already gone succeeds). Blocking and
reporting are not offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from vastaa.channels.base import (
    NEEDS,
    Capability,
    ChannelSetup,
    Fetched,
    Listening,
    Moderation,
    Outgoing,
    Receipt,
    Rejected,
    checked_url,
)
from vastaa.channels.meta import graph as graph_api
from vastaa.channels.meta.graph import Graph, is_missing, segment
from vastaa.channels.meta.parse import Skip, graph_comment
from vastaa.errors import PermanentError
from vastaa.pipeline.events import Event, MessageEvent

CAPABILITIES: frozenset[Capability] = frozenset(
    {"read_comments", "read_direct_messages", "reply", "direct_message", "hide", "delete"}
)
GRAPH_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
POSTS_PER_PAGE = 25
COMMENTS_PER_POST = 50
CATCH_UP_PAGES = 4
SEEN_KEPT = 100  # ids of the cursor's second kept in the cursor
BACKLOG = timedelta(hours=24)  # the first read looks back this far
REPLIES_LOOKED_AT = 100
COMMENT_ID = re.compile(r"\d+(_\d+)?")  # a comment's id; a message's id is not all digits
VERSION = re.compile(r"v\d+\.\d+")
FACEBOOK_FIELDS = (
    "id,created_time,updated_time,"
    f"comments.filter(stream).order(reverse_chronological).limit({COMMENTS_PER_POST})"
    "{id,message,created_time,from{id,name},parent{id}}"
)
INSTAGRAM_FIELDS = (
    f"id,timestamp,comments.limit({COMMENTS_PER_POST})"
    "{id,text,timestamp,from,username,replies{id,text,timestamp,from,username}}"
)

Clock = Callable[[], datetime]


class MetaConnector:
    capabilities = CAPABILITIES

    def __init__(
        self,
        platform: str,
        account: str,
        graph: Graph,
        *,
        catch_up_pages: int = CATCH_UP_PAGES,
        clock: Clock | None = None,
    ) -> None:
        self.platform = platform
        self.account = account
        self.graph = graph
        self.catch_up_pages = catch_up_pages
        self._clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def facebook(cls, setup: ChannelSetup) -> MetaConnector:
        return cls.build(setup, "facebook")

    @classmethod
    def instagram(cls, setup: ChannelSetup) -> MetaConnector:
        return cls.build(setup, "instagram")

    @classmethod
    def build(
        cls,
        setup: ChannelSetup,
        platform: str,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
    ) -> MetaConnector:
        token = setup.credentials.get("page_token")
        if not token:
            raise PermanentError(f"{platform}: the channel needs a page_token credential")
        if not setup.account.isdigit():
            raise PermanentError(f"{platform}: the channel's account must be the numeric id")
        version = str(setup.config.get("graph_version", GRAPH_VERSION))
        if not VERSION.fullmatch(version):
            raise PermanentError(f"{platform}: graph_version must look like v21.0")
        graph = Graph(_graph_url(setup, platform), version, token, transport=transport)
        pages = _positive(setup.config.get("catch_up_pages", CATCH_UP_PAGES), platform)
        return cls(platform, setup.account, graph, catch_up_pages=pages, clock=clock)

    # reading -------------------------------------------------------------------------------

    def check(self) -> str:
        if self.platform == "facebook":
            answer = self.graph.get(segment(self.account), {"fields": "name"})
            return f"page '{answer.body.get('name', '')}'"
        answer = self.graph.get(segment(self.account), {"fields": "name,username"})
        body = answer.body
        return f"instagram account @{body.get('username', '')} ('{body.get('name', '')}')"

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        now = int(self._clock().timestamp())
        since = _int(cursor.get("since"), now - int(BACKLOG.total_seconds()))
        seen = _ids(cursor.get("seen"))
        started = _int(cursor.get("started"), now)
        params: dict[str, Any] = {"fields": self._fields(), "limit": POSTS_PER_PAGE}
        if isinstance(cursor.get("after"), str):
            params["after"] = cursor["after"]
        answer = self.graph.get(f"{segment(self.account)}/{self._edge()}", params)
        found, problems = self._comments(answer.body.get("data"), since, set(seen))
        earlier = (_int(cursor.get("newest"), since), _ids(cursor.get("latest", seen)))
        newest, latest = _newest(found, *earlier)
        events: list[Event] = [*found]
        page = _int(cursor.get("page"), 0) + 1
        after = _next_after(answer.body)
        wait = graph_api.wait_for(answer.headers)
        if after and page < self.catch_up_pages:  # the pass goes on: the position within it
            state = {"since": since, "seen": seen, "started": started, "page": page}
            position: dict[str, Any] = {**state, "newest": newest, "latest": latest, "after": after}
        elif newest <= started:  # the pass is over
            position = {"since": newest, "seen": latest}
        else:  # never past the moment the pass began
            position = {"since": started, "seen": []}
        more = "after" in position
        return Fetched(events=events, cursor=position, more=more, wait=wait, problems=problems)

    def _comments(
        self, posts: Any, since: int, seen: set[str]
    ) -> tuple[list[MessageEvent], list[str]]:
        events: list[MessageEvent] = []
        problems: list[str] = []
        for post in posts if isinstance(posts, list) else []:
            if not isinstance(post, dict) or not isinstance(post.get("id"), str):
                problems.append(f"{self.platform}: a feed item without an id was skipped")
                continue
            for comment, parent in self._listed(post):
                try:
                    event = graph_comment(
                        self.platform, self.account, comment, root=post["id"], parent=parent
                    )
                except Skip as reason:
                    problems.append(f"{self.platform} post {post['id']}: {reason}")
                    continue
                if _is_new(event, since, seen):
                    events.append(event)
            problems.extend(self._overflow(post, since))
        return events, problems

    def _listed(self, post: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
        """The post's comments, and on Instagram their replies, each with its parent id."""
        listed: list[tuple[dict[str, Any], str | None]] = []
        for comment in _data(post.get("comments")):
            listed.append((comment, None))
            parent = comment.get("id") if isinstance(comment.get("id"), str) else None
            listed.extend((reply, parent) for reply in _data(comment.get("replies")))
        return listed

    def _overflow(self, post: dict[str, Any], since: int) -> list[str]:
        """A post with more new comments than one read holds says so (they are not lost
        silently: the webhook delivered them, or a person looks)."""
        comments = post.get("comments")
        if not isinstance(comments, dict) or not _next_after(comments):
            return []
        times = [_int_time(c) for c in _data(comments)]
        if times and min(times) >= since:  # the ones not listed may be new
            return [f"{self.platform} post {post['id']}: more new comments than one read holds"]
        return []

    def _edge(self) -> str:
        return "feed" if self.platform == "facebook" else "media"

    def _fields(self) -> str:
        return FACEBOOK_FIELDS if self.platform == "facebook" else INSTAGRAM_FIELDS

    # sending -------------------------------------------------------------------------------

    def send(self, outgoing: Outgoing) -> Receipt:
        if outgoing.action == "direct_message":
            return self._direct(outgoing)
        if not outgoing.in_reply_to:
            raise Rejected(f"{self.platform}: a reply needs the comment it answers")
        target = segment(outgoing.in_reply_to)
        edge = "comments" if self.platform == "facebook" else "replies"
        earlier = self._earlier_reply(f"{target}/{edge}", outgoing.text)
        if earlier is not None:
            return Receipt(platform_id=earlier)
        answer = self.graph.post(f"{target}/{edge}", {"message": outgoing.text})
        return Receipt(platform_id=_id(answer.body, "id"))

    def _earlier_reply(self, path: str, text: str) -> str | None:
        """Our reply with this text, when an earlier attempt got through."""
        fields = "id,message,from" if self.platform == "facebook" else "id,text,from,username"
        params: dict[str, Any] = {"fields": fields, "limit": REPLIES_LOOKED_AT}
        if self.platform == "facebook":
            params["order"] = "reverse_chronological"
        for reply in _data(self.graph.get(path, params).body):
            author = reply.get("from")
            said = reply.get("message", reply.get("text"))
            if isinstance(author, dict) and str(author.get("id")) == self.account and said == text:
                return str(reply.get("id"))
        return None

    def _direct(self, outgoing: Outgoing) -> Receipt:
        recipient = self._recipient(outgoing)
        path = f"{segment(self.account)}/messages" if self.platform == "facebook" else "me/messages"
        message = {"text": outgoing.text}
        body = {"recipient": recipient, "messaging_type": "RESPONSE", "message": message}
        answer = self.graph.post(path, body)
        thread = answer.body.get("recipient_id") or recipient.get("id")
        return Receipt(platform_id=_id(answer.body, "message_id"), thread_id=thread)

    def _recipient(self, outgoing: Outgoing) -> dict[str, str]:
        if outgoing.recipient and outgoing.recipient.isdigit():
            return {"id": outgoing.recipient}
        answered = outgoing.in_reply_to
        if not answered:
            raise Rejected(f"{self.platform}: a direct message needs the customer's id")
        if COMMENT_ID.fullmatch(answered):
            return {"comment_id": answered}  # a private reply to a comment
        found = self.graph.get(segment(answered), {"fields": "from"}).body.get("from")
        sender = str(found.get("id", "")) if isinstance(found, dict) else ""
        if not sender or sender == self.account:
            raise Rejected(f"{self.platform}: could not tell whom to send the message to")
        return {"id": sender}

    # moderation ----------------------------------------------------------------------------

    def moderate(self, request: Moderation) -> None:
        if NEEDS[request.action] not in self.capabilities:
            raise Rejected(
                f"{self.platform}: cannot {request.action}: the connector hides and deletes "
                "comments only"
            )
        if not request.message_id:
            raise Rejected(f"{self.platform}: a {request.action} needs the comment's id")
        target = segment(request.message_id)
        if request.action == "delete":
            self._delete(target)
            return
        flag = "is_hidden" if self.platform == "facebook" else "hide"
        self.graph.post(target, {flag: request.action == "hide"})

    def _delete(self, target: str) -> None:
        try:
            self.graph.delete(target)
        except Rejected as error:
            if not is_missing(error):  # already deleted: done
                raise


def _graph_url(setup: ChannelSetup, platform: str) -> str:
    url = str(setup.config.get("graph_url", GRAPH_URL))
    return checked_url(url, what=f"{platform}: graph_url", secure="https")


def _positive(value: Any, platform: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise PermanentError(f"{platform}: catch_up_pages must be a whole number above 0")
    return number


def _data(value: Any) -> list[dict[str, Any]]:
    """The ``data`` list of a Graph edge."""
    listed = value.get("data") if isinstance(value, dict) else None
    return [item for item in listed if isinstance(item, dict)] if isinstance(listed, list) else []


def _next_after(edge: Mapping[str, Any]) -> str | None:
    """The cursor of the next page, when Graph says there is one (``paging.next``)."""
    paging = edge.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def _id(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not value:
        raise Rejected(f"meta: the Graph API answered without '{key}'")
    return str(value)


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _ids(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _seconds(event: MessageEvent) -> int:
    return int(event.created_at.timestamp())


def _is_new(event: MessageEvent, since: int, seen: set[str]) -> bool:
    """Later than the cursor, or of its very second and not yet returned."""
    at = _seconds(event)
    return at > since or (at == since and event.external_id not in seen)


def _newest(found: list[MessageEvent], newest: int, latest: list[str]) -> tuple[int, list[str]]:
    """The newest comment time so far and the ids returned at it (``SEEN_KEPT`` at most)."""
    top = max([newest, *(_seconds(e) for e in found)])
    ids = [e.external_id for e in found if _seconds(e) == top]
    return top, sorted({*ids, *(latest if top == newest else [])})[:SEEN_KEPT]


def _int_time(comment: dict[str, Any]) -> int:
    value = comment.get("created_time") or comment.get("timestamp")
    try:
        return int(datetime.fromisoformat(str(value)).timestamp())
    except ValueError:
        return 0
