"""The Graph API over httpx: one call, its answer, and its errors in Vastaa's tree.

The Page access token travels in the ``Authorization`` header, never in a URL, and is scrubbed
from any text Meta sends back. Graph errors are ``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}``: codes 4, 17, 32 and 613 (and HTTP 429) are rate limits,
190 is a token that expired or was revoked, 1 and 2 (and any 5xx, or ``is_transient``) are
worth trying again, the rest are refusals in Meta's own words.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

import certifi
import httpx

from vastaa.channels.base import RateLimited, Rejected
from vastaa.errors import RetryableError

TIMEOUT_SECONDS = 15.0
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODE = 190
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage")
FULL = 100  # a usage header's percentage at which Meta throttles
UNKNOWN_WAIT_SECONDS = 600.0  # throttled with no estimate: Meta's window is a rolling hour


class Refused(Rejected):
    """Meta refused the call; ``code`` and ``subcode`` are Graph's error numbers."""

    def __init__(self, reason: str, code: Any = None, subcode: Any = None) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    headers: httpx.Headers


class Graph:
    def __init__(
        self,
        base_url: str,
        version: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = f"{base_url.rstrip('/')}/{version}/"
        self._token = token
        self._transport = transport

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Answer:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any]) -> Answer:
        return self.call("POST", path, body=body)

    def delete(self, path: str) -> Answer:
        return self.call("DELETE", path)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Answer:
        try:
            with self._client() as client:
                response = client.request(method, path.lstrip("/"), params=params, json=body)
        except httpx.HTTPError as error:
            raise RetryableError(f"meta: {type(error).__name__} talking to the Graph API") from None
        if response.is_success:
            return Answer(_json(response), response.headers)
        raise mapped(response, self._token)

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self._token}", "User-Agent": "vastaa"},
            transport=self._transport,
            timeout=TIMEOUT_SECONDS,
            verify=_tls(),
        )


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every call (building one reads the CA bundle: slow)."""
    return ssl.create_default_context(cafile=certifi.where())


def segment(graph_id: str) -> str:
    """A Graph id as one path segment (an id is never a path)."""
    if graph_id in ("", ".", ".."):
        raise Rejected(f"meta: {graph_id!r} is not a Graph id")
    return quote(graph_id, safe="")


def mapped(response: httpx.Response, token: str) -> Exception:
    """An unsuccessful answer as an error of Vastaa's tree, with Meta's reason."""
    error = _error_body(response)
    code = error.get("code")
    reason = _reason(response, error, token)
    if response.status_code == 429 or code in RATE_LIMIT_CODES:
        return RateLimited(f"meta: rate limited ({reason})", retry_after=retry_after(response))
    if code == TOKEN_CODE:
        return Refused(f"meta: token expired or invalid ({reason})", code)
    if response.status_code >= 500 or code in TRANSIENT_CODES or error.get("is_transient"):
        return RetryableError(f"meta: {reason}")
    return Refused(f"meta: {reason}", code, error.get("error_subcode"))


def is_missing(error: Exception) -> bool:
    """Graph's "object does not exist" (code 100, subcode 33): already deleted."""
    return isinstance(error, Refused) and (error.code, error.subcode) == (100, 33)


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` when sent, else the usage headers' estimate of regaining access."""
    value = response.headers.get("retry-after", "")
    if value.replace(".", "", 1).isdigit():
        return float(value)
    return regain_seconds(response.headers)


def wait_for(headers: httpx.Headers) -> float | None:
    """After a successful call: how long to wait when a usage header says the budget is spent."""
    if max((_percent(usage) for usage in usages(headers)), default=0) < FULL:
        return None
    return regain_seconds(headers) or UNKNOWN_WAIT_SECONDS


def regain_seconds(headers: httpx.Headers) -> float | None:
    minutes = [usage.get("estimated_time_to_regain_access") for usage in usages(headers)]
    longest = max((float(m) for m in minutes if isinstance(m, int | float)), default=0.0)
    return longest * 60 if longest > 0 else None


def usages(headers: httpx.Headers) -> list[dict[str, Any]]:
    """The usage objects of X-App-Usage, X-Page-Usage (one object) and
    X-Business-Use-Case-Usage (``{business id: [object, ...]}``)."""
    found: list[dict[str, Any]] = []
    for name in USAGE_HEADERS:
        try:
            value = json.loads(headers.get(name, "") or "null")
        except ValueError:
            continue
        if isinstance(value, dict) and "call_count" in value:
            found.append(value)
        elif isinstance(value, dict):
            for listed in value.values():
                if isinstance(listed, list):
                    found.extend(usage for usage in listed if isinstance(usage, dict))
    return found


def _percent(usage: dict[str, Any]) -> float:
    values = [usage.get(key) for key in ("call_count", "total_cputime", "total_time")]
    return max((float(v) for v in values if isinstance(v, int | float)), default=0.0)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise RetryableError(f"meta: HTTP {response.status_code} answered without JSON") from None
    return body if isinstance(body, dict) else {"data": body}


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _reason(response: httpx.Response, error: dict[str, Any], token: str) -> str:
    message = str(error.get("message") or f"HTTP {response.status_code} {response.reason_phrase}")
    code, subcode = error.get("code"), error.get("error_subcode")
    if code is not None:
        message = f"{message} (#{code}/{subcode})" if subcode else f"{message} (#{code})"
    return message.replace(token, "***")[:500] if token else message[:500]
