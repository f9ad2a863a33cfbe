"""A local Mastodon server for tests: it speaks the documented wire format of the endpoints
Vastaa uses and records what was done. Every endpoint takes Bearer auth (401 otherwise), answers
a scripted failure first (``fail_next``, ``rate_limit_next``: 429 with the X-RateLimit-* headers)
and sends Mastodon's error bodies (``{"error": ...}``):

- POST /api/v1/statuses: posts (Idempotency-Key honoured, 422 over 500 characters);
- POST /api/v1/accounts/:id/block and /unblock: a Relationship, 404 for an unknown account;
- GET /api/v1/accounts/lookup?acct=: an Account, 404 for an unknown one;
- POST /api/v1/reports: a Report on a known account and statuses of it (404 otherwise).

Accounts and their statuses are registered per test with ``add_account``."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "test-token-123"
NOT_FOUND = {"error": "Record not found"}
CATEGORIES = ("spam", "violation", "other")


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


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
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, error: str = "", **headers: str) -> None:
        self.failures.append(Scripted(status, {"error": error} if error else {}, headers))

    def rate_limit_next(self, seconds: int) -> None:
        reset = datetime.now(UTC) + timedelta(seconds=seconds)
        self.fail_next(
            429,
            "Too many requests",
            **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset.isoformat()},
        )

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


Answer = tuple[int, Any]
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


POST_ROUTES: list[tuple[re.Pattern[str], Route]] = [
    (re.compile(r"/api/v1/statuses"), _post_status),
    (re.compile(r"/api/v1/accounts/([^/]+)/(block|unblock)"), _block),
    (re.compile(r"/api/v1/reports/?"), _report),
]
GET_ROUTES: list[tuple[re.Pattern[str], Route]] = [
    (re.compile(r"/api/v1/accounts/lookup"), _lookup),
]


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
            self.send_header("Date", format_datetime(datetime.now(UTC), usegmt=True))
            for name, value in {"X-RateLimit-Limit": "300", **(headers or {})}.items():
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
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"error": "The access token is invalid"})
            if instance.failures:
                failure = instance.failures.pop(0)
                return self._send(failure.status, failure.body, failure.headers)
            route, path_args = found
            call = Call(params, path_args, self.headers.get("Idempotency-Key"))
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
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(instance))
    instance.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield instance
    finally:
        server.shutdown()
        server.server_close()
