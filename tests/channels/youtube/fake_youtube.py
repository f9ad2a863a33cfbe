"""A local YouTube Data API v3 (and Google OAuth token endpoint) for tests. It speaks the
documented wire format of the calls Vastaa makes and records what was done. Every API call takes
Bearer auth (401 with Google's error body otherwise) and answers a scripted failure first
(``fail_next``: Google's ``{"error": {"code", "message", "errors": [{"reason"}]}}``):

- POST /token: ``grant_type=refresh_token`` → ``{"access_token", "expires_in", ...}``,
  400 ``invalid_grant`` for an unknown client or refresh token;
- GET /youtube/v3/commentThreads?allThreadsRelatedToChannelId=: threads newest first, each
  carrying at most ``carried`` replies, ``pageToken``/``nextPageToken`` paging;
- GET /youtube/v3/comments?parentId=: a thread's replies, paged;
- POST /youtube/v3/comments?part=snippet: a reply by our channel (``snippet.parentId``);
- POST /youtube/v3/comments/setModerationStatus: 204; a rejected comment cannot be published
  again, ``banAuthor`` needs ``rejected``;
- DELETE /youtube/v3/comments?id=: 204 for our own comment, 403 for another person's;
- GET /youtube/v3/channels?id=: our channel's snippet.

Threads are added per test (``add_thread``, usually from a fixture); ``page_size`` overrides
``maxResults`` so that a few threads make several pages."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.local_server import serving

CHANNEL = "UCkideOfficial000000000a"
TITLE = "Kide"
ACCESS_TOKEN = "ya29.static-access-token"
CLIENT_ID = "1234.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-client-secret"
REFRESH_TOKEN = "1//0refresh-token-secret"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "youtube"


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"{name}.json").read_text()))


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class YouTube:
    base_url: str = ""
    token_url: str = ""
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)  # by top comment id
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by top id
    statuses: dict[str, str] = field(default_factory=dict)  # comment id → moderation status
    banned: set[str] = field(default_factory=set)  # author channel ids
    deleted: list[str] = field(default_factory=list)
    inserted: list[dict[str, Any]] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=lambda: {ACCESS_TOKEN})
    refreshes: int = 0
    expires_in: int = 3599
    page_size: int | None = None
    carried: int = 5
    failures: list[Scripted] = field(default_factory=list)
    calls: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_thread(self, thread: dict[str, Any]) -> None:
        """A commentThread as the API returns it; its carried replies become the thread's."""
        thread = copy.deepcopy(thread)
        top_id = thread["snippet"]["topLevelComment"]["id"]
        self.replies[top_id] = (thread.pop("replies", None) or {}).get("comments", [])
        self.threads[top_id] = thread

    def add_reply(self, top_id: str, reply: dict[str, Any]) -> None:
        self.replies[top_id].append(copy.deepcopy(reply))

    def edit(self, comment_id: str, text: str, updated_at: str) -> None:
        snippet = self.comment(comment_id)["snippet"]
        snippet.update(textOriginal=text, textDisplay=text, updatedAt=updated_at)

    def comment(self, comment_id: str) -> dict[str, Any]:
        if comment_id in self.threads:
            return dict(self.threads[comment_id]["snippet"]["topLevelComment"])
        for replies in self.replies.values():
            for reply in replies:
                if reply["id"] == comment_id:
                    return reply
        raise KeyError(comment_id)

    def fail_next(self, status: int, reason: str, message: str = "", **headers: str) -> None:
        body = {
            "error": {
                "code": status,
                "message": message or reason,
                "errors": [{"message": message or reason, "domain": "global", "reason": reason}],
            }
        }
        self.failures.append(Scripted(status, body, headers))

    def fail_next_with(self, status: int, body: dict[str, Any]) -> None:
        self.failures.append(Scripted(status, body))

    def paths(self) -> list[str]:
        return [f"{method} {path}" for method, path, _ in self.calls]


def _error(status: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    errors = [{"message": message, "domain": "youtube.comment", "reason": reason}]
    return status, {"error": {"code": status, "message": message, "errors": errors}}


def _page(items: list[Any], params: dict[str, str], size: int) -> tuple[list[Any], str | None]:
    start = int(params.get("pageToken", "0") or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _threads(yt: YouTube, params: dict[str, str]) -> tuple[int, Any]:
    if params.get("allThreadsRelatedToChannelId") != CHANNEL:
        return _error(400, "invalidParameter", "allThreadsRelatedToChannelId")
    ordered = sorted(
        yt.threads.values(),
        key=lambda t: t["snippet"]["topLevelComment"]["snippet"].get("publishedAt", ""),
        reverse=True,
    )
    size = yt.page_size or int(params.get("maxResults", "20"))
    items, token = _page(ordered, params, size)
    return 200, _listing("youtube#commentThreadListResponse", [_shown(yt, t) for t in items], token)


def _shown(yt: YouTube, thread: dict[str, Any]) -> dict[str, Any]:
    shown = copy.deepcopy(thread)
    replies = yt.replies.get(thread["snippet"]["topLevelComment"]["id"], [])
    shown["snippet"]["totalReplyCount"] = len(replies)
    if replies:
        shown["replies"] = {"comments": copy.deepcopy(replies[: yt.carried])}
    return shown


def _listing(kind: str, items: list[Any], token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "etag": "etag-of-the-page",
        "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        "items": items,
    }
    if token:
        body["nextPageToken"] = token
    return body


def _comments(yt: YouTube, params: dict[str, str]) -> tuple[int, Any]:
    parent = params.get("parentId", "")
    if parent not in yt.replies:
        return _error(404, "commentNotFound", "The parent comment could not be found.")
    size = int(params.get("maxResults", "20"))
    items, token = _page(yt.replies[parent], params, size)
    return 200, _listing("youtube#commentListResponse", copy.deepcopy(items), token)


def _insert(yt: YouTube, body: dict[str, Any]) -> tuple[int, Any]:
    snippet = body.get("snippet") or {}
    parent = snippet.get("parentId", "")
    if parent not in yt.threads:
        return _error(404, "commentNotFound", "The parent comment could not be found.")
    video = yt.threads[parent]["snippet"]["videoId"]
    reply_id = f"{parent}.9xOur{len(yt.inserted) + 1:08d}"
    comment = {
        "kind": "youtube#comment",
        "etag": f"etag-{reply_id}",
        "id": reply_id,
        "snippet": {
            "channelId": CHANNEL,
            "videoId": video,
            "textDisplay": snippet.get("textOriginal", ""),
            "textOriginal": snippet.get("textOriginal", ""),
            "parentId": parent,
            "authorDisplayName": "@kide",
            "authorChannelUrl": "http://www.youtube.com/@kide",
            "authorChannelId": {"value": CHANNEL},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": "2025-03-05T10:00:00Z",
            "updatedAt": "2025-03-05T10:00:00Z",
        },
    }
    yt.replies[parent].append(comment)
    yt.inserted.append(comment)
    return 200, comment


def _moderate(yt: YouTube, params: dict[str, str]) -> tuple[int, Any]:
    status, ban = params.get("moderationStatus", ""), params.get("banAuthor") == "true"
    if ban and status != "rejected":
        return _error(400, "banWithoutReject", "banAuthor needs moderationStatus rejected.")
    for comment_id in params.get("id", "").split(","):
        try:
            comment = yt.comment(comment_id)
        except KeyError:
            return _error(404, "commentNotFound", "The comment could not be found.")
        if status == "published" and yt.statuses.get(comment_id) == "rejected":
            return _error(400, "processingFailure", "A rejected comment cannot be published.")
        yt.statuses[comment_id] = status
        if ban:
            yt.banned.add(comment["snippet"]["authorChannelId"]["value"])
    return 204, None


def _delete(yt: YouTube, params: dict[str, str]) -> tuple[int, Any]:
    comment_id = params.get("id", "")
    try:
        comment = yt.comment(comment_id)
    except KeyError:
        return _error(404, "commentNotFound", "The comment could not be found.")
    if comment["snippet"]["authorChannelId"]["value"] != CHANNEL:
        return _error(403, "forbidden", "The comment cannot be deleted by this channel.")
    for replies in yt.replies.values():
        replies[:] = [r for r in replies if r["id"] != comment_id]
    yt.deleted.append(comment_id)
    return 204, None


def _channels(yt: YouTube, params: dict[str, str]) -> tuple[int, Any]:
    items = []
    if params.get("id") == CHANNEL:
        items = [{"kind": "youtube#channel", "id": CHANNEL, "snippet": {"title": TITLE}}]
    return 200, _listing("youtube#channelListResponse", items, None)


def _token(yt: YouTube, form: dict[str, str]) -> tuple[int, Any]:
    known = (form.get("client_id"), form.get("client_secret"), form.get("refresh_token"))
    if form.get("grant_type") != "refresh_token" or known != (
        CLIENT_ID,
        CLIENT_SECRET,
        REFRESH_TOKEN,
    ):
        return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
    yt.refreshes += 1
    token = f"ya29.fresh-{yt.refreshes}"
    yt.valid_tokens.add(token)
    scope = "https://www.googleapis.com/auth/youtube.force-ssl"
    return 200, {
        "access_token": token,
        "expires_in": yt.expires_in,
        "scope": scope,
        "token_type": "Bearer",
    }


ROUTES = {
    ("GET", "/youtube/v3/commentThreads"): _threads,
    ("GET", "/youtube/v3/comments"): _comments,
    ("POST", "/youtube/v3/comments/setModerationStatus"): _moderate,
    ("DELETE", "/youtube/v3/comments"): _delete,
    ("GET", "/youtube/v3/channels"): _channels,
}


def _handler(yt: YouTube) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _raw_body(self) -> str:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            body = self._raw_body()
            with yt.lock:
                yt.calls.append((method, url.path, params))
                if url.path == "/token" and method == "POST":
                    form = {k: v[-1] for k, v in parse_qs(body).items()}
                    return self._send(*_token(yt, form))
                auth = self.headers.get("Authorization", "")
                if auth.removeprefix("Bearer ") not in yt.valid_tokens:
                    return self._send(*_error(401, "authError", "Invalid Credentials"))
                if yt.failures:
                    failure = yt.failures.pop(0)
                    return self._send(failure.status, failure.body, failure.headers)
                if (method, url.path) == ("POST", "/youtube/v3/comments"):
                    return self._send(*_insert(yt, json.loads(body or "{}")))
                route = ROUTES.get((method, url.path))
                if route is None:
                    return self._send(*_error(404, "notFound", "Not Found"))
                self._send(*route(yt, params))

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler


@contextmanager
def running() -> Iterator[YouTube]:
    yt = YouTube()
    with serving(_handler(yt)) as root:
        yt.base_url, yt.token_url = f"{root}/youtube/v3", f"{root}/token"
        yield yt
