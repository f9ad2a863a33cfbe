"""Fetching a feed over HTTP with httpx: conditional GET, redirects, a size cap, a time limit.

``FeedClient.fetch`` sends the ETag and Last-Modified of the previous answer (If-None-Match,
If-Modified-Since) and answers ``None`` on 304 Not Modified. Redirects are followed by hand, at
most five, each to an https:// address (http:// only on the loopback interface, for tests; a
remote feed cannot send the reader to this machine); a permanent one (301, 308) is reported so
a person can update the channel. The body is read in chunks and refused past ``max_bytes``
(after decompression); the whole fetch must end within ``timeout`` seconds.

Errors, in Vastaa's tree: 429 (and 503 with Retry-After) → ``RateLimited`` with the seconds
asked for; other 5xx, time-outs and network errors → ``RetryableError``; 401, 403, 404, 410 and
other 4xx → ``Rejected``. The feed's address may carry a secret (a private feed token, an alert
id): messages name only its host.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import urlsplit

import httpx

from vastaa.channels.base import RateLimited, Rejected
from vastaa.errors import PermanentError, RetryableError

TIMEOUT_SECONDS = 15.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
USER_AGENT = "Vastaa feed reader (+https://github.com/vastaa)"
REFUSED = {
    401: "the feed server asks for a sign-in (HTTP 401); Vastaa reads public feeds only",
    403: "the feed server refused access (HTTP 403)",
    404: "there is no feed at that address (HTTP 404)",
    410: "the feed was removed (HTTP 410 Gone)",
}


@dataclass(frozen=True)
class Page:
    """A feed as fetched: its bytes and what the next conditional GET sends back."""

    body: bytes
    url: str  # after redirects: relative links are resolved against it
    content_type: str | None
    etag: str | None
    last_modified: str | None
    moved_to: str | None = None  # where a permanent redirect points


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification (certifi's CA bundle), built once, not on every fetch:
    loading the bundle costs more than fetching a small feed."""
    return httpx.create_ssl_context()


def allowed(url: str) -> bool:
    """https://, or http:// on this machine (the tests' local server)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and local(url))


def local(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK


def public(url: str) -> str:
    """An address fit for a message: scheme, host and path, never the query (it may hold a
    token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


class FeedClient:
    def __init__(
        self,
        url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
        max_bytes: int = MAX_BYTES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.url = url
        self.host = urlsplit(url).hostname or "the feed server"
        self.transport = transport
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.clock = clock

    def fetch(self, etag: str | None = None, last_modified: str | None = None) -> Page | None:
        """The feed, or ``None`` when the server says it has not changed (304)."""
        headers = {"Accept": ACCEPT, "User-Agent": USER_AGENT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.timeout
        try:
            with httpx.Client(
                transport=self.transport,
                timeout=self.timeout,
                follow_redirects=False,
                verify=_tls(),
            ) as client:
                return self._follow(client, headers, deadline)
        except httpx.InvalidURL as error:
            raise PermanentError(f"rss: the feed's address is not valid ({error})") from error
        except httpx.TimeoutException as error:
            raise RetryableError(
                f"rss: {self.host} did not answer within {self.timeout:g} s"
            ) from error
        except httpx.HTTPError as error:  # network errors; the message names no address
            raise RetryableError(
                f"rss: could not fetch the feed from {self.host} ({type(error).__name__})"
            ) from error

    def _follow(
        self, client: httpx.Client, headers: dict[str, str], deadline: float
    ) -> Page | None:
        url, moved_to, permanent = self.url, None, True
        for _ in range(MAX_REDIRECTS + 1):
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code not in REDIRECTS:
                    return self._answer(response, deadline, moved_to if permanent else None)
                url = self._next(response)
                permanent = permanent and response.status_code in PERMANENT
                moved_to = url
        raise PermanentError(f"rss: {self.host} redirected more than {MAX_REDIRECTS} times")

    def _next(self, response: httpx.Response) -> str:
        location = response.headers.get("Location")
        if not location:
            raise PermanentError(f"rss: {self.host} redirected without saying where")
        target = str(response.url.join(location))
        if not allowed(target) or (local(target) and not local(self.url)):
            raise PermanentError(
                f"rss: the feed redirects to {public(target)}, which Vastaa does not follow "
                "(https:// only, never to this machine)"
            )
        return target

    def _answer(
        self, response: httpx.Response, deadline: float, moved_to: str | None
    ) -> Page | None:
        status = response.status_code
        if status == 304:
            return None
        if not 200 <= status < 300:
            raise self._refusal(response)
        body = self._body(response, deadline)
        return Page(
            body=body,
            url=str(response.url),
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            moved_to=moved_to,
        )

    def _body(self, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large()
            if time.monotonic() > deadline:
                raise RetryableError(f"rss: {self.host} took longer than {self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> PermanentError:
        return PermanentError(
            f"rss: the feed from {self.host} is larger than {self.max_bytes // 1024} KiB"
        )

    def _refusal(self, response: httpx.Response) -> Exception:
        status = response.status_code
        wait = retry_after(response.headers.get("Retry-After"), self.clock())
        if status == 429 or (status == 503 and wait is not None):
            return RateLimited(f"rss: {self.host} asks to wait (HTTP {status})", retry_after=wait)
        if status >= 500:
            return RetryableError(f"rss: {self.host} failed (HTTP {status})")
        reason = REFUSED.get(status, f"the feed server refused the request (HTTP {status})")
        return Rejected(f"rss: {self.host}: {reason}")
