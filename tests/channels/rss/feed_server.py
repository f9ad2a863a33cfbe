"""A local web server that serves feed files the way real feed hosts do (RFC 9110):

- GET of a published path answers the file with its Content-Type, an ``ETag`` (a quoted hash of
  the bytes) and ``Last-Modified`` (when it was published), each of which can be switched off;
- conditional GET: ``If-None-Match`` naming the current ETag, or (when no If-None-Match was
  sent) ``If-Modified-Since`` not older than Last-Modified → 304 Not Modified, no body;
- redirects (``redirect``: 301/302/307/308 with a Location);
- scripted failures, answered before anything else (``fail_next``: 429 with Retry-After, 5xx,
  4xx), and a slow answer (``slow_next``) for time-outs;
- every request is recorded with its headers, so tests can see what the client sent.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.channels.local_server import serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rss"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Document:
    body: bytes
    content_type: str
    modified: datetime
    etag: bool = True
    last_modified: bool = True

    @property
    def tag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Scripted:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]


@dataclass
class FeedHost:
    base_url: str = ""
    documents: dict[str, Document] = field(default_factory=dict)
    redirects: dict[str, tuple[int, str]] = field(default_factory=dict)
    failures: list[Scripted] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: datetime = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)

    def url(self, path: str) -> str:
        return self.base_url + path

    def publish(
        self,
        path: str,
        body: bytes | str,
        content_type: str = RSS,
        *,
        etag: bool = True,
        last_modified: bool = True,
    ) -> str:
        """Serve ``body`` (bytes, or a fixture's file name) at ``path``; each publication is
        an hour later than the previous one. Answers the document's full URL."""
        data = fixture(body) if isinstance(body, str) else body
        self.clock += timedelta(hours=1)
        self.documents[path] = Document(data, content_type, self.clock, etag, last_modified)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        self.redirects[path] = (status, to)

    def fail_next(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.failures.append(Scripted(status, _header_names(headers), body))

    def slow_next(self, seconds: float) -> None:
        """The next answer waits ``seconds`` before its headers are sent."""
        self.failures.append(Scripted(0, {}, b"", delay=seconds))


def _header_names(headers: dict[str, str]) -> dict[str, str]:
    """``Retry_After`` → ``Retry-After``: header names as Python keywords."""
    return {name.replace("_", "-"): value for name, value in headers.items()}


def _not_modified(document: Document, headers: Any) -> bool:
    """RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it."""
    tags = headers.get("If-None-Match")
    if tags is not None:
        listed = {tag.strip() for tag in tags.split(",")}
        return document.etag and (document.tag in listed or "*" in listed)
    since = headers.get("If-Modified-Since")
    if since is None or not document.last_modified:
        return False
    try:
        return document.modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _handler(host: FeedHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def handle(self) -> None:
            with suppress(ConnectionError):  # the client gave up (a time-out, the size cap)
                super().handle()

        def _send(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Date", format_datetime(datetime.now(UTC), usegmt=True))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def _scripted(self) -> bool:
            if not host.failures:
                return False
            scripted = host.failures.pop(0)
            if scripted.delay:
                time.sleep(scripted.delay)
                return False
            self._send(scripted.status, scripted.body, scripted.headers)
            return True

        def _document(self, path: str) -> None:
            document = host.documents.get(path)
            if document is None:
                return self._send(404, b"Not Found", {"Content-Type": "text/plain"})
            headers = {"Content-Type": document.content_type}
            if document.etag:
                headers["ETag"] = document.tag
            if document.last_modified:
                headers["Last-Modified"] = format_datetime(document.modified, usegmt=True)
            if _not_modified(document, self.headers):
                return self._send(
                    304, headers={k: v for k, v in headers.items() if k != "Content-Type"}
                )
            self._send(200, document.body, headers)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            with host.lock:
                host.requests.append(Seen(self.path, dict(self.headers.items())))
            if self._scripted():
                return
            if path in host.redirects:
                status, to = host.redirects[path]
                return self._send(status, b"", {"Location": to})
            self._document(path)

    return Handler


@contextmanager
def running() -> Iterator[FeedHost]:
    host = FeedHost()
    with serving(_handler(host)) as root:
        host.base_url = root
        yield host
