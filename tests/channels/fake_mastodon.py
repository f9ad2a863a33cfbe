"""A local Mastodon server for tests: it speaks the documented wire format of the endpoints
Vastaa uses (POST /api/v1/statuses with Bearer auth, Idempotency-Key, the X-RateLimit-* headers,
429 and 422 error bodies) and records what was posted. Failures are scripted per test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "test-token-123"


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

        def _params(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if "json" in (self.headers.get("Content-Type") or ""):
                return dict(json.loads(raw or "{}"))
            return {key: values[-1] for key, values in parse_qs(raw).items()}

        def do_POST(self) -> None:
            with instance.lock:
                instance.requests += 1
                params = self._params()
                if self.path != "/api/v1/statuses":
                    return self._send(404, {"error": "Record not found"})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, {"error": "The access token is invalid"})
                if instance.failures:
                    failure = instance.failures.pop(0)
                    return self._send(failure.status, failure.body, failure.headers)
                if len(params.get("status", "")) > 500:
                    return self._send(
                        422, {"error": "Validation failed: Text character limit of 500 exceeded"}
                    )
                key = self.headers.get("Idempotency-Key")
                if key and key in instance.by_key:
                    return self._send(200, instance.by_key[key])
                status = _status(instance, params)
                instance.posted.append(status)
                if key:
                    instance.by_key[key] = status
                self._send(200, status)

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
