"""A local X API v2 for tests: it speaks the documented wire format of the calls Vastaa makes
and records what was done. Every call takes Bearer auth (401 problem body otherwise), carries
the x-rate-limit-limit/-remaining/-reset headers, and answers a scripted failure first
(``fail_next``, ``rate_limit_next``: 429 with the rate headers):

- GET /2/users/me: our user;
- GET /2/users/:id/mentions: tweets that mention us or reply to us, newest first, ``since_id``,
  ``max_results`` and ``pagination_token``, ``meta.newest_id``/``oldest_id``/``next_token``;
- GET /2/tweets/search/recent: tweets with any of the query's words, "phrases" or #hashtags
  (case-insensitive), ``since_id`` and ``next_token`` (400 for a ``since_id`` older than
  ``oldest_searchable``, and for a query whose parentheses or quotes do not balance);
- GET /2/users/:id/tweets: our tweets, newest first;
- POST /2/tweets: a reply by us (201; its text starts with the @handle answered and has &, <
  and > as entities, as X stores it);
- PUT /2/tweets/:id/hidden: hides a reply in a conversation we started (403 otherwise).

Tweets are added per test from pages in the documented shape (``add_page``, usually a fixture);
the latest version of an edited tweet replaces the earlier one in the timelines."""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.local_server import serving

TOKEN = "x-user-token-secret-123"
OUR_ID = "1500000000000000001"
OUR_USER = {"id": OUR_ID, "name": "Kide", "username": "kide", "verified": True}
FIXTURES = Path(__file__).parents[2] / "fixtures" / "x"
EPOCH_MS = 1288834974657


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"{name}.json").read_text()))


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": "about:blank", "status": status}


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class X:
    base_url: str = ""
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id, latest versions
    users: dict[str, dict[str, Any]] = field(default_factory=lambda: {OUR_ID: dict(OUR_USER)})
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    posted: list[dict[str, Any]] = field(default_factory=list)
    remaining: int = 450
    page_size: int | None = None
    oldest_searchable: str | None = None
    failures: list[Scripted] = field(default_factory=list)
    calls: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_page(self, page: dict[str, Any]) -> None:
        """The tweets, users and media of a page in the documented shape."""
        for tweet in page.get("data", []):
            history = tweet.get("edit_history_tweet_ids") or [tweet["id"]]
            for earlier in history[:-1]:
                self.tweets.pop(earlier, None)  # the timeline shows the latest version
            self.tweets[tweet["id"]] = copy.deepcopy(tweet)
        includes = page.get("includes", {})
        self.users.update({u["id"]: u for u in includes.get("users", [])})
        self.media.update({m["media_key"]: m for m in includes.get("media", [])})

    def add_tweet(self, tweet_id: str, text: str, author: str = "1200000000000000002") -> None:
        base = {"conversation_id": tweet_id, "lang": "en", "edit_history_tweet_ids": [tweet_id]}
        created = time.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(((int(tweet_id) >> 22) + EPOCH_MS) / 1000)
        )
        self.tweets[tweet_id] = {
            **base,
            "id": tweet_id,
            "text": text,
            "author_id": author,
            "created_at": created,
        }

    def fail_next(self, status: int, body: dict[str, Any], **headers: str) -> None:
        self.failures.append(Scripted(status, body, headers))

    def rate_limit_next(self, seconds: int) -> None:
        reset = str(int(time.time()) + seconds)
        self.fail_next(
            429,
            fixture("error__too_many_requests"),
            **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset},
        )

    def paths(self) -> list[str]:
        return [f"{method} {path}" for method, path, _ in self.calls]


def _newest_first(tweets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(tweets, key=lambda t: int(t["id"]), reverse=True)


def _timeline(
    x: X, tweets: list[dict[str, Any]], params: dict[str, str], token_name: str
) -> dict[str, Any]:
    since = int(params.get("since_id") or 0)
    chosen = [t for t in _newest_first(tweets) if int(t["id"]) > since]
    size = x.page_size or int(params.get("max_results", "10"))
    start = int(params.get(token_name) or 0)
    page = chosen[start : start + size]
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
    if start + size < len(chosen):
        meta["next_token"] = str(start + size)
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = copy.deepcopy(page)
        body["includes"] = _includes(x, page)
    return body


def _includes(x: X, tweets: list[dict[str, Any]]) -> dict[str, Any]:
    authors = dict.fromkeys(t.get("author_id") for t in tweets if t.get("author_id"))
    keys = [k for t in tweets for k in t.get("attachments", {}).get("media_keys", [])]
    includes: dict[str, Any] = {"users": [x.users[a] for a in authors if a in x.users]}
    media = [x.media[k] for k in keys if k in x.media]
    if media:
        includes["media"] = media
    return includes


def _mentions(x: X, params: dict[str, str], user_id: str) -> tuple[int, Any]:
    if user_id != OUR_ID:
        return 400, problem(400, "Invalid Request", "Mentions of another user")
    ours = [
        t
        for t in x.tweets.values()
        if t.get("author_id") != OUR_ID
        and ("@kide" in t["text"].lower() or t.get("in_reply_to_user_id") == OUR_ID)
    ]
    return 200, _timeline(x, ours, params, "pagination_token")


def _terms(query: str) -> list[str]:
    query = query.replace(" -is:retweet", "").strip("()")
    return [term.strip('"').lower() for term in re.split(r" OR ", query)]


def _balanced(query: str) -> bool:
    """X's query syntax: quotes in pairs, parentheses (outside quotes) too."""
    unquoted = query.split('"')[::2]
    depth = 0
    for char in "".join(unquoted):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0 and query.count('"') % 2 == 0


def _search(x: X, params: dict[str, str]) -> tuple[int, Any]:
    if not _balanced(params.get("query", "")):
        return 400, fixture("error__invalid_query")
    since = params.get("since_id")
    if since and x.oldest_searchable and int(since) < int(x.oldest_searchable):
        return 400, fixture("error__invalid_since_id")
    terms = _terms(params.get("query", ""))
    hits = [t for t in x.tweets.values() if any(term in t["text"].lower() for term in terms)]
    return 200, _timeline(x, hits, params, "next_token")


def _our_tweets(x: X, params: dict[str, str], user_id: str) -> tuple[int, Any]:
    ours = [t for t in x.tweets.values() if t.get("author_id") == user_id]
    return 200, _timeline(x, ours, params, "pagination_token")


def _post(x: X, body: dict[str, Any]) -> tuple[int, Any]:
    parent_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    parent = x.tweets.get(str(parent_id))
    if parent_id and parent is None:
        return 400, problem(400, "Invalid Request", "The post you are replying to was deleted.")
    tweet_id = str(max([int(i) for i in x.tweets] + [1896900000000000000]) + (1 << 22))
    text = str(body.get("text", "")).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    tweet: dict[str, Any] = {"id": tweet_id, "author_id": OUR_ID, "lang": "en"}
    if parent is not None:
        handle = x.users.get(parent["author_id"], {}).get("username", "")
        text = f"@{handle} {text}"
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
        tweet["in_reply_to_user_id"] = parent["author_id"]
        tweet["conversation_id"] = parent.get("conversation_id", parent["id"])
    x.add_tweet(tweet_id, text, OUR_ID)
    x.tweets[tweet_id].update(tweet)
    x.posted.append(x.tweets[tweet_id])
    return 201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}


def _hide(x: X, tweet_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    tweet = x.tweets.get(tweet_id)
    if tweet is None:
        return 404, problem(404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}].")
    root = x.tweets.get(str(tweet.get("conversation_id")), {})
    if root.get("author_id") != OUR_ID or tweet_id == root.get("id"):
        return 403, fixture("error__hidden_not_ours")
    if body.get("hidden"):
        x.hidden.add(tweet_id)
    else:
        x.hidden.discard(tweet_id)
    return 200, {"data": {"hidden": bool(body.get("hidden"))}}


def _route(x: X, method: str, path: str, params: dict[str, str], body: Any) -> tuple[int, Any]:
    if (method, path) == ("GET", "/2/users/me"):
        return 200, {"data": {k: OUR_USER[k] for k in ("id", "name", "username")}}
    if (method, path) == ("GET", "/2/tweets/search/recent"):
        return _search(x, params)
    if (method, path) == ("POST", "/2/tweets"):
        return _post(x, body)
    if match := re.fullmatch(r"/2/users/(\d+)/(mentions|tweets)", path):
        user_id, which = match.groups()
        return (_mentions if which == "mentions" else _our_tweets)(x, params, user_id)
    if (match := re.fullmatch(r"/2/tweets/(\d+)/hidden", path)) and method == "PUT":
        return _hide(x, match.group(1), body)
    return 404, {"errors": [{"message": "The requested resource could not be found."}]}


def _handler(x: X) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            rate = {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": str(x.remaining),
                "x-rate-limit-reset": str(int(time.time()) + 900),
            }
            for name, value in {**rate, **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            with x.lock:
                x.calls.append((method, url.path, params))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, fixture("error__unauthorized"))
                if x.failures:
                    failure = x.failures.pop(0)
                    return self._send(failure.status, failure.body, failure.headers)
                self._send(*_route(x, method, url.path, params, body))

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

    return Handler


@contextmanager
def running() -> Iterator[X]:
    x = X()
    with serving(_handler(x)) as root:
        x.base_url = root
        yield x
