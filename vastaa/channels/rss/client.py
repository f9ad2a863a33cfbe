"""Fetching a feed over HTTP with httpx: conditional GET, redirects, a size cap, a time limit.

``FeedClient.fetch`` sends the ETag and Last-Modified of the previous answer (If-None-Match,
If-Modified-Since) and answers ``None`` on 304 Not Modified. Redirects are followed by hand, at
most five, each to an https:// address; a permanent one (301, 308) is reported so a person can
update the channel. The body is read in chunks and refused past ``max_bytes`` (after
decompression); the whole fetch must end within ``timeout`` seconds.

Before each request the host is resolved (``resolve``, ``socket.getaddrinfo`` unless a test
gives another) and refused (``Rejected``) when any of its addresses is on this machine or a
private network: loopback, private, shared, link-local, unspecified, reserved or multicast,
IPv4-mapped IPv6 included. So neither a feed's redirect nor an https:// address in the settings
reaches a cloud metadata service or an internal server. The one exception is the operator's own
choice of a plain ``http://`` address on this machine (the tests' local server): it is not
resolved, and redirects within that same origin are followed. The connection itself resolves
the name again: a name whose answer changes in between (DNS rebinding) is not caught.

Errors, in Vastaa's tree: 429 (and 503 with Retry-After) → ``RateLimited`` with the seconds
asked for; other 5xx, time-outs and network errors → ``RetryableError``; 401, 403, 404, 410 and
other 4xx → ``Rejected``. The feed's address may carry a secret (a private feed token, an alert
id): messages name only its host.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any
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
PRIVATE = (
    "rss: {host} is a private or local address (this machine or an internal network); "
    "Vastaa reads feeds from the public internet only"
)
REFUSED = {
    401: "the feed server asks for a sign-in (HTTP 401); Vastaa reads public feeds only",
    403: "the feed server refused access (HTTP 403)",
    404: "there is no feed at that address (HTTP 404)",
    410: "the feed was removed (HTTP 410 Gone)",
}

Resolver = Callable[[str, int | None], Sequence[tuple[Any, ...]]]  # like socket.getaddrinfo


@dataclass(frozen=True)
class Page:
    """A feed as fetched: its bytes and what the next conditional GET sends back."""

    body: bytes
    url: str  # after redirects; parse_feed resolves relative links on its host
    content_type: str | None
    etag: str | None
    last_modified: str | None
    moved_to: str | None = None  # where a permanent redirect points


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification (certifi's CA bundle), built once, not on every fetch:
    loading the bundle costs more than fetching a small feed."""
    return httpx.create_ssl_context()


def local(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK


def public(url: str) -> str:
    """An address fit for a message: scheme and host, never the path or the query (a private
    feed or a Google Alert keeps its token there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def private(address: str) -> bool:
    """Whether an IP address (as ``getaddrinfo`` gives it) is not on the public internet."""
    ip = ipaddress.ip_address(address.partition("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_reserved
        or ip.is_multicast
        or not ip.is_global
    )


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
        resolve: Resolver = socket.getaddrinfo,
    ) -> None:
        self.url = url
        self.host = urlsplit(url).hostname or "the feed server"
        self.transport = transport
        self.resolve = resolve
        self.trusted = urlsplit(url).scheme == "http" and local(url)  # the operator's own
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
            self._check(url)
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
        if urlsplit(target).scheme != "https" and not self._own(target):
            raise PermanentError(
                f"rss: the feed redirects to {public(target)}, which Vastaa does not follow "
                "(https:// only)"
            )
        return target

    def _own(self, url: str) -> bool:
        """The operator's local address (``http://127.0.0.1:port``) and its own paths."""
        return self.trusted and public(url) == public(self.url)

    def _check(self, url: str) -> None:
        """Refuse an address whose host resolves to this machine or a private network."""
        if self._own(url):
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            found = self.resolve(host, parts.port or (80 if parts.scheme == "http" else 443))
        except OSError as error:
            raise RetryableError(f"rss: could not find {host} ({type(error).__name__})") from error
        except ValueError as error:  # a port that is no number, a name IDNA cannot encode
            raise PermanentError(f"rss: an address on {host} is not valid") from error
        if not found:
            raise RetryableError(f"rss: could not find {host}")
        if any(private(str(info[4][0])) for info in found):
            raise Rejected(PRIVATE.format(host=host))

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
