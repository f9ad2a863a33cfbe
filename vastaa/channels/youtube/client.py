"""YouTube through the Data API v3 over httpx: comments on our videos in, replies and
moderation out.

Reading: ``commentThreads.list?allThreadsRelatedToChannelId=<channel>&order=time`` newest first, 100
threads a page; the replies a thread does not carry are fetched with ``comments.list?parentId=``
when its reply count or the replies it carries changed. The cursor is the newest comment version
delivered (``since``, its ``updatedAt`` or ``publishedAt``) with the ids at that instant (``at``);
paging stops at the first page that reaches a thread older than it. While a scan pages, the cursor
holds the next page token and the scan's newest version, and ``since`` moves only when the scan is
complete, so a crash reads the page again and loses nothing. YouTube does not report deletions, and
searching for the listening terms would cost 100 quota units a call: neither is done.

Writing: ``comments.insert`` answers a top-level comment (a reply to a reply goes to its thread,
mentioning the customer). YouTube has no idempotency key: before inserting, the thread's replies
are listed and one of ours with the same text is returned instead of posting again.

Moderation (``comments.setModerationStatus``, by the channel's owner): hide = ``heldForReview``
(reversible), unhide = ``published``, delete = ``rejected`` for another person's comment (only
its author may ``comments.delete`` it; our own comments are deleted), block = ``rejected`` with
``banAuthor=true``. A ban cannot be lifted through the API, and a rejected comment cannot be
published again.

Channel settings: account = our channel id (``UC…``); config ``base_url``, ``token_url``;
credentials ``access_token``, or ``client_id`` + ``client_secret`` + ``refresh_token``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from vastaa.channels.base import (
    NEEDS,
    Capability,
    ChannelSetup,
    Fetched,
    Listening,
    MalformedPayload,
    Moderation,
    Outgoing,
    RateLimited,
    Receipt,
    Rejected,
    checked_url,
)
from vastaa.channels.markup import html_to_text
from vastaa.channels.youtube import parse
from vastaa.errors import PermanentError, RetryableError
from vastaa.pipeline.events import ChannelRef, Event, MessageEvent

CAPABILITIES: frozenset[Capability] = frozenset(
    {"read_comments", "reply", "hide", "delete", "block"}
)
BASE_URL = "https://www.googleapis.com/youtube/v3"
TOKEN_URL = "https://oauth2.googleapis.com/token"
TIMEOUT_SECONDS = 15.0
PAGE_SIZE = 100
REPLY_PAGES = 5  # at most 500 replies of one thread are looked at (send and read)
TOKEN_MARGIN = timedelta(seconds=60)  # refresh a token this long before it expires
PACIFIC = ZoneInfo("America/Los_Angeles")  # the daily quota resets at midnight there
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
DEFAULT_RATE_WAIT = 60.0

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Credentials:
    access_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None

    @property
    def refreshable(self) -> bool:
        return bool(self.client_id and self.client_secret and self.refresh_token)

    @classmethod
    def of(cls, given: Mapping[str, str]) -> Credentials:
        found = cls(**{k: given.get(k) or None for k in cls.__dataclass_fields__})
        if not (found.access_token or found.refreshable):
            raise PermanentError(
                "youtube: the channel needs an access_token, or client_id, client_secret "
                "and refresh_token"
            )
        return found


class YouTubeApi:
    """HTTP only: the OAuth token, one request, Google's errors in Vastaa's tree."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        base_url: str = BASE_URL,
        token_url: str = TOKEN_URL,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = _now,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self.clock = clock
        self.http = httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS)
        self._token = credentials.access_token
        self._expires: datetime | None = None

    def get(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return _json(self.request("GET", path, params))

    def post(self, path: str, params: Mapping[str, Any], body: Any = None) -> dict[str, Any]:
        return _json(self.request("POST", path, params, body))

    def request(
        self, method: str, path: str, params: Mapping[str, Any], body: Any = None
    ) -> httpx.Response:
        fresh = self._ensure_token()
        response = self._send(method, path, params, body)
        if response.status_code == 401 and self.credentials.refreshable and not fresh:
            self._refresh()  # the token expired early or was revoked: one new one, once
            response = self._send(method, path, params, body)
        if response.is_success:
            return response
        raise _error(response, self.clock())

    def _send(self, method: str, path: str, params: Mapping[str, Any], body: Any) -> httpx.Response:
        query = {k: v for k, v in params.items() if v is not None}
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            return self.http.request(
                method, f"{self.base_url}/{path}", params=query, json=body, headers=headers
            )
        except httpx.TransportError as error:
            raise RetryableError(f"youtube: {type(error).__name__}") from None

    def _ensure_token(self) -> bool:
        """Refresh the token when there is none or it is about to expire; True if it did."""
        if not self.credentials.refreshable:
            return False
        if self._token and self._expires and self.clock() < self._expires - TOKEN_MARGIN:
            return False
        self._refresh()
        return True

    def _refresh(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "refresh_token": self.credentials.refresh_token,
        }
        try:
            response = self.http.post(self.token_url, data=form)
        except httpx.TransportError as error:
            raise RetryableError(f"youtube: token refresh: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise RetryableError(f"youtube: token refresh: HTTP {response.status_code}")
        token = _json(response) if response.is_success else {}
        if not token.get("access_token"):
            raise Rejected(f"youtube: the refresh token was refused ({_oauth_reason(response)})")
        self._token = str(token["access_token"])
        self._expires = self.clock() + timedelta(seconds=float(token.get("expires_in", 3600)))


@dataclass
class ReadState:
    """The read cursor: ``since``/``at`` (the newest version delivered and the ids at that
    instant), and while a scan pages, its next page token and the scan's newest so far.
    ``replies``: per thread, its reply count and a digest of the replies it carried when
    its replies were last listed."""

    since: datetime | None = None
    at: set[str] = field(default_factory=set)
    page_token: str | None = None
    newest: datetime | None = None
    newest_at: set[str] = field(default_factory=set)
    replies: dict[str, str] = field(default_factory=dict)
    scan_replies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, cursor: Mapping[str, Any]) -> ReadState:
        since = _parse_time(cursor.get("since"))
        state = cls(since=since, at=set(cursor.get("at") or ()))
        state.replies = _marks(cursor.get("replies"))
        scan = cursor.get("scan") or {}
        state.page_token = scan.get("page_token")
        state.newest = _parse_time(scan.get("newest")) if scan else since
        state.newest_at = set(scan.get("newest_at") or ()) if scan else set(state.at)
        state.scan_replies = _marks(scan.get("replies"))
        return state

    def is_new(self, event: MessageEvent) -> bool:
        if self.since is None or event.version_at > self.since:
            return True
        return event.version_at == self.since and event.external_id not in self.at

    def saw(self, event: MessageEvent) -> None:
        if self.newest is None or event.version_at > self.newest:
            self.newest, self.newest_at = event.version_at, {event.external_id}
        elif event.version_at == self.newest:
            self.newest_at.add(event.external_id)

    def cursor(self, next_token: str | None) -> dict[str, Any]:
        if next_token:
            scan = {
                "page_token": next_token,
                "newest": _iso(self.newest),
                "newest_at": sorted(self.newest_at),
                "replies": self.scan_replies,
            }
            return {**self._base(self.since, self.at, self.replies), "scan": scan}
        return self._base(self.newest, self.newest_at, self.scan_replies)

    @staticmethod
    def _base(since: datetime | None, at: set[str], replies: dict[str, str]) -> dict[str, Any]:
        return {"since": _iso(since), "at": sorted(at), "replies": replies}


class YouTubeConnector:
    platform = "youtube"
    capabilities = CAPABILITIES

    def __init__(self, api: YouTubeApi, account: str) -> None:
        self.api = api
        self.account = account
        self.channel = ChannelRef(platform="youtube", account=account)

    @classmethod
    def build(
        cls, setup: ChannelSetup, transport: httpx.BaseTransport | None = None
    ) -> YouTubeConnector:
        if not setup.account.strip():
            raise PermanentError("youtube: the channel needs our YouTube channel id")
        api = YouTubeApi(
            Credentials.of(setup.credentials),
            base_url=_url(setup.config, "base_url", BASE_URL),
            token_url=_url(setup.config, "token_url", TOKEN_URL),
            transport=transport,
        )
        return cls(api, setup.account)

    def check(self) -> str:
        found = self.api.get("channels", {"part": "snippet", "id": self.account})
        items = found.get("items") or []
        if not items:
            raise Rejected(f"youtube: no channel {self.account}")
        return f"channel '{items[0].get('snippet', {}).get('title', self.account)}'"

    def read(self, cursor: Mapping[str, Any], listening: Listening) -> Fetched:
        """One page of comment threads; ``listening`` is not searched (see the module)."""
        state = ReadState.load(cursor)
        page = self.api.get("commentThreads", self._thread_query(state.page_token))
        threads = page.get("items")
        if not isinstance(threads, list):
            raise MalformedPayload("youtube: commentThreads.list answered without items")
        events, problems = self._events(threads, state)
        next_token = page.get("nextPageToken") if self._goes_on(threads, state) else None
        return Fetched(
            events=list(events),
            cursor=state.cursor(next_token),
            more=bool(next_token),
            problems=problems,
        )

    def send(self, outgoing: Outgoing) -> Receipt:
        if outgoing.action != "reply" or not outgoing.in_reply_to:
            raise Rejected("youtube: only replies to a comment can be sent (no messages)")
        parent = outgoing.in_reply_to.split(".")[0]  # a reply's id is '<top id>.<suffix>'
        text = _addressed(outgoing, parent)
        found = self._our_reply(parent, text)
        if found is None:
            body = {"snippet": {"parentId": parent, "textOriginal": text}}
            found = self.api.post("comments", {"part": "snippet"}, body)
        return _receipt(found, text)

    def moderate(self, request: Moderation) -> None:
        if NEEDS[request.action] not in self.capabilities:
            raise Rejected(f"youtube: cannot {request.action}: YouTube has no such action")
        if request.action == "unblock":
            raise Rejected(
                "youtube: cannot unblock through the API: lift the ban in YouTube Studio "
                "(Settings → Community → Hidden users)"
            )
        if not request.message_id:
            raise Rejected(f"youtube: a {request.action} needs the comment's id")
        if request.action == "delete" and request.author_id == self.account:
            self._delete_own(request.message_id)
            return
        self._set_status(request.message_id, _STATUS[request.action], request.action == "block")

    def _set_status(self, comment_id: str, status: str, ban: bool) -> None:
        params = {
            "id": comment_id,
            "moderationStatus": status,
            "banAuthor": "true" if ban else None,
        }
        self.api.request("POST", "comments/setModerationStatus", params)

    def _delete_own(self, comment_id: str) -> None:
        try:
            self.api.request("DELETE", "comments", {"id": comment_id})
        except Rejected as error:
            if "commentNotFound" not in str(error):
                raise  # a comment already deleted is what was asked for

    def _thread_query(self, page_token: str | None) -> dict[str, Any]:
        return {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": self.account,
            "order": "time",
            "maxResults": PAGE_SIZE,
            "textFormat": "plainText",
            "pageToken": page_token,
        }

    def _events(self, threads: list[Any], state: ReadState) -> tuple[list[Event], list[str]]:
        events: list[Event] = []
        problems: list[str] = []
        delivered: set[tuple[str, datetime]] = set()
        for thread in threads:
            try:
                comments = parse.thread_comments(thread)
            except MalformedPayload as error:
                problems.append(f"youtube: thread {_id_of(thread)} skipped: {error}")
                continue
            comments += self._listed_replies(thread, comments[1:], state, problems)
            for comment in comments:
                event = self._event(comment, problems)
                if event is None or (event.external_id, event.version_at) in delivered:
                    continue
                delivered.add((event.external_id, event.version_at))
                if state.is_new(event):
                    events.append(event)
                    state.saw(event)
        return events, problems

    def _event(self, comment: parse.Comment, problems: list[str]) -> MessageEvent | None:
        try:
            return parse.comment_event(comment, self.channel)
        except MalformedPayload as error:
            problems.append(f"youtube: comment {_id_of(comment.raw)} skipped: {error}")
            return None

    def _listed_replies(
        self,
        thread: dict[str, Any],
        carried: list[parse.Comment],
        state: ReadState,
        problems: list[str],
    ) -> list[parse.Comment]:
        """``_more_replies``; a thread that cannot say it has more is a problem, and the
        comments it carries are kept."""
        try:
            return self._more_replies(thread, carried, state)
        except MalformedPayload as error:
            problems.append(f"youtube: replies of thread {_id_of(thread)} not listed: {error}")
            return []

    def _more_replies(
        self, thread: dict[str, Any], carried: list[parse.Comment], state: ReadState
    ) -> list[parse.Comment]:
        """The replies the thread does not carry, listed when what it says about its
        replies (their count, the versions it carries) changed since they were last listed."""
        snippet = thread["snippet"]
        total = parse.reply_count(thread)
        if total <= len(carried):
            return []
        thread_id = str(thread.get("id") or snippet["topLevelComment"]["id"])
        mark = _replies_mark(total, carried)
        state.scan_replies[thread_id] = mark
        if state.replies.get(thread_id) == mark:
            return []
        top_id = snippet["topLevelComment"]["id"]
        items = self._replies(top_id, text_format="plainText")
        return parse.reply_comments(items, snippet["videoId"], top_id)

    def _replies(self, top_id: str, text_format: str = "plainText") -> list[Any]:
        """The replies to one top-level comment, up to ``REPLY_PAGES`` pages."""
        items: list[Any] = []
        token: str | None = None
        for _ in range(REPLY_PAGES):
            query = {
                "part": "snippet",
                "parentId": top_id,
                "maxResults": PAGE_SIZE,
                "textFormat": text_format,
                "pageToken": token,
            }
            page = self.api.get("comments", query)
            found = page.get("items") or []
            if not isinstance(found, list):
                raise MalformedPayload("youtube: comments.list answered without items")
            items.extend(found)
            token = page.get("nextPageToken")
            if not token:
                break
        return items

    def _goes_on(self, threads: list[Any], state: ReadState) -> bool:
        """Page on only when a cursor exists and no thread of this page is older than it."""
        if state.since is None:
            return False  # the first read: the newest page is the backlog
        times = [parse.thread_time(thread) for thread in threads]
        return all(t is not None and t > state.since for t in times)

    def _our_reply(self, parent: str, text: str) -> dict[str, Any] | None:
        """Our earlier reply with this text in the thread (an earlier attempt got through)."""
        for item in self._replies(parent):
            snippet = item.get("snippet") or {}
            author = (snippet.get("authorChannelId") or {}).get("value")
            if author == self.account and _same_text(snippet, text):
                return dict(item)
        return None


_STATUS = {
    "hide": "heldForReview",
    "unhide": "published",
    "delete": "rejected",
    "block": "rejected",
}


def _replies_mark(total: int, carried: list[parse.Comment]) -> str:
    """What a thread says about its replies: their count and a digest of the versions it
    carries (a reply deleted and another posted keep the count, not the carried versions)."""
    versions = sorted(f"{_id_of(c.raw)}@{_version_of(c.raw)}" for c in carried)
    digest = hashlib.blake2s("\n".join(versions).encode(), digest_size=8).hexdigest()
    return f"{total}:{digest}"


def _version_of(comment: Any) -> str:
    snippet = comment.get("snippet") if isinstance(comment, dict) else None
    if not isinstance(snippet, dict):
        return "?"
    return str(snippet.get("updatedAt") or snippet.get("publishedAt") or "?")


def _addressed(outgoing: Outgoing, parent: str) -> str:
    """A reply to a reply mentions the customer, as YouTube's own reply button does."""
    text = outgoing.text
    handle = (outgoing.recipient or "").removeprefix("@")
    if outgoing.in_reply_to != parent and handle and f"@{handle}" not in text:
        return f"@{handle} {text}"
    return text


def _same_text(snippet: Mapping[str, Any], text: str) -> bool:
    original = snippet.get("textOriginal")
    if isinstance(original, str):
        return original.strip() == text.strip()
    return html_to_text(str(snippet.get("textDisplay") or "")) == text.strip()


def _receipt(comment: Mapping[str, Any], text: str) -> Receipt:
    comment_id = str(comment.get("id") or "")
    if not comment_id:
        raise MalformedPayload("youtube: comments.insert answered without an id")
    video = (comment.get("snippet") or {}).get("videoId")
    url = f"{parse.WATCH_URL}?v={video}&lc={comment_id}" if video else None
    return Receipt(platform_id=comment_id, url=url, text=text)


def _error(response: httpx.Response, now: datetime) -> Exception:
    """Google's error body (``{"error": {"code", "message", "errors": [{"reason"}]}}``) in
    Vastaa's tree; the message is Google's, never a credential."""
    message, reason = _google_reason(response)
    status = response.status_code
    said = f"youtube: {reason + ': ' if reason else ''}{message}"
    if reason in QUOTA_REASONS:
        return RateLimited(said, retry_after=seconds_to_quota_reset(now))
    if status == 429 or reason in RATE_REASONS:
        return RateLimited(said, retry_after=_retry_after(response) or DEFAULT_RATE_WAIT)
    if status >= 500:
        return RetryableError(said)
    if status == 401:
        return Rejected(f"youtube: the access token was refused ({message})")
    return Rejected(said)


def seconds_to_quota_reset(now: datetime) -> float:
    """Seconds from ``now`` to the next midnight in Pacific time, when the quota resets."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    return max(0.0, (midnight - local).total_seconds())


def _google_reason(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error")
    except ValueError:
        error = None
    if not isinstance(error, dict):
        return f"HTTP {response.status_code} {response.reason_phrase}", ""
    reasons = [e.get("reason", "") for e in error.get("errors") or [] if isinstance(e, dict)]
    message = str(error.get("message") or f"HTTP {response.status_code}")[:500]
    return message, str(reasons[0] if reasons else "")


def _oauth_reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # some endpoints answer Google's usual error body
        return str(error.get("message") or error.get("status"))[:300]
    described = body.get("error_description") if isinstance(body, dict) else None
    return ": ".join(str(part) for part in (error, described) if part)[:300] or "no token"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 204 or not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise RetryableError("youtube: the answer was not JSON") from None
    if not isinstance(body, dict):
        raise MalformedPayload("youtube: the answer was not a JSON object")
    return body


def _url(config: Mapping[str, Any], key: str, default: str) -> str:
    return checked_url(str(config.get(key) or default), what=f"youtube: {key}")


def _id_of(item: Any) -> str:
    return str(item.get("id") or "?") if isinstance(item, dict) else "?"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _marks(value: Any) -> dict[str, str]:
    """The stored reply marks (a count alone, from before the digest, never matches: those
    threads' replies are listed once more)."""
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None
