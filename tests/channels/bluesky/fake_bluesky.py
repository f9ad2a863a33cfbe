"""A local Bluesky for tests: a PDS/AppView speaking XRPC over HTTP, and a Jetstream speaking
its JSON events over a WebSocket. Both record what was asked.

XRPC (``/xrpc/<nsid>``), errors as ``{"error": name, "message": text}``, every answer with the
``ratelimit-limit`` / ``-remaining`` / ``-reset`` / ``-policy`` headers:

- com.atproto.server.createSession: handle or DID + app password → JWT-shaped tokens
  (401 AuthenticationRequired otherwise);
- app.bsky.notification.listNotifications: newest first, ``reasons`` filter, a time-based
  ``cursor`` (the indexedAt of the last item of a full page);
- app.bsky.feed.searchPosts: ``q`` as words or ``#tag``, ``sort=latest``, an offset ``cursor``;
- app.bsky.feed.getPosts: the post views of the ``uris`` that exist;
- com.atproto.repo.createRecord / getRecord: records of our repo; an rkey that exists already
  answers 500 InternalServerError (as Bluesky's PDS does today), a post over 300 characters 400;
  getRecord of nothing answers 400 RecordNotFound.

``fail_next`` scripts a failure (optionally only for one NSID), ``rate_limit_next`` a 429 with
the rate headers, ``lose_next_create`` makes a createRecord that is written but answered 502.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.channels.local_server import serving

HANDLE = "kide.bsky.social"
DID = "did:plc:kidebrand7yq2w4zl5mxva3c"
APP_PASSWORD = "kide-2fa7-q9xz-m3pd"
POST = "app.bsky.feed.post"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    nsid: str | None


@dataclass
class Pds:
    base_url: str = ""
    notifications: list[dict[str, Any]] = field(default_factory=list)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # post views by AT-URI
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # our records by rkey
    failures: list[Scripted] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    calls: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    remaining: int = 2999
    lose_next: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(
        self, status: int, error: str, message: str = "", nsid: str | None = None, **headers: str
    ) -> None:
        body = {"error": error, "message": message or error}
        self.failures.append(Scripted(status, body, headers, nsid))

    def rate_limit_next(self, seconds: int, nsid: str | None = None) -> None:
        reset = str(int(time.time()) + seconds)
        headers = {"ratelimit-remaining": "0", "ratelimit-reset": reset}
        self.fail_next(429, "RateLimitExceeded", "Rate Limit Exceeded", nsid, **headers)

    def lose_next_create(self) -> None:
        self.lose_next = True

    def notify(self, *items: dict[str, Any]) -> None:
        self.notifications.extend(items)
        self.notifications.sort(key=lambda item: item["indexedAt"], reverse=True)

    def add_posts(self, *views: dict[str, Any]) -> None:
        self.posts.update({view["uri"]: view for view in views})

    def called(self, nsid: str) -> list[dict[str, list[str]]]:
        return [params for name, params in self.calls if name == nsid]


Answer = tuple[int, dict[str, Any]]


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJl"


def _create_session(pds: Pds, body: dict[str, Any]) -> Answer:
    known = body.get("identifier") in (HANDLE, DID)
    if not known or body.get("password") != APP_PASSWORD:
        return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    now = int(time.time())
    claims = {"scope": "com.atproto.appPass", "sub": DID, "iat": now, "exp": now + 7200}
    access = _jwt(claims)
    pds.tokens.add(access)
    refresh = _jwt({**claims, "scope": "com.atproto.refresh", "exp": now + 86400})
    return 200, {"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID}


def _list_notifications(pds: Pds, params: dict[str, list[str]]) -> Answer:
    limit = int(_one(params, "limit") or 50)
    reasons = params.get("reasons")
    items = [n for n in pds.notifications if not reasons or n.get("reason") in reasons]
    before = _one(params, "cursor")
    if before:
        items = [n for n in items if n["indexedAt"] < before]
    page = items[:limit]
    body: dict[str, Any] = {"notifications": page, "priority": False}
    if len(page) == limit:
        body["cursor"] = page[-1]["indexedAt"]
    return 200, body


def _search_posts(pds: Pds, params: dict[str, list[str]]) -> Answer:
    query = _one(params, "q") or ""
    if not query:
        return 400, {
            "error": "InvalidRequest",
            "message": 'Error: Params must have the property "q"',
        }
    limit = int(_one(params, "limit") or 25)
    start = int(_one(params, "cursor") or 0)
    hits = sorted(
        (view for view in pds.posts.values() if _matches(view, query)),
        key=lambda view: view["indexedAt"],
        reverse=True,
    )
    page = hits[start : start + limit]
    body: dict[str, Any] = {"posts": page, "hitsTotal": len(hits)}
    if start + limit < len(hits):
        body["cursor"] = str(start + limit)
    return 200, body


def _matches(view: dict[str, Any], query: str) -> bool:
    text = str(view.get("record", {}).get("text", "")).casefold()
    if query.startswith("#"):
        return re.search(rf"(^|\s){re.escape(query.casefold())}\b", text) is not None
    return query.strip('"').casefold() in text


def _get_posts(pds: Pds, params: dict[str, list[str]]) -> Answer:
    uris = params.get("uris", [])
    return 200, {"posts": [pds.posts[uri] for uri in uris if uri in pds.posts]}


def _create_record(pds: Pds, body: dict[str, Any]) -> Answer:
    rkey, record = str(body.get("rkey") or ""), body.get("record") or {}
    if body.get("repo") not in (DID, HANDLE) or body.get("collection") != POST:
        return 400, {"error": "InvalidRequest", "message": "Invalid repo or collection"}
    if not TID.match(rkey):
        return 400, {"error": "InvalidRequest", "message": f"Invalid TID: {rkey}"}
    if len(str(record.get("text", ""))) > 300:
        message = (
            "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"
        )
        return 400, {"error": "InvalidRequest", "message": message}
    if rkey in pds.records:
        return 500, {"error": "InternalServerError", "message": "Internal Server Error"}
    uri = f"at://{DID}/{POST}/{rkey}"
    cid = f"bafyrei{len(pds.records):052d}"
    pds.records[rkey] = {"uri": uri, "cid": cid, "value": record}
    if pds.lose_next:
        pds.lose_next = False
        return 502, {"error": "UpstreamFailure", "message": "Bad Gateway"}
    return 200, {
        "uri": uri,
        "cid": cid,
        "commit": {"cid": cid, "rev": rkey},
        "validationStatus": "valid",
    }


def _get_record(pds: Pds, params: dict[str, list[str]]) -> Answer:
    rkey = _one(params, "rkey") or ""
    found = pds.records.get(rkey)
    if _one(params, "repo") not in (DID, HANDLE) or found is None:
        uri = f"at://{_one(params, 'repo')}/{_one(params, 'collection')}/{rkey}"
        return 400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"}
    return 200, found


def _one(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key)
    return values[-1] if values else None


QUERIES = {
    "app.bsky.notification.listNotifications": _list_notifications,
    "app.bsky.feed.searchPosts": _search_posts,
    "app.bsky.feed.getPosts": _get_posts,
    "com.atproto.repo.getRecord": _get_record,
}
PROCEDURES = {"com.atproto.repo.createRecord": _create_record}


def _handler(pds: Pds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            rate = {
                "ratelimit-limit": "3000",
                "ratelimit-remaining": str(pds.remaining),
                "ratelimit-reset": str(int(time.time()) + 300),
                "ratelimit-policy": "3000;w=300",
            }
            for name, value in {**rate, **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, nsid: str, call: Any, argument: Any) -> None:
            if nsid != "com.atproto.server.createSession":
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if token not in pds.tokens:
                    return self._send(401, {"error": "InvalidToken", "message": "Bad token"})
            for failure in pds.failures:
                if failure.nsid in (None, nsid):
                    pds.failures.remove(failure)
                    return self._send(failure.status, failure.body, failure.headers)
            self._send(*call(pds, argument))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            nsid = parts.path.removeprefix("/xrpc/")
            params = parse_qs(parts.query)
            with pds.lock:
                pds.calls.append((nsid, params))
                if nsid not in QUERIES:
                    return self._send(404, {"error": "MethodNotImplemented", "message": nsid})
                self._serve(nsid, QUERIES[nsid], params)

        def do_POST(self) -> None:
            nsid = urlsplit(self.path).path.removeprefix("/xrpc/")
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with pds.lock:
                pds.calls.append((nsid, {}))
                if nsid == "com.atproto.server.createSession":
                    return self._serve(nsid, _create_session, body)
                if nsid not in PROCEDURES:
                    return self._send(404, {"error": "MethodNotImplemented", "message": nsid})
                self._serve(nsid, PROCEDURES[nsid], body)

    return Handler


@contextmanager
def running_pds() -> Iterator[Pds]:
    pds = Pds()
    with serving(_handler(pds)) as root:
        pds.base_url = root
        yield pds


@dataclass
class Jetstream:
    """Replays ``events`` from the ``cursor`` asked (all of them without one), only the
    ``wantedCollections`` asked, then holds the connection open (or closes it: ``hang_up``)."""

    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)  # raw frames sent before the events
    hang_up: bool = False

    def serve(self, connection: ServerConnection) -> None:
        params = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        self.requests.append(params)
        try:
            for frame in self.frames:
                connection.send(frame)
            for event in self._wanted(params):
                connection.send(json.dumps(event))
            if self.hang_up:
                connection.close()
                return
            for _ in connection:  # until the client closes
                pass
        except ConnectionClosed:  # the client's window ended first
            return

    def _wanted(self, params: dict[str, list[str]]) -> Iterator[dict[str, Any]]:
        cursor = int(_one(params, "cursor") or 0)
        collections = params.get("wantedCollections")
        for event in self.events:
            commit = event.get("commit") or {}
            if event["time_us"] < cursor:
                continue
            if (
                collections
                and event.get("kind") == "commit"
                and commit.get("collection") not in collections
            ):
                continue
            yield event


@contextmanager
def running_jetstream() -> Iterator[Jetstream]:
    stream = Jetstream()
    server = serve(stream.serve, "127.0.0.1", 0, compression=None)
    stream.url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stream
    finally:
        server.shutdown()
        thread.join(timeout=5)
