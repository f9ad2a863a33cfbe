"""A local Mastodon server for tests: it speaks the documented wire format of the endpoints
Vastaa uses and records what was done. Every endpoint takes Bearer auth (401 otherwise), answers
a scripted failure first (``fail_next``, ``rate_limit_next``: 429 with the X-RateLimit-* headers)
and sends Mastodon's error bodies (``{"error": ...}``):

- POST /api/v1/statuses: posts (Idempotency-Key honoured, 422 over 500 characters);
- POST /api/v1/accounts/:id/block and /unblock: a Relationship, 404 for an unknown account;
- GET /api/v1/accounts/lookup?acct=: an Account, 404 for an unknown one;
- POST /api/v1/reports: a Report on a known account and statuses of it (404 otherwise);
- GET /api/v1/accounts/verify_credentials: our account (id ``1``, ``kide``);
- GET /api/v1/notifications: Notifications, filtered by ``types[]`` / ``exclude_types[]``;
- GET /api/v1/timelines/tag/:hashtag: the public statuses with that hashtag (404 for a
  hashtag the server has never seen, as documented);
- GET /api/v2/search?type=statuses&q=: a Search whose statuses contain the words, newest
  first, ``min_id`` / ``max_id`` only bounding them (as Mastodon's search does);
- GET /api/v1/instance and /api/v2/instance: public, never a scripted failure (Mastodon.py
  asks for them once, for the server's version).

The lists page as Mastodon does: newest first, ``limit``, ``max_id`` (older than),
``since_id`` (newer than, the newest page), ``min_id`` (the page immediately newer), and a
``Link`` header with ``rel="next"`` (``max_id``) and ``rel="prev"`` (``min_id``). Every
answer carries X-RateLimit-Limit, X-RateLimit-Remaining (``remaining``) and X-RateLimit-Reset.
Items are stored as given, so a test can put a malformed one in a page.

Accounts and their statuses are registered per test with ``add_account``; what is read with
``add_notification`` and ``add_status``."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.channels.local_server import serving

TOKEN = "test-token-123"
NOT_FOUND = {"error": "Record not found"}
CATEGORIES = ("spam", "violation", "other")
ME = "1"  # our account's id
VERSION = "4.3.0"


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""  # only a request whose path starts with it; "" for any


@dataclass
class Instance:
    base_url: str = ""
    posted: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # Account JSON by id
    statuses: dict[str, str] = field(default_factory=dict)  # another account's status → its id
    blocked: set[str] = field(default_factory=set)  # the ids of the accounts we block
    reports: list[dict[str, Any]] = field(default_factory=list)  # Report JSON, as answered
    failures: list[Scripted] = field(default_factory=list)
    requests: int = 0
    notifications: list[dict[str, Any]] = field(default_factory=list)  # Notification JSON
    public: list[dict[str, Any]] = field(default_factory=list)  # Status JSON, for tags, search
    remaining: int = 299  # what X-RateLimit-Remaining says on a success
    reads: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # GET path, params
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, error: str = "", path: str = "", **headers: str) -> None:
        """The next request (to a path starting with ``path``) gets this answer."""
        body = {"error": error} if error else {}
        self.failures.append(Scripted(status, body, headers, path))

    def rate_limit_next(self, seconds: int, path: str = "") -> None:
        reset = datetime.now(UTC) + timedelta(seconds=seconds)
        self.fail_next(
            429,
            "Too many requests",
            path,
            **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset.isoformat()},
        )

    def failure_for(self, path: str) -> Scripted | None:
        for failure in self.failures:
            if path.startswith(failure.path):
                self.failures.remove(failure)
                return failure
        return None

    def add_notification(self, notification: dict[str, Any]) -> None:
        self.notifications.append(notification)

    def add_status(self, status: dict[str, Any]) -> None:
        """A status the server shows in hashtag timelines and finds in searches."""
        self.public.append(status)

    def add_account(
        self, account_id: str, acct: str, *, statuses: Iterable[str] = ()
    ) -> dict[str, Any]:
        """Make an account known to the server (``acct`` is ``user@domain`` for a remote one),
        with the ids of statuses it wrote, which a report may name."""
        account = _account(self, account_id, acct)
        self.accounts[account_id] = account
        self.statuses.update(dict.fromkeys(statuses, account_id))
        return account


@dataclass(frozen=True)
class Call:
    """One request as a route sees it."""

    params: dict[str, Any]
    path_args: tuple[str, ...]
    idempotency_key: str | None
    path: str = ""


Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Route = Callable[[Instance, Call], Answer]


def _account(instance: Instance, account_id: str, acct: str) -> dict[str, Any]:
    username, _, domain = acct.partition("@")
    url = f"https://{domain}/@{username}" if domain else f"{instance.base_url}/@{username}"
    return {
        "id": account_id,
        "username": username,
        "acct": acct,
        "display_name": username,
        "url": url,
        "uri": url,
        "locked": False,
        "bot": False,
        "group": False,
        "created_at": "2024-01-01T00:00:00.000Z",
        "note": "",
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "emojis": [],
        "fields": [],
    }


def _relationship(instance: Instance, account_id: str) -> dict[str, Any]:
    flags = ("following", "showing_reblogs", "notifying", "followed_by", "blocked_by", "muting")
    more = ("muting_notifications", "requested", "requested_by", "domain_blocking", "endorsed")
    return {
        "id": account_id,
        **dict.fromkeys(flags + more, False),
        "blocking": account_id in instance.blocked,
        "languages": None,
        "note": "",
    }


def _status(instance: Instance, params: dict[str, Any]) -> dict[str, Any]:
    number = len(instance.posted) + 1
    status_id = str(110000000000000000 + number)
    now = datetime.now(UTC).isoformat()
    return {
        "id": status_id,
        "uri": f"{instance.base_url}/users/kide/statuses/{status_id}",
        "url": f"{instance.base_url}/@kide/{status_id}",
        "created_at": now,
        "content": f"<p>{params.get('status', '')}</p>",
        "text": params.get("status", ""),
        "visibility": params.get("visibility") or "public",
        "in_reply_to_id": params.get("in_reply_to_id"),
        "language": params.get("language"),
        "sensitive": False,
        "spoiler_text": "",
        "account": {"id": "1", "username": "kide", "acct": "kide", "display_name": "Kide"},
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
    }


def _post_status(instance: Instance, call: Call) -> Answer:
    if len(call.params.get("status", "")) > 500:
        return 422, {"error": "Validation failed: Text character limit of 500 exceeded"}
    key = call.idempotency_key
    if key and key in instance.by_key:
        return 200, instance.by_key[key]
    status = _status(instance, call.params)
    instance.posted.append(status)
    if key:
        instance.by_key[key] = status
    return 200, status


def _block(instance: Instance, call: Call) -> Answer:
    account_id, verb = call.path_args
    if account_id not in instance.accounts:
        return 404, NOT_FOUND
    if verb == "block":
        instance.blocked.add(account_id)  # blocking a blocked account is no error
    else:
        instance.blocked.discard(account_id)
    return 200, _relationship(instance, account_id)


def _lookup(instance: Instance, call: Call) -> Answer:
    acct = str(call.params.get("acct", "")).removeprefix("@").casefold()
    for account in instance.accounts.values():
        if account["acct"].casefold() == acct:
            return 200, account
    return 404, NOT_FOUND


def _report(instance: Instance, call: Call) -> Answer:
    account = instance.accounts.get(str(call.params.get("account_id", "")))
    status_ids = [str(value) for value in _listed(call.params.get("status_ids"))]
    if account is None or any(instance.statuses.get(s) != account["id"] for s in status_ids):
        return 404, NOT_FOUND
    category = call.params.get("category") or "other"
    if category not in CATEGORIES:
        return 422, {"error": f"Validation failed: Category '{category}' is not a valid category"}
    report = {
        "id": str(len(instance.reports) + 1),
        "action_taken": False,
        "action_taken_at": None,
        "category": category,
        "comment": call.params.get("comment") or "",
        "forwarded": _flag(call.params.get("forward")),
        "created_at": datetime.now(UTC).isoformat(),
        "status_ids": status_ids or None,
        "rule_ids": [str(value) for value in _listed(call.params.get("rule_ids"))] or None,
        "target_account": account,
    }
    instance.reports.append(report)
    return 200, report


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _flag(value: Any) -> bool:
    """A boolean as form encoding (``1``, ``true``) or JSON sends it."""
    return value is True or str(value).lower() in ("1", "true")


def _credentials(instance: Instance, call: Call) -> Answer:
    account = _account(instance, ME, "kide")
    account["source"] = {"privacy": "public", "sensitive": False, "language": "fi", "note": ""}
    return 200, account


def _instance(instance: Instance, call: Call) -> Answer:
    feeds = {"local": "public", "remote": "public"}
    access = dict.fromkeys(("live_feeds", "hashtag_feeds", "trending_link_feeds"), feeds)
    return 200, {
        "uri": "127.0.0.1",
        "domain": "127.0.0.1",
        "title": "Fake Mastodon",
        "version": VERSION,
        "api_versions": {"mastodon": 2},
        "configuration": {"timelines_access": access},
    }


def _number(value: Any) -> int:
    return int(str(value))


def _page(items: list[dict[str, Any]], params: dict[str, Any], most: int) -> list[dict[str, Any]]:
    """Mastodon's id pagination: newest first; ``min_id`` gives the page just above it."""
    newest_first = sorted(items, key=lambda item: _number(item["id"]), reverse=True)
    limit = min(int(params.get("limit") or most // 2), most)
    if params.get("max_id"):
        newest_first = [i for i in newest_first if _number(i["id"]) < _number(params["max_id"])]
    if params.get("since_id"):
        newest_first = [i for i in newest_first if _number(i["id"]) > _number(params["since_id"])]
    if params.get("min_id"):
        newer = [i for i in newest_first if _number(i["id"]) > _number(params["min_id"])]
        return newer[-limit:]
    return newest_first[:limit]


def _link(instance: Instance, call: Call, page: list[dict[str, Any]]) -> dict[str, str]:
    """The Link header: ``next`` pages down from the oldest, ``prev`` up from the newest."""
    if not page:
        return {}
    kept = {k: v for k, v in call.params.items() if k not in ("max_id", "min_id", "since_id")}
    query = {(f"{k}[]" if isinstance(v, list) else k): v for k, v in kept.items()}

    def url(**bound: str) -> str:
        return f"{instance.base_url}{call.path}?{urlencode({**query, **bound}, doseq=True)}"

    next_url, prev_url = url(max_id=page[-1]["id"]), url(min_id=page[0]["id"])
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}


def _notifications(instance: Instance, call: Call) -> Answer:
    types = set(_listed(call.params.get("types")))
    excluded = set(_listed(call.params.get("exclude_types")))
    chosen = [
        n
        for n in instance.notifications
        if (not types or n.get("type") in types) and n.get("type") not in excluded
    ]
    page = _page(chosen, call.params, 80)
    return 200, page, _link(instance, call, page)


def _tagged(status: dict[str, Any], name: str) -> bool:
    tags = status.get("tags")
    return isinstance(tags, list) and any(
        str(tag.get("name", "")).casefold() == name.casefold() for tag in tags
    )


def _hashtag(instance: Instance, call: Call) -> Answer:
    (name,) = call.path_args
    tagged = [status for status in instance.public if _tagged(status, name)]
    if not tagged:
        return 404, NOT_FOUND
    page = _page(tagged, call.params, 40)
    return 200, page, _link(instance, call, page)


def _words(html: Any) -> str:
    return re.sub(r"<[^>]+>", "", str(html)).casefold()


def _search(instance: Instance, call: Call) -> Answer:
    query = str(call.params.get("q", "")).replace('"', "").casefold()
    if not query:
        return 400, {"error": "Validation failed: q is missing"}
    found = [s for s in instance.public if query in _words(s.get("content"))]
    bounded = {k: v for k, v in call.params.items() if k != "min_id"}
    newest_first = _page(found, bounded, 40)
    if call.params.get("min_id"):
        newest_first = [
            s for s in newest_first if _number(s["id"]) > _number(call.params["min_id"])
        ]
    statuses = newest_first if call.params.get("type") in (None, "statuses") else []
    return 200, {"accounts": [], "statuses": statuses, "hashtags": []}


POST_ROUTES: list[tuple[re.Pattern[str], Route]] = [
    (re.compile(r"/api/v1/statuses"), _post_status),
    (re.compile(r"/api/v1/accounts/([^/]+)/(block|unblock)"), _block),
    (re.compile(r"/api/v1/reports/?"), _report),
]
GET_ROUTES: list[tuple[re.Pattern[str], Route]] = [
    (re.compile(r"/api/v1/accounts/lookup"), _lookup),
    (re.compile(r"/api/v1/accounts/verify_credentials"), _credentials),
    (re.compile(r"/api/v1/notifications"), _notifications),
    (re.compile(r"/api/v1/timelines/tag/([^/]+)"), _hashtag),
    (re.compile(r"/api/v2/search"), _search),
    (re.compile(r"/api/v[12]/instance/?"), _instance),
]
PUBLIC = re.compile(r"/api/v[12]/instance/?")


def _route(routes: list[tuple[re.Pattern[str], Route]], path: str) -> tuple[Route, Any] | None:
    for pattern, route in routes:
        match = pattern.fullmatch(path)
        if match:
            return route, match.groups()
    return None


def _form(raw: str) -> dict[str, Any]:
    """Form fields as Mastodon.py sends them: ``name[]`` repeated for a list."""
    fields: dict[str, Any] = {}
    for key, values in parse_qs(raw).items():
        if key.endswith("[]"):
            fields[key.removesuffix("[]")] = values
        else:
            fields[key] = values[-1]
    return fields


def _handler(instance: Instance) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            # send_response has sent the Date header: Mastodon.py sets the reset time by it
            reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
            rates = {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": str(instance.remaining),
                "X-RateLimit-Reset": reset,
            }
            for name, value in {**rates, **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if "json" in (self.headers.get("Content-Type") or ""):
                return dict(json.loads(raw or "{}"))
            return _form(raw)

        def _serve(self, routes: list[tuple[re.Pattern[str], Route]], params: Any) -> None:
            path = urlsplit(self.path).path
            found = _route(routes, path)
            if found is None:
                return self._send(404, NOT_FOUND)
            route, path_args = found
            call = Call(params, path_args, self.headers.get("Idempotency-Key"), path)
            if PUBLIC.fullmatch(path):
                return self._send(*route(instance, call))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"error": "The access token is invalid"})
            failure = instance.failure_for(path)
            if failure is not None:
                return self._send(failure.status, failure.body, failure.headers)
            if self.command == "GET":
                instance.reads.append((path, params))
            self._send(*route(instance, call))

        def do_POST(self) -> None:
            with instance.lock:
                instance.requests += 1
                self._serve(POST_ROUTES, self._body())

        def do_GET(self) -> None:
            with instance.lock:
                instance.requests += 1
                self._serve(GET_ROUTES, _form(urlsplit(self.path).query))

    return Handler


@contextmanager
def running() -> Iterator[Instance]:
    instance = Instance()
    with serving(_handler(instance)) as root:
        instance.base_url = root
        yield instance
