"""A local Reddit for tests: the OAuth2 token endpoint and the OAuth API's JSON as Reddit
documents it, on one port (Async PRAW's ``reddit_url`` and ``oauth_url`` both point here).

- POST /api/v1/access_token: HTTP Basic with the app's id and secret (401 otherwise), the
  ``password`` grant (``{"error": "invalid_grant"}`` with HTTP 200 for a wrong password, as
  Reddit answers);
- every other path takes ``Authorization: bearer <token>`` (401 with ``WWW-Authenticate``),
  answers with ``X-Ratelimit-Remaining/-Used/-Reset``, and a scripted failure first
  (``fail_next``; ``rate_limit_next``: 429);
- Listings ``{"kind": "Listing", "data": {"after", "before", "dist", "children"}}`` newest
  first with ``limit`` (25, at most 100), ``after`` and ``before``: /message/inbox,
  /message/unread, /message/sent, /r/{a+b}/new, /r/{a+b}/comments, /search and
  /r/{a+b}/search (``q``, ``sort=new``, ``restrict_sr``), /user/{name}/comments, /api/info;
- /api/v1/me; POST /api/comment, /api/compose (``{"json": {"errors": [[code, message,
  field]]}}`` on refusal), /api/block_user, /r/all/api/unfriend, /api/report, and for a
  moderator /api/remove and /api/approve (403 otherwise).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.local_server import serving

CLIENT_ID = "kide-app-id"
CLIENT_SECRET = "kide-app-secret-8f2"
USERNAME = "kide_support"
PASSWORD = "correct-horse-battery-9"
TOKEN = "reddit-token-abc123"
ME_ID = "1kide0"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "reddit"
Answer = tuple[int, Any]


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]


@dataclass
class Reddit:
    base_url: str = ""
    inbox: list[dict[str, Any]] = field(default_factory=list)
    world: list[dict[str, Any]] = field(default_factory=list)  # subreddits' posts, comments
    sent: list[dict[str, Any]] = field(default_factory=list)  # our private messages
    users: set[str] = field(default_factory=lambda: {"matti_v", "aylin_k", "ece_d"})
    blocked: set[str] = field(default_factory=set)
    reports: list[dict[str, str]] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    moderator: bool = False
    me: str = USERNAME  # whom /api/v1/me names
    remaining: int = 995
    reset: int = 300
    failures: list[Scripted] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    tokens: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, body: Any = None, **headers: str) -> None:
        self.failures.append(
            Scripted(status, body or {"message": "Error", "error": status}, headers)
        )

    def rate_limit_next(self, reset: int, retry_after: int | None = None) -> None:
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "1000"}
        headers["x-ratelimit-reset"] = str(reset)
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        self.fail_next(429, {"message": "Too Many Requests", "error": 429}, **headers)

    def thing(self, name: str) -> dict[str, Any]:
        for thing in self.inbox + self.world + self.sent:
            if thing["data"]["name"] == name:
                return thing
        raise KeyError(name)

    def edit(self, name: str, body: str) -> None:
        data = self.thing(name)["data"]
        data["body"], data["edited"] = body, float(int(data["created_utc"]) + 600)

    def delete(self, name: str) -> None:
        data = self.thing(name)["data"]
        data["body"], data["author"] = "[deleted]", "[deleted]"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def posted(self, path: str) -> list[dict[str, str]]:
        return [r.params for r in self.requests if r.method == "POST" and r.path == path]


def comment(
    id36: str,
    created: float,
    body: str,
    *,
    author: str = "matti_v",
    sub: str = "Kide",
    link: str = "t3_1dc9x0z",
    parent: str | None = None,
) -> dict[str, Any]:
    """A t1 as listings answer it (the fixture's shape, other values)."""
    thing = fixture("comment__new")
    thing["data"].update(
        id=id36,
        name=f"t1_{id36}",
        created=created,
        created_utc=created,
        body=body,
        body_html=f'<div class="md"><p>{body}</p>\n</div>',
        author=author,
        subreddit=sub,
        subreddit_name_prefixed=f"r/{sub}",
        link_id=link,
        parent_id=parent or link,
        permalink=f"/r/{sub}/comments/{link[3:]}/x/{id36}/",
    )
    return thing


def reply(id36: str, created: float, body: str, *, kind: str = "comment_reply") -> dict[str, Any]:
    """A t1 as the inbox answers it."""
    thing = fixture("inbox__comment_reply")
    subject = "username mention" if kind == "username_mention" else kind.replace("_", " ")
    thing["data"].update(
        id=id36,
        name=f"t1_{id36}",
        created=created,
        created_utc=created,
        body=body,
        type=kind,
        subject=subject,
        context=f"/r/Kide/comments/1dc9x0z/order_never_arrived/{id36}/?context=3",
    )
    return thing


def message(id36: str, created: float, body: str, **data: Any) -> dict[str, Any]:
    thing = fixture("inbox__private_message")
    thing["data"].update(
        id=id36, name=f"t4_{id36}", created=created, created_utc=created, body=body, **data
    )
    return thing


def submission(
    id36: str,
    created: float,
    title: str,
    selftext: str = "",
    *,
    sub: str = "Kide",
    author: str = "matti_v",
) -> dict[str, Any]:
    thing = fixture("submission__self")
    thing["data"].update(
        id=id36,
        name=f"t3_{id36}",
        created=created,
        created_utc=created,
        title=title,
        selftext=selftext,
        subreddit=sub,
        subreddit_name_prefixed=f"r/{sub}",
        author=author,
        permalink=f"/r/{sub}/comments/{id36}/x/",
    )
    return thing


def listing(things: list[dict[str, Any]], params: dict[str, str]) -> dict[str, Any]:
    """Reddit's paging: newest first, ``after``/``before`` a fullname, ``limit`` items."""
    items = sorted(things, key=lambda t: -float(t["data"].get("created_utc") or 0))
    names = [t["data"]["name"] for t in items]
    limit = min(int(params.get("limit", 25)), 100)
    start = 0
    if "after" in params:
        start = names.index(params["after"]) + 1 if params["after"] in names else len(items)
    elif "before" in params:
        end = names.index(params["before"]) if params["before"] in names else 0
        start = max(0, end - limit)
        items = items[:end]
    page = items[start : start + limit]
    data = {
        "after": page[-1]["data"]["name"] if page and start + limit < len(items) else None,
        "before": page[0]["data"]["name"] if page and start > 0 else None,
        "dist": len(page),
        "modhash": None,
        "geo_filter": "",
        "children": page,
    }
    return {"kind": "Listing", "data": data}


def _subs(path: str) -> set[str]:
    return {s.casefold() for s in path.split("/")[2].split("+")}


def _in(thing: dict[str, Any], subs: set[str]) -> bool:
    return str(thing["data"].get("subreddit", "")).casefold() in subs


def _get(reddit: Reddit, path: str, params: dict[str, str]) -> Answer:
    if path == "/api/v1/me":
        return 200, {
            "name": reddit.me,
            "id": ME_ID,
            "created_utc": 1600000000.0,
            "link_karma": 12,
            "comment_karma": 140,
            "has_verified_email": True,
        }
    if path == "/api/info":
        wanted = params.get("id", "").split(",")
        found = [t for t in reddit.inbox + reddit.world if t["data"]["name"] in wanted]
        return 200, listing(found, {"limit": "100"})
    return 200, listing(_things(reddit, path, params), params)


def _things(reddit: Reddit, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    parts = path.split("/")
    if path == "/message/inbox":
        return reddit.inbox
    if path == "/message/unread":
        return [t for t in reddit.inbox if t["data"].get("new")]
    if path == "/message/sent":
        return reddit.sent
    if path.startswith("/user/") and parts[-1] == "comments":
        return [t for t in reddit.world if t["kind"] == "t1" and t["data"]["author"] == parts[2]]
    if path.startswith("/r/") and parts[-1] in ("new", "comments"):
        kind = "t3" if parts[-1] == "new" else "t1"
        return [t for t in reddit.world if t["kind"] == kind and _in(t, _subs(path))]
    if parts[-1] == "search":
        return _search(reddit, path, params)
    raise LookupError(path)


def _search(reddit: Reddit, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    query = params.get("q", "").strip('"').casefold()
    posts = [t for t in reddit.world if t["kind"] == "t3"]
    if path.startswith("/r/") and params.get("restrict_sr") in ("1", "true", "on"):
        posts = [t for t in posts if _in(t, _subs(path))]
    return [t for t in posts if query in _text(t)]


def _text(thing: dict[str, Any]) -> str:
    return f"{thing['data']['title']} {thing['data']['selftext']}".casefold()


def _errors(*errors: list[str]) -> dict[str, Any]:
    return {"json": {"errors": list(errors)}}


def _comment(reddit: Reddit, params: dict[str, str]) -> Answer:
    parent_name, text = params.get("thing_id", ""), params.get("text", "")
    try:
        parent = reddit.thing(parent_name)
    except KeyError:
        return 200, _errors(["DELETED_COMMENT", "that comment has been deleted", "parent"])
    if parent["data"].get("locked"):
        return 200, _errors(["THREAD_LOCKED", "that thread is locked", "parent"])
    if text.startswith("too fast"):
        return 200, _errors(
            ["RATELIMIT", "Take a break for 5 minutes before trying again.", "ratelimit"]
        )
    number = len(reddit.world) + len(reddit.sent) + 1
    now = time.time()
    if parent["kind"] == "t4":
        made = message(
            f"3m{number}",
            now,
            text,
            author=USERNAME,
            dest=parent["data"]["author"],
            parent_id=parent_name,
            first_message_name=parent["data"].get("first_message_name") or parent_name,
        )
        reddit.sent.append(made)
    else:
        link = parent["data"].get("link_id") or f"t3_{parent['data']['id']}"
        made = comment(f"m{number}", now, text, author=USERNAME, link=link, parent=parent_name)
        reddit.world.append(made)
    return 200, {"json": {"errors": [], "data": {"things": [made]}}}


def _compose(reddit: Reddit, params: dict[str, str]) -> Answer:
    to = params.get("to", "")
    if to not in reddit.users:
        return 200, _errors(["USER_DOESNT_EXIST", "that user doesn't exist", "to"])
    number = len(reddit.sent) + 1
    reddit.sent.append(
        message(
            f"4s{number}",
            time.time(),
            params.get("text", ""),
            author=USERNAME,
            dest=to,
            subject=params.get("subject", ""),
        )
    )
    return 200, {"json": {"errors": [], "data": {}}}


def _moderate(reddit: Reddit, path: str, params: dict[str, str]) -> Answer:
    if path == "/api/block_user":
        reddit.blocked.add(params["name"])
    elif path == "/r/all/api/unfriend":
        reddit.blocked.discard(params["name"])
    elif path == "/api/report":
        reddit.reports.append(params)
        return 200, _errors()
    elif not reddit.moderator:
        return 403, {"message": "Forbidden", "error": 403}
    elif path == "/api/remove":
        reddit.removed.add(params["id"])
    else:
        reddit.removed.discard(params["id"])
    return 200, {}


def _post(reddit: Reddit, path: str, params: dict[str, str]) -> Answer:
    if path == "/api/comment":
        return _comment(reddit, params)
    if path == "/api/compose":
        return _compose(reddit, params)
    return _moderate(reddit, path, params)


def _token(reddit: Reddit, authorization: str, params: dict[str, str]) -> Answer:
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    if authorization != f"Basic {expected}":
        return 401, {"message": "Unauthorized", "error": 401}
    reddit.tokens.append(params)
    if params.get("grant_type") != "password":
        return 200, {"error": "unsupported_grant_type"}
    if (params.get("username"), params.get("password")) != (USERNAME, PASSWORD):
        return 200, {"error": "invalid_grant"}
    return 200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86400, "scope": "*"}


def _handler(reddit: Reddit) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _rate(self) -> dict[str, str]:
            reddit.remaining = max(0, reddit.remaining - 1)
            used = 1000 - reddit.remaining
            return {
                "x-ratelimit-remaining": f"{reddit.remaining}.0",
                "x-ratelimit-used": str(used),
                "x-ratelimit-reset": str(reddit.reset),
            }

        def _params(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            query = urlsplit(self.path).query
            return {k: v[-1] for k, v in parse_qs(f"{query}&{body}").items()}

        def _serve(
            self, method: str, route: Callable[[Reddit, str, dict[str, str]], Answer]
        ) -> None:
            path, params = urlsplit(self.path).path.rstrip("/"), self._params()
            with reddit.lock:
                if path == "/api/v1/access_token":
                    return self._send(
                        *_token(reddit, self.headers.get("Authorization", ""), params)
                    )
                if self.headers.get("Authorization") != f"bearer {TOKEN}":
                    challenge = 'Bearer realm="reddit", error="invalid_token"'
                    return self._send(
                        401,
                        {"message": "Unauthorized", "error": 401},
                        {"www-authenticate": challenge},
                    )
                reddit.requests.append(Request(method, path, params))
                if reddit.failures:
                    failure = reddit.failures.pop(0)
                    return self._send(failure.status, failure.body, failure.headers)
                try:
                    status, body = route(reddit, path, params)
                except LookupError:
                    status, body = 404, {"message": "Not Found", "error": 404}
                self._send(status, body, self._rate())

        def do_GET(self) -> None:
            self._serve("GET", _get)

        def do_POST(self) -> None:
            self._serve("POST", _post)

    return Handler


@contextmanager
def running() -> Iterator[Reddit]:
    reddit = Reddit()
    with serving(_handler(reddit)) as root:
        reddit.base_url = root
        yield reddit
