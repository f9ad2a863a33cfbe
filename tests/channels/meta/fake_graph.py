"""A local Graph API for tests: it speaks the documented wire format of the endpoints the Meta
connector uses, and records what was done. Every call needs ``Authorization: Bearer TOKEN``
(Graph's OAuthException, code 190, otherwise), answers a scripted failure first
(``fail_next``, ``throttle_next``: Graph error bodies with the usage headers) and then:

- GET /{id}?fields=...: a Page (name), an Instagram user (name, username), a message (from);
- GET /{page-id}/feed, /{ig-user-id}/media: newest first, ``limit`` and ``after`` cursors,
  ``paging.next`` when more; each post with its comments (Facebook: ``filter(stream)``, every
  comment flat with ``parent{id}``; Instagram: top-level comments with their ``replies``);
- GET /{comment-id}/comments (Facebook) and /replies (Instagram): the comment's replies;
- POST /{comment-id}/comments, /replies: a new reply ``{"id": ...}``;
- POST /{page-id}/messages, /me/messages: ``{"recipient_id", "message_id"}``;
- POST /{comment-id} with ``is_hidden`` or ``hide``: ``{"success": true}``;
- DELETE /{comment-id}: ``{"success": true}``, or code 100/33 when it does not exist.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.local_server import serving

TOKEN = "EAAtest-page-token-0123456789"
VERSION = "v21.0"
PAGE_ID = "104522781234567"
IG_ID = "17841405309211844"


def graph_error(message: str, code: int, subcode: int | None = None, kind: str = "") -> Any:
    error: dict[str, Any] = {
        "message": message,
        "type": kind or ("OAuthException" if code == 190 else "GraphMethodException"),
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def missing(verb: str, object_id: str) -> Any:
    return graph_error(
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        100,
        33,
    )


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Graph:
    base_url: str = ""
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by account
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)  # every comment by id
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # messages by id
    sent: list[dict[str, Any]] = field(default_factory=list)  # Send API bodies
    hidden: dict[str, bool] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    failures: list[Scripted] = field(default_factory=list)
    usage: dict[str, Any] | None = None  # X-Business-Use-Case-Usage object on every answer
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, body: Any = None, **headers: str) -> None:
        self.failures.append(Scripted(status, body if body is not None else {}, headers))

    def throttle_next(self, code: int = 4, minutes: int = 0, status: int = 400) -> None:
        """Graph's rate limit: an error body with ``code`` and the usage headers."""
        usage = {"call_count": 100, "total_cputime": 12, "total_time": 20}
        business = {
            PAGE_ID: [{"type": "pages", **usage, "estimated_time_to_regain_access": minutes}]
        }
        self.fail_next(
            status,
            graph_error("(#4) Application request limit reached", code),
            **{"X-App-Usage": json.dumps(usage), "X-Business-Use-Case-Usage": json.dumps(business)},
        )

    def add_post(self, account: str, post_id: str, created: str, **extra: Any) -> dict[str, Any]:
        post = {"id": post_id, "created_time": created, "updated_time": created, **extra}
        self.posts.setdefault(account, []).insert(0, post)  # newest first
        return post

    def add_comment(
        self,
        post_id: str,
        comment_id: str,
        text: str,
        when: str,
        author: dict[str, str],
        parent: str | None = None,
    ) -> dict[str, Any]:
        comment = {
            "id": comment_id,
            "post": post_id,
            "text": text,
            "when": when,
            "from": author,
            "parent": parent,
        }
        self.comments[comment_id] = comment
        return comment

    def replies_to(self, comment_id: str) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["parent"] == comment_id]


Answer = tuple[int, Any]


def _platform(graph: Graph, object_id: str) -> str:
    if object_id == IG_ID or object_id in {p["id"] for p in graph.posts.get(IG_ID, [])}:
        return "instagram"
    comment = graph.comments.get(object_id)
    if comment and any(p["id"] == comment["post"] for p in graph.posts.get(IG_ID, [])):
        return "instagram"
    return "facebook"


def _comment_json(graph: Graph, comment: dict[str, Any], platform: str) -> dict[str, Any]:
    if platform == "facebook":
        found = {
            "id": comment["id"],
            "message": comment["text"],
            "created_time": comment["when"],
            "from": comment["from"],
        }
        if comment["parent"]:
            found["parent"] = {"id": comment["parent"]}
        return found
    return {
        "id": comment["id"],
        "text": comment["text"],
        "timestamp": comment["when"],
        "from": comment["from"],
        "username": comment["from"].get("username", ""),
    }


def _post_json(graph: Graph, post: dict[str, Any], platform: str) -> dict[str, Any]:
    on_post = [c for c in graph.comments.values() if c["post"] == post["id"]]
    on_post.sort(key=lambda c: c["when"], reverse=True)
    if platform == "facebook":
        data = [_comment_json(graph, c, platform) for c in on_post]
        return {**_plain(post), "comments": {"data": data}} if data else _plain(post)
    top = []
    for comment in (c for c in on_post if c["parent"] is None):
        item = _comment_json(graph, comment, platform)
        replies = [_comment_json(graph, r, platform) for r in graph.replies_to(comment["id"])]
        if replies:
            item["replies"] = {"data": replies}
        top.append(item)
    found = {"id": post["id"], "timestamp": post["created_time"]}
    return {**found, "comments": {"data": top}} if top else found


def _plain(post: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in post.items() if k in ("id", "created_time", "updated_time")}


def _feed(graph: Graph, account: str, params: dict[str, Any]) -> Answer:
    if account not in graph.accounts:
        return 400, missing("get", account)
    posts = graph.posts.get(account, [])
    start = int(params.get("after") or 0)
    limit = int(params.get("limit") or 25)
    page = posts[start : start + limit]
    platform = "instagram" if account == IG_ID else "facebook"
    body: dict[str, Any] = {"data": [_post_json(graph, p, platform) for p in page]}
    if page:
        body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(page))}}
        if start + limit < len(posts):
            body["paging"]["next"] = (
                f"{graph.base_url}/{VERSION}/{account}/feed?after={start + limit}"
            )
    return 200, body


def _node(graph: Graph, object_id: str, params: dict[str, Any]) -> Answer:
    if object_id in graph.accounts:
        return 200, {"id": object_id, **graph.accounts[object_id]}
    if object_id in graph.messages:
        return 200, {"id": object_id, **graph.messages[object_id]}
    if object_id in graph.comments:
        comment = graph.comments[object_id]
        return 200, _comment_json(graph, comment, _platform(graph, object_id))
    return 400, missing("get", object_id)


def _replies(graph: Graph, comment_id: str, params: dict[str, Any]) -> Answer:
    if comment_id not in graph.comments:
        return 400, missing("get", comment_id)
    platform = _platform(graph, comment_id)
    replies = [_comment_json(graph, r, platform) for r in graph.replies_to(comment_id)]
    return 200, {"data": replies}


def _reply(graph: Graph, comment_id: str, body: dict[str, Any], platform: str) -> Answer:
    if comment_id not in graph.comments or _platform(graph, comment_id) != platform:
        return 400, missing("post", comment_id)
    message = str(body.get("message") or "")
    if not message:
        return 400, graph_error("(#100) The parameter message is required", 100)
    parent = graph.comments[comment_id]
    new_id = f"{comment_id}_r{len(graph.comments) + 1}"
    author = {"id": IG_ID if platform == "instagram" else PAGE_ID}
    graph.add_comment(
        parent["post"], new_id, message, "2026-11-20T12:00:00+0000", author, comment_id
    )
    return 200, {"id": new_id}


def _send(graph: Graph, account: str, body: dict[str, Any]) -> Answer:
    if body.get("messaging_type") != "RESPONSE" or not isinstance(body.get("recipient"), dict):
        return 400, graph_error("(#100) param recipient must be non-empty.", 100)
    recipient = body["recipient"]
    customer = recipient.get("id")
    if "comment_id" in recipient:
        comment = graph.comments.get(str(recipient["comment_id"]))
        if comment is None:
            return 400, graph_error("(#100) No matching comment", 100, 2018001)
        customer = comment["from"]["id"]
    message_id = f"m_sent{len(graph.sent) + 1}"
    graph.sent.append({"account": account, **body})
    graph.messages[message_id] = {"from": {"id": account}}
    return 200, {"recipient_id": customer, "message_id": message_id}


def _moderate(graph: Graph, comment_id: str, body: dict[str, Any]) -> Answer:
    if comment_id not in graph.comments:
        return 400, missing("post", comment_id)
    flag = "hide" if _platform(graph, comment_id) == "instagram" else "is_hidden"
    if not isinstance(body.get(flag), bool):
        return 400, graph_error(f"(#100) The parameter {flag} is required", 100)
    graph.hidden[comment_id] = body[flag]
    return 200, {"success": True}


def _delete(graph: Graph, comment_id: str) -> Answer:
    if comment_id not in graph.comments:
        return 400, missing("delete", comment_id)
    del graph.comments[comment_id]
    graph.deleted.append(comment_id)
    return 200, {"success": True}


def _route(
    graph: Graph, method: str, parts: list[str], params: dict[str, Any], body: Any
) -> Answer:
    if method == "GET" and len(parts) == 1:
        return _node(graph, parts[0], params)
    if method == "GET" and len(parts) == 2 and parts[1] in ("feed", "media"):
        return _feed(graph, parts[0], params)
    if method == "GET" and len(parts) == 2 and parts[1] in ("comments", "replies"):
        return _replies(graph, parts[0], params)
    if method == "POST" and len(parts) == 2 and parts[1] == "messages":
        account = IG_ID if parts[0] == "me" and IG_ID in graph.accounts else parts[0]
        return _send(graph, account, body)
    if method == "POST" and len(parts) == 2 and parts[1] in ("comments", "replies"):
        platform = "facebook" if parts[1] == "comments" else "instagram"
        return _reply(graph, parts[0], body, platform)
    if method == "POST" and len(parts) == 1:
        return _moderate(graph, parts[0], body)
    if method == "DELETE" and len(parts) == 1:
        return _delete(graph, parts[0])
    return 400, graph_error("Unknown path components", 2500)


def _handler(graph: Graph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-fb-trace-id", "AbCdEfGhIjK")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            with graph.lock:
                graph.requests.append((method, url.path, {**params, **body}))
                self._answer(method, url.path, params, body)

        def _answer(self, method: str, path: str, params: dict[str, Any], body: Any) -> None:
            match = re.fullmatch(rf"/{re.escape(VERSION)}/(.+)", path)
            if match is None:
                return self._send(400, graph_error("Unknown path components", 2500))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(
                    400, graph_error("Invalid OAuth access token - Cannot parse access token", 190)
                )
            if graph.failures:
                failure = graph.failures.pop(0)
                return self._send(failure.status, failure.body, failure.headers)
            status, answer = _route(graph, method, match.group(1).split("/"), params, body)
            headers = (
                {"X-Business-Use-Case-Usage": json.dumps({PAGE_ID: [graph.usage]})}
                if graph.usage
                else {}
            )
            self._send(status, answer, headers)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler


@contextmanager
def running() -> Iterator[Graph]:
    graph = Graph()
    graph.accounts[PAGE_ID] = {"name": "Kide"}
    graph.accounts[IG_ID] = {"name": "Kide", "username": "kide.fi"}
    with serving(_handler(graph)) as root:
        graph.base_url = root
        yield graph
